using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace OimBot.Bench;

/// <summary>
/// Issue 15's side-by-side run: OimBot (SQLite; PostgreSQL with one and two instances) and its peers (grammY with a
/// SQLite session and in memory, Bot Framework JS with SQLite storage, a bare ASP.NET Core endpoint) answer the same
/// conversation from the same load generator, interleaved (A, B, C, A, B, C…) for several rounds, each system in a fresh
/// process per round (after one unrecorded pass that warms the generator itself). Per round and system: a pass on the
/// fresh process (cold start), two unmeasured passes, a measured
/// pass at concurrency 50 (throughput, CPU per message) and one at concurrency 10 (latency). The table reports medians
/// over the rounds and is written between the markers in BENCHMARKS.md with <c>--write</c>.
/// </summary>
internal static class CompareBench
{
    private const string Secret = "compare-secret";
    /// <summary>The unmeasured passes between the fresh pass and the measured ones, unless --warm-passes says otherwise.</summary>
    private const int DefaultWarmPasses = 2;

    /// <summary>The table's markers in BENCHMARKS.md: one section for the default warm-up, one per other (compare-warm10: …).</summary>
    private static (string Start, string End) Markers(int warmPasses) =>
        warmPasses == DefaultWarmPasses ? ("<!-- compare:start -->", "<!-- compare:end -->") : ($"<!-- compare-warm{warmPasses}:start -->", $"<!-- compare-warm{warmPasses}:end -->");

    private sealed record SystemSpec(string Key, string Name, string Durability, Func<Context, Task<Running>> StartAsync);

    /// <summary>What a started system offers the generator: its webhook(s) and its process(es).</summary>
    private sealed class Running(IReadOnlyList<string> webhooks, IReadOnlyList<int> pids, TimeSpan startedIn, Func<ValueTask> stop, IReadOnlyList<string>? metrics = null) : IAsyncDisposable
    {
        /// <summary>OimBot's /metrics (its allocations per message); none for the peers.</summary>
        public IReadOnlyList<string>? Metrics { get; } = metrics;

        /// <summary>From starting the process to its first healthy /healthz (the slowest instance's).</summary>
        public TimeSpan StartedIn { get; } = startedIn;

        public IReadOnlyList<string> Webhooks { get; } = webhooks;

        public IReadOnlyList<int> Pids { get; } = pids;

        public ValueTask DisposeAsync() => stop();
    }

    /// <param name="PostgresSocketDirectory">where the bench's PostgreSQL listens on a Unix socket (once a database was made)</param>
    private sealed record Context(FakeTelegram Fake, string Repo, Func<Task<string>> NewPostgresDatabaseAsync, Func<string> PostgresSocketDirectory);

    private sealed record Round(LoadResult Fresh, LoadResult Warm, LoadResult Latency, double StartSeconds);

