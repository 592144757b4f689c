using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

// OimBot load generator. Drives whole conversations through signed Telegram webhooks into a running bot whose
// outbound goes to a fake Telegram Bot API on loopback, and measures, per message, the time from the webhook POST to
// the reply reaching the fake API. Reusable for other bots: point --webhook at any bot that accepts Telegram webhooks
// with a secret token and send its Bot API calls to the printed fake API URL.
//
//   dotnet run -c Release --project tests/Bench -- [--users 200] [--messages 8] [--concurrency 50]
//       [--webhook http://host:port/path --secret S --fake-port P [--pid PID]]   (an external bot instead of starting OimBot)
//       [--set Storage:GroupCommitMax=1 ...]   (the service's configuration for the run)
//   dotnet run -c Release --project tests/Bench -- report [--people 11305] [--weeks 13]   (aggregation + suppression)
//   dotnet run -c Release --project tests/Bench -- understanding   (training time, memory, per-message time, ML.NET comparison)
//   dotnet run -c Release --project tests/Bench -- purge [--conversations 1000000]   (retention on a large store, under load)
//   dotnet run -c Release --project tests/Bench -- compare [--rounds 3] [--warm-passes 2] [--systems oimbot-sqlite,grammy-sqlite,...] [--alternate] [--timeline FILE] [--write]
//       (issue 15: OimBot and its peers side by side; run tests/Bench/compare/setup once first)
//   dotnet run -c Release --project tests/Bench -- scale [--stored 1000000 [--previous-dedupe]] [--active 100000]   (issue 15: a large store, many people in a day)
//   dotnet run -c Release --project tests/Bench -- tree [--out tests/Bench/compare/tree.json]   (the menu tree the peers walk)
//   dotnet run -c Release --project tests/Bench -- faults [--minutes 3] [--provider sqlite|postgres|both] [--seed N]   (issue 14's long fault-injection run)

if (args is ["faults", ..])
{
    return await OimBot.Bench.FaultBench.RunAsync(args);
}

if (args is ["report", ..])
{
    return ReportBench.Run(args);
}

if (args is ["understanding", ..])
{
    return UnderstandingBench.Run(args);
}

if (args is ["tree", ..])
{
    return TreeExport.Run(args);
}

if (args is ["scale", ..])
{
    return await ScaleBench.RunAsync(args);
}

if (args is ["compare", ..])
{
    return await OimBot.Bench.CompareBench.RunAsync(args);
}

if (args is ["purge", ..])
{
    return await PurgeBench.RunAsync(args);
}

var options = BenchOptions.Parse(args);
await using var fake = await FakeTelegram.StartAsync(options.FakePort);
Console.WriteLine($"fake Telegram Bot API: {fake.BaseUrl}");

await using var bot = options.Webhook is null ? await OimBotProcess.StartAsync(fake.BaseUrl, options) : null;
var webhook = options.Webhook ?? bot!.WebhookUrl;
int[] pids = bot is not null ? [bot.ProcessId] : options.Pid is { } pid ? [pid] : [];
string[] metrics = bot is not null ? [bot.MetricsUrl] : [];
using var http = LoadRun.Client(options.Concurrency);

// Warm-up: one conversation, not measured.
await LoadRun.RunAsync(fake, [webhook], options.Secret, http, users: 1, options.Messages, concurrency: 1, firstChat: 9_000_000, pids);
var report = await LoadRun.RunAsync(fake, [webhook], options.Secret, http, options.Users, options.Messages, options.Concurrency, firstChat: 1_000_000, pids, metrics);
Console.WriteLine(JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true }));
Console.WriteLine($"| {TimeProvider.System.GetUtcNow():yyyy-MM-dd} | {report.Users}×{report.MessagesPerUser} | {report.Concurrency} | {report.MessagesPerSecond:0} | {report.P50Ms:0.0} | {report.P99Ms:0.0} | {report.PeakMemoryMiB?.ToString("0", CultureInfo.InvariantCulture) ?? "n/a"} | {report.Failures} |");
return report.Failures == 0 && report.Replies == report.Messages ? 0 : 1;

