using System.Buffers;
using System.Text.Json;
using Dapper;
using System.Data.Common;
using OimBot.Bot.Storage;
using OimBot.Content;

namespace OimBot.Bot.Outbox;

/// <summary>Inserting outbox rows, shared by turns and by the bot's messages outside turns (case claimed, closed…).</summary>
internal static class OutboxRows
{
    private const string SealedPrefix = "sealed:";

    /// <summary>
    /// A reply as stored: sealed with AES-GCM under the address key, like transcripts, because a caseworker's words are
    /// personal data (and every row is sealed the same way, so none is missed). Rows written before are plain JSON.
    /// The JSON is written into this thread's buffer, which is wiped afterwards, and sealed into a pooled one, so the
    /// stored text is the only allocation (issue 15: sealing was a seventh of the bytes a turn allocated, in six copies).
    /// </summary>
    public static string Seal(AddressProtector protector, RenderedReply reply)
    {
        var json = t_json ??= new JsonBuffer();
        try
        {
            var plain = json.Write(reply);
            var length = AddressProtector.SealedLength(plain.Length);
            var sealedBytes = ArrayPool<byte>.Shared.Rent(length);
            try
            {
                protector.Encrypt(plain, sealedBytes.AsSpan(0, length));
                return string.Create(SealedPrefix.Length + Base64Length(length), (sealedBytes, length), static (chars, state) =>
                {
                    SealedPrefix.CopyTo(chars);
                    Convert.TryToBase64Chars(state.sealedBytes.AsSpan(0, state.length), chars[SealedPrefix.Length..], out _);
                });
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(sealedBytes);
            }
        }
        finally
        {
            json.Wipe();
            if (json.Oversized)
            {
                t_json = null; // a rare long reply's buffer is not kept for the thread's life
            }
        }
    }

    /// <summary>Null when the payload cannot be read (damaged, another key, or already cleared after sending).</summary>
    public static RenderedReply? Open(AddressProtector protector, string? payload)
    {
        if (string.IsNullOrEmpty(payload))
        {
            return null;
        }

        try
        {
            if (!payload.StartsWith(SealedPrefix, StringComparison.Ordinal))
            {
                return JsonSerializer.Deserialize(payload, StorageJson.Default.RenderedReply);
            }

            var encoded = payload.AsSpan(SealedPrefix.Length);
            var sealedBytes = ArrayPool<byte>.Shared.Rent(encoded.Length / 4 * 3 + 3);
            byte[]? plain = null;
            try
            {
                if (!Convert.TryFromBase64Chars(encoded, sealedBytes, out var length) || AddressProtector.PlainLength(length) is var plainLength && plainLength < 0)
                {
                    return null;
                }

                plain = ArrayPool<byte>.Shared.Rent(Math.Max(plainLength, 1));
                protector.Decrypt(sealedBytes.AsSpan(0, length), plain.AsSpan(0, plainLength));
                return JsonSerializer.Deserialize(plain.AsSpan(0, plainLength), StorageJson.Default.RenderedReply);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(sealedBytes);
                if (plain is not null)
                {
                    ArrayPool<byte>.Shared.Return(plain, clearArray: true);
                }
            }
        }
        catch (Exception ex) when (ex is JsonException or System.Security.Cryptography.CryptographicException)
        {
            return null;
        }
    }

    private static int Base64Length(int bytes) => (bytes + 2) / 3 * 4;

    [ThreadStatic]
    private static JsonBuffer? t_json;

    /// <summary>A thread's buffer for a reply's JSON, written with the serializer's own writer options (its escaping).</summary>
    private sealed class JsonBuffer
    {
        private static readonly JsonWriterOptions s_options = new()
        {
            Encoder = StorageJson.Default.Options.Encoder,
            Indented = StorageJson.Default.Options.WriteIndented,
            MaxDepth = StorageJson.Default.Options.MaxDepth,
        };

        private readonly ArrayBufferWriter<byte> _buffer = new(1024);

        public ReadOnlySpan<byte> Write(RenderedReply reply)
        {
            using (var writer = new Utf8JsonWriter(_buffer, s_options))
            {
                JsonSerializer.Serialize(writer, reply, StorageJson.Default.RenderedReply);
            }

            return _buffer.WrittenSpan;
        }

