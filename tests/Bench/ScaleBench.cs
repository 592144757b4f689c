using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Data.Sqlite;
using Npgsql;
using OimBot.Bench;

/// <summary>
/// Issue 15's two scale targets, on SQLite (<c>--postgres</c>: the stored target on PostgreSQL).
/// <list type="bullet">
/// <item><c>--stored N</c>: throughput with N stored conversations and the rows their history leaves (N dedupe records,
/// N settled outbox rows), against a store of <c>--small</c> (1,000), interleaved over <c>--rounds</c>, each run on a
/// fresh copy of the seeded file and a fresh process (two unmeasured passes, then the measured one).</item>
/// <item><c>--active N</c>: N people each starting a conversation (greeting, language) in one run, as N people in one
/// day would; reports the process's peak and final resident memory.</item>
/// </list>
/// <c>--set Key=Value</c> (repeatable) configures the service for the run. With <c>--postgres</c> each store is a
/// database of a throwaway server (fsync on), seeded once, and each run gets a fresh copy of it
/// (<c>CREATE DATABASE … TEMPLATE</c>, then a checkpoint, so the copy's writes are not part of the run).
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
        if (stored > 0 && args.Contains("--postgres"))
        {
            ok &= await StoredOnPostgresAsync(fake, http, [small, stored], rounds, users, extra, dll, chat);
        }
        else if (stored > 0)
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

                        ok &= await MeasureAsync(fake, http, dll, Settings(file, extra), users, chat, results[size], $"round {round} {size,9:N0} stored");
                        chat += 3 * users;
                    }
                }

                PrintRow(results, small, stored);
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

    /// <summary>
    /// One run on a fresh process: two unmeasured passes, then the measured one (chats from <paramref name="chat"/> on,
    /// three passes' worth); the result goes into <paramref name="results"/>. True when every message got its reply.
    /// </summary>
    private static async Task<bool> MeasureAsync(FakeTelegram fake, HttpClient http, string? dll, Dictionary<string, string> settings, int users, long chat, List<LoadResult> results, string label)
    {
        await using var bot = await OimBotProcess.StartAsync(fake.BaseUrl, Secret, dll, settings, logFile: null);
        LoadResult result = null!;
        for (var pass = 0; pass < 3; pass++)
        {
            result = await LoadRun.RunAsync(fake, [bot.WebhookUrl], Secret, http, users, LoadRun.Script.Length, 50, chat + (pass * users), [bot.ProcessId]);
        }

        results.Add(result);
        Console.WriteLine($"{label}: {result.MessagesPerSecond:0} msgs/s, p50/p99 {result.P50Ms:0.0}/{result.P99Ms:0.0} ms, replies {result.Replies}/{result.Messages}");
        return result.Failures == 0 && result.Replies == result.Messages;
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static void PrintRow(Dictionary<int, List<LoadResult>> results, int small, int stored)
    {
        var few = Median(results[small].Select(r => r.MessagesPerSecond));
        var many = Median(results[stored].Select(r => r.MessagesPerSecond));
        var perRound = string.Join(", ", results[small].Zip(results[stored], (a, b) => (b.MessagesPerSecond / a.MessagesPerSecond).ToString("0.00", CultureInfo.InvariantCulture)));
        Console.WriteLine($"| {TimeProvider.System.GetUtcNow():yyyy-MM-dd} | {small:N0} | {few:0} | {stored:N0} | {many:0} | {many / few:0.00} (per round {perRound}) |");
    }

    /// <summary>
    /// The stored target on PostgreSQL: each size seeded once into a database of its own (as the service fills a store:
    /// conversations with their latest message ids in their rows, time-ordered ids, one settled outbox row each), then
    /// every run on a fresh copy of it and a fresh process, interleaved.
    /// </summary>
    private static async Task<bool> StoredOnPostgresAsync(FakeTelegram fake, HttpClient http, int[] sizes, int rounds, int users, IReadOnlyDictionary<string, string> extra, string? dll, long chat)
    {
        await using var server = await BenchPostgres.StartAsync(durable: true);
        var keys = new Dictionary<string, string>(extra)
        {
            ["Storage__Provider"] = "postgres",
            ["Privacy__AddressKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            ["Analytics__PseudonymKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
        };
        foreach (var size in sizes)
        {
            var seed = await server.CreateDatabaseAsync($"seed_{size}");
            await using (await OimBotProcess.StartAsync(fake.BaseUrl, Secret, dll, new Dictionary<string, string>(keys) { ["Storage__ConnectionString"] = seed }, logFile: null))
            {
                // started once: the schema is there
            }

            await SeedPostgresAsync(seed, size);
            Console.WriteLine($"seeded {size:N0} conversations on PostgreSQL, their message ids in their rows and outbox rows");
        }

        var ok = true;
        var results = sizes.ToDictionary(k => k, _ => new List<LoadResult>());
        for (var round = 1; round <= rounds; round++)
        {
            foreach (var size in sizes)
            {
                NpgsqlConnection.ClearAllPools();
                await using (var admin = new NpgsqlConnection(server.ConnectionString("postgres", pooling: false)))
                {
                    await admin.OpenAsync();
                    foreach (var sql in new[] { "DROP DATABASE IF EXISTS run WITH (FORCE)", $"CREATE DATABASE run TEMPLATE seed_{size}", "CHECKPOINT" })
                    {
                        await using var command = new NpgsqlCommand(sql, admin) { CommandTimeout = 600 };
                        await command.ExecuteNonQueryAsync();
                    }
                }

                var settings = new Dictionary<string, string>(keys) { ["Storage__ConnectionString"] = server.ConnectionString("run", pooling: true) };
                ok &= await MeasureAsync(fake, http, dll, settings, users, chat, results[size], $"round {round} {size,9:N0} stored (PostgreSQL)");
                chat += 3 * users;
            }
        }

        PrintRow(results, sizes[0], sizes[1]);
        NpgsqlConnection.ClearAllPools();
        return ok;
    }

    /// <summary>
    /// PostgreSQL's store as <see cref="PurgeBench.SeedAsync"/> fills SQLite's with <c>linked: true</c>: conversation ids
    /// as the service makes them (milliseconds, then 80 random bits), random hashes and ciphers, all recent (nothing
    /// falls due during the run), then the statistics autovacuum would have gathered on a store in use.
    /// </summary>
    private static async Task SeedPostgresAsync(string connectionString, int rows)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        string[] statements =
        [
            $$"""
            INSERT INTO conversations (id, channel, address_hash, address_cipher, state, content_version, created_at, updated_at, recent_inbound)
            SELECT lpad(to_hex((extract(epoch FROM now()) * 1000)::bigint - {{rows}} + i), 12, '0') || substr(md5(random()::text), 1, 20),
                   'telegram', sha256(('a' || i || random())::bytea), sha256(('c' || i)::bytea) || '02030405060708'::bytea, '{}', 'seed',
                   now() - make_interval(secs => (i % 1000) / 1000.0), now() - make_interval(secs => (i % 1000) / 1000.0), sha256(('r' || i)::bytea)
            FROM generate_series(1, {{rows}}) AS i
            """,
            """
            INSERT INTO outbox (channel, recipient_hash, conversation_id, payload, status, attempts, next_attempt_at, provider_message_id, created_at, updated_at)
            SELECT 'telegram', address_hash, id, '', 'delivered', 1, created_at, 'seed' || row_number() OVER (ORDER BY id), created_at, created_at
            FROM conversations ORDER BY id
            """,
            "VACUUM ANALYZE",
        ];
        foreach (var sql in statements)
        {
            await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 3600 };
            await command.ExecuteNonQueryAsync();
        }
    }

    private static Dictionary<string, string> Settings(string file, IReadOnlyDictionary<string, string> extra) =>
        new(extra) { ["Storage__ConnectionString"] = $"Data Source={file}" };
}
