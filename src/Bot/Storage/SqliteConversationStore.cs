using System.Data.Common;
using Dapper;
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
        var row = await connection.QuerySingleOrDefaultAsync<LockedConversation>(
            $"SELECT {LockedColumns} FROM conversations WHERE channel = @channel AND address_hash = @hash",
            new { channel, hash },
            transaction);

        // No shared inbound queue here (lookInQueue): one SQLite database serves one instance, whose spool keeps order.
        // A record is looked for only when the row does not have the id already (the usual repeat, found without it).
        return inboundHash is null || RecentInbound.Contains(row.RecentInbound, inboundHash)
            ? row
            : row with { EarlierReplies = await connection.QuerySingleOrDefaultAsync<string>(EarlierReplies, new { channel, inbound = inboundHash }, transaction) };
    }
}
