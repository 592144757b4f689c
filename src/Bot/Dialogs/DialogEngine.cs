using System.Text.RegularExpressions;
using OimBot.Analytics;
using OimBot.Content;
using OimBot.Content.Matching;

namespace OimBot.Bot.Dialogs;

/// <summary>
/// The conversation logic as a pure function: (content, state, message, now) → (new state, replies, events).
/// No I/O, no clock, no channel: every channel and the terminal chat run the same turns, and tests read as scripts.
/// </summary>
public static partial class DialogEngine
{
    /// <param name="state">The saved state, or null for a user the bot does not know (first contact or after BORRAR).</param>
    public static TurnResult Step(ContentSet content, ConversationState? state, UserMessage message, DateTimeOffset now, DialogOptions options)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(options);
        var turn = new Turn(content, now);
        var text = message.Kind == UserMessageKind.Text ? message.Text ?? string.Empty : string.Empty;

        // R2: identifying data a user volunteers is never matched, echoed or kept.
        var withheld = PersonalData().IsMatch(text);
        var words = TextNormalizer.Words(TextNormalizer.Normalize(PersonalData().Replace(text, " ")));

        var isNew = state is null;
        if (state is not null && now - state.LastActivityAt > options.SessionExpiry)
        {
            // R5: an expired session starts again from the notice, in the language the user last chose.
            turn.Event(EventKind.SessionExpired, state.Language);
            turn.Note("session-expired", state.Language);
            state = Fresh(content, state.Language, now, turn);
            isNew = true;
        }

        state ??= Fresh(content, content.Matcher.DetectLanguage(words), now, turn);
        state = state with { LastActivityAt = now };

        if (state.Stopped)
        {
            state = state with { Stopped = false };
            turn.Event(EventKind.Resumed, state.Language);
            turn.Note("resumed", state.Language);
        }

        if (withheld)
        {
            turn.Event(EventKind.PersonalDataWithheld, state.Language, state.NodeId);
            turn.Note("personal-data", state.Language);
        }

        // R11: danger phrases come first, before consent, commands or any question.
        if (message.Kind == UserMessageKind.Text && content.Matcher.Emergency(words) is { } emergency)
        {
            turn.DropNotes();
            return turn.Finish(turn.GoTo(state, emergency.Id));
        }

        if (message.Kind == UserMessageKind.Unsupported)
        {
            turn.Event(EventKind.UnsupportedMessage, state.Language, state.NodeId);
            turn.Note("unsupported-media", state.Language);
            return turn.Finish(turn.Show(state, state.NodeId));
        }

        if (message.Kind == UserMessageKind.Text && content.Matcher.Command(words) is { } command)
        {
            return Command(turn, state, command);
        }

        if (isNew)
        {
            return turn.Finish(turn.Show(state, content.Common.StartNode));
        }

        var current = content.Find(state.NodeId);
        if (current is not null && FindChoice(content, current, message, words) is var (node, choice) && choice is not null)
        {
            return turn.Finish(Choose(turn, state, node, choice));
        }

        if (message.Kind == UserMessageKind.Text && content.Matcher.Keyword(words) is { } target)
        {
            return turn.Finish(turn.GoTo(state, target.Id));
        }

        if (current is null || current.Kind == NodeKind.End)
        {
            // The topic was closed (or the node no longer exists in this content version): back to the menu.
            return turn.Finish(turn.GoTo(state, content.Common.MenuNode));
        }

        if (withheld && message.Kind == UserMessageKind.Text && words.Length == 0)
        {
            return turn.Finish(turn.Show(state, current.Id)); // only identifying data: the warning is the answer
        }

