using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Data.Sqlite;

/// <summary>
/// Retention on a large store, under load (issue 14). A SQLite file is seeded with N expired sessions, N old dedupe
/// records and N settled outbox rows, all falling due a few seconds after the service starts; webhooks keep arriving
/// meanwhile, and the bench measures how long each waits for its answer while the purge runs.
/// <list type="bullet">
/// <item><c>batched</c>: the service's own janitor (small indexed batches, one short transaction each).</item>
/// <item><c>single</c>: the purge as it was before, one transaction with the earlier statements, run by the bench on
/// the same file at the same moment (the service's turns wait for SQLite's write lock as they waited for the gate).</item>
/// </list>
/// </summary>
internal static class PurgeBench
{
    private static readonly TimeSpan SessionExpiry = TimeSpan.FromHours(24);
    private static readonly TimeSpan DedupeWindow = TimeSpan.FromDays(2);
    private static readonly TimeSpan OutboxRetention = TimeSpan.FromDays(7);

    /// <summary>The service's janitor round after the one at start-up, and when the seeded rows fall due.</summary>
    private static readonly TimeSpan PurgeAfter = TimeSpan.FromSeconds(20);

    private static readonly string[] SingleTransaction =
    [
        "DELETE FROM conversations WHERE updated_at < @sessions AND id NOT IN (SELECT conversation_id FROM cases WHERE status IN ('waiting', 'claimed') AND conversation_id IS NOT NULL)",
        "DELETE FROM inbound_messages WHERE received_at < @dedupe OR (conversation_id IS NOT NULL AND conversation_id NOT IN (SELECT id FROM conversations))",
        "DELETE FROM outbox WHERE channel = 'webchat' AND status = 'pending' AND (conversation_id IS NULL OR conversation_id NOT IN (SELECT id FROM conversations))",
        "DELETE FROM outbox WHERE status NOT IN ('pending', 'sending', 'held') AND updated_at < @outbox",
        "DELETE FROM outbox WHERE status = 'held' AND (conversation_id IS NULL OR conversation_id NOT IN (SELECT id FROM conversations))",
    ];

