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

/// <summary>One phrase a content officer wrote (an example of what people type), with where it was written.</summary>
public sealed record Phrase(string Text, SourceLocation Location);

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

    /// <summary>What people type that should lead here, per language: the classifier's training examples.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<Phrase>> Examples { get; init; } = new Dictionary<string, IReadOnlyList<Phrase>>();

    /// <summary>A short name (a button label) for when the bot asks "did you mean…?"; required with examples.</summary>
    public LocalText? Title { get; init; }

    /// <summary>The text as it reads on one channel where the truth differs there (the web chat's browser, not an app).</summary>
    public IReadOnlyDictionary<string, LocalText> Variants { get; init; } = new Dictionary<string, LocalText>();

    /// <summary>
    /// A topic people name beside danger ("no food and they lock us in"): it never hides a danger category the classifier
    /// would otherwise have put first (<c>yields_to_danger: true</c>).
    /// </summary>
    public bool YieldsToDanger { get; init; }

    /// <summary>
    /// Short phrases of despair or fear that say this emergency may be happening without saying it surely ("ya no aguanto
    /// más", "je n'en peux plus"): alone or in a short message the classifier does not read as danger, they get the
    /// emergency channels, this emergency's line and the question (danger-check), never "No entendí" or a topic only.
    /// Emergency nodes only; not training data (<c>unsure_keywords</c>).
    /// </summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> UnsureKeywords { get; init; } = new Dictionary<string, IReadOnlyList<string>>();

    /// <summary>
    /// This emergency's <see cref="UnsureKeywords"/> name an act ("me pegó", "he slapped me"), not a mood: they count in
    /// a message of up to 24 words, written exactly, as a child's age does; despair's dilute in a longer message
    /// (<c>unsure_keywords_undiluted: true</c>; emergency nodes only).
    /// </summary>
    public bool UnsureKeywordsUndiluted { get; init; }

    /// <summary>
    /// Warning signs said without naming the danger ("denle mi cupo a otro", "pray for my soul", "dites à ma famille que je
    /// les aimais"): as <see cref="UnsureKeywords"/> (the channels, this emergency's line and the question), and also in a
    /// message read clearly as a topic or thanks, which stays among the options; they do not dilute in a message of up to
    /// 24 words. Emergency nodes only; not training data (<c>warning_signs</c>).
    /// </summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> WarningSigns { get; init; } = new Dictionary<string, IReadOnlyList<string>>();

    /// <summary>
    /// Phrases that say this emergency surely wherever they appear, like <see cref="Keywords"/>, but are not training data
    /// ("tomé cloro", "i overdosed"): each short phrase taught to the classifier pulled everyday short messages ("j'ai
    /// faim", "vai chover hoje?") towards this danger. Emergency nodes only (<c>untrained_keywords</c>).
    /// </summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> UntrainedKeywords { get; init; } = new Dictionary<string, IReadOnlyList<string>>();

    /// <summary>
    /// Phrases that lead to this page only where nothing else was understood, or the bot would ask between topics ("me
    /// siento muy triste", "m kriye tout jounen", "心里很慌"): not training data, so they move no other message, and never
    /// before danger, an option or a command (<c>fallback_keywords</c>). Message and menu nodes only.
    /// </summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> FallbackKeywords { get; init; } = new Dictionary<string, IReadOnlyList<string>>();

    /// <summary>
    /// A yes/no question's danger categories that an answer in words names without being in that danger ("sí, con mis
    /// dos niños" to "do you travel with children?" is no child alone): after an opening yes or no, words the classifier
    /// reads as one of these are the answer; words it reads surely as another danger are that danger (<c>answer_names</c>).
    /// </summary>
    public IReadOnlyList<string> AnswerNames { get; init; } = [];

    /// <summary>
    /// Answers in words to this yes/no question, by choice id then language ("todavía en Necoclí" is no to "are you in
    /// Panama?", "solo la cédula" yes to "do you have a document?"): the question's own small model learns them and
    /// reads an answer that has no yes or no in it (<c>answer_examples</c>; in a translated language, its language
    /// file's <c>answer_examples: { node id: { yes: [...], no: [...], skip: [...] } }</c>). Never emergencies: a danger
    /// in an answer is read as danger first.
    /// </summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, IReadOnlyList<string>>> AnswerExamples { get; init; } =
        new Dictionary<string, IReadOnlyDictionary<string, IReadOnlyList<string>>>();

    /// <summary>
    /// What a yes/no question asks about, in a word per language ("pasaporte" for "do you have a travel document?"): the
    /// words after an opening yes or no are read again with it in front, so that "no, me lo quitaron" is read as the
    /// passport taken, which three words alone do not say surely (<c>answer_subject</c>; in a translated language, its
    /// language file's <c>answer_subject: { node id: [words] }</c>).
    /// </summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> AnswerSubject { get; init; } = new Dictionary<string, IReadOnlyList<string>>();

    /// <summary>
    /// The page that answers a short follow-up asked while reading this one, by intent (<see
    /// cref="CommonSettings.FollowUpIntents"/>): "¿y cómo lo pido?" on what return is goes to how it works, "¿me van a
    /// deportar?" to "it is not deportation" (<c>follow_ups</c>). Intents it does not name go where common.yaml's
    /// <c>follow_ups</c> says; this page itself only when it holds the answer (a number asked for on the page that gives it).
    /// </summary>
    public IReadOnlyDictionary<string, string> FollowUps { get; init; } = new Dictionary<string, string>();

    /// <summary>The phrases that lead here surely: <see cref="Keywords"/> and <see cref="UntrainedKeywords"/>.</summary>
    public IEnumerable<(string Language, string Phrase)> SurePhrases =>
        Keywords.Concat(UntrainedKeywords).SelectMany(p => p.Value.Select(phrase => (p.Key, phrase)));
}

