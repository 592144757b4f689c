using System.Collections.Concurrent;
using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace OimBot.Bench;

/// <summary>
/// <c>faults [--minutes 3] [--provider sqlite|postgres|both] [--seed N] [--users 40] [--faults kill,provider,database]
/// [--no-record]</c>: the long fault-injection run of issue 14 (the short one is
/// tests/Bot.Tests/Storage/FaultInjectionTests.cs). Under a steady load of signed Telegram webhooks, OimBot runs as
/// real processes (one on SQLite, two on one PostgreSQL) and is hurt one fault at a time, at moments drawn from the
/// seed: an instance is SIGKILLed and started again a few seconds later; the fake Bot API answers 429 with
/// retry_after, 5xx and timeouts for a while; PostgreSQL is stopped (immediate) for 10 s. One webhook in ten is
/// delivered twice, half of those to the other instance. When the load and the faults end and the outbox has
/// settled, the database and the fake's log say whether every accepted message got its turn and its replies, whether
/// anything went out twice (only sends in flight at a kill may), whether each person's messages and replies kept
/// their order, and whether the service answers again without a restart. The figures go into BENCHMARKS.md.
/// </summary>
internal static class FaultBench
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static async Task<int> RunAsync(string[] args)
    {
        var options = FaultOptions.Parse(args);
        using var stop = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            // Ctrl+C: unwind through the finally blocks, which kill the service processes and PostgreSQL.
            e.Cancel = true;
            stop.Cancel();
        };
        Console.CancelKeyPress += onCancel;
        try
        {
            var results = new List<FaultRunResult>();
            foreach (var provider in options.Providers)
            {
                await using var run = new FaultRun(provider, options);
                results.Add(await run.RunAsync(stop.Token));
            }

            foreach (var result in results)
            {
                Console.WriteLine(JsonSerializer.Serialize(result, Indented));
                Console.WriteLine(result.TableRow());
            }

            if (options.Record)
            {
                BenchmarksFile.Record(results);
            }

            return results.All(r => r.Passed) ? 0 : 1;
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            Console.Error.WriteLine("stopped: nothing recorded");
            return 130;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }
}

/// <param name="Faults">which faults to inject (<c>--faults kill,provider,database</c>, all by default): to tell which one a problem follows</param>
/// <param name="Record">false with <c>--no-record</c>: print the figures without adding them to BENCHMARKS.md</param>
internal sealed record FaultOptions(double Minutes, IReadOnlyList<string> Providers, int Seed, int Users, string? BotDll, IReadOnlySet<string> Faults, bool Record)
{
    public static FaultOptions Parse(string[] args)
    {
        string? Value(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
        var provider = Value("--provider") ?? "both";
        var providers = provider switch
        {
            "both" => new[] { "sqlite", "postgres" },
            "sqlite" or "postgres" => [provider],
            _ => throw new ArgumentException("--provider is sqlite, postgres or both"),
        };
        return new FaultOptions(
            double.TryParse(Value("--minutes"), CultureInfo.InvariantCulture, out var minutes) && minutes >= 1 ? minutes : 3,
            providers,
            int.TryParse(Value("--seed"), CultureInfo.InvariantCulture, out var seed) ? seed : 14,
            int.TryParse(Value("--users"), CultureInfo.InvariantCulture, out var users) && users > 0 ? users : 40,
            Value("--bot-dll"),
            (Value("--faults") ?? "kill,provider,database").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal),
            !args.Contains("--no-record"));
    }
}

/// <summary>The figures of one provider's run, as printed and written to BENCHMARKS.md.</summary>
internal sealed record FaultRunResult(
    string Date,
    string Provider,
    int Instances,
    double Minutes,
    int Users,
    int Accepted,
    int RefusedThenRetried,
    int FailedAttempts,
    int NeverAccepted,
    long Turns,
    int OutboxRows,
    int RepliesDelivered,
    int Lost,
    int NotSent,
    int Duplicates,
    int Kills,
    int InFlightAtKills,
    int Repeats,
    int ExtraSends,
    int OrderViolations,
    int ConversationMismatches,
    bool Recovered,
    string Faults,
    string Recovery,
    IReadOnlyList<string> Problems)
{
    public bool Passed => Problems.Count == 0;

    public string TableRow() => string.Create(CultureInfo.InvariantCulture,
        $"| {Date} | {Provider} | {Instances} | {Minutes:0.#} | {Users} | {Accepted:N0} | {RefusedThenRetried:N0} ({FailedAttempts:N0} failed attempts) | {Turns:N0} | {RepliesDelivered - Duplicates:N0} of {OutboxRows:N0} | {Lost + NotSent} | {Duplicates} ({Kills} kills, {InFlightAtKills} in flight) | {Repeats:N0} ({ExtraSends}) | {OrderViolations} / {ConversationMismatches} | {(Recovered ? "yes" : "no")} | {Faults} | {Recovery} |");
}

/// <summary>One provider's run: the fake Bot API, PostgreSQL when asked, the service processes, the load and the faults.</summary>
internal sealed class FaultRun(string provider, FaultOptions options) : IAsyncDisposable
{
    private const string Secret = "faults-secret";
    private const long FirstUserChat = 5_000_000;
    private const long CalibrationChat = 7_000_000;
    private const long FirstProbeChat = 8_000_000;

    /// <summary>A conversation that ends at the main menu, so every round after the first is the same.</summary>
    private static readonly string[] Script = ["hola", "1", "2", "menu", "3", "menu", "4", "menu"];

    /// <summary>The bot's time per Bot API call; the fake's "timeout" holds a request longer than that.</summary>
    private static readonly TimeSpan SendTimeout = TimeSpan.FromSeconds(3);

    private static readonly TimeSpan ProviderFaultLength = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan DatabaseOutage = TimeSpan.FromSeconds(10);

