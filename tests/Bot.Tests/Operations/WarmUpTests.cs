using System.Net;
using System.Text;
using Dapper;
using Microsoft.Data.Sqlite;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using OimBot.Bot.Handoff;
using OimBot.Bot.Operations;
using OimBot.Bot.Storage;
using OimBot.Bot.Tests.TestHost;

namespace OimBot.Bot.Tests.Operations;

/// <summary>
/// The start-up warm-up (README, Decisions): a throwaway twin of the service answers conversations before the real one
/// listens. It must never touch the real data, keys or providers, must never stop the service, and must let a stop
/// signal end the start.
/// </summary>
public sealed class WarmUpTests
{
    /// <summary>A real configuration with every section the twin must not take: its database, keys, providers, metrics.</summary>
    private static Dictionary<string, string?> RealSettings(string data) => new()
    {
        ["Content:Directory"] = RepoPaths.Content,
        ["Content:FactsPath"] = RepoPaths.Facts,
        ["Dialogs:SessionExpiry"] = "12:00:00",
        ["Storage:Provider"] = "postgres",
        ["Storage:ConnectionString"] = "Host=db.example;Password=real-secret",
        ["Storage:SpoolDirectory"] = Path.Combine(data, "spool"),
        ["Privacy:AddressKey"] = "cmVhbC1hZGRyZXNzLWtleS1yZWFsLWFkZHJlc3Mta2V5",
        ["Privacy:AddressKeyFile"] = Path.Combine(data, "address.key"),
        ["Analytics:PseudonymKeyFile"] = Path.Combine(data, "analytics.key"),
        ["Handoff:InitialPasswordFile"] = Path.Combine(data, "initial-admin-password"),
        ["Channels:WhatsApp:Enabled"] = "true",
        ["Channels:WhatsApp:AccessToken"] = "real-whatsapp-token",
        ["Channels:Twilio:Enabled"] = "true",
        ["Channels:Telegram:BotToken"] = "123:real",
        ["Channels:Telegram:ApiBaseUrl"] = "https://api.telegram.org",
        ["Metrics:Enabled"] = "true",
        ["Metrics:Token"] = "real-metrics-token-0123456789",
        ["Proxy:KnownProxies:0"] = "10.0.0.1",
    };

    [Fact]
    public void TheTwinTakesOnlyTheContentsLocationAndDialogSettings_EverythingElseIsItsOwn()
    {
        var folder = Path.Combine(Path.GetTempPath(), "twin");
        var real = new ConfigurationBuilder().AddInMemoryCollection(RealSettings("/srv/oimbot/data")).Build();

        var twin = WarmUp.TwinSettings(real, folder, "sqlite", $"Data Source={folder}/warm-up.db", 4321, "abc");

        Assert.Equal(RepoPaths.Content, twin["Content:Directory"]);
        Assert.Equal(RepoPaths.Facts, twin["Content:FactsPath"]);
        Assert.Equal("12:00:00", twin["Dialogs:SessionExpiry"]);
        foreach (var (key, value) in RealSettings("/srv/oimbot/data").Where(kv => !kv.Key.StartsWith("Content:", StringComparison.Ordinal) && !kv.Key.StartsWith("Dialogs:", StringComparison.Ordinal) && kv.Key != "Metrics:Enabled"))
        {
            Assert.False(twin.TryGetValue(key, out var taken) && taken == value, $"the twin took {key} from the real configuration");
        }

        Assert.DoesNotContain(twin.Values, v => v is not null && (v.Contains("/srv/oimbot", StringComparison.Ordinal) || v.Contains("real", StringComparison.Ordinal)));
        Assert.Equal("sqlite", twin["Storage:Provider"]);
        Assert.Equal("0", twin["Storage:PoolPrefill"]); // no extra connections on a real PostgreSQL server at start
        foreach (var path in new[] { "Storage:SpoolDirectory", "Privacy:AddressKeyFile", "Analytics:PseudonymKeyFile", "Handoff:InitialPasswordFile" })
        {
            Assert.StartsWith(folder, twin[path], StringComparison.Ordinal);
        }

        Assert.Equal("http://127.0.0.1:4321", twin["Urls"]);
        Assert.Equal("http://127.0.0.1:4321/warm-up", twin["Channels:Telegram:ApiBaseUrl"]);
        Assert.Equal("true", twin["Channels:Telegram:Enabled"]);
        Assert.False(twin.ContainsKey("Channels:WhatsApp:Enabled"));
        Assert.False(twin.ContainsKey("Channels:Twilio:Enabled"));
        // The twin serves /metrics (to loopback, without the real token) only when the real service does: the warm-up
        // reads it so that the exporter is compiled before the first scrape.
        Assert.Equal("true", twin["Metrics:Enabled"]);
        Assert.False(twin.ContainsKey("Metrics:Token"));
        var withoutMetrics = RealSettings("/srv/oimbot/data");
        withoutMetrics.Remove("Metrics:Enabled");
        Assert.False(WarmUp.TwinSettings(new ConfigurationBuilder().AddInMemoryCollection(withoutMetrics).Build(), folder, "sqlite", "Data Source=x", 4321, "abc").ContainsKey("Metrics:Enabled"));
    }

