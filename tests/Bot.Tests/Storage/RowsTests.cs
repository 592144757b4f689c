using System.Data.Common;
using System.Text.RegularExpressions;
using Dapper;
using Microsoft.Data.Sqlite;
using Npgsql;
using OimBot.Bot.Storage;
using OimBot.Bot.Tests.TestHost;

namespace OimBot.Bot.Tests.Storage;

/// <summary>
/// <see cref="Rows"/> reads as Dapper's queries read, on both providers, but never in sequential access: a row read
/// through it is in memory before its values are read, so no thread waits on the socket for a value. Every query of
/// the service that may run on PostgreSQL goes through it.
/// </summary>
public sealed partial class RowsTests
{
    public static TheoryData<string> Providers => ["sqlite", "postgres"];

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task ReadsAsDappersQueriesRead(string provider)
    {
        await using var connection = await OpenAsync(provider);
        await connection.ExecuteAsync("CREATE TABLE t (id integer NOT NULL, name text, data bytea)".Replace("bytea", provider == "sqlite" ? "blob" : "bytea", StringComparison.Ordinal));
        await connection.ExecuteAsync("INSERT INTO t (id, name, data) VALUES (1, 'uno', @data), (2, NULL, NULL), (3, 'tres', NULL)", new { data = new byte[] { 1, 2, 3 } });

        (string Sql, Func<Task<object?>> Ours, Func<Task<object?>> Dappers)[] cases =
        [
            ("tuples", async () => Show(await connection.ListAsync<(long Id, string? Name)>("SELECT id, name FROM t ORDER BY id")), async () => Show(await connection.QueryAsync<(long Id, string? Name)>("SELECT id, name FROM t ORDER BY id"))),
            ("a class", async () => Show((await connection.ListAsync<Row>("SELECT id AS Id, name AS Name, data AS Data FROM t ORDER BY id")).Select(r => (r.Id, r.Name, r.Data?.Length))), async () => Show((await connection.QueryAsync<Row>("SELECT id AS Id, name AS Name, data AS Data FROM t ORDER BY id")).Select(r => (r.Id, r.Name, r.Data?.Length)))),
            ("a value converted", async () => Show(await connection.ListAsync<int>("SELECT id FROM t ORDER BY id")), async () => Show(await connection.QueryAsync<int>("SELECT id FROM t ORDER BY id"))),
            ("one", async () => await connection.OneOrDefaultAsync<string>("SELECT name FROM t WHERE id = 3"), async () => await connection.QuerySingleOrDefaultAsync<string>("SELECT name FROM t WHERE id = 3")),
            ("none", async () => await connection.OneOrDefaultAsync<string>("SELECT name FROM t WHERE id = 9"), async () => await connection.QuerySingleOrDefaultAsync<string>("SELECT name FROM t WHERE id = 9")),
            ("none, a nullable tuple", async () => await connection.OneOrDefaultAsync<(long Id, byte[] Data)?>("SELECT id, data FROM t WHERE id = 9"), async () => await connection.QuerySingleOrDefaultAsync<(long Id, byte[] Data)?>("SELECT id, data FROM t WHERE id = 9")),
            ("one, a nullable tuple", async () => Show((await connection.OneOrDefaultAsync<(long Id, byte[] Data)?>("SELECT id, data FROM t WHERE id = 1"))?.Data), async () => Show((await connection.QuerySingleOrDefaultAsync<(long Id, byte[] Data)?>("SELECT id, data FROM t WHERE id = 1"))?.Data)),
            ("a single row", async () => await connection.OneAsync<long>("SELECT COUNT(*) FROM t"), async () => await connection.QuerySingleAsync<long>("SELECT COUNT(*) FROM t")),
            ("a value", async () => await connection.ValueAsync<long>("SELECT MAX(id) FROM t WHERE id < @below", new { below = 3 }), async () => await connection.ExecuteScalarAsync<long>("SELECT MAX(id) FROM t WHERE id < @below", new { below = 3 })),
            ("a null value", async () => await connection.ValueAsync<string>("SELECT name FROM t WHERE id = 2"), async () => await connection.ExecuteScalarAsync<string>("SELECT name FROM t WHERE id = 2")),
            ("a null value as an object", async () => await connection.ValueAsync<object>("SELECT name FROM t WHERE id = 2"), async () => await connection.ExecuteScalarAsync<object>("SELECT name FROM t WHERE id = 2")),
            ("no row for a value", async () => await connection.ValueAsync<long>("SELECT id FROM t WHERE id = 9"), async () => await connection.ExecuteScalarAsync<long>("SELECT id FROM t WHERE id = 9")),
            ("a boolean", async () => await connection.ValueAsync<bool>("SELECT EXISTS (SELECT 1 FROM t WHERE id = 1)"), async () => await connection.ExecuteScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM t WHERE id = 1)")),
        ];

        foreach (var (name, ours, dappers) in cases)
        {
            Assert.True(Equals(await dappers(), await ours()), name);
        }

        // What Dapper refuses, refused the same way.
        await Assert.ThrowsAsync<InvalidOperationException>(() => connection.OneOrDefaultAsync<long>("SELECT id FROM t"));
        await Assert.ThrowsAsync<InvalidOperationException>(() => connection.OneAsync<long>("SELECT id FROM t WHERE id = 9"));
        await Assert.ThrowsAsync<InvalidOperationException>(() => connection.QuerySingleOrDefaultAsync<long>("SELECT id FROM t"));
    }

