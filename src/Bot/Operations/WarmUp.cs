using System.Collections.Concurrent;
using System.ComponentModel.DataAnnotations;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Npgsql;
using OimBot.Bot.Channels;
using OimBot.Bot.ContentHosting;
using OimBot.Bot.Handoff;
using OimBot.Bot.Storage;

namespace OimBot.Bot.Operations;

/// <summary>
/// The start-up warm-up (README, Decisions): before the service listens, a throwaway twin of it answers conversations
/// so that the first real messages do not wait on the JIT.
/// </summary>
public sealed class WarmUpOptions
{
    public const string Section = "WarmUp";

    public bool Enabled { get; set; } = true;

    /// <summary>
    /// How long the warm-up may take at most (its first round of conversations always runs); it stops earlier once a
    /// second passes with almost nothing new compiled.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:05:00", ErrorMessage = "WarmUp:MaxDuration must be between 1 second and 5 minutes.")]
    public TimeSpan MaxDuration { get; set; } = TimeSpan.FromSeconds(20);

    public const string SameStorage = "same";

    public const string SqliteStorage = "sqlite";

    /// <summary>
    /// Where the twin keeps its data: "same" (the default) on the real service's provider, which on PostgreSQL is a
    /// schema of its own in the real database, made and dropped by the warm-up (<see cref="WarmUpSchema"/>); "sqlite"
    /// in a temporary folder whatever the real provider (no load on the database server, and no right to create a
    /// schema needed; PostgreSQL's code is then compiled on the first messages).
    /// </summary>
    [RegularExpression("^(?i:same|sqlite)$", ErrorMessage = "WarmUp:Storage must be 'same' or 'sqlite'.")]
    public string Storage { get; set; } = SameStorage;
}

/// <summary>
/// Whether the service has finished warming up: false from the start of the warm-up until the JIT has settled after
/// the service started listening (<see cref="WarmUp.AfterStart"/>); /healthz answers 503 "Warming up" meanwhile.
/// Never warming when the warm-up is off.
/// </summary>
public sealed class WarmUpState
{
    private volatile bool _warming;

    public bool Warming => _warming;

    internal void Begin() => _warming = true;

    internal void End() => _warming = false;
}

/// <param name="Messages">webhooks the twin was sent</param>
/// <param name="Accepted">of those, the ones it answered 200</param>
/// <param name="Replies">sendMessage calls the twin made to its fake Telegram</param>
/// <param name="Rounds">rounds of conversations driven</param>
/// <param name="MethodsCompiled">methods the JIT compiled while the twin ran (all tiers)</param>
/// <param name="Settled">true when it stopped because a round compiled almost nothing new, false at the time limit</param>
/// <param name="WebhookConnections">connections opened to the twin's webhook (one request in <see cref="WarmUp.CloseConnectionEvery"/> closes its own)</param>
/// <param name="ApiConnections">connections the twin opened to its fake Bot API (one answer in <see cref="WarmUp.CloseConnectionEvery"/> closes its own)</param>
/// <param name="Storage">the twin's provider: "sqlite" or "postgres"</param>
/// <param name="StorageFallback">why the twin ran on SQLite though the real service runs on PostgreSQL and WarmUp:Storage is "same" (null otherwise)</param>
/// <param name="SchemaLeft">the twin's PostgreSQL schema when it could not be dropped (the next start an hour later drops it)</param>
internal sealed record WarmUpReport(int Messages, int Accepted, int Replies, int Rounds, TimeSpan Elapsed, long MethodsCompiled, bool Settled, int WebhookConnections, int ApiConnections)
{
    public string Storage { get; init; } = StorageOptions.Sqlite;

    public string? StorageFallback { get; init; }

    public string? SchemaLeft { get; init; }

    /// <summary>On PostgreSQL, the twin's tables made unlogged before it was driven (<see cref="WarmUpSchema.UnlogAsync"/>).</summary>
    public int UnloggedTables { get; init; }

    /// <summary>
    /// On PostgreSQL, messages the twin was sent holding what one of several instances holds when another served the
    /// person's last message (<see cref="WarmUp.AsIfAnotherInstanceEvery"/>): the state of the message before last.
    /// </summary>
    public int AsIfAnotherInstance { get; init; }

    /// <summary>Of the twin's turns sent with their lock and writes on a kept state, those that found the row changed and ran again.</summary>
    public long KeptStateChanges { get; init; }