    public static async Task<int> RunAsync(string[] args)
    {
        string? Value(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
        var rows = int.TryParse(Value("--conversations"), CultureInfo.InvariantCulture, out var n) ? n : 1_000_000;
        var options = BenchOptions.Parse(args);
        var folder = Directory.CreateTempSubdirectory("oimbot-purge-").FullName;
        try
        {
            await using var fake = await FakeTelegram.StartAsync(0);
            var template = Path.Combine(folder, "template.db");
            await using (await OimBotProcess.StartAsync(fake.BaseUrl, options.Secret, options.BotDll, Environment(template, interval: "1.00:00:00"), logFile: null))
            {
                // started once: the schema is there
            }

            var seeded = Stopwatch.StartNew();
            var due = TimeProvider.System.GetUtcNow() + TimeSpan.FromMinutes(10); // moved to the real moment when each run starts
            await SeedAsync(template, rows, due);
            Console.WriteLine($"seeded {rows:N0} sessions, dedupe records and outbox rows in {seeded.Elapsed.TotalSeconds:0} s ({new FileInfo(template).Length / 1048576} MiB)");

            var results = new List<string>();
            foreach (var mode in new[] { "batched", "single" })
            {
                var file = Path.Combine(folder, $"{mode}.db");
                SqliteConnection.ClearAllPools();
                foreach (var stale in new[] { file, file + "-wal", file + "-shm" }.Where(File.Exists))
                {
                    File.Delete(stale);
                }

                File.Copy(template, file);
                results.Add(await RunOnceAsync(mode, file, rows, due, fake, options));
            }

            Console.WriteLine("| date | stored sessions | purge | purge s | longest transaction ms | webhooks during purge | during: p50 / p99 / max ms | outside: p50 / p99 ms | failures |");
            results.ForEach(Console.WriteLine);
            return 0;
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task<string> RunOnceAsync(string mode, string file, int rows, DateTimeOffset seededDue, FakeTelegram fake, BenchOptions options)
    {
        // Everything seeded falls due PurgeAfter from now: shift the seeded times by the difference.
        var start = TimeProvider.System.GetUtcNow();
        await ShiftAsync(file, start + PurgeAfter - TimeSpan.FromSeconds(1) - seededDue);
        var log = file + ".log";
        await using var bot = await OimBotProcess.StartAsync(fake.BaseUrl, options.Secret, options.BotDll, Environment(file, interval: mode == "batched" ? "00:00:" + ((int)PurgeAfter.TotalSeconds).ToString(CultureInfo.InvariantCulture) : "1.00:00:00"), log);

        var samples = new ConcurrentBag<(double SentAt, double Ms, bool Ok)>();
        var clock = Stopwatch.StartNew();
        var startOffset = (TimeProvider.System.GetUtcNow() - start).TotalSeconds; // the service's start-up, before the clock began
        using var stop = new CancellationTokenSource();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var update = 0L;
        // A steady trickle of people writing (Users, each every Pause): enough to see how long a webhook waits behind
        // the purge, not so much that the machine's two cores are the bottleneck.
        var load = Enumerable.Range(0, Users).Select(user => Task.Run(async () =>
        {
            var chat = 5_000_000 + user;
            string[] script = ["hola", "1", "1", "2", "atras", "3", "menu", "4"];
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                var id = Interlocked.Increment(ref update);
                var body = "{\"update_id\":" + id + ",\"message\":{\"message_id\":" + id + ",\"from\":{\"id\":" + chat + ",\"is_bot\":false,\"first_name\":\"Bench\"},\"chat\":{\"id\":" + chat + ",\"type\":\"private\"},\"date\":1700000000,\"text\":\"" + script[i % script.Length] + "\"}}";
                using var request = new HttpRequestMessage(HttpMethod.Post, bot.WebhookUrl) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
                request.Headers.Add("X-Telegram-Bot-Api-Secret-Token", options.Secret);
                var sentAt = clock.Elapsed.TotalSeconds;
                var ok = false;
                try
                {
                    using var response = await http.SendAsync(request);
                    ok = response.IsSuccessStatusCode;
                }
                catch (HttpRequestException)
                {
                }
                catch (TaskCanceledException)
                {
                }

                samples.Add((sentAt, (clock.Elapsed.TotalSeconds - sentAt) * 1000, ok));
                await Task.Delay(Pause);
            }
        })).ToList();

        double purgeStart, purgeEnd, longest;
        if (mode == "single")
        {
            var wait = start + PurgeAfter - TimeProvider.System.GetUtcNow();
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait);
            }

            purgeStart = clock.Elapsed.TotalSeconds;
            await using var connection = new SqliteConnection($"Data Source={file};Default Timeout=60");
            await connection.OpenAsync();
            await Execute(connection, "PRAGMA busy_timeout = 60000");
            await using (var transaction = connection.BeginTransaction(deferred: false))
            {
                var cutoffs = new Dictionary<string, string>
                {
                    ["@sessions"] = Stamp(TimeProvider.System.GetUtcNow() - SessionExpiry),
                    ["@dedupe"] = Stamp(TimeProvider.System.GetUtcNow() - DedupeWindow),
                    ["@outbox"] = Stamp(TimeProvider.System.GetUtcNow() - OutboxRetention),
                };
                foreach (var sql in SingleTransaction)
                {
                    await using var command = connection.CreateCommand();
                    command.CommandText = sql;
                    command.Transaction = transaction;
                    command.CommandTimeout = 600;
                    foreach (var (name, value) in cutoffs.Where(c => sql.Contains(c.Key, StringComparison.Ordinal)))
                    {
                        command.Parameters.AddWithValue(name, value);
                    }

                    await command.ExecuteNonQueryAsync();
                }

                await transaction.CommitAsync();
            }

            purgeEnd = clock.Elapsed.TotalSeconds;
            longest = (purgeEnd - purgeStart) * 1000;
        }
        else
        {
            // The janitor's round: watched from outside, by the seeded rows disappearing.
            (purgeStart, purgeEnd) = await WatchPurgeAsync(file, rows, clock);
            await Task.Delay(TimeSpan.FromSeconds(2)); // the janitor's log line follows its last batch
            longest = JanitorLongest(log);
        }

        await Task.Delay(TimeSpan.FromSeconds(10)); // answers after the purge, for comparison
        await stop.CancelAsync();
        await Task.WhenAll(load);

        var during = samples.Where(s => s.SentAt + (s.Ms / 1000) >= purgeStart && s.SentAt <= purgeEnd).OrderBy(s => s.Ms).ToList();
        var ms = during.Select(s => s.Ms).ToArray();
        var outside = samples.Where(s => s.SentAt + (s.Ms / 1000) < purgeStart || s.SentAt > purgeEnd).Select(s => s.Ms).Order().ToArray();
        var failures = samples.Count(s => !s.Ok);
        var remaining = await CountAsync(file, "SELECT COUNT(*) FROM conversations WHERE id >= 'seed' AND id < 'seee'"); // after the run: a scan is harmless now
        if (remaining > 0)
        {
            Console.WriteLine($"{mode}: {remaining} seeded sessions were not purged");
            failures++;
        }

        var longestText = double.IsNaN(longest) ? "n/a" : longest.ToString("0", CultureInfo.InvariantCulture);
        Console.WriteLine($"{mode}: purge {purgeEnd - purgeStart:0.0} s after {startOffset + purgeStart:0.0} s, {during.Count} webhooks during it, failures {failures}");
        return $"| {TimeProvider.System.GetUtcNow():yyyy-MM-dd} | {rows:N0} | {mode} | {purgeEnd - purgeStart:0.0} | {longestText} | {during.Count} | {Percentile(ms, 0.5):0} / {Percentile(ms, 0.99):0} / {(ms.Length == 0 ? 0 : ms[^1]):0} | {Percentile(outside, 0.5):0} / {Percentile(outside, 0.99):0} | {failures} |";
    }

