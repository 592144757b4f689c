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
/// <param name="LeftForClaim">
/// The turn left outbox rows for the dispatcher's claim (a reply it could not hand over, a held reply released), so the
/// dispatcher should claim now; false when every reply was handed over, or none went through the outbox.
/// </param>
/// <param name="Queued">
/// Nothing was done: the person has messages waiting in PostgreSQL's shared inbound queue after an outage (asked for
/// with <see cref="TurnOptions.YieldToQueue"/>), so this one must go behind them (<see cref="Channels.OutageBacklog"/>).
/// </param>
public sealed record TurnOutcome(string? ConversationId, IReadOnlyList<RenderedReply> Replies, bool Duplicate, bool CaseChanged = false, bool LeftForClaim = true, bool Queued = false);

/// <summary>
/// Turns: each person's conversation state, serialised per conversation and committed atomically together with its
/// dedupe record, outbox rows, case actions and analytics events (SQLite or PostgreSQL). The other features own their
/// stores: the outbox (<see cref="IOutboxStore"/>), retention (<see cref="IRetentionStore"/>), the web chat mailbox,
/// channel cursors (<see cref="IChannelCursors"/>), cases, users and analytics.
/// </summary>
public interface IConversationStore
{
    /// <summary>One turn: <paramref name="decide"/> runs once, inside the turn's transaction, on the locked conversation.</summary>
    Task<TurnOutcome> RunTurnAsync(
        ChannelAddress from,
        string? inboundMessageId,
        DateTimeOffset now,
        Func<StoredConversation?, TurnDecision> decide,
        CancellationToken cancellationToken) =>
        RunTurnAsync(from, inboundMessageId, now, decide, TurnOptions.None, cancellationToken);

    Task<TurnOutcome> RunTurnAsync(
        ChannelAddress from,
        string? inboundMessageId,
        DateTimeOffset now,
        Func<StoredConversation?, TurnDecision> decide,
        TurnOptions options,
        CancellationToken cancellationToken);
}

/// <summary>How a turn may run (<see cref="IConversationStore.RunTurnAsync(ChannelAddress, string?, DateTimeOffset, Func{StoredConversation?, TurnDecision}, TurnOptions, CancellationToken)"/>).</summary>
[Flags]
public enum TurnOptions
{
    None = 0,

    /// <summary>
    /// The decision depends on nothing but its argument and has no effects, so the store may run it more than once:
    /// ahead of the transaction, on the state the conversation's last turn left (kept in memory), and again inside only
    /// when the locked row turns out to hold another state (issue 15: the decision then costs the single writer
    /// nothing). Only the decision made on the state the transaction locked is committed; an exception thrown ahead is
    /// ignored, the decision then runs inside as usual.
    /// </summary>
    PureDecision = 1,

    /// <summary>
    /// PostgreSQL: the turn runs only if the person has no messages waiting in the shared inbound queue
    /// (<see cref="Channels.OutageBacklog"/>), read after the conversation's lock in the same round trip as the lock
    /// (issue 15: it was a round trip of its own before every turn); otherwise nothing is written and the outcome says
    /// <see cref="TurnOutcome.Queued"/>. The queue's own turns do not ask. SQLite has no shared queue.
    /// </summary>
    YieldToQueue = 2,
}
