using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace OimBot.Bot.Tests.TestHost;

/// <summary>The real host in memory, with its own SQLite file, key file, clock and log capture.</summary>
public sealed class BotFactory : WebApplicationFactory<Program>
{
    public BotFactory(string? contentDirectory = null, string? factsPath = null, IDictionary<string, string?>? settings = null, bool tickingClock = false, Action<IServiceCollection>? services = null)
    {
        _services = services;
        Clock = new FakeClock { Ticking = tickingClock };
        Root = Directory.CreateTempSubdirectory("oimbot-host-").FullName;
        ContentDirectory = contentDirectory ?? RepoPaths.Content;
        FactsPath = factsPath ?? RepoPaths.Facts;
        Settings = settings ?? new Dictionary<string, string?>();
    }

    private readonly Action<IServiceCollection>? _services;

    public string Root { get; }

    public string ContentDirectory { get; }

    public string FactsPath { get; }

    public IDictionary<string, string?> Settings { get; }

    public string DatabasePath => Path.Combine(Root, "bot.db");

    public string InitialPasswordFile => Path.Combine(Root, "initial-admin-password");

    public FakeClock Clock { get; }

    public LogCapture Logs { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        // Program runs to app.RunAsync under the factory, and would warm up first (seconds per host); WarmUpTests cover it.
        builder.UseSetting("WarmUp:Enabled", "false");
        // The write-ahead log's reserve (64 MiB by default) would write that much per host; 1 MiB still runs it in every host.
        builder.UseSetting("Storage:LogReserveMiB", "1");
        builder.UseSetting("Storage:ConnectionString", $"Data Source={DatabasePath}");
        builder.UseSetting("Privacy:AddressKeyFile", Path.Combine(Root, "address.key"));
        builder.UseSetting("Analytics:PseudonymKeyFile", Path.Combine(Root, "analytics.key"));
        builder.UseSetting("Storage:SpoolDirectory", Path.Combine(Root, "spool"));
        builder.UseSetting("Handoff:InitialPasswordFile", InitialPasswordFile);
        builder.UseSetting("Content:Directory", ContentDirectory);
        builder.UseSetting("Content:FactsPath", FactsPath);
        // The tests start thousands of web chat conversations from one address; the limit tests set their own.
        builder.UseSetting("WebChat:NewConversationsPerAddress", "100000");
        builder.UseSetting("WebChat:MessagesPerMinutePerAddress", "100000");
        builder.UseSetting("WebChat:MessagesPerMinutePerConversation", "10000");
        builder.UseSetting("WebChat:PollsPerMinutePerAddress", "100000");
        builder.UseSetting("WebChat:CasesPerHourPerAddress", "10000");
        builder.UseSetting("WebChat:UrgentCasesPerHourPerAddress", "10000");
        foreach (var (key, value) in Settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureLogging(logging => logging.AddProvider(Logs).SetMinimumLevel(LogLevel.Trace));
        builder.ConfigureServices(services => services.AddSingleton<TimeProvider>(Clock));
        builder.ConfigureServices(services => services.AddSingleton<IStartupFilter, TestClientAddress>());
        if (_services is not null)
        {
            builder.ConfigureServices(_services);
        }
    }

    /// <summary>The in-memory server has no client address: a request may name one in <see cref="Header"/> (tests of per-address limits).</summary>
    private sealed class TestClientAddress : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, nextMiddleware) =>
            {
                if (context.Request.Headers.TryGetValue(Header, out var value) && System.Net.IPAddress.TryParse(value.ToString(), out var address))
                {
                    context.Connection.RemoteIpAddress = address;
                }

                return nextMiddleware(context);
            });
            next(app);
        };
    }

    public const string Header = "X-Test-Client-Address";

    /// <summary>The password every inbox account the tests create has.</summary>
    public const string StaffPassword = "una-clave-larga-123";

    /// <summary>Starts the host and creates inbox accounts (name, role), all with <see cref="StaffPassword"/>.</summary>
    public async Task<BotFactory> WithStaffAsync(params (string Name, string Role)[] staff)
    {
        ArgumentNullException.ThrowIfNull(staff);
        _ = CreateClient();
        var accounts = Services.GetRequiredService<OimBot.Bot.Handoff.InboxAccounts>();
        foreach (var (name, role) in staff)
        {
            await accounts.CreateAsync(name, role, StaffPassword, false, "test", CancellationToken.None);
        }

        return this;
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(Root, recursive: true);
            }
            catch (IOException)
            {
                // the OS cleans temp folders
            }
        }
    }
}
