using OimBot.Analytics;
using OimBot.Content;

namespace OimBot.Bot.Dialogs;

/// <summary>Something that happened in a turn, with no text and no identity: analytics and handoff read these.</summary>
public sealed record DialogEvent(EventKind Kind, string Language, string? NodeId = null, string? Topic = null, int? Score = null);

/// <summary>What a turn does to the user's case with a person. The only place user text travels (to the transcript).</summary>
public abstract record CaseAction
{
    /// <param name="Path">The nodes the user went through, oldest first (for the caseworker's summary).</param>
    /// <param name="Answers">Pre-screening answers: question node id → choice id.</param>
    public sealed record Open(string Topic, bool HighPriority, string Language, IReadOnlyList<string> Path, IReadOnlyDictionary<string, string> Answers) : CaseAction;

    /// <summary>A message for the caseworker, with identifying data already replaced (R2).</summary>
    public sealed record Forward(string Text) : CaseAction;

    /// <summary>The user stopped (STOP, <see cref="Stopped"/>) or took the request back (<see cref="Withdrawn"/>): the case closes.</summary>
    public sealed record Leave(string Reason) : CaseAction;

    /// <summary>A <see cref="Leave"/> reason: STOP.</summary>
    public const string Stopped = "stopped";

    /// <summary>A <see cref="Leave"/> reason: the request for a person taken back, while nobody had taken the case.</summary>
    public const string Withdrawn = "withdrawn";

    /// <summary>The user typed MENU during the case (perhaps someone is looking at their phone): the case stays open.</summary>
    public sealed record Hide : CaseAction;

    /// <summary>
    /// Danger during the case: it becomes high priority. <paramref name="Likely"/>: read as likely, not sure (the
    /// acknowledgement with the emergency channels was sent, not the emergency page).
    /// </summary>
    public sealed record Escalate(bool Likely = false) : CaseAction;
}

/// <param name="State">The state to save; null when the user asked to delete everything.</param>
/// <param name="Replies">The messages to send, in order.</param>
/// <param name="Events">What happened, for analytics and the handoff queue.</param>
public sealed record TurnResult(ConversationState? State, IReadOnlyList<RenderedReply> Replies, IReadOnlyList<DialogEvent> Events, IReadOnlyList<CaseAction> CaseActions)
{
    public TurnResult(ConversationState? state, IReadOnlyList<RenderedReply> replies, IReadOnlyList<DialogEvent> events)
        : this(state, replies, events, [])
    {
    }

    public bool EraseEverything => State is null;
}
