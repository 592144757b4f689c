using OimBot.Analytics;
using OimBot.Bot.Dialogs;
using OimBot.Content;
using OimBot.Bot.Outbox;

namespace OimBot.Bot.Storage;

/// <summary>Who a message came from: the channel and its address (chat id, phone number, web chat id).</summary>
public sealed record ChannelAddress(string Channel, string Address)
{
    // Never print the address (it is personal data): records would otherwise include it in ToString().
    public override string ToString() => $"{Channel}:***";
}

public sealed record StoredConversation(string Id, ConversationState State);

/// <summary>What a turn decided; the store commits all of it in one transaction.</summary>
/// <param name="KeepHeld">
/// The turn asks the person to confirm STOP or BORRAR: replies held for WhatsApp's window stay held (their next answer
/// decides whether they go or are cancelled), although this message reopened the window.
/// </param>
public sealed record TurnDecision(
    ConversationState? State,
    IReadOnlyList<RenderedReply> Replies,
    IReadOnlyList<AnalyticsEvent> Events,
    IReadOnlyList<CaseAction> CaseActions,
    string ContentVersion,
    Delivery Delivery,
    IReadOnlyList<ActivityStep>? Activity = null,
    bool KeepHeld = false);

/// <param name="ConversationId">The opaque id of the conversation after the turn (null when it was deleted).</param>
/// <param name="Duplicate">The inbound message id had already been answered; <paramref name="Replies"/> are the earlier ones.</param>
/// <param name="CaseChanged">A case was opened, escalated, left or got a message: the inbox should refresh.</param>
public sealed record TurnOutcome(string? ConversationId, IReadOnlyList<RenderedReply> Replies, bool Duplicate, bool CaseChanged = false);

/// <summary>
/// Conversation storage. SQLite today; PostgreSQL implements the same contract later. Each turn is serialised per
/// conversation and committed atomically together with its dedupe record, handoff requests and analytics events.
/// </summary>
public interface IConversationStore
{
    Task MigrateAsync(CancellationToken cancellationToken);

    /// <summary>Throws when the database cannot be used (for /healthz).</summary>
    Task CheckAsync(CancellationToken cancellationToken);

    Task<TurnOutcome> RunTurnAsync(
        ChannelAddress from,
        string? inboundMessageId,
        DateTimeOffset now,
        Func<StoredConversation?, TurnDecision> decide,
        CancellationToken cancellationToken);

    /// <summary>
    /// Deletes sessions inactive since <paramref name="inactiveBefore"/> (R5), dedupe records older than
    /// <paramref name="dedupeBefore"/> and settled outbox rows older than <paramref name="outboxBefore"/>.
    /// </summary>
    Task<int> PurgeAsync(DateTimeOffset inactiveBefore, DateTimeOffset dedupeBefore, DateTimeOffset outboxBefore, CancellationToken cancellationToken);

    /// <summary>The web chat's messages that were not answers to a request (a caseworker's reply…): handed over once, oldest first.</summary>
    Task<IReadOnlyList<RenderedReply>> TakeWebChatMessagesAsync(string address, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Anonymous events from outside a user's turn (a case taken, closed, timed out).</summary>
    Task RecordEventsAsync(IReadOnlyList<AnalyticsEvent> events, CancellationToken cancellationToken);

    Task<string?> GetCursorAsync(string name, CancellationToken cancellationToken);

    Task SetCursorAsync(string name, string value, DateTimeOffset now, CancellationToken cancellationToken);
}
