using System.Text.Json;
using Dapper;
using Microsoft.Data.Sqlite;
using OimBot.Content;

namespace OimBot.Bot.Storage;

/// <summary>Inserting outbox rows, shared by turns and by the bot's messages outside turns (case claimed, closed…).</summary>
internal static class OutboxRows
{
    private const string SealedPrefix = "sealed:";

    /// <summary>
    /// A reply as stored: sealed with AES-GCM under the address key, like transcripts, because a caseworker's words are
    /// personal data (and every row is sealed the same way, so none is missed). Rows written before are plain JSON.
    /// </summary>
    public static string Seal(AddressProtector protector, RenderedReply reply) =>
        SealedPrefix + Convert.ToBase64String(protector.Encrypt(JsonSerializer.Serialize(reply, StorageJson.Default.RenderedReply)));

    /// <summary>Null when the payload cannot be read (damaged, another key, or already cleared after sending).</summary>
    public static RenderedReply? Open(AddressProtector protector, string? payload)
    {
        if (string.IsNullOrEmpty(payload))
        {
            return null;
        }

        try
        {
            var json = payload.StartsWith(SealedPrefix, StringComparison.Ordinal) ? protector.Decrypt(Convert.FromBase64String(payload[SealedPrefix.Length..])) : payload;
            return JsonSerializer.Deserialize(json, StorageJson.Default.RenderedReply);
        }
        catch (Exception ex) when (ex is FormatException or JsonException or System.Security.Cryptography.CryptographicException)
        {
            return null;
        }
    }

    public static async Task<long> InsertAsync(
        SqliteConnection connection,
        SqliteTransaction transaction,
        AddressProtector protector,
        string channel,
        byte[] recipientHash,
        byte[] addressCipher,
        string? conversationId,
        RenderedReply reply,
        string? callbackQueryId,
        DateTimeOffset? windowExpiresAt,
        DateTimeOffset now,
        OutboxTemplate? template = null)
    {
        var at = SqliteDatabase.Stamp(now);
        return await connection.ExecuteScalarAsync<long>(
            """
            INSERT INTO outbox (channel, recipient_hash, address_cipher, conversation_id, payload, callback_query_id, status, next_attempt_at, window_expires_at, template, language, created_at, updated_at)
            VALUES (@channel, @recipientHash, @addressCipher, @conversationId, @payload, @callbackQueryId, 'pending', @at, @window, @template, @language, @at, @at);
            SELECT last_insert_rowid();
            """,
            new
            {
                channel,
                recipientHash,
                addressCipher,
                conversationId,
                payload = Seal(protector, reply),
                callbackQueryId,
                at,
                window = windowExpiresAt is { } window ? SqliteDatabase.Stamp(window) : null,
                template = template?.Id,
                language = template?.Language,
            },
            transaction);
    }
}
