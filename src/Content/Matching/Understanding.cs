namespace OimBot.Content.Matching;

/// <summary>What a message means, as the understanding step decided it. The engine acts on it; nothing here acts.</summary>
public abstract record Understanding
{
    /// <summary>How it was decided, for the evaluation report and tests: "keyword", "model", "number", "label", …</summary>
    public string Why { get; init; } = string.Empty;

    /// <summary>
    /// The served language the message was read in when it is not the conversation's: written in another language, it
    /// was understood only there (null: understood in the conversation's language, or not at all).
    /// </summary>
    public string? WrittenIn { get; init; }

    /// <summary>Someone may be in danger (R11). <paramref name="Sure"/>: answer with this category's first lines at once;
    /// otherwise show the emergency channels first and ask, offering <paramref name="Alternatives"/>.</summary>
    public sealed record Danger(ContentNode Node, bool Sure, IReadOnlyList<ContentNode> Alternatives) : Understanding
    {
        /// <summary>How likely danger is: 1 for a vetted danger phrase, the classifier's probability otherwise.</summary>
        public double Confidence { get; init; } = 1;
    }

    /// <summary>A global command. <paramref name="Alone"/>: typed on its own; inside a sentence a destructive command asks first.</summary>
    public sealed record Command(GlobalCommand Value, bool Alone) : Understanding;

    /// <summary>One of the options the user was shown, as its choice key (<c>node/choice</c>).</summary>
    public sealed record Picked(string Key) : Understanding;

    /// <summary>A node elsewhere in the tree.</summary>
    public sealed record Destination(ContentNode Node) : Understanding
    {
        /// <summary>The model's probability for it when the model chose it; 1 when a rule did.</summary>
        public double Probability { get; init; } = 1;
    }

    /// <summary>Probably one of these few (most likely first): ask which, never "not understood" alone.</summary>
    public sealed record Unsure(IReadOnlyList<ContentNode> Candidates) : Understanding;

    /// <summary>Nothing the content knows.</summary>
    public sealed record Unknown : Understanding;
}

/// <summary>
/// The decision thresholds on the classifier's probabilities. The defaults were chosen on the development set
/// (tests/Evaluation/dev, <c>content evaluate --sweep</c>), never on the evaluation set: danger recall first (R11),
/// then the fewest false positives.
/// </summary>
public sealed record UnderstandingThresholds
{
    /// <summary>Danger is answered at once when a danger category is the most likely label with at least this probability…</summary>
    public double DangerSure { get; init; } = 0.60;

    /// <summary>…and the emergency channels are shown, then a question asked, when all danger categories together reach this.</summary>
    public double DangerUnsure { get; init; } = 0.60;

    /// <summary>Below <see cref="DangerUnsure"/>, a danger category that is the most likely label at this probability still shows the channels, then asks.</summary>
    public double DangerLeading { get; init; } = 0.35;

    /// <summary>
    /// A message that nothing else makes understood, whose most likely label is a danger category at this probability,
    /// still shows the channels, then asks (R11: never "I did not understand" to a likely danger).
    /// </summary>
    public double DangerInsteadOfNothing { get; init; } = 0.26;

    /// <summary>A destination is taken at once at this probability…</summary>
    public double Target { get; init; } = 0.50;

    /// <summary>…when it leads the next one by this much (or the next one is in the same flow).</summary>
    public double TargetMargin { get; init; } = 0.15;

    /// <summary>Below <see cref="Target"/>, the bot asks between the labels above this.</summary>
    public double Candidate { get; init; } = 0.10;

    /// <summary>And only when the most likely one reaches this; below it, the message is not understood.</summary>
    public double Clarify { get; init; } = 0.18;

    /// <summary>
    /// A reading of what the service has no information on (common.yaml <c>out_of_scope</c>) at this probability or more
    /// stays that, whatever emergency's unsure keyword is in it: the jokes its examples teach ("je suis malade d'amour
    /// haha", "猫生病了 哪里有宠物医院") are read so at 0.9 and more, someone whose child is ill ("pitit mwen malad") at about 0.5.
    /// </summary>
    public double OutOfScopeOverUnsureKeyword { get; init; } = 0.75;

    /// <summary>While a person is reading the conversation, the classifier interrupts only above this (phrases always do).</summary>
    public double DangerInCase { get; init; } = 0.85;

    /// <summary>How many options a clarifying question offers at most.</summary>
    public int MaxCandidates { get; init; } = 3;
}

/// <summary>
/// What a channel tells about a new user's language, used on first contact only and never stored: the app's language
/// tag (Telegram's <c>language_code</c>) or the first digits of the phone number (its country calling code).
/// </summary>
public sealed record LanguageHint(string? Tag, string? CallingCode);