/// <param name="Settings">The service's configuration for this run (<c>--set Key=Value</c>, repeatable), e.g. <c>--set Storage:GroupCommitMax=1</c>.</param>
/// <param name="Pid">an external bot's process (<c>--pid</c>), whose CPU time and peak memory the run reads</param>
internal sealed record BenchOptions(int Users, int Messages, int Concurrency, string? Webhook, string Secret, int FakePort, string? BotDll, IReadOnlyDictionary<string, string>? Settings = null, int? Pid = null)
{
    public static BenchOptions Parse(string[] args)
    {
        string? Value(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
        int Int(string name, int fallback) => int.TryParse(Value(name), CultureInfo.InvariantCulture, out var v) ? v : fallback;
        return new BenchOptions(
            Int("--users", 200),
            Int("--messages", 8),
            Int("--concurrency", 50),
            Value("--webhook"),
            Value("--secret") ?? "bench-secret",
            Int("--fake-port", 0),
            Value("--bot-dll"),
            args.Select((a, i) => (a, i)).Where(x => x.a == "--set" && x.i + 1 < args.Length).Select(x => args[x.i + 1].Split('=', 2))
                .Where(kv => kv.Length == 2).ToDictionary(kv => kv[0].Replace(":", "__", StringComparison.Ordinal), kv => kv[1]),
            int.TryParse(Value("--pid"), CultureInfo.InvariantCulture, out var pid) ? pid : null);
    }
}

/// <summary>The Telegram Bot API as the bot sees it: sendMessage answers at once and records when each chat got a reply.</summary>
internal sealed partial class FakeTelegram : IAsyncDisposable
{
    private readonly ConcurrentDictionary<long, ChatReplies> _replies = new();
    private readonly ConcurrentQueue<TelegramDelivery> _deliveries = new();
    private readonly ConcurrentDictionary<string, bool> _connections = new(StringComparer.Ordinal);
    private readonly WebApplication _app;
    private readonly bool _keepDeliveries;
    private long _nextMessageId;
    private long _total;

    private FakeTelegram(WebApplication app, bool keepDeliveries)
    {
        _app = app;
        _keepDeliveries = keepDeliveries;
    }

    public string BaseUrl { get; private set; } = string.Empty;

    /// <summary>
    /// Looks at each sendMessage before it is delivered (the fault run): returns true when it answered the request
    /// itself with a failure, in which case nothing was delivered.
    /// </summary>
    public Func<HttpContext, Task<bool>>? Interceptor { get; set; }

    /// <summary>Every delivered sendMessage in arrival order, when started with <c>keepDeliveries</c> (the fault run).</summary>
    public IReadOnlyCollection<TelegramDelivery> Deliveries => _deliveries;

    /// <param name="keepDeliveries">keep each reply's text (the fault run compares conversations); off for speed runs</param>
    public static async Task<FakeTelegram> StartAsync(int port, bool keepDeliveries = false)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var fake = new FakeTelegram(app, keepDeliveries);
        app.Run(fake.HandleAsync);
        await app.StartAsync();
        fake.BaseUrl = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return fake;
    }

    public int RepliesTo(long chat) => Chat(chat).Count;

    /// <summary>Connections the bots opened to this fake so far (each counted once, by its id).</summary>
    public int Connections => _connections.Count;

    /// <summary>Every sendMessage delivered so far, to any chat.</summary>
    public int TotalReplies => (int)Interlocked.Read(ref _total);

    /// <summary>
    /// The timestamp of the first reply to <paramref name="chat"/> after it had <paramref name="before"/> replies, or null
    /// after <paramref name="timeout"/>. Woken by the reply itself: the generator spends no CPU waiting.
    /// </summary>
    public Task<long?> WaitForReplyAsync(long chat, int before, TimeSpan timeout) => Chat(chat).WaitAsync(before, timeout);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private ChatReplies Chat(long chat) => _replies.GetOrAdd(chat, _ => new ChatReplies());