        /// <summary>Larger than a thread keeps between replies.</summary>
        public bool Oversized => _buffer.Capacity > 64 * 1024;

        /// <summary>The plain text goes (a reply may hold a caseworker's words).</summary>
        public void Wipe() => _buffer.Clear();
    }

    /// <summary>A reply waiting for the claim ('pending'); returns its row.</summary>
    public static async Task<long> InsertAsync(
        DbConnection connection,
        DbTransaction transaction,
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
        var writes = new StatementBatch(connection, transaction);
        long id = 0;
        await InsertRowAsync(writes, Seal(protector, reply), channel, recipientHash, addressCipher, conversationId, callbackQueryId, windowExpiresAt, now, template, takeUntil: null, row => id = row.Id, null);
        await writes.FlushAsync();
        return id;
    }

    /// <summary>As <see cref="InsertAsync"/> among a turn's writes, with the reply already sealed (<see cref="Seal"/>): a turn seals its replies before the writer's thread.</summary>
    public static Task InsertSealedAsync(
        StatementBatch writes,
        string payload,
        string channel,
        byte[] recipientHash,
        byte[] addressCipher,
        string? conversationId,
        string? callbackQueryId,
        DateTimeOffset? windowExpiresAt,
        DateTimeOffset now) =>
        InsertRowAsync(writes, payload, channel, recipientHash, addressCipher, conversationId, callbackQueryId, windowExpiresAt, now, template: null, takeUntil: null, static _ => { }, null);

    /// <summary>
    /// A turn's first reply (sealed), taken for this instance's dispatcher (status 'sending' until <paramref name="leaseUntil"/>)
    /// unless an earlier row of the same person still waits or is being sent, in which case it waits behind it
    /// ('pending'): one statement, the check inside the insert (issue 15). <paramref name="inserted"/> gets the row and
    /// whether it was taken once the statement has run; <paramref name="ifNeverInserted"/> is called instead if it fails.
    /// </summary>
    public static Task InsertFirstAsync(
        StatementBatch writes,
        string payload,
        string channel,
        byte[] recipientHash,
        byte[] addressCipher,
        string? conversationId,
        string? callbackQueryId,
        DateTimeOffset? windowExpiresAt,
        DateTimeOffset now,
        DateTimeOffset leaseUntil,
        Action<(long Id, bool Taken)> inserted,
        Action ifNeverInserted) =>
        InsertRowAsync(writes, payload, channel, recipientHash, addressCipher, conversationId, callbackQueryId, windowExpiresAt, now, template: null, takeUntil: leaseUntil, inserted, ifNeverInserted);

    private static Task InsertRowAsync(
        StatementBatch writes,
        string payload,
        string channel,
        byte[] recipientHash,
        byte[] addressCipher,
        string? conversationId,
        string? callbackQueryId,
        DateTimeOffset? windowExpiresAt,
        DateTimeOffset now,
        OutboxTemplate? template,
        DateTimeOffset? takeUntil,
        Action<(long Id, bool Taken)> inserted,
        Action? ifNeverInserted)
    {
        var time = writes.Time;
        var at = time.Write(now);
        return writes.QueryRowAsync<(long Id, string Status)>(
            takeUntil is null ? Insert : InsertFirst,
            new
            {
                leaseUntil = time.Write(takeUntil),
                channel,
                recipientHash,
                addressCipher,
                conversationId,
                payload,
                callbackQueryId,
                at,
                window = time.Write(windowExpiresAt),
                template = template?.Id,
                language = template?.Language,
            },
            row => inserted((row.Id, row.Status == "sending")),
            ifNeverInserted);
    }

    internal const string Insert = """
        INSERT INTO outbox (channel, recipient_hash, address_cipher, conversation_id, payload, callback_query_id, status, next_attempt_at, window_expires_at, template, language, created_at, updated_at)
        VALUES (@channel, @recipientHash, @addressCipher, @conversationId, @payload, @callbackQueryId, 'pending', @at, @window, @template, @language, @at, @at)
        RETURNING id AS Id, status AS Status
        """;

