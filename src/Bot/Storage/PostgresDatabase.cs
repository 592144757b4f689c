using System.Globalization;
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

    async Task<System.Data.Common.DbConnection> IStoreDatabase.OpenConnectionAsync(CancellationToken cancellationToken) => await OpenAsync(cancellationToken);

    Task<T> IStoreDatabase.WriteAsync<T>(Func<System.Data.Common.DbConnection, System.Data.Common.DbTransaction, Task<T>> work, CancellationToken cancellationToken) =>
        WriteAsync((connection, transaction) => work(connection, transaction), cancellationToken);

    /// <summary>The advisory lock key migrations run under ("oimbot:migrate").</summary>
    private const long MigrationLock = 0x6F696D626F74_01;

    private readonly NpgsqlDataSource _dataSource = NpgsqlDataSource.Create(connectionString);

    public async Task<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken) => await _dataSource.OpenConnectionAsync(cancellationToken);

    /// <summary>Runs <paramref name="work"/> in one transaction (READ COMMITTED; stores lock the rows they change).</summary>
    public async Task<T> WriteAsync<T>(Func<NpgsqlConnection, NpgsqlTransaction, Task<T>> work, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var result = await work(connection, transaction);
        await transaction.CommitAsync(cancellationToken);
        return result;
    }

    /// <summary>Applies the migrations not applied yet, each in its own transaction, one instance at a time.</summary>
    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await connection.ExecuteAsync("SELECT pg_advisory_lock(@key)", new { key = MigrationLock });
        try
        {
            await connection.ExecuteAsync("CREATE TABLE IF NOT EXISTS schema_migrations (version bigint PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL)");
            var applied = (await connection.QueryAsync<long>("SELECT version FROM schema_migrations")).ToHashSet();
            foreach (var (version, name, sql) in Migrations())
            {
                if (applied.Contains(version))
                {
                    continue;
                }

                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                await connection.ExecuteAsync(sql, transaction: transaction);
                await connection.ExecuteAsync(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (@version, @name, @at)",
                    new { version, name, at = clock.GetUtcNow() },
                    transaction);
                await transaction.CommitAsync(cancellationToken);
                LogMigrated(logger, name);
            }
        }
        finally
        {
            await connection.ExecuteAsync("SELECT pg_advisory_unlock(@key)", new { key = MigrationLock });
        }
    }

    /// <summary>The embedded PostgreSQL migrations, in order.</summary>
    internal static IEnumerable<(long Version, string Name, string Sql)> Migrations()
    {
        var assembly = typeof(PostgresDatabase).Assembly;
        var prefix = $"{assembly.GetName().Name}.Storage.Migrations.Postgres.";
        foreach (var resource in assembly.GetManifestResourceNames().Where(r => r.StartsWith(prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            var name = resource[prefix.Length..];
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream);
            yield return (long.Parse(name.AsSpan(0, 4), CultureInfo.InvariantCulture), name, reader.ReadToEnd());
        }
    }

    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();

    [LoggerMessage(Level = LogLevel.Information, Message = "Applied database migration {Name} (PostgreSQL)")]
    private static partial void LogMigrated(ILogger logger, string name);
}