    /// <summary>
    /// When the real service serves /metrics: the twin's /metrics read after each round, so that the exporter's code is
    /// compiled (and its hot methods optimised) before ready rather than at the first scrapes, among the first people's
    /// messages. Zero otherwise.
    /// </summary>
    public int MetricsScrapes { get; init; }
}

/// <summary>
/// Builds a twin of the service with <see cref="BotApp.Build"/>: SQLite in a temporary folder (or, when the real service
/// runs on PostgreSQL, a schema of its own in the real database: <see cref="WarmUpSchema"/>) with keys of its own,
/// Telegram as its only channel, pointed at a fake Bot API mapped on the twin itself, and nothing of the real
/// configuration but the content's location (and on PostgreSQL the database's connection). Drives whole conversations through its signed webhook over loopback
/// (menus, buttons, other languages, a photo, free questions, danger in ordinary words) in rounds, until a round
/// compiles almost nothing new or the time is up; then stops it and deletes its folder. Nothing the twin does
/// reaches the real data, a provider or a log above errors.
/// </summary>
internal static partial class WarmUp
{
    /// <summary>Conversations driven at once.</summary>
    private const int Concurrency = 16;

    /// <summary>Conversations per round (each script the same number of times).</summary>
    private const int ConversationsPerRound = 48;

    /// <summary>Fewer methods compiled than this in the last <see cref="SettledWindow"/> ends the warm-up.</summary>
    private const int SettledBelow = 40;

    private static readonly TimeSpan SettledWindow = TimeSpan.FromSeconds(1);

    /// <summary>How long the last replies may take to arrive after the last round.</summary>
    private static readonly TimeSpan DrainWait = TimeSpan.FromSeconds(5);

    /// <summary>How long a message waits for its first reply before the conversation goes on anyway.</summary>
    private static readonly TimeSpan ReplyWait = TimeSpan.FromSeconds(2);

    /// <summary>
    /// One request and one Bot API answer in this many closes its connection: a fresh process accepts the webhooks'
    /// connections and opens its own to the provider, and those paths would otherwise still be compiling, at their first
    /// tier, when the first real people write (BENCHMARKS.md, the start-up warm-up).
    /// </summary>
    internal const int CloseConnectionEvery = 4;

    /// <summary>
    /// On PostgreSQL, every this many rounds (the second, the fourth…) the twin holds, before each of a person's messages
    /// from the third on, what it held before the message before: as one of several instances behind a balancer does, whose
    /// kept state is stale whenever another instance served the person since. Those turns read the state from the row,
    /// or send their lock with their writes, find the row changed, roll back and run again: code one instance alone
    /// never runs, which two instances otherwise compiled on their first real messages (some 250 methods each;
    /// BENCHMARKS.md, issue 15).
    /// </summary>
    internal const int AsIfAnotherInstanceEvery = 2;

    /// <summary>A step of a script: a text, a tap on the last reply's first button (null), or a photo ("\u0001photo").</summary>
    private const string Photo = "\u0001photo";

    /// <summary>
    /// What the twin is sent, each script a whole conversation. A tap (null) presses the first button of the last reply.
    /// The danger message comes last: it opens a case, after which messages wait for a caseworker.
    /// </summary>
    internal static readonly string?[][] Scripts =
    [
        ["hola", "1", "2", "1", "atras", "4", "menu", "3"],
        ["buenas", null, null, null, "menu", null, "BORRAR"],
        ["hello", "I want to go back to my country", "bonjour, j'ai besoin d'aide", "bonjou, mwen bezwen èd", "olá, preciso de ajuda", "你好，我需要帮助", "menu"],
        ["hola", "¿cómo consigo un permiso de trabajo?", Photo, "¿es peligroso cruzar el Darién?", "gracias", "me quitaron el pasaporte y me obligan a trabajar sin pago"],
    ];

