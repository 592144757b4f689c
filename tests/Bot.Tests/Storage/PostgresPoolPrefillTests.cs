using Dapper;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using OimBot.Bot.Storage;
using OimBot.Bot.Tests.TestHost;

namespace OimBot.Bot.Tests.Storage;

/// <summary>
/// Storage:PoolPrefill (README, Decisions): on PostgreSQL the start opens some of the pool's connections ahead of the
/// first messages, each having planned a query on every table, and never lets that stop the service.
/// </summary>
public sealed class PostgresPoolPrefillTests
{
    private static async Task<string> MigratedDatabaseAsync(string prefix)
    {
        var connectionString = await (await PostgresServer.GetAsync()).CreateDatabaseAsync(prefix);
        await using var database = new PostgresDatabase(connectionString, TimeProvider.System, NullLogger<PostgresDatabase>.Instance);
        await database.MigrateAsync(CancellationToken.None);
        return connectionString;
    }

    /// <summary>The hosted start's storage step, as the service runs it, with its log lines kept.</summary>
    private static async Task StartAsync(PostgresDatabase database, int prefill, LogCapture logs)
    {
        using var factory = LoggerFactory.Create(builder => builder.AddProvider(logs));
        var migrator = new StorageMigrator(database, Microsoft.Extensions.Options.Options.Create(new StorageOptions { Provider = StorageOptions.Postgres, PoolPrefill = prefill }), factory.CreateLogger<StorageMigrator>());
        await migrator.StartAsync(CancellationToken.None);
    }

    [Theory]
    [InlineData(5, 20, 5)]
    [InlineData(30, 3, 3)] // never more than the pool may hold
    [InlineData(0, 20, 0)] // off
    [InlineData(5, 20, 0, false)] // no pool to keep them in
    public async Task TheStart_OpensThePoolsConnectionsAhead_EachHavingPlannedEveryTable_AndCompiledTheTurnsCheck(int prefill, int maxPool, int expected, bool pooling = true)
    {
        var connectionString = await MigratedDatabaseAsync("prefill");
        var application = $"prefill_{prefill}_{maxPool}_{pooling}";
        var pooled = new NpgsqlConnectionStringBuilder(connectionString) { MaxPoolSize = maxPool, ApplicationName = application, Pooling = pooling }.ConnectionString;
        await using var database = new PostgresDatabase(pooled, TimeProvider.System, NullLogger<PostgresDatabase>.Instance);
        var logs = new LogCapture();

        await StartAsync(database, prefill, logs);

        await using var observer = new NpgsqlConnection(connectionString);
        var tables = (await observer.QueryAsync<string>("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")).ToList();
        Assert.Contains("conversations", tables);
        Assert.Contains("outbox", tables);
        // The connections stay open in the pool, idle; each planned every table in order, then called the turn's
        // PL/pgSQL check once, so its server process compiled it (the fresh process's second wave of turns had waited
        // for that on every connection: BENCHMARKS.md, thirtieth session). Npgsql sends the statements as a batch,
        // and the server shows a connection's last one: the call.
        var backends = (await observer.QueryAsync<(string State, string Query)>("SELECT state, query FROM pg_stat_activity WHERE datname = current_database() AND application_name = @application", new { application })).ToList();
        Assert.Equal(expected, backends.Count);
        Assert.All(backends, b => Assert.Equal(("idle", PostgresConversationStore.CompileExpectation), b));
        if (expected > 0)
        {
            Assert.Contains(logs.Lines, l => l.StartsWith($"Information OimBot.Bot.Storage.StorageMigrator: Opened {expected} database connections ahead of the first messages (Storage:PoolPrefill)", StringComparison.Ordinal));
        }
        else
        {
            Assert.DoesNotContain(logs.Lines, l => l.Contains("PoolPrefill", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task APrefillTheDatabaseRefuses_IsLogged_AndTheStartGoesOn()
    {
        var connectionString = await MigratedDatabaseAsync("prefill_refused");
        var role = $"prefill_{Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(4)).ToLowerInvariant()}";
        await using (var owner = new NpgsqlConnection(connectionString))
        {
            // Enough to see that every migration is applied, not to read the tables.
            await owner.ExecuteAsync($"CREATE ROLE {role} LOGIN; GRANT CREATE, USAGE ON SCHEMA public TO {role}; GRANT SELECT ON schema_migrations TO {role}");
        }

        await using var database = new PostgresDatabase(new NpgsqlConnectionStringBuilder(connectionString) { Username = role }.ConnectionString, TimeProvider.System, NullLogger<PostgresDatabase>.Instance);
        var logs = new LogCapture();

        await StartAsync(database, 4, logs); // does not throw

        Assert.Contains(logs.Lines, l => l.StartsWith("Warning OimBot.Bot.Storage.StorageMigrator: Could not open the database connections ahead of the first messages (SQLSTATE 42501); starting anyway (Storage:PoolPrefill)", StringComparison.Ordinal));
    }
}