    /// <summary>
    /// When the seeded rows start to go (the first session due is gone) and when they are all gone, asked through
    /// O(log n) lookups only: a reader that scanned a million rows twice a second would hold WAL checkpoints back and
    /// slow every commit, measuring the bench instead of the janitor.
    /// </summary>
    private static async Task<(double Start, double End)> WatchPurgeAsync(string file, int rows, Stopwatch clock)
    {
        double? start = null;
        var first = $"seed{Math.Min(rows - 1, 999):D12}"; // the oldest seeded session: due first
        var deadline = clock.Elapsed + TimeSpan.FromMinutes(30);
        while (clock.Elapsed < deadline)
        {
            var firstGone = await CountAsync(file, $"SELECT NOT EXISTS (SELECT 1 FROM conversations WHERE id = '{first}')") == 1;
            var left = await CountAsync(file, "SELECT EXISTS (SELECT 1 FROM conversations WHERE id >= 'seed' AND id < 'seee') + EXISTS (SELECT 1 FROM outbox WHERE channel = 'telegram' AND provider_message_id >= 'seed' AND provider_message_id < 'seee') + EXISTS (SELECT 1 FROM inbound_messages WHERE conversation_id IS NULL)");
            var now = clock.Elapsed.TotalSeconds;
            if (firstGone)
            {
                start ??= now;
            }

            if (left == 0)
            {
                return (start ?? now, now);
            }

            await Task.Delay(200);
        }

        throw new TimeoutException("the janitor did not purge the seeded rows within 30 minutes");
    }

    private const int Users = 4;
    private static readonly TimeSpan Pause = TimeSpan.FromMilliseconds(50);

    /// <summary>The janitor's own figure: its longest transaction, the longest any webhook could wait behind it.</summary>
    private static double JanitorLongest(string log)
    {
        var line = File.ReadLines(log).LastOrDefault(l => l.Contains("transactions (the longest", StringComparison.Ordinal));
        var match = line is null ? null : System.Text.RegularExpressions.Regex.Match(line, @"the longest (\d+) ms");
        return match is { Success: true } ? double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : double.NaN;
    }

    private static Dictionary<string, string> Environment(string file, string interval) => new()
    {
        ["Logging__LogLevel__OimBot.Bot.Storage"] = "Information",
        ["Storage__ConnectionString"] = $"Data Source={file}",
        ["Storage__PurgeInterval"] = interval,
        ["Dialogs__SessionExpiry"] = "1.00:00:00",
        ["Storage__DedupeWindow"] = "2.00:00:00",
        ["Storage__OutboxRetention"] = "7.00:00:00",
    };