    [Fact]
    public void TheTwinDoesNotCreateTheInboxsFirstSupervisor()
    {
        var services = new ServiceCollection();
        services.AddHostedService<InboxBootstrap>();
        services.AddSingleton<IHostedService>(_ => throw new InvalidOperationException("not built here"));

        WarmUp.WithoutRealOnlyServices(services);

        Assert.DoesNotContain(services, d => d.ImplementationType == typeof(InboxBootstrap));
        Assert.Single(services, d => d.ServiceType == typeof(IHostedService));
    }

    [Fact]
    public async Task TheTwinAnswersWholeConversations_AndLeavesNothingBehind()
    {
        using var temp = new TempContent();
        var data = Path.Combine(temp.Root, "data");
        var settings = RealSettings(data);
        settings["Storage:Provider"] = "sqlite";
        settings["Storage:ConnectionString"] = $"Data Source={Path.Combine(data, "oimbot.db")}";
        var real = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var tmp = Directory.CreateDirectory(Path.Combine(temp.Root, "tmp")).FullName;

        WeakReference? twin = null;
        var report = await WarmUp.RunAsync(real, new TestEnvironment(temp.Root), new WarmUpOptions { MaxDuration = TimeSpan.FromSeconds(2) }, CancellationToken.None, temporaryRoot: tmp, built: app => twin = new WeakReference(app.Services));

        Assert.True(report.Rounds >= 1);
        Assert.True(report.Messages >= 48, $"{report.Messages} messages");
        Assert.Equal(report.Messages, report.Accepted);
        // Every message of every script is answered, the photo and the other languages included.
        Assert.True(report.Replies >= report.Messages, $"{report.Replies} replies to {report.Messages} messages");
        // Connections are opened again and again, both ways, so that accepting and connecting are compiled too.
        Assert.True(report.WebhookConnections >= report.Messages / WarmUp.CloseConnectionEvery, $"{report.WebhookConnections} webhook connections for {report.Messages} messages");
        Assert.True(report.ApiConnections >= report.Replies / WarmUp.CloseConnectionEvery, $"{report.ApiConnections} Bot API connections for {report.Replies} replies");
        // SQLite has one instance: no round as if another one served the people's last messages.
        Assert.Equal(0, report.AsIfAnotherInstance);
        // The real service serves /metrics: the twin's was read (and answered) after every round.
        Assert.Equal(report.Rounds, report.MetricsScrapes);
        Assert.False(Directory.Exists(data), "the twin wrote into the real data folder");
        Assert.Empty(Directory.EnumerateFileSystemEntries(tmp)); // the twin's folder is gone
        // Nothing the twin made outlives it (a timer or a static cache would keep its whole container in memory).
        for (var i = 0; i < 5 && twin!.IsAlive; i++)
        {
            await Task.Delay(200);
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }

        Assert.False(twin!.IsAlive, "the twin's services are still reachable after the warm-up");
    }

