using System.Data.Common;

namespace OimBot.Bot.Storage;

/// <summary>
/// The database a feature's store writes to, whichever provider it is: connections, one-transaction writes, the
/// provider's form of time, and how a row is locked for the rest of a transaction.
/// </summary>
public interface IStoreDatabase
{
    /// <summary>sqlite or postgres.</summary>
    string Provider { get; }

    SqlTime Time { get; }

    /// <summary>Appended to a SELECT whose rows the transaction goes on to change (" FOR UPDATE" on PostgreSQL; SQLite has one writer).</summary>
    string LockRow { get; }

    /// <summary>
    /// "the value is one of the list parameter <paramref name="parameter"/>": Dapper spreads a list into SQLite's
    /// <c>IN (…)</c>, while Npgsql sends it as one array (<c>= ANY(…)</c>).
    /// </summary>
    string OneOf(string parameter);

    /// <summary>Applies the provider's numbered migrations not applied yet (once, however many instances start).</summary>
    Task MigrateAsync(CancellationToken cancellationToken);

    /// <summary>Throws when the database cannot be used (for /healthz).</summary>
    Task CheckAsync(CancellationToken cancellationToken);

    Task<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken);

    Task<T> WriteAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken cancellationToken);

    /// <summary>
    /// For a caller that cannot await (Data Protection reads and stores its key ring synchronously): a query and a
    /// one-statement write run with the provider's synchronous calls, on a connection of their own on PostgreSQL (not
    /// waiting for the pool, which the turns may have taken), instead of blocking on asynchronous work that would need
    /// another thread of the pool to finish.
    /// </summary>
    IReadOnlyList<T> QueryBlocking<T>(string sql);

    /// <inheritdoc cref="QueryBlocking{T}"/>
    void ExecuteBlocking(string sql, object parameters);
}
