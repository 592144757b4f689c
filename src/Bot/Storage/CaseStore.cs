using System.Text.Json;
using Dapper;
using System.Data.Common;
using OimBot.Bot.Handoff;
using OimBot.Content;
using OimBot.Bot.Outbox;

namespace OimBot.Bot.Storage;

/// <summary>Cases, their transcripts and audit lines, on either provider; a change locks its case row for its transaction.</summary>
public sealed class CaseStore(IStoreDatabase database, AddressProtector protector, Reporting.AnalyticsRecorder analytics) : ICaseStore
{
    private const string Columns = """
        reference AS Reference, channel AS Channel, topic AS Topic, language AS Language, priority AS Priority, status AS Status,
        owner AS Owner, created_at AS CreatedAt, last_inbound_at AS LastInboundAt, claimed_at AS ClaimedAt, closed_at AS ClosedAt, outcome AS Outcome
        """;

    public async Task<IReadOnlyList<CaseRow>> QueueAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        var rows = await connection.ListAsync<Row>(
            $"SELECT {Columns} FROM cases WHERE status IN ('waiting', 'claimed') ORDER BY CASE priority WHEN 'high' THEN 0 ELSE 1 END, created_at");
        return [.. rows.Select(r => r.ToCase(database.Time))];
    }

    public async Task<IReadOnlyList<CaseRow>> RecentlyClosedAsync(int count, CancellationToken cancellationToken, int skip = 0)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        var rows = await connection.ListAsync<Row>($"SELECT {Columns} FROM cases WHERE status = 'closed' ORDER BY closed_at DESC, id DESC LIMIT @count OFFSET @skip", new { count, skip });
        return [.. rows.Select(r => r.ToCase(database.Time))];
    }

    public async Task<CaseDetail?> FindAsync(string reference, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        var row = await connection.OneOrDefaultAsync<Row>($"SELECT {Columns}, id AS Id, summary AS Summary, transcript_deleted_at AS TranscriptDeletedAt FROM cases WHERE reference = @reference", new { reference });
        if (row is null)
        {
            return null;
        }

        var summary = row.Summary is null ? null : JsonSerializer.Deserialize(row.Summary, StorageJson.Default.CaseSummary);
        var entries = await connection.ListAsync<(long Id, string Author, string? AuthorName, byte[] Text, object At, string? Delivery, string? Error)>(
            "SELECT m.id, m.author, m.author_name, m.text_cipher, m.created_at, o.status, o.last_error FROM case_messages m LEFT JOIN outbox o ON o.id = m.outbox_id WHERE m.case_id = @id ORDER BY m.id",
            new { id = row.Id });
        var transcript = entries
            .Select(e => new CaseEntry(e.Id, e.Author, e.AuthorName, protector.Decrypt(e.Text), database.Time.Read(e.At), e.Delivery is null ? null : OutboxStatuses.Parse(e.Delivery), e.Error))
            .ToList();
        return new CaseDetail(row.ToCase(database.Time), summary?.Path ?? [], summary?.Answers ?? [], transcript, row.TranscriptDeletedAt is not null);
    }

    public Task<(ClaimResult Result, string? Owner)> ClaimAsync(string reference, string caseworker, CaseTransition tell, ReplyShape shape, CaseRecord record, DateTimeOffset now, CancellationToken cancellationToken) =>
        database.WriteAsync(async (connection, transaction) =>
        {
            var at = database.Time.Write(now);
            var claimed = await connection.ExecuteAsync(
                "UPDATE cases SET status = 'claimed', owner = @caseworker, claimed_at = @at, updated_at = @at WHERE reference = @reference AND status = 'waiting'",
                new { reference, caseworker, at },
                transaction);
            var current = await connection.OneOrDefaultAsync<(string Id, string Status, string? Owner, string? ConversationId)>(
                "SELECT id AS Id, status AS Status, owner AS Owner, conversation_id AS ConversationId FROM cases WHERE reference = @reference", new { reference }, transaction);
            if (claimed == 0)
            {
                return current.Id is null ? (ClaimResult.NotFound, null) : current.Status == "closed" ? (ClaimResult.Closed, current.Owner) : (ClaimResult.AlreadyTaken, current.Owner);
            }

            await CaseTransactions.AddMessageAsync(connection, transaction, protector, current.Id, "system", null, $"{caseworker} tomó el caso.", null, now);
            await TellAsync(connection, transaction, current.ConversationId, tell, shape, now);
            await WriteRecordAsync(connection, transaction, current.Id, reference, record, now);
            return (ClaimResult.Claimed, caseworker);
        }, cancellationToken);

    public Task<bool> ReplyAsync(string reference, string caseworker, RenderedReply reply, string transcriptText, ReplyShape shape, CaseRecord record, DateTimeOffset now, CancellationToken cancellationToken) =>
        database.WriteAsync(async (connection, transaction) =>
        {
            var open = await OpenAsync(connection, transaction, reference, database.LockRow);
            if (open.Id is null)
            {
                return false;
            }

            var at = database.Time.Write(now);

            // Inside the transaction, with the case row locked: of two racing replies, exactly one is the first.
            var first = await connection.ValueAsync<object?>("SELECT created_at FROM cases WHERE id = @id AND first_reply_at IS NULL", new { id = open.Id }, transaction);

            // Answering a case nobody took takes it.
            await connection.ExecuteAsync(
                "UPDATE cases SET status = 'claimed', owner = COALESCE(owner, @caseworker), claimed_at = COALESCE(claimed_at, @at), first_reply_at = COALESCE(first_reply_at, @at), updated_at = @at WHERE id = @id",
                new { id = open.Id, caseworker, at },
                transaction);
            long? outboxId = null;
            var target = await RecipientAsync(connection, transaction, open.ConversationId);
            if (target is { Stopped: false } recipient)
            {
                foreach (var part in shape(recipient.Channel, reply))
                {
                    outboxId = await OutboxRows.InsertAsync(connection, transaction, protector, recipient.Channel, recipient.Hash, recipient.Cipher, open.ConversationId, part, null, recipient.Window, now);
                }
            }

            // The user's next messages go to the caseworker, who is answering (back from MENU too), and are no longer
            // acknowledged by the bot. The session's inactivity clock is the user's: updated_at stays.
            if (target is { } answered && Dialogs.DialogEngine.CaseworkerAnswered(answered.State) is var state && state != answered.State)
            {
                await connection.ExecuteAsync(
                    "UPDATE conversations SET state = @state WHERE id = @conversationId",
                    new { conversationId = open.ConversationId, state = JsonSerializer.Serialize(state, StorageJson.Default.ConversationState) },
                    transaction);
            }

            await CaseTransactions.AddMessageAsync(connection, transaction, protector, open.Id, "caseworker", caseworker, transcriptText, outboxId, now);
            if (outboxId is null)
            {
                await CaseTransactions.AddMessageAsync(connection, transaction, protector, open.Id, "system", null, "No se envió: la persona borró sus datos o pidió no recibir más mensajes.", null, now);
            }

            await WriteRecordAsync(connection, transaction, open.Id, reference, record, now);
            if (first is not null)
            {
                // How long people wait for a written answer: whole minutes since the request, no more.
                var minutes = (long)Math.Max(0, (now - database.Time.Read(first)).TotalMinutes);
                await WriteEventAsync(connection, transaction, open.Id, record with { Event = Analytics.EventKind.FirstCaseworkerReply, EventValue = minutes.ToString(System.Globalization.CultureInfo.InvariantCulture) });
            }

            return true;
        }, cancellationToken);

    public Task<bool> NoteAsync(string reference, string caseworker, string text, CaseRecord record, DateTimeOffset now, CancellationToken cancellationToken) =>
        database.WriteAsync(async (connection, transaction) =>
        {
            var id = await connection.OneOrDefaultAsync<string>("SELECT id FROM cases WHERE reference = @reference AND transcript_deleted_at IS NULL", new { reference }, transaction);
            if (id is null)
            {
                return false;
            }

            await CaseTransactions.AddMessageAsync(connection, transaction, protector, id, "note", caseworker, text, null, now);
            await WriteRecordAsync(connection, transaction, id, reference, record, now);
            return true;
        }, cancellationToken);

    public Task<bool> TransferAsync(string reference, string fromCaseworker, string toCaseworker, CaseRecord record, DateTimeOffset now, CancellationToken cancellationToken) =>
        database.WriteAsync(async (connection, transaction) =>
        {
            var open = await OpenAsync(connection, transaction, reference, database.LockRow);
            if (open.Id is null)
            {
                return false;
            }

            var at = database.Time.Write(now);
            await connection.ExecuteAsync(
                "UPDATE cases SET status = 'claimed', owner = @toCaseworker, claimed_at = COALESCE(claimed_at, @at), updated_at = @at WHERE id = @id",
                new { id = open.Id, toCaseworker, at },
                transaction);
            await CaseTransactions.AddMessageAsync(connection, transaction, protector, open.Id, "system", null, $"{fromCaseworker} transfirió el caso a {toCaseworker}.", null, now);
            await WriteRecordAsync(connection, transaction, open.Id, reference, record, now);
            return true;
        }, cancellationToken);

    public Task<bool> CloseAsync(string reference, string caseworker, string outcome, CaseTransition tell, ReplyShape shape, CaseRecord record, DateTimeOffset now, CancellationToken cancellationToken) =>
        database.WriteAsync(async (connection, transaction) =>
        {
            var open = await OpenAsync(connection, transaction, reference, database.LockRow);
            if (open.Id is null)
            {
                return false;
            }

            var at = database.Time.Write(now);
            await connection.ExecuteAsync(
                "UPDATE cases SET status = 'closed', outcome = @outcome, owner = COALESCE(owner, @caseworker), closed_at = @at, updated_at = @at WHERE id = @id",
                new { id = open.Id, outcome, caseworker, at },
                transaction);
            await CaseTransactions.AddMessageAsync(connection, transaction, protector, open.Id, "system", null, $"{caseworker} cerró el caso: {CaseOutcomes.Label(outcome)}.", null, now);
            await TellAsync(connection, transaction, open.ConversationId, tell, shape, now);
            await WriteRecordAsync(connection, transaction, open.Id, reference, record, now);
            return true;
        }, cancellationToken);

    public Task<IReadOnlyList<string>> ReleaseAsync(string owner, string actor, CaseTransition tell, ReplyShape shape, DateTimeOffset now, CancellationToken cancellationToken) =>
        database.WriteAsync<IReadOnlyList<string>>(async (connection, transaction) =>
        {
            var held = (await connection.ListAsync<(string Id, string Reference, string? ConversationId)>(
                "SELECT id AS Id, reference AS Reference, conversation_id AS ConversationId FROM cases WHERE status = 'claimed' AND lower(owner) = lower(@owner)" + database.LockRow,
                new { owner },
                transaction)).ToList();
            var at = database.Time.Write(now);
            foreach (var (id, reference, conversationId) in held)
            {
                // created_at stays: the case goes back to its place by when the person asked. The "nobody took it"
                // notice is not sent for it: the person is told now that someone else will answer, and answered again when they write.
                await connection.ExecuteAsync(
                    "UPDATE cases SET status = 'waiting', owner = NULL, claimed_at = NULL, timeout_notified_at = COALESCE(timeout_notified_at, @at), updated_at = @at WHERE id = @id",
                    new { id, at },
                    transaction);
                await TellAsync(connection, transaction, conversationId, tell, shape, now);

                await CaseTransactions.AddMessageAsync(connection, transaction, protector, id, "system", null, $"La cuenta de {owner} se desactivó: el caso vuelve a la cola, sin nadie asignado.", null, now);
                await WriteAuditAsync(connection, transaction, reference, actor, "release", $"cuenta de {owner} desactivada", now);
            }

            return [.. held.Select(c => c.Reference)];
        }, cancellationToken);

    public Task<IReadOnlyList<string>> TimeOutAsync(Func<DateTimeOffset, bool> due, CaseTransition tell, ReplyShape shape, CaseRecord record, DateTimeOffset now, CancellationToken cancellationToken) =>
        database.WriteAsync<IReadOnlyList<string>>(async (connection, transaction) =>
        {
            var waiting = (await connection.ListAsync<(string Id, string Reference, string? ConversationId, object CreatedAt)>(
                "SELECT id AS Id, reference AS Reference, conversation_id AS ConversationId, created_at AS CreatedAt FROM cases WHERE status = 'waiting' AND timeout_notified_at IS NULL" + database.LockRow,
                transaction: transaction)).ToList();
            var timedOut = new List<string>();
            foreach (var (id, reference, conversationId, createdAt) in waiting.Where(c => due(database.Time.Read(c.CreatedAt))))
            {
                await connection.ExecuteAsync("UPDATE cases SET timeout_notified_at = @at, updated_at = @at WHERE id = @id", new { id, at = database.Time.Write(now) }, transaction);
                await CaseTransactions.AddMessageAsync(connection, transaction, protector, id, "system", null, "Nadie tomó el caso a tiempo: el bot se lo dijo a la persona y le ofreció seguir esperando o volver al menú.", null, now);
                await TellAsync(connection, transaction, conversationId, tell, shape, now);
                await WriteRecordAsync(connection, transaction, id, reference, record, now);
                timedOut.Add(reference);
            }

            return timedOut;
        }, cancellationToken);

    public Task<IReadOnlyList<string>> ExpireAsync(DateTimeOffset idleSince, CaseTransition tell, ReplyShape shape, CaseRecord record, DateTimeOffset now, CancellationToken cancellationToken) =>
        database.WriteAsync<IReadOnlyList<string>>(async (connection, transaction) =>
        {
            // Nothing from the user, the caseworker or the bot since then (updated_at moves with every reply, note, claim).
            var idle = (await connection.ListAsync<(string Id, string Reference, string? ConversationId)>(
                "SELECT id AS Id, reference AS Reference, conversation_id AS ConversationId FROM cases WHERE status IN ('waiting', 'claimed') AND updated_at < @since AND last_inbound_at < @since" + database.LockRow,
                new { since = database.Time.Write(idleSince) },
                transaction)).ToList();
            var at = database.Time.Write(now);
            foreach (var (id, reference, conversationId) in idle)
            {
                await connection.ExecuteAsync(
                    "UPDATE cases SET status = 'closed', outcome = @outcome, closed_at = @at, updated_at = @at WHERE id = @id",
                    new { id, outcome = CaseOutcomes.Expired, at },
                    transaction);
                await CaseTransactions.AddMessageAsync(connection, transaction, protector, id, "system", null, "El caso se cerró solo: nadie escribió durante el plazo de caducidad.", null, now);
                await TellAsync(connection, transaction, conversationId, tell, shape, now);
                await WriteRecordAsync(connection, transaction, id, reference, record, now);
            }

            return [.. idle.Select(c => c.Reference)];
        }, cancellationToken);

    public Task<int> PurgeTranscriptsAsync(DateTimeOffset closedBefore, DateTimeOffset now, CancellationToken cancellationToken) =>
        database.WriteAsync(async (connection, transaction) =>
        {
            var cutoff = database.Time.Write(closedBefore);
            await connection.ExecuteAsync(
                "DELETE FROM case_messages WHERE case_id IN (SELECT id FROM cases WHERE status = 'closed' AND closed_at < @cutoff AND transcript_deleted_at IS NULL)",
                new { cutoff },
                transaction);
            return await connection.ExecuteAsync(
                "UPDATE cases SET summary = NULL, transcript_deleted_at = @at, updated_at = @at WHERE status = 'closed' AND closed_at < @cutoff AND transcript_deleted_at IS NULL",
                new { cutoff, at = database.Time.Write(now) },
                transaction);
        }, cancellationToken);

    /// <summary>The audit line and the analytics event of a change, in the change's own transaction.</summary>
    private async Task WriteRecordAsync(DbConnection connection, DbTransaction transaction, string caseId, string reference, CaseRecord record, DateTimeOffset now)
    {
        await WriteAuditAsync(connection, transaction, reference, record.Actor, record.Action, record.Detail, now);
        await WriteEventAsync(connection, transaction, caseId, record);
    }

    private async Task WriteAuditAsync(DbConnection connection, DbTransaction transaction, string reference, string actor, string action, string? detail, DateTimeOffset now) =>
        await connection.ExecuteAsync(
            "INSERT INTO audit_log (at, actor, action, case_reference, detail) VALUES (@at, @actor, @action, @reference, @detail)",
            new { at = database.Time.Write(now), actor, action, reference, detail },
            transaction);

    private async Task WriteEventAsync(DbConnection connection, DbTransaction transaction, string caseId, CaseRecord record)
    {
        if (record.Event is not { } kind)
        {
            return;
        }

        var row = await connection.OneAsync<(string Channel, string Language, string Topic)>(
            "SELECT channel AS Channel, language AS Language, topic AS Topic FROM cases WHERE id = @caseId", new { caseId }, transaction);
        await analytics.RecordAsync(connection, transaction, null, [new Analytics.AnalyticsEvent(kind, row.Channel, row.Language, null, row.Topic, record.ContentVersion, record.Day, record.EventValue)], []);
    }

    /// <summary>The open case, locked until the transaction ends (two caseworkers acting at once take turns).</summary>
    private static Task<(string? Id, string? ConversationId)> OpenAsync(DbConnection connection, DbTransaction transaction, string reference, string lockRow) =>
        connection.OneOrDefaultAsync<(string? Id, string? ConversationId)>(
            "SELECT id AS Id, conversation_id AS ConversationId FROM cases WHERE reference = @reference AND status IN ('waiting', 'claimed')" + lockRow, new { reference }, transaction);

    /// <summary>Where the conversation's messages go; null when the user deleted everything.</summary>
    private static async Task<Recipient?> RecipientAsync(DbConnection connection, DbTransaction transaction, string? conversationId)
    {
        if (conversationId is null)
        {
            return null;
        }

        var row = await connection.OneOrDefaultAsync<(string? Channel, byte[] Hash, byte[] Cipher, string State)>(
            "SELECT channel AS Channel, address_hash AS Hash, address_cipher AS Cipher, state AS State FROM conversations WHERE id = @conversationId",
            new { conversationId },
            transaction);
        if (row.Channel is null || JsonSerializer.Deserialize(row.State, StorageJson.Default.ConversationState) is not { } state)
        {
            return null;
        }

        // WhatsApp (Cloud API or Twilio) only accepts free-form messages within 24 hours of the user's last message.
        DateTimeOffset? window = row.Channel is "whatsapp" or "twilio" ? state.LastActivityAt + TimeSpan.FromHours(24) : null;
        return new Recipient(row.Channel, row.Hash, row.Cipher, state, window, state.Stopped);
    }

    /// <summary>Runs a transition on the conversation (claimed, timed out, closed) and queues what it says.</summary>
    private async Task TellAsync(DbConnection connection, DbTransaction transaction, string? conversationId, CaseTransition tell, ReplyShape shape, DateTimeOffset now)
    {
        if (await RecipientAsync(connection, transaction, conversationId) is not { } recipient)
        {
            return;
        }

        var result = tell(recipient.State);
        if (result.State is { } state)
        {
            // The session's inactivity clock is the user's, not the bot's: updated_at stays.
            await connection.ExecuteAsync(
                "UPDATE conversations SET state = @state WHERE id = @conversationId",
                new { conversationId, state = JsonSerializer.Serialize(state, StorageJson.Default.ConversationState) },
                transaction);
        }

        if (recipient.Stopped)
        {
            return; // R7: nothing is sent after STOP
        }

        foreach (var reply in result.Replies)
        {
            foreach (var part in shape(recipient.Channel, reply))
            {
                await OutboxRows.InsertAsync(connection, transaction, protector, recipient.Channel, recipient.Hash, recipient.Cipher, conversationId, part, null, recipient.Window, now);
            }
        }
    }

    private sealed record Recipient(string Channel, byte[] Hash, byte[] Cipher, Dialogs.ConversationState State, DateTimeOffset? Window, bool Stopped);

    private sealed class Row
    {
        public string Id { get; init; } = string.Empty;

        public string Reference { get; init; } = string.Empty;

        public string Channel { get; init; } = string.Empty;

        public string Topic { get; init; } = string.Empty;

        public string Language { get; init; } = string.Empty;

        public string Priority { get; init; } = "normal";

        public string Status { get; init; } = "waiting";

        public string? Owner { get; init; }

        public object CreatedAt { get; init; } = string.Empty;

        public object LastInboundAt { get; init; } = string.Empty;

        public object? ClaimedAt { get; init; }

        public object? ClosedAt { get; init; }

        public string? Outcome { get; init; }

        public string? Summary { get; init; }

        public object? TranscriptDeletedAt { get; init; }

        public CaseRow ToCase(SqlTime time) => new(
            Reference,
            Channel,
            Topic,
            Language,
            Priority == "high" ? CasePriority.High : CasePriority.Normal,
            Enum.Parse<CaseStatus>(Status, ignoreCase: true),
            Owner,
            time.Read(CreatedAt),
            time.Read(LastInboundAt),
            time.ReadOrNull(ClaimedAt),
            time.ReadOrNull(ClosedAt),
            Outcome);
    }
}