    /// <summary>The service, built (not started) on the shipped content with a 2-second warm-up and these settings, its logs kept.</summary>
    private static WebApplication ServiceWithLogs(LogCapture capture, Dictionary<string, string?> settings) =>
        BotApp.Build(
            new WebApplicationOptions { Args = [], ContentRootPath = RepoPaths.Root },
            configure: builder =>
            {
                builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>(settings)
                {
                    ["Content:Directory"] = RepoPaths.Content,
                    ["Content:FactsPath"] = RepoPaths.Facts,
                    ["WarmUp:MaxDuration"] = "00:00:02",
                });
                builder.Logging.AddProvider(capture);
            });

    [Fact]
    public async Task ATwinThatCannotStart_IsLoggedAndTheServiceStartsAnyway()
    {
        var capture = new LogCapture();
        await using var app = ServiceWithLogs(capture, new() { ["Dialogs:SessionExpiry"] = "not a duration" }); // the twin takes it, and cannot start with it

        Assert.True(await WarmUp.BeforeStartAsync(app));

        Assert.Contains(capture.Lines, l => l.StartsWith("Warning OimBot.WarmUp: The warm-up failed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TheServiceWarmsUpBeforeListening_WithoutTouchingTheRealProviderOrDatabase()
    {
        using var temp = new TempContent();
        await using var fake = await FakeProvider.StartAsync();
        var port = ServiceProcess.FreePort();
        var tmp = Directory.CreateDirectory(Path.Combine(temp.Root, "tmp")).FullName;
        await using var service = ServiceProcess.Start(temp.Root, ["--urls", $"http://127.0.0.1:{port}"], new Dictionary<string, string>
        {
            ["WarmUp__Enabled"] = "true",
            ["WarmUp__MaxDuration"] = "00:00:03",
            ["TMPDIR"] = tmp,
            ["Channels__Telegram__Enabled"] = "true",
            ["Channels__Telegram__BotToken"] = ChannelHost.TelegramToken,
            ["Channels__Telegram__WebhookSecret"] = ChannelHost.TelegramSecret,
            ["Channels__Telegram__ApiBaseUrl"] = fake.BaseUrl,
        });

        await service.WaitUntilHealthyAsync(port);
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (!service.Output.Contains("Warmed up after the start", StringComparison.Ordinal)) // healthy only once the JIT settled after listening
        {
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(10), service.Output);
            await Task.Delay(50);
        }

        var output = service.Output;
        var warmed = output.IndexOf("Warmed up in", StringComparison.Ordinal);
        Assert.True(warmed >= 0, output);
        Assert.True(output.IndexOf("OimBot is running", StringComparison.Ordinal) > warmed, output);
        Assert.Equal(1, Occurrences(output, "user: admin")); // the real inbox's supervisor only
        Assert.Empty(fake.Requests); // the twin's replies went to its own fake
        Assert.Empty(Directory.EnumerateFileSystemEntries(tmp, "oimbot-warm-up-*")); // the twin's folder is gone (the runtime keeps its diagnostic pipes here)
        await using (var connection = new SqliteConnection($"Data Source={Path.Combine(temp.Root, "data", "oimbot.db")};Mode=ReadOnly"))
        {
            await connection.OpenAsync();
            using var count = connection.CreateCommand();
            count.CommandText = "SELECT (SELECT COUNT(*) FROM conversations) + (SELECT COUNT(*) FROM outbox)";
            Assert.Equal(0L, (long)(await count.ExecuteScalarAsync())!);
        }

        // The real service answers on the real provider.
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/webhooks/telegram") { Content = new StringContent(ChannelHost.TelegramText(1, 42001, "hola"), Encoding.UTF8, "application/json") };
        request.Headers.Add("X-Telegram-Bot-Api-Secret-Token", ChannelHost.TelegramSecret);
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(request)).StatusCode);
        await fake.WaitForAsync(rs => rs.Any(r => r.Path.EndsWith("/sendMessage", StringComparison.Ordinal) && r.Body.Contains("\"chat_id\":42001", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task SigtermDuringTheWarmUp_EndsTheStartCleanly()
    {
        using var temp = new TempContent();
        var port = ServiceProcess.FreePort();
        var tmp = Directory.CreateDirectory(Path.Combine(temp.Root, "tmp")).FullName;
        await using var service = ServiceProcess.Start(temp.Root, ["--urls", $"http://127.0.0.1:{port}"], new Dictionary<string, string>
        {
            ["WarmUp__Enabled"] = "true",
            ["WarmUp__MaxDuration"] = "00:01:00",
            ["TMPDIR"] = tmp,
        });
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (!service.Output.Contains("Warming up", StringComparison.Ordinal))
        {
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(60), service.Output);
            await Task.Delay(100);
        }

        // Into the conversations: the twin has made its database (it migrates it as it starts, before any message).
        while (!Directory.EnumerateFiles(tmp, "warm-up.db", SearchOption.AllDirectories).Any())
        {
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(60), service.Output);
            Assert.DoesNotContain("Warmed up in", service.Output, StringComparison.Ordinal); // would have missed the moment
            await Task.Delay(20);
        }

        Assert.Equal(0, await service.TerminateAsync(TimeSpan.FromSeconds(20)));
        Assert.DoesNotContain("OimBot is running", service.Output, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(tmp, "oimbot-warm-up-*"));
    }

    [Fact]
    public async Task BrokenContent_WithTheWarmUpOn_StillStopsTheStartWithFileAndLine()
    {
        using var temp = new TempContent();
        var main = Path.Combine(temp.ContentDirectory, "main.yaml");
        await File.WriteAllTextAsync(main, (await File.ReadAllTextAsync(main)).Replace("goto: handoff", "goto: nowhere-at-all", StringComparison.Ordinal));

        var (exitCode, output) = await ServiceProcess.RunAsync(temp.Root, ["--urls", $"http://127.0.0.1:{ServiceProcess.FreePort()}"], environment: new Dictionary<string, string>
        {
            ["WarmUp__Enabled"] = "true",
        });

        Assert.Equal(1, exitCode);
        Assert.Matches(@"content/main\.yaml:\d+: error: node '[a-z-]+': unknown target 'nowhere-at-all'", output);
        Assert.Contains("The warm-up failed", output, StringComparison.Ordinal); // the twin met it first, and said so
        Assert.DoesNotContain("OimBot is running", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("WarmUp__MaxDuration", "00:10:00", "WarmUp:MaxDuration must be between 1 second and 5 minutes.")]
    [InlineData("WarmUp__Storage", "elsewhere", "WarmUp:Storage must be 'same' or 'sqlite'.")]
    public async Task AWarmUpSettingOutOfRange_StopsStartUp_NamingTheKey(string key, string value, string message)
    {
        using var temp = new TempContent();
        var (exitCode, output) = await ServiceProcess.RunAsync(temp.Root, ["--urls", $"http://127.0.0.1:{ServiceProcess.FreePort()}"], environment: new Dictionary<string, string>
        {
            [key] = value,
        });

        Assert.Equal(1, exitCode);
        Assert.Contains(message, output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
    }

    private static readonly DateTimeOffset Now = new(2026, 12, 2, 10, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(-7200, true)] // a start killed during its warm-up two hours ago
    [InlineData(-3601, true)]
    [InlineData(-3599, false)] // may be another instance's twin at work
    [InlineData(-60, false)]
    [InlineData(60, false)] // another machine's clock ahead
    public void ATwinsSchemaIsStaleAfterAnHour(int secondsAgo, bool stale)
    {
        var name = WarmUpSchema.NewName(Now.AddSeconds(secondsAgo));

        Assert.Matches("^oimbot_warm_up_[0-9]+_[0-9a-f]{8}$", name);
        Assert.Equal(stale, WarmUpSchema.IsStale(name, Now));
    }

    [Theory]
    [InlineData("public")]
    [InlineData("oimbot")]
    [InlineData("oimbot_warm_up_")]
    [InlineData("oimbot_warm_up_1_0badc0de; DROP TABLE x")]
    [InlineData("oimbot_warm_up_x_0badc0de")]
    [InlineData("oimbot_warm_up_1_0BADC0DE")]
    public void NothingButATwinsSchemaIsEverStale(string schema) => Assert.False(WarmUpSchema.IsStale(schema, Now.AddYears(100)));

    [Fact]
    public async Task OnPostgres_TheTwinWarmsUpInASchemaOfItsOwn_DropsIt_AndLeavesTheRealTablesAndInstancesAlone()
    {
        var connectionString = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("warm_up");
        await using (var database = new PostgresDatabase(connectionString, TimeProvider.System, NullLogger<PostgresDatabase>.Instance))
        {
            await database.MigrateAsync(CancellationToken.None); // the real service's tables, empty
        }

        var stale = WarmUpSchema.NewName(Now.AddHours(-2));
        var young = WarmUpSchema.NewName(Now.AddMinutes(-3));
        await using var db = new NpgsqlConnection(connectionString);
        await db.ExecuteAsync($"CREATE SCHEMA \"{stale}\"; CREATE TABLE \"{stale}\".conversations (id int); CREATE SCHEMA \"{young}\"");
        using var temp = new TempContent();
        var settings = RealSettings(Path.Combine(temp.Root, "data"));
        settings["Storage:ConnectionString"] = connectionString;
        var real = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var tmp = Directory.CreateDirectory(Path.Combine(temp.Root, "tmp")).FullName;
        Type? leadership = null;
        var hosted = new List<Type>();
        string? twinSchema = null;

        // Two rounds whatever the time: the second is driven as if another instance served each person's last message.
        var report = await WarmUp.RunAsync(real, new TestEnvironment(temp.Root), new WarmUpOptions { MaxDuration = TimeSpan.FromSeconds(2) }, CancellationToken.None, temporaryRoot: tmp, clock: new FakeClock(Now), minimumRounds: 2, built: app =>
        {
            leadership = app.Services.GetRequiredService<ILeadership>().GetType();
            hosted.AddRange(app.Services.GetServices<IHostedService>().Select(h => h.GetType()));
            twinSchema = new NpgsqlConnectionStringBuilder(app.Configuration["Storage:ConnectionString"]).SearchPath;
        });

        Assert.Equal("postgres", report.Storage);
        Assert.Null(report.StorageFallback);
        Assert.Null(report.SchemaLeft);
        Assert.True(report.UnloggedTables >= 10, $"{report.UnloggedTables} tables unlogged"); // its turns wrote no WAL
        Assert.True(report.Messages >= 48, $"{report.Messages} messages");
        Assert.Equal(report.Messages, report.Accepted);
        Assert.True(report.Replies >= report.Messages, $"{report.Replies} replies to {report.Messages} messages");
        // Its second round held, before each of a person's messages from the third on, the state of the message before last (as
        // one of several instances does): some turns sent on it found the row changed, rolled back and ran again, and
        // every message was still answered (above).
        Assert.True(report.Rounds >= 2, $"{report.Rounds} rounds in {report.Elapsed}");
        Assert.True(report.AsIfAnotherInstance >= 48 * 4, $"{report.AsIfAnotherInstance} messages as if another instance served the last one");
        Assert.True(report.KeptStateChanges > 0, $"{report.KeptStateChanges} turns found the row changed");
        // It ran in a schema of its own, made for it and dropped after it, with the stale one; the young one stays.
        Assert.NotNull(twinSchema);
        Assert.Matches("^oimbot_warm_up_[0-9]+_[0-9a-f]{8}$", twinSchema);
        Assert.NotEqual(young, twinSchema);
        Assert.Equal([young], await db.QueryAsync<string>("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'oimbot\\_warm\\_up\\_%'"));
        // The real tables saw nothing.
        Assert.Equal(0L, await db.ExecuteScalarAsync<long>("SELECT (SELECT COUNT(*) FROM public.conversations) + (SELECT COUNT(*) FROM public.outbox) + (SELECT COUNT(*) FROM public.cases) + (SELECT COUNT(*) FROM public.inbound_messages) + (SELECT COUNT(*) FROM public.analytics_events)"));
        // It led itself: no leadership lock taken from the real instances, no case announced to their inbox pages.
        Assert.Equal(typeof(SingleInstance), leadership);
        Assert.DoesNotContain(typeof(PostgresLeadership), hosted);
        Assert.DoesNotContain(typeof(PostgresCaseEventsBridge), hosted);
        Assert.Empty(Directory.EnumerateFileSystemEntries(tmp));
    }

    [Fact]
    public async Task OnPostgres_EveryTableOfTheTwinsSchemaIsMadeUnlogged_ReferencedTablesAfterTheirReferrers()
    {
        var connectionString = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("warm_up_unlogged");
        await using (var real = new PostgresDatabase(connectionString, TimeProvider.System, NullLogger<PostgresDatabase>.Instance))
        {
            await real.MigrateAsync(CancellationToken.None); // the real service's tables, which stay as they are
        }

        var schema = WarmUpSchema.NewName(Now);
        var twin = await WarmUpSchema.CreateAsync(connectionString, schema, Now, CancellationToken.None);
        await using (var database = new PostgresDatabase(twin, TimeProvider.System, NullLogger<PostgresDatabase>.Instance))
        {
            await database.MigrateAsync(CancellationToken.None); // the service's tables, in the twin's schema
        }

        await using var db = new NpgsqlConnection(connectionString);
        // A reference between two tables, as the schema may grow one: the referring table (last in name order) must go first.
        await db.ExecuteAsync($"CREATE TABLE \"{schema}\".aa_referenced (id int PRIMARY KEY); CREATE TABLE \"{schema}\".zz_referring (ref int REFERENCES \"{schema}\".aa_referenced (id))");
        var tables = await db.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM pg_tables WHERE schemaname = @schema", new { schema });

        var unlogged = await WarmUpSchema.UnlogAsync(connectionString, schema, CancellationToken.None);

        Assert.Equal(tables, unlogged);
        Assert.Equal(0L, await db.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = @schema AND c.relkind = 'r' AND c.relpersistence <> 'u'", new { schema }));
        Assert.Equal(
            await db.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM pg_tables WHERE schemaname = 'public'"),
            await db.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relpersistence = 'p'"));
        await WarmUpSchema.DropAsync(connectionString, schema);
    }

    [Fact]
    public async Task OnPostgres_WithoutTheRightToMakeASchema_TheTwinRunsOnSqlite_AndSaysHowToFixIt()
    {
        var server = await PostgresServer.GetAsync();
        var connectionString = await server.CreateDatabaseAsync("warm_up_limited");
        var role = $"limited_{Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(4)).ToLowerInvariant()}";
        await using (var db = new NpgsqlConnection(connectionString))
        {
            await db.ExecuteAsync($"CREATE ROLE {role} LOGIN"); // not the database's owner: no CREATE on it
        }

        var limited = new NpgsqlConnectionStringBuilder(connectionString) { Username = role }.ConnectionString;
        var capture = new LogCapture();
        await using var app = ServiceWithLogs(capture, new() { ["Storage:Provider"] = "postgres", ["Storage:ConnectionString"] = limited });

        Assert.True(await WarmUp.BeforeStartAsync(app));

        Assert.Contains(capture.Lines, l => l.StartsWith("Warning OimBot.WarmUp: The warm-up's twin runs on SQLite: it could not make a schema of its own in the PostgreSQL database (SQLSTATE 42501)", StringComparison.Ordinal) && l.Contains("WarmUp:Storage", StringComparison.Ordinal));
        Assert.Contains(capture.Lines, l => l.StartsWith("Information OimBot.WarmUp: Warmed up in", StringComparison.Ordinal) && l.Contains("(on SQLite, in a temporary folder)", StringComparison.Ordinal));
    }

    /// <summary>A small service on a free loopback port with /healthz and /other, <see cref="WarmUp.AfterStart"/> applied with the given settle.</summary>
    private static async Task<(WebApplication App, HttpClient Client)> StartWithAfterStartAsync(bool warming, Func<IServiceProvider, CancellationToken, Task> settle)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddSingleton<WarmUpState>();
        var app = builder.Build();
        app.MapGet("/healthz", () => "Healthy");
        app.MapGet("/other", () => "served");
        if (warming)
        {
            app.Services.GetRequiredService<WarmUpState>().Begin(); // as the warm-up before the start does
        }

        WarmUp.AfterStart(app, settle);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>().Features.Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()!.Addresses.Single();
        return (app, new HttpClient { BaseAddress = new Uri(address) });
    }

    [Fact]
    public async Task UntilTheWarmUpEndsAfterTheStart_HealthzSaysWarmingUp_AndEverythingElseIsServed()
    {
        var release = new TaskCompletionSource();
        var (app, client) = await StartWithAfterStartAsync(warming: true, settle: (_, _) => release.Task);
        await using var _ = app;
        using var __ = client;
        var state = app.Services.GetRequiredService<WarmUpState>();

        using (var warming = await client.GetAsync(new Uri("/healthz", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, warming.StatusCode);
            Assert.Equal("Warming up", await warming.Content.ReadAsStringAsync());
            Assert.Equal(TimeSpan.FromSeconds(1), warming.Headers.RetryAfter?.Delta);
        }

        Assert.Equal("served", await client.GetStringAsync(new Uri("/other", UriKind.Relative))); // people are answered meanwhile
        release.SetResult();
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (state.Warming)
        {
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(10));
            await Task.Delay(20);
        }

        Assert.Equal("Healthy", await client.GetStringAsync(new Uri("/healthz", UriKind.Relative)));
        await app.StopAsync();
    }

    [Fact]
    public async Task WithTheWarmUpOff_HealthzIsNeverHeldBack()
    {
        var settled = false;
        var (app, client) = await StartWithAfterStartAsync(warming: false, settle: (_, _) => { settled = true; return Task.CompletedTask; });
        await using var _ = app;
        using var __ = client;

        Assert.Equal("Healthy", await client.GetStringAsync(new Uri("/healthz", UriKind.Relative)));
        Assert.False(settled);
        await app.StopAsync();
    }

    [Theory]
    [InlineData("http://127.0.0.1:5080", "http://127.0.0.1:5080/healthz")]
    [InlineData("http://0.0.0.0:5080", "http://127.0.0.1:5080/healthz")]
    [InlineData("http://[::]:8080", "http://127.0.0.1:8080/healthz")]
    [InlineData("http://+:5000", "http://127.0.0.1:5000/healthz")]
    [InlineData("http://*:5000", "http://127.0.0.1:5000/healthz")]
    [InlineData("http://localhost:5000", "http://localhost:5000/healthz")]
    [InlineData("https://127.0.0.1:5001", null)]
    [InlineData("http://unix:/run/oimbot.sock", null)]
    public void TheRequestAfterTheStart_GoesToTheServicesOwnHealthz(string listening, string? expected)
    {
        var services = new ServiceCollection();
        var features = new Microsoft.AspNetCore.Http.Features.FeatureCollection();
        var addresses = new Microsoft.AspNetCore.Hosting.Server.Features.ServerAddressesFeature();
        addresses.Addresses.Add(listening);
        features.Set<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>(addresses);
        services.AddSingleton<Microsoft.AspNetCore.Hosting.Server.IServer>(new AddressesOnly(features));
        using var provider = services.BuildServiceProvider();

        Assert.Equal(expected, WarmUp.OwnHealthUrl(provider)?.ToString());
    }

    private sealed class AddressesOnly(Microsoft.AspNetCore.Http.Features.IFeatureCollection features) : Microsoft.AspNetCore.Hosting.Server.IServer
    {
        public Microsoft.AspNetCore.Http.Features.IFeatureCollection Features => features;

        public Task StartAsync<TContext>(Microsoft.AspNetCore.Hosting.Server.IHttpApplication<TContext> application, CancellationToken cancellationToken)
            where TContext : notnull => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public void Dispose()
        {
        }
    }

    private static int Occurrences(string text, string what) => text.Split(what).Length - 1;

    private sealed class TestEnvironment(string root) : IHostEnvironment
    {
        public string EnvironmentName { get; set; } = "Production";

        public string ApplicationName { get; set; } = "OimBot.Bot";

        public string ContentRootPath { get; set; } = root;

        public Microsoft.Extensions.FileProviders.IFileProvider ContentRootFileProvider { get; set; } = new Microsoft.Extensions.FileProviders.NullFileProvider();
    }
}
