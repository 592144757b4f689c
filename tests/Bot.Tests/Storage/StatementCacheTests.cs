using Dapper;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using OimBot.Bot.Storage;
using OimBot.Bot.Tests.TestHost;

namespace OimBot.Bot.Tests.Storage;

/// <summary>
/// The writer's statement cache (issue 15): a statement run again reuses its prepared command with the new call's
/// parameters; results are those of a fresh command in every case (readers, scalars, a reader still open, a schema
/// change, more SQL texts than it keeps); and it is what the writer uses.
/// </summary>
public sealed class StatementCacheTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("oimbot-statements-").FullName;

    private string File => Path.Combine(_folder, "bot.db");

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    private async Task<StatementCachingConnection> OpenAsync()
    {
        var connection = new StatementCachingConnection($"Data Source={File}");
        await connection.OpenAsync();
        await connection.ExecuteAsync("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, name TEXT, n INTEGER)");
        return connection;
    }

    [Fact]
    public async Task AStatementRunAgain_ReusesItsPreparedCommand_WithEachCallsParameters()
    {
        await using var connection = await OpenAsync();
        var before = connection.Statistics;
        for (var i = 1; i <= 5; i++)
        {
            await connection.ExecuteAsync("INSERT INTO t (name, n) VALUES (@name, @n)", new { name = $"p{i}", n = i });
        }

        for (var i = 1; i <= 5; i++)
        {
            Assert.Equal($"p{i}", await connection.QuerySingleAsync<string>("SELECT name FROM t WHERE n = @n", new { n = i }));
            Assert.Equal(i, await connection.ExecuteScalarAsync<long>("SELECT n FROM t WHERE name = @name", new { name = $"p{i}" }));
        }

        Assert.Equal(3, connection.Statistics.Prepared - before.Prepared);
        Assert.Equal(12, connection.Statistics.Reused - before.Reused);
        Assert.Equal([(1L, "p1"), (5L, "p5")], (await connection.QueryAsync<(long, string)>("SELECT n, name FROM t WHERE n IN @ns ORDER BY n", new { ns = new[] { 1, 5 } })).ToList());
    }

    [Theory]
    [InlineData("SELECT n FROM t WHERE name = @name", "name", "@name")]
    [InlineData("SELECT n FROM t WHERE name = $name", "name", "$name")]
    [InlineData("SELECT n FROM t WHERE name = :name", "name", ":name")]
    [InlineData("SELECT n FROM t WHERE name = @names OR n = @name", "name", "@name")]
    [InlineData("SELECT n FROM t WHERE name = @name_2 OR n = @name2", "name", "name")]
    [InlineData("SELECT n FROM t WHERE n = @n", "name", "name")]
    [InlineData("SELECT n FROM t WHERE name = @name OR n = $name", "name", "name")]
    [InlineData("SELECT n FROM t WHERE name = @name", "@name", "@name")]
    [InlineData("SELECT n FROM t WHERE n = @n AND name = @name", "n", "@n")]
    public void AParameterNamedWithoutPrefix_IsBoundByTheNameTheSqlWrites(string sql, string name, string expected) =>
        Assert.Equal(expected, StatementCachingConnection.Prefixed(sql, name));

    [Fact]
    public async Task ParametersWrittenWithAnyPrefix_AreBound_OnACachedCommandAndAFreshOne()
    {
        await using var connection = await OpenAsync();
        for (var i = 1; i <= 3; i++)
        {
            await connection.ExecuteAsync("INSERT INTO t (name, n) VALUES ($name, :n)", new { name = $"p{i}", n = i });
            await connection.ExecuteAsync("UPDATE t SET n = @n * 10 WHERE name = @name", new { name = $"p{i}", n = i });
        }

        await using var reader = await connection.ExecuteReaderAsync("SELECT n FROM t WHERE name = @name", new { name = "p1" });
        Assert.Equal(20, await connection.ExecuteScalarAsync<long>("SELECT n FROM t WHERE name = @name", new { name = "p2" })); // fresh command: the cached one is open
        Assert.Equal([10L, 20L, 30L], (await connection.QueryAsync<long>("SELECT n FROM t ORDER BY n")).ToList());
    }

    /// <summary>The commands that hold a call's parameters are kept for later calls: none of a call's parameters reaches the next.</summary>
    [Fact]
    public async Task ACallsParameters_NeverReachTheNextCall()
    {
        await using var connection = await OpenAsync();
        const string Insert = "INSERT INTO t (name, n) VALUES (@name, @n)";
        for (var i = 0; i < 20; i++)
        {
            await connection.ExecuteAsync(Insert, new { name = $"p{i}", n = i });
        }

        var missing = new DynamicParameters();
        missing.Add("name", "no n");
        await Assert.ThrowsAsync<InvalidOperationException>(() => connection.ExecuteAsync(Insert, missing)); // not the last call's n
        await using (var open = await connection.ExecuteReaderAsync("SELECT name FROM t WHERE n >= @n ORDER BY n", new { n = 18 }))
        {
            Assert.Equal(7L, await connection.ExecuteScalarAsync<long>("SELECT n FROM t WHERE name = @name", new { name = "p7" }));
            Assert.True(await open.ReadAsync());
            Assert.Equal("p18", open.GetString(0));
        }

        Assert.Equal(20L, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM t"));
        Assert.Equal(0L, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM t WHERE name = 'no n'"));
    }

    [Fact]
    public async Task AReaderStillOpen_LeavesTheSameStatementToAFreshCommand()
    {
        await using var connection = await OpenAsync();
        await connection.ExecuteAsync("INSERT INTO t (name, n) VALUES ('a', 1), ('b', 2)");
        const string Sql = "SELECT name FROM t WHERE n >= @n ORDER BY n";

        await using var outer = await connection.ExecuteReaderAsync(Sql, new { n = 1 });
        Assert.True(await outer.ReadAsync());
        var inner = (await connection.QueryAsync<string>(Sql, new { n = 2 })).ToList(); // the cached command is busy
        Assert.Equal(["b"], inner);
        Assert.Equal("a", outer.GetString(0));
        Assert.True(await outer.ReadAsync());
        Assert.Equal("b", outer.GetString(0));
        Assert.False(await outer.ReadAsync());
    }

    [Fact]
    public async Task AfterASchemaChange_ACachedStatementSeesTheNewSchema()
    {
        await using var connection = await OpenAsync();
        await connection.ExecuteAsync("INSERT INTO t (name, n) VALUES ('a', 1)");
        Assert.Equal(["a"], (await connection.QueryAsync<string>("SELECT * FROM t")).Select(_ => "a"));

        await using (var other = new SqliteConnection($"Data Source={File}"))
        {
            await other.OpenAsync();
            await other.ExecuteAsync("ALTER TABLE t ADD COLUMN extra TEXT DEFAULT 'x'");
        }

        var row = (IDictionary<string, object>)(await connection.QueryAsync("SELECT * FROM t")).Single();
        Assert.Equal("x", row["extra"]);
    }

    [Fact]
    public async Task MoreSqlTextsThanItKeeps_StillRun_AndTheCacheStaysBounded()
    {
        await using var connection = await OpenAsync();
        for (var i = 0; i < StatementCachingConnection.Capacity + 50; i++)
        {
            Assert.Equal(i, await connection.ExecuteScalarAsync<long>($"SELECT {i}"));
        }

        Assert.True(connection.Statistics.Prepared <= StatementCachingConnection.Capacity);
        Assert.Equal(7, await connection.ExecuteScalarAsync<long>("SELECT 7"));
    }

    [Fact]
    public async Task AFailingStatement_LeavesItsCommandUsable()
    {
        await using var connection = await OpenAsync();
        await connection.ExecuteAsync("CREATE UNIQUE INDEX IF NOT EXISTS t_name ON t (name)");
        const string Insert = "INSERT INTO t (name, n) VALUES (@name, 1)";
        await connection.ExecuteAsync(Insert, new { name = "same" });
        await Assert.ThrowsAsync<SqliteException>(() => connection.ExecuteAsync(Insert, new { name = "same" }));
        await connection.ExecuteAsync(Insert, new { name = "other" });
        Assert.Equal(2, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM t"));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task TheWriter_RunsOnACachingConnection_UnlessTurnedOff(bool cache)
    {
        using var database = new SqliteDatabase(Options.Create(new StorageOptions { ConnectionString = $"Data Source={File}", CacheStatements = cache }));
        await database.MigrateAsync(CancellationToken.None);
        var type = await database.WriteAsync((c, _) => Task.FromResult(c.GetType()), CancellationToken.None);
        Assert.Equal(cache, type == typeof(StatementCachingConnection));
        for (var i = 0; i < 3; i++)
        {
            await database.WriteAsync((c, t) => c.ExecuteAsync("INSERT INTO channel_cursors (name, value, updated_at) VALUES (@name, 'v', 'now')", new { name = $"c{i}" }, t), CancellationToken.None);
        }

        await using var read = await database.OpenAsync(CancellationToken.None);
        Assert.Equal(3, await read.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM channel_cursors"));
    }
}

/// <summary>PostgreSQL keeps the turns' statements prepared on the server (Npgsql's automatic preparation) unless told otherwise.</summary>
public sealed class PostgresPreparedStatementsTests
{
    [Theory]
    [InlineData("Host=db;Username=bot;Database=oimbot", 64, 2)]
    [InlineData("Host=db;Username=bot;Database=oimbot;Max Auto Prepare=0", 0, 5)]
    [InlineData("Host=db;Username=bot;Database=oimbot;Max Auto Prepare=10;Auto Prepare Min Usages=3", 10, 3)]
    public void AutomaticPreparation_IsOnUnlessTheConnectionStringSetsIt(string given, int max, int minUsages)
    {
        var builder = new Npgsql.NpgsqlConnectionStringBuilder(PostgresDatabase.WithPreparedStatements(given));
        Assert.Equal((max, minUsages), (builder.MaxAutoPrepare, builder.AutoPrepareMinUsages));
        Assert.Equal("db", builder.Host);
    }

    [Theory]
    [InlineData("Host=db;Username=bot;Database=oimbot", true)]
    [InlineData("Host=db;Username=bot;Database=oimbot;No Reset On Close=false", false)]
    public void PooledConnections_AreNotResetOnReturn_UnlessTheConnectionStringSaysSo(string given, bool noReset) =>
        Assert.Equal(noReset, new Npgsql.NpgsqlConnectionStringBuilder(PostgresDatabase.WithPreparedStatements(given)).NoResetOnClose);

    /// <summary>
    /// Pooled connections are not reset, so what holds session state has a connection of its own: leadership's advisory
    /// lock and the migration lock are released the moment their connection closes, and a pooled connection never
    /// carries a lock (or a LISTEN) to the next user of the pool.
    /// </summary>
    [Fact]
    public async Task ASessionConnection_ReleasesWhatItHeldWhenItCloses_AndIsNeverHandedToThePool()
    {
        var connectionString = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("sessions");
        await using var database = new PostgresDatabase(connectionString, TimeProvider.System, NullLogger<PostgresDatabase>.Instance);
        const long Key = 0x6F696D626F74_7F;
        int backend;
        await using (var session = await database.OpenSessionAsync(CancellationToken.None))
        {
            backend = session.ProcessID;
            Assert.True(await session.ExecuteScalarAsync<bool>("SELECT pg_try_advisory_lock(@key)", new { key = Key }));
            await session.ExecuteAsync("LISTEN oimbot_test");
        }

        await using var other = await database.OpenAsync(CancellationToken.None);
        Assert.NotEqual(backend, other.ProcessID);

        // The server ends the session as soon as it reads the client's goodbye; looked at until then (bounded).
        var free = false;
        for (var tries = 0; tries < 200 && !free; tries++)
        {
            free = await other.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM pg_stat_activity WHERE pid = @backend", new { backend }) == 0
                && await other.ExecuteScalarAsync<bool>("SELECT pg_try_advisory_xact_lock(@key)", new { key = Key });
            if (!free)
            {
                await Task.Yield();
                await other.ExecuteAsync("SELECT pg_sleep(0.05)");
            }
        }

        Assert.True(free, "the session's backend and its lock outlived the closed connection");
    }
}
