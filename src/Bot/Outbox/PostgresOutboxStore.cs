using System.Data.Common;
using Dapper;
using OimBot.Bot.Storage;

namespace OimBot.Bot.Outbox;

/// <summary>
/// The outbox on PostgreSQL, correct with any number of instances: a claim locks its rows with
/// <c>FOR UPDATE SKIP LOCKED</c> (a row is sent by one instance only; a busy row is passed over, never waited for) and
/// marks them in the same statement; a delivery report locks the row it changes.
/// </summary>
public sealed class PostgresOutboxStore(PostgresDatabase database, AddressProtector protector) : OutboxStore(protector)
{
    protected override string LockRow => " FOR UPDATE";

    protected override Task<T> WriteAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken cancellationToken) =>
        database.WriteAsync((connection, transaction) => work(connection, transaction), cancellationToken);

    /// <summary>One statement is its own transaction: sent without BEGIN and COMMIT, in one round trip.</summary>
    protected override async Task<T> WriteOneStatementAsync<T>(Func<DbConnection, DbTransaction?, Task<T>> work, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await work(connection, null);
    }

    protected override async Task<DbConnection> OpenAsync(CancellationToken cancellationToken) => await database.OpenAsync(cancellationToken);

    protected override async Task<IReadOnlyList<ClaimedRow>> ClaimRowsAsync(DbConnection connection, DbTransaction transaction, DateTimeOffset now, DateTimeOffset until, int max)
    {
        // A recipient's later row waits while an earlier one is pending or being sent, by this instance or another: the
        // NOT EXISTS sees an earlier row another claim has locked (still 'pending' to this statement) and skips the later.
        var rows = await connection.QueryAsync<ClaimedRow>(
            $"""
            WITH due AS (
                SELECT o.id FROM outbox o WHERE {DueAndFirstOfRecipient}
                ORDER BY o.id
                LIMIT @max
                FOR UPDATE OF o SKIP LOCKED)
            UPDATE outbox o SET status = 'sending', lease_until = @until, updated_at = @now
            FROM due WHERE o.id = due.id
            RETURNING {ClaimedColumns}
            """,
            new { now, until, max },
            transaction);
        return [.. rows.OrderBy(r => r.Id)];
    }
}