public sealed record Flow(
    string Id,
    string Topic,
    bool Sensitive,
    IReadOnlyList<string> Footers,
    string File,
    SourceLocation Location);

public sealed record LanguageInfo(string Code, string Name, IReadOnlyList<string> DetectWords)
{
    /// <summary>Translated apart from the flows (content/translations/), not written in them.</summary>
    public bool Translated { get; init; }

    /// <summary>Country calling codes whose numbers likely write in this language: a hint on first contact only.</summary>
    public IReadOnlyList<string> CallingCodes { get; init; } = [];
}

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

    /// <summary>Commands said inside a sentence ("quiero hablar con una persona"), per language: classifier examples.</summary>
    public IReadOnlyDictionary<GlobalCommand, IReadOnlyDictionary<string, IReadOnlyList<Phrase>>> CommandExamples { get; init; } =
        new Dictionary<GlobalCommand, IReadOnlyDictionary<string, IReadOnlyList<Phrase>>>();

    /// <summary>The answers a yes/no question of the way may have, by choice id: yes, no, and "prefer not to say".</summary>
    public static readonly IReadOnlyList<string> AnswerIds = ["yes", "no", "skip"];

    /// <summary>
    /// Answers in words to a yes/no question of the way (not the offer of a person, R4), by choice id (<see
    /// cref="AnswerIds"/>) then language: "sip", "negativo", "pas du tout", "prefiero no decir", "为什么问这个". Whole or
    /// opening the message, as the offer of a person's yes and no words are; every language's (<c>answer_words</c>).
    /// </summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, IReadOnlyList<string>>> AnswerWords { get; init; } =
        new Dictionary<string, IReadOnlyDictionary<string, IReadOnlyList<string>>>();

    /// <summary>
    /// What a short follow-up about the page one is reading asks, in the order a tie between two phrases of the same
    /// length is settled: whether one risks arrest or deportation, whether it is confidential, asking that nothing be told
    /// to anyone, which papers it needs, what it costs, how long it takes,
    /// how to contact, where it is, how to apply, whether one's case can use it, asking to have it explained, and "ok,
    /// understood".
    /// </summary>
    public static readonly IReadOnlyList<string> FollowUpIntents = ["safety", "privacy", "secret", "documents", "cost", "time", "contact", "where", "apply", "eligible", "more", "ack"];

    /// <summary>
    /// Phrases that say what a short follow-up asks ("¿y cuánto cuesta?", "ça prend combien de temps", "要带什么证件"), by
    /// intent (<see cref="FollowUpIntents"/>) then language (<c>follow_up_words</c>; a translated language's in its
    /// language file). Matched inside the message, in the language it is read in; the longest phrase decides.
    /// </summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, IReadOnlyList<string>>> FollowUpWords { get; init; } =
        new Dictionary<string, IReadOnlyDictionary<string, IReadOnlyList<string>>>();

    /// <summary>
    /// Where a follow-up goes when the page one is reading has no answer of its own to it (a node's <c>follow_ups</c>),
    /// by intent (<c>follow_ups</c>): "I have no verified information on that; a person can help", or for whether one's
    /// case qualifies, that only the institution can say (never a promise, R15).
    /// </summary>
    public IReadOnlyDictionary<string, string> FollowUps { get; init; } = new Dictionary<string, string>();

    /// <summary>Words that open a question, per language: a short question inside a topic ("¿cuánto cuesta?") is read in that topic.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> QuestionWords { get; init; } = new Dictionary<string, IReadOnlyList<string>>();

    /// <summary>
    /// A child's age written in words, per language: one entry for each age from 8 to 17 in order, variants of one age
    /// separated by "|" ("dieciseis | diez y seis"). An unsure keyword's <c>{age}</c> matches them as it matches digits.
    /// </summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> ChildAges { get; init; } = new Dictionary<string, IReadOnlyList<string>>();

    /// <summary>"¿Buscas información sobre…?": the likely destinations when the bot is unsure.</summary>
    public string ClarifyNode { get; init; } = "clarify";

    /// <summary>The emergency channels, then a question, when danger is likely but not certain (R11).</summary>
    public string DangerCheckNode { get; init; } = "danger-check";

    /// <summary>"Do you want to delete everything?" when BORRAR was said inside a sentence.</summary>
    public string ConfirmDeleteNode { get; init; } = "confirm-delete";

    /// <summary>"Do you want no more messages?" when STOP was said inside a sentence.</summary>
    public string ConfirmStopNode { get; init; } = "confirm-stop";

    /// <summary>
    /// Where a bare "no" goes when no yes/no question is on the screen ("mejor no" at the menu); none: such a message is
    /// read as any other.
    /// </summary>
    public string? DeclinedNode { get; init; }

    /// <summary>
    /// Where a goodbye said as the whole message goes ("chao", "ya me voy", "ok bye thanks", "tchau"): <see
    /// cref="FarewellWords"/> with courtesy around them. None: such a message is read as any other.
    /// </summary>
    public string? FarewellNode { get; init; }

    /// <summary>
    /// Where such a goodbye goes after the person saw an emergency answer or a sensitive topic in the session: the
    /// farewell with the emergency lines (a goodbye after despair is never only "take care"). None: <see cref="FarewellNode"/>.
    /// </summary>
    public string? FarewellAfterDangerNode { get; init; }

    /// <summary>Goodbyes, per language (<c>farewell_words</c>): the whole message, with courtesy and fillers around, goes to <see cref="FarewellNode"/>.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> FarewellWords { get; init; } = new Dictionary<string, IReadOnlyList<string>>();

    /// <summary>
    /// Where a question about someone else at one's phone goes ("¿él puede ver que les escribí?", "how do i clear this chat
    /// so she won't find it"): a message with one of <see cref="Watchers"/> and one of <see cref="Watching"/> that the bot
    /// read as about the service, its privacy, deleting one's data, the menu, what it has no information on, or nothing.
    /// None: such a message is read as any other.
    /// </summary>
    public string? WatchedNode { get; init; }

    /// <summary>
    /// The question asked when someone whose case nobody has taken yet takes the request back in words ("mejor no,
    /// olvídalo", "算了不用了"; <c>confirm_withdraw</c>, a yes/no question): its yes closes the case, its no goes back
    /// into it. None: such words go to the caseworker as any other.
    /// </summary>
    public string? ConfirmWithdrawNode { get; init; }

    /// <summary>Taking back the request for a person, per language (<c>withdraw_words</c>): "olvídalo", "never mind", "算了".</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> WithdrawWords { get; init; } = new Dictionary<string, IReadOnlyList<string>>();

    /// <summary>
    /// Death and killing said in jest or as a manner of speaking, per language (<c>figures_of_speech</c>): "me muero de
    /// ganas de", "esta espera me está matando", "笑死我了". Their words are left out of what the danger reading and the
    /// classifier read, unless a vetted danger phrase is in the message.
    /// </summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> FiguresOfSpeech { get; init; } = new Dictionary<string, IReadOnlyList<string>>();

    /// <summary>
    /// Someone arriving, as the whole message, per language (<c>arriving_words</c>): "ya viene", "he is coming", "他来了".
    /// After an emergency answer or a sensitive page it is the main menu, as MENU would show it (R9's cover).
    /// </summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> ArrivingWords { get; init; } = new Dictionary<string, IReadOnlyList<string>>();

    /// <summary>
    /// Being safe now, said after danger, per language (<c>safe_words</c>): "ya estoy a salvo", "i am safe now", "我现在安全了".
    /// At the offer that follows an emergency page it is acknowledged, never read as a new danger.
    /// </summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> SafeWords { get; init; } = new Dictionary<string, IReadOnlyList<string>>();

    /// <summary>Someone who may see one's phone, per language (<c>watchers</c>): "mi esposo", "she", "他".</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Watchers { get; init; } = new Dictionary<string, IReadOnlyList<string>>();

    /// <summary>Seeing, finding out, the phone or this chat, per language (<c>watching</c>): "revisa", "find out", "手机".</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Watching { get; init; } = new Dictionary<string, IReadOnlyList<string>>();

    /// <summary>
    /// The numbers of a numbered list in words, per language, from one up, variants separated by "|" (<c>number_words</c>):
    /// "tres", "two", "deux", "二" pick the option as "3", "2" do.
    /// </summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> NumberWords { get; init; } = new Dictionary<string, IReadOnlyList<string>>();

    /// <summary>
    /// The node for what the service has no information on ("No tengo información verificada sobre eso"); a message read
    /// as it may still be a likely danger by an emergency's unsure keyword ("pitit mwen malad"), as one read as nothing
    /// is. None: it is a destination as any other.
    /// </summary>
    public string? OutOfScopeNode { get; init; }

    public string Text(string id, string language) => Texts.TryGetValue(id, out var text) ? text[language] : string.Empty;
}

