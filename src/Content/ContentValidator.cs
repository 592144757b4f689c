using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using OimBot.Content.Matching;

namespace OimBot.Content;

/// <summary>
/// Everything that makes content safe to serve: structure (targets, reachability, dead ends, duplicates,
/// translations, facts), channel limits, and the safety rules that can be checked on text (R10, R12, R14, R15).
/// </summary>
public static partial class ContentValidator
{
    public const int MaxTextLength = 4096;          // Telegram sendMessage and WhatsApp text body
    public const int WhatsAppInteractiveBody = 1024; // WhatsApp interactive message body
    public const int MaxChoices = 10;               // WhatsApp list rows
    public const int MaxButtonLabel = 20;           // WhatsApp reply button title
    public const int MaxListLabel = 24;             // WhatsApp list row title
    public const int MaxCallbackBytes = 64;         // Telegram callback_data
    public const int PreviewLength = 60;            // what a lock screen shows (R10)

    /// <summary>A common text "unsure-&lt;node&gt;": the danger question's line when it guesses that emergency node.</summary>
    public const string UnsureTextPrefix = "unsure-";

    /// <summary>R10 words the validator always checks, whatever common.yaml adds.</summary>
    public static readonly IReadOnlyDictionary<string, string[]> BuiltInPreviewWords = new Dictionary<string, string[]>
    {
        ["es"] = ["trata", "trafico", "violencia", "violacion", "denuncia", "policia", "explotacion"],
        ["en"] = ["trafficking", "smuggling", "violence", "rape", "report", "police", "exploitation"],
    };

    /// <summary>R12: determinations and promises the bot must never make.</summary>
    /// <summary>
    /// Where each example of a content version lands (the version is a hash of every file): understanding every example
    /// takes seconds, and the same files are loaded again by the inbox's content page, and by every host a test starts.
    /// </summary>
    private static readonly ConcurrentDictionary<string, string?[]> Landings = new(StringComparer.Ordinal);

    private static readonly Regex[] Promises =
    [
        PromiseEs(),
        PromiseEn(),
    ];

    /// <summary>R15: wording that presents a programme as open.</summary>
    private static readonly Regex[] OpenWording =
    [
        OpenEs(),
        OpenEn(),
    ];

