using System.Data;
using System.Globalization;
using System.Reflection;
using System.Security.Cryptography;
using System.Text.Json;
using Dapper;
using OimBot.Analytics;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using OimBot.Bot.Dialogs;
using OimBot.Bot.Reporting;
using OimBot.Content;

namespace OimBot.Bot.Storage;

/// <summary>
/// The embedded store: one SQLite file in WAL mode. SQLite has a single writer, so turns are serialised by one gate
/// in this process and by BEGIN IMMEDIATE across processes; that also keeps each user's messages in order.
/// </summary>
public sealed partial class SqliteConversationStore(
    SqliteDatabase database,
    AddressProtector protector,
    AnalyticsRecorder analytics,
    TimeProvider clock,
    ILogger<SqliteConversationStore> logger) : IConversationStore
{
    private readonly SemaphoreSlim _writeGate = database.WriteGate;

    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        database.RestrictToOwner(connection.DataSource);
        await connection.ExecuteAsync("PRAGMA journal_mode = WAL;");
        await connection.ExecuteAsync("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL);");
        var applied = (await connection.QueryAsync<long>("SELECT version FROM schema_migrations")).ToHashSet();
        foreach (var (version, name, sql) in Migrations("Sqlite"))
        {
            if (applied.Contains(version))
            {
                continue;
            }

            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await connection.ExecuteAsync(sql, transaction: transaction);
            await connection.ExecuteAsync(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (@version, @name, @at)",
                new { version, name, at = Stamp(clock.GetUtcNow()) },
                transaction);
            await transaction.CommitAsync(cancellationToken);
            LogMigrated(logger, name);
        }
    }

    public async Task CheckAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM schema_migrations");
    }

    public async Task<TurnOutcome> RunTurnAsync(
        ChannelAddress from,
        string? inboundMessageId,
        DateTimeOffset now,
        Func<StoredConversation?, TurnDecision> decide,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(decide);
        await _writeGate.WaitAsync(cancellationToken);
        try
        {
            await using var connection = await OpenAsync(cancellationToken);
            await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(IsolationLevel.Serializable, cancellationToken);
            var inboundHash = inboundMessageId is null ? null : protector.Hash($"{from.Channel}/message", inboundMessageId);
            if (inboundHash is not null)
            {
                var earlier = await connection.QuerySingleOrDefaultAsync<string>(
                    "SELECT replies FROM inbound_messages WHERE channel = @channel AND external_id_hash = @hash",
                    new { channel = from.Channel, hash = inboundHash },
                    transaction);
                if (earlier is not null)
                {
                    await transaction.CommitAsync(cancellationToken);
                    return new TurnOutcome(null, JsonSerializer.Deserialize(earlier, StorageJson.Default.ListRenderedReply) ?? [], Duplicate: true);
                }
            }

            var addressHash = protector.Hash(from.Channel, from.Address);
            var row = await connection.QuerySingleOrDefaultAsync<(string Id, string State)>(
                "SELECT id AS Id, state AS State FROM conversations WHERE channel = @channel AND address_hash = @hash",
                new { channel = from.Channel, hash = addressHash },
                transaction);
            var state = row.Id is null ? null : ReadState(row.Id, row.State);
            var decision = decide(state is null ? null : new StoredConversation(row.Id!, state));
            var conversationId = await SaveAsync(connection, transaction, from, addressHash, row.Id, decision, now);
            await QueueRepliesAsync(connection, transaction, from, addressHash, row.Id, conversationId, decision, now);

            var caseChanged = await CaseTransactions.ApplyAsync(connection, transaction, protector, from, conversationId, decision.CaseActions, now);

            await analytics.RecordAsync(connection, transaction, from, decision.Events, decision.Activity ?? []);

            if (inboundHash is not null)
            {
                await connection.ExecuteAsync(
                    "INSERT INTO inbound_messages (channel, external_id_hash, conversation_id, received_at, replies) VALUES (@channel, @hash, @conversationId, @at, @replies)",
                    new { channel = from.Channel, hash = inboundHash, conversationId, at = Stamp(now), replies = JsonSerializer.Serialize(decision.Replies.ToList(), StorageJson.Default.ListRenderedReply) },
                    transaction);
            }

            await transaction.CommitAsync(cancellationToken);
            return new TurnOutcome(conversationId, decision.Replies, Duplicate: false, caseChanged);
        }
        finally
        {
            _writeGate.Release();
        }
    }

    public async Task<int> PurgeAsync(DateTimeOffset inactiveBefore, DateTimeOffset dedupeBefore, DateTimeOffset outboxBefore, CancellationToken cancellationToken)
    {
        await _writeGate.WaitAsync(cancellationToken);
        try
        {
            await using var connection = await OpenAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            // A conversation with an open case outlives the session: the caseworker's answer must still reach it.
            var expired = await connection.ExecuteAsync(
                "DELETE FROM conversations WHERE updated_at < @cutoff AND id NOT IN (SELECT conversation_id FROM cases WHERE status IN ('waiting', 'claimed') AND conversation_id IS NOT NULL)",
                new { cutoff = Stamp(inactiveBefore) },
                transaction);
            await connection.ExecuteAsync(
                "DELETE FROM inbound_messages WHERE received_at < @cutoff OR (conversation_id IS NOT NULL AND conversation_id NOT IN (SELECT id FROM conversations))",
                new { cutoff = Stamp(dedupeBefore) },
                transaction);
            // R5: web chat messages nobody fetched (a caseworker's reply, a notice) go with their session.
            await connection.ExecuteAsync(
                "DELETE FROM outbox WHERE channel = 'webchat' AND status = 'pending' AND (conversation_id IS NULL OR conversation_id NOT IN (SELECT id FROM conversations))",
                transaction: transaction);
            await connection.ExecuteAsync(
                "DELETE FROM outbox WHERE status NOT IN ('pending', 'sending', 'held') AND updated_at < @cutoff",
                new { cutoff = Stamp(outboxBefore) },
                transaction);

            // A held reply waits for its person as long as their conversation exists (R5), and goes with it.
            await connection.ExecuteAsync(
                "DELETE FROM outbox WHERE status = 'held' AND (conversation_id IS NULL OR conversation_id NOT IN (SELECT id FROM conversations))",
                transaction: transaction);
            await transaction.CommitAsync(cancellationToken);
            return expired;
        }
        finally
        {
            _writeGate.Release();
        }
    }

    public async Task<IReadOnlyList<OutboxMessage>> ClaimOutboxAsync(DateTimeOffset now, int max, TimeSpan lease, CancellationToken cancellationToken)
    {
        await _writeGate.WaitAsync(cancellationToken);
        try
        {
            await using var connection = await OpenAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            var rows = (await connection.QueryAsync<OutboxRow>(
                """
                SELECT o.id AS Id, o.channel AS Channel, o.address_cipher AS AddressCipher, o.payload AS Payload,
                       o.callback_query_id AS CallbackQueryId, o.attempts AS Attempts, o.window_expires_at AS WindowExpiresAt,
                       o.template AS Template, o.language AS Language
                FROM outbox o
                WHERE o.channel <> 'webchat'
                  AND ((o.status = 'pending' AND o.next_attempt_at <= @now) OR (o.status = 'sending' AND o.lease_until <= @now))
                  AND NOT EXISTS (SELECT 1 FROM outbox p
                                  WHERE p.channel = o.channel AND p.recipient_hash = o.recipient_hash AND p.id < o.id
                                    AND p.status IN ('pending', 'sending'))
                ORDER BY o.id
                LIMIT @max
                """,
                new { now = Stamp(now), max },
                transaction)).ToList();
            var claimed = new List<OutboxMessage>(rows.Count);
            foreach (var row in rows)
            {
                if (row.AddressCipher is null || OutboxRows.Open(protector, row.Payload) is not { } reply)
                {
                    await connection.ExecuteAsync(
                        "UPDATE outbox SET status = 'failed', last_error = 'unreadable row', updated_at = @now WHERE id = @id",
                        new { id = row.Id, now = Stamp(now) },
                        transaction);
                    continue;
                }

                await connection.ExecuteAsync(
                    "UPDATE outbox SET status = 'sending', lease_until = @until, updated_at = @now WHERE id = @id",
                    new { id = row.Id, until = Stamp(now + lease), now = Stamp(now) },
                    transaction);
                claimed.Add(new OutboxMessage(
                    row.Id,
                    row.Channel,
                    protector.Decrypt(row.AddressCipher),
                    reply,
                    row.CallbackQueryId,
                    (int)row.Attempts,
                    row.WindowExpiresAt is null ? null : DateTimeOffset.Parse(row.WindowExpiresAt, CultureInfo.InvariantCulture),
                    row.Template is null ? null : new OutboxTemplate(row.Template, row.Language ?? string.Empty)));
            }

            await transaction.CommitAsync(cancellationToken);
            return claimed;
        }
        finally
        {
            _writeGate.Release();
        }
    }

    public async Task CompleteOutboxAsync(long id, OutboxOutcome outcome, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        await _writeGate.WaitAsync(cancellationToken);
        try
        {
            await using var connection = await OpenAsync(cancellationToken);
            await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
            var at = Stamp(now);
            switch (outcome)
            {
                case OutboxOutcome.Sent sent:
                    // Settled: the address is no longer needed. A provider id already recorded (a provider that reuses
                    // ids) must never leave the row unsettled, or the lease would send it again: it is kept without one.
                    // A WhatsApp reply (Cloud API or Twilio) keeps its sealed text and address until the delivery report: the
                    // provider may still refuse it for the window (Twilio reports 63016 after accepting), and it is then held.
                    const string settle = "UPDATE outbox SET status = 'sent', provider_message_id = @provider, address_cipher = CASE WHEN window_expires_at IS NULL OR template IS NOT NULL THEN NULL ELSE address_cipher END, payload = CASE WHEN window_expires_at IS NULL OR template IS NOT NULL THEN '' ELSE payload END, lease_until = NULL, attempts = attempts + 1, last_error = NULL, updated_at = @at WHERE id = @id";
                    var taken = sent.ProviderMessageId is { } provider && await connection.ExecuteScalarAsync<long>(
                        "SELECT COUNT(*) FROM outbox WHERE channel = (SELECT channel FROM outbox WHERE id = @id) AND provider_message_id = @provider AND id <> @id",
                        new { id, provider },
                        transaction) > 0;
                    await connection.ExecuteAsync(settle, new { id, provider = taken ? null : sent.ProviderMessageId, at }, transaction);
                    break;
                case OutboxOutcome.RetryLater retry:
                    await connection.ExecuteAsync(
                        "UPDATE outbox SET status = 'pending', attempts = attempts + 1, next_attempt_at = @next, lease_until = NULL, last_error = @error, updated_at = @at WHERE id = @id",
                        new { id, next = Stamp(retry.NotBefore), error = retry.Error, at },
                        transaction);
                    break;
                case OutboxOutcome.Deferred deferred:
                    await connection.ExecuteAsync(
                        "UPDATE outbox SET status = 'pending', next_attempt_at = @next, lease_until = NULL, last_error = @error, updated_at = @at WHERE id = @id",
                        new { id, next = Stamp(deferred.NotBefore), error = deferred.Reason, at },
                        transaction);
                    break;
                case OutboxOutcome.Failed failed:
                    await connection.ExecuteAsync(
                        "UPDATE outbox SET status = 'failed', address_cipher = NULL, payload = '', attempts = attempts + 1, lease_until = NULL, last_error = @error, updated_at = @at WHERE id = @id",
                        new { id, error = failed.Error, at },
                        transaction);
                    break;
                case OutboxOutcome.Dead dead:
                    // Kept with its address so `outbox retry-dead` can send it once the cause is fixed.
                    await connection.ExecuteAsync(
                        "UPDATE outbox SET status = 'dead', attempts = attempts + 1, lease_until = NULL, last_error = @error, updated_at = @at WHERE id = @id",
                        new { id, error = dead.Error, at },
                        transaction);
                    break;
                case OutboxOutcome.Held held:
                    await HoldAsync(connection, transaction, id, held, now);
                    break;
                case OutboxOutcome.Blocked blocked:
                    await BlockAsync(connection, transaction, id, blocked.Error, now);
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(outcome), outcome.GetType().Name, "unknown outbox outcome");
            }

            await transaction.CommitAsync(cancellationToken);
        }
        finally
        {
            _writeGate.Release();
        }
    }

    public async Task<bool> ApplyDeliveryStatusAsync(string channel, string providerMessageId, OutboxStatus status, string? failure, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await _writeGate.WaitAsync(cancellationToken);
        try
        {
            await using var connection = await OpenAsync(cancellationToken);
            await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
            var current = await connection.QuerySingleOrDefaultAsync<(long Id, string Status, string? Template, byte[]? Cipher)>(
                "SELECT id AS Id, status AS Status, template AS Template, address_cipher AS Cipher FROM outbox WHERE channel = @channel AND provider_message_id = @providerMessageId",
                new { channel, providerMessageId },
                transaction);
            if (current.Status is null)
            {
                return false;
            }

            if (status == OutboxStatus.Failed && IsWindowClosed(failure) && current.Template is null && current.Cipher is not null && ParseStatus(current.Status) == OutboxStatus.Sent)
            {
                // Accepted, then refused because the window had closed (Twilio reports 63016 this way): never a lost
                // reply. It is held like one refused at once, and the template asks the person to write.
                await connection.ExecuteAsync("UPDATE outbox SET provider_message_id = NULL WHERE id = @id", new { id = current.Id }, transaction);
                await HoldAsync(connection, transaction, current.Id, new OutboxOutcome.Held(failure!, MessageTemplate.ReplyWaiting, HeldNote), now);
            }
            else if (DeliveryRank(status) > DeliveryRank(ParseStatus(current.Status)))
            {
                // Reports arrive out of order ("read" without "delivered", "delivered" after "read"): only move forward.
                // Settled for good now: the sealed text and address kept for a late window refusal go.
                await connection.ExecuteAsync(
                    "UPDATE outbox SET status = @status, last_error = COALESCE(@error, last_error), address_cipher = NULL, payload = '', updated_at = @at WHERE id = @id",
                    new { id = current.Id, status = StatusName(status), error = failure, at = Stamp(now) },
                    transaction);
            }

            await transaction.CommitAsync(cancellationToken);
            return true;
        }
        finally
        {
            _writeGate.Release();
        }
    }

    /// <summary>What the case page says when a reply held after a late refusal (no template name known to the store).</summary>
    internal const string HeldNote = "Fuera de la ventana de 24 h de WhatsApp: se envió la plantilla de aviso. La respuesta queda retenida y sale en cuanto la persona escriba.";

    /// <summary>A provider's report that the 24-hour window had closed (Meta 131047, Twilio 63016).</summary>
    internal static bool IsWindowClosed(string? failure) => failure is "whatsapp 131047" or "twilio 63016";

    public async Task<OutboxReport> OutboxReportAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var counts = (await connection.QueryAsync<(string Status, long Count)>("SELECT status AS Status, COUNT(*) AS Count FROM outbox GROUP BY status"))
            .ToDictionary(r => ParseStatus(r.Status), r => (int)r.Count);
        var problems = (await connection.QueryAsync<(long Id, string Channel, string Status, long Attempts, string? LastError, string UpdatedAt)>(
            "SELECT id AS Id, channel AS Channel, status AS Status, attempts AS Attempts, last_error AS LastError, updated_at AS UpdatedAt FROM outbox WHERE status IN ('dead', 'failed', 'blocked') ORDER BY updated_at DESC LIMIT 50"))
            .Select(r => new OutboxProblem(r.Id, r.Channel, ParseStatus(r.Status), (int)r.Attempts, r.LastError, DateTimeOffset.Parse(r.UpdatedAt, CultureInfo.InvariantCulture)))
            .ToList();
        return new OutboxReport(counts, problems);
    }

    public async Task<int> RequeueDeadAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        await _writeGate.WaitAsync(cancellationToken);
        try
        {
            await using var connection = await OpenAsync(cancellationToken);
            return await connection.ExecuteAsync(
                "UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = @now, lease_until = NULL, updated_at = @now WHERE status = 'dead' AND address_cipher IS NOT NULL",
                new { now = Stamp(now) });
        }
        finally
        {
            _writeGate.Release();
        }
    }

    public Task<IReadOnlyList<RenderedReply>> TakeWebChatMessagesAsync(string address, DateTimeOffset now, CancellationToken cancellationToken) =>
        database.WriteAsync<IReadOnlyList<RenderedReply>>(async (connection, transaction) =>
        {
            var hash = protector.Hash("webchat", address);
            var rows = (await connection.QueryAsync<(long Id, string Payload)>(
                "SELECT id AS Id, payload AS Payload FROM outbox WHERE channel = 'webchat' AND recipient_hash = @hash AND status = 'pending' ORDER BY id",
                new { hash },
                transaction)).ToList();
            foreach (var (id, _) in rows)
            {
                await connection.ExecuteAsync(
                    "UPDATE outbox SET status = 'delivered', address_cipher = NULL, payload = '', attempts = attempts + 1, updated_at = @at WHERE id = @id",
                    new { id, at = Stamp(now) },
                    transaction);
            }

            return [.. rows.Select(r => OutboxRows.Open(protector, r.Payload)).OfType<RenderedReply>()];
        }, cancellationToken);

    public Task RecordEventsAsync(IReadOnlyList<AnalyticsEvent> events, CancellationToken cancellationToken) =>
        database.WriteAsync(async (connection, transaction) =>
        {
            await analytics.RecordAsync(connection, transaction, null, events, []);
            return events.Count;
        }, cancellationToken);

    public async Task<string?> GetCursorAsync(string name, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<string>("SELECT value FROM channel_cursors WHERE name = @name", new { name });
    }

    public async Task SetCursorAsync(string name, string value, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await _writeGate.WaitAsync(cancellationToken);
        try
        {
            await using var connection = await OpenAsync(cancellationToken);
            await connection.ExecuteAsync(
                "INSERT INTO channel_cursors (name, value, updated_at) VALUES (@name, @value, @at) ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                new { name, value, at = Stamp(now) });
        }
        finally
        {
            _writeGate.Release();
        }
    }

    private async Task QueueRepliesAsync(SqliteConnection connection, SqliteTransaction transaction, ChannelAddress from, byte[] addressHash, string? previousId, string? conversationId, TurnDecision decision, DateTimeOffset now)
    {
        if (decision.State is null && previousId is not null)
        {
            // BORRAR (R8): earlier replies to this conversation go too, sent or not.
            await connection.ExecuteAsync("DELETE FROM outbox WHERE conversation_id = @previousId", new { previousId }, transaction);
        }

        if (decision.State is { Stopped: true })
        {
            // STOP (R7): nothing queued or held before it goes out; the confirmation below is the last message.
            await connection.ExecuteAsync(
                "UPDATE outbox SET status = 'cancelled', address_cipher = NULL, payload = '', updated_at = @at WHERE channel = @channel AND recipient_hash = @hash AND status IN ('pending', 'held')",
                new { channel = from.Channel, hash = addressHash, at = Stamp(now) },
                transaction);
        }
        else if (decision.State is not null && !decision.KeepHeld && decision.Delivery.WindowExpiresAt is { } window && window > now)
        {
            await ReopenWindowAsync(connection, transaction, from.Channel, addressHash, conversationId, window, now);
        }

        if (!decision.Delivery.ThroughOutbox)
        {
            return;
        }

        var callback = decision.Delivery.CallbackQueryId;
        foreach (var reply in decision.Replies)
        {
            await OutboxRows.InsertAsync(connection, transaction, protector, from.Channel, addressHash, protector.Encrypt(from.Address), conversationId, reply, callback, decision.Delivery.WindowExpiresAt, now);
            callback = null;
        }
    }

    /// <summary>
    /// The person wrote, so WhatsApp's window is open again until <paramref name="window"/>: their held replies go out
    /// first (they are older than this turn's), and rows still waiting take the new window.
    /// </summary>
    private async Task ReopenWindowAsync(SqliteConnection connection, SqliteTransaction transaction, string channel, byte[] hash, string? conversationId, DateTimeOffset window, DateTimeOffset now)
    {
        var at = Stamp(now);
        var released = await connection.ExecuteAsync(
            "UPDATE outbox SET status = 'pending', next_attempt_at = @at, window_expires_at = @window, last_error = NULL, updated_at = @at WHERE channel = @channel AND recipient_hash = @hash AND status = 'held'",
            new { channel, hash, window = Stamp(window), at },
            transaction);
        await connection.ExecuteAsync(
            "UPDATE outbox SET window_expires_at = @window WHERE channel = @channel AND recipient_hash = @hash AND status IN ('pending', 'sending') AND template IS NULL AND window_expires_at < @window",
            new { channel, hash, window = Stamp(window) },
            transaction);
        if (released > 0 && conversationId is not null && await CaseTransactions.LatestCaseIdAsync(connection, transaction, conversationId) is { } caseId)
        {
            await CaseTransactions.AddMessageAsync(
                connection, transaction, protector, caseId, "system", null,
                released == 1 ? "La persona volvió a escribir: la ventana de WhatsApp se abrió y la respuesta retenida sale ahora." : $"La persona volvió a escribir: la ventana de WhatsApp se abrió y las {released} respuestas retenidas salen ahora.",
                null,
                now);
        }
    }

    /// <summary>
    /// Outside the window: the row waits for the person's next message, and one template (per closed window) asks them
    /// to write. The case page shows the template with its delivery status.
    /// </summary>
    private async Task HoldAsync(SqliteConnection connection, SqliteTransaction transaction, long id, OutboxOutcome.Held held, DateTimeOffset now)
    {
        var at = Stamp(now);
        await connection.ExecuteAsync(
            "UPDATE outbox SET status = 'held', lease_until = NULL, last_error = @error, updated_at = @at WHERE id = @id",
            new { id, error = held.Error, at },
            transaction);
        var row = await connection.QuerySingleOrDefaultAsync<(string Channel, byte[] Hash, byte[]? Cipher, string? ConversationId, string? Window)>(
            "SELECT channel AS Channel, recipient_hash AS Hash, address_cipher AS Cipher, conversation_id AS ConversationId, window_expires_at AS Window FROM outbox WHERE id = @id",
            new { id },
            transaction);
        if (row.Cipher is null || row.ConversationId is null)
        {
            return;
        }

        var conversation = await connection.QuerySingleOrDefaultAsync<string>("SELECT state FROM conversations WHERE id = @id", new { id = row.ConversationId }, transaction);
        if (conversation is null || ReadState(row.ConversationId, conversation) is not { Stopped: false } state)
        {
            return;
        }

        // One template per closed window: none if one was queued or sent since the person's last message.
        var lastMessage = row.Window is { } window ? SqliteDatabase.ParseStamp(window) - WhatsAppWindow : now - WhatsAppWindow;
        var asked = await connection.ExecuteScalarAsync<long>(
            "SELECT COUNT(*) FROM outbox WHERE channel = @channel AND recipient_hash = @hash AND template IS NOT NULL AND status NOT IN ('failed', 'dead', 'cancelled') AND created_at >= @since",
            new { channel = row.Channel, hash = row.Hash, since = Stamp(lastMessage) },
            transaction);
        if (asked > 0)
        {
            return;
        }

        var templateRow = await OutboxRows.InsertAsync(
            connection, transaction, protector, row.Channel, row.Hash, row.Cipher, row.ConversationId, RenderedReply.Plain(held.TemplateId), null, null, now, new OutboxTemplate(held.TemplateId, state.Language));
        if (await CaseTransactions.LatestCaseIdAsync(connection, transaction, row.ConversationId) is { } caseId)
        {
            await CaseTransactions.AddMessageAsync(connection, transaction, protector, caseId, "system", null, held.CaseNote, templateRow, now);
        }
    }

    /// <summary>WhatsApp's customer-service window: 24 hours from the person's last message.</summary>
    public static readonly TimeSpan WhatsAppWindow = TimeSpan.FromHours(24);

    /// <summary>The user blocked the bot: this row and everything queued for them stop, and so does the conversation.</summary>
    private async Task BlockAsync(SqliteConnection connection, SqliteTransaction transaction, long id, string error, DateTimeOffset now)
    {
        var target = await connection.QuerySingleOrDefaultAsync<(string Channel, byte[] Hash)>(
            "SELECT channel AS Channel, recipient_hash AS Hash FROM outbox WHERE id = @id", new { id }, transaction);
        await connection.ExecuteAsync(
            "UPDATE outbox SET status = 'blocked', address_cipher = NULL, payload = '', lease_until = NULL, attempts = attempts + 1, last_error = @error, updated_at = @at WHERE id = @id",
            new { id, error, at = Stamp(now) },
            transaction);
        if (target.Channel is null)
        {
            return;
        }

        await connection.ExecuteAsync(
            "UPDATE outbox SET status = 'cancelled', address_cipher = NULL, payload = '', updated_at = @at WHERE channel = @channel AND recipient_hash = @hash AND status IN ('pending', 'held')",
            new { channel = target.Channel, hash = target.Hash, at = Stamp(now) },
            transaction);
        var conversation = await connection.QuerySingleOrDefaultAsync<(string Id, string State)>(
            "SELECT id AS Id, state AS State FROM conversations WHERE channel = @channel AND address_hash = @hash",
            new { channel = target.Channel, hash = target.Hash },
            transaction);
        if (conversation.Id is not null && ReadState(conversation.Id, conversation.State) is { } state)
        {
            await connection.ExecuteAsync(
                "UPDATE conversations SET state = @state WHERE id = @id",
                new { id = conversation.Id, state = JsonSerializer.Serialize(state with { Stopped = true }, StorageJson.Default.ConversationState) },
                transaction);
        }
    }

    private static int DeliveryRank(OutboxStatus status) => status switch
    {
        OutboxStatus.Sent => 1,
        OutboxStatus.Delivered or OutboxStatus.Failed => 2,
        OutboxStatus.Read => 3,
        _ => 0,
    };

    internal static string StatusName(OutboxStatus status) => status.ToString().ToLowerInvariant();

    internal static OutboxStatus ParseStatus(string name) => Enum.Parse<OutboxStatus>(name, ignoreCase: true);

    /// <summary>One claimed outbox row as read from SQLite.</summary>
    private sealed class OutboxRow
    {
        public long Id { get; init; }

        public string Channel { get; init; } = string.Empty;

        public byte[]? AddressCipher { get; init; }

        public string Payload { get; init; } = string.Empty;

        public string? CallbackQueryId { get; init; }

        public long Attempts { get; init; }

        public string? WindowExpiresAt { get; init; }

        public string? Template { get; init; }

        public string? Language { get; init; }
    }

    private async Task<string?> SaveAsync(SqliteConnection connection, SqliteTransaction transaction, ChannelAddress from, byte[] addressHash, string? existingId, TurnDecision decision, DateTimeOffset now)
    {
        if (decision.State is null)
        {
            // BORRAR (R8): the conversation, its cases with their transcripts, and its dedupe records go.
            if (existingId is not null)
            {
                await connection.ExecuteAsync("DELETE FROM inbound_messages WHERE conversation_id = @id", new { id = existingId }, transaction);
                await connection.ExecuteAsync("DELETE FROM cases WHERE conversation_id = @id", new { id = existingId }, transaction);
                await connection.ExecuteAsync("DELETE FROM conversations WHERE id = @id", new { id = existingId }, transaction);
            }

            return null;
        }

        var state = JsonSerializer.Serialize(decision.State, StorageJson.Default.ConversationState);
        if (existingId is null)
        {
            var id = NewId();
            await connection.ExecuteAsync(
                "INSERT INTO conversations (id, channel, address_hash, address_cipher, state, content_version, created_at, updated_at) VALUES (@id, @channel, @hash, @cipher, @state, @version, @at, @at)",
                new { id, channel = from.Channel, hash = addressHash, cipher = protector.Encrypt(from.Address), state, version = decision.ContentVersion, at = Stamp(now) },
                transaction);
            return id;
        }

        await connection.ExecuteAsync(
            "UPDATE conversations SET state = @state, content_version = @version, updated_at = @at WHERE id = @id",
            new { id = existingId, state, version = decision.ContentVersion, at = Stamp(now) },
            transaction);
        return existingId;
    }

    private ConversationState? ReadState(string id, string json)
    {
        try
        {
            return JsonSerializer.Deserialize(json, StorageJson.Default.ConversationState);
        }
        catch (JsonException)
        {
            LogUnreadableState(logger, id);
            return null; // the user starts again rather than being stuck
        }
    }

    private Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken) => database.OpenAsync(cancellationToken);

    internal static IEnumerable<(long Version, string Name, string Sql)> Migrations(string provider)
    {
        var assembly = Assembly.GetExecutingAssembly();
        var prefix = $"{assembly.GetName().Name}.Storage.Migrations.{provider}.";
        foreach (var resource in assembly.GetManifestResourceNames().Where(r => r.StartsWith(prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            var name = resource[prefix.Length..];
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream);
            yield return (long.Parse(name.AsSpan(0, 4), CultureInfo.InvariantCulture), name, reader.ReadToEnd());
        }
    }

    internal static string NewId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    internal static string Stamp(DateTimeOffset at) => SqliteDatabase.Stamp(at);

    [LoggerMessage(Level = LogLevel.Information, Message = "Applied database migration {Name}")]
    private static partial void LogMigrated(ILogger logger, string name);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Conversation {ConversationId} had a state this version cannot read; it starts again")]
    private static partial void LogUnreadableState(ILogger logger, string conversationId);
}