    private readonly List<OimBotProcess> _instances = [];
    private readonly ConcurrentDictionary<string, int> _failureKinds = new();
    private readonly List<FaultRecord> _faults = [];
    private readonly List<Message>[] _conversations = [.. Enumerable.Range(0, options.Users).Select(_ => new List<Message>())];
    private readonly List<Message> _calibration = [];
    private readonly string _logs = Directory.CreateTempSubdirectory("oimbot-faults-logs-").FullName;
    private readonly long _t0 = Stopwatch.GetTimestamp();
    private readonly HttpClient _http = new(new SocketsHttpHandler { MaxConnectionsPerServer = 512, ConnectTimeout = TimeSpan.FromSeconds(5), PooledConnectionIdleTimeout = TimeSpan.FromSeconds(5) });

    private FakeTelegram? _fake;
    private BenchPostgres? _postgres;
    private string? _databaseConnection;
    private long _nextUpdate = 1_000;
    private int _providerFaulty;
    private long _providerCalls;
    private int _answered429;
    private int _answered5xx;
    private int _timedOut;
    private int _repeats;
    private int _repeatsElsewhere;
    private volatile bool _loadStopping;
    private bool _passed;

    private FakeTelegram Fake => _fake ?? throw new InvalidOperationException("not started");

    public async Task<FaultRunResult> RunAsync(CancellationToken cancellationToken)
    {
        var duration = TimeSpan.FromMinutes(options.Minutes);
        _fake = await FakeTelegram.StartAsync(0, keepDeliveries: true);
        Fake.Interceptor = InterceptAsync;
        await StartServiceAsync();
        Log($"{_instances.Count} instance(s) up; fake Bot API at {Fake.BaseUrl}; service logs in {_logs}");

        var expected = await CalibrateAsync(cancellationToken);
        Log($"calibrated: {string.Join(' ', expected[0].Select(r => r.Length))} replies per message in the first round, {string.Join(' ', expected[1].Select(r => r.Length))} after");

        var loadStarted = Stopwatch.GetTimestamp();
        using var hardStop = new CancellationTokenSource();
        await using var hardStopRegistration = cancellationToken.Register(hardStop.Cancel);
        var users = Enumerable.Range(0, options.Users).Select(user => Task.Run(() => UserAsync(user, hardStop.Token), CancellationToken.None)).ToList();
        var faultsEnded = await RunFaultsAsync(duration, cancellationToken);

        // The load goes on until the run's length and at least 20 s after the last fault, so each fault is followed by steady load.
        var loadEnd = Max(duration, faultsEnded + TimeSpan.FromSeconds(20));
        var left = loadEnd - Stopwatch.GetElapsedTime(loadStarted);
        if (left > TimeSpan.Zero)
        {
            await Task.Delay(left, cancellationToken);
        }

        _loadStopping = true;
        hardStop.CancelAfter(TimeSpan.FromSeconds(120)); // a message still refused 2 minutes after the load is never accepted
        await Task.WhenAll(users);
        cancellationToken.ThrowIfCancellationRequested();
        var minutes = Stopwatch.GetElapsedTime(loadStarted).TotalMinutes;
        Log($"load stopped after {minutes:0.0} min; waiting for the outbox and the spools to settle");

        var settled = await SettleAsync(TimeSpan.FromMinutes(3), cancellationToken);
        var result = await AnalyseAsync(expected, minutes, settled, cancellationToken);
        _passed = result.Passed;
        return result;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var instance in _instances)
        {
            await instance.DisposeAsync();
        }

        if (_postgres is not null)
        {
            await _postgres.DisposeAsync();
        }

        if (_fake is not null)
        {
            await _fake.DisposeAsync();
        }

