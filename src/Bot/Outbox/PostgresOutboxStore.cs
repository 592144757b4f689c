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

    protected override async Task<DbConnection> OpenAsync(CancellationToken cancellationToken) => await database.OpenAsync(cancellationToken);

    protected override async Task<IReadOnlyList<ClaimedRow>> ClaimRowsAsync(DbConnection connection, DbTransaction transaction, DateTimeOffset now, DateTimeOffset until, int max)
    {
        // A recipient's later row waits while an earlier one is pending or being sent, by this instance or another: the
        // NOT EXISTS sees an earlier row another claim has locked (still 'pending' to this statement) and skips the later.
        var rows = await connection.QueryAsync<ClaimedRow>(
            """
            WITH due AS (
                SELECT o.id FROM outbox o
                WHERE o.channel <> 'webchat'
                  AND ((o.status = 'pending' AND o.next_attempt_at <= @now) OR (o.status = 'sending' AND o.lease_until <= @now))
                  AND NOT EXISTS (SELECT 1 FROM outbox p
                                  WHERE p.channel = o.channel AND p.recipient_hash = o.recipient_hash AND p.id < o.id
                                    AND p.status IN ('pending', 'sending'))
                ORDER BY o.id
                LIMIT @max
                FOR UPDATE OF o SKIP LOCKED)
            UPDATE outbox o SET status = 'sending', lease_until = @until, updated_at = @now
            FROM due WHERE o.id = due.id
            RETURNING o.id AS Id, o.channel AS Channel, o.address_cipher AS AddressCipher, o.payload AS Payload,
                      o.callback_query_id AS CallbackQueryId, o.attempts::bigint AS Attempts, o.window_expires_at AS WindowExpiresAt,
                      o.template AS Template, o.language AS Language
            """,
            new { now, until, max },
            transaction);
        return [.. rows.OrderBy(r => r.Id)];
    }
}