    /// <summary>
    /// Runs the warm-up before the real service starts (when enabled) and logs what it did. A failure is logged and the
    /// service starts anyway; SIGTERM or Ctrl+C during it stops the start. Returns false when stopped so.
    /// </summary>
    public static async Task<bool> BeforeStartAsync(WebApplication app)
    {
        var options = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<WarmUpOptions>>().Value;
        if (!options.Enabled)
        {
            return true;
        }

        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("OimBot.WarmUp");
        app.Services.GetRequiredService<WarmUpState>().Begin();
        using var stop = new CancellationTokenSource();
        void Stop(System.Runtime.InteropServices.PosixSignalContext context)
        {
            context.Cancel = true;
            stop.Cancel();
        }

        LogWarmingUp(logger);
        using (System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, Stop))
        using (System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGINT, Stop))
        {
            try
            {
                var report = await RunAsync(app.Configuration, app.Environment, options, stop.Token, clock: app.Services.GetRequiredService<TimeProvider>());
                if (report.StorageFallback is not null)
                {
                    LogTwinOnSqlite(logger, report.StorageFallback);
                }

                LogWarmedUp(logger, report.Elapsed.TotalSeconds, report.Messages, report.Storage == StorageOptions.Postgres ? "PostgreSQL, in a schema of its own" : "SQLite, in a temporary folder", report.Rounds, report.MethodsCompiled, report.Settled ? "stopped once the JIT had settled (almost nothing compiled in the last second)" : "stopped at WarmUp:MaxDuration");
                if (report.SchemaLeft is not null)
                {
                    LogSchemaLeft(logger, report.SchemaLeft);
                }

                if (report.Accepted < report.Messages || report.Replies == 0)
                {
                    LogTwinFailed(logger, report.Accepted, report.Messages, report.Replies);
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return false;
            }
#pragma warning disable CA1031 // the warm-up only speeds the first messages up: whatever goes wrong in it must not stop the service
            catch (Exception ex)
#pragma warning restore CA1031
            {
                LogWarmUpFailed(logger, ex.GetType().FullName ?? "exception");
            }
        }

        ReleaseTwinMemory();
        return true;
    }

    /// <summary>
    /// The second half of the warm-up, once the real service listens (when the warm-up is on): one request to its own
    /// /healthz over loopback, which builds the routing table as a first request does, then a wait until the JIT has
    /// settled (fewer than <see cref="SettledAfterStartBelow"/> methods compiled in <see cref="SettledAfterStartWindow"/>,
    /// at most <see cref="SettleAfterStartMax"/>). The real service's own start calls code the twin's start called too,
    /// and without this wait its optimised versions, some 500 methods, were compiled in the first half second after
    /// the service said it was ready, beside the first people's messages (BENCHMARKS.md, the start-up warm-up).
    /// /healthz answers 503 "Warming up" until this ends (without running the health checks, whose failures are logged
    /// as errors), so that a load balancer or an orchestrator sends it people only then; messages that arrive meanwhile
    /// are answered as ever.
    /// </summary>
    /// <param name="settle">what ends the warm-up (tests); the request to /healthz and the JIT's settling unless given</param>
    public static void AfterStart(WebApplication app, Func<IServiceProvider, CancellationToken, Task>? settle = null)
    {
        var state = app.Services.GetRequiredService<WarmUpState>();
        if (!state.Warming)
        {
            return;
        }

        app.Use(async (context, next) =>
        {
            if (state.Warming && context.Request.Path.Equals("/healthz", StringComparison.OrdinalIgnoreCase))
            {
                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                context.Response.Headers.RetryAfter = "1";
                await context.Response.WriteAsync("Warming up");
                return;
            }

            await next(context);
        });

        app.Lifetime.ApplicationStarted.Register(() => _ = Task.Run(async () =>
        {
            try
            {
                await (settle ?? SettleAfterStartAsync)(app.Services, app.Lifetime.ApplicationStopping);
            }
#pragma warning disable CA1031 // the wait only keeps /healthz warming for a moment: whatever goes wrong in it must end it
            catch (Exception)
#pragma warning restore CA1031
            {
            }
            finally
            {
                state.End();
            }
        }));
    }

    private const int SettledAfterStartBelow = 10;

    private static readonly TimeSpan SettledAfterStartWindow = TimeSpan.FromMilliseconds(300);

    private static readonly TimeSpan SettleAfterStartMax = TimeSpan.FromSeconds(5);

    private static async Task SettleAfterStartAsync(IServiceProvider services, CancellationToken stopping)
    {
        var started = Stopwatch.StartNew();
        if (OwnHealthUrl(services) is { } url)
        {
            using var http = new HttpClient { Timeout = SettleAfterStartMax };
            try
            {
                using var _ = await http.GetAsync(url, stopping);
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                // the wait below still helps
            }
        }

        var history = new Queue<(TimeSpan At, long Compiled)>();
        history.Enqueue((started.Elapsed, System.Runtime.JitInfo.GetCompiledMethodCount()));
        while (started.Elapsed < SettleAfterStartMax)
        {
            await Task.Delay(50, stopping);
            var now = (At: started.Elapsed, Compiled: System.Runtime.JitInfo.GetCompiledMethodCount());
            while (history.Count > 1 && now.At - history.ElementAt(1).At >= SettledAfterStartWindow)
            {
                history.Dequeue();
            }

            if (now.At - history.Peek().At >= SettledAfterStartWindow && now.Compiled - history.Peek().Compiled < SettledAfterStartBelow)
            {
                break;
            }

            history.Enqueue(now);
        }

        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("OimBot.WarmUp");
        LogSettledAfterStart(logger, started.Elapsed.TotalSeconds);
    }

    /// <summary>The service's own /healthz over HTTP on loopback, from the addresses it listens on (null if none is plain HTTP over TCP).</summary>
    internal static Uri? OwnHealthUrl(IServiceProvider services)
    {
        var addresses = services.GetService<Microsoft.AspNetCore.Hosting.Server.IServer>()?.Features.Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()?.Addresses ?? [];
        foreach (var address in addresses)
        {
            if (!address.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || address.StartsWith("http://unix:", StringComparison.OrdinalIgnoreCase) || !Uri.TryCreate(address.Replace("://+", "://127.0.0.1", StringComparison.Ordinal).Replace("://*", "://127.0.0.1", StringComparison.Ordinal), UriKind.Absolute, out var uri))
            {
                continue;
            }

            var host = uri.Host is "0.0.0.0" or "[::]" or "::" ? "127.0.0.1" : uri.Host;
            return new UriBuilder(uri) { Host = host, Path = "/healthz" }.Uri;
        }

        return null;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Warmed up after the start in {Seconds:0.0} s: /healthz is healthy")]
    private static partial void LogSettledAfterStart(ILogger logger, double seconds);

    /// <summary>
    /// What the twin left behind is garbage now: the managed heap is collected and handed back, and so is the native
    /// heap's free memory (SQLite's caches were allocated there by the twin's threads, in arenas the real service's
    /// threads may never reuse). Without this the start-up's garbage stays resident and the service's peak grows by
    /// some 20–30 MiB (BENCHMARKS.md, the start-up warm-up).
    /// </summary>
    private static void ReleaseTwinMemory()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        try
        {
            _ = MallocTrim(0);
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            // not glibc (musl has no malloc_trim): its allocator returns memory on its own terms
        }
    }