    /// <summary>See <see cref="InsertFirstAsync"/>; the check repeats the partial index outbox_waiting_recipient's condition.</summary>
    internal const string InsertFirst = $"""
        INSERT INTO outbox (channel, recipient_hash, address_cipher, conversation_id, payload, callback_query_id, status, next_attempt_at, lease_until, window_expires_at, created_at, updated_at)
        VALUES (@channel, @recipientHash, @addressCipher, @conversationId, @payload, @callbackQueryId,
                CASE WHEN {Waiting} THEN 'pending' ELSE 'sending' END, @at, CASE WHEN {Waiting} THEN NULL ELSE @leaseUntil END, @window, @at, @at)
        RETURNING id AS Id, status AS Status
        """;

    /// <summary>An earlier row of the recipient waits or is being sent (the same index probe twice: the second finds its page cached).</summary>
    private const string Waiting = "EXISTS (SELECT 1 FROM outbox WHERE channel = @channel AND recipient_hash = @recipientHash AND status IN ('pending', 'sending'))";

    /// <summary>
    /// The person wrote, so WhatsApp's window is open again until <paramref name="window"/>: their held replies go out
    /// first (they are older than this turn's), and rows still waiting take the new window.
    /// </summary>
    /// <returns>how many held replies were released</returns>
    public static async Task<int> ReopenWindowAsync(DbConnection connection, DbTransaction transaction, AddressProtector protector, string channel, byte[] hash, string? conversationId, DateTimeOffset window, DateTimeOffset now)
    {
        var time = SqlTime.For(connection);
        var at = time.Write(now);
        var released = await connection.ExecuteAsync(ReleaseHeld, new { channel, hash, window = time.Write(window), at }, transaction);
        await connection.ExecuteAsync(ExtendWindow, new { channel, hash, window = time.Write(window) }, transaction);
        if (released > 0 && conversationId is not null && await CaseTransactions.LatestCaseIdAsync(connection, transaction, conversationId) is { } caseId)
        {
            await CaseTransactions.AddMessageAsync(
                connection, transaction, protector, caseId, "system", null,
                released == 1 ? "La persona volvió a escribir: la ventana de WhatsApp se abrió y la respuesta retenida sale ahora." : $"La persona volvió a escribir: la ventana de WhatsApp se abrió y las {released} respuestas retenidas salen ahora.",
                null,
                now);
        }

        return released;
    }

    /// <summary>The person's held rows go out (through outbox_held).</summary>
    internal const string ReleaseHeld =
        "UPDATE outbox SET status = 'pending', next_attempt_at = @at, window_expires_at = @window, last_error = NULL, updated_at = @at WHERE channel = @channel AND recipient_hash = @hash AND status = 'held'";

    /// <summary>The person's waiting rows take the new window (through outbox_waiting_recipient).</summary>
    internal const string ExtendWindow =
        "UPDATE outbox SET window_expires_at = @window WHERE channel = @channel AND recipient_hash = @hash AND status IN ('pending', 'sending') AND template IS NULL AND window_expires_at < @window";

    /// <summary>STOP, or the person blocked the bot: nothing queued or held for them goes out.</summary>
    public static Task CancelAsync(DbConnection connection, DbTransaction transaction, string channel, byte[] hash, DateTimeOffset now) =>
        connection.ExecuteAsync(Cancel, new { channel, hash, at = SqlTime.For(connection).Write(now) }, transaction);

    /// <summary>As <see cref="CancelAsync(DbConnection, DbTransaction, string, byte[], DateTimeOffset)"/>, among a turn's writes.</summary>
    public static Task CancelAsync(StatementBatch writes, string channel, byte[] hash, DateTimeOffset now) =>
        writes.ExecuteAsync(Cancel, new { channel, hash, at = writes.Time.Write(now) });

    /// <summary>See <see cref="CancelAsync"/>: the person's waiting rows and held rows, each found through its partial index.</summary>
    internal const string Cancel = """
        UPDATE outbox SET status = 'cancelled', address_cipher = NULL, payload = '', updated_at = @at
        WHERE id IN (SELECT id FROM outbox WHERE channel = @channel AND recipient_hash = @hash AND status IN ('pending', 'sending') AND status = 'pending'
                     UNION ALL
                     SELECT id FROM outbox WHERE channel = @channel AND recipient_hash = @hash AND status = 'held')
        """;

    /// <summary>A conversation's state, or null when it cannot be read.</summary>
    public static Dialogs.ConversationState? ReadState(string id, string json)
    {
        _ = id;
        try
        {
            return JsonSerializer.Deserialize(json, StorageJson.Default.ConversationState);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
