using System.Globalization;
using Microsoft.Data.Sqlite;

/// <summary>
/// Issue 15's two scale targets, on SQLite.
/// <list type="bullet">
/// <item><c>--stored N</c>: throughput with N stored conversations and the rows their history leaves (N dedupe records,
/// N settled outbox rows), against a store of <c>--small</c> (1,000), interleaved over <c>--rounds</c>, each run on a
/// fresh copy of the seeded file and a fresh process (two unmeasured passes, then the measured one).</item>
/// <item><c>--active N</c>: N people each starting a conversation (greeting, language) in one run, as N people in one
/// day would; reports the process's peak and final resident memory.</item>
/// </list>
/// <c>--set Key=Value</c> (repeatable) configures the service for the run.
/// </summary>
internal static class ScaleBench
{
    private const string Secret = "scale-secret";

    public static async Task<int> RunAsync(string[] args)
    {
        string? Value(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
        int Int(string name, int fallback) => int.TryParse(Value(name), CultureInfo.InvariantCulture, out var v) ? v : fallback;
        var stored = Int("--stored", 0);
        var small = Int("--small", 1_000);
        var rounds = Int("--rounds", 3);
        var active = Int("--active", 0);
        var users = Int("--users", 200);
        var parsed = BenchOptions.Parse(args);
        var extra = parsed.Settings ?? new Dictionary<string, string>();
        var dll = parsed.BotDll; // --bot-dll: another build of the service (how a change is measured against the last)

        // --previous-dedupe: a dedupe record per stored conversation, as stores filled before the message ids moved into
        // the conversations' rows hold them (the first two days after an upgrade; builds from before need it)
        var previousDedupe = args.Contains("--previous-dedupe");
        if (stored == 0 && active == 0)
        {
            Console.Error.WriteLine("usage: scale [--stored 1000000 [--small 1000] [--rounds 3] [--previous-dedupe]] [--active 100000]");
            return 2;
        }

        await using var fake = await FakeTelegram.StartAsync(0);
        using var http = LoadRun.Client(50);
        var chat = 50_000_000L;
        var ok = true;
        if (stored > 0)
        {
            var folder = Directory.CreateTempSubdirectory("oimbot-scale-").FullName;
            try
            {
                var templates = new Dictionary<int, string>();
                foreach (var size in new[] { small, stored })
                {
                    var template = Path.Combine(folder, $"seed-{size}.db");
                    await using (await OimBotProcess.StartAsync(fake.BaseUrl, Secret, dll, Settings(template, extra), logFile: null))
                    {
                        // started once: the schema is there
                    }

                    // Recent enough that nothing falls due during the run: every row is live history.
                    await PurgeBench.SeedAsync(template, size, TimeProvider.System.GetUtcNow() + TimeSpan.FromHours(1), linked: true, previousDedupe);
                    templates[size] = template;
                    Console.WriteLine($"seeded {size:N0} conversations, {(previousDedupe ? "dedupe records" : "their message ids in their rows")} and outbox rows ({new FileInfo(template).Length / 1048576} MiB)");
                }

                var results = templates.Keys.ToDictionary(k => k, _ => new List<LoadResult>());
                for (var round = 1; round <= rounds; round++)
                {
                    foreach (var (size, template) in templates)
                    {
                        var file = Path.Combine(folder, "run.db");
                        SqliteConnection.ClearAllPools();
                        foreach (var stale in new[] { file, file + "-wal", file + "-shm" }.Where(File.Exists))
                        {
                            File.Delete(stale);
                        }

                        File.Copy(template, file);
                        using (var copy = new FileStream(file, FileMode.Open, FileAccess.ReadWrite))
                        {
                            copy.Flush(flushToDisk: true); // the copy's writeback is not part of the run (a store in use has none pending)
                        }

                        await using var bot = await OimBotProcess.StartAsync(fake.BaseUrl, Secret, dll, Settings(file, extra), logFile: null);
                        LoadResult result = null!;
                        for (var pass = 0; pass < 3; pass++)
                        {
                            result = await LoadRun.RunAsync(fake, [bot.WebhookUrl], Secret, http, users, LoadRun.Script.Length, 50, chat, [bot.ProcessId]);
                            chat += users;
                        }

                        ok &= result.Failures == 0 && result.Replies == result.Messages;
                        results[size].Add(result);
                        Console.WriteLine($"round {round} {size,9:N0} stored: {result.MessagesPerSecond:0} msgs/s, p50/p99 {result.P50Ms:0.0}/{result.P99Ms:0.0} ms, replies {result.Replies}/{result.Messages}");
                    }
                }

                static double Median(IEnumerable<double> values)
                {
                    var sorted = values.Order().ToArray();
                    return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
                }

                var few = Median(results[small].Select(r => r.MessagesPerSecond));
                var many = Median(results[stored].Select(r => r.MessagesPerSecond));
                Console.WriteLine($"| {TimeProvider.System.GetUtcNow():yyyy-MM-dd} | {small:N0} | {few:0} | {stored:N0} | {many:0} | {many / few:0.00} |");
            }
            finally
            {
                SqliteConnection.ClearAllPools();
                Directory.Delete(folder, recursive: true);
            }
        }

        if (active > 0)
        {
            await using var bot = await OimBotProcess.StartAsync(fake.BaseUrl, Secret, dll, extra, logFile: null);
            var result = await LoadRun.RunAsync(fake, [bot.WebhookUrl], Secret, http, active, 2, 50, chat, [bot.ProcessId]);
            ok &= result.Failures == 0 && result.Replies == result.Messages;
            Console.WriteLine($"| {TimeProvider.System.GetUtcNow():yyyy-MM-dd} | {active:N0} people, 2 messages each | {result.MessagesPerSecond:0} msgs/s | peak {result.PeakMemoryMiB:0} MiB | at the end {ProcessFigures.ResidentMiB(bot.ProcessId):0} MiB | replies {result.Replies}/{result.Messages} |");
        }

        return ok ? 0 : 1;
    }

    private static Dictionary<string, string> Settings(string file, IReadOnlyDictionary<string, string> extra) =>
        new(extra) { ["Storage__ConnectionString"] = $"Data Source={file}" };
}