        _http.Dispose();
        if (_passed)
        {
            Directory.Delete(_logs, recursive: true);
        }
        else
        {
            Console.Error.WriteLine($"{provider}: service logs kept in {_logs}");
        }
    }

    private async Task StartServiceAsync()
    {
        var environment = new Dictionary<string, string>
        {
            ["Channels__Telegram__Timeout"] = SendTimeout.ToString("c", CultureInfo.InvariantCulture),
            // Shorter than the defaults so that a 3-minute run settles within minutes: rows claimed by a killed
            // instance come back after the lease, failed sends are retried within seconds, never dead-lettered here.
            ["Outbox__Lease"] = "00:00:30",
            ["Outbox__MaxAttempts"] = "30",
            ["Outbox__BaseDelay"] = "00:00:01",
            ["Outbox__MaxDelay"] = "00:00:10",
            ["Outbox__BreakDuration"] = "00:00:05",
        };
        var count = 1;
        if (provider == "postgres")
        {
            _postgres = await BenchPostgres.StartAsync();
            var connection = await _postgres.CreateDatabaseAsync("faults");
            _databaseConnection = _postgres.ConnectionString("faults", pooling: false);
            environment["Storage__Provider"] = "postgres";
            environment["Storage__ConnectionString"] = connection;
            // Every instance must read the others' addresses and count the same people (README, "Several instances").
            environment["Privacy__AddressKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
            environment["Analytics__PseudonymKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
            count = 2;
        }

        for (var i = 0; i < count; i++)
        {
            // One after the other: the first migrates, and two start-ups at once would only compete for the CPU.
            _instances.Add(await OimBotProcess.StartAsync(Fake.BaseUrl, Secret, options.BotDll, environment, Path.Combine(_logs, $"{Name(i)}.log")));
        }

        if (provider == "sqlite")
        {
            _databaseConnection = $"Data Source={Path.Combine(_instances[0].Root, "data", "oimbot.db")};Mode=ReadOnly;Pooling=False";
        }
    }

    /// <summary>
    /// What one person gets for each message of the script when nothing goes wrong: one conversation, each message
    /// answered and sent before the next. Index 0 is the first round (first contact), 1 every later round.
    /// </summary>
    private async Task<string[][][]> CalibrateAsync(CancellationToken cancellationToken)
    {
        var rounds = new List<string[]>();
        for (var i = 0; i < Script.Length * 3; i++)
        {
            var before = RepliesTo(CalibrationChat).Count;
            var message = new Message(CalibrationChat, i, Interlocked.Increment(ref _nextUpdate), Script[i % Script.Length]);
            _calibration.Add(message);
            if (!(await PostAsync(_instances[0], message.Body, cancellationToken)).Accepted)
            {
                throw new InvalidOperationException("the calibration message was refused before any fault");
            }

            message.Accepted = true;
            var waited = Stopwatch.StartNew();
            while (RepliesTo(CalibrationChat).Count == before || await PendingRowsAsync() != 0)
            {
                if (waited.Elapsed > TimeSpan.FromSeconds(30))
                {
                    throw new TimeoutException("no reply to a calibration message before any fault");
                }

                await Task.Delay(50, cancellationToken);
            }

            await Task.Delay(200, cancellationToken);
            rounds.Add([.. RepliesTo(CalibrationChat).Skip(before).Select(d => d.Text)]);
        }

        string[][] Round(int n) => [.. rounds.Skip(n * Script.Length).Take(Script.Length)];
        var (first, second, third) = (Round(0), Round(1), Round(2));
        if (!second.Zip(third).All(p => p.First.SequenceEqual(p.Second)))
        {
            throw new InvalidOperationException("the bot's replies differ between two identical rounds: conversations cannot be compared");
        }

        return [first, second];
    }

    /// <summary>
    /// One person: the script over and over, each message a signed webhook with a new update_id, alternating between
    /// instances. The next message waits for the webhook's answer (not for the reply) and a short pause, like a person
    /// typing. A refused webhook is sent again, like Telegram does, to the next instance, until it is accepted.
    /// </summary>
    private async Task UserAsync(int user, CancellationToken hardStop)
    {
        var random = new Random(HashCode.Combine(options.Seed, user));
        var chat = FirstUserChat + user;
        for (var i = 0; !_loadStopping; i++)
        {
            var message = new Message(chat, i, Interlocked.Increment(ref _nextUpdate), Script[i % Script.Length]);
            lock (_conversations[user])
            {
                _conversations[user].Add(message);
            }

            var target = (user + i) % _instances.Count;
            if (!await DeliverAsync(message, target, hardStop))
            {
                return;
            }

            if (random.NextDouble() < 0.10)
            {
                // Delivered again, as Telegram does when it did not see the answer; half of these to the other instance.
                var elsewhere = _instances.Count > 1 && random.Next(2) == 0;
                Interlocked.Increment(ref _repeats);
                if (elsewhere)
                {
                    Interlocked.Increment(ref _repeatsElsewhere);
                }

                await PostAsync(_instances[elsewhere ? 1 - message.Instance : message.Instance], message.Body, hardStop);
            }

            try
            {
                await Task.Delay(random.Next(300, 900), hardStop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task<bool> DeliverAsync(Message message, int target, CancellationToken hardStop)
    {
        var wait = TimeSpan.FromMilliseconds(250);
        message.SentAt = Stopwatch.GetTimestamp();
        while (true)
        {
            var (accepted, failure) = await PostAsync(_instances[target], message.Body, hardStop);
            if (accepted)
            {
                message.Accepted = true;
                message.Instance = target;
                message.AcceptedAt = Stopwatch.GetTimestamp();
                return true;
            }

            message.FailedAttempts++;
            _failureKinds.AddOrUpdate(failure!, 1, (_, n) => n + 1);
            try
            {
                await Task.Delay(wait, hardStop);
            }
            catch (OperationCanceledException)
            {
                return false;
            }

            wait = Min(wait * 2, TimeSpan.FromSeconds(2));
            target = (target + 1) % _instances.Count;
        }
    }

    private async Task<(bool Accepted, string? Failure)> PostAsync(OimBotProcess instance, string body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, instance.WebhookUrl) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("X-Telegram-Bot-Api-Secret-Token", Secret);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(15));
        try
        {
            using var response = await _http.SendAsync(request, timeout.Token);
            return response.StatusCode == HttpStatusCode.OK ? (true, null) : (false, $"HTTP {(int)response.StatusCode}");
        }
        catch (HttpRequestException ex)
        {
            return (false, ex.HttpRequestError == HttpRequestError.ConnectionError ? "connection refused" : "connection lost");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (false, "timeout");
        }
        catch (OperationCanceledException)
        {
            return (false, "stopped");
        }
    }

    /// <summary>The fake Bot API while the provider misbehaves: of every four sendMessage calls, one 429, one 5xx, one timeout, one delivered.</summary>
    private async Task<bool> InterceptAsync(HttpContext context)
    {
        if (Volatile.Read(ref _providerFaulty) == 0)
        {
            return false;
        }

        var call = Interlocked.Increment(ref _providerCalls);
        switch (call % 4)
        {
            case 0:
                Interlocked.Increment(ref _answered429);
                context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
                await context.Response.WriteAsync("""{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 1","parameters":{"retry_after":1}}""");
                return true;
            case 1:
                Interlocked.Increment(ref _answered5xx);
                var status = (call / 4 % 3) switch { 0 => 500, 1 => 502, _ => 503 };
                context.Response.StatusCode = status;
                await context.Response.WriteAsync($$"""{"ok":false,"error_code":{{status}},"description":"Internal Server Error"}""");
                return true;
            case 2:
                // Never delivered: held until the bot gives up (its send timeout), then the connection is dropped.
                Interlocked.Increment(ref _timedOut);
                try
                {
                    await Task.Delay(SendTimeout * 10, context.RequestAborted);
                }
                catch (OperationCanceledException)
                {
                    // the bot gave up, as it should
                }

                context.Abort();
                return true;
            default:
                return false;
        }
    }

    /// <summary>
    /// The faults, one at a time, in an order and at moments drawn from the seed, between 15 s after the start and
    /// 20 s before the end: kills (two a minute, at least two), one provider outage, and on PostgreSQL one database
    /// outage. Returns when the last one ended, as time since the load started.
    /// </summary>
    private async Task<TimeSpan> RunFaultsAsync(TimeSpan duration, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var random = new Random(options.Seed);
        var plan = new List<FaultKind>();
        if (options.Faults.Contains("kill"))
        {
            plan.AddRange(Enumerable.Repeat(FaultKind.Kill, Math.Max(2, (int)Math.Round(options.Minutes * 2))));
        }

        if (options.Faults.Contains("provider"))
        {
            plan.Add(FaultKind.Provider);
        }

        if (_postgres is not null && options.Faults.Contains("database"))
        {
            plan.Add(FaultKind.Database);
        }

        var order = plan.ToArray();
        random.Shuffle(order);
        var estimated = order.Sum(f => f switch { FaultKind.Kill => 10, FaultKind.Provider => ProviderFaultLength.TotalSeconds, _ => DatabaseOutage.TotalSeconds + 2 });
        var slack = Math.Max(order.Length * 2, duration.TotalSeconds - 35 - estimated);
        if (order.Length == 0)
        {
            return TimeSpan.Zero;
        }

        await Task.Delay(TimeSpan.FromSeconds(15), cancellationToken);
        foreach (var fault in order)
        {
            await Task.Delay(TimeSpan.FromSeconds(slack / order.Length * (0.5 + random.NextDouble())), cancellationToken);
            switch (fault)
            {
                case FaultKind.Kill:
                    await KillAndRestartAsync(random.Next(_instances.Count), TimeSpan.FromSeconds(1 + (random.NextDouble() * 3)), cancellationToken);
                    break;
                case FaultKind.Provider:
                    var start = Stopwatch.GetTimestamp();
                    Log($"the Bot API answers 429, 5xx and timeouts for {ProviderFaultLength.TotalSeconds:0} s");
                    Volatile.Write(ref _providerFaulty, 1);
                    await Task.Delay(ProviderFaultLength, cancellationToken);
                    Volatile.Write(ref _providerFaulty, 0);
                    _faults.Add(new FaultRecord(FaultKind.Provider, "Bot API", start, Stopwatch.GetTimestamp()));
                    Log($"the Bot API is well again ({_answered429} × 429, {_answered5xx} × 5xx, {_timedOut} timeouts so far)");
                    break;
                case FaultKind.Database:
                    var stopped = Stopwatch.GetTimestamp();
                    Log($"PostgreSQL stopped (immediate) for {DatabaseOutage.TotalSeconds:0} s");
                    await _postgres!.StopAsync();
                    await Task.Delay(DatabaseOutage, cancellationToken);
                    await _postgres.StartAgainAsync();
                    _faults.Add(new FaultRecord(FaultKind.Database, "PostgreSQL", stopped, Stopwatch.GetTimestamp()));
                    Log("PostgreSQL started again");
                    break;
            }
        }

        return Stopwatch.GetElapsedTime(started);
    }

    private async Task KillAndRestartAsync(int index, TimeSpan down, CancellationToken cancellationToken)
    {
        var instance = _instances[index];
        var killed = Stopwatch.GetTimestamp();
        instance.Kill();

        // Rows claimed and not settled when the process died: the only sends that may reach a person twice (sent,
        // not yet recorded). Counted after the kill, when the dead process's rows can no longer change (before it, a
        // row claimed in between would be missed); on PostgreSQL this counts both instances' rows, an upper bound.
        var inFlight = await TryCountAsync("SELECT COUNT(*) FROM outbox WHERE status = 'sending'");
        Log($"SIGKILL {Name(index)} ({inFlight} outbox rows sending); starting it again in {down.TotalSeconds:0.0} s");
        await Task.Delay(down, cancellationToken);
        var restart = Stopwatch.GetTimestamp();
        try
        {
            await instance.RestartAsync();
        }
        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException)
        {
            Log($"{Name(index)} did not start again ({ex.Message}); one more try");
            await Task.Delay(TimeSpan.FromSeconds(5), cancellationToken);
            await instance.RestartAsync();
        }

        var up = Stopwatch.GetTimestamp();
        _faults.Add(new FaultRecord(FaultKind.Kill, Name(index), killed, up, inFlight, Stopwatch.GetElapsedTime(restart, up)));
        Log($"{Name(index)} is up again (start-up {Stopwatch.GetElapsedTime(restart, up).TotalSeconds:0.0} s)");
    }

    /// <summary>Waits until no outbox row is pending or being sent and no message waits in a spool or the shared queue, twice in a row.</summary>
    private async Task<bool> SettleAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var waited = Stopwatch.StartNew();
        var quiet = 0;
        while (waited.Elapsed < timeout)
        {
            var pending = await TryCountAsync("SELECT COUNT(*) FROM outbox WHERE status IN ('pending', 'sending')");
            // On PostgreSQL, messages kept during an outage then wait in the shared queue until answered in order.
            var queued = _postgres is null ? 0 : await TryCountAsync("SELECT COUNT(*) FROM inbound_queue");
            quiet = pending == 0 && queued == 0 && _instances.Sum(i => SpoolFiles(i, failed: false)) == 0 ? quiet + 1 : 0;
            if (quiet == 2)
            {
                Log($"settled after {waited.Elapsed.TotalSeconds:0} s");
                return true;
            }

            await Task.Delay(500, cancellationToken);
        }

        Log($"not settled after {timeout.TotalMinutes:0} min");
        return false;
    }

    private async Task<FaultRunResult> AnalyseAsync(string[][][] expected, double minutes, bool settled, CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        if (!settled)
        {
            problems.Add("the outbox or a spool did not settle");
        }

        var messages = _conversations.SelectMany(c => c).Concat(_calibration).ToList();
        var accepted = messages.Count(m => m.Accepted);
        var neverAccepted = messages.Count(m => !m.Accepted);
        // Turns: each remembered message id, in its conversation's row (32 bytes each) or as a record of its own.
        var turns = await TryCountAsync("SELECT (SELECT COUNT(*) FROM inbound_messages WHERE channel = 'telegram') + (SELECT COALESCE(SUM(length(recent_inbound)), 0) / 32 FROM conversations WHERE channel = 'telegram')");
        var rows = await OutboxRowsAsync();
        var deliveries = Fake.Deliveries.ToList();

        // A delivery is the one its outbox row recorded (by the provider id "chat:message_id" the fake gave), or a
        // duplicate: the provider accepted it but the row was not told, so the row went out again.
        var recordedIds = rows.Where(r => r.ProviderId is not null).Select(r => r.ProviderId!).ToHashSet(StringComparer.Ordinal);
        var recorded = deliveries.Where(d => recordedIds.Contains(ProviderId(d))).ToList();
        var duplicates = deliveries.Count - recorded.Count;
        foreach (var near in deliveries.Where(d => !recordedIds.Contains(ProviderId(d)))
            .GroupBy(d => _faults.Where(f => f.Kind == FaultKind.Kill).MinBy(f => Math.Abs(f.Start - d.Timestamp))))
        {
            var times = near.Select(d => Stopwatch.GetElapsedTime(_t0, d.Timestamp).TotalSeconds).ToList();
            Log(string.Create(CultureInfo.InvariantCulture, $"sent twice: {times.Count} replies delivered at {times.Min():0.00}–{times.Max():0.00} s that no outbox row recorded; nearest kill at {(near.Key is null ? double.NaN : Stopwatch.GetElapsedTime(_t0, near.Key.Start).TotalSeconds):0.00} s, {near.Key?.InFlight} rows sending then"));
        }

        var notSent = rows.Count(r => r.Status != "sent");
        var sentWithoutId = rows.Count(r => r.Status == "sent" && r.ProviderId is null);
        var quarantined = _instances.Sum(i => SpoolFiles(i, failed: true));

        // The outbox's own order: a chat's rows, oldest first, reached the fake in that order.
        var orderViolations = rows.Where(r => r.ProviderId is not null)
            .GroupBy(r => r.ProviderId!.Split(':')[0], StringComparer.Ordinal)
            .Count(chat => !IsRising(chat.Select(r => long.Parse(r.ProviderId!.Split(':')[1], CultureInfo.InvariantCulture))));

        // Turns per person: each remembered message id names its conversation, whose outbox rows name the chat once sent.
        var chatOf = rows.Where(r => r is { ProviderId: not null, ConversationId: not null })
            .GroupBy(r => r.ConversationId!, StringComparer.Ordinal)
            .ToDictionary(g => long.Parse(g.First().ProviderId!.Split(':')[0], CultureInfo.InvariantCulture), g => g.Key);
        var turnsOf = await TurnsByConversationAsync();

        // Each person's conversation as they saw it, against the replies the script gets when nothing goes wrong
        // (calibration). With the right number of turns and replies, different texts mean the messages were handled
        // in another order than they were sent (the dialog's state made other replies).
        var byChat = recorded.GroupBy(d => d.Chat).ToDictionary(g => g.Key, g => g.OrderBy(d => d.MessageId).ToList());
        int missing = 0, extra = 0, reordered = 0, chatsLost = 0, differing = 0;
        var mismatches = new List<string>();
        foreach (var conversation in _conversations)
        {
            var chat = conversation.FirstOrDefault()?.Chat;
            if (chat is null)
            {
                continue;
            }

            var answered = conversation.Where(m => m.Accepted).ToList();
            var want = answered.SelectMany(m => Expected(expected, m)).ToList();
            var got = byChat.GetValueOrDefault(chat.Value) ?? [];
            var chatTurns = chatOf.TryGetValue(chat.Value, out var id) ? turnsOf.GetValueOrDefault(id) : 0;
            chatsLost += chatTurns < answered.Count ? 1 : 0;
            if (want.Count == got.Count)
            {
                // Each message's replies are the next ones in the chat: when the last of them arrived (for timings).
                var next = 0;
                foreach (var message in answered)
                {
                    next += Expected(expected, message).Length;
                    message.RepliedAt = got[next - 1].Timestamp;
                }
            }

            if (want.SequenceEqual(got.Select(d => d.Text)))
            {
                continue;
            }

            differing += want.Zip(got).Count(p => p.First != p.Second.Text);
            missing += Math.Max(0, want.Count - got.Count);
            extra += Math.Max(0, got.Count - want.Count);
            reordered += want.Count == got.Count && chatTurns == answered.Count ? 1 : 0;
            var at = want.Zip(got).TakeWhile(p => p.First == p.Second.Text).Count();
            mismatches.Add(Describe(chat.Value, answered, chatTurns, want, got, expected, at));
        }

        var lost = (int)Math.Max(0, accepted - turns);
        var kills = _faults.Where(f => f.Kind == FaultKind.Kill).ToList();
        var inFlight = (int)kills.Sum(k => Math.Max(0, k.InFlight));
        var recovery = await ProbeAsync(cancellationToken);

        if (lost > 0 || missing > 0 || chatsLost > 0)
        {
            problems.Add($"lost: {accepted} messages accepted, {turns} turns, {chatsLost} people with fewer turns than messages; {missing} replies missing from conversations");
        }

        if (notSent > 0 || sentWithoutId > 0 || quarantined > 0)
        {
            problems.Add($"{notSent} outbox rows not sent ({string.Join(", ", rows.Where(r => r.Status != "sent").GroupBy(r => r.Status).Select(g => $"{g.Count()} {g.Key}"))}), {sentWithoutId} sent without a provider id, {quarantined} messages set aside");
        }

        if (extra > 0)
        {
            problems.Add($"{extra} replies more than the conversations call for (a repeated delivery answered twice?)");
        }

        if (duplicates > inFlight)
        {
            problems.Add($"{duplicates} sends went out twice, more than the {inFlight} in flight at the kills");
        }

        if (orderViolations > 0 || reordered > 0)
        {
            problems.Add($"order: {orderViolations} chats got outbox rows out of order; {reordered} people had every message answered once but handled in another order than sent ({differing} replies differ from the calibration)");
        }

        if (neverAccepted > 0)
        {
            problems.Add($"{neverAccepted} messages were still refused 2 minutes after the load stopped");
        }

        if (!recovery.Recovered)
        {
            problems.Add($"no recovery: {recovery.Text}");
        }

        problems.AddRange(mismatches.Take(10));
        var kinds = string.Concat(_failureKinds.OrderByDescending(k => k.Value).Select(k => $", {k.Value} {k.Key}"));
        Log($"{accepted} accepted ({messages.Count(m => m.FailedAttempts > 0 && m.Accepted)} after refusals{kinds}), {turns} turns, {rows.Count} outbox rows, {deliveries.Count} deliveries ({duplicates} duplicates), {_repeats} repeated deliveries ({_repeatsElsewhere} to the other instance), {SpooledLines()} messages kept on disk");
        foreach (var problem in problems)
        {
            Log($"PROBLEM {problem}");
        }

        return new FaultRunResult(
            TimeProvider.System.GetUtcNow().ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            provider == "postgres" ? "PostgreSQL" : "SQLite",
            _instances.Count,
            Math.Round(minutes, 1),
            options.Users,
            accepted,
            messages.Count(m => m.FailedAttempts > 0 && m.Accepted),
            messages.Sum(m => m.FailedAttempts),
            neverAccepted,
            turns,
            rows.Count,
            deliveries.Count,
            lost + missing,
            notSent,
            duplicates,
            kills.Count,
            inFlight,
            _repeats,
            extra,
            orderViolations,
            reordered,
            recovery.Recovered,
            FaultSummary(),
            $"{RecoverySummary()}; afterwards {recovery.Text}",
            problems);
    }

    /// <summary>After everything: a new person writes to each instance and is answered within 10 s, nothing restarted.</summary>
    private async Task<(bool Recovered, string Text)> ProbeAsync(CancellationToken cancellationToken)
    {
        var seconds = new List<double>();
        var recovered = true;
        for (var i = 0; i < _instances.Count; i++)
        {
            var chat = FirstProbeChat + i;
            var sent = Stopwatch.GetTimestamp();
            var message = new Message(chat, 0, Interlocked.Increment(ref _nextUpdate), "hola");
            var answered = (await PostAsync(_instances[i], message.Body, cancellationToken)).Accepted;
            while (answered && RepliesTo(chat).Count == 0 && Stopwatch.GetElapsedTime(sent) < TimeSpan.FromSeconds(10))
            {
                await Task.Delay(20, cancellationToken);
            }

            var health = await HealthAsync(_instances[i], cancellationToken);
            recovered &= answered && RepliesTo(chat).Count > 0 && health is "Healthy" or "Degraded";
            seconds.Add(Stopwatch.GetElapsedTime(sent).TotalSeconds);
            Log($"{Name(i)}: a new message answered in {seconds[^1]:0.00} s, /healthz {health}");
        }

        return (recovered, string.Create(CultureInfo.InvariantCulture, $"a new message to each instance answered within {seconds.Max() * 1000:0} ms"));
    }

    private async Task<string> HealthAsync(OimBotProcess instance, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await _http.GetAsync($"{instance.BaseUrl}/healthz", cancellationToken);
            return (await response.Content.ReadAsStringAsync(cancellationToken)).Trim();
        }
        catch (HttpRequestException ex)
        {
            return ex.HttpRequestError.ToString();
        }
    }

    private string FaultSummary()
    {
        var parts = new List<string>();
        var kills = _faults.Where(f => f.Kind == FaultKind.Kill).ToList();
        if (kills.Count > 0)
        {
            parts.Add($"{kills.Count} SIGKILLs ({string.Join(", ", kills.GroupBy(k => k.Target).Select(g => $"{g.Count()} {g.Key}"))})");
        }

        if (_faults.Any(f => f.Kind == FaultKind.Provider))
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"Bot API {ProviderFaultLength.TotalSeconds:0} s ({_answered429} × 429, {_answered5xx} × 5xx, {_timedOut} timeouts)"));
        }

        if (_faults.Any(f => f.Kind == FaultKind.Database))
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"PostgreSQL down {DatabaseOutage.TotalSeconds:0} s ({SpooledLines()} messages kept on disk)"));
        }

        return parts.Count == 0 ? "none" : string.Join(", ", parts);
    }

    /// <summary>
    /// Per fault, from the load's own record: the longest stretch without an accepted webhook from its start until 5 s
    /// after it (or the next fault), i.e. the service refusing or not there; and when the replies caught up: the last
    /// reply to a message accepted before the fault ended that was still waiting when it began, after its end.
    /// </summary>
    private string RecoverySummary()
    {
        var messages = _conversations.SelectMany(c => c).Where(m => m.Accepted).ToList();
        var accepted = messages.Select(m => m.AcceptedAt).Order().ToArray();
        var faults = _faults.OrderBy(f => f.Start).ToList();
        double Refusing(FaultRecord fault)
        {
            var next = faults.FirstOrDefault(f => f.Start > fault.Start)?.Start ?? long.MaxValue;
            var to = Math.Min(fault.End + (5 * Stopwatch.Frequency), next);
            var inside = accepted.Where(t => t >= fault.Start && t <= to).Prepend(fault.Start).Append(to).ToArray();
            return inside.Zip(inside.Skip(1)).Max(p => Stopwatch.GetElapsedTime(p.First, p.Second).TotalSeconds);
        }

        double CaughtUp(FaultRecord fault) => messages
            .Where(m => m.AcceptedAt <= fault.End && m.RepliedAt >= fault.Start)
            .Select(m => Math.Max(0, Stopwatch.GetElapsedTime(fault.End, m.RepliedAt).TotalSeconds))
            .DefaultIfEmpty(0)
            .Max();

        var latencies = messages.Where(m => m.RepliedAt > 0).Select(m => Stopwatch.GetElapsedTime(m.SentAt, m.RepliedAt).TotalMilliseconds).Order().ToArray();
        var parts = new List<string>();
        if (latencies.Length > 0)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"reply {latencies[latencies.Length / 2]:0} ms after the webhook (median; p99 {latencies[(int)(latencies.Length * 0.99)] / 1000:0.0} s)"));
        }

        var kills = faults.Where(f => f.Kind == FaultKind.Kill).ToList();
        if (kills.Count > 0)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"kills: up again in {kills.Min(k => k.StartUp.TotalSeconds):0.0}–{kills.Max(k => k.StartUp.TotalSeconds):0.0} s, no webhook accepted for up to {kills.Max(Refusing):0.0} s, replies caught up within {kills.Max(CaughtUp):0.0} s"));
        }

        foreach (var fault in faults.Where(f => f.Kind != FaultKind.Kill))
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"{fault.Target}: no webhook accepted for up to {Refusing(fault):0.0} s, replies caught up {CaughtUp(fault):0.0} s after it ended"));
        }

        return string.Join("; ", parts);
    }

    /// <summary>The replies a message gets when nothing goes wrong (calibration), by its place in the conversation.</summary>
    private static string[] Expected(string[][][] expected, Message message) =>
        expected[message.Position < Script.Length ? 0 : 1][message.Position % Script.Length];

    /// <summary>
    /// Where a conversation first went wrong, for the report: the message whose replies differ (its text, when it was
    /// accepted and by which instance, after how many refusals) and the first words of the reply expected and got.
    /// Everything here is the bench's own script; no person's data exists in this run.
    /// </summary>
    private string Describe(long chat, List<Message> answered, long turns, List<string> want, List<TelegramDelivery> got, string[][][] expected, int replyIndex)
    {
        static string Start(string? text) => text is null ? "(none)" : $"\"{text.ReplaceLineEndings(" ")[..Math.Min(40, text.Length)]}\"";
        var owner = "past the last message";
        var index = replyIndex;
        foreach (var message in answered)
        {
            var count = Expected(expected, message).Length;
            if (index < count)
            {
                owner = string.Create(CultureInfo.InvariantCulture, $"message {message.Position + 1} \"{message.Text}\" accepted at {Stopwatch.GetElapsedTime(_t0, message.AcceptedAt).TotalSeconds:0.0} s by {Name(message.Instance)} after {message.FailedAttempts} refusals");
                break;
            }

            index -= count;
        }

        return string.Create(CultureInfo.InvariantCulture, $"chat {chat}: {answered.Count} messages accepted, {turns} turns, {want.Count} replies expected, {got.Count} recorded; first difference at reply {replyIndex + 1}, to {owner}: expected {Start(want.ElementAtOrDefault(replyIndex))}, got {Start(got.ElementAtOrDefault(replyIndex)?.Text)}");
    }

    private async Task<List<OutboxRow>> OutboxRowsAsync()
    {
        await using var connection = OpenDatabase();
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT id, status, provider_message_id, conversation_id FROM outbox WHERE channel = 'telegram' ORDER BY id";
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<OutboxRow>();
        while (await reader.ReadAsync())
        {
            rows.Add(new OutboxRow(reader.GetInt64(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3)));
        }

        return rows;
    }

    private async Task<Dictionary<string, long>> TurnsByConversationAsync()
    {
        await using var connection = OpenDatabase();
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT conversation_id, SUM(n) FROM (
                SELECT conversation_id, COUNT(*) AS n FROM inbound_messages WHERE channel = 'telegram' AND conversation_id IS NOT NULL GROUP BY conversation_id
                UNION ALL
                SELECT id, length(recent_inbound) / 32 FROM conversations WHERE channel = 'telegram' AND recent_inbound IS NOT NULL) AS remembered
            GROUP BY conversation_id
            """;
        await using var reader = await command.ExecuteReaderAsync();
        var turns = new Dictionary<string, long>(StringComparer.Ordinal);
        while (await reader.ReadAsync())
        {
            turns[reader.GetString(0)] = reader.GetInt64(1);
        }

        return turns;
    }

    private async Task<long> PendingRowsAsync() => await TryCountAsync("SELECT COUNT(*) FROM outbox WHERE status IN ('pending', 'sending')");

    /// <summary>A COUNT(*) straight from the database (read-only on SQLite); -1 while it cannot be read.</summary>
    private async Task<long> TryCountAsync(string sql)
    {
        try
        {
            await using var connection = OpenDatabase();
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
        }
        catch (DbException)
        {
            return -1;
        }
    }

    private DbConnection OpenDatabase() => provider == "postgres"
        ? new NpgsqlConnection(_databaseConnection)
        : new SqliteConnection(_databaseConnection);

    private List<TelegramDelivery> RepliesTo(long chat) => [.. Fake.Deliveries.Where(d => d.Chat == chat).OrderBy(d => d.MessageId)];

    private static int SpoolFiles(OimBotProcess instance, bool failed)
    {
        var folder = Path.Combine(instance.Root, "data", "spool", failed ? "failed" : string.Empty);
        return Directory.Exists(folder) ? Directory.EnumerateFiles(folder, "*.msg").Count() : 0;
    }

    /// <summary>How many times the service logged that it kept a message on disk for the database.</summary>
    private int SpooledLines() => Directory.EnumerateFiles(_logs, "*.log")
        .Sum(f => File.ReadLines(f).Count(l => l.Contains("was kept on disk", StringComparison.Ordinal)));

    private static string ProviderId(TelegramDelivery delivery) => string.Create(CultureInfo.InvariantCulture, $"{delivery.Chat}:{delivery.MessageId}");

    private static bool IsRising(IEnumerable<long> values)
    {
        var previous = long.MinValue;
        foreach (var value in values)
        {
            if (value <= previous)
            {
                return false;
            }

            previous = value;
        }

        return true;
    }

    /// <summary>How many of <paramref name="left"/>'s items are not matched one for one in <paramref name="right"/>.</summary>
    private static int MultisetMinus(List<string> left, List<string> right)
    {
        var counts = right.GroupBy(s => s, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var unmatched = 0;
        foreach (var item in left)
        {
            if (counts.TryGetValue(item, out var n) && n > 0)
            {
                counts[item] = n - 1;
            }
            else
            {
                unmatched++;
            }
        }

        return unmatched;
    }

    private static string Name(int index) => index == 0 ? "instance A" : "instance B";

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private void Log(string text) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{Stopwatch.GetElapsedTime(_t0).TotalSeconds,6:0.0} s] {provider}: {text}"));

    private enum FaultKind
    {
        Kill,
        Provider,
        Database,
    }

    /// <summary>A fault and when it happened (Stopwatch ticks); for a kill, the rows sending at that moment and the start-up time.</summary>
    private sealed record FaultRecord(FaultKind Kind, string Target, long Start, long End, long InFlight = 0, TimeSpan StartUp = default);

    private sealed record OutboxRow(long Id, string Status, string? ProviderId, string? ConversationId);

    /// <summary>One message of one person: its place in their conversation and what became of its delivery.</summary>
    private sealed class Message(long chat, int position, long update, string text)
    {
        public long Chat => chat;

        public int Position => position;

        public string Text => text;

        public string Body { get; } = "{\"update_id\":" + update + ",\"message\":{\"message_id\":" + update + ",\"from\":{\"id\":" + chat + ",\"is_bot\":false,\"first_name\":\"Bench\"},\"chat\":{\"id\":" + chat + ",\"type\":\"private\"},\"date\":1700000000,\"text\":" + JsonSerializer.Serialize(text) + "}}";

        public bool Accepted { get; set; }

        public int Instance { get; set; }

        /// <summary>When its first delivery was posted.</summary>
        public long SentAt { get; set; }

        public long AcceptedAt { get; set; }

        /// <summary>When the last of its replies reached the fake (0 when its conversation did not match).</summary>
        public long RepliedAt { get; set; }

        public int FailedAttempts { get; set; }
    }
}

/// <summary>Adds the runs' rows to the "Fault injection (long run)" table of BENCHMARKS.md, writing the section the first time.</summary>
internal static class BenchmarksFile
{
    private const string Heading = "## Fault injection (long run)";

    private const string Section = """
        ## Fault injection (long run)

            dotnet build -c Release tests/Bench/Bench.csproj
            dotnet run -c Release --project tests/Bench --no-build -- faults --minutes 3 --provider both --seed 14

        Issue 14's long form of the fault-injection test (`tests/Bench/FaultBench.cs`; the short form runs in the test
        command). OimBot runs as real processes from a temp copy of `content/` and `seeds/`: one on SQLite, two on one
        PostgreSQL (a throwaway server from Debian's package, durable commits). Forty people each write the same
        conversation over and over (`hola`, `1`, `2`, `menu`, `3`, `menu`, `4`, `menu`) as signed Telegram webhooks with
        new update ids, alternating between instances, each message after the previous webhook's answer and a pause of
        0.3–0.9 s. One webhook in ten is delivered a second time (on PostgreSQL half of those to the other instance). A
        refused webhook (instance dead, 5xx, timeout) is sent again, to the next instance, until it is accepted, like
        Telegram does: "refused-then-retried" counts those messages and their failed attempts. One fault at a time, at
        moments drawn from the seed, 15 s after the start to 20 s before the end: two SIGKILLs a minute of a random
        instance, started again 1–4 s later on the same port and folder; the fake Bot API answering, for 20 s, one
        sendMessage in four with 429 and `retry_after`, one with 500/502/503, one held past the bot's 3 s send timeout
        (never delivered); on PostgreSQL, the server stopped with `pg_ctl -m immediate` for 10 s. Outbox settings are
        shortened so that a few minutes settle (lease 30 s, backoff 1–10 s, 30 attempts, circuit break 5 s) and
        Telegram's own rate limits are raised, as in the load run above.

        Once the load has stopped and no outbox row is pending or sending and no spool holds a message, the figures come
        from the database and from the fake's log. *Turns* are the message ids remembered (in conversations' rows and `inbound_messages`); *lost* is accepted messages
        without a turn plus replies missing from a conversation. *Replies sent* is deliveries that the outbox row
        recorded (by the provider id the fake gave) of all outbox rows. *Duplicates* are deliveries that no row
        recorded (the provider took it, the process died before writing that down, the row went out again); they may
        not exceed the rows sending at the kills. *Repeats (extra sends)* are the repeated deliveries and the replies
        beyond what the conversations call for. *Order* counts, first, chats whose outbox rows reached the fake out of
        order (the outbox's own order) and, second, people whose messages were each handled once but in another order
        than they were sent and accepted: each person's replies are compared, text for text, with what a calibration
        conversation gets before any fault, and a message handled out of turn gets another reply from the dialog.
        *Recovery* gives the median and p99 time from a message's first delivery to its reply; per fault, the longest
        time with no webhook accepted (until 5 s after it), and when the replies waiting at the fault had all
        arrived, after it ended (rows a killed instance had claimed come back when their lease runs out, 30 s).
        *Recovered* means that afterwards a new message to each instance is answered within 10 s and `/healthz` is
        Healthy or Degraded, with nothing restarted. The run exits non-zero when anything was lost, a repeat was
        answered twice, duplicates exceed the sends in flight, order broke or service did not recover.

        | date | provider | instances | minutes | users | messages accepted | refused-then-retried | turns | replies sent | lost | duplicates | repeats (extra sends) | order violations (outbox / turns) | recovered | faults | recovery |
        | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
        """;

    public static void Record(IReadOnlyList<FaultRunResult> results)
    {
        var path = Path.Combine(OimBotProcess.FindRepo(), "BENCHMARKS.md");
        var lines = File.ReadAllLines(path).ToList();
        var heading = lines.IndexOf(Heading);
        if (heading < 0)
        {
            lines.Add(string.Empty);
            lines.AddRange(Section.Split('\n'));
            heading = lines.IndexOf(Heading);
        }

        // The section's table ends at its last row; new rows go after it.
        var header = lines.FindIndex(heading, l => l.StartsWith("| date |", StringComparison.Ordinal));
        var last = header + 1;
        while (last + 1 < lines.Count && lines[last + 1].StartsWith('|'))
        {
            last++;
        }

        lines.InsertRange(last + 1, results.Select(r => r.TableRow()));
        File.WriteAllText(path, string.Join('\n', lines) + "\n");
        Console.WriteLine($"recorded in {path}");
    }
}