    public static async Task<int> RunAsync(string[] args)
    {
        string? Value(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
        int Int(string name, int fallback) => int.TryParse(Value(name), CultureInfo.InvariantCulture, out var v) ? v : fallback;
        var rounds = Int("--rounds", 3);
        var users = Int("--users", 200);
        var messages = Int("--messages", LoadRun.Script.Length);
        var only = Value("--systems")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var write = args.Contains("--write");
        var alternate = args.Contains("--alternate");
        // Unmeasured passes between the fresh one and the measured ones (issue 15: "long-lived processes"; the service's
        // tiered JIT settles only after some tens of thousands of messages).
        var warmPasses = Int("--warm-passes", DefaultWarmPasses);
        // --timeline FILE: each pass's replies per 50 ms, connections opened to the Bot API and CPU by thread (LoadRun.Timeline).
        using var timeline = Value("--timeline") is { } timelineFile ? new StreamWriter(timelineFile, append: true) : null;
        LoadRun.Timeline = timeline;

        var repo = OimBotProcess.FindRepo();
        var compare = Path.Combine(repo, "tests", "Bench", "compare");
        // --variant NAME=Key=Value;Key=Value (repeatable): OimBot on SQLite (PostgreSQL with postgres=1) with that configuration, as one more system
        // in the same interleaved rounds (how a setting is measured against the default).
        var variants = args.Select((a, i) => (a, i)).Where(x => x.a == "--variant" && x.i + 1 < args.Length).Select(x => args[x.i + 1].Split('=', 2)).Where(v => v.Length == 2)
            .Select(v => new SystemSpec(
                $"oimbot-sqlite+{v[0]}",
                v[1].Split(';').Contains("postgres=1") ? $"OimBot, PostgreSQL, {v[1]}" : $"OimBot, SQLite, {v[1]}",
                v[1].Split(';').Contains("postgres=1") ? "as OimBot, PostgreSQL" : "as OimBot, SQLite",
                async c =>
                {
                    // "postgres=1" runs the variant on a PostgreSQL database of its own instead of SQLite.
                    // "instances=2" (with postgres=1) runs two instances on that database, messages alternating between them.
                    var settings = v[1].Split(';').Select(kv => kv.Split('=', 2)).ToDictionary(kv => kv[0].Replace(":", "__", StringComparison.Ordinal), kv => kv[1]);
                    var instances = settings.Remove("instances", out var count) ? int.Parse(count, CultureInfo.InvariantCulture) : 1;
                    return await OimBotAsync(c, instances, settings.Remove("postgres") ? await c.NewPostgresDatabaseAsync() : null, settings);
                }));
        var systems = Systems(compare).Concat(variants).Where(s => only is null || only.Contains(s.Key) || s.Key.Contains('+', StringComparison.Ordinal)).ToList();
        if (systems.Count == 0)
        {
            Console.Error.WriteLine($"no such system; known: {string.Join(", ", Systems(compare).Select(s => s.Key))}");
            return 2;
        }

        if (systems.Any(s => !s.Key.StartsWith("oimbot", StringComparison.Ordinal)) &&
            (!Directory.Exists(Path.Combine(compare, "node_modules")) || !File.Exists(CeilingDll(compare))))
        {
            Console.Error.WriteLine("The peers are not installed: run tests/Bench/compare/setup first.");
            return 2;
        }

        await using var fake = await FakeTelegram.StartAsync(0);
        BenchPostgres? postgres = null;
        var databases = 0;
        async Task<string> NewDatabaseAsync()
        {
            postgres ??= await BenchPostgres.StartAsync(durable: true);
            return await postgres.CreateDatabaseAsync($"compare_{Interlocked.Increment(ref databases)}");
        }

        var context = new Context(fake, repo, NewDatabaseAsync, () => postgres?.SocketDirectory ?? throw new InvalidOperationException("no PostgreSQL started"));
        var results = systems.ToDictionary(s => s.Key, _ => new List<Round>());
        var chat = 10_000_000L;
        using var http = LoadRun.Client(50);
        try
        {
            // The generator's own warm-up: one unrecorded pass against the bare endpoint (when built), so that the first
            // system of the first round does not pay for the generator's JIT in its fresh pass.
            if (File.Exists(CeilingDll(compare)))
            {
                await using var ceiling = await PeerAsync(context, "dotnet", [CeilingDll(compare)], []);
                LoadRun.Timeline?.WriteLine("the generator's own warm-up, against the bare endpoint");
                await LoadRun.RunAsync(fake, ceiling.Webhooks, Secret, http, users, messages, 50, chat, ceiling.Pids);
                chat += users;
            }

            for (var round = 1; round <= rounds; round++)
            {
                // --alternate: every other round runs the systems in reverse order (A, B, B, A…), so that where a system stands
                // in a round (after which system, how far into a minute the machine slows) weighs on each the same.
                foreach (var system in alternate && round % 2 == 0 ? Enumerable.Reverse(systems) : systems)
                {
                    await using var running = await system.StartAsync(context);
                    async Task<LoadResult> Pass(int concurrency)
                    {
                        var result = await LoadRun.RunAsync(fake, running.Webhooks, Secret, http, users, messages, concurrency, chat, running.Pids, running.Metrics);
                        chat += users;
                        return result;
                    }

                    LoadRun.Timeline?.WriteLine($"round {round} {system.Key}: the fresh pass, {warmPasses} unmeasured, the measured one, concurrency 10");
                    var fresh = await Pass(50);
                    for (var pass = 0; pass < warmPasses; pass++)
                    {
                        await Pass(50);
                    }

                    var warm = await Pass(50);
                    var latency = await Pass(10);
                    results[system.Key].Add(new Round(fresh, warm, latency, running.StartedIn.TotalSeconds));
                    Console.WriteLine(
                        $"round {round} {system.Key,-14} ready in {running.StartedIn.TotalSeconds:0.0} s, fresh {fresh.MessagesPerSecond,7:0} (CPU {fresh.CpuMsPerMessage:0.000}{(fresh.WriterCpuMsPerMessage is { } fw ? $", writer {fw:0.0000}" : string.Empty)}, faults {fresh.MinorFaultsPerMessage:0}{Allocated(fresh)}) warm {warm.MessagesPerSecond,7:0} msgs/s (faults {warm.MinorFaultsPerMessage:0}{Allocated(warm)}), c10 p50/p99 {latency.P50Ms:0.0}/{latency.P99Ms:0.0} ms, " +
                        $"CPU {warm.CpuMsPerMessage:0.000} ms/msg{(warm.WriterCpuMsPerMessage is { } w ? $" (writer {w:0.0000}, waited for a core {warm.WriterWaitMsPerMessage:0.0000})" : string.Empty)}, peak {warm.PeakMemoryMiB:0} MiB, replies {Replies(fresh, warm, latency)}");
                }
            }
        }
        finally
        {
            if (postgres is not null)
            {
                await postgres.DisposeAsync();
            }
        }

        var table = Table(systems, results, users, messages, rounds, warmPasses);
        Console.WriteLine();
        Console.WriteLine(table);
        if (write)
        {
            var file = Path.Combine(repo, "BENCHMARKS.md");
            var text = await File.ReadAllTextAsync(file);
            var (tableStart, tableEnd) = Markers(warmPasses);
            var start = text.IndexOf(tableStart, StringComparison.Ordinal);
            var end = text.IndexOf(tableEnd, StringComparison.Ordinal);
            if (start < 0 || end < start)
            {
                Console.Error.WriteLine($"BENCHMARKS.md has no {tableStart} … {tableEnd} section; the table was not written.");
                return 1;
            }

            await File.WriteAllTextAsync(file, text[..(start + tableStart.Length)] + "\n" + table + text[end..]);
            Console.WriteLine("BENCHMARKS.md updated.");
        }

        var exact = results.Values.SelectMany(r => r).All(r => new[] { r.Fresh, r.Warm, r.Latency }.All(p => p.Failures == 0 && p.Replies == p.Messages));
        return exact ? 0 : 1;
    }

    private static string Allocated(LoadResult pass) =>
        (pass.AllocatedKBPerMessage is { } kb ? $", allocated {kb:0.0} KB/msg" : string.Empty)
        + (pass.GcPauseMsPerMessage is { } pause ? $", GC paused {pause:0.000} ms/msg ({pass.CollectionsPerThousand:0.0} per 1,000)" : string.Empty)
        + (pass.JitMethods is { } jit ? $", JIT {jit:0} methods in {pass.JitMs:0} ms" : string.Empty)
        + (pass.TurnsPerGroup is { } grouped ? $", {grouped.Turns / grouped.Groups:0.0} turns per group ({grouped.Turns:0} turns, {grouped.Failed:0} of {grouped.Groups:0} groups failed)" : string.Empty);

    private static string Replies(params LoadResult[] passes) =>
        passes.All(p => p.Failures == 0 && p.Replies == p.Messages) ? "one per message" : string.Join(", ", passes.Select(p => $"{p.Replies}/{p.Messages} ({p.Failures} failed)"));

    private static string CeilingDll(string compare) => Path.Combine(compare, "Ceiling", "bin", "Release", "net10.0", "Ceiling.dll");

    private static IEnumerable<SystemSpec> Systems(string compare)
    {
        yield return new("oimbot-sqlite", "OimBot, SQLite", "WAL, fsync before the 200; outbox, dedupe", c => OimBotAsync(c, 1, null));
        yield return new("oimbot-pg", "OimBot, PostgreSQL", "commit (fsync) before the 200; outbox, dedupe", async c => await OimBotAsync(c, 1, await c.NewPostgresDatabaseAsync()));
        yield return new("oimbot-pg2", "OimBot, PostgreSQL, 2 instances", "as above; messages alternate between instances", async c => await OimBotAsync(c, 2, await c.NewPostgresDatabaseAsync()));
        yield return new("grammy-sqlite", "grammY + better-sqlite3 session", "fsync, written after the reply; no dedupe", c => PeerAsync(c, "node", [Path.Combine(compare, "grammy.js")], new() { ["SESSION"] = "sqlite" }));
        yield return new("grammy-memory", "grammY, in-memory session", "none", c => PeerAsync(c, "node", [Path.Combine(compare, "grammy.js")], new() { ["SESSION"] = "memory" }));
        yield return new("botframework", "Bot Framework JS + better-sqlite3 storage", "fsync, written after the reply; no dedupe", c => PeerAsync(c, "node", [Path.Combine(compare, "botframework.js")], []));
        yield return new("ceiling", "bare ASP.NET Core endpoint, no state", "none (the machine's ceiling)", c => PeerAsync(c, "dotnet", [CeilingDll(compare)], []));
    }

    /// <summary>OimBot as the bench starts it everywhere (OimBotProcess); instances on PostgreSQL share the keys (README, "Several instances").</summary>
    private static async Task<Running> OimBotAsync(Context context, int instances, string? database, Dictionary<string, string>? settings = null)
    {
        settings ??= [];
        // "dll" in a variant runs another build of the service (a ReadyToRun publish, say) instead of the Release build.
        var dll = settings.Remove("dll", out var path) ? path : null;
        DelayProxy? proxy = null;
        if (database is not null)
        {
            // "connection=Key=Value" in a variant adds that to the PostgreSQL connection string (an Npgsql setting measured).
            database = settings.Remove("connection", out var extra) ? $"{database};{extra}" : database;
            // "socket=1" connects through the server's Unix socket instead of TCP on loopback.
            database = settings.Remove("socket") ? database.Replace("Host=127.0.0.1", $"Host={context.PostgresSocketDirectory()}", StringComparison.Ordinal) : database;
            // "delay=MS" puts a proxy between the service and the server that holds each direction's bytes MS milliseconds:
            // the database on another host (DelayProxy).
            if (settings.Remove("delay", out var delay))
            {
                var target = new Npgsql.NpgsqlConnectionStringBuilder(database);
                proxy = new DelayProxy(target.Host!, target.Port, TimeSpan.FromMilliseconds(double.Parse(delay, CultureInfo.InvariantCulture)));
                target.Port = proxy.Port;
                database = target.ConnectionString;
            }

            settings["Storage__Provider"] = "postgres";
            settings["Storage__ConnectionString"] = database;
            settings["Privacy__AddressKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
            settings["Analytics__PseudonymKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        }

        var started = new List<OimBotProcess>();
        try
        {
            for (var i = 0; i < instances; i++)
            {
                // "{instance}" in a variant's value is the instance's number (a file of its own per instance, such as the JIT's list).
                var own = settings.ToDictionary(kv => kv.Key, kv => kv.Value.Replace("{instance}", i.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal));
                started.Add(await OimBotProcess.StartAsync(context.Fake.BaseUrl, Secret, dll, own, logFile: null));
            }
        }
        catch
        {
            await StopAsync();
            throw;
        }

        return new Running([.. started.Select(b => b.WebhookUrl)], [.. started.Select(b => b.ProcessId)], started.Max(b => b.StartedIn), StopAsync, [.. started.Select(b => b.MetricsUrl)]);

        async ValueTask StopAsync()
        {
            foreach (var bot in started)
            {
                await bot.DisposeAsync();
            }

            if (proxy is not null)
            {
                await proxy.DisposeAsync();
            }
        }
    }

    private static async Task<Running> PeerAsync(Context context, string program, string[] arguments, Dictionary<string, string> environment)
    {
        var folder = Directory.CreateTempSubdirectory("oimbot-peer-").FullName;
        var port = OimBotProcess.FreePort();
        var info = new ProcessStartInfo(program) { WorkingDirectory = context.Repo, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["PORT"] = port.ToString(CultureInfo.InvariantCulture);
        info.Environment["BOT_API_ROOT"] = context.Fake.BaseUrl.TrimEnd('/');
        info.Environment["BOT_TOKEN"] = "123:bench";
        info.Environment["WEBHOOK_SECRET"] = Secret;
        info.Environment["DB_FILE"] = Path.Combine(folder, "peer.db");
        info.Environment["TREE_FILE"] = Path.Combine(context.Repo, "tests", "Bench", "compare", "tree.json");
        info.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        info.Environment["Logging__LogLevel__Default"] = "Warning";
        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        var output = new StringBuilder();
        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.AppendLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.AppendLine(e.Data); } } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        async ValueTask StopAsync()
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }

            process.Dispose();
            Directory.Delete(folder, recursive: true);
        }

        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < TimeSpan.FromSeconds(60))
        {
            if (process.HasExited)
            {
                var said = output.ToString();
                await StopAsync();
                throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} exited while starting:\n{said}");
            }

            try
            {
                if ((await client.GetAsync($"http://127.0.0.1:{port}/healthz")).IsSuccessStatusCode)
                {
                    return new Running([$"http://127.0.0.1:{port}/webhooks/telegram"], [process.Id], waited.Elapsed, StopAsync);
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                // not listening yet
            }

            await Task.Delay(50);
        }

        await StopAsync();
        throw new TimeoutException($"{program} {string.Join(' ', arguments)} did not answer /healthz");
    }

