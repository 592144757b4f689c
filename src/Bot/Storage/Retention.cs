using Dapper;
using Microsoft.Extensions.Options;
using OimBot.Bot.Dialogs;
using OimBot.Bot.Operations;
using OimBot.Bot.Outbox;

namespace OimBot.Bot.Storage;

/// <summary>What one purge did: sessions ended, transactions used, and the longest of them (how long writes waited at most).</summary>
public sealed record PurgeResult(int Sessions, int Transactions, TimeSpan Longest);

/// <summary>What the janitor deletes: sessions inactive since a time (R5), dedupe records and settled outbox rows.</summary>
public interface IRetentionStore
{
    /// <summary>
    /// Deletes sessions inactive since <paramref name="inactiveBefore"/> (R5) with what only they need (their dedupe
    /// records' replies, web chat messages nobody fetched, replies held for WhatsApp's window; the message ids' keyed
    /// hashes stay, tied to nothing, until the dedupe window), dedupe records older than
    /// <paramref name="dedupeBefore"/> and settled outbox rows older than <paramref name="outboxBefore"/>; returns how
    /// many sessions ended.
    /// </summary>
    Task<PurgeResult> PurgeAsync(DateTimeOffset inactiveBefore, DateTimeOffset dedupeBefore, DateTimeOffset outboxBefore, CancellationToken cancellationToken);
}

/// <summary>
/// Retention on either provider, in small batches: each batch is one short transaction found through an index
/// (conversations by updated_at, dedupe records by received_at, outbox rows by updated_at), so a purge on a store
/// with a million conversations never holds SQLite's write gate (or PostgreSQL's row locks) for long, and a webhook
/// waiting behind a batch waits for that batch only.
/// </summary>
public sealed class RetentionStore(IStoreDatabase database, IOptions<StorageOptions> options) : IRetentionStore
{
    public async Task<PurgeResult> PurgeAsync(DateTimeOffset inactiveBefore, DateTimeOffset dedupeBefore, DateTimeOffset outboxBefore, CancellationToken cancellationToken)
    {
        var batch = options.Value.PurgeBatchSize;
        var time = database.Time;
        var expired = 0;
        var transactions = 0;
        var longest = TimeSpan.Zero;

        // Each batch is timed inside its transaction: that is how long it kept other writes waiting.
        async Task<int> Timed(Func<System.Data.Common.DbConnection, System.Data.Common.DbTransaction, Task<int>> work) =>
            await database.WriteAsync(async (connection, transaction) =>
            {
                var started = System.Diagnostics.Stopwatch.GetTimestamp();
                var count = await work(connection, transaction);
                transactions++;
                longest = TimeSpan.FromTicks(Math.Max(longest.Ticks, System.Diagnostics.Stopwatch.GetElapsedTime(started).Ticks));
                return count;
            }, cancellationToken);

        while (true)
        {
            var ended = await Timed((connection, transaction) => EndSessionsAsync(connection, transaction, time.Write(inactiveBefore), batch));
            expired += ended;
            if (ended < batch)
            {
                break;
            }
        }

        foreach (var (sql, cutoff) in new[] { (OldDedupeRecords, dedupeBefore), (SettledOutboxRows, outboxBefore), (UnownedWaitingRows, inactiveBefore) })
        {
            while (await Timed((connection, transaction) => connection.ExecuteAsync(sql, new { cutoff = time.Write(cutoff), batch }, transaction)) >= batch)
            {
            }
        }

        return new PurgeResult(expired, transactions, longest);
    }

    /// <summary>One batch of sessions inactive since @cutoff, without an open case (see <see cref="EndSessionsAsync"/>).</summary>
    internal const string InactiveSessions =
        """
        DELETE FROM conversations
        WHERE id IN (
            SELECT c.id FROM conversations c
            WHERE c.updated_at < @cutoff
              AND NOT EXISTS (SELECT 1 FROM cases k WHERE k.conversation_id = c.id AND k.status IN ('waiting', 'claimed'))
            ORDER BY c.updated_at
            LIMIT @batch)
          AND updated_at < @cutoff
        RETURNING id, channel, recent_inbound, updated_at
        """;

    /// <summary>Dedupe records past the window, by their primary key (the provider's channel and message id).</summary>
    internal const string OldDedupeRecords =
        "DELETE FROM inbound_messages WHERE (channel, external_id_hash) IN (SELECT channel, external_id_hash FROM inbound_messages WHERE received_at < @cutoff LIMIT @batch)";

    /// <summary>Settled rows after the retention, through the partial index outbox_settled; waiting ones never.</summary>
    internal const string SettledOutboxRows =
        $"DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE updated_at < @cutoff AND {OutboxStore.Settled} LIMIT @batch)";

