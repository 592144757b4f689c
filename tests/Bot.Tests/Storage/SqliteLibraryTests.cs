using System.Runtime.CompilerServices;
using Dapper;
using Microsoft.Data.Sqlite;
using OimBot.Bot.Storage;

namespace OimBot.Bot.Tests.Storage;

/// <summary>
/// SQLite's process-wide settings (issue 15): multi-thread mode and no memory statistics, taken before the first
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
