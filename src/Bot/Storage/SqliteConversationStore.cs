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
    ILogger<SqliteConversationStore> logger) : ConversationStore(protector, analytics, logger)
{
    /// <summary>The write gate and a serializable transaction: one turn at a time in the whole database.</summary>
    protected override async Task<T> WriteAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken cancellationToken)
    {
        await database.WriteGate.WaitAsync(cancellationToken);
        try
        {
            await using var connection = await database.OpenAsync(cancellationToken);
            await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(IsolationLevel.Serializable, cancellationToken);
            var result = await work(connection, transaction);
            await transaction.CommitAsync(cancellationToken);
            return result;
        }
        finally
        {
            database.WriteGate.Release();
        }
    }

    /// <summary>Nothing to lock: the write gate already makes this the only turn running.</summary>
    protected override Task<(string? Id, string? State)> LockConversationAsync(DbConnection connection, DbTransaction transaction, string channel, byte[] hash) =>
        connection.QuerySingleOrDefaultAsync<(string? Id, string? State)>(
            "SELECT id AS Id, state AS State FROM conversations WHERE channel = @channel AND address_hash = @hash",
            new { channel, hash },
            transaction);

}
