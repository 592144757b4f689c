using Dapper;
using Npgsql;

namespace OimBot.Bot.Storage;

/// <summary>
/// One PostgreSQL database shared by any number of OimBot instances: a pooled data source, and the numbered
/// migrations in <c>Storage/Migrations/Postgres</c>, applied under an advisory lock so that instances starting
/// together migrate once. There is no in-process write gate: each store relies on the database's own concurrency
/// (row locks, <c>SKIP LOCKED</c>, <c>ON CONFLICT</c>).
/// </summary>
public sealed partial class PostgresDatabase(string connectionString, TimeProvider clock, ILogger<PostgresDatabase> logger) : IStoreDatabase, IAsyncDisposable
{
    public string Provider => "postgres";

    public SqlTime Time => SqlTime.Postgres;

    public string LockRow => " FOR UPDATE";

    public string OneOf(string parameter) => $" = ANY({parameter})";

    async Task<System.Data.Common.DbConnection> IStoreDatabase.OpenConnectionAsync(CancellationToken cancellationToken) => await OpenAsync(cancellationToken);

    Task<T> IStoreDatabase.WriteAsync<T>(Func<System.Data.Common.DbConnection, System.Data.Common.DbTransaction, Task<T>> work, CancellationToken cancellationToken) =>
        WriteAsync((connection, transaction) => work(connection, transaction), cancellationToken);

    /// <summary>An unpooled connection opened and used synchronously (Data Protection's key ring, about daily).</summary>
    IReadOnlyList<T> IStoreDatabase.QueryBlocking<T>(string sql)
    {
        using var connection = new NpgsqlConnection(_sessions);
        connection.Open();
        return [.. connection.Query<T>(sql)]; // synchronous by design (QueryBlocking)
    }

    void IStoreDatabase.ExecuteBlocking(string sql, object parameters)
    {
        using var connection = new NpgsqlConnection(_sessions);
        connection.Open();
        connection.Execute(sql, parameters);
    }

    /// <summary>The advisory lock key migrations run under ("oimbot:migrate").</summary>
    private const long MigrationLock = 0x6F696D626F74_01;

    private readonly NpgsqlDataSource _dataSource = NpgsqlDataSource.Create(WithPreparedStatements(connectionString));

    private readonly string _sessions = Unpooled(connectionString);

