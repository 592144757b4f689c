using System.Collections.Frozen;
using OimBot.Content.Matching;

namespace OimBot.Content;

/// <summary>A text in every language, keyed by language code ("es", "en").</summary>
public sealed class LocalText(IReadOnlyDictionary<string, string> values, SourceLocation location)
{
    public IReadOnlyDictionary<string, string> Values { get; } = values;

    public SourceLocation Location { get; } = location;

    public string this[string language] => Values.TryGetValue(language, out var text) ? text : string.Empty;

    public bool Has(string language) => Values.TryGetValue(language, out var text) && !string.IsNullOrWhiteSpace(text);
}

public enum NodeKind
{
    Menu,
    Message,
    Question,
    Handoff,
    End,
    Emergency,
}

public enum GlobalCommand
{
    Menu,
    Back,
    Language,
    Help,
    Human,
    Delete,
    Stop,
}

public sealed record Choice(
    string Id,
    LocalText Label,
    string Target,
    string? Language,
    IReadOnlyDictionary<string, IReadOnlyList<string>> Keywords,
    SourceLocation Location)
{
    /// <summary>The special target that returns to the previous node.</summary>
    public const string BackTarget = "back";
}

public sealed record ContentNode(
    string Id,
    NodeKind Kind,
    string FlowId,
    LocalText Text,
    IReadOnlyList<Choice> Choices,
    string? Next,
    IReadOnlyDictionary<string, IReadOnlyList<string>> Keywords,
    IReadOnlyList<string> Facts,
    bool Sensitive,
    IReadOnlyList<string> Footers,
    SourceLocation Location)
{
    /// <summary>The id a channel sends back when this choice is tapped: <c>node/choice</c>.</summary>
    public static string ChoiceKey(string nodeId, string choiceId) => $"{nodeId}/{choiceId}";
}

public sealed record Flow(
    string Id,
    string Topic,
    bool Sensitive,
    IReadOnlyList<string> Footers,
    string File,
    SourceLocation Location);

public sealed record LanguageInfo(string Code, string Name, IReadOnlyList<string> DetectWords);

/// <summary>A ready-made answer caseworkers can insert in the inbox (content/canned.yaml), in every language.</summary>
public sealed record CannedReply(string Id, LocalText Title, LocalText Text, SourceLocation Location);

/// <summary>Settings and shared texts from <c>common.yaml</c>.</summary>
public sealed record CommonSettings(
    IReadOnlyList<LanguageInfo> Languages,
    string StartNode,
    string MenuNode,
    string LanguageMenuNode,
    string HandoffNode,
    string OfferHumanNode,
    string HandoffConsentNode,
    string HandoffTimeoutNode,
    string HandoffWaitingNode,
    string CaseClosedNode,
    IReadOnlyDictionary<GlobalCommand, IReadOnlyDictionary<string, IReadOnlyList<string>>> Commands,
    IReadOnlyDictionary<string, IReadOnlyList<string>> Months,
    IReadOnlyDictionary<string, IReadOnlyList<string>> Weekdays,
    IReadOnlyDictionary<string, IReadOnlyList<string>> PreviewWords,
    IReadOnlyDictionary<string, LocalText> Texts,
    IReadOnlyDictionary<string, SourceLocation> Locations)
{
    public string SourceLanguage => Languages[0].Code;

    public string Text(string id, string language) => Texts.TryGetValue(id, out var text) ? text[language] : string.Empty;
}

/// <summary>
/// One loaded, validated version of the content: immutable, shared by every conversation, identified by a hash of
/// the files it came from (analytics records it).
/// </summary>
public sealed class ContentSet
{
    public ContentSet(
        string versionId,
        CommonSettings common,
        IEnumerable<Flow> flows,
        IEnumerable<ContentNode> nodes,
        FactRegistry facts,
        IEnumerable<CannedReply>? canned = null)
    {
        Canned = [.. canned ?? []];
        VersionId = versionId;
        Common = common;
        Flows = flows.ToFrozenDictionary(f => f.Id, StringComparer.Ordinal);
        NodeList = [.. nodes];
        Nodes = NodeList.GroupBy(n => n.Id, StringComparer.Ordinal)
            .ToFrozenDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        Facts = facts;
        Matcher = new KeywordMatcher(this);
    }

    public string VersionId { get; }

    public CommonSettings Common { get; }

    public FrozenDictionary<string, Flow> Flows { get; }

    public IReadOnlyList<ContentNode> NodeList { get; }

    public FrozenDictionary<string, ContentNode> Nodes { get; }

    public FactRegistry Facts { get; }

    public IReadOnlyList<CannedReply> Canned { get; }

    public KeywordMatcher Matcher { get; }

    public IReadOnlyList<string> Languages => [.. Common.Languages.Select(l => l.Code)];

    public ContentNode? Find(string? id) => id is not null && Nodes.TryGetValue(id, out var node) ? node : null;

    public Flow FlowOf(ContentNode node) => Flows[node.FlowId];

    public bool IsSensitive(ContentNode node) => node.Sensitive || FlowOf(node).Sensitive;

    public string TopicOf(ContentNode node) => FlowOf(node).Topic;

    public bool Supports(string? language) => language is not null && Common.Languages.Any(l => l.Code == language);

    /// <summary>Nodes that belong to a conversation with a person: the bot stays in "human" mode on them.</summary>
    public bool IsCaseNode(ContentNode node) =>
        node.Kind is NodeKind.Handoff or NodeKind.Emergency
        || node.Id == Common.HandoffTimeoutNode
        || node.Id == Common.HandoffWaitingNode;
}