    private async Task HandleAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body);
        var body = await reader.ReadToEndAsync();
        var now = Stopwatch.GetTimestamp();
        _connections.TryAdd(context.Connection.Id, true);
        context.Response.ContentType = "application/json";
        if (context.Request.Path.Value?.EndsWith("/sendMessage", StringComparison.Ordinal) == true && ChatId().Match(body) is { Success: true } match)
        {
            if (Interceptor is { } intercept && await intercept(context))
            {
                return;
            }

            var chat = long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
            Chat(chat).Add(now);
            Interlocked.Increment(ref _total);

            var messageId = Interlocked.Increment(ref _nextMessageId);
            if (_keepDeliveries)
            {
                using var json = JsonDocument.Parse(body);
                _deliveries.Enqueue(new TelegramDelivery(chat, messageId, json.RootElement.GetProperty("text").GetString() ?? string.Empty, now));
            }

            await context.Response.WriteAsync("{\"ok\":true,\"result\":{\"message_id\":" + messageId + ",\"date\":0,\"chat\":{\"id\":1,\"type\":\"private\"}}}");
            return;
        }

        await context.Response.WriteAsync("""{"ok":true,"result":true}""");
    }

    [GeneratedRegex("\"chat_id\":(\\d+)")]
    private static partial Regex ChatId();
}

/// <summary>When each reply to one chat arrived, and who waits for the next.</summary>
internal sealed class ChatReplies
{
    private readonly List<long> _arrived = [];
    private readonly List<(int Index, TaskCompletionSource<long> Waiter)> _waiters = [];

    public int Count
    {
        get
        {
            lock (_arrived)
            {
                return _arrived.Count;
            }
        }
    }

    public void Add(long timestamp)
    {
        lock (_arrived)
        {
            _arrived.Add(timestamp);
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Index < _arrived.Count)
                {
                    _waiters[i].Waiter.TrySetResult(_arrived[_waiters[i].Index]);
                    _waiters.RemoveAt(i);
                }
            }
        }
    }

    public async Task<long?> WaitAsync(int before, TimeSpan timeout)
    {
        var waiter = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_arrived)
        {
            if (_arrived.Count > before)
            {
                return _arrived[before];
            }

            _waiters.Add((before, waiter));
        }

        try
        {
            return await waiter.Task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            lock (_arrived)
            {
                _waiters.RemoveAll(w => w.Waiter == waiter);
            }

            return null;
        }
    }
}

/// <summary>A sendMessage the fake answered 200: the chat, the message id it gave (rising), the text, when (Stopwatch ticks).</summary>
internal sealed record TelegramDelivery(long Chat, long MessageId, string Text, long Timestamp);

/// <summary>
/// OimBot as a separate process, from a temp copy of content/ and seeds/, on a free loopback port. The fault run kills
/// it (SIGKILL) and starts it again on the same port and folder, so its data/ (SQLite file, spool, key files) survives.
/// </summary>
internal sealed class OimBotProcess : IAsyncDisposable
{
    private readonly ProcessStartInfo _start;
    private readonly TextWriter? _log;
    private Process? _process;

    private OimBotProcess(ProcessStartInfo start, string root, int port, TextWriter? log)
    {
        _start = start;
        Root = root;
        Port = port;
        _log = log;
    }

    /// <summary>The working directory: content/, seeds/ and the service's data/.</summary>
    public string Root { get; }

    public int Port { get; }

    public string BaseUrl => $"http://127.0.0.1:{Port}";

    public string WebhookUrl => $"{BaseUrl}/webhooks/telegram";

    /// <summary>The service's Prometheus endpoint (served to loopback without a token).</summary>
    public string MetricsUrl => $"{BaseUrl}/metrics";

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>The running process's id (its CPU time and memory are read from /proc).</summary>
    public int ProcessId => _process?.Id ?? throw new InvalidOperationException("not started");

    /// <summary>From the process's start to its first healthy /healthz, at the last (re)start (OimBot warms up before it listens).</summary>
    public TimeSpan StartedIn { get; private set; }

    public static Task<OimBotProcess> StartAsync(string fakeBaseUrl, BenchOptions options) =>
        StartAsync(fakeBaseUrl, options.Secret, options.BotDll, options.Settings ?? new Dictionary<string, string>(), logFile: null);

