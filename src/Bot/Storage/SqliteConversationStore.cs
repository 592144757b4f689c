using System.Data;
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
    protected override Task<T> WriteAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken cancellationToken) =>
        database.WriteAsync((connection, transaction) => work(connection, transaction), cancellationToken);

    /// <summary>Nothing to lock: the single writer already makes this the only turn running.</summary>
    protected override Task<LockedConversation> LockConversationAsync(DbConnection connection, DbTransaction transaction, string channel, byte[] hash) =>
        connection.QuerySingleOrDefaultAsync<LockedConversation>(
            $"SELECT {LockedColumns} FROM conversations WHERE channel = @channel AND address_hash = @hash",
            new { channel, hash },
            transaction);

}