    /// <summary>
    /// N expired sessions (ids 'seed…'), N dedupe records of other, long gone sessions, N settled outbox rows. Linked
    /// (the scale run): the store as the service fills it, the sessions' ids written as the service writes them (creation
    /// time first, then random bits), each outbox row belonging to one of them, and each session's message id kept in
    /// its own row (recent_inbound) rather than as a dedupe record; <paramref name="previousDedupe"/> seeds a dedupe
    /// record per session instead, as stores filled before the third session of 2026-12-01 hold them (for two days
    /// after an upgrade).
    /// </summary>
    internal static async Task SeedAsync(string file, int rows, DateTimeOffset due, bool linked = false, bool previousDedupe = false)
    {
        await using var connection = new SqliteConnection($"Data Source={file}");
        await connection.OpenAsync();
        await using var transaction = connection.BeginTransaction();
        var ids = new string[rows];
        for (var i = 0; i < rows; i++)
        {
            ids[i] = linked ? ServiceId(due - SessionExpiry - TimeSpan.FromMilliseconds(rows - i)) : $"seed{i:D12}";
        }

        await Insert(connection, transaction, rows,
            linked && !previousDedupe
                ? "INSERT INTO conversations (id, channel, address_hash, address_cipher, state, content_version, created_at, updated_at, recent_inbound) VALUES ($id, 'telegram', $hash, $cipher, '{}', 'seed', $at, $at, randomblob(32))"
                : "INSERT INTO conversations (id, channel, address_hash, address_cipher, state, content_version, created_at, updated_at) VALUES ($id, 'telegram', $hash, $cipher, '{}', 'seed', $at, $at)",
            (command, i) =>
            {
                command.Parameters["$id"].Value = ids[i];
                command.Parameters["$hash"].Value = RandomNumberGenerator.GetBytes(32);
                command.Parameters["$cipher"].Value = RandomNumberGenerator.GetBytes(40);
                command.Parameters["$at"].Value = Stamp(due - SessionExpiry - TimeSpan.FromMilliseconds(i % 1000));
            });
        await Insert(connection, transaction, linked && !previousDedupe ? 0 : rows,
            "INSERT INTO inbound_messages (channel, external_id_hash, conversation_id, received_at, replies) VALUES ('telegram', $hash, $conversation, $at, '[]')",
            (command, i) =>
            {
                command.Parameters["$conversation"].Value = linked ? ids[i] : DBNull.Value;
                command.Parameters["$hash"].Value = RandomNumberGenerator.GetBytes(32);
                command.Parameters["$at"].Value = Stamp(due - DedupeWindow - TimeSpan.FromMilliseconds(i % 1000));
            });
        await Insert(connection, transaction, rows,
            "INSERT INTO outbox (channel, recipient_hash, conversation_id, payload, status, attempts, next_attempt_at, provider_message_id, created_at, updated_at) VALUES ('telegram', $hash, $conversation, '', 'delivered', 1, $at, $provider, $at, $at)",
            (command, i) =>
            {
                command.Parameters["$conversation"].Value = linked ? ids[i] : DBNull.Value;
                command.Parameters["$hash"].Value = RandomNumberGenerator.GetBytes(32);
                command.Parameters["$provider"].Value = $"seed{i}";
                command.Parameters["$at"].Value = Stamp(due - OutboxRetention - TimeSpan.FromMilliseconds(i % 1000));
            });
        await transaction.CommitAsync();

        // Everything into the main file, so that a copy of it is the whole database.
        await Execute(connection, "PRAGMA wal_checkpoint(TRUNCATE)");
    }

    /// <summary>A conversation id as the service makes it (ConversationStore.NewId): milliseconds, then 80 random bits.</summary>
    private static string ServiceId(DateTimeOffset createdAt)
    {
        Span<byte> id = stackalloc byte[16];
        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(id, createdAt.ToUnixTimeMilliseconds() << 16);
        RandomNumberGenerator.Fill(id[6..]);
        return Convert.ToHexStringLower(id);
    }

    private static async Task Insert(SqliteConnection connection, SqliteTransaction transaction, int rows, string sql, Action<SqliteCommand, int> bind)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        foreach (var name in System.Text.RegularExpressions.Regex.Matches(sql, @"\$\w+").Select(m => m.Value).Distinct())
        {
            command.Parameters.Add(new SqliteParameter { ParameterName = name });
        }

        command.Prepare();
        for (var i = 0; i < rows; i++)
        {
            bind(command, i);
            await command.ExecuteNonQueryAsync();
        }
    }

    /// <summary>Moves every seeded time by <paramref name="by"/> (text stamps: rewritten through julianday arithmetic).</summary>
    private static async Task ShiftAsync(string file, TimeSpan by)
    {
        await using var connection = new SqliteConnection($"Data Source={file}");
        await connection.OpenAsync();
        var seconds = by.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);
        string Shift(string column) => $"{column} = strftime('%Y-%m-%dT%H:%M:%f0000Z', {column}, '{seconds} seconds')";
        await Execute(connection, $"UPDATE conversations SET {Shift("updated_at")} WHERE id >= 'seed' AND id < 'seee'");
        await Execute(connection, $"UPDATE inbound_messages SET {Shift("received_at")} WHERE conversation_id IS NULL");
        await Execute(connection, $"UPDATE outbox SET {Shift("updated_at")} WHERE provider_message_id >= 'seed' AND id < 'seee'");
    }

    private static async Task Execute(SqliteConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.CommandTimeout = 600;
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<long> CountAsync(string file, string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={file};Mode=ReadOnly");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static string Stamp(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    private static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
}
