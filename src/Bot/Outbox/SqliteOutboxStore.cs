using System.Globalization;
using System.Text.Json;
using Dapper;
using Microsoft.Data.Sqlite;
using OimBot.Bot.Storage;
using OimBot.Content;

namespace OimBot.Bot.Outbox;

/// <summary>
/// The outbox on SQLite: rows are written by turns and case actions in their own transactions (<see cref="OutboxRows"/>);
/// this store claims them for sending, records outcomes and delivery reports, holds replies outside WhatsApp's window,
/// and reports. Writes go through the database's single write gate.
/// </summary>
public sealed class SqliteOutboxStore(SqliteDatabase database, AddressProtector protector) : IOutboxStore
{
    private readonly SemaphoreSlim _writeGate = database.WriteGate;

    public async Task<IReadOnlyList<OutboxMessage>> ClaimAsync(DateTimeOffset now, int max, TimeSpan lease, CancellationToken cancellationToken)
    {
        await _writeGate.WaitAsync(cancellationToken);
        try
        {
            await using var connection = await database.OpenAsync(cancellationToken);
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
                new { now = SqliteDatabase.Stamp(now), max },
                transaction)).ToList();
            var claimed = new List<OutboxMessage>(rows.Count);
            foreach (var row in rows)
            {
                if (row.AddressCipher is null || OutboxRows.Open(protector, row.Payload) is not { } reply)
                {
                    await connection.ExecuteAsync(
                        "UPDATE outbox SET status = 'failed', last_error = 'unreadable row', updated_at = @now WHERE id = @id",
                        new { id = row.Id, now = SqliteDatabase.Stamp(now) },
                        transaction);
                    continue;
                }

                await connection.ExecuteAsync(
                    "UPDATE outbox SET status = 'sending', lease_until = @until, updated_at = @now WHERE id = @id",
                    new { id = row.Id, until = SqliteDatabase.Stamp(now + lease), now = SqliteDatabase.Stamp(now) },
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

    public async Task CompleteAsync(long id, OutboxOutcome outcome, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        await _writeGate.WaitAsync(cancellationToken);
        try
        {
            await using var connection = await database.OpenAsync(cancellationToken);
            await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
            var at = SqliteDatabase.Stamp(now);
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
                        new { id, next = SqliteDatabase.Stamp(retry.NotBefore), error = retry.Error, at },
                        transaction);
                    break;
                case OutboxOutcome.Deferred deferred:
                    await connection.ExecuteAsync(
                        "UPDATE outbox SET status = 'pending', next_attempt_at = @next, lease_until = NULL, last_error = @error, updated_at = @at WHERE id = @id",
                        new { id, next = SqliteDatabase.Stamp(deferred.NotBefore), error = deferred.Reason, at },
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
            await using var connection = await database.OpenAsync(cancellationToken);
            await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
            var current = await connection.QuerySingleOrDefaultAsync<(long Id, string Status, string? Template, byte[]? Cipher)>(
                "SELECT id AS Id, status AS Status, template AS Template, address_cipher AS Cipher FROM outbox WHERE channel = @channel AND provider_message_id = @providerMessageId",
                new { channel, providerMessageId },
                transaction);
            if (current.Status is null)
            {
                return false;
            }

            if (status == OutboxStatus.Failed && IsWindowClosed(failure) && current.Template is null && current.Cipher is not null && OutboxStatuses.Parse(current.Status) == OutboxStatus.Sent)
            {
                // Accepted, then refused because the window had closed (Twilio reports 63016 this way): never a lost
                // reply. It is held like one refused at once, and the template asks the person to write.
                await connection.ExecuteAsync("UPDATE outbox SET provider_message_id = NULL WHERE id = @id", new { id = current.Id }, transaction);
                await HoldAsync(connection, transaction, current.Id, new OutboxOutcome.Held(failure!, MessageTemplate.ReplyWaiting, HeldNote), now);
            }
            else if (DeliveryRank(status) > DeliveryRank(OutboxStatuses.Parse(current.Status)))
            {
                // Reports arrive out of order ("read" without "delivered", "delivered" after "read"): only move forward.
                // Settled for good now: the sealed text and address kept for a late window refusal go.
                await connection.ExecuteAsync(
                    "UPDATE outbox SET status = @status, last_error = COALESCE(@error, last_error), address_cipher = NULL, payload = '', updated_at = @at WHERE id = @id",
                    new { id = current.Id, status = OutboxStatuses.Name(status), error = failure, at = SqliteDatabase.Stamp(now) },
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

    public async Task<OutboxReport> ReportAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var counts = (await connection.QueryAsync<(string Status, long Count)>("SELECT status AS Status, COUNT(*) AS Count FROM outbox GROUP BY status"))
            .ToDictionary(r => OutboxStatuses.Parse(r.Status), r => (int)r.Count);
        var problems = (await connection.QueryAsync<(long Id, string Channel, string Status, long Attempts, string? LastError, string UpdatedAt)>(
            "SELECT id AS Id, channel AS Channel, status AS Status, attempts AS Attempts, last_error AS LastError, updated_at AS UpdatedAt FROM outbox WHERE status IN ('dead', 'failed', 'blocked') ORDER BY updated_at DESC LIMIT 50"))
            .Select(r => new OutboxProblem(r.Id, r.Channel, OutboxStatuses.Parse(r.Status), (int)r.Attempts, r.LastError, DateTimeOffset.Parse(r.UpdatedAt, CultureInfo.InvariantCulture)))
            .ToList();
        return new OutboxReport(counts, problems);
    }

    public async Task<int> RequeueDeadAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        await _writeGate.WaitAsync(cancellationToken);
        try
        {
            await using var connection = await database.OpenAsync(cancellationToken);
            return await connection.ExecuteAsync(
                "UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = @now, lease_until = NULL, updated_at = @now WHERE status = 'dead' AND address_cipher IS NOT NULL",
                new { now = SqliteDatabase.Stamp(now) });
        }
        finally
        {
            _writeGate.Release();
        }
    }


    /// <summary>
    /// Outside the window: the row waits for the person's next message, and one template (per closed window) asks them
    /// to write. The case page shows the template with its delivery status.
    /// </summary>
    private async Task HoldAsync(SqliteConnection connection, SqliteTransaction transaction, long id, OutboxOutcome.Held held, DateTimeOffset now)
    {
        var at = SqliteDatabase.Stamp(now);
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
        if (conversation is null || OutboxRows.ReadState(row.ConversationId, conversation) is not { Stopped: false } state)
        {
            return;
        }

        // One template per closed window: none if one was queued or sent since the person's last message.
        var lastMessage = row.Window is { } window ? SqliteDatabase.ParseStamp(window) - Delivery.WhatsAppWindow : now - Delivery.WhatsAppWindow;
        var asked = await connection.ExecuteScalarAsync<long>(
            "SELECT COUNT(*) FROM outbox WHERE channel = @channel AND recipient_hash = @hash AND template IS NOT NULL AND status NOT IN ('failed', 'dead', 'cancelled') AND created_at >= @since",
            new { channel = row.Channel, hash = row.Hash, since = SqliteDatabase.Stamp(lastMessage) },
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


    /// <summary>The user blocked the bot: this row and everything queued for them stop, and so does the conversation.</summary>
    private static async Task BlockAsync(SqliteConnection connection, SqliteTransaction transaction, long id, string error, DateTimeOffset now)
    {
        var target = await connection.QuerySingleOrDefaultAsync<(string Channel, byte[] Hash)>(
            "SELECT channel AS Channel, recipient_hash AS Hash FROM outbox WHERE id = @id", new { id }, transaction);
        await connection.ExecuteAsync(
            "UPDATE outbox SET status = 'blocked', address_cipher = NULL, payload = '', lease_until = NULL, attempts = attempts + 1, last_error = @error, updated_at = @at WHERE id = @id",
            new { id, error, at = SqliteDatabase.Stamp(now) },
            transaction);
        if (target.Channel is null)
        {
            return;
        }

        await OutboxRows.CancelAsync(connection, transaction, target.Channel, target.Hash, now);
        var conversation = await connection.QuerySingleOrDefaultAsync<(string Id, string State)>(
            "SELECT id AS Id, state AS State FROM conversations WHERE channel = @channel AND address_hash = @hash",
            new { channel = target.Channel, hash = target.Hash },
            transaction);
        if (conversation.Id is not null && OutboxRows.ReadState(conversation.Id, conversation.State) is { } state)
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
}
