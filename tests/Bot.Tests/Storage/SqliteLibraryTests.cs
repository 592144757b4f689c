using System.Runtime.CompilerServices;
using Dapper;
using Microsoft.Data.Sqlite;
using OimBot.Bot.Storage;

namespace OimBot.Bot.Tests.Storage;

/// <summary>
/// SQLite's process-wide settings (issue 15): serialized mode and no memory statistics, taken before the first
/// connection opens, so every test here runs the service's SQLite as production does.
/// </summary>
public sealed class SqliteLibraryTests
{
    /// <summary>Before any test: the service's own module initializer runs only when the service's assembly loads.</summary>
    [ModuleInitializer]
    internal static void BeforeAnyConnection() => SqliteDatabase.ConfigureLibrary();

    [Fact]
    public void TheSettingsAreTaken_BeforeAnyConnectionOpens()
    {
        Assert.True(SqliteDatabase.LibraryConfigured);
    }

    /// <summary>
    /// A command nobody disposed has its statements finalized by the garbage collector's thread while its connection is
    /// in use on another: in multi-thread mode (no mutex per connection) this loop crashed the process inside SQLite
    /// within a second, every time; the service ran so from the fourth session until 2026-12-06 (README, Decisions).
    /// </summary>
    [Fact]
    public async Task CommandsLeftToTheCollector_WhileTheirConnectionIsInUse_LeaveItWhole()
    {
        var folder = Directory.CreateTempSubdirectory("oimbot-sqlite-finalizer-").FullName;
        try
        {
            await using var connection = new SqliteConnection($"Data Source={Path.Combine(folder, "bot.db")};Pooling=True");
            await connection.OpenAsync();
            await connection.ExecuteAsync("PRAGMA journal_mode = WAL; CREATE TABLE t (n INTEGER NOT NULL, text TEXT NOT NULL);");
            const int Rounds = 5_000;
            using var done = new CancellationTokenSource();
            var collector = new Thread(() =>
            {
                while (!done.IsCancellationRequested)
                {
                    GC.Collect(1);
                    Thread.Sleep(1);
                }
            }) { IsBackground = true };
            collector.Start();
            try
            {
                for (var n = 0; n < Rounds; n++)
                {
                    Leak(connection, n);
                    using var insert = connection.CreateCommand();
                    insert.CommandText = "INSERT INTO t (n, text) VALUES ($n, $text)";
                    insert.Parameters.AddWithValue("$n", n);
                    insert.Parameters.AddWithValue("$text", new string('y', n % 300));
                    insert.ExecuteNonQuery();
                }
            }
            finally
            {
                done.Cancel();
                collector.Join();
            }

            Assert.Equal(Rounds, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM t"));
            Assert.Equal((long)Rounds * (Rounds - 1) / 2, await connection.ExecuteScalarAsync<long>("SELECT SUM(n) FROM t"));
            Assert.Equal("ok", await connection.ExecuteScalarAsync<string>("PRAGMA integrity_check"));
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>A command run and dropped without being disposed; its prepared statement is left to the collector.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Leak(SqliteConnection connection, int n)
    {
        var command = connection.CreateCommand();
        command.CommandText = $"SELECT n, text FROM t WHERE n = {n - 1} AND text <> 'x{n}'";
        Assert.Equal(n == 0 ? null : (object)(long)(n - 1), command.ExecuteScalar());
    }

    [Fact]
    public async Task PooledConnections_UsedFromManyThreadsInTurn_ReadWhatTheWriterCommitted()
    {
        var folder = Directory.CreateTempSubdirectory("oimbot-sqlite-mode-").FullName;
        try
        {
            var file = $"Data Source={Path.Combine(folder, "bot.db")};Pooling=True";
            await using (var setup = new SqliteConnection(file))
            {
                await setup.OpenAsync();
                await setup.ExecuteAsync("PRAGMA journal_mode = WAL; CREATE TABLE t (n INTEGER NOT NULL);");
            }

            // Each task opens, uses and returns a pooled connection; awaits move it between threads, never two at once.
            var totals = await Task.WhenAll(Enumerable.Range(1, 16).Select(async n =>
            {
                await Task.Yield();
                await using var connection = new SqliteConnection(file);
                await connection.OpenAsync();
                await connection.ExecuteAsync("PRAGMA busy_timeout = 5000; INSERT INTO t (n) VALUES (@n)", new { n });
                await Task.Yield();
                return await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM t WHERE n = @n", new { n });
            }));

            Assert.All(totals, count => Assert.Equal(1, count));
            await using var check = new SqliteConnection(file);
            await check.OpenAsync();
            Assert.Equal(136, await check.ExecuteScalarAsync<long>("SELECT SUM(n) FROM t"));
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(folder, recursive: true);
        }
    }
}