#pragma warning disable SYSLIB1054 // LibraryImport would need unsafe code in the whole project for one blittable call
    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "malloc_trim")]
    [System.Runtime.InteropServices.DefaultDllImportSearchPaths(System.Runtime.InteropServices.DllImportSearchPath.SafeDirectories)]
    private static extern int MallocTrim(nuint pad);
#pragma warning restore SYSLIB1054

    [LoggerMessage(Level = LogLevel.Information, Message = "Warming up: a throwaway twin of the service answers conversations before this one listens (WarmUp:Enabled)")]
    private static partial void LogWarmingUp(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Warmed up in {Seconds:0.0} s: {Messages} messages through a throwaway twin of the service (on {Storage}) in {Rounds} rounds, {Methods} methods compiled; {Reason}")]
    private static partial void LogWarmedUp(ILogger logger, double seconds, int messages, string storage, int rounds, long methods, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The warm-up's twin runs on SQLite: it could not make a schema of its own in the PostgreSQL database ({Reason}), so PostgreSQL's code will be compiled on the first messages. Grant the service's database user CREATE on the database, or set WarmUp:Storage to sqlite to say this is intended.")]
    private static partial void LogTwinOnSqlite(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The warm-up's schema {Schema} could not be dropped; the next start drops it once it is an hour old.")]
    private static partial void LogSchemaLeft(ILogger logger, string schema);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The warm-up's twin accepted {Accepted} of {Messages} messages and sent {Replies} replies; starting anyway. Check the content and the storage settings.")]
    private static partial void LogTwinFailed(ILogger logger, int accepted, int messages, int replies);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The warm-up failed ({Exception}); going on without it.")]
    private static partial void LogWarmUpFailed(ILogger logger, string exception);

    /// <param name="temporaryRoot">where the twin's folder is made (the system's temporary folder unless given)</param>
    /// <param name="built">sees the twin once built (tests: that nothing keeps it alive afterwards)</param>
    /// <param name="clock">names the twin's PostgreSQL schema (the system's clock unless given)</param>
    /// <param name="minimumRounds">rounds driven whatever the time (tests: the second round is the first as if another instance served)</param>
    public static async Task<WarmUpReport> RunAsync(IConfiguration real, IHostEnvironment environment, WarmUpOptions options, CancellationToken cancellationToken, string? temporaryRoot = null, Action<WebApplication>? built = null, TimeProvider? clock = null, int minimumRounds = 1)
    {
        var folder = temporaryRoot is null
            ? Directory.CreateTempSubdirectory("oimbot-warm-up-")
            : Directory.CreateDirectory(Path.Combine(temporaryRoot, $"oimbot-warm-up-{Convert.ToHexString(RandomNumberGenerator.GetBytes(6))}"));
        var started = Stopwatch.StartNew();
        var compiledBefore = System.Runtime.JitInfo.GetCompiledMethodCount();
        var sqlite = $"Data Source={Path.Combine(folder.FullName, "warm-up.db")}";
        var (provider, connectionString, schema, fallback) = (StorageOptions.Sqlite, sqlite, (string?)null, (string?)null);
        var realConnectionString = real[$"{StorageOptions.Section}:{nameof(StorageOptions.ConnectionString)}"] ?? string.Empty;
        if (string.Equals(options.Storage, WarmUpOptions.SameStorage, StringComparison.OrdinalIgnoreCase)
            && string.Equals(real[$"{StorageOptions.Section}:{nameof(StorageOptions.Provider)}"], StorageOptions.Postgres, StringComparison.OrdinalIgnoreCase))
        {
            var name = WarmUpSchema.NewName((clock ?? TimeProvider.System).GetUtcNow());
            try
            {
                (provider, connectionString, schema) = (StorageOptions.Postgres, await WarmUpSchema.CreateAsync(realConnectionString, name, (clock ?? TimeProvider.System).GetUtcNow(), cancellationToken), name);
            }
            catch (PostgresException ex)
            {
                fallback = $"SQLSTATE {ex.SqlState}";
            }
            catch (Exception ex) when (ex is NpgsqlException or ArgumentException or InvalidOperationException or TimeoutException or System.Net.Sockets.SocketException)
            {
                fallback = ex.GetType().Name;
            }
        }

        WarmUpReport report;
        string? left = null;
        var unlogged = 0;
        try
        {
            var port = FreePort();
            var secret = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
            var telegram = new TwinTelegram();
            var twin = BotApp.Build(
                new WebApplicationOptions { Args = [], ContentRootPath = environment.ContentRootPath, EnvironmentName = environment.EnvironmentName },
                configure: builder =>
                {
                    builder.Configuration.Sources.Clear();
                    builder.Configuration.AddInMemoryCollection(TwinSettings(real, folder.FullName, provider, connectionString, port, secret));
                },
                adjustServices: WithoutRealOnlyServices,
                mapMore: app => app.MapPost("/warm-up/bot{token}/{method}", telegram.HandleAsync));
            built?.Invoke(twin);
            await using (twin)
            {
                twin.Services.GetRequiredService<ContentHost>().LoadOrThrow();
                await twin.StartAsync(cancellationToken);
                if (schema is not null)
                {
                    try
                    {
                        unlogged = await WarmUpSchema.UnlogAsync(realConnectionString, schema, cancellationToken);
                    }
                    catch (NpgsqlException)
                    {
                        // the twin's turns are then logged: the warm-up is as useful, the server's log only larger
                    }
                }

                try
                {
                    var store = provider == StorageOptions.Postgres ? twin.Services.GetRequiredService<IConversationStore>() as ConversationStore : null;
                    var metrics = twin.Services.GetRequiredService<IOptions<MetricsOptions>>().Value.Enabled ? new Uri($"http://127.0.0.1:{port}/metrics") : null;
                    report = await DriveAsync(new Uri($"http://127.0.0.1:{port}/webhooks/telegram"), secret, telegram, options.MaxDuration, minimumRounds, started, compiledBefore, store, metrics, cancellationToken);
                }
                finally
                {
                    await twin.StopAsync(CancellationToken.None);
                }
            }
        }
        finally
        {
            using (var connection = new SqliteConnection(sqlite))
            {
                SqliteConnection.ClearPool(connection);
            }

            try
            {
                folder.Delete(recursive: true);
            }
            catch (IOException)
            {
                // a file still open: the system's temporary folder is cleaned by the system
            }

            // The twin and its pool are disposed (also when the start was stopped): its schema goes, and everything in it.
            if (schema is not null)
            {
                try
                {
                    await WarmUpSchema.DropAsync(realConnectionString, schema);
                }
                catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or TimeoutException)
                {
                    left = schema;
                }
            }
        }

        return report with { Storage = provider, StorageFallback = fallback, SchemaLeft = left, UnloggedTables = unlogged };
    }

    /// <summary>
    /// The twin's whole configuration: the real one's content location (and dialog settings), everything else its own.
    /// Nothing else of the real configuration is read, so no real key, provider or token can be reached; the real
    /// database's server only on PostgreSQL with <c>WarmUp:Storage</c> "same", in a schema of the twin's own
    /// (<paramref name="connectionString"/>).
    /// </summary>
    /// <param name="provider">the twin's storage provider: "sqlite", or "postgres" with a connection string to a schema of its own (<see cref="WarmUpSchema"/>)</param>
    internal static Dictionary<string, string?> TwinSettings(IConfiguration real, string folder, string provider, string connectionString, int port, string secret)
    {
        var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var section in new[] { "Content", "Dialogs" })
        {
            foreach (var (key, value) in real.GetSection(section).AsEnumerable())
            {
                if (value is not null)
                {
                    settings[key] = value;
                }
            }
        }

        settings["Urls"] = $"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}";
        settings["Logging:LogLevel:Default"] = "Error";
        settings["Storage:Provider"] = provider;
        settings["Storage:ConnectionString"] = connectionString;
        settings["Storage:SpoolDirectory"] = Path.Combine(folder, "spool");
        settings["Storage:LogReserveMiB"] = "0";
        settings["Storage:PoolPrefill"] = "0"; // on PostgreSQL: the twin's pool grows with its conversations, no more connections than that
        settings["Privacy:AddressKeyFile"] = Path.Combine(folder, "address.key");
        settings["Analytics:PseudonymKeyFile"] = Path.Combine(folder, "analytics.key");
        settings["Handoff:InitialPasswordFile"] = Path.Combine(folder, "initial-admin-password");
        settings["Channels:Telegram:Enabled"] = "true";
        settings["Channels:Telegram:Mode"] = "webhook";
        settings["Channels:Telegram:BotToken"] = "0:warm-up";
        settings["Channels:Telegram:WebhookSecret"] = secret;
        settings["Channels:Telegram:ApiBaseUrl"] = $"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/warm-up";
        settings["Channels:Telegram:MessagesPerSecond"] = "100000";
        settings["Channels:Telegram:PerChatPerSecond"] = "1000";
        if (real.GetValue<bool>($"{MetricsOptions.Section}:{nameof(MetricsOptions.Enabled)}"))
        {
            settings["Metrics:Enabled"] = "true"; // served to loopback only (no token): the warm-up reads it after each round
        }

        return settings;
    }

    /// <summary>
    /// The inbox's first supervisor is printed to the console: the twin's would only confuse. The provider clients'
    /// handlers never expire in the twin: an expiry timer would keep the whole twin in memory for two minutes after it
    /// stopped (the factory's timers outlive the container). And on PostgreSQL the twin is an instance alone in its
    /// schema: it must not take the real instances' leadership lock (an advisory lock is the database's, not the
    /// schema's) nor tell their inbox pages about its case (NOTIFY), so it leads itself and does not listen or announce.
    /// </summary>
    internal static void WithoutRealOnlyServices(IServiceCollection services)
    {
        services.ConfigureHttpClientDefaults(client => client.SetHandlerLifetime(Timeout.InfiniteTimeSpan));
        for (var i = services.Count - 1; i >= 0; i--)
        {
            var service = services[i];
            if (service.ServiceType == typeof(ILeadership)
                || (service.ServiceType == typeof(IHostedService)
                    && (service.ImplementationType == typeof(InboxBootstrap)
                        || service.ImplementationType == typeof(PostgresCaseEventsBridge)
                        || service.ImplementationFactory?.Method.ReturnType == typeof(PostgresLeadership))))
            {
                services.RemoveAt(i);
            }
        }

        services.AddSingleton<ILeadership, SingleInstance>();
    }

    /// <param name="store">the twin's store, when its rounds should alternate with some as if another instance served each person's last message (PostgreSQL)</param>
    /// <param name="metrics">the twin's /metrics, read after each round, when the real service serves its own</param>
    private static async Task<WarmUpReport> DriveAsync(Uri webhook, string secret, TwinTelegram telegram, TimeSpan maxDuration, int minimumRounds, Stopwatch started, long compiledBefore, ConversationStore? store, Uri? metrics, CancellationToken cancellationToken)
    {
        var asIfAnotherInstance = 0;
        var scrapes = 0;
        var connections = 0;
        using var http = new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = Concurrency,
            ConnectCallback = async (context, cancellationToken) =>
            {
                Interlocked.Increment(ref connections);
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        }) { Timeout = TimeSpan.FromSeconds(10) };
        var messages = 0;
        var accepted = 0;
        var update = 0L;
        var chat = 1_000_000_000L;
        var rounds = 0;
        var settled = false;
        // (when, methods compiled so far) after each round: the JIT promotes hot methods in bursts, a few hundred
        // milliseconds apart, for several seconds after the code first ran, so one quiet round proves nothing.
        var history = new Queue<(TimeSpan At, long Compiled)>();
        history.Enqueue((started.Elapsed, System.Runtime.JitInfo.GetCompiledMethodCount()));
        var driving = Stopwatch.StartNew();
        do // one round at least, however long the twin took to start: the first round is where most of the gain is
        {
            var firstChat = chat;
            chat += ConversationsPerRound;
            var anotherInstance = store is not null && rounds % AsIfAnotherInstanceEvery == AsIfAnotherInstanceEvery - 1;
            using var gate = new SemaphoreSlim(Concurrency);
            await Task.WhenAll(Enumerable.Range(0, ConversationsPerRound).Select(async i =>
            {
                await gate.WaitAsync(cancellationToken);
                try
                {
                    await ConverseAsync(firstChat + i, Scripts[i % Scripts.Length], anotherInstance ? store : null);
                }
                finally
                {
                    gate.Release();
                }
            }));

            if (metrics is not null)
            {
                using var response = await http.GetAsync(metrics, cancellationToken);
                scrapes += response.StatusCode == HttpStatusCode.OK ? 1 : 0;
            }

            rounds++;
            var now = (At: started.Elapsed, Compiled: System.Runtime.JitInfo.GetCompiledMethodCount());
            while (history.Count > 1 && now.At - history.ElementAt(1).At >= SettledWindow)
            {
                history.Dequeue();
            }

            settled = driving.Elapsed >= 2 * SettledWindow && now.At - history.Peek().At >= SettledWindow && now.Compiled - history.Peek().Compiled < SettledBelow;
            history.Enqueue(now);
        }
        while (rounds < minimumRounds || (started.Elapsed < maxDuration && !settled));

        // The last replies may still be on their way: let them arrive (each message has at least one), so that the
        // report is true and the twin stops idle.
        var draining = Stopwatch.StartNew();
        while (telegram.Total < accepted && draining.Elapsed < DrainWait)
        {
            await Task.Delay(20, cancellationToken);
        }

        return new WarmUpReport(messages, accepted, telegram.Total, rounds, started.Elapsed, System.Runtime.JitInfo.GetCompiledMethodCount() - compiledBefore, settled, Volatile.Read(ref connections), telegram.Connections)
        {
            AsIfAnotherInstance = asIfAnotherInstance,
            KeptStateChanges = store?.KeptStateChanges ?? 0,
            MetricsScrapes = scrapes,
        };

        async Task ConverseAsync(long chatId, string?[] script, ConversationStore? otherInstance)
        {
            var inbox = telegram.Chat(chatId);
            var address = new ChannelAddress(ChannelNames.Telegram, chatId.ToString(CultureInfo.InvariantCulture));
            LastStates.Entry? beforeLast = null;
            foreach (var step in script)
            {
                if (otherInstance is not null)
                {
                    // Held now: the state the last message left. Held instead: the one the message before it left (not
                    // the nothing before a first message: each such turn counts as a stale one, and a handful at once
                    // would stop the turns being decided ahead before any was sent on a stale state).
                    var last = otherInstance.KeptFor(address);
                    if (beforeLast is not null)
                    {
                        otherInstance.KeepAgain(address, beforeLast);
                        Interlocked.Increment(ref asIfAnotherInstance);
                    }

                    beforeLast = last;
                }

                var id = Interlocked.Increment(ref update);
                var body = step switch
                {
                    null => Callback(id, chatId, inbox.LastButton ?? "menu"),
                    Photo => Message(id, chatId, "\"photo\":[{\"file_id\":\"warm-up\",\"file_unique_id\":\"warm-up\",\"width\":1,\"height\":1}]"),
                    _ => Message(id, chatId, "\"text\":" + JsonSerializer.Serialize(step, WarmUpJson.Default.String)),
                };
                var before = inbox.Count;
                using var request = new HttpRequestMessage(HttpMethod.Post, webhook) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
                request.Headers.Add("X-Telegram-Bot-Api-Secret-Token", secret);
                request.Headers.ConnectionClose = id % CloseConnectionEvery == 0;
                Interlocked.Increment(ref messages);
                using (var response = await http.SendAsync(request, cancellationToken))
                {
                    if (response.StatusCode != HttpStatusCode.OK)
                    {
                        return; // counted as not accepted; the report says so
                    }
                }

                Interlocked.Increment(ref accepted);
                await inbox.WaitForMoreThanAsync(before, ReplyWait, cancellationToken);
            }
        }
    }

    private static string Message(long update, long chat, string content) =>
        $"{{\"update_id\":{update},\"message\":{{\"message_id\":{update},\"from\":{{\"id\":{chat},\"is_bot\":false,\"first_name\":\"W\"}},\"chat\":{{\"id\":{chat},\"type\":\"private\"}},\"date\":1700000000,{content}}}}}";

    private static string Callback(long update, long chat, string data) =>
        $"{{\"update_id\":{update},\"callback_query\":{{\"id\":\"w{update}\",\"from\":{{\"id\":{chat},\"is_bot\":false,\"first_name\":\"W\"}},\"message\":{{\"message_id\":1,\"chat\":{{\"id\":{chat},\"type\":\"private\"}},\"date\":1700000000}},\"data\":{JsonSerializer.Serialize(data, WarmUpJson.Default.String)}}}}}";

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The Bot API as the twin sees it: every call succeeds; each chat's replies are counted and its last first button kept.</summary>
    private sealed class TwinTelegram
    {
        private readonly ConcurrentDictionary<long, TwinChat> _chats = new();
        private readonly ConcurrentDictionary<string, bool> _connections = new(StringComparer.Ordinal);
        private int _total;
        private long _messageId;

        public int Total => Volatile.Read(ref _total);

        public int Connections => _connections.Count;

        public TwinChat Chat(long chat) => _chats.GetOrAdd(chat, _ => new TwinChat());

        public async Task<IResult> HandleAsync(HttpContext context, string method)
        {
            if (!string.Equals(method, "sendMessage", StringComparison.Ordinal))
            {
                return Results.Text("{\"ok\":true,\"result\":true}", "application/json");
            }

            _connections.TryAdd(context.Connection.Id, true);
            using var json = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
            var root = json.RootElement;
            var chat = root.GetProperty("chat_id").GetInt64();
            string? button = null;
            if (root.TryGetProperty("reply_markup", out var markup) && markup.TryGetProperty("inline_keyboard", out var rows) && rows.GetArrayLength() > 0 && rows[0].GetArrayLength() > 0)
            {
                button = rows[0][0].GetProperty("callback_data").GetString();
            }

            Interlocked.Increment(ref _total);
            Chat(chat).Delivered(button);
            var id = Interlocked.Increment(ref _messageId);
            if (id % CloseConnectionEvery == 0)
            {
                context.Response.Headers.Connection = "close";
            }

            return Results.Text($"{{\"ok\":true,\"result\":{{\"message_id\":{id},\"date\":0,\"chat\":{{\"id\":{chat},\"type\":\"private\"}}}}}}", "application/json");
        }
    }

    private sealed class TwinChat
    {
        private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _count;
        private string? _lastButton;

        public int Count => Volatile.Read(ref _count);

        public string? LastButton => Volatile.Read(ref _lastButton);

        public void Delivered(string? button)
        {
            if (button is not null)
            {
                Volatile.Write(ref _lastButton, button);
            }

            Interlocked.Increment(ref _count);
            Interlocked.Exchange(ref _next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        }

        /// <summary>Waits until the chat has more than <paramref name="count"/> replies, or <paramref name="wait"/> has passed.</summary>
        public async Task WaitForMoreThanAsync(int count, TimeSpan wait, CancellationToken cancellationToken)
        {
            var deadline = Stopwatch.GetTimestamp() + (long)(wait.TotalSeconds * Stopwatch.Frequency);
            while (true)
            {
                var next = Volatile.Read(ref _next).Task;
                var left = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), deadline);
                if (Count > count || left <= TimeSpan.Zero)
                {
                    return;
                }

                try
                {
                    await next.WaitAsync(left, cancellationToken);
                }
                catch (TimeoutException)
                {
                    return;
                }
            }
        }
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(string))]
internal sealed partial class WarmUpJson : System.Text.Json.Serialization.JsonSerializerContext;