    private static string Table(List<SystemSpec> systems, Dictionary<string, List<Round>> results, int users, int messages, int rounds, int warmPasses)
    {
        static double Median(IEnumerable<double> values)
        {
            var sorted = values.Order().ToArray();
            return sorted.Length == 0 ? double.NaN : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
        }

        double Throughput(string key) => results.TryGetValue(key, out var r) && r.Count > 0 ? Median(r.Select(x => x.Warm.MessagesPerSecond)) : double.NaN;
        var grammySqlite = Throughput("grammy-sqlite");
        var grammyMemory = Throughput("grammy-memory");
        string Ratio(double value, double peer) => double.IsNaN(peer) ? "n/a" : (value / peer).ToString("0.00", CultureInfo.InvariantCulture) + "×";

        var table = new StringBuilder();
        table.AppendLine(CultureInfo.InvariantCulture, $"{TimeProvider.System.GetUtcNow():yyyy-MM-dd}, {users} users × {messages} messages per pass, {warmPasses} unmeasured passes after the fresh one, {rounds} interleaved rounds, medians over the rounds (`bench compare{(warmPasses == DefaultWarmPasses ? string.Empty : $" --warm-passes {warmPasses}")}`).");
        table.AppendLine();
        table.AppendLine("| system | durability | msgs/s, concurrency 50 | × grammY SQLite | × grammY memory | p50 / p99 ms, concurrency 10 | bot CPU per message | peak memory | fresh process / warm | start to ready | one reply per message |");
        table.AppendLine("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
        foreach (var system in systems)
        {
            var r = results[system.Key];
            var warm = Median(r.Select(x => x.Warm.MessagesPerSecond));
            table.AppendLine(CultureInfo.InvariantCulture,
                $"| {system.Name} | {system.Durability} | {warm:0} | {Ratio(warm, grammySqlite)} | {Ratio(warm, grammyMemory)} | " +
                $"{Median(r.Select(x => x.Latency.P50Ms)):0.0} / {Median(r.Select(x => x.Latency.P99Ms)):0.0} | " +
                $"{Median(r.Select(x => x.Warm.CpuMsPerMessage ?? double.NaN)):0.00} ms | {r.Max(x => x.Latency.PeakMemoryMiB ?? 0):0} MiB | " +
                $"{Median(r.Select(x => x.Fresh.MessagesPerSecond / x.Warm.MessagesPerSecond)):0.00} | {Median(r.Select(x => x.StartSeconds)):0.0} s | " +
                $"{(r.All(x => new[] { x.Fresh, x.Warm, x.Latency }.All(p => p.Failures == 0 && p.Replies == p.Messages)) ? "yes" : "**no**")} |");
        }

        return table.ToString();
    }
}
