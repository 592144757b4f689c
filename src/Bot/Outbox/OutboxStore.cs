using System.Data.Common;
using System.Text.Json;
using Dapper;
using OimBot.Bot.Storage;
using OimBot.Content;

namespace OimBot.Bot.Outbox;

/// <summary>
/// What the outbox does with its rows, the same on every provider: outcomes, delivery reports, holding replies outside
/// WhatsApp's window, reports. A provider supplies its transactions (<see cref="WriteAsync{T}"/>), how rows are
/// claimed (<see cref="ClaimRowsAsync"/>) and how a row is locked for a delivery report.
/// </summary>
public abstract class OutboxStore(AddressProtector protector) : IOutboxStore
{
    /// <summary>What the case page says when a reply is held after a late refusal (no template name known to the store).</summary>
    internal const string HeldNote = "Fuera de la ventana de 24 h de WhatsApp: se envió la plantilla de aviso. La respuesta queda retenida y sale en cuanto la persona escriba.";

    /// <summary>Appended to the SELECT that reads a row before a delivery report changes it (" FOR UPDATE" on PostgreSQL).</summary>
    protected abstract string LockRow { get; }

    /// <summary>Runs <paramref name="work"/> in one write transaction.</summary>
    protected abstract Task<T> WriteAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken cancellationToken);

    /// <summary>
    /// As <see cref="WriteAsync{T}"/>, for work that is exactly one statement: a provider may spare it a savepoint, or run
    /// it as its own transaction (no transaction given: PostgreSQL then needs one round trip instead of two).
    /// </summary>
    protected virtual Task<T> WriteOneStatementAsync<T>(Func<DbConnection, DbTransaction?, Task<T>> work, CancellationToken cancellationToken) =>
        WriteAsync((connection, transaction) => work(connection, transaction), cancellationToken);

    protected abstract Task<DbConnection> OpenAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Marks up to <paramref name="max"/> due rows 'sending' until <paramref name="until"/> (oldest first, at most one per
    /// recipient, never a row another sender holds) and returns them, in id order.
    /// </summary>
    /// <remarks>One statement: it runs as its own transaction where the provider allows (<see cref="WriteOneStatementAsync{T}"/>, no transaction given).</remarks>
    protected abstract Task<IReadOnlyList<ClaimedRow>> ClaimRowsAsync(DbConnection connection, DbTransaction? transaction, DateTimeOffset now, DateTimeOffset until, int max);

    /// <summary>
    /// Which rows are due, in the claim statements of both providers: pending and due, or claimed by a sender whose lease
    /// ran out; and only the oldest unsettled row of its recipient, so a person's messages go out in order. Both halves
    /// read the partial indexes of waiting rows (outbox_waiting, outbox_waiting_recipient), whose condition they repeat
    /// word for word so SQLite's planner can use them: a claim never reads the outbox's settled history.
    /// </summary>
    protected const string DueAndFirstOfRecipient = """
        o.status IN ('pending', 'sending') AND o.channel <> 'webchat'
          AND ((o.status = 'pending' AND o.next_attempt_at <= @now) OR (o.status = 'sending' AND o.lease_until <= @now))
          AND NOT EXISTS (SELECT 1 FROM outbox p
                          WHERE p.channel = o.channel AND p.recipient_hash = o.recipient_hash AND p.id < o.id
                            AND p.status IN ('pending', 'sending'))
        """;

    /// <summary>
    /// The columns a claim returns, named as <see cref="ClaimedRow"/>: unqualified, since SQLite's RETURNING takes no
    /// table name (the claims' statements leave no other table's column of these names in reach).
    /// </summary>
    protected const string ClaimedColumns = """
        id AS Id, channel AS Channel, address_cipher AS AddressCipher, payload AS Payload,
        callback_query_id AS CallbackQueryId, CAST(attempts AS BIGINT) AS Attempts, window_expires_at AS WindowExpiresAt,
        template AS Template, language AS Language
        """;

    /// <summary>A claimed row as read (its window in the provider's form of time).</summary>
    protected sealed class ClaimedRow
    {
        public long Id { get; init; }

        public string Channel { get; init; } = string.Empty;

        public byte[]? AddressCipher { get; init; }

        public string Payload { get; init; } = string.Empty;

        public string? CallbackQueryId { get; init; }

        public long Attempts { get; init; }

        public object? WindowExpiresAt { get; init; }

        public string? Template { get; init; }

        public string? Language { get; init; }
    }

    /// <remarks>
    /// The rows are opened (decrypted and read) after the claim's commit, off SQLite's writer thread (issue 15: in the
    /// claim's transaction that was two thirds of its time). A row that cannot be opened (its key is gone, or it was
    /// damaged) is marked failed in a write of its own; if that write fails too, the row's lease runs out and the next
    /// claim tries again, while the readable rows go out now.
    /// </remarks>
    public async Task<IReadOnlyList<OutboxMessage>> ClaimAsync(DateTimeOffset now, int max, TimeSpan lease, CancellationToken cancellationToken)
    {
        // One statement, so on PostgreSQL one round trip without BEGIN and COMMIT (issue 15: a claim took two, and with
        // two instances a claim comes with about one message in ten, about half of them finding nothing).
        var (time, rows) = await WriteOneStatementAsync(async (connection, transaction) =>
            (SqlTime.For(connection), await ClaimRowsAsync(connection, transaction, now, now + lease, max)), cancellationToken);
        var claimed = new List<OutboxMessage>(rows.Count);
        List<long>? unreadable = null;
        foreach (var row in rows)
        {
            if (row.AddressCipher is null || OutboxRows.Open(protector, row.Payload) is not { } reply || Address(row.AddressCipher) is not { } address)
            {
                (unreadable ??= []).Add(row.Id);
                continue;
            }

            claimed.Add(new OutboxMessage(
                row.Id,
                row.Channel,
                address,
                reply,
                row.CallbackQueryId,
                (int)row.Attempts,
                time.ReadOrNull(row.WindowExpiresAt),
                row.Template is null ? null : new OutboxTemplate(row.Template, row.Language ?? string.Empty)));
        }

        if (unreadable is not null)
        {
            try
            {
                await WriteAsync(async (connection, transaction) =>
                {
                    foreach (var id in unreadable)
                    {
                        await connection.ExecuteAsync(
                            "UPDATE outbox SET status = 'failed', lease_until = NULL, last_error = 'unreadable row', updated_at = @now WHERE id = @id AND status = 'sending'",
                            new { id, now = time.Write(now) },
                            transaction);
                    }

                    return 0;
                }, cancellationToken);
            }
            catch (Exception ex) when (ex is DbException or OperationCanceledException)
            {
                // Left 'sending': its lease runs out and a later claim marks it.
            }
        }

        return claimed;
    }

    private string? Address(byte[] cipher)
    {
        try
        {
            return protector.Decrypt(cipher);
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return null;
        }
    }

    /// <summary>
    /// A sent row settles: its provider id kept unless another row of the channel already has it (a provider that reuses
    /// ids), found through the unique index outbox_provider_message. It returns whether another row of the same person
    /// waits (through outbox_waiting_recipient): the dispatcher claims again only then (or when a turn or its poll says so).
    /// </summary>
    internal const string Settle = $"""
        UPDATE outbox SET status = 'sent',
            provider_message_id = CASE WHEN EXISTS (SELECT 1 FROM outbox p WHERE p.channel = outbox.channel AND p.provider_message_id = @provider AND p.id <> outbox.id) THEN NULL ELSE @provider END,
            {SentRowCleared}, updated_at = @at
        WHERE id = @id
        RETURNING {PersonHasAnotherWaiting}
        """;

    /// <summary>
    /// What a settle clears (every settle statement: <see cref="Settle"/>, and PostgreSQL's for a group): a reply that
    /// can no longer be refused for the 24-hour window loses its sealed text and address at once.
    /// </summary>
    internal const string SentRowCleared = """
        address_cipher = CASE WHEN window_expires_at IS NULL OR template IS NOT NULL THEN NULL ELSE address_cipher END,
            payload = CASE WHEN window_expires_at IS NULL OR template IS NOT NULL THEN '' ELSE payload END,
            lease_until = NULL, attempts = attempts + 1, last_error = NULL
        """;

    /// <summary>Whether another row of the settled row's person is pending or being sent (outbox_waiting_recipient).</summary>
    internal const string PersonHasAnotherWaiting =
        "EXISTS (SELECT 1 FROM outbox w WHERE w.channel = outbox.channel AND w.recipient_hash = outbox.recipient_hash AND w.status IN ('pending', 'sending') AND w.id <> outbox.id)";

    /// <summary>Settles one sent row (<see cref="Settle"/>): whether another row of the same person waits.</summary>
    protected virtual Task<bool> SettleAsync(long id, string? providerMessageId, DateTimeOffset now, CancellationToken cancellationToken) =>
        WriteOneStatementAsync(
            (connection, transaction) => StatementCachingConnection.ScalarAsync<bool>(connection, Settle, new { id, provider = providerMessageId, at = SqlTime.For(connection).Write(now) }, transaction),
            cancellationToken);

    public Task<bool> CompleteAsync(long id, OutboxOutcome outcome, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        if (outcome is OutboxOutcome.Sent sent)
        {
            // Settled: the address is no longer needed. A provider id already recorded (a provider that reuses ids) must
            // never leave the row unsettled, or the lease would send it again: it is kept without one. A WhatsApp reply
            // (Cloud API or Twilio) keeps its sealed text and address until the delivery report: the provider may still
            // refuse it for the window (Twilio reports 63016 after accepting), and it is then held. One statement: the
            // send path writes once per message (issue 15).
            return SettleAsync(id, sent.ProviderMessageId, now, cancellationToken);
        }

        return WriteAsync(async (connection, transaction) =>
        {
            var time = SqlTime.For(connection);
            var at = time.Write(now);
            switch (outcome)
            {
                case OutboxOutcome.RetryLater retry:
                    await connection.ExecuteAsync(
                        "UPDATE outbox SET status = 'pending', attempts = attempts + 1, next_attempt_at = @next, lease_until = NULL, last_error = @error, updated_at = @at WHERE id = @id",
                        new { id, next = time.Write(retry.NotBefore), error = retry.Error, at },
                        transaction);
                    break;
                case OutboxOutcome.Deferred deferred:
                    await connection.ExecuteAsync(
                        "UPDATE outbox SET status = 'pending', next_attempt_at = @next, lease_until = NULL, last_error = @error, updated_at = @at WHERE id = @id",
                        new { id, next = time.Write(deferred.NotBefore), error = deferred.Reason, at },
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

            return true; // rarer outcomes: the person's next row may be claimable now, so the dispatcher looks
        }, cancellationToken);
    }

    public Task<bool> ApplyDeliveryStatusAsync(string channel, string providerMessageId, OutboxStatus status, string? failure, DateTimeOffset now, CancellationToken cancellationToken) =>
        WriteAsync(async (connection, transaction) =>
        {
            var current = await connection.OneOrDefaultAsync<(long Id, string Status, string? Template, byte[]? Cipher)>(
                "SELECT id AS Id, status AS Status, template AS Template, address_cipher AS Cipher FROM outbox WHERE channel = @channel AND provider_message_id = @providerMessageId" + LockRow,
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
                    new { id = current.Id, status = OutboxStatuses.Name(status), error = failure, at = SqlTime.For(connection).Write(now) },
                    transaction);
            }

            return true;
        }, cancellationToken);

    /// <summary>A provider's report that the 24-hour window had closed (Meta 131047, Twilio 63016).</summary>
    internal static bool IsWindowClosed(string? failure) => failure is "whatsapp 131047" or "twilio 63016";

    /// <summary>
    /// Rows by status, each status through the partial index that holds it (outbox_waiting, outbox_held, outbox_settled,
    /// outbox_trouble): together they cover every status, and none of them scans the table.
    /// </summary>
    internal const string CountByStatus = $"""
        SELECT status AS Status, COUNT(*) AS Count FROM outbox WHERE status IN ('pending', 'sending') GROUP BY status
        UNION ALL SELECT status, COUNT(*) FROM outbox WHERE status = 'held' GROUP BY status
        UNION ALL SELECT status, COUNT(*) FROM outbox WHERE {Settled} GROUP BY status
        UNION ALL SELECT status, COUNT(*) FROM outbox WHERE {Trouble} AND status <> 'failed' GROUP BY status
        """;

    /// <summary>
    /// The settled rows: the condition of the partial index outbox_settled, word for word, so that SQLite's planner reads
    /// it. Comparisons rather than a list: SQLite builds a list of more than two values as a temporary b-tree each time it
    /// checks a row against the index, on every insert and update of the outbox (migration 0012).
    /// </summary>
    internal const string Settled = "(status = 'sent' OR status = 'delivered' OR status = 'read' OR status = 'failed' OR status = 'cancelled')";

    /// <summary>The troubled rows: the condition of the partial index outbox_trouble, word for word (see <see cref="Settled"/>).</summary>
    internal const string Trouble = "(status = 'dead' OR status = 'failed' OR status = 'blocked')";

    /// <summary>The latest troubled rows, through outbox_trouble.</summary>
    internal const string Troubled =
        $"SELECT id AS Id, channel AS Channel, status AS Status, attempts AS Attempts, last_error AS LastError, updated_at AS UpdatedAt FROM outbox WHERE {Trouble} ORDER BY updated_at DESC LIMIT 50";

    /// <summary>Dead rows that can still be sent go back to the queue (through outbox_trouble, whose condition it repeats).</summary>
    internal const string RequeueDead =
        $"UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = @now, lease_until = NULL, updated_at = @now WHERE {Trouble} AND status = 'dead' AND address_cipher IS NOT NULL";

    /// <summary>Templates sent to a person since a moment (through outbox_templates).</summary>
    internal const string TemplatesSince =
        "SELECT COUNT(*) FROM outbox WHERE channel = @channel AND recipient_hash = @hash AND template IS NOT NULL AND status NOT IN ('failed', 'dead', 'cancelled') AND created_at >= @since";

    public async Task<OutboxReport> ReportAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var time = SqlTime.For(connection);
        var counts = (await connection.ListAsync<(string Status, long Count)>(CountByStatus))
            .ToDictionary(r => OutboxStatuses.Parse(r.Status), r => (int)r.Count);
        var problems = (await connection.ListAsync<(long Id, string Channel, string Status, long Attempts, string? LastError, object UpdatedAt)>(
            Troubled))
            .Select(r => new OutboxProblem(r.Id, r.Channel, OutboxStatuses.Parse(r.Status), (int)r.Attempts, r.LastError, time.Read(r.UpdatedAt)))
            .ToList();
        return new OutboxReport(counts, problems);
    }

    public Task<int> RequeueDeadAsync(DateTimeOffset now, CancellationToken cancellationToken) =>
        WriteAsync((connection, transaction) => connection.ExecuteAsync(
            RequeueDead,
            new { now = SqlTime.For(connection).Write(now) },
            transaction), cancellationToken);

    /// <summary>
    /// Outside the window: the row waits for the person's next message, and one template (per closed window) asks them
    /// to write. The case page shows the template with its delivery status.
    /// </summary>
    private async Task HoldAsync(DbConnection connection, DbTransaction transaction, long id, OutboxOutcome.Held held, DateTimeOffset now)
    {
        var time = SqlTime.For(connection);
        await connection.ExecuteAsync(
            "UPDATE outbox SET status = 'held', lease_until = NULL, last_error = @error, updated_at = @at WHERE id = @id",
            new { id, error = held.Error, at = time.Write(now) },
            transaction);
        var row = await connection.OneOrDefaultAsync<(string Channel, byte[] Hash, byte[]? Cipher, string? ConversationId, object? Window)>(
            "SELECT channel AS Channel, recipient_hash AS Hash, address_cipher AS Cipher, conversation_id AS ConversationId, window_expires_at AS Window FROM outbox WHERE id = @id",
            new { id },
            transaction);
        if (row.Cipher is null || row.ConversationId is null)
        {
            return;
        }

        var conversation = await connection.OneOrDefaultAsync<string>("SELECT state FROM conversations WHERE id = @id", new { id = row.ConversationId }, transaction);
        if (conversation is null || OutboxRows.ReadState(row.ConversationId, conversation) is not { Stopped: false } state)
        {
            return;
        }

        // One template per closed window: none if one was queued or sent since the person's last message.
        var lastMessage = (time.ReadOrNull(row.Window) ?? now) - Delivery.WhatsAppWindow;
        var asked = await connection.ValueAsync<long>(
            TemplatesSince,
            new { channel = row.Channel, hash = row.Hash, since = time.Write(lastMessage) },
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
    private static async Task BlockAsync(DbConnection connection, DbTransaction transaction, long id, string error, DateTimeOffset now)
    {
        var target = await connection.OneOrDefaultAsync<(string Channel, byte[] Hash)>(
            "SELECT channel AS Channel, recipient_hash AS Hash FROM outbox WHERE id = @id", new { id }, transaction);
        await connection.ExecuteAsync(
            "UPDATE outbox SET status = 'blocked', address_cipher = NULL, payload = '', lease_until = NULL, attempts = attempts + 1, last_error = @error, updated_at = @at WHERE id = @id",
            new { id, error, at = SqlTime.For(connection).Write(now) },
            transaction);
        if (target.Channel is null)
        {
            return;
        }

        await OutboxRows.CancelAsync(connection, transaction, target.Channel, target.Hash, now);
        var conversation = await connection.OneOrDefaultAsync<(string Id, string State)>(
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
}
