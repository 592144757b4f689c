using Dapper;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OimBot.Bot.Storage;
using OimBot.Bot.Tests.TestHost;

namespace OimBot.Bot.Tests.Storage;

/// <summary>
/// The write-ahead log's reserve (issue 15, <c>Storage:LogReserveMiB</c>): at start the log is extended with zeros so
/// that a fresh process's commits overwrite space instead of growing the file. What the log holds must be exactly what
/// it held: rows committed before and after the reserve survive a crash (a copy of the files taken while the service
/// runs, its log never checkpointed), and nothing else changes.
/// </summary>
public sealed class SqliteLogReserveTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("oimbot-log-reserve-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    private SqliteDatabase Database(string file, int reserveMiB) => new(Options.Create(new StorageOptions
    {
        ConnectionString = $"Data Source={Path.Combine(_folder, file)}",
        LogReserveMiB = reserveMiB,
        CheckpointInterval = TimeSpan.FromSeconds(1), // the writer checkpoints only past 64 MiB: the rows stay in the log
    }));

    private static Task<int> InsertAsync(SqliteDatabase database, int from, int to) =>
        database.WriteAsync(async (c, t) =>
        {
            for (var n = from; n <= to; n++)
            {
                await c.ExecuteAsync("INSERT INTO rows (n, body) VALUES (@n, randomblob(3000))", new { n }, t);
            }

            return 0;
        }, CancellationToken.None);

    [Fact]
    public async Task TheLogIsExtendedOnce_AndRowsCommittedBeforeAndAfterIt_SurviveACrash()
    {
        using var database = Database("bot.db", reserveMiB: 2);
        await database.MigrateAsync(CancellationToken.None);
        await database.WriteAsync((c, t) => c.ExecuteAsync("CREATE TABLE rows (n INTEGER PRIMARY KEY, body BLOB NOT NULL)", transaction: t), CancellationToken.None);
        await InsertAsync(database, 1, 20); // frames in the log before the reserve: the zeros go after them
        var log = Path.Combine(_folder, "bot.db-wal");
        var before = new FileInfo(log).Length;
        Assert.InRange(before, 1, 2 * 1024 * 1024 - 1);

        Assert.Equal(2 * 1024 * 1024 - before, await database.ReserveLogAsync(CancellationToken.None));
        Assert.Equal(2 * 1024 * 1024, new FileInfo(log).Length);
        Assert.Equal(0, await database.ReserveLogAsync(CancellationToken.None)); // large enough already

        await InsertAsync(database, 21, 40); // frames written over the zeros

        // A crash: the files as they are on disk while the service runs (nothing checkpointed, no shared memory).
        var copy = Path.Combine(_folder, "crash.db");
        File.Copy(Path.Combine(_folder, "bot.db"), copy);
        File.Copy(log, copy + "-wal");
        await using (var withoutLog = new SqliteConnection($"Data Source={Path.Combine(_folder, "crash-db-only.db")}"))
        {
            File.Copy(Path.Combine(_folder, "bot.db"), Path.Combine(_folder, "crash-db-only.db"));
            await withoutLog.OpenAsync();
            Assert.Equal(0L, await withoutLog.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM sqlite_master WHERE name = 'rows'")); // the rows are only in the log
        }

        await using var recovered = new SqliteConnection($"Data Source={copy}");
        await recovered.OpenAsync();
        Assert.Equal(Enumerable.Range(1, 40), await recovered.QueryAsync<int>("SELECT n FROM rows ORDER BY n"));
        Assert.Equal("ok", await recovered.ExecuteScalarAsync<string>("PRAGMA integrity_check"));
    }

    [Fact]
    public async Task ALogOfZerosAlone_IsAnEmptyLog_AndTheDatabaseOpensWithEverythingCheckpointed()
    {
        using (var database = Database("bot.db", reserveMiB: 1))
        {
            await database.MigrateAsync(CancellationToken.None);
            await database.WriteAsync((c, t) => c.ExecuteAsync("CREATE TABLE rows (n INTEGER PRIMARY KEY, body BLOB NOT NULL)", transaction: t), CancellationToken.None);
            await InsertAsync(database, 1, 5);
            await using (var connection = await database.OpenAsync(CancellationToken.None))
            {
                await connection.ExecuteAsync("PRAGMA wal_checkpoint(TRUNCATE)"); // the log is now empty: zero bytes
            }

            Assert.Equal(0, new FileInfo(Path.Combine(_folder, "bot.db-wal")).Length);
            Assert.Equal(1024 * 1024, await database.ReserveLogAsync(CancellationToken.None));

            var copy = Path.Combine(_folder, "crash.db");
            File.Copy(Path.Combine(_folder, "bot.db"), copy);
            File.Copy(Path.Combine(_folder, "bot.db-wal"), copy + "-wal");
            await using var recovered = new SqliteConnection($"Data Source={copy}");
            await recovered.OpenAsync();
            Assert.Equal(5L, await recovered.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM rows"));

            await InsertAsync(database, 6, 8); // the first frames after a log of zeros: its header is written first
        }

        SqliteConnection.ClearAllPools(); // the last connection closes: SQLite checkpoints and deletes the log
        using var reopened = Database("bot.db", reserveMiB: 1);
        await using var read = await reopened.OpenAsync(CancellationToken.None);
        Assert.Equal(Enumerable.Range(1, 8), await read.QueryAsync<int>("SELECT n FROM rows ORDER BY n"));
    }

    [Fact]
    public async Task NoReserve_LeavesTheLogAsItIs()
    {
        using var database = Database("bot.db", reserveMiB: 0);
        await database.MigrateAsync(CancellationToken.None);

        // A connection held open keeps the log: another test clearing every pool (SqliteConnection.ClearAllPools) would
        // close the last one, and SQLite deletes the log with it.
        await using var held = await database.OpenAsync(CancellationToken.None);
        await held.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM sqlite_master");
        var before = new FileInfo(Path.Combine(_folder, "bot.db-wal")).Length;

        Assert.Equal(0, await database.ReserveLogAsync(CancellationToken.None));
        Assert.Equal(before, new FileInfo(Path.Combine(_folder, "bot.db-wal")).Length);
    }

    [Fact]
    public async Task WithTooLittleFreeSpace_TheLogIsNotReserved_AndTheReasonIsLogged()
    {
        var logs = new LogCapture();
        using var factory = LoggerFactory.Create(b => b.AddProvider(logs));
        using var database = new SqliteDatabase(
            Options.Create(new StorageOptions { ConnectionString = $"Data Source={Path.Combine(_folder, "bot.db")}", LogReserveMiB = 2 }),
            logger: factory.CreateLogger<SqliteDatabase>());
        await database.MigrateAsync(CancellationToken.None);
        var before = new FileInfo(Path.Combine(_folder, "bot.db-wal")).Length;
        database.FreeSpace = _ => SqliteDatabase.FreeAfterReserve + 1024 * 1024; // 1 MiB short of the reserve and what must stay free

        Assert.Equal(0, await database.ReserveLogAsync(CancellationToken.None));
        Assert.Equal(before, new FileInfo(Path.Combine(_folder, "bot.db-wal")).Length);
        Assert.Contains(logs.Lines, l => l.Contains("The write-ahead log was not reserved (only 1025 MiB free on the disk)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task WhileAnotherConnectionHoldsTheWriteLock_TheReserveIsSkipped_NotTheStart()
    {
        using var database = Database("bot.db", reserveMiB: 1);
        await database.MigrateAsync(CancellationToken.None);
        await using var other = new SqliteConnection($"Data Source={Path.Combine(_folder, "bot.db")};Pooling=False");
        await other.OpenAsync();
        await other.ExecuteAsync("PRAGMA busy_timeout = 0; BEGIN IMMEDIATE;");

        var log = Path.Combine(_folder, "bot.db-wal");
        var before = new FileInfo(log).Length;
        Assert.Equal(0, await database.ReserveLogAsync(CancellationToken.None)); // after busy_timeout (3 s), not an exception
        Assert.Equal(before, new FileInfo(log).Length);
        await other.ExecuteAsync("ROLLBACK");
        Assert.Equal(1024 * 1024 - before, await database.ReserveLogAsync(CancellationToken.None));
        Assert.Equal(1024 * 1024, new FileInfo(log).Length);
    }

    [Fact]
    public async Task TheReserve_OutlivesTheIdleConnections_UntilTheDatabaseIsDisposed()
    {
        var log = Path.Combine(_folder, "bot.db-wal");
        using (var database = Database("bot.db", reserveMiB: 1))
        {
            await database.MigrateAsync(CancellationToken.None);
            Assert.True(await database.ReserveLogAsync(CancellationToken.None) > 0);

            SqliteConnection.ClearAllPools(); // the pool's idle connections closed: the writer's stays open, and the log
            Assert.Equal(1024 * 1024, new FileInfo(log).Length);
        }

        SqliteConnection.ClearAllPools(); // the writer's connection too: SQLite checkpoints and deletes the log
        Assert.False(File.Exists(log));
    }

    [Fact]
    public async Task TheServiceReservesTheLog_WhenItStarts()
    {
        await using var factory = new BotFactory(); // Storage:LogReserveMiB 1 in the tests' hosts
        using var client = factory.CreateClient();
        using var health = await client.GetAsync(new Uri("/healthz", UriKind.Relative));
        Assert.True(health.IsSuccessStatusCode, $"/healthz: {(int)health.StatusCode} {await health.Content.ReadAsStringAsync()}; logged: {string.Join(" | ", factory.Logs.Lines.Where(l => l.Contains("health", StringComparison.OrdinalIgnoreCase) || l.Contains("fail", StringComparison.OrdinalIgnoreCase)))}");

        // On a loaded machine another writer may hold the lock past busy_timeout at start (the reserve is then skipped
        // and logged, and the start goes on: the test above); the service's database then reserves on the next call.
        var said = string.Join(" | ", factory.Logs.Lines.Where(l => l.Contains("write-ahead log", StringComparison.Ordinal)));
        if (said.Contains("another process holds the database's write lock", StringComparison.Ordinal))
        {
            var database = Assert.IsType<SqliteDatabase>(factory.Services.GetRequiredService<IStoreDatabase>());
            Assert.True(await database.ReserveLogAsync(CancellationToken.None) > 0, said);
        }
        else
        {
            Assert.Contains("The write-ahead log is reserved at 1 MiB", said, StringComparison.Ordinal);
        }

        // Every idle connection closed (what the pool does after quiet minutes, and other tests' clean-ups do at any
        // time): the writer's connection, opened by the reserve, keeps the log; with the last one SQLite deletes it.
        SqliteConnection.ClearAllPools();
        Assert.True(new FileInfo(factory.DatabasePath + "-wal").Length >= 1024 * 1024, $"log {new FileInfo(factory.DatabasePath + "-wal").Length} bytes; logged: {said}");
    }
}