    /// <summary>
    /// A connection string for a connection of its own (a session, or the warm-up's schema work): unpooled, so not
    /// multiplexed either (Npgsql refuses multiplexing without a pool).
    /// </summary>
    internal static string Unpooled(string connectionString) => new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false, Multiplexing = false }.ConnectionString;

    /// <summary>
    /// The pool's settings, unless the connection string says otherwise (issue 15). Npgsql prepares a statement on the
    /// server once it has run a few times on a connection (automatic preparation): the turns' statements are few and run
    /// constantly. A connection goes back to the pool without the reset Npgsql otherwise sends with its next use (seven
    /// statements: RESET ALL, UNLISTEN *, pg_advisory_unlock_all()…), since pooled connections here never change their
    /// session: what holds session state (leadership's advisory lock, LISTEN, the migration lock) has a connection of its
    /// own (<see cref="OpenSessionAsync"/>).
    /// </summary>
    internal static string WithPreparedStatements(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (!connectionString.Contains("Auto Prepare", StringComparison.OrdinalIgnoreCase) && !connectionString.Contains("MaxAutoPrepare", StringComparison.OrdinalIgnoreCase))
        {
            builder.MaxAutoPrepare = 64;
            builder.AutoPrepareMinUsages = 2;
        }

        if (!connectionString.Contains("Reset On Close", StringComparison.OrdinalIgnoreCase) && !connectionString.Contains("NoResetOnClose", StringComparison.OrdinalIgnoreCase))
        {
            builder.NoResetOnClose = true;
        }

        return builder.ConnectionString;
    }

    /// <summary>A connection from the pool: its session must be left as it was found.</summary>
    public async Task<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken) => await _dataSource.OpenConnectionAsync(cancellationToken);

    /// <summary>
    /// A connection of its own, outside the pool, for what holds session state (an advisory lock, LISTEN): closing it
    /// ends the session, and with it what it held, at once.
    /// </summary>
    public Task<NpgsqlConnection> OpenSessionAsync(CancellationToken cancellationToken) => OpenUnpooledAsync(_sessions, cancellationToken);

    /// <summary>
    /// A connection for a lane of grouped turns (<see cref="TurnGroups"/>): outside the pool, so a lane never waits
    /// for it, and with the pool's automatic preparation, since it runs the turns' statements all day.
    /// </summary>
    public Task<NpgsqlConnection> OpenLaneAsync(CancellationToken cancellationToken) => OpenUnpooledAsync(_lanes, cancellationToken);

    private static async Task<NpgsqlConnection> OpenUnpooledAsync(string connectionString, CancellationToken cancellationToken)
    {
        var connection = new NpgsqlConnection(connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    private readonly string _lanes = Unpooled(WithPreparedStatements(connectionString));

    /// <summary>Runs <paramref name="work"/> in one transaction (READ COMMITTED; stores lock the rows they change).</summary>
    /// <param name="commit">false: the work commits (or rolls back) the transaction itself; if it fails, it is rolled back</param>
    public async Task<T> WriteAsync<T>(Func<NpgsqlConnection, NpgsqlTransaction, Task<T>> work, CancellationToken cancellationToken, bool commit = true)
    {
        ArgumentNullException.ThrowIfNull(work);
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var result = await work(connection, transaction);
        if (commit)
        {
            await transaction.CommitAsync(cancellationToken);
        }

        return result;
    }

    /// <summary>Applies the migrations not applied yet, each in its own transaction, one instance at a time.</summary>
    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenSessionAsync(cancellationToken);
        await connection.ExecuteAsync("SELECT pg_advisory_lock(@key)", new { key = MigrationLock });
        try
        {
            await connection.ExecuteAsync("CREATE TABLE IF NOT EXISTS schema_migrations (version bigint PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL)");
            await Storage.Migrations.ApplyAsync(connection, "Postgres", clock.GetUtcNow(), name => LogMigrated(logger, name), cancellationToken);
        }
        finally
        {
            await connection.ExecuteAsync("SELECT pg_advisory_unlock(@key)", new { key = MigrationLock });
        }
    }

    /// <summary>
    /// Opens up to <paramref name="count"/> of the pool's connections at once (never more than its Maximum Pool Size; none
    /// when the connection string turns pooling off),
    /// has each plan a query on every table of the schema the service uses (<c>LIMIT 0</c>: nothing is read) and call the
    /// turn's PL/pgSQL check once (it holds, so it does nothing), and hands
    /// them back to the pool (<see cref="StorageOptions.PoolPrefill"/>). Returns how many were opened.
    /// </summary>
    public async Task<int> PrefillAsync(int count, CancellationToken cancellationToken)
    {
        var settings = new NpgsqlConnectionStringBuilder(_dataSource.ConnectionString);
        count = settings.Pooling ? Math.Min(count, settings.MaxPoolSize) : 0; // without a pool, nothing would stay open
        if (count <= 0)
        {
            return 0;
        }

        string plans;
        await using (var connection = await OpenAsync(cancellationToken))
        {
            var tables = await connection.ListAsync<string>(new CommandDefinition("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename", cancellationToken: cancellationToken));
            plans = string.Concat(tables.Select(table => $"SELECT NULL FROM \"{table.Replace("\"", "\"\"", StringComparison.Ordinal)}\" LIMIT 0;"));
            if (await connection.ValueAsync<bool>(new CommandDefinition("SELECT to_regproc('oimbot_expect') IS NOT NULL", cancellationToken: cancellationToken)))
            {
                // The turn's check on a kept state is PL/pgSQL: each server process loads the language and compiles the
                // function on its first call, about 4 ms, which the first people's turns paid on every connection.
                plans += PostgresConversationStore.CompileExpectation + ";";
            }
        }

        var opened = new List<NpgsqlConnection>(count);
        try
        {
            await Task.WhenAll(Enumerable.Range(0, count).Select(async _ =>
            {
                var connection = await OpenAsync(cancellationToken);
                lock (opened)
                {
                    opened.Add(connection);
                }

                if (plans.Length > 0)
                {
                    await connection.ExecuteAsync(new CommandDefinition(plans, cancellationToken: cancellationToken));
                }
            }));
        }
        finally
        {
            foreach (var connection in opened)
            {
                await connection.DisposeAsync();
            }
        }

        return opened.Count;
    }

    public async Task CheckAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await connection.ValueAsync<long>("SELECT COUNT(*) FROM schema_migrations");
    }

    /// <summary>The embedded PostgreSQL migrations, in order.</summary>
    internal static IEnumerable<(long Version, string Name, string Sql)> Migrations() => Storage.Migrations.Of("Postgres");

    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();

    [LoggerMessage(Level = LogLevel.Information, Message = "Applied database migration {Name} (PostgreSQL)")]
    private static partial void LogMigrated(ILogger logger, string name);
}