    /// <summary>
    /// A row that has only partly arrived: Rows waits for the rest without holding its thread, where in sequential
    /// access (Dapper's) the value would be read synchronously, the thread blocked on the socket until the network
    /// delivers (Dapper's own code goes on on the pool, so its blocked thread is not this one: only its result is
    /// compared). The query runs on a thread of its own that does nothing else, and the relay holds the rest of the row.
    /// </summary>
    [Fact]
    public async Task OnPostgreSQL_ARowThatHasPartlyArrived_IsAwaited_NotReadFromTheSocketBlocking()
    {
        var connectionString = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("rows");
        const string Sql = "SELECT n, repeat(md5(n::text), 1000) FROM generate_series(1, 2) n ORDER BY n";

        var (ours, oursIdle) = await ReadWithTheRowHeldAsync(connectionString, c => c.ListAsync<(int N, string Text)>(Sql));
        Assert.True(oursIdle, "Rows held its thread while the row was on its way");
        Assert.Equal([1, 2], ours.Select(r => r.N));
        Assert.All(ours, r => Assert.Equal(32_000, r.Text.Length));

        Assert.Equal(ours, (await ReadWithTheRowHeldAsync(connectionString, async c => (await c.QueryAsync<(int N, string Text)>(Sql)).ToList())).Result);

        var one = await ReadWithTheRowHeldAsync(connectionString, async c => await c.ValueAsync<string>("SELECT repeat('x', 32000)"));
        Assert.True(one.Idle);
        Assert.Equal(32_000, one.Result!.Length);
    }

    /// <summary>
    /// Runs <paramref name="read"/> on a thread of its own while the relay holds all but the first 4,000 bytes of the
    /// answer; whether that thread was idle (waiting for work, not for the socket) while the answer was held.
    /// </summary>
    private static async Task<(T Result, bool Idle)> ReadWithTheRowHeldAsync<T>(string connectionString, Func<NpgsqlConnection, Task<T>> read)
    {
        await using var relay = PausingRelay.Start(connectionString);
        await using var connection = new NpgsqlConnection(relay.ConnectionString);
        await connection.OpenAsync();
        using var thread = new OneThread();
        relay.PauseAfter(4_000);
        var result = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        thread.Post(async _ =>
        {
            try
            {
                result.SetResult(await read(connection));
            }
            catch (Exception e)
            {
                result.SetException(e);
            }
        }, null);

        await relay.Paused.WaitAsync(TimeSpan.FromSeconds(10));
        var idle = await thread.StaysIdleAsync(TimeSpan.FromMilliseconds(300), within: TimeSpan.FromSeconds(3));
        relay.Resume();
        return (await result.Task.WaitAsync(TimeSpan.FromSeconds(20)), idle);
    }

    /// <summary>A thread that runs what is posted to it, one item at a time, and says when it is waiting for work.</summary>
    private sealed class OneThread : SynchronizationContext, IDisposable
    {
        private readonly System.Collections.Concurrent.BlockingCollection<(SendOrPostCallback Callback, object? State)> _work = [];
        private readonly Thread _thread;
        private volatile bool _idle;

        public OneThread()
        {
            _thread = new Thread(Run) { IsBackground = true, Name = "rows-test" };
            _thread.Start();
        }

        public override void Post(SendOrPostCallback d, object? state) => _work.Add((d, state));

        public override void Send(SendOrPostCallback d, object? state) => throw new NotSupportedException();