/// <summary>
/// One loaded, validated version of the content: immutable, shared by every conversation, identified by a hash of
/// the files it came from (analytics records it).
/// </summary>
public sealed class ContentSet
{
    /// <summary>The channels a text can have a variant for (<c>discreet-exit@webchat</c>, a node's <c>variants:</c>).</summary>
    public static readonly IReadOnlyList<string> Channels = ["whatsapp", "telegram", "twilio", "webchat"];

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, ContentSet> _byChannel = new(StringComparer.Ordinal);

    public ContentSet(
        string versionId,
        CommonSettings common,
        IEnumerable<Flow> flows,
        IEnumerable<ContentNode> nodes,
        FactRegistry facts,
        IEnumerable<CannedReply>? canned = null)
        : this(versionId, common, flows, nodes, facts, canned, null)
    {
    }

    /// <param name="understander">The understanding of the content this one is a channel's reading of (shared, trained once).</param>
    private ContentSet(
        string versionId,
        CommonSettings common,
        IEnumerable<Flow> flows,
        IEnumerable<ContentNode> nodes,
        FactRegistry facts,
        IEnumerable<CannedReply>? canned,
        Lazy<Understander>? understander)
    {
        Canned = [.. canned ?? []];
        VersionId = versionId;
        Common = common;
        Flows = flows.ToFrozenDictionary(f => f.Id, StringComparer.Ordinal);
        NodeList = [.. nodes];
        Nodes = NodeList.GroupBy(n => n.Id, StringComparer.Ordinal)
            .ToFrozenDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        Facts = facts;
        _understander = understander ?? new Lazy<Understander>(() => new Understander(this), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    public string VersionId { get; }

    /// <summary>
    /// The content as it reads on a channel: each node's and common text's variant for that channel in place of its
    /// text (the same nodes, the same understanding). The content itself when the channel has no variant.
    /// </summary>
    public ContentSet ForChannel(string? channel)
    {
        if (channel is null)
        {
            return this;
        }

        // Asked on every turn: the answer, this set itself when the channel has no variant, is kept per channel.
        return _byChannel.GetOrAdd(channel, c =>
        {
            var suffix = "@" + c;
            if (!NodeList.Any(n => n.Variants.ContainsKey(c)) && !Common.Texts.Keys.Any(k => k.EndsWith(suffix, StringComparison.Ordinal)))
            {
                return this;
            }

            var texts = Common.Texts.ToDictionary(
                t => t.Key,
                t => Common.Texts.TryGetValue(t.Key + suffix, out var variant) ? variant : t.Value,
                StringComparer.Ordinal);
            var nodes = NodeList.Select(n => n.Variants.TryGetValue(c, out var variant) ? n with { Text = variant } : n);
            return new ContentSet(VersionId, Common with { Texts = texts }, Flows.Values, nodes, Facts, Canned, _understander) { Translations = Translations, Templates = Templates, ModelStore = ModelStore };
        });
    }

    public CommonSettings Common { get; }

    public FrozenDictionary<string, Flow> Flows { get; }

    public IReadOnlyList<ContentNode> NodeList { get; }

    public FrozenDictionary<string, ContentNode> Nodes { get; }

    public FactRegistry Facts { get; }

    public IReadOnlyList<CannedReply> Canned { get; }

    /// <summary>Languages translated apart from the flows (content/translations/), with their review status.</summary>
    public IReadOnlyList<TranslationFile> Translations { get; init; } = [];

    /// <summary>The WhatsApp templates that reopen a conversation after its 24-hour window (content/templates.yaml).</summary>
    public IReadOnlyList<MessageTemplate> Templates { get; init; } = [];

    /// <summary>Where trained models are kept between processes; null trains in every process (cached in memory only).</summary>
    public ModelStore? ModelStore { get; init; }

    /// <summary>What messages mean in this version: phrase rules and the classifier trained on its examples.</summary>
    public Understander Understander => _understander.Value;

    private readonly Lazy<Understander> _understander;

    public IReadOnlyList<string> Languages => [.. Common.Languages.Select(l => l.Code)];

    public ContentNode? Find(string? id) => id is not null && Nodes.TryGetValue(id, out var node) ? node : null;

    public Flow FlowOf(ContentNode node) => Flows[node.FlowId];

    public bool IsSensitive(ContentNode node) => node.Sensitive || FlowOf(node).Sensitive;

    public string TopicOf(ContentNode node) => FlowOf(node).Topic;

    public bool Supports(string? language) => language is not null && Common.Languages.Any(l => l.Code == language);

    /// <summary>Nodes that belong to a conversation with a person: the bot stays in "human" mode on them.</summary>
    /// <summary>Places the understanding step may send a user to: nodes with examples or keywords, danger answers, the menu, a person, the languages.</summary>
    public bool IsDestination(ContentNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        return node.Examples.Count > 0 || node.Keywords.Count > 0 || node.Kind == NodeKind.Emergency
            || node.Id == Common.MenuNode || node.Id == Common.HandoffNode || node.Id == Common.LanguageMenuNode;
    }

    /// <summary>A node's short name as a button: its title, or the label a menu gives it, or its first line.</summary>
    public string TitleOf(ContentNode node, string language)
    {
        ArgumentNullException.ThrowIfNull(node);
        if (node.Title is { } title && title.Has(language))
        {
            return title[language];
        }

        var label = NodeList.SelectMany(n => n.Choices).FirstOrDefault(c => c.Target == node.Id && c.Label.Has(language))?.Label[language];
        if (label is not null)
        {
            return label;
        }

        var line = node.Text[language].Split('\n')[0].Trim();
        return line.Length <= 24 ? line : line[..23].TrimEnd() + "…";
    }

    /// <summary>Nodes whose options are worked out per message (the likely destinations), not written in the content.</summary>
    public bool OffersDestinations(ContentNode node) =>
        node is not null && (node.Id == Common.ClarifyNode || node.Id == Common.DangerCheckNode);

    /// <summary>An answer common.yaml's <c>follow_ups</c> gives to a follow-up the page had none for ("no verified information on that here").</summary>
    public bool IsFollowUpAnswer(ContentNode node) => Common.FollowUps.Values.Contains(node.Id, StringComparer.Ordinal);

    /// <summary>
    /// The options listed at the offer of a person that follows an emergency page, by choice key with their targets: the
    /// offer's yes and no, then the page's own options the offer lacks (one numbered list on the screen). The evaluation
    /// and <c>content explain</c> read a follow-up against it as the conversation does.
    /// </summary>
    public IReadOnlyList<(string Key, string Target)> ChoicesAtTheOffer(ContentNode emergency)
    {
        ArgumentNullException.ThrowIfNull(emergency);
        var offer = Nodes[Common.HandoffConsentNode];
        return [.. offer.Choices.Select(c => (ContentNode.ChoiceKey(offer.Id, c.Id), c.Target)),
            .. emergency.Choices.Where(c => !offer.Choices.Any(o => o.Target == c.Target)).Select(c => (ContentNode.ChoiceKey(emergency.Id, c.Id), c.Target))];
    }

    public bool IsCaseNode(ContentNode node) =>
        node.Kind is NodeKind.Handoff or NodeKind.Emergency
        || node.Id == Common.HandoffTimeoutNode
        || node.Id == Common.HandoffWaitingNode;
}
