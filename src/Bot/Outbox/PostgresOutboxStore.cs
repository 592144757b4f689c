using System.Data.Common;
using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using OimBot.Bot.Storage;

namespace OimBot.Bot.Outbox;

/// <summary>
/// The outbox on PostgreSQL, correct with any number of instances: a claim locks its rows with
/// <c>FOR UPDATE SKIP LOCKED</c> (a row is sent by one instance only; a busy row is passed over, never waited for) and
/// marks them in the same statement; a delivery report locks the row it changes. Sent rows are settled in groups
/// (<see cref="SettleGroup"/>): those that arrive while <see cref="StorageOptions.SettlesInFlight"/> settles are on
/// their way go together in the next statement; with 0, each on its own.
/// </summary>
public sealed class PostgresOutboxStore : OutboxStore
{
    private readonly PostgresDatabase _database;
    private readonly SettleGroup? _settles;

    public PostgresOutboxStore(PostgresDatabase database, AddressProtector protector, IOptions<StorageOptions> options)
        : base(protector)
    {
        _database = database;
        _settles = options.Value.SettlesInFlight > 0 ? new SettleGroup(SettleGroupAsync, options.Value.SettlesInFlight) : null;
    }

    /// <summary>How many group settle statements this store has sent (each settles a group of rows).</summary>
    internal long SettleGroups => _settles?.Groups ?? 0;

    protected override Task<bool> SettleAsync(long id, string? providerMessageId, DateTimeOffset now, CancellationToken cancellationToken) =>
        _settles is null ? base.SettleAsync(id, providerMessageId, now, cancellationToken) : _settles.SettleAsync(id, providerMessageId, now);

    /// <summary>
    /// <see cref="OutboxStore.Settle"/> for many rows in one statement, its own transaction: the rows joined to the
    /// arrays of their ids, provider ids and times, bound by position (Npgsql sends the text as it is).
    /// </summary>
    internal const string SettleMany = $"""
        UPDATE outbox SET status = 'sent',
            provider_message_id = CASE WHEN EXISTS (SELECT 1 FROM outbox p WHERE p.channel = outbox.channel AND p.provider_message_id = s.provider AND p.id <> outbox.id) THEN NULL ELSE s.provider END,
            {SentRowCleared}, updated_at = s.at
        FROM unnest($1::bigint[], $2::text[], $3::timestamptz[]) AS s(id, provider, at)
        WHERE outbox.id = s.id
        RETURNING outbox.id, {PersonHasAnotherWaiting}
        """;

    private async Task<IReadOnlyDictionary<long, bool>> SettleGroupAsync(IReadOnlyList<SettleGroup.Row> rows)
    {
        try
        {
            await using var connection = await _database.OpenAsync(CancellationToken.None);
            await using var command = new NpgsqlCommand(SettleMany, connection);
            command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint, Value = rows.Select(r => r.Id).ToArray() });
            command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text, Value = rows.Select(r => r.ProviderMessageId).ToArray() });
            command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz, Value = rows.Select(r => r.At.ToUniversalTime()).ToArray() });
            var answers = new Dictionary<long, bool>(rows.Count);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                answers[reader.GetInt64(0)] = reader.GetBoolean(1);
            }

            return answers;
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation && rows.Count > 1)
        {
            // Two rows of the group were given the same provider id (a provider that reuses ids): the statement could not
            // see one's new id when it checked the other's. Each then settles alone, as a single row always did.
            var answers = new Dictionary<long, bool>(rows.Count);
            foreach (var row in rows)
            {
                answers[row.Id] = await base.SettleAsync(row.Id, row.ProviderMessageId, row.At, CancellationToken.None);
            }

            return answers;
        }
    }

    protected override string LockRow => " FOR UPDATE";

    protected override Task<T> WriteAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken cancellationToken) =>
        _database.WriteAsync((connection, transaction) => work(connection, transaction), cancellationToken);

    /// <summary>One statement is its own transaction: sent without BEGIN and COMMIT, in one round trip.</summary>
    protected override async Task<T> WriteOneStatementAsync<T>(Func<DbConnection, DbTransaction?, Task<T>> work, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken);
        return await work(connection, null);
    }

    protected override async Task<DbConnection> OpenAsync(CancellationToken cancellationToken) => await _database.OpenAsync(cancellationToken);

    protected override async Task<IReadOnlyList<ClaimedRow>> ClaimRowsAsync(DbConnection connection, DbTransaction? transaction, DateTimeOffset now, DateTimeOffset until, int max)
    {
        // A recipient's later row waits while an earlier one is pending or being sent, by this instance or another: the
        // NOT EXISTS sees an earlier row another claim has locked (still 'pending' to this statement) and skips the later.
        var rows = await connection.ListAsync<ClaimedRow>(
            $"""
            WITH due AS (
                SELECT o.id AS due_id FROM outbox o WHERE {DueAndFirstOfRecipient}
                ORDER BY o.id
                LIMIT @max
                FOR UPDATE OF o SKIP LOCKED)
            UPDATE outbox o SET status = 'sending', lease_until = @until, updated_at = @now
            FROM due WHERE o.id = due.due_id
            RETURNING {ClaimedColumns}
            """,
            new { now, until, max },
            transaction);
        return [.. rows.OrderBy(r => r.Id)];
    }
}
