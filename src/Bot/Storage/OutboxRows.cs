using System.Text.Json;
using Dapper;
using Microsoft.Data.Sqlite;
using OimBot.Content;

namespace OimBot.Bot.Storage;

/// <summary>Inserting outbox rows, shared by turns and by the bot's messages outside turns (case claimed, closed…).</summary>
internal static class OutboxRows
{
    public static async Task<long> InsertAsync(
        SqliteConnection connection,
        SqliteTransaction transaction,
        string channel,
        byte[] recipientHash,
        byte[] addressCipher,
        string? conversationId,
        RenderedReply reply,
        string? callbackQueryId,
        DateTimeOffset? windowExpiresAt,
        DateTimeOffset now)
    {
        var at = SqliteDatabase.Stamp(now);
        return await connection.ExecuteScalarAsync<long>(
            """
            INSERT INTO outbox (channel, recipient_hash, address_cipher, conversation_id, payload, callback_query_id, status, next_attempt_at, window_expires_at, created_at, updated_at)
            VALUES (@channel, @recipientHash, @addressCipher, @conversationId, @payload, @callbackQueryId, 'pending', @at, @window, @at, @at);
            SELECT last_insert_rowid();
            """,
            new
            {
                channel,
                recipientHash,
                addressCipher,
                conversationId,
                payload = JsonSerializer.Serialize(reply, StorageJson.Default.RenderedReply),
                callbackQueryId,
                at,
                window = windowExpiresAt is { } window ? SqliteDatabase.Stamp(window) : null,
            },
            transaction);
    }
}