    public static void Validate(ContentSet content, DateOnly today, List<ContentError> errors)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(errors);
        var languages = content.Languages;
        CheckCommon(content, errors);
        CheckFacts(content, languages, today, errors);
        CheckNodes(content, languages, errors);
        CheckGraph(content, errors);
        CheckKeywords(content, errors);
        CheckFollowUps(content, errors);
        CheckExamples(content, languages, errors);
        CheckCanned(content, languages, errors);
        CheckVariants(content, languages, errors);
    }

    /// <summary>
    /// Examples: each leads to a place a user may be sent, in a language the content speaks, with a title for the
    /// "did you mean…?" buttons; no phrasing is claimed by two targets; and, once the classifier is trained, a warning
    /// for every example it would send elsewhere (a content officer rewords it or adds examples).
    /// </summary>
    private static void CheckExamples(ContentSet content, IReadOnlyList<string> languages, List<ContentError> errors)
    {
        var common = content.Common;
        var notDestinations = new HashSet<string>(StringComparer.Ordinal)
        {
            common.StartNode, common.HandoffConsentNode, common.HandoffTimeoutNode, common.HandoffWaitingNode, common.CaseClosedNode,
            common.OfferHumanNode, common.ClarifyNode, common.DangerCheckNode, common.ConfirmDeleteNode, common.ConfirmStopNode,
        };
        if (common.ConfirmWithdrawNode is { } withdraw)
        {
            notDestinations.Add(withdraw);
        }

        var owners = new Dictionary<string, (string Owner, SourceLocation Where)>(StringComparer.Ordinal);
        void Claim(string phrase, string language, string owner, SourceLocation where)
        {
            var key = $"{language}:{TextNormalizer.Normalize(phrase)}";
            if (owners.TryGetValue(key, out var existing) && existing.Owner != owner)
            {
                errors.Add(ContentError.At(where, $"example '{phrase}' ({language}) is claimed by {owner} and by {existing.Owner} at {existing.Where}: one phrasing leads to one place"));
                return;
            }

            owners.TryAdd(key, (owner, where));
        }

        foreach (var (command, perLanguage) in common.Commands)
        {
            var owner = $"the '{command.ToString().ToLowerInvariant()}' command";
            foreach (var (language, phrases) in perLanguage)
            {
                foreach (var phrase in phrases)
                {
                    Claim(phrase, language, owner, Where(common, $"command:{command}"));
                }
            }
        }

        foreach (var (command, perLanguage) in common.CommandExamples)
        {
            var owner = $"the '{command.ToString().ToLowerInvariant()}' command";
            foreach (var (language, phrases) in perLanguage)
            {
                if (!content.Supports(language))
                {
                    errors.Add(ContentError.At(Where(common, "command_examples"), $"{owner} has examples in '{language}', which is not a language in common.yaml"));
                }

                foreach (var phrase in phrases)
                {
                    Claim(phrase.Text, language, owner, phrase.Location);
                }
            }
        }

        foreach (var node in content.NodeList)
        {
            var what = $"node '{node.Id}'";
            foreach (var (language, phrases) in node.Examples)
            {
                if (!content.Supports(language))
                {
                    errors.Add(ContentError.At(node.Location, $"{what} has examples in '{language}', which is not a language in common.yaml"));
                }

                foreach (var phrase in phrases)
                {
                    if (TextNormalizer.WordsOf(phrase.Text).Length == 0)
                    {
                        errors.Add(ContentError.At(phrase.Location, $"{what}: example '{phrase.Text}' has no words"));
                        continue;
                    }

                    Claim(phrase.Text, language, what, phrase.Location);
                }
            }

            foreach (var (language, phrase) in node.SurePhrases)
            {
                Claim(phrase, language, what, node.Location);
            }

            if (node.Examples.Count > 0 && (notDestinations.Contains(node.Id) || node.Kind == NodeKind.Question))
            {
                errors.Add(ContentError.At(node.Location, $"{what} cannot have examples: nobody is sent there from a message (it is a question or a step of the way to a person)"));
            }

            if (node.Examples.Count > 0 && node.Title is null)
            {
                errors.Add(ContentError.At(node.Location, $"{what} has examples, so it needs a 'title': the button that offers it when the bot is unsure"));
            }

            if (node.Title is { } title)
            {
                CheckTranslations(title, $"the title of {what}", languages, errors);
                foreach (var language in languages.Where(l => new StringInfo(title[l]).LengthInTextElements > MaxListLabel))
                {
                    errors.Add(ContentError.At(title.Location, $"{what}: title '{title[language]}' is a button: at most {MaxListLabel} characters"));
                }
            }
        }

        // Leads somewhere: the trained model takes each example where it was written for.
        var examples = content.NodeList.SelectMany(n => n.Examples.SelectMany(p => p.Value.Select(x => (Node: n, Language: p.Key, Phrase: x)))).ToList();
        if (!Landings.TryGetValue(content.VersionId, out var lands) || lands.Length != examples.Count)
        {
            lands = new string?[examples.Count];
            for (var i = 0; i < examples.Count; i++)
            {
                lands[i] = Lands(content, examples[i].Phrase.Text, examples[i].Language);
            }

            if (Landings.Count >= 16)
            {
                Landings.Clear(); // a few versions at most are loaded again; the next load understands its examples anew
            }

            Landings[content.VersionId] = lands;
        }

        for (var i = 0; i < examples.Count; i++)
        {
            var (node, _, phrase) = examples[i];
            if (lands[i] != node.Id && !FarewellTaught(content, node, lands[i]))
            {
                errors.Add(ContentError.WarningAt(phrase.Location, $"example '{phrase.Text}' of node '{node.Id}' is understood as {(lands[i] is null ? "nothing" : $"'{lands[i]}'")}: reword it, or add examples that tell the two apart"));
            }
        }
    }

    /// <summary>
    /// A goodbye taught to the classifier as thanks or as what the bot has no information on ("bueno bye", "plus de
    /// batterie, a plus tard"), which the goodbye words (common.yaml farewell_words) now answer: the farewell is where it
    /// was meant to go. Kept as training data there: moved to the farewell node, they pulled held-out rows elsewhere.
    /// </summary>
    private static bool FarewellTaught(ContentSet content, ContentNode node, string? landed) =>
        landed is not null && (landed == content.Common.FarewellNode || landed == content.Common.FarewellAfterDangerNode)
        && (node.Kind == NodeKind.End || node.Id == content.Common.OutOfScopeNode);

    /// <summary>Where an example leads, as the engine reads it (R2): a node id, a command, or null for nothing.</summary>
    private static string? Lands(ContentSet content, string text, string language) =>
        content.Understander.UnderstandText(text, null, [], language) switch
        {
            Understanding.Danger danger => danger.Node.Id,
            Understanding.Destination destination => destination.Node.Id,
            Understanding.Unsure unsure => unsure.Candidates[0].Id,
            Understanding.Command command => Understander.CommandPrefix + command.Value.ToString().ToLowerInvariant(),
            _ => null,
        };

    /// <summary>Canned replies follow the same rules as the bot's own texts (R12, R14) and fit every channel (Twilio: 1600).</summary>
    /// <summary>A node's channel variants: in every language, with only registry facts, like the text they stand for.</summary>
    private static void CheckVariants(ContentSet content, IReadOnlyList<string> languages, List<ContentError> errors)
    {
        foreach (var node in content.NodeList)
        {
            foreach (var (channel, variant) in node.Variants)
            {
                CheckTranslations(variant, $"the {channel} variant of node '{node.Id}'", languages, errors);
                foreach (var language in languages)
                {
                    CheckRawText(content, variant[language], variant.Location, $"the {channel} variant of node '{node.Id}' ({language})", errors, allowSystemPlaceholders: false);
                    CheckPromises(variant[language], variant.Location, $"the {channel} variant of node '{node.Id}'", errors);
                }
            }
        }

        // Each channel's reading is checked as it is sent: length, preview words (R10), facts.
        foreach (var channel in ContentSet.Channels)
        {
            var read = content.ForChannel(channel);
            if (ReferenceEquals(read, content))
            {
                continue;
            }

            foreach (var node in read.NodeList.Where(n => n.Variants.ContainsKey(channel) || read.IsSensitive(n)))
            {
                foreach (var language in languages)
                {
                    var rendered = ContentRenderer.Render(read, node, language).Text;
                    if (read.IsSensitive(node) && PreviewWord(read, rendered, language) is { } word)
                    {
                        errors.Add(ContentError.At(node.Text.Location, $"node '{node.Id}' ({language}, {channel}) is sensitive and shows '{word}' in its first {PreviewLength} characters (R10)"));
                    }

                    if (rendered.Length > MaxTextLength)
                    {
                        errors.Add(ContentError.At(node.Text.Location, $"node '{node.Id}' ({language}, {channel}) is {rendered.Length} characters once rendered; channels allow at most {MaxTextLength}"));
                    }
                }
            }
        }
    }

    private static void CheckCanned(ContentSet content, IReadOnlyList<string> languages, List<ContentError> errors)
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var canned in content.Canned)
        {
            var what = $"canned reply '{canned.Id}'";
            if (!ids.Add(canned.Id))
            {
                errors.Add(ContentError.At(canned.Location, $"duplicate {what}"));
            }

            CheckTranslations(canned.Title, $"the title of {what}", languages, errors);
            CheckTranslations(canned.Text, $"the text of {what}", languages, errors);
            foreach (var language in languages)
            {
                CheckRawText(content, canned.Text[language], canned.Text.Location, $"the text of {what} ({language})", errors, allowSystemPlaceholders: false);
                CheckPromises(canned.Text[language], canned.Text.Location, what, errors);
                var rendered = ContentRenderer.Fill(content, canned.Text[language], language, []);
                if (rendered.Length > 1500)
                {
                    errors.Add(ContentError.At(canned.Text.Location, $"{what} ({language}) is {rendered.Length} characters; keep it under 1500 so every channel carries it in one message"));
                }
            }
        }
    }

    private static void CheckCommon(ContentSet content, List<ContentError> errors)
    {
        var common = content.Common;
        foreach (var (id, text) in common.Texts)
        {
            // "discreet-exit@webchat": the text as it reads on one channel; its base text and channel must exist.
            if (id.Split('@') is [var baseId, var channel] && (!common.Texts.ContainsKey(baseId) || !ContentSet.Channels.Contains(channel)))
            {
                errors.Add(ContentError.At(text.Location, $"the common text '{id}' is a channel variant of '{baseId}' on '{channel}': the text must exist and the channel be one of {string.Join(", ", ContentSet.Channels)}"));
            }

            if (id.StartsWith(UnsureTextPrefix, StringComparison.Ordinal) && content.Find(id[UnsureTextPrefix.Length..]) is not { Kind: NodeKind.Emergency })
            {
                errors.Add(ContentError.At(text.Location, $"the common text '{id}' is the danger question's line for the emergency '{id[UnsureTextPrefix.Length..]}': no emergency node has that id"));
            }

            CheckTranslations(text, $"the common text '{id}'", content.Languages, errors);
            foreach (var language in content.Languages)
            {
                CheckRawText(content, text[language], text.Location, $"the common text '{id}' ({language})", errors, allowSystemPlaceholders: true);
                CheckPromises(text[language], text.Location, $"the common text '{id}'", errors);
            }
        }

        foreach (var language in content.Languages)
        {
            if (!common.Months.TryGetValue(language, out var months) || months.Count != 12)
            {
                errors.Add(ContentError.At(Where(common, "months"), $"common.yaml needs the twelve month names in '{language}'"));
            }

            if (!common.Weekdays.TryGetValue(language, out var days) || days.Count != 7)
            {
                errors.Add(ContentError.At(Where(common, "weekdays"), $"common.yaml needs the seven day names in '{language}' (Sunday first)"));
            }

            if (common.Languages.Any(l => l.Code == language && !l.Translated)
                && common.ChildAges.TryGetValue(language, out var ages) && ChildAgeWords.Problem(ages) is { } problem)
            {
                errors.Add(ContentError.At(Where(common, "child_ages"), $"child_ages in '{language}': {problem}"));
            }

            if (common.Languages.Any(l => l.Code == language && !l.Translated)
                && common.NumberWords.TryGetValue(language, out var numbers) && NumberWords.Problem(numbers) is { } numberProblem)
            {
                errors.Add(ContentError.At(Where(common, "number_words"), $"number_words in '{language}': {numberProblem}"));
            }

            foreach (var command in Enum.GetValues<GlobalCommand>())
            {
                if (common.Commands.TryGetValue(command, out var words) && (!words.TryGetValue(language, out var list) || list.Count == 0))
                {
                    errors.Add(ContentError.At(Where(common, $"command:{command}"), $"the '{command.ToString().ToLowerInvariant()}' command has no words in '{language}'"));
                }
            }
        }

        if (common.Texts.TryGetValue("choices-button", out var button))
        {
            foreach (var language in content.Languages.Where(l => new StringInfo(button[l]).LengthInTextElements > MaxButtonLabel))
            {
                errors.Add(ContentError.At(button.Location, $"the common text 'choices-button' ({language}) is a WhatsApp button: at most {MaxButtonLabel} characters"));
            }
        }

        (string Key, string Node)[] special =
        [
            ("start", common.StartNode), ("menu", common.MenuNode), ("language_menu", common.LanguageMenuNode),
            ("handoff", common.HandoffNode), ("offer_human", common.OfferHumanNode), ("handoff_consent", common.HandoffConsentNode),
            ("handoff_timeout", common.HandoffTimeoutNode), ("handoff_waiting", common.HandoffWaitingNode), ("case_closed", common.CaseClosedNode),
            ("clarify", common.ClarifyNode), ("danger_check", common.DangerCheckNode), ("confirm_delete", common.ConfirmDeleteNode), ("confirm_stop", common.ConfirmStopNode),
            .. common.DeclinedNode is { } declined ? [("declined", declined)] : Array.Empty<(string, string)>(),
            .. common.OutOfScopeNode is { } outOfScope ? [("out_of_scope", outOfScope)] : Array.Empty<(string, string)>(),
            .. common.FarewellNode is { } farewell ? [("farewell", farewell)] : Array.Empty<(string, string)>(),
            .. common.FarewellAfterDangerNode is { } afterDanger ? [("farewell_after_danger", afterDanger)] : Array.Empty<(string, string)>(),
            .. common.WatchedNode is { } watched ? [("watched", watched)] : Array.Empty<(string, string)>(),
            .. common.ConfirmWithdrawNode is { } withdraw ? [("confirm_withdraw", withdraw)] : Array.Empty<(string, string)>(),
        ];
        foreach (var (key, node) in special)
        {
            if (content.Find(node) is null)
            {
                errors.Add(ContentError.At(Where(common, key), $"unknown target '{node}' for '{key}'"));
            }
        }

        if (content.Find(common.HandoffNode) is { Kind: not NodeKind.Handoff } handoff)
        {
            errors.Add(ContentError.At(handoff.Location, $"node '{handoff.Id}' is the 'handoff' of common.yaml, so its kind must be handoff"));
        }

        foreach (var id in new[] { common.HandoffConsentNode, common.ConfirmDeleteNode, common.ConfirmStopNode, common.ConfirmWithdrawNode ?? common.HandoffConsentNode })
        {
            if (content.Find(id) is { } question && !Understander.IsYesNoQuestion(question))
            {
                errors.Add(ContentError.At(question.Location, $"node '{question.Id}' asks for a clear yes (R4): it needs a choice with id 'yes' and one with id 'no'"));
            }
        }

        foreach (var flow in content.Flows.Values)
        {
            foreach (var footer in flow.Footers.Where(f => !common.Texts.ContainsKey(f)))
            {
                errors.Add(ContentError.At(flow.Location, $"flow '{flow.Id}': unknown footer '{footer}' (footers are texts in common.yaml)"));
            }
        }
    }

    private static void CheckFacts(ContentSet content, IReadOnlyList<string> languages, DateOnly today, List<ContentError> errors)
    {
        foreach (var fact in content.Facts.ById.Values)
        {
            if (fact.Text is not null)
            {
                // A fact is worded once in the registry for every language translated, served yet or not.
                CheckTranslations(fact.Text, $"fact '{fact.Id}'", languages, errors, [.. content.Translations.Select(t => t.Language)]);
            }

            if (fact.ReviewBy < today)
            {
                errors.Add(ContentError.WarningAt(
                    fact.Location,
                    $"fact '{fact.Id}' was due for review on {fact.ReviewBy:yyyy-MM-dd} (verified on {fact.VerifiedOn:yyyy-MM-dd}): check it against its source and update verified_on"));
            }
        }
    }

    private static void CheckNodes(ContentSet content, IReadOnlyList<string> languages, List<ContentError> errors)
    {
        var seen = new Dictionary<string, SourceLocation>(StringComparer.Ordinal);
        foreach (var node in content.NodeList)
        {
            var what = $"node '{node.Id}'";
            if (!seen.TryAdd(node.Id, node.Location))
            {
                errors.Add(ContentError.At(node.Location, $"duplicate node id '{node.Id}' (also at {seen[node.Id]})"));
            }

            CheckTranslations(node.Text, $"the text of {what}", languages, errors);
            CheckShape(content, node, errors);
            CheckChoices(content, node, languages, errors);

            foreach (var fact in node.Facts.Where(f => content.Facts.Find(f) is null))
            {
                errors.Add(ContentError.At(node.Location, $"{what}: unknown fact '{fact}' in 'facts' (not in {content.Facts.File})"));
            }

            foreach (var footer in node.Footers.Where(f => !content.Common.Texts.ContainsKey(f)))
            {
                errors.Add(ContentError.At(node.Location, $"{what}: unknown footer '{footer}' (footers are texts in common.yaml)"));
            }

            var unsure = node.Id == content.Common.DangerCheckNode && content.Common.Texts.Keys.Any(k => k.StartsWith(UnsureTextPrefix, StringComparison.Ordinal));
            foreach (var language in languages)
            {
                var raw = node.Text[language];
                if (unsure && !raw.Contains(ContentRenderer.UnsureLines, StringComparison.Ordinal))
                {
                    errors.Add(ContentError.At(node.Text.Location, $"the text of {what} ({language}) needs {ContentRenderer.UnsureLines} after its emergency channels: the lines of the guessed emergencies (the 'unsure-' texts in common.yaml) go there"));
                }

                raw = node.Id == content.Common.DangerCheckNode ? raw.Replace(ContentRenderer.UnsureLines, string.Empty, StringComparison.Ordinal) : raw;
                CheckRawText(content, raw, node.Text.Location, $"the text of {what} ({language})", errors, allowSystemPlaceholders: false);
                CheckPromises(raw, node.Text.Location, what, errors);
                CheckProgrammes(content, node, raw, language, errors);
                CheckRendered(content, node, language, errors);
            }
        }
    }

    private static void CheckShape(ContentSet content, ContentNode node, List<ContentError> errors)
    {
        var what = $"node '{node.Id}'";
        var hasWayOn = node.Choices.Count > 0 || node.Next is not null;
        switch (node.Kind)
        {
            case NodeKind.Menu when node.Choices.Count == 0:
                errors.Add(ContentError.At(node.Location, $"dead end: menu {what} has no choices"));
                break;
            case NodeKind.Question when node.Choices.Count < 2:
                errors.Add(ContentError.At(node.Location, $"question {what} needs at least two choices (the possible answers)"));
                break;
            case NodeKind.Message or NodeKind.Handoff or NodeKind.Emergency when !hasWayOn:
                errors.Add(ContentError.At(node.Location, $"dead end: {what} has no choices and no 'next'; add a way back to the menu or make it kind: end"));
                break;
            case NodeKind.End when hasWayOn:
                errors.Add(ContentError.At(node.Location, $"end {what} closes the topic, so it cannot have choices or 'next'"));
                break;
            default:
                break;
        }

        if (node.Next is not null && node.Choices.Count > 0)
        {
            errors.Add(ContentError.At(node.Location, $"{what} has both 'choices' and 'next'; use one"));
        }

        if (node.Next is not null && content.Find(node.Next) is null)
        {
            errors.Add(ContentError.At(node.Location, $"{what}: unknown target '{node.Next}' in 'next'"));
        }

        if (node.Kind == NodeKind.Emergency && !node.SurePhrases.Any() && node.Examples.Count == 0)
        {
            errors.Add(ContentError.At(node.Location, $"emergency {what} needs keywords or examples: the danger phrases that lead to it"));
        }

        foreach (var (language, phrase) in node.UnsureKeywords.SelectMany(p => p.Value.Select(x => (p.Key, x))))
        {
            var rest = phrase.Replace(Understander.AgePlaceholder, " ", StringComparison.Ordinal);
            if (rest.Contains('{', StringComparison.Ordinal) || rest.Contains('}', StringComparison.Ordinal))
            {
                errors.Add(ContentError.At(node.Location, $"{what}: unsure keyword '{phrase}' ({language}) has a placeholder other than {Understander.AgePlaceholder}, the one an unsure keyword may hold"));
            }
            else if (TextNormalizer.WordsOf(rest).Length == 0)
            {
                errors.Add(ContentError.At(node.Location, $"{what}: unsure keyword '{phrase}' ({language}) needs words beside {Understander.AgePlaceholder}: an age alone is not a sign of danger"));
            }
        }

        foreach (var named in node.AnswerNames.Where(n => content.Find(n) is not { Kind: NodeKind.Emergency }))
        {
            errors.Add(ContentError.At(node.Location, $"{what}: 'answer_names' lists danger categories, and '{named}' is not an emergency node"));
        }

        if (node.AnswerNames.Count > 0 && !Understander.IsYesNoQuestion(node))
        {
            errors.Add(ContentError.At(node.Location, $"{what}: 'answer_names' is for a question answered yes or no (choices 'yes' and 'no')"));
        }

        if (node.AnswerExamples.Count > 0 && !Understander.IsYesNoQuestion(node))
        {
            errors.Add(ContentError.At(node.Location, $"{what}: 'answer_examples' is for a question answered yes or no (choices 'yes' and 'no')"));
        }

        foreach (var id in node.AnswerExamples.Keys.Where(id => !CommonSettings.AnswerIds.Contains(id) || !node.Choices.Any(c => c.Id == id)))
        {
            errors.Add(ContentError.At(node.Location, $"{what}: answer examples for '{id}', which is not one of its answers ({string.Join(", ", CommonSettings.AnswerIds.Where(a => node.Choices.Any(c => c.Id == a)))})"));
        }

        foreach (var language in node.AnswerExamples.Values.SelectMany(e => e.Keys).Distinct(StringComparer.Ordinal).Where(l => !content.Supports(l)))
        {
            errors.Add(ContentError.At(node.Location, $"{what}: answer examples in '{language}', which is not a language in common.yaml"));
        }

        if (node.AnswerSubject.Count > 0 && !Understander.IsYesNoQuestion(node))
        {
            errors.Add(ContentError.At(node.Location, $"{what}: 'answer_subject' is for a question answered yes or no (choices 'yes' and 'no')"));
        }

        foreach (var language in node.AnswerSubject.Where(p => p.Value.Count > 1).Select(p => p.Key))
        {
            errors.Add(ContentError.At(node.Location, $"{what}: 'answer_subject' takes one word or phrase per language, and '{language}' has {node.AnswerSubject[language].Count}"));
        }

        foreach (var (language, subject) in node.AnswerSubject.SelectMany(p => p.Value.Select(x => (p.Key, x))).Where(p => TextNormalizer.WordsOf(p.x).Length == 0))
        {
            errors.Add(ContentError.At(node.Location, $"{what}: the answer subject '{subject}' ({language}) has no words"));
        }

        var taught = node.Keywords.Values.SelectMany(k => k).Concat(node.Examples.Values.SelectMany(e => e.Select(p => p.Text))).Select(TextNormalizer.Normalize).ToHashSet(StringComparer.Ordinal);
        foreach (var (language, phrase) in node.UntrainedKeywords.SelectMany(p => p.Value.Select(x => (p.Key, x))).Where(p => taught.Contains(TextNormalizer.Normalize(p.x))))
        {
            errors.Add(ContentError.At(node.Location, $"{what}: untrained keyword '{phrase}' ({language}) is also its keyword or example, which the classifier is taught"));
        }

        foreach (var (language, phrase) in node.FallbackKeywords.SelectMany(p => p.Value.Select(x => (p.Key, x))).Where(p => taught.Contains(TextNormalizer.Normalize(p.x))))
        {
            errors.Add(ContentError.At(node.Location, $"{what}: fallback keyword '{phrase}' ({language}) is also its keyword or example, which the classifier is taught"));
        }

        if (node.FallbackKeywords.Count > 0 && node.Kind is not (NodeKind.Message or NodeKind.Menu))
        {
            errors.Add(ContentError.At(node.Location, $"{what}: 'fallback_keywords' lead to a page (message or menu), not to a {node.Kind.ToString().ToLowerInvariant()} node"));
        }

        if (node.UntrainedKeywords.Count > 0 && node.Kind != NodeKind.Emergency)
        {
            errors.Add(ContentError.At(node.Location, $"{what}: 'untrained_keywords' are for an emergency (sure danger phrases the classifier is not taught), not for a {node.Kind.ToString().ToLowerInvariant()} node"));
        }

        if (node.WarningSigns.Count > 0 && node.Kind != NodeKind.Emergency)
        {
            errors.Add(ContentError.At(node.Location, $"{what}: 'warning_signs' are for an emergency said without naming it (they lead to the danger question), not for a {node.Kind.ToString().ToLowerInvariant()} node"));
        }

        foreach (var (language, phrase) in node.WarningSigns.SelectMany(p => p.Value.Select(x => (p.Key, x))).Where(p => TextNormalizer.WordsOf(p.x).Length < 2))
        {
            errors.Add(ContentError.At(node.Location, $"{what}: warning sign '{phrase}' ({language}) needs two words or more: it is read even beside a topic read clearly"));
        }

        if (node.UnsureKeywords.Count > 0 && node.Kind != NodeKind.Emergency)
        {
            errors.Add(ContentError.At(node.Location, $"{what}: 'unsure_keywords' are for an emergency that a short phrase may mean (they lead to the danger question), not for a {node.Kind.ToString().ToLowerInvariant()} node"));
        }

        if (node.UnsureKeywordsUndiluted && (node.Kind != NodeKind.Emergency || node.UnsureKeywords.Count == 0))
        {
            errors.Add(ContentError.At(node.Location, $"{what}: 'unsure_keywords_undiluted' is for an emergency whose unsure_keywords name an act, and this node has {(node.Kind != NodeKind.Emergency ? "no emergency" : "no unsure_keywords")}"));
        }

        if (node.YieldsToDanger && (node.Kind == NodeKind.Emergency || node.Examples.Count == 0))
        {
            errors.Add(ContentError.At(node.Location, $"{what}: 'yields_to_danger' is for a topic the classifier learns (with examples) that people name beside danger, not for {(node.Kind == NodeKind.Emergency ? "a danger category" : "a node without examples")}"));
        }
    }

    private static void CheckChoices(ContentSet content, ContentNode node, IReadOnlyList<string> languages, List<ContentError> errors)
    {
        var what = $"node '{node.Id}'";
        if (node.Choices.Count > MaxChoices)
        {
            errors.Add(ContentError.At(node.Location, $"{what} has {node.Choices.Count} choices; WhatsApp lists hold at most {MaxChoices}"));
        }

        var ids = new HashSet<string>(StringComparer.Ordinal);
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var choice in node.Choices)
        {
            if (choice.Target != Choice.BackTarget && content.Find(choice.Target) is null)
            {
                errors.Add(ContentError.At(choice.Location, $"{what}: unknown target '{choice.Target}'"));
            }

            if (!ids.Add(choice.Id))
            {
                errors.Add(ContentError.At(choice.Location, $"{what}: duplicate choice id '{choice.Id}' (give each choice its own 'id')"));
            }

            if (choice.Language is not null && !content.Supports(choice.Language))
            {
                errors.Add(ContentError.At(choice.Location, $"{what}: unknown language '{choice.Language}'"));
            }

            var key = ContentNode.ChoiceKey(node.Id, choice.Id);
            if (Encoding.UTF8.GetByteCount(key) > MaxCallbackBytes)
            {
                errors.Add(ContentError.At(choice.Location, $"{what}: choice key '{key}' is over Telegram's {MaxCallbackBytes}-byte callback data; use a shorter node or choice id"));
            }

            CheckTranslations(choice.Label, $"a choice label of {what}", languages, errors);
            foreach (var language in languages)
            {
                var label = choice.Label[language];
                var length = new StringInfo(label).LengthInTextElements;
                if (length > MaxListLabel)
                {
                    errors.Add(ContentError.At(choice.Location, $"{what}: choice label '{label}' has {length} characters; WhatsApp allows at most {MaxListLabel} (list rows) or {MaxButtonLabel} (buttons)"));
                }

                var normalized = $"{language}:{TextNormalizer.Normalize(label)}";
                if (!labels.TryAdd(normalized, choice.Id))
                {
                    errors.Add(ContentError.At(choice.Location, $"{what}: duplicate choice label '{label}' ({language})"));
                }

                CheckRawText(content, label, choice.Location, $"a choice label of {what}", errors, allowSystemPlaceholders: false);
                CheckPromises(label, choice.Location, what, errors);
            }
        }
    }

    private static void CheckRendered(ContentSet content, ContentNode node, string language, List<ContentError> errors)
    {
        // The danger question with each guessed emergency's line first, and as long as it gets (every line): a lock screen
        // shows its first characters (R10), a channel carries its length.
        if (node.Id == content.Common.DangerCheckNode)
        {
            var lines = content.Common.Texts.Keys.Where(k => k.StartsWith(UnsureTextPrefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal).Select(k => "\n" + content.Common.Text(k, language)).ToList();
            var found = new List<ContentError>();
            foreach (var unsureLines in lines.Append(string.Concat(lines)))
            {
                CheckRendered(content, node, language, ContentRenderer.Render(content, node, language, unsureLines: unsureLines).Text, found);
            }

            errors.AddRange(found.Distinct()); // one line and every line can break the same rule
            return;
        }

        CheckRendered(content, node, language, ContentRenderer.Render(content, node, language).Text, errors);
    }

    private static void CheckRendered(ContentSet content, ContentNode node, string language, string rendered, List<ContentError> errors)
    {
        var length = rendered.Length;
        if (length > MaxTextLength)
        {
            errors.Add(ContentError.At(node.Text.Location, $"node '{node.Id}' ({language}) is {length} characters once rendered; channels allow at most {MaxTextLength}"));
        }
        else if (length > WhatsAppInteractiveBody && node.Choices.Count > 0)
        {
            errors.Add(ContentError.WarningAt(node.Text.Location, $"node '{node.Id}' ({language}) is {length} characters once rendered; WhatsApp will send the text and the choices as two messages (over {WhatsAppInteractiveBody})"));
        }

        if (content.IsSensitive(node) && PreviewWord(content, rendered, language) is { } word)
        {
            errors.Add(ContentError.At(node.Text.Location, $"node '{node.Id}' ({language}) is sensitive and shows '{word}' in its first {PreviewLength} characters, which a lock screen preview can reveal (R10)"));
        }
    }

    /// <summary>The first R10 word found in the first 60 characters of a sensitive message, or null.</summary>
    public static string? PreviewWord(ContentSet content, string message, string language)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(message);
        var preview = TextNormalizer.Words(TextNormalizer.Normalize(message[..Math.Min(PreviewLength, message.Length)]));
        var words = (BuiltInPreviewWords.TryGetValue(language, out var builtIn) ? builtIn : [])
            .Concat(Translations.PreviewWordsOf(language))
            .Concat(content.Common.PreviewWords.TryGetValue(language, out var extra) ? extra : []);

        // Phrases match word by word, so Chinese (one word per character here) matches inside unspaced text.
        foreach (var word in words)
        {
            var phrase = TextNormalizer.WordsOf(word);
            if (phrase.Length == 0)
            {
                continue;
            }

            for (var at = 0; at + phrase.Length <= preview.Length; at++)
            {
                var last = preview[at + phrase.Length - 1];
                var tail = phrase[^1];
                if (preview.AsSpan(at, phrase.Length - 1).SequenceEqual(phrase.AsSpan(0, phrase.Length - 1))
                    && (last == tail || last == tail + "s" || last == tail + "es"))
                {
                    return word;
                }
            }
        }

        return null;
    }

    private static void CheckProgrammes(ContentSet content, ContentNode node, string raw, string language, List<ContentError> errors)
    {
        var bare = TextNormalizer.Normalize(ContentRenderer.WithoutPlaceholders(raw));
        foreach (var programme in content.Facts.ById.Values.Where(f => f.Kind == FactKind.Programme))
        {
            foreach (var alias in programme.Aliases)
            {
                if (ContainsWords(bare, TextNormalizer.Normalize(alias)))
                {
                    errors.Add(ContentError.At(node.Text.Location, $"node '{node.Id}' ({language}) names '{alias}' without its fact {{{programme.Id}}}, so its status would not be shown (R15)"));
                }
            }
        }

        var facts = ContentRenderer.Placeholders(raw).Select(content.Facts.Find).OfType<Fact>().Where(f => f.Kind == FactKind.Programme).ToList();
        var closed = facts.Where(f => f.IsNoLongerOpen).ToList();
        if (closed.Count == 0)
        {
            return;
        }

        // Every sentence naming a closed programme, and the whole text when it names only closed ones.
        var scopes = Sentences().Split(raw).Where(s => closed.Any(f => s.Contains($"{{{f.Id}}}", StringComparison.Ordinal))).ToList();
        if (facts.All(f => f.IsNoLongerOpen))
        {
            scopes.Add(raw);
        }

        foreach (var scope in scopes)
        {
            var normalized = TextNormalizer.Normalize(ContentRenderer.WithoutPlaceholders(scope));
            var match = OpenWording.Select(r => r.Match(normalized)).FirstOrDefault(m => m.Success);
            if (match is not null)
            {
                errors.Add(ContentError.At(node.Text.Location, $"node '{node.Id}' ({language}) says '{match.Value}' next to a programme that is no longer open ({string.Join(", ", closed.Select(c => c.Id))}) (R15)"));
                break;
            }
        }
    }

    private static void CheckPromises(string text, SourceLocation at, string what, List<ContentError> errors)
    {
        var normalized = TextNormalizer.Normalize(text);
        foreach (var promise in Promises)
        {
            var match = promise.Match(normalized);
            if (match.Success)
            {
                errors.Add(ContentError.At(at, $"{what} says '{match.Value}': the bot never promises or decides eligibility, status or victimhood; say what an institution can assess (R12)"));
            }
        }
    }

    /// <summary>R14: numbers, URLs and e-mails come from the registry, never typed into content.</summary>
    private static void CheckRawText(ContentSet content, string text, SourceLocation at, string what, List<ContentError> errors, bool allowSystemPlaceholders)
    {
        foreach (var id in ContentRenderer.Placeholders(text))
        {
            if (content.Facts.Find(id) is null && !(allowSystemPlaceholders && ContentRenderer.SystemPlaceholders.Contains(id)))
            {
                errors.Add(ContentError.At(at, $"{what}: unknown fact '{{{id}}}' (not in {content.Facts.File})"));
            }
        }

        var bare = ContentRenderer.WithoutPlaceholders(text);
        if (RawNumber().Match(bare) is { Success: true } number)
        {
            errors.Add(ContentError.At(at, $"{what}: raw number '{number.Value}': figures, phone numbers and dates come from {content.Facts.File} through a {{fact-id}} (R14)"));
        }

        if (RawUrl().Match(bare) is { Success: true } url)
        {
            errors.Add(ContentError.At(at, $"{what}: raw URL '{url.Value}': links come from {content.Facts.File} through a {{fact-id}} (R14)"));
        }

        if (RawEmail().Match(bare) is { Success: true } email)
        {
            errors.Add(ContentError.At(at, $"{what}: raw e-mail '{email.Value}': contacts come from {content.Facts.File} through a {{fact-id}} (R14)"));
        }
    }

    /// <param name="alsoAllowed">Languages a text may carry without serving them (a translation not yet enabled).</param>
    private static void CheckTranslations(LocalText text, string what, IReadOnlyList<string> languages, List<ContentError> errors, IReadOnlyCollection<string>? alsoAllowed = null)
    {
        foreach (var language in languages.Where(l => !text.Has(l)))
        {
            errors.Add(ContentError.At(text.Location, $"missing '{language}' translation of {what}"));
        }

        foreach (var language in text.Values.Keys.Where(l => !languages.Contains(l) && alsoAllowed?.Contains(l) != true))
        {
            // The registry may word a fact ahead of its language's translation; in content it is a slip.
            errors.Add(alsoAllowed is null
                ? ContentError.At(text.Location, $"{what} has a text in '{language}', which is not a language in common.yaml")
                : ContentError.WarningAt(text.Location, $"{what} has a text in '{language}', a language with no translation in content/translations/"));
        }
    }

    private static void CheckGraph(ContentSet content, List<ContentError> errors)
    {
        var common = content.Common;
        var roots = new[]
            {
                common.StartNode, common.MenuNode, common.LanguageMenuNode, common.HandoffNode, common.OfferHumanNode, common.HandoffConsentNode,
                common.HandoffTimeoutNode, common.HandoffWaitingNode, common.CaseClosedNode,
                common.ClarifyNode, common.DangerCheckNode, common.ConfirmDeleteNode, common.ConfirmStopNode, common.DeclinedNode ?? common.MenuNode,
                common.FarewellNode ?? common.MenuNode, common.FarewellAfterDangerNode ?? common.MenuNode, common.ConfirmWithdrawNode ?? common.MenuNode,
            }
            .Concat(content.NodeList.Where(n => n.Kind == NodeKind.Emergency || n.Keywords.Count > 0 || n.Examples.Count > 0).Select(n => n.Id))
            .Concat(common.FollowUps.Values)
            .Concat(content.NodeList.SelectMany(n => n.FollowUps.Values));
        var reached = Walk(content, roots);
        foreach (var node in content.NodeList.Where(n => !reached.Contains(n.Id)))
        {
            errors.Add(ContentError.At(node.Location, $"node '{node.Id}' is unreachable: no choice, 'next', keyword, follow-up or command leads to it"));
        }

        foreach (var node in content.NodeList.Where(n => n.Choices.Count > 0 || n.Next is not null))
        {
            var onward = Walk(content, [node.Id]);
            var leadsBack = onward.Contains(common.MenuNode)
                || onward.Select(content.Find).Any(n => n is not null && (n.Kind == NodeKind.End || n.Choices.Any(c => c.Target == Choice.BackTarget)));
            if (!leadsBack)
            {
                errors.Add(ContentError.At(node.Location, $"dead end: node '{node.Id}' never leads back to '{common.MenuNode}' and reaches no end node"));
            }
        }
    }

    private static HashSet<string> Walk(ContentSet content, IEnumerable<string> roots)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var queue = new Queue<string>(roots);
        while (queue.TryDequeue(out var id))
        {
            if (content.Find(id) is not { } node || !seen.Add(id))
            {
                continue;
            }

            foreach (var choice in node.Choices)
            {
                queue.Enqueue(choice.Target);
            }

            if (node.Next is not null)
            {
                queue.Enqueue(node.Next);
            }
        }

        return seen;
    }

    /// <summary>
    /// Follow-ups go to pages that exist and answer (never a question of the way, nor another emergency than the page's
    /// own: asked on an emergency page, "what was the number?" is that page again, never a danger it did not read); their
    /// phrases have words.
    /// </summary>
    private static void CheckFollowUps(ContentSet content, List<ContentError> errors)
    {
        foreach (var (intent, target) in content.Common.FollowUps)
        {
            if (content.Find(target) is not { Kind: NodeKind.Menu or NodeKind.Message or NodeKind.End })
            {
                errors.Add(ContentError.At(Where(content.Common, "follow_ups"), $"follow_ups: '{intent}' goes to '{target}', which is not a page (a menu, a message or an end)"));
            }
        }

        foreach (var node in content.NodeList)
        {
            foreach (var (intent, target) in node.FollowUps)
            {
                if (content.Find(target) is not { Kind: NodeKind.Menu or NodeKind.Message or NodeKind.End } && !(target == node.Id && node.Kind == NodeKind.Emergency))
                {
                    errors.Add(ContentError.At(node.Location, $"node '{node.Id}': follow_ups '{intent}' goes to '{target}', which is not a page (a menu, a message or an end, or the emergency page itself)"));
                }
            }
        }

        foreach (var (intent, perLanguage) in content.Common.FollowUpWords)
        {
            foreach (var (language, phrase) in perLanguage.SelectMany(p => p.Value.Select(x => (p.Key, x))))
            {
                if (TextNormalizer.WordsOf(phrase).Length == 0)
                {
                    errors.Add(ContentError.At(Where(content.Common, "follow_up_words"), $"the follow-up phrase '{phrase}' ({language}, {intent}) has no words"));
                }
            }

            foreach (var language in perLanguage.Keys.Where(l => !content.Supports(l)))
            {
                errors.Add(ContentError.At(Where(content.Common, "follow_up_words"), $"follow_up_words for '{intent}' has '{language}', which is not a language of the service"));
            }
        }
    }

    private static void CheckKeywords(ContentSet content, List<ContentError> errors)
    {
        // Answer words are read in every language at once: one phrase may be one answer only, in any language.
        var answers = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (id, perLanguage) in content.Common.AnswerWords)
        {
            foreach (var (language, phrase) in perLanguage.SelectMany(p => p.Value.Select(x => (p.Key, x))))
            {
                var key = string.Join(' ', Understander.AnswerForm(TextNormalizer.WordsOf(phrase)));
                if (key.Length == 0)
                {
                    errors.Add(ContentError.At(Where(content.Common, "answer_words"), $"the answer word '{phrase}' ({language}) has no words"));
                }
                else if (answers.TryGetValue(key, out var other) && other != id)
                {
                    errors.Add(ContentError.At(Where(content.Common, "answer_words"), $"the answer word '{phrase}' ({language}) is both '{id}' and '{other}'"));
                }
                else
                {
                    answers[key] = id;
                }
            }

            foreach (var language in perLanguage.Keys.Where(l => !content.Supports(l)))
            {
                errors.Add(ContentError.At(Where(content.Common, "answer_words"), $"answer words for '{id}' in '{language}', which is not a language in common.yaml"));
            }
        }

        CheckFarewells(content, errors);
        CheckWatchers(content, errors);

        var owners = new Dictionary<string, (string Owner, string Where)>(StringComparer.Ordinal);
        foreach (var (command, perLanguage) in content.Common.Commands)
        {
            foreach (var phrase in perLanguage.Values.SelectMany(p => p))
            {
                var key = TextNormalizer.Normalize(phrase);
                var owner = $"the '{command.ToString().ToLowerInvariant()}' command";
                if (owners.TryGetValue(key, out var existing) && existing.Owner != owner)
                {
                    errors.Add(ContentError.At(Where(content.Common, $"command:{command}"), $"duplicate keyword '{phrase}': it is both {owner} and {existing.Owner}"));
                }

                owners[key] = (owner, Where(content.Common, $"command:{command}").ToString());
            }
        }

        foreach (var node in content.NodeList)
        {
            foreach (var language in node.Keywords.Keys.Concat(node.UntrainedKeywords.Keys).Concat(node.FallbackKeywords.Keys).Distinct(StringComparer.Ordinal).Where(l => !content.Supports(l)))
            {
                errors.Add(ContentError.At(node.Location, $"node '{node.Id}' has keywords in '{language}', which is not a language in common.yaml"));
            }

            foreach (var language in node.AnswerSubject.Keys.Where(l => !content.Supports(l)))
            {
                errors.Add(ContentError.At(node.Location, $"node '{node.Id}' has an answer subject in '{language}', which is not a language in common.yaml"));
            }

            foreach (var (language, phrase) in node.SurePhrases)
            {
                var key = TextNormalizer.Normalize(phrase);
                if (key.Length == 0 || key.All(char.IsDigit))
                {
                    errors.Add(ContentError.At(node.Location, $"node '{node.Id}': keyword '{phrase}' must contain words (numbers pick choices)"));
                    continue;
                }

                var owner = $"node '{node.Id}'";
                if (owners.TryGetValue(key, out var existing))
                {
                    if (existing.Owner != owner)
                    {
                        errors.Add(ContentError.At(node.Location, $"duplicate keyword '{phrase}' ({language}): also used by {existing.Owner} at {existing.Where}"));
                    }

                    continue;
                }

                owners[key] = (owner, node.Location.ToString());
            }

            var choiceWords = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var choice in node.Choices)
            {
                foreach (var phrase in choice.Keywords.Values.SelectMany(k => k))
                {
                    if (!choiceWords.TryAdd(TextNormalizer.Normalize(phrase), choice.Id) && choiceWords[TextNormalizer.Normalize(phrase)] != choice.Id)
                    {
                        errors.Add(ContentError.At(choice.Location, $"node '{node.Id}': duplicate keyword '{phrase}' on two of its choices"));
                    }
                }
            }
        }
    }

    /// <summary>
    /// Goodbyes are read as the whole message before the classifier, in every language at once: none may hold a danger
    /// phrase (a vetted one, an unsure one: "adiós para siempre" is a last farewell, never a goodbye), be a command, or be
    /// a yes or a no (which answer the question on the screen).
    /// </summary>
    private static void CheckFarewells(ContentSet content, List<ContentError> errors)
    {
        var common = content.Common;
        var at = Where(common, "farewell_words");
        foreach (var language in common.FarewellWords.Keys.Where(l => !content.Supports(l)))
        {
            errors.Add(ContentError.At(at, $"farewell words in '{language}', which is not a language in common.yaml"));
        }

        var danger = content.NodeList.Where(n => n.Kind == NodeKind.Emergency)
            .SelectMany(n => n.SurePhrases.Select(p => p.Phrase).Concat(n.UnsureKeywords.Values.SelectMany(k => k)).Concat(n.WarningSigns.Values.SelectMany(k => k)).Where(p => !p.Contains(Understander.AgePlaceholder, StringComparison.Ordinal)).Select(p => (Node: n.Id, Phrase: TextNormalizer.Normalize(p))))
            .Where(p => p.Phrase.Length > 0) // a phrase with a child's age ("i am {age}") needs the age, which no goodbye has
            .ToList();
        var commands = common.Commands.Values.SelectMany(c => c.Values.SelectMany(p => p)).Select(TextNormalizer.Normalize).ToHashSet(StringComparer.Ordinal);
        var answers = content.Find(common.HandoffConsentNode)?.Choices.SelectMany(c => c.Keywords.Values.SelectMany(k => k)).Select(TextNormalizer.Normalize).ToHashSet(StringComparer.Ordinal) ?? [];
        foreach (var (language, phrase) in common.FarewellWords.SelectMany(p => p.Value.Select(x => (p.Key, x))))
        {
            var key = TextNormalizer.Normalize(phrase);
            if (key.Length == 0)
            {
                errors.Add(ContentError.At(at, $"the farewell word '{phrase}' ({language}) has no words"));
            }
            else if (danger.FirstOrDefault(d => ContainsWords(key, d.Phrase)) is { Node: not null } held)
            {
                errors.Add(ContentError.At(at, $"the farewell word '{phrase}' ({language}) holds '{held.Phrase}', a danger phrase of '{held.Node}': a goodbye must never take a danger with it"));
            }
            else if (commands.Contains(key) || answers.Contains(key))
            {
                errors.Add(ContentError.At(at, $"the farewell word '{phrase}' ({language}) is a {(commands.Contains(key) ? "command" : "yes or no of the offer of a person")}, which comes first"));
            }
        }
    }

    /// <summary>
    /// Someone else at one's phone (common.yaml <c>watched</c>, <c>watchers</c>, <c>watching</c>): both lists in a served
    /// language with words in every phrase, and a page to go to; each without the other reads nothing.
    /// </summary>
    private static void CheckWatchers(ContentSet content, List<ContentError> errors)
    {
        var common = content.Common;
        foreach (var (key, lists) in new[] { ("watchers", common.Watchers), ("watching", common.Watching), ("withdraw_words", common.WithdrawWords), ("figures_of_speech", common.FiguresOfSpeech), ("arriving_words", common.ArrivingWords), ("safe_words", common.SafeWords) })
        {
            var at = Where(common, key);
            foreach (var (language, phrases) in lists)
            {
                if (!content.Supports(language))
                {
                    errors.Add(ContentError.At(at, $"{key} in '{language}', which is not a language in common.yaml"));
                }

                errors.AddRange(phrases.Where(p => TextNormalizer.Normalize(p).Length == 0).Select(p => ContentError.At(at, $"the {key} phrase '{p}' ({language}) has no words")));
            }
        }

        if ((common.Watchers.Count > 0 || common.Watching.Count > 0) != (common.WatchedNode is not null) || (common.Watchers.Count > 0) != (common.Watching.Count > 0))
        {
            errors.Add(ContentError.At(Where(common, common.WatchedNode is null ? "watchers" : "watched"), "'watched', 'watchers' and 'watching' go together: the page, who may see one's phone and what they do"));
        }

        // A figure of speech never holds a vetted danger phrase: "想死你了" (I miss you so) holds "想死" (I want to die), which
        // is read as written wherever it is; the figure would hide nothing and say it does.
        var vetted = content.NodeList.Where(n => n.Kind == NodeKind.Emergency)
            .SelectMany(n => n.Keywords.Values.SelectMany(k => k).Select(k => (Node: n.Id, Phrase: TextNormalizer.Normalize(k)))).ToList();
        foreach (var (language, figure) in common.FiguresOfSpeech.SelectMany(p => p.Value.Select(f => (p.Key, f))))
        {
            var normalized = TextNormalizer.Normalize(figure);
            if (vetted.FirstOrDefault(v => ContainsWords(normalized, v.Phrase)) is { Node: not null } held)
            {
                errors.Add(ContentError.At(Where(common, "figures_of_speech"), $"the figure of speech '{figure}' ({language}) holds '{held.Phrase}', a vetted danger phrase of '{held.Node}'"));
            }
        }

        if ((common.WithdrawWords.Count > 0) != (common.ConfirmWithdrawNode is not null))
        {
            errors.Add(ContentError.At(Where(common, common.ConfirmWithdrawNode is null ? "withdraw_words" : "confirm_withdraw"), "'confirm_withdraw' and 'withdraw_words' go together: the question, and the words that take back the request for a person"));
        }
    }

    private static bool ContainsWords(string normalizedText, string normalizedPhrase) =>
        normalizedPhrase.Length > 0 && $" {normalizedText} ".Contains($" {normalizedPhrase} ", StringComparison.Ordinal);

    private static SourceLocation Where(CommonSettings common, string key) =>
        common.Locations.TryGetValue(key, out var at) ? at : common.Locations.Values.FirstOrDefault();

    [GeneratedRegex(@"\d{2,}")]
    private static partial Regex RawNumber();

    /// <summary>A link as a reader would take it: with or without a scheme, "www.", or a bare domain (caseworkers' replies are read so too).</summary>
    [GeneratedRegex(@"(https?://[^\s]+?(?=[.,;:!?)]?(\s|$))|www\.[^\s]+?(?=[.,;:!?)]?(\s|$))|\b[\w-]+\.(com|org|net|int|gob|gov|edu|info|io|pa)(\.[a-z]{2})?\b(/\S*)?)", RegexOptions.IgnoreCase)]
    public static partial Regex RawUrl();

    [GeneratedRegex(@"[\w.+-]+@[\w-]+\.[\w.-]+")]
    private static partial Regex RawEmail();

    [GeneratedRegex(@"(?<=[.!?\n])")]
    private static partial Regex Sentences();

    [GeneratedRegex(@"\b(calificas|calificaras|eres elegible|seras elegible|es elegible|cumples (con )?(los|todos los) requisitos|eres (una )?victima de trata|te van a dar|te daran|te garantiza(mos)?|garantizad[oa]s?|vas a obtener|obtendras|te aprobaran|te van a aprobar)\b")]
    private static partial Regex PromiseEs();

    [GeneratedRegex(@"\b(you qualify|you will qualify|you are eligible|youre eligible|you will be eligible|you meet (all )?the requirements|you are a (trafficking )?victim|we guarantee|guaranteed|you will be approved|you will (get|obtain|receive) (a|the|your) (permit|visa|status|residence|protection|ticket|place|work permit|refugee status))\b")]
    private static partial Regex PromiseEn();

    [GeneratedRegex(@"\b(puedes solicitar(lo|la)?|puedes pedir(lo|la)?|solicitalo|solicitala|inscribete|registrate|esta abiert[oa]|sigue abiert[oa]|sigue vigente|aun puedes|todavia puedes|aplica (ya|ahora)|pide tu cita|agenda tu cita)\b")]
    private static partial Regex OpenEs();

    [GeneratedRegex(@"\b(you can apply|apply now|is open|are open|still open|still available|register now|you can still|sign up|book (an|your) appointment)\b")]
    private static partial Regex OpenEn();
}