        return turn.Finish(NotUnderstood(turn, state, current));
    }

    private static ConversationState Fresh(ContentSet content, string language, DateTimeOffset now, Turn turn)
    {
        var state = ConversationState.Start(content.Supports(language) ? language : content.Common.SourceLanguage, content.Common.StartNode, now);
        turn.Event(EventKind.ConversationStarted, state.Language);
        return state;
    }

    private static TurnResult Command(Turn turn, ConversationState state, GlobalCommand command)
    {
        var content = turn.Content;
        switch (command)
        {
            case GlobalCommand.Delete:
                // R8: everything about the user is erased; the reply explains how to clear the phone too.
                turn.Event(EventKind.DeleteRequested, state.Language);
                turn.Reply(RenderedReply.Plain(ContentRenderer.Common(content, "deleted", state.Language)));
                return turn.Erase();
            case GlobalCommand.Stop:
                // R7: one confirmation, then silence until the user writes again.
                turn.DropNotes();
                turn.Event(EventKind.Stopped, state.Language, state.NodeId);
                turn.Reply(RenderedReply.Plain(ContentRenderer.Common(content, "stopped", state.Language)));
                return turn.Finish(state with { Stopped = true, Misses = 0 });
            case GlobalCommand.Menu:
                return turn.Finish(turn.GoTo(state, content.Common.MenuNode));
            case GlobalCommand.Back:
                return turn.Finish(Back(turn, state));
            case GlobalCommand.Language:
                return turn.Finish(turn.GoTo(state, content.Common.LanguageMenuNode));
            case GlobalCommand.Human:
                return turn.Finish(turn.GoTo(state, content.Common.HandoffNode));
            case GlobalCommand.Help:
            default:
                turn.Note("help", state.Language);
                return turn.Finish(turn.Show(state, state.NodeId));
        }
    }

    private static (ContentNode Node, Choice? Choice) FindChoice(ContentSet content, ContentNode current, UserMessage message, string[] words)
    {
        if (message.Kind == UserMessageKind.Choice)
        {
            // A tapped button names its node, so an older message's button still does what it said.
            var key = message.ChoiceKey ?? string.Empty;
            var slash = key.LastIndexOf('/');
            var node = slash > 0 ? content.Find(key[..slash]) : null;
            var choice = node?.Choices.FirstOrDefault(c => c.Id == key[(slash + 1)..]);
            return (node ?? current, choice);
        }

        return (current, KeywordMatcher.Choice(current, string.Join(' ', words), words));
    }

    private static ConversationState Choose(Turn turn, ConversationState state, ContentNode node, Choice choice)
    {
        var content = turn.Content;
        if (node.Kind == NodeKind.Question)
        {
            state = state with { Answers = state.Answers.SetItem(node.Id, choice.Id) };
            if (content.Find(choice.Target) is not { Kind: NodeKind.Question })
            {
                turn.Event(EventKind.PrescreeningCompleted, state.Language, node.Id, content.TopicOf(node));
            }
        }

        if (choice.Language is { } language && content.Supports(language))
        {
            var changed = language != state.Language;
            state = state with { Language = language };
            turn.Event(EventKind.LanguageChosen, language, node.Id);
            if (node.Id == content.Common.StartNode && !state.Consented)
            {
                state = state with { Consented = true };
                turn.Event(EventKind.ConsentGiven, language);
            }
            else if (changed)
            {
                turn.Note("language-changed", language);
            }
        }

        // The choice belongs to the node the user saw, even if they tapped an older message's button.
        state = state with { NodeId = node.Id };
        return choice.Target == Choice.BackTarget ? Back(turn, state) : turn.GoTo(state, choice.Target);
    }

    private static ConversationState Back(Turn turn, ConversationState state)
    {
        var history = state.History;
        while (!history.IsEmpty)
        {
            var previous = history[^1];
            history = history.RemoveAt(history.Count - 1);
            if (previous != state.NodeId && previous != turn.Content.Common.StartNode && turn.Content.Find(previous) is { Kind: not NodeKind.Handoff and not NodeKind.End })
            {
                return turn.GoTo(state with { History = history }, previous, remember: false);
            }
        }

        return turn.GoTo(state with { History = history }, turn.Content.Common.MenuNode, remember: false);
    }

    private static ConversationState NotUnderstood(Turn turn, ConversationState state, ContentNode current)
    {
        turn.Event(EventKind.NotUnderstood, state.Language, current.Id, turn.Content.TopicOf(current));
        if (state.Misses + 1 >= 2 && state.Consented)
        {
            return turn.GoTo(state, turn.Content.Common.OfferHumanNode);
        }

        turn.Note("not-understood", state.Language);
        return turn.Show(state, current.Id) with { Misses = state.Misses + 1 };
    }

    /// <summary>Six or more digits (with spaces, dots or dashes between), e-mail addresses, and coordinates.</summary>
    [GeneratedRegex(@"(\+?\d[\s.\-]?){6,}|[\w.+-]+@[\w-]+\.[\w.-]+|-?\d{1,3}\.\d{4,}", RegexOptions.CultureInvariant)]
    private static partial Regex PersonalData();

    /// <summary>Collects one turn's replies and events.</summary>
    private sealed class Turn(ContentSet content, DateTimeOffset now)
    {
        private readonly List<RenderedReply> _replies = [];
        private readonly List<DialogEvent> _events = [];
        private readonly List<(string Id, string Language)> _notes = [];

        public ContentSet Content { get; } = content;

        public DateTimeOffset Now { get; } = now;

        public void Event(EventKind kind, string language, string? nodeId = null, string? topic = null) =>
            _events.Add(new DialogEvent(kind, language, nodeId, topic));

        /// <summary>A short common text that goes on top of the next message (one message per turn where possible).</summary>
        public void Note(string id, string language) => _notes.Add((id, language));

        public void DropNotes() => _notes.Clear();

        public void Reply(RenderedReply reply) => _replies.Add(reply);

        public TurnResult Finish(ConversationState state) => new(state, _replies, _events);

        public TurnResult Erase() => new(null, _replies, _events);

        /// <summary>Shows a node again without moving (help, not understood, unsupported message).</summary>
        public ConversationState Show(ConversationState state, string nodeId)
        {
            var node = Content.Find(nodeId) ?? Content.Find(Content.Common.MenuNode)!;
            if (!state.Consented && !AllowedBeforeConsent(node))
            {
                node = Content.Find(Content.Common.StartNode)!;
            }

            _replies.Add(ContentRenderer.Render(Content, node, state.Language, TakeNotes(state.Language)));
            return state with { NodeId = node.Id };
        }

        /// <summary>Moves to a node (following its 'next' chain), remembering the way back.</summary>
        public ConversationState GoTo(ConversationState state, string targetId, bool remember = true)
        {
            var target = Content.Find(targetId) ?? Content.Find(Content.Common.MenuNode)!;
            for (var hops = 0; hops < 8; hops++)
            {
                if (!state.Consented && !AllowedBeforeConsent(target))
                {
                    target = Content.Find(Content.Common.StartNode)!; // R6: no topic content before the notice is confirmed
                }

                if (remember && state.NodeId != target.Id && state.NodeId != Content.Common.StartNode && Content.Find(state.NodeId) is not null)
                {
                    var history = state.History.Add(state.NodeId);
                    state = state with { History = history.Count > ConversationState.MaxHistory ? history.RemoveAt(0) : history };
                }

                state = Arrive(state, target);
                _replies.Add(ContentRenderer.Render(Content, target, state.Language, TakeNotes(state.Language)));
                if (target.Next is null || Content.Find(target.Next) is not { } next)
                {
                    break;
                }

                target = next;
                remember = true;
            }

            return state;
        }

        private ConversationState Arrive(ConversationState state, ContentNode node)
        {
            var topic = Content.TopicOf(node);
            Event(EventKind.NodeReached, state.Language, node.Id, topic);
            if (topic != "general" && topic != state.Topic)
            {
                Event(EventKind.TopicEntered, state.Language, node.Id, topic);
                state = state with { Topic = topic };
            }

            switch (node.Kind)
            {
                case NodeKind.Handoff:
                    Event(EventKind.HandoffRequested, state.Language, node.Id, state.Topic ?? topic);
                    break;
                case NodeKind.Emergency:
                    Event(EventKind.EmergencyShown, state.Language, node.Id, topic);
                    break;
                default:
                    break;
            }

            return state with { NodeId = node.Id, Misses = 0 };
        }

        private bool AllowedBeforeConsent(ContentNode node) =>
            node.Kind == NodeKind.Emergency || node.Id == Content.Common.StartNode || node.Id == Content.Common.LanguageMenuNode;

        private string? TakeNotes(string language)
        {
            if (_notes.Count == 0)
            {
                return null;
            }

            // Notes are written in the language the user now reads (a language change applies at once).
            var text = string.Join("\n\n", _notes.Select(n => ContentRenderer.Common(Content, n.Id, language)));
            _notes.Clear();
            return text;
        }
    }
}
