using OimBot.Analytics;
using OimBot.Content;

namespace OimBot.Bot.Dialogs;

/// <summary>Something that happened in a turn, with no text and no identity: analytics and handoff read these.</summary>
public sealed record DialogEvent(EventKind Kind, string Language, string? NodeId = null, string? Topic = null);

/// <param name="State">The state to save; null when the user asked to delete everything.</param>
/// <param name="Replies">The messages to send, in order.</param>
/// <param name="Events">What happened, for analytics and the handoff queue.</param>
public sealed record TurnResult(ConversationState? State, IReadOnlyList<RenderedReply> Replies, IReadOnlyList<DialogEvent> Events)
{
    public bool EraseEverything => State is null;
}