        /// <summary>True once the thread has waited for work, with nothing queued, for <paramref name="span"/> without a break.</summary>
        public async Task<bool> StaysIdleAsync(TimeSpan span, TimeSpan within)
        {
            var waited = System.Diagnostics.Stopwatch.StartNew();
            var idleSince = TimeSpan.MinValue;
            while (waited.Elapsed < within)
            {
                if (_idle && _work.Count == 0)
                {
                    idleSince = idleSince == TimeSpan.MinValue ? waited.Elapsed : idleSince;
                    if (waited.Elapsed - idleSince >= span)
                    {
                        return true;
                    }
                }
                else
                {
                    idleSince = TimeSpan.MinValue;
                }

                await Task.Delay(10);
            }

            return false;
        }

        public void Dispose()
        {
            _work.CompleteAdding();
            _thread.Join(TimeSpan.FromSeconds(5));
            _work.Dispose();
        }

        private void Run()
        {
            SetSynchronizationContext(this);
            while (true)
            {
                _idle = true;
                if (!_work.TryTake(out var item, Timeout.Infinite))
                {
                    return;
                }

                _idle = false;
                item.Callback(item.State);
            }
        }
    }

    /// <summary>
    /// The rule that keeps it so: in <c>src/</c>, Dapper's reading queries appear only where the database can only be
    /// SQLite or the read is synchronous by design (<see cref="IStoreDatabase.QueryBlocking{T}"/>, so marked), and
    /// nothing waits for a task to finish by blocking, but the SQLite writer's own thread and the SQLite writes of the
    /// blocking form (which wait for that thread).
    /// </summary>
    [Fact]
    public void TheServicesSource_ReadsThroughRows_AndBlocksOnNoTask()
    {
        string[] sqliteOnly = ["SqliteDatabase.cs", "SqliteOutboxStore.cs", "StatementCache.cs", "SqliteWriter.cs", "DirectStatement.cs", "SqliteConversationStore.cs"];
        string[] mayBlock = ["SqliteWriter.cs", "SqliteDatabase.cs"];
        var found = new List<string>();
        foreach (var file in Directory.EnumerateFiles(Path.Combine(RepoPaths.Root, "src"), "*.cs", SearchOption.AllDirectories).Where(f => !f.Contains("/obj/", StringComparison.Ordinal) && !f.Contains("/bin/", StringComparison.Ordinal)))
        {
            var name = Path.GetFileName(file);
            var lines = File.ReadAllLines(file);
            for (var i = 0; i < lines.Length; i++)
            {
                if (!sqliteOnly.Contains(name) && DappersReads().IsMatch(lines[i]) && !lines[i].EndsWith("// synchronous by design (QueryBlocking)", StringComparison.Ordinal))
                {
                    found.Add($"{file}:{i + 1}: {lines[i].Trim()}");
                }

                if (!mayBlock.Contains(name) && Blocking().IsMatch(lines[i]))
                {
                    found.Add($"{file}:{i + 1}: {lines[i].Trim()}");
                }
            }
        }

        Assert.Empty(found);
    }

    [GeneratedRegex(@"\.(Query|QueryAsync|QuerySingle|QuerySingleAsync|QuerySingleOrDefault|QuerySingleOrDefaultAsync|QueryFirst|QueryFirstAsync|QueryFirstOrDefault|QueryFirstOrDefaultAsync|QueryMultiple|QueryMultipleAsync|ExecuteScalar|ExecuteScalarAsync|QueryUnbufferedAsync)(<[^>(]*>)?\(")]
    private static partial Regex DappersReads();

    [GeneratedRegex(@"GetAwaiter\(\)\.GetResult\(\)|\.Wait\(\)|\.Wait\(\d|\bThread\.Sleep\(")]
    private static partial Regex Blocking();

    private static string Show<T>(IEnumerable<T> rows) => string.Join(" | ", rows);

    private static string Show(byte[]? data) => data is null ? "null" : Convert.ToHexString(data);

    private static async Task<DbConnection> OpenAsync(string provider)
    {
        if (provider == "sqlite")
        {
            var sqlite = new SqliteConnection("Data Source=:memory:");
            await sqlite.OpenAsync();
            return sqlite;
        }

        var postgres = new NpgsqlConnection(await (await PostgresServer.GetAsync()).CreateDatabaseAsync("rows"));
        await postgres.OpenAsync();
        return postgres;
    }

    private sealed class Row
    {
        public long Id { get; set; }

        public string? Name { get; set; }

        public byte[]? Data { get; set; }
    }
}
