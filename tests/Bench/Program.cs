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
//       [--webhook http://host:port/path --secret S --fake-port P]   (an external bot instead of starting OimBot)
//       [--set Storage:GroupCommitMax=1 ...]   (the service's configuration for the run)
//   dotnet run -c Release --project tests/Bench -- report [--people 11305] [--weeks 13]   (aggregation + suppression)
//   dotnet run -c Release --project tests/Bench -- understanding   (training time, memory, per-message time, ML.NET comparison)
//   dotnet run -c Release --project tests/Bench -- purge [--conversations 1000000]   (retention on a large store, under load)
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

if (args is ["purge", ..])
{
    return await PurgeBench.RunAsync(args);
}

var options = BenchOptions.Parse(args);
await using var fake = await FakeTelegram.StartAsync(options.FakePort);
Console.WriteLine($"fake Telegram Bot API: {fake.BaseUrl}");

await using var bot = options.Webhook is null ? await OimBotProcess.StartAsync(fake.BaseUrl, options) : null;
var webhook = options.Webhook ?? bot!.WebhookUrl;
using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = options.Concurrency * 2 }) { Timeout = TimeSpan.FromSeconds(30) };

string[] script = ["hola", "1", "1", "2", "atras", "3", "menu", "4"];
var latencies = new ConcurrentBag<double>();
var failures = 0;
var sequence = 0L;

// Warm-up: one conversation, not measured.
await RunConversationAsync(9_000_000, measure: false);

var wall = Stopwatch.StartNew();
using var gate = new SemaphoreSlim(options.Concurrency);
await Task.WhenAll(Enumerable.Range(0, options.Users).Select(async user =>
{
    await gate.WaitAsync();
    try
    {
        await RunConversationAsync(1_000_000 + user, measure: true);
    }
    finally
    {
        gate.Release();
    }
}));
wall.Stop();

var sorted = latencies.Order().ToArray();
var messages = sorted.Length;
var report = new
{
    date = TimeProvider.System.GetUtcNow().ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
    users = options.Users,
    messagesPerUser = Math.Min(options.Messages, script.Length),
    concurrency = options.Concurrency,
    messages,
    failures,
    seconds = Math.Round(wall.Elapsed.TotalSeconds, 2),
    messagesPerSecond = Math.Round(messages / wall.Elapsed.TotalSeconds, 1),
    p50Ms = Math.Round(Percentile(sorted, 0.50), 1),
    p99Ms = Math.Round(Percentile(sorted, 0.99), 1),
    maxMs = Math.Round(sorted.LastOrDefault(), 1),
    peakMemoryMiB = bot?.PeakMemoryMiB(),
};
Console.WriteLine(JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true }));
Console.WriteLine($"| {report.date} | {report.users}×{report.messagesPerUser} | {report.concurrency} | {report.messagesPerSecond} | {report.p50Ms} | {report.p99Ms} | {report.peakMemoryMiB?.ToString("0", CultureInfo.InvariantCulture) ?? "n/a"} | {report.failures} |");
return failures == 0 ? 0 : 1;

async Task RunConversationAsync(long chat, bool measure)
{
    foreach (var text in script.Take(options.Messages))
    {
        var before = fake.RepliesTo(chat);
        var update = Interlocked.Increment(ref sequence);
        var body = "{\"update_id\":" + update + ",\"message\":{\"message_id\":" + update + ",\"from\":{\"id\":" + chat + ",\"is_bot\":false,\"first_name\":\"Bench\"},\"chat\":{\"id\":" + chat + ",\"type\":\"private\"},\"date\":1700000000,\"text\":" + JsonSerializer.Serialize(text) + "}}";
        using var request = new HttpRequestMessage(HttpMethod.Post, webhook) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("X-Telegram-Bot-Api-Secret-Token", options.Secret);
        var sent = Stopwatch.GetTimestamp();
        using var response = await http.SendAsync(request);
        if (!response.IsSuccessStatusCode)
        {
            Interlocked.Increment(ref failures);
            return;
        }

        var arrived = await fake.WaitForReplyAsync(chat, before, TimeSpan.FromSeconds(30));
        if (arrived is null)
        {
            Interlocked.Increment(ref failures);
            return;
        }

        if (measure)
        {
            latencies.Add(Stopwatch.GetElapsedTime(sent, arrived.Value).TotalMilliseconds);
        }
    }
}

static double Percentile(double[] sorted, double p) =>
    sorted.Length == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];

/// <param name="Settings">The service's configuration for this run (<c>--set Key=Value</c>, repeatable), e.g. <c>--set Storage:GroupCommitMax=1</c>.</param>
internal sealed record BenchOptions(int Users, int Messages, int Concurrency, string? Webhook, string Secret, int FakePort, string? BotDll, IReadOnlyDictionary<string, string>? Settings = null)
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
                .Where(kv => kv.Length == 2).ToDictionary(kv => kv[0].Replace(":", "__", StringComparison.Ordinal), kv => kv[1]));
    }
}

/// <summary>The Telegram Bot API as the bot sees it: sendMessage answers at once and records when each chat got a reply.</summary>
internal sealed partial class FakeTelegram : IAsyncDisposable
{
    private readonly ConcurrentDictionary<long, List<long>> _replies = new();
    private readonly ConcurrentQueue<TelegramDelivery> _deliveries = new();
    private readonly WebApplication _app;
    private readonly bool _keepDeliveries;
    private long _nextMessageId;

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

    public int RepliesTo(long chat) => _replies.TryGetValue(chat, out var list) ? Count(list) : 0;

    /// <summary>The timestamp of the first reply to <paramref name="chat"/> after it had <paramref name="before"/> replies.</summary>
    public async Task<long?> WaitForReplyAsync(long chat, int before, TimeSpan timeout)
    {
        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < timeout)
        {
            if (_replies.TryGetValue(chat, out var list))
            {
                lock (list)
                {
                    if (list.Count > before)
                    {
                        return list[before];
                    }
                }
            }

            await Task.Delay(1);
        }

        return null;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private static int Count(List<long> list)
    {
        lock (list)
        {
            return list.Count;
        }
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body);
        var body = await reader.ReadToEndAsync();
        var now = Stopwatch.GetTimestamp();
        context.Response.ContentType = "application/json";
        if (context.Request.Path.Value?.EndsWith("/sendMessage", StringComparison.Ordinal) == true && ChatId().Match(body) is { Success: true } match)
        {
            if (Interceptor is { } intercept && await intercept(context))
            {
                return;
            }

            var chat = long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
            var list = _replies.GetOrAdd(chat, _ => []);
            lock (list)
            {
                list.Add(now);
            }

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

    public bool IsRunning => _process is { HasExited: false };

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
                    return;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                // not listening yet
            }

            await Task.Delay(200);
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
    public double? PeakMemoryMiB()
    {
        if (_process is null)
        {
            return null;
        }

        var status = $"/proc/{_process.Id}/status";
        if (!File.Exists(status))
        {
            return null;
        }

        var line = File.ReadLines(status).FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return line is null ? null : double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
    }

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
