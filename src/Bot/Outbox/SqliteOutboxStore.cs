using System.Data.Common;
using Dapper;
using Microsoft.Data.Sqlite;
using OimBot.Bot.Storage;

namespace OimBot.Bot.Outbox;

/// <summary>
/// The outbox on SQLite: one writer at a time (the database's write gate), so a claim's SELECT and UPDATE cannot race
/// with another sender in this process, and BEGIN IMMEDIATE keeps other processes out.
/// </summary>
public sealed class SqliteOutboxStore(SqliteDatabase database, AddressProtector protector) : OutboxStore(protector)
{
    /// <summary>
    /// Up to @max due rows, oldest first, marked as being sent and returned, in one statement: SQLite reads the chosen
    /// ids before it changes a row, so the "first of its recipient" check sees the rows as they were.
    /// </summary>
    internal const string ClaimStatement = $"""
        UPDATE outbox SET status = 'sending', lease_until = @until, updated_at = @now
        WHERE id IN (SELECT o.id FROM outbox o WHERE {DueAndFirstOfRecipient} ORDER BY o.id LIMIT @max)
        RETURNING {ClaimedColumns}
        """;

    protected override string LockRow => string.Empty;

    protected override Task<T> WriteAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken cancellationToken) =>
        database.WriteAsync((connection, transaction) => work(connection, transaction), cancellationToken);

    protected override Task<T> WriteOneStatementAsync<T>(Func<DbConnection, DbTransaction?, Task<T>> work, CancellationToken cancellationToken) =>
        database.WriteAsync((connection, transaction) => work(connection, transaction), cancellationToken, oneStatement: true);

    protected override async Task<DbConnection> OpenAsync(CancellationToken cancellationToken) => await database.OpenAsync(cancellationToken);

    protected override async Task<IReadOnlyList<ClaimedRow>> ClaimRowsAsync(DbConnection connection, DbTransaction? transaction, DateTimeOffset now, DateTimeOffset until, int max)
    {
        var rows = await connection.QueryAsync<ClaimedRow>(
            ClaimStatement,
            new { now = SqliteDatabase.Stamp(now), until = SqliteDatabase.Stamp(until), max },
            transaction);
        return [.. rows.OrderBy(r => r.Id)]; // RETURNING's order is not the ids'
    }
}