    /// <param name="environment">configuration added to (or replacing) the bench's own</param>
    /// <param name="logFile">where the service's output goes (kept across restarts); without it only standard error is shown</param>
    public static async Task<OimBotProcess> StartAsync(string fakeBaseUrl, string secret, string? botDll, IReadOnlyDictionary<string, string> environment, string? logFile)
    {
        var repo = FindRepo();
        var root = Directory.CreateTempSubdirectory("oimbot-bench-").FullName;
        CopyDirectory(Path.Combine(repo, "content"), Path.Combine(root, "content"));
        CopyDirectory(Path.Combine(repo, "seeds"), Path.Combine(root, "seeds"));
        var dll = botDll ?? Path.Combine(repo, "src", "Bot", "bin", AppContext.BaseDirectory.Contains("/Release/", StringComparison.Ordinal) ? "Release" : "Debug", "net10.0", "OimBot.Bot.dll");
        var port = FreePort();

        var info = new ProcessStartInfo("dotnet") { WorkingDirectory = root, RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(dll);
        info.ArgumentList.Add("--urls");
        info.ArgumentList.Add($"http://127.0.0.1:{port}");
        info.Environment["Channels__Telegram__Enabled"] = "true";
        info.Environment["Channels__Telegram__BotToken"] = "123:bench";
        info.Environment["Channels__Telegram__WebhookSecret"] = secret;
        info.Environment["Channels__Telegram__ApiBaseUrl"] = fakeBaseUrl;
        // Measure the service, not Telegram's published limits (30/s overall, 1/s per chat), which the outbox enforces in production.
        info.Environment["Channels__Telegram__MessagesPerSecond"] = "100000";
        info.Environment["Channels__Telegram__PerChatPerSecond"] = "1000";
        info.Environment["Outbox__Concurrency"] = "64";
        info.Environment["Logging__LogLevel__Default"] = "Warning";
        info.Environment["Metrics__Enabled"] = "true"; // the runtime's allocation count, read before and after each pass (the meters record either way)
        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        var bot = new OimBotProcess(info, root, port, logFile is null ? null : TextWriter.Synchronized(new StreamWriter(logFile, append: true) { AutoFlush = true }));
        try
        {
            await bot.RestartAsync();
            return bot;
        }
        catch
        {
            await bot.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts the process (again, after <see cref="Kill"/>: same port, same folder) and waits until /healthz answers.</summary>
    public async Task RestartAsync()
    {
        if (IsRunning)
        {
            throw new InvalidOperationException("already running");
        }

        _process?.Dispose();
        var process = Process.Start(_start)!;
        _process = process;
        if (_log is { } log)
        {
            process.OutputDataReceived += (_, e) => { if (e.Data is not null) log.WriteLine(e.Data); };
            process.ErrorDataReceived += (_, e) => { if (e.Data is not null) log.WriteLine(e.Data); };
        }
        else
        {
            process.OutputDataReceived += (_, _) => { };
            process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine($"[bot] {e.Data}"); };
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < TimeSpan.FromSeconds(90))
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"OimBot exited with {process.ExitCode} while starting");
            }

            try
            {
                if ((await client.GetAsync($"{BaseUrl}/healthz")).IsSuccessStatusCode)
                {
                    StartedIn = waited.Elapsed;
                    return;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                // not listening yet
            }

            await Task.Delay(50);
        }

        throw new TimeoutException("OimBot did not start");
    }

    /// <summary>SIGKILL (Process.Kill on Linux): no shutdown hooks, no flush, as in a power cut or an OOM kill.</summary>
    public void Kill()
    {
        if (IsRunning)
        {
            _process!.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
    }

    /// <summary>The process's peak resident memory (VmHWM), in MiB, on Linux.</summary>
    public double? PeakMemoryMiB() => _process is null ? null : ProcessFigures.PeakMemoryMiB(_process.Id);

    public async ValueTask DisposeAsync()
    {
        if (_process is not null)
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }

            _process.Dispose();
        }

        _log?.Dispose();
        Directory.Delete(Root, recursive: true);
    }

    internal static int FreePort()
    {
        using var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        probe.Start();
        return ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
    }

    internal static string FindRepo()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "OimBot.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("run from inside the repository");
    }

    internal static void CopyDirectory(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}