    /// <summary>
    /// Web chat messages and held replies that never belonged to a conversation (the answer to BORRAR) go after a
    /// session's lifetime too (R5), found through the status index, which holds few waiting rows.
    /// </summary>
    internal const string UnownedWaitingRows =
        "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE status IN ('pending', 'held') AND conversation_id IS NULL AND (status = 'held' OR channel = 'webchat') AND updated_at < @cutoff LIMIT @batch)";

    /// <summary>
    /// One batch of inactive sessions and what only they need. The DELETE checks the inactivity again on the row it
    /// deletes, so a person who writes while the batch is chosen (PostgreSQL re-reads a row a turn just committed)
    /// keeps their conversation. A conversation with an open case outlives the session: the caseworker's answer must
    /// still reach it.
    /// </summary>
    private async Task<int> EndSessionsAsync(System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction transaction, object cutoff, int batch)
    {
        var ended = await connection.ListAsync<(string Id, string Channel, byte[]? RecentInbound, object UpdatedAt)>(
            InactiveSessions,
            new { cutoff, batch },
            transaction);
        var ids = ended.ConvertAll(session => session.Id);
        if (ids.Count > 0)
        {
            // What the session's dedupe records kept goes; the message ids' keyed hashes stay, tied to nothing, for the
            // dedupe window from the session's last message: a provider repeats a message for days (Meta up to 7), and
            // a repeat must not be answered again as a first contact.
            await connection.ExecuteAsync($"UPDATE inbound_messages SET conversation_id = NULL, replies = '[]' WHERE conversation_id{database.OneOf("@ids")}", new { ids }, transaction);
            var kept = ended.SelectMany(session => RecentInbound.Each(session.RecentInbound).Select(hash => new { channel = session.Channel, hash, at = session.UpdatedAt })).ToList();
            if (kept.Count > 0)
            {
                await connection.ExecuteAsync(
                    "INSERT INTO inbound_messages (channel, external_id_hash, conversation_id, received_at, replies) VALUES (@channel, @hash, NULL, @at, '[]') ON CONFLICT DO NOTHING",
                    kept,
                    transaction);
            }

            // R5: web chat messages nobody fetched (a caseworker's reply, a notice) and replies held for WhatsApp's
            // window go with their session.
            await connection.ExecuteAsync(
                $"DELETE FROM outbox WHERE conversation_id{database.OneOf("@ids")} AND (status = 'held' OR (channel = 'webchat' AND status = 'pending'))",
                new { ids },
                transaction);
        }

        return ids.Count;
    }
}

/// <summary>Deletes sessions after inactivity (R5), old dedupe records and settled outbox rows, every few minutes.</summary>
internal sealed partial class ConversationJanitor(
    IRetentionStore store,
    TimeProvider clock,
    IOptions<DialogOptions> dialogs,
    IOptions<StorageOptions> storage,
    BotMetrics metrics,
    ILogger<ConversationJanitor> logger,
    ILeadership? leadership = null) : BackgroundLoop("cleanup", clock, metrics, logger)
{
    public async Task<int> PurgeOnceAsync(CancellationToken cancellationToken)
    {
        var now = Clock.GetUtcNow();
        var purged = await store.PurgeAsync(now - dialogs.Value.SessionExpiry, now - storage.Value.DedupeWindow, now - storage.Value.OutboxRetention, cancellationToken);
        if (purged.Sessions > 0 || purged.Transactions > 4)
        {
            LogPurged(logger, purged.Sessions, purged.Transactions, purged.Longest.TotalMilliseconds);
        }

        return purged.Sessions;
    }

    protected override TimeSpan Interval => storage.Value.PurgeInterval;

    /// <summary>On the leader only (PostgreSQL): one instance purges, in the database's own locks.</summary>
    protected override Task RunRoundAsync(CancellationToken cancellationToken) => leadership?.IsLeader == false ? Task.CompletedTask : PurgeOnceAsync(cancellationToken);

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted {Count} inactive conversations and what was due, in {Transactions} transactions (the longest {LongestMs:0} ms)")]
    private static partial void LogPurged(ILogger logger, int count, int transactions, double longestMs);
}

/// <summary>
/// SQLite: copies the write-ahead log into the database file every <c>Storage:CheckpointInterval</c>, beside the writer
/// (issue 15). Inside a commit, a checkpoint held every write queued behind it while it wrote and synced the file.
/// </summary>
internal sealed class SqliteCheckpointer(
    SqliteDatabase database,
    IOptions<StorageOptions> storage,
    TimeProvider clock,
    BotMetrics metrics,
    ILogger<SqliteCheckpointer> logger) : BackgroundLoop("checkpoint", clock, metrics, logger)
{
    private bool On => storage.Value.CheckpointInterval > TimeSpan.Zero;

    protected override TimeSpan Interval => On ? storage.Value.CheckpointInterval : TimeSpan.FromHours(1);

    protected override bool RunAtStart => false;

    protected override Task RunRoundAsync(CancellationToken cancellationToken) => On ? database.CheckpointAsync(cancellationToken) : Task.CompletedTask;
}
