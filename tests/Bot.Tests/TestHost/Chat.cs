using OimBot.Analytics;
using OimBot.Bot.Dialogs;
using OimBot.Content;

namespace OimBot.Bot.Tests.TestHost;

/// <summary>A conversation with the pure engine, read as a script: Send, Tap, then look at the replies and state.</summary>
public sealed class Chat(ContentSet content, FakeClock? clock = null)
{
    public static readonly DialogOptions Options = new();

    public FakeClock Clock { get; } = clock ?? new FakeClock();

    public ConversationState? State { get; private set; }

    public TurnResult? Last { get; private set; }

    public List<TurnResult> History { get; } = [];

    public IReadOnlyList<RenderedReply> Replies => Last?.Replies ?? [];

    public string Text => string.Join("\n---\n", Replies.Select(r => r.Text));

    public string? Node => State?.NodeId;

    public IEnumerable<EventKind> Events => Last?.Events.Select(e => e.Kind) ?? [];

    /// <summary>Starts in a language (its welcome choice) and confirms the notice, landing on the main menu.</summary>
    public static Chat Started(ContentSet content, string language = "es", FakeClock? clock = null)
    {
        var chat = new Chat(content, clock);
        chat.Send(language == "en" ? "hello" : "hola");
        chat.TapKey(ContentNode.ChoiceKey(content.Common.StartNode, language));
        Assert.Equal(content.Common.MenuNode, chat.Node);
        return chat;
    }

    /// <summary>A consented conversation placed at a node, as if the user had navigated there.</summary>
    public static Chat At(ContentSet content, string nodeId, string language = "es")
    {
        var chat = Started(content, language);
        var node = content.Nodes[nodeId];
        chat.State = chat.State! with
        {
            NodeId = nodeId,
            History = [content.Common.MenuNode],
            Shown = [.. node.Choices.Select(c => ContentNode.ChoiceKey(node.Id, c.Id))],
        };
        return chat;
    }

    public Chat Send(string text) => Step(UserMessage.FromText(text));

    public Chat SendUnsupported() => Step(UserMessage.Unsupported());

    public Chat TapKey(string choiceKey) => Step(UserMessage.FromChoice(choiceKey));

    /// <summary>Taps the button with this label in the last reply that had buttons.</summary>
    public Chat Tap(string label)
    {
        var choice = Replies.SelectMany(r => r.Choices).FirstOrDefault(c => c.Label == label)
            ?? throw new InvalidOperationException($"No button '{label}' in: {string.Join(", ", Replies.SelectMany(r => r.Choices).Select(c => c.Label))}");
        return TapKey(choice.Key);
    }

    /// <summary>Something that happens to the conversation outside the user's turns (a caseworker claims the case).</summary>
    public Chat Then(Func<ConversationState, TurnResult> transition)
    {
        ArgumentNullException.ThrowIfNull(transition);
        Last = transition(State ?? throw new InvalidOperationException("No conversation yet."));
        State = Last.State;
        History.Add(Last);
        return this;
    }

    private Chat Step(UserMessage message)
    {
        Last = DialogEngine.Step(content, State, message, Clock.GetUtcNow(), Options);
        State = Last.State;
        History.Add(Last);
        return this;
    }
}
