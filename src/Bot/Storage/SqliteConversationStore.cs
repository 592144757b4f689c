using System.Data.Common;
using Microsoft.Data.Sqlite;
using OimBot.Bot.Reporting;

namespace OimBot.Bot.Storage;

/// <summary>
/// The embedded store: one SQLite file in WAL mode. SQLite has a single writer, so turns are serialised by one gate
/// in this process and by BEGIN IMMEDIATE across processes; that also keeps each user's messages in order.
/// </summary>
public sealed class SqliteConversationStore(
    SqliteDatabase database,
    AddressProtector protector,
    AnalyticsRecorder analytics,
    ILogger<SqliteConversationStore> logger,
    Outbox.OutboxSignal? handOff = null,
    TimeProvider? clock = null) : ConversationStore(protector, analytics, logger, handOff, clock)
{
    /// <summary>The database's single writer: one turn at a time in the whole database, possibly sharing a commit.</summary>
    protected override SqlTime Time => SqlTime.Sqlite;

    protected override Task<T> WriteAsync<T>(Func<StatementBatch, Task<T>> work, CancellationToken cancellationToken) =>
        database.WriteAsync((connection, transaction) => work(new StatementBatch(connection, transaction)), cancellationToken);

    /// <summary>Nothing to lock: the single writer already makes this the only turn running.</summary>
    protected override async Task<LockedConversation> LockConversationAsync(DbConnection connection, DbTransaction transaction, string channel, byte[] hash, byte[]? inboundHash, bool lookInQueue)
    {
        // Read as a tuple by position: straight on the writer's prepared statement (issue 15), Dapper's path otherwise.
        var (id, state, recentInbound) = await StatementCachingConnection.RowOrDefaultAsync<(string? Id, string? State, byte[]? RecentInbound)>(
            connection,
            $"SELECT {LockedColumns} FROM conversations WHERE channel = @channel AND address_hash = @hash",
            new { channel, hash },
            transaction);
        var row = new LockedConversation(id, state, recentInbound);

        // No shared inbound queue here (lookInQueue): one SQLite database serves one instance, whose spool keeps order.
        // A record is looked for only when the row does not have the id already (the usual repeat, found without it);
        // the table's key (channel, id) makes it one row at most, so its first column is the record's replies.
        return inboundHash is null || RecentInbound.Contains(row.RecentInbound, inboundHash)
            ? row
            : row with { EarlierReplies = await StatementCachingConnection.ScalarAsync<string>(connection, EarlierReplies, new { channel, inbound = inboundHash }, transaction) };
    }
}
