using System.Collections.Frozen;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace OimBot.Content.Matching;

/// <summary>
/// The understanding step: turns a message, where the user stands and the options they were last shown into one
/// <see cref="Understanding"/>. Language-independent: it knows only the content's phrases and examples. Built once per
/// content version (the classifier is trained here, from the examples) and then shared, read-only, by every turn.
/// </summary>
public sealed partial class Understander
{
    /// <summary>Labels the classifier gives commands said inside a sentence ("quiero hablar con una persona").</summary>
    public const string CommandPrefix = "command:";

    private readonly ContentSet _content;
    private readonly KeywordMatcher _keywords;
    private readonly HashSet<string> _dangerLabels;
    private readonly HashSet<string> _yieldingLabels;
    private readonly List<string> _unspacedLanguages; // languages written without spaces (Chinese): told by their script
    private readonly Dictionary<string, string> _markers = new(StringComparer.Ordinal); // a detect word of one language only

    // Words of every choice label and keyword and of every title, normalized once per content version.
    private readonly Dictionary<string, string[][]> _labelWords = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string[][]> _keywordWords = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string[][]> _titleWords = new(StringComparer.Ordinal);
    private readonly List<string[]> _questionWords;
    private readonly List<(ContentNode Node, string[] Phrase, string Language, bool WithAge, bool Sign)> _unsureKeywords = []; // and warning signs
    private readonly ChildAgeWords _childAgeWords;
    private readonly NumberWords _numberWords;
    private readonly HashSet<string> _sourcePhrases; // the source language's keywords and commands of one or two words
    private readonly Dictionary<string, string[][]> _flowTitleWords = new(StringComparer.Ordinal); // a flow's first title
    private readonly Dictionary<string, List<string[]>> _answerWords = new(StringComparer.Ordinal); // common answer words by id, every language, in AnswerForm
    private readonly Dictionary<string, List<string[]>> _answerPhrases; // a yes/no question's answers by choice key, in AnswerForm
    private readonly List<string[]> _farewells; // every language's goodbyes (common farewell_words), in AnswerForm
    private readonly Dictionary<string, HashSet<string>> _farewellLanguages = new(StringComparer.Ordinal); // a goodbye's languages, by its words
    private readonly List<string[]> _farewellsInWords; // the goodbyes not written in digits ("88"): the only ones beside other words
    private readonly Dictionary<string, TextClassifier> _answerModels = new(StringComparer.Ordinal); // a yes/no question's own model (answer_examples)
    private readonly Dictionary<string, string> _answerExamples = new(StringComparer.Ordinal); // "node\twords" → the answer an example says, when it says one only
    private readonly Dictionary<string, string[]> _subjectWords = new(StringComparer.Ordinal); // a question's subject in a language
    private readonly Dictionary<string, List<(string Intent, string[] Phrase)>> _followUpWords = new(StringComparer.Ordinal); // by language
    private readonly List<(ContentNode Node, string[] Phrase)> _fallbackKeywords = []; // every language's, longest first
    private readonly List<string[]> _declines = []; // the offer of a person's "no" words and common answer_words no and skip, in AnswerForm
    private readonly Dictionary<string, List<string[]>> _watchers; // common watchers, by the language a message is read in
    private readonly Dictionary<string, List<string[]>> _watching; // common watching, by the language a message is read in
    private readonly List<string[]> _withdrawWords; // every language's: a Haitian may write in Spanish
    private readonly List<string[]> _figures; // every language's, longest first: a manner of speaking reads the same anywhere
    private readonly List<string[]> _arriving; // every language's: "ya viene" in a Creole conversation is still someone coming
    private readonly List<string[]> _safe; // every language's: being safe now (common safe_words)

    private static string SubjectKey(string node, string language) => $"{node}\t{language}";

    // A yes or a no of one language only, as a whole message ("wi", "sim", "oui", "是的"; not "no" or "ok"): its language.
    private readonly Dictionary<string, string?> _answerLanguages = new(StringComparer.Ordinal);

    public Understander(ContentSet content)
        : this(content, null, null)
    {
    }

    /// <param name="classifier">A model trained elsewhere (cross-validation trains on part of the examples); null trains on all of them.</param>
    public Understander(ContentSet content, TextClassifier? classifier, UnderstandingThresholds? thresholds)
    {
        ArgumentNullException.ThrowIfNull(content);
        _content = content;
        _keywords = new KeywordMatcher(content);
        Thresholds = thresholds ?? new UnderstandingThresholds();
        // One model for the languages written in the flows (as before any translation), one per translated language:
        // a Creole speaker's words are read with Creole and Spanish (picked up on the way), never with Chinese. Danger
        // phrases, commands and language names are rule-matched in every language whatever the model.
        var inline = content.Common.Languages.Where(l => !l.Translated).Select(l => l.Code).ToHashSet(StringComparer.Ordinal);
        var inlineSet = TrainingExamples(content, inline);
        Classifier = classifier ?? TextClassifier.Train(inlineSet, store: content.ModelStore);
        var all = new List<LabelledText>(inlineSet);
        var seen = inlineSet.Select(e => $"{e.Label}\t{string.Join(' ', e.Words)}").ToHashSet(StringComparer.Ordinal);
        var translated = content.Common.Languages.Where(l => l.Translated)
            .Select(l => (l.Code, Set: TrainingExamples(content, new HashSet<string>(StringComparer.Ordinal) { l.Code, content.Common.SourceLanguage })))
            .ToList();
        var models = new TextClassifier[translated.Count];
        Parallel.For(0, translated.Count, i => models[i] = TextClassifier.Train(translated[i].Set, store: content.ModelStore)); // independent, deterministic
        for (var i = 0; i < translated.Count; i++)
        {
            _models[translated[i].Code] = models[i];
            all.AddRange(translated[i].Set.Where(e => seen.Add($"{e.Label}\t{string.Join(' ', e.Words)}")));
        }

        TrainingSet = all;
        _dangerLabels = [.. content.NodeList.Where(n => n.Kind == NodeKind.Emergency).Select(n => n.Id)];
        _yieldingLabels = [.. content.NodeList.Where(n => n.YieldsToDanger).Select(n => n.Id)];
        var corpus = Corpus(content);
        Languages = new LanguageIdentifier(corpus);
        _unspacedLanguages = [.. corpus.Where(c => MostlyUnspaced(c.Value)).Select(c => c.Key)];
        foreach (var group in content.Common.Languages.SelectMany(l => l.DetectWords.Select(w => (Word: TextNormalizer.Normalize(w), l.Code))).GroupBy(p => p.Word, StringComparer.Ordinal))
        {
            if (group.Select(p => p.Code).Distinct(StringComparer.Ordinal).Count() == 1 && group.Key.Length > 0)
            {
                _markers[group.Key] = group.First().Code;
            }
        }
        _childAgeWords = new ChildAgeWords(content.Common.ChildAges);
        var source = content.Common.SourceLanguage;
        _sourcePhrases = [.. content.NodeList.SelectMany(n => n.Keywords.GetValueOrDefault(source) ?? [])
            .Concat(content.Common.Commands.Values.SelectMany(c => c.GetValueOrDefault(source) ?? []))
            .Select(p => string.Join(' ', TextNormalizer.WordsOf(p))).Where(p => p.Length > 0 && p.Split(' ').Length <= 2)];
        _numberWords = new NumberWords(content.Common.NumberWords, content.Common.Languages.Where(l => !l.Translated).Select(l => l.Code));
        _questionWords = [.. content.Common.QuestionWords.Values.SelectMany(w => w).Select(TextNormalizer.WordsOf).Where(w => w.Length > 0)];
        foreach (var (intent, perLanguage) in content.Common.FollowUpWords)
        {
            foreach (var (language, phrases) in perLanguage)
            {
                var list = _followUpWords.TryGetValue(language, out var known) ? known : _followUpWords[language] = [];
                list.AddRange(phrases.Select(p => (intent, TextNormalizer.WordsOf(p))).Where(p => p.Item2.Length > 0));
            }
        }

        _watchers = ByLanguage(content, content.Common.Watchers);
        _watching = ByLanguage(content, content.Common.Watching);
        _withdrawWords = [.. content.Common.WithdrawWords.Values.SelectMany(p => p).Select(TextNormalizer.WordsOf).Where(w => w.Length > 0).OrderByDescending(w => w.Length)];
        _figures = [.. content.Common.FiguresOfSpeech.Values.SelectMany(p => p).Select(TextNormalizer.WordsOf).Where(w => w.Length > 0).OrderByDescending(w => w.Length)];
        _arriving = [.. content.Common.ArrivingWords.Values.SelectMany(p => p).Select(TextNormalizer.WordsOf).Where(w => w.Length > 0)];
        _safe = [.. content.Common.SafeWords.Values.SelectMany(p => p).Select(TextNormalizer.WordsOf).Where(w => w.Length > 0)];
        _fallbackKeywords.AddRange(content.NodeList
            .SelectMany(n => n.FallbackKeywords.Values.SelectMany(p => p).Select(p => (n, KeywordWords(p))))
            .Where(p => p.Item2.Length > 0)
            .OrderByDescending(p => p.Item2.Length));

        foreach (var (id, perLanguage) in content.Common.AnswerWords)
        {
            _answerWords[id] = [.. perLanguage.Values.SelectMany(p => p).Select(p => AnswerForm(TextNormalizer.WordsOf(p))).Where(w => w.Length > 0)];
        }

        _declines.AddRange([.. _answerWords.GetValueOrDefault("no") ?? [], .. _answerWords.GetValueOrDefault("skip") ?? []]);
        if (content.Find(content.Common.HandoffConsentNode)?.Choices.FirstOrDefault(c => c.Id == "no") is { } no)
        {
            _declines.AddRange(no.Keywords.Values.SelectMany(k => k).Select(k => AnswerForm(TextNormalizer.WordsOf(k))).Where(w => w.Length > 0));
        }

        foreach (var node in content.NodeList.Where(n => n.AnswerExamples.Count > 0))
        {
            // The answers, and the dangers the question names (answer_names: a child missing beside "with my two kids"),
            // which the question's model must tell from its answers: their examples and keywords, every language's. (Every
            // emergency's examples, tried, made the model unsure of more answers and kept no more dangers.)
            var named = node.AnswerNames.Select(content.Find).OfType<ContentNode>()
                .SelectMany(d => d.Examples.Values.SelectMany(e => e.Select(p => p.Text)).Concat(d.Keywords.Values.SelectMany(k => k)));
            List<LabelledText> answers = [.. node.AnswerExamples
                .SelectMany(a => a.Value.Values.SelectMany(p => p).Select(p => (Text: p, Label: a.Key)))
                .Concat(named.Select(p => (Text: p, Label: AnswerDanger)))
                .Select(e => new LabelledText(TextNormalizer.WordsOf(PersonalData.ForMatching(e.Text)), e.Label))
                .Where(e => e.Words.Length > 0)];
            foreach (var group in node.AnswerExamples.SelectMany(a => a.Value.Values.SelectMany(p => p).Select(p => (Key: ExampleKey(node.Id, TextNormalizer.WordsOf(PersonalData.ForMatching(p))), Answer: a.Key)))
                .Where(e => !e.Key.EndsWith('\t')).GroupBy(e => e.Key, StringComparer.Ordinal))
            {
                if (group.Select(e => e.Answer).Distinct(StringComparer.Ordinal).Count() == 1)
                {
                    _answerExamples[group.Key] = group.First().Answer;
                }
            }

            if (answers.Select(e => e.Label).Distinct(StringComparer.Ordinal).Count() >= 2)
            {
                _answerModels[node.Id] = TextClassifier.Train(answers, new TrainingOptions { BalanceLabels = true }, store: content.ModelStore);
            }
        }

        foreach (var node in content.NodeList)
        {
            foreach (var choice in node.Choices)
            {
                var key = ContentNode.ChoiceKey(node.Id, choice.Id);
                _labelWords[key] = [.. choice.Label.Values.Values.Select(TextNormalizer.WordsOf)];
                _keywordWords[key] = [.. choice.Keywords.Values.SelectMany(k => k).Select(TextNormalizer.WordsOf)];
            }

            foreach (var (language, phrases) in node.UnsureKeywords)
            {
                foreach (var phrase in phrases.Select(KeywordWords).Where(w => w.Length > 0))
                {
                    _unsureKeywords.Add((node, phrase, language, phrase.Contains(AgeWord), Sign: false));
                }
            }

            foreach (var (language, phrases) in node.WarningSigns)
            {
                foreach (var phrase in phrases.Select(TextNormalizer.WordsOf).Where(w => w.Length > 0))
                {
                    _unsureKeywords.Add((node, phrase, language, WithAge: false, Sign: true));
                }
            }

            if (node.Id == content.Common.HandoffConsentNode)
            {
                foreach (var (language, phrases) in node.Choices.Where(c => c.Id is "yes" or "no").SelectMany(c => c.Keywords))
                {
                    foreach (var phrase in phrases.Select(p => string.Join(' ', TextNormalizer.WordsOf(p))).Where(p => p.Length > 0))
                    {
                        _answerLanguages[phrase] = _answerLanguages.TryGetValue(phrase, out var known) && known != language ? null : language;
                    }
                }
            }

            foreach (var (language, subjects) in node.AnswerSubject.Where(p => p.Value.Count > 0))
            {
                _subjectWords[SubjectKey(node.Id, language)] = TextNormalizer.WordsOf(subjects[0]);
            }

            if (node.Title is { } title)
            {
                _titleWords[node.Id] = [.. title.Values.Values.Select(TextNormalizer.WordsOf)];
                _flowTitleWords.TryAdd(node.FlowId, _titleWords[node.Id]);
            }
        }

        _answerPhrases = AnswerPhrases(content, _keywordWords, LabelWords, _answerWords);
        _farewells = [.. content.Common.FarewellWords.Values.SelectMany(p => p).Select(p => AnswerForm(TextNormalizer.WordsOf(p))).Where(w => w.Length > 0).DistinctBy(w => string.Join(' ', w))];
        _farewellsInWords = [.. _farewells.Where(w => !w.All(x => x.All(char.IsAsciiDigit)))];
        foreach (var (language, phrases) in content.Common.FarewellWords)
        {
            foreach (var phrase in phrases.Select(p => string.Join(' ', AnswerForm(TextNormalizer.WordsOf(p)))))
            {
                (_farewellLanguages.TryGetValue(phrase, out var languages) ? languages : _farewellLanguages[phrase] = new(StringComparer.Ordinal)).Add(language);
            }
        }
    }

    /// <summary>
    /// The phrases that answer a yes/no question, by choice key, in <see cref="AnswerForm"/>: the question's own keywords
    /// and labels, the offer of a person's yes and no words, which are every language's, and, on a question (kind
    /// <c>question</c>: the return's), the common answer words. A confirmation ("do you want to stop receiving
    /// messages?") keeps its own words: there "ya no quiero mensajes" is its yes, not the answer word "ya no".
    /// </summary>
    private static Dictionary<string, List<string[]>> AnswerPhrases(ContentSet content, Dictionary<string, string[][]> keywords, Func<string, IEnumerable<string[]>> labels, Dictionary<string, List<string[]>> common)
    {
        var result = new Dictionary<string, List<string[]>>(StringComparer.Ordinal);
        var consent = content.Common.HandoffConsentNode;
        foreach (var node in content.NodeList.Where(IsYesNoQuestion))
        {
            foreach (var id in CommonSettings.AnswerIds.Where(id => node.Choices.Any(c => c.Id == id)))
            {
                var key = ContentNode.ChoiceKey(node.Id, id);
                // Declining to say ("prefiero no decirlo", "prefiro não dizer") is the offer of a person's "no" (R4: it had been
                // read as asking for one, or as despair), and a question's "prefer not to say" where it offers one.
                var skip = node.Choices.Any(c => c.Id == "skip") ? common.GetValueOrDefault("skip", []) : [];
                result[key] = [.. keywords.GetValueOrDefault(key, []).Concat(labels(key))
                    .Concat(keywords.GetValueOrDefault(ContentNode.ChoiceKey(consent, id), []).Where(p => node.Id == consent || !skip.Exists(s => s.AsSpan().SequenceEqual(AnswerForm(p)))))
                    .Select(AnswerForm)
                    .Concat(node.Kind == NodeKind.Question ? common.GetValueOrDefault(id, []) : [])
                    .Where(p => p.Length > 0)];
            }
        }

        return result;
    }

    /// <summary>The model of the languages written in the flows (Spanish, English).</summary>
    public TextClassifier Classifier { get; }

    private readonly Dictionary<string, TextClassifier> _models = new(StringComparer.Ordinal);

    /// <summary>Every model: the flows' and each translated language's.</summary>
    public IReadOnlyList<TextClassifier> Models => [Classifier, .. _models.Values];

    /// <summary>The model that reads a language: its own when translated, the flows' model otherwise.</summary>
    public TextClassifier ClassifierFor(string? language) =>
        language is not null && _models.TryGetValue(language, out var model) ? model : Classifier;

    public LanguageIdentifier Languages { get; }

    public UnderstandingThresholds Thresholds { get; }

    /// <summary>What the classifier was trained on: every example, keyword and title of a node, every command phrase.</summary>
    public IReadOnlyList<LabelledText> TrainingSet { get; }

    public KeywordMatcher Keywords => _keywords;

    /// <summary>
    /// The language a first message is written in: its script first (Han characters: the one language written in
    /// them), then the letters' model, then what the channel hints (the app's language, the number's country code),
    /// and the source language when nothing tells. A wrong guess costs one tap: the first reply offers every language.
    /// </summary>
    public string DetectLanguage(string[] words, LanguageHint? hint = null) =>
        IdentifyLanguage(words) ?? Hinted(hint) ?? _content.Common.SourceLanguage;

    /// <summary>
    /// The language <paramref name="words"/> are written in when the message itself tells (its script, the letters' model,
    /// a language's own detect words), or null: no hint and no default, for a message written after the first.
    /// </summary>
    public string? IdentifyLanguage(string[] words)
    {
        ArgumentNullException.ThrowIfNull(words);
        var clean = words.Where(w => w != PersonalData.Placeholder).ToArray();
        var unspaced = clean.Count(w => w.Length > 0 && TextNormalizer.IsUnspacedScript(char.ConvertToUtf32(w, 0)));
        if (unspaced > 0 && unspaced * 2 >= clean.Length && _unspacedLanguages.Count == 1)
        {
            return _unspacedLanguages[0];
        }

        // One word says little to the letters' model ("wi" read as English), but a yes or a no of one language only
        // tells it: a Creole speaker's first "wi" gets the notice in Creole.
        if (clean.Length is > 0 and <= 3 && _answerLanguages.GetValueOrDefault(string.Join(' ', clean)) is { } answered)
        {
            return answered;
        }

        // A word or two that are a keyword or a command of the source language, which is the default ("socorro", also
        // Portuguese, had opened the conversation in Portuguese; a new user's try).
        if (clean.Length is > 0 and <= 2 && _sourcePhrases.Contains(string.Join(' ', clean)))
        {
            return _content.Common.SourceLanguage;
        }

        // A single word that one language's own detect words hold ("oye", "epa", "bonjou", "oi"): the letters' model read
        // a Spanish "oye" as Creole, and the notice came in it.
        if (clean.Length == 1 && _markers.GetValueOrDefault(clean[0]) is { } marked)
        {
            return marked;
        }

        return Languages.Identify(clean) ?? Marked(clean);
    }

    /// <summary>Too close to call on letters alone: the one language whose own detect words the message uses ("quero me matar").</summary>
    private string? Marked(string[] words)
    {
        var languages = words.Select(w => _markers.GetValueOrDefault(w)).OfType<string>().Distinct(StringComparer.Ordinal).Take(2).ToList();
        return languages.Count == 1 ? languages[0] : null;
    }

    /// <summary>
    /// A message as a person sent it: its identifying data withheld (R2), then read by <see cref="Understand(string[], ContentNode?, IReadOnlyList{string}, string?)"/>.
    /// Identifying data becomes one placeholder word, which the examples teach to read as "here are my details" (so that
    /// "mi pasaporte es …" is not taken for kept papers). That reading hid what the rest of the message said: "my boss
    /// beats me every day, my number is …" and "the boss kept my passport, my phone is …" got the menu, "my passport
    /// number is …, I want to go home" lost its question. So such a message is also read sentence by sentence: danger in
    /// a sentence without data of <see cref="WordsForDangerInASentence"/> words or more comes first (R11), and so does
    /// sure danger in a message of one sentence without its data, when <see cref="WordsBesideData"/> words remain
    /// ("mi pasaporte es" alone reads as kept papers); a topic named clearly by a sentence without data is taken when the
    /// whole message named none.
    /// </summary>
    /// <param name="words">The message's words with its data withheld, when the caller has them already (the engine).</param>
    public Understanding UnderstandText(string text, ContentNode? current, IReadOnlyList<string> shown, string? language = null, string[]? words = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        words ??= TextNormalizer.WordsOf(PersonalData.ForMatching(text));
        var understood = Understand(words, current, shown, language);
        if (!words.Contains(PersonalData.Placeholder) || understood is Understanding.Danger { Sure: true } or Understanding.Picked or Understanding.Command)
        {
            return understood;
        }

        var split = SentenceBreak().Split(text).Where(sentence => TextNormalizer.WordsOf(sentence).Length > 0).ToList();
        var sentences = split
            .Select(sentence => (Data: PersonalData.IsIn(sentence), Words: TextNormalizer.WordsOf(PersonalData.ForMatching(sentence)).Where(w => w != PersonalData.Placeholder).ToArray()))
            .Where(sentence => Length(sentence.Words) >= WordsBesideDataForATopic)
            .Select(sentence => (sentence.Data, Length: Length(sentence.Words), Read: Understand(sentence.Words, current, shown, language)))
            .ToList();
        foreach (var (data, length, read) in sentences)
        {
            // A sentence without data that says enough alone; the data's own sentence only when it is the whole message
            // (beside other sentences it is the details: "me llamo Carlos y mi pasaporte es …, quiero volver").
            var enough = data ? split.Count == 1 && length >= WordsBesideData : length >= WordsForDangerInASentence;
            if (enough && read is Understanding.Danger danger && (danger.Sure || (!data && understood is not Understanding.Danger)))
            {
                return danger with { Why = $"{danger.Why}, beside identifying data" };
            }
        }

        if (understood is Understanding.Danger || understood is Understanding.Destination { Node.Id: var id } && id != _content.Common.MenuNode)
        {
            return understood;
        }

        return sentences.Where(s => !s.Data).Select(s => s.Read).OfType<Understanding.Destination>().FirstOrDefault(d => d.Node.Id != _content.Common.MenuNode) is { } topic
            ? topic with { Why = $"{topic.Why}, in a sentence beside identifying data" }
            : understood;
    }

    [GeneratedRegex(@"(?:[;:!?¿¡\n，。！？；：、]|[.,](?!\d)|(?<!\d)[.,])+")] // a point or comma inside a number (8.9934) is no break
    private static partial Regex SentenceBreak();

    /// <summary>The served language a channel's hint points to, if any: a language tag first, then a calling code.</summary>
    private string? Hinted(LanguageHint? hint)
    {
        if (hint?.Tag is { Length: >= 2 } tag)
        {
            var primary = tag.Split('-', '_')[0].ToLowerInvariant();
            if (_content.Supports(primary))
            {
                return primary;
            }
        }

        if (hint?.CallingCode is { Length: > 0 } digits)
        {
            return _content.Common.Languages
                .SelectMany(l => l.CallingCodes.Select(code => (l.Code, code)))
                .Where(p => digits.StartsWith(p.code, StringComparison.Ordinal))
                .OrderByDescending(p => p.code.Length)
                .Select(p => p.Code)
                .FirstOrDefault();
        }

        return null;
    }

    /// <param name="words">The message, normalized (<see cref="TextNormalizer.WordsOf"/>), identifying data already removed.</param>
    /// <param name="current">The node the user is at, if any.</param>
    /// <param name="shown">The choice keys of the last numbered list the user saw, in order (numbers pick from it).</param>
    /// <param name="language">The user's language: its model reads the message (null: the source language's).</param>
    /// <remarks>
    /// A message the conversation's language finds no danger in, and nothing at all, is read again in the served
    /// language it is written in, when the message itself tells that language and another model reads it: someone who
    /// chose Spanish and then writes "estão me ameaçando, tenho medo" is in danger in Portuguese, and "Je veux rentrer chez
    /// moi" is a question about going home in French. Danger found there comes before anything but danger the first
    /// reading found (R11); anything else only in place of nothing. A vetted danger phrase or a node's keyword of that
    /// language alone (none of the conversation's) is answered there too; a vetted danger phrase even between Spanish and
    /// English, which one model reads. The result says the language (<see cref="Understanding.WrittenIn"/>).
    /// </remarks>
    public Understanding Understand(string[] words, ContentNode? current, IReadOnlyList<string> shown, string? language = null)
    {
        ArgumentNullException.ThrowIfNull(words);
        ArgumentNullException.ThrowIfNull(shown);
        var understood = UnderstandWords(words, current, shown, language);

        // Danger read in a figure of speech ("me muero de ganas de ver a mi mamá", "essa espera tá me matando") is read
        // again without it; a vetted danger phrase never (WithoutFigures), and a topic the figure tells stays as read.
        if (understood is Understanding.Danger && WithoutFigures(words) is { } plain)
        {
            return plain.Length == 0 ? new Understanding.Unknown { Why = FigureOfSpeechWhy } : UnderstandWords(plain, current, shown, language);
        }

        return understood;
    }

    private Understanding UnderstandWords(string[] words, ContentNode? current, IReadOnlyList<string> shown, string? language)
    {
        var understood = UnderstandInAnyLanguage(words, current, shown, language);
        if (understood is Understanding.Unknown { Why: BareAnswer or NumberNotListed })
        {
            return understood;
        }

        understood = understood is Understanding.Unknown ? DangerRatherThanNothing(words, language) ?? understood : understood;
        understood = MaybeDanger(words, understood, current) ?? understood;
        understood = Watched(words, understood, language) ?? understood;
        if (FarewellBeside(words, understood) is { } farewell)
        {
            return farewell; // a goodbye said beside how one feels is the goodbye, with the channels when they were guessed
        }

        return understood is Understanding.Unknown or Understanding.Unsure ? Fallback(words) ?? understood : understood;
    }

    /// <summary>
    /// The message says that someone is arriving and little else (common.yaml <c>arriving_words</c>: "ya viene", "he is
    /// coming", "ele tá do meu lado agora", "他来了"; courtesy and up to <see cref="ArrivingRestWords"/> other words beside),
    /// with no vetted danger phrase in it. Blind testers (2026-12-07) who had said their partner checks their phone and
    /// hits them wrote it and got an emergency page (sexual violence, in Mandarin) on the screen he was about to see.
    /// The dialog engine answers it after an emergency answer or a sensitive page as MENU (R9's cover).
    /// </summary>
    public bool SomeoneArrives(string[] words)
    {
        ArgumentNullException.ThrowIfNull(words);
        var plain = WithoutCourtesy(words);
        // A goodbye beside it is no other word: "il arrive, je dois partir", "he is here i have to go" (a blind tester's
        // got the page on being held).
        var form = AnswerForm(plain);
        var goodbye = _farewellsInWords.Where(f => Fuzzy.ContainsPhrase(form, f)).Select(Length).DefaultIfEmpty(0).Max();
        return plain.Length > 0 && _keywords.Emergency(words) is null
            && _arriving.Exists(phrase => Fuzzy.ContainsPhrase(plain, phrase) && Length(plain) - Length(phrase) - goodbye <= ArrivingRestWords);
    }

    /// <summary>
    /// The message says the person is safe now (common.yaml <c>safe_words</c>: "ya estoy a salvo", "i am safe now", "我现在
    /// 安全了"), not after a negation ("todavía no estoy a salvo", "我还不安全" is no phrase of the list), with no vetted
    /// danger phrase in it, in at most <see cref="SafeNowWords"/> words. A fourth blind tester (2026-12-07) followed by
    /// men from a bus station wrote "ya estoy bien, me metí en una tienda con gente" at the offer of a person and was asked
    /// which danger it was. What else the message says is read by the model of <paramref name="language"/>: a danger it is
    /// sure of, other than <paramref name="crisis"/> (the emergency just answered), is no safety ("ya estoy a salvo pero
    /// me quiero matar", "im safe now but my leg is bleeding a lot").
    /// </summary>
    public bool SafeNow(string[] words, string? language, string? crisis)
    {
        ArgumentNullException.ThrowIfNull(words);
        if (words.Length == 0 || Length(words) > SafeNowWords || _keywords.Emergency(words) is not null)
        {
            return false;
        }

        foreach (var phrase in _safe)
        {
            var at = Fuzzy.IndexOfPhrase(words, phrase);
            if (at < 0 || (at > 0 && Negations.Contains(words[at - 1])))
            {
                continue;
            }

            string[] rest = [.. words[..at], .. words[(at + phrase.Length)..]];
            return rest.Length == 0 || Danger(rest, ClassifierFor(language).Predict(rest)) is not { Sure: true } other || other.Node.Id == crisis;
        }

        return false;
    }

    /// <summary>The most words a message saying one is safe now may have (<see cref="SafeNow"/>).</summary>
    public const int SafeNowWords = 14;

    private static readonly FrozenSet<string> Negations = new[] { "no", "not", "nao", "non", "pas", "pa", "never", "nunca", "jamais", "todavia", "still", "ainda", "encore", "不", "没", "还" }.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>The most other words a message saying someone arrives may have (<see cref="SomeoneArrives"/>): "ya viene, rapido".</summary>
    public const int ArrivingRestWords = 2;

    /// <summary>Why a message made only of a figure of speech was not understood (<see cref="WithoutFigures"/>).</summary>
    public const string FigureOfSpeechWhy = "a figure of speech";

    /// <summary>
    /// The words without the figures of speech in them (common.yaml <c>figures_of_speech</c>: "me muero de ganas de ver a
    /// mi mamá", "essa espera tá me matando", "笑死我了"), or null when there is none. Death said as a manner of speaking
    /// had been read surely as self-harm or as a threat, and got the emergency page (blind testers, 2026-12-07). Never
    /// when a vetted danger phrase is in the message: it is read as written (R11). Only a danger reading is read again
    /// without them: "tô morrendo de saudade da comida da minha mãe" is a joke as a whole, and food without it.
    /// </summary>
    private string[]? WithoutFigures(string[] words)
    {
        if (_figures.Count == 0 || _keywords.Emergency(words) is not null)
        {
            return null;
        }

        bool[]? figure = null;
        foreach (var phrase in _figures)
        {
            for (var start = 0; start + phrase.Length <= words.Length; start++)
            {
                var at = start;
                if (phrase.All(p => Fuzzy.WordMatches(words[at++], p)))
                {
                    figure ??= new bool[words.Length];
                    Array.Fill(figure, true, start, phrase.Length);
                }
            }
        }

        return figure is null ? null : [.. words.Where((_, i) => !figure[i])];
    }

    /// <summary>
    /// A page's fallback keyword (content <c>fallback_keywords</c>) in a message nothing else understood, or that the bot
    /// would ask about between topics: that page ("m kriye tout jounen, kè m sere", "心里很慌 老是焦虑" had got "No entendí";
    /// blind writers, 2026-12-06). Danger, likely danger and its unsure words were read before (R11). The longest phrase wins.
    /// </summary>
    private Understanding.Destination? Fallback(string[] words) =>
        _fallbackKeywords.FirstOrDefault(k => ContainsKeyword(words, k.Phrase, exact: false)) is { Node: { } node }
            ? new Understanding.Destination(node) { Why = FallbackKeywordWhy }
            : null;

    /// <summary>
    /// Someone else at one's phone: "el puede ver q les escribi aqui??", "how do i clear this chat so she won't find it",
    /// "si il voit ce message je suis foutue", "你好 请问他能看到我在这里发的吗" had got the page about the service, deleting
    /// one's data or "No entendí" (blind writers, 2026-12-06). A message with a watcher (common.yaml <c>watchers</c>: he,
    /// my husband, 她) and watching (<c>watching</c>: sees, finds out, the phone, this chat) that was read as a question about
    /// the service's privacy or safety (the pages <c>follow_ups</c> send those to), deleting or stopping said inside a
    /// sentence, the menu, what the service has no information on, a follow-up's answer, or nothing is about the phone
    /// (<c>watched</c>), whose first line gives the channels. Danger, a topic and an option stay what they are.
    /// </summary>
    private Understanding.Destination? Watched(string[] words, Understanding understood, string? language)
    {
        var common = _content.Common;
        var read = understood.WrittenIn ?? language ?? common.SourceLanguage;
        if (common.WatchedNode is not { } id || _content.Find(id) is not { } node || words.Length > WatchedWords
            || !_watchers.TryGetValue(read, out var watchers) || !_watching.TryGetValue(read, out var watching))
        {
            return null;
        }

        var aboutThePhone = understood switch
        {
            Understanding.Unknown or Understanding.Unsure => true,
            Understanding.Command { Value: GlobalCommand.Delete or GlobalCommand.Stop, Alone: false } => true,
            Understanding.Destination { Node: var page } => page.Id == common.MenuNode // what the service has no information on stays so: "my girlfriend took my phone at dinner lol"
                || page.Id == common.FollowUps.GetValueOrDefault("privacy") || page.Id == common.FollowUps.GetValueOrDefault("safety")
                || (_content.IsFollowUpAnswer(page) && page.Id != common.FollowUps.GetValueOrDefault("ack")), // thanks stays thanks
            _ => false,
        };
        return aboutThePhone && watchers.Any(w => ContainsKeyword(words, w, exact: false)) && watching.Any(w => ContainsKeyword(words, w, exact: false))
            ? new Understanding.Destination(node) { Why = WatchedWhy }
            : null;
    }

    /// <summary>
    /// A common list's phrases by the language a message is read in; the languages common.yaml writes (Spanish and
    /// English, which one model reads) each with the phrases of both.
    /// </summary>
    private static Dictionary<string, List<string[]>> ByLanguage(ContentSet content, IReadOnlyDictionary<string, IReadOnlyList<string>> lists)
    {
        var own = content.Common.Languages.Where(l => !l.Translated).Select(l => l.Code).ToHashSet(StringComparer.Ordinal);
        return lists.Keys.ToDictionary(
            language => language,
            language => lists.Where(p => p.Key == language || (own.Contains(language) && own.Contains(p.Key)))
                .SelectMany(p => p.Value).Select(TextNormalizer.WordsOf).Where(w => w.Length > 0).ToList(),
            StringComparer.Ordinal);
    }

    /// <summary>
    /// The request for a person taken back in words, in a short message ("mejor no, olvídalo", "never mind, cancel
    /// it", "deixa pra lá", "算了不用了"; common.yaml <c>withdraw_words</c>, every language's, exactly as written: "no
    /// olvides mi caso" is not "olvídalo"). Read only while a case waits for someone to take it (the dialog engine
    /// asks before closing it).
    /// </summary>
    public bool Withdraws(string text)
    {
        var words = TextNormalizer.WordsOf(text ?? string.Empty);
        return words.Length is > 0 and <= WithdrawWords
            && _withdrawWords.Any(w => (w.Length > 1 || words.Length <= WithdrawOneWordIn) && ContainsKeyword(words, w, exact: true));
    }

    /// <summary>The most words a message may have for one word of the list to count ("cancelar" alone, not "cuánto cuesta cancelar la multa").</summary>
    public const int WithdrawOneWordIn = 4;

    /// <summary>The most words (a Chinese character each) a message taking back the request for a person is read in.</summary>
    public const int WithdrawWords = 12;

    /// <summary>The most words (a Chinese character each) a message about someone else at one's phone is read in.</summary>
    public const int WatchedWords = 40;

    /// <summary>Why a message was read as about someone else at one's phone (<see cref="Watched"/>).</summary>
    public const string WatchedWhy = "someone else at the phone";

    /// <summary>Why a message was read by a page's fallback keyword.</summary>
    public const string FallbackKeywordWhy = "fallback keyword";

    /// <summary>The most words a message may have for an emergency's unsure keyword in it to make it a likely danger.</summary>
    public const int UnsureKeywordWords = 12;

    /// <summary>
    /// The most words a message read clearly as a topic people name beside danger (food, a bed) may have for an
    /// emergency's unsure keyword written exactly to make it a likely danger, and any message with a child's age in one
    /// ("I AM 15 I DONT HAVE ANY FAMILY WITH ME WHERE DO I GO"): a need or a child alone is told with its circumstances,
    /// and the keyword does not dilute in them as despair does.
    /// </summary>
    public const int UnsureKeywordWordsBesideANeed = 24;

    /// <summary>Written in an unsure keyword where a child's age stands ("tengo {age} años", "j'ai {age} ans", "我{age}岁").</summary>
    public const string AgePlaceholder = "{age}";

    /// <summary>The ages <see cref="AgePlaceholder"/> matches, as digits: a child old enough to write, younger than 18.</summary>
    public static readonly (int From, int To) ChildAges = (8, 17);

    private const string AgeWord = "\u0000age"; // never a normalized word: control characters are dropped

    /// <summary>An unsure keyword's words, with <see cref="AgePlaceholder"/> as a word of its own.</summary>
    private static string[] KeywordWords(string phrase)
    {
        var parts = phrase.Split(AgePlaceholder, StringSplitOptions.None);
        return [.. parts.SelectMany((part, i) => i == 0 ? TextNormalizer.WordsOf(part) : [AgeWord, .. TextNormalizer.WordsOf(part)])];
    }

    /// <summary>
    /// <see cref="Fuzzy.ContainsPhrase"/>, where the age placeholder matches a child's age written in digits; with
    /// <paramref name="exact"/>, each other word as written (no typing slip forgiven).
    /// </summary>
    private static bool ContainsKeyword(string[] words, string[] phrase, bool exact) =>
        Fuzzy.ContainsPhrase(words, phrase, exact ? ExactKeywordWord : FuzzyKeywordWord);

    private static readonly Func<string, string, bool> ExactKeywordWord = (word, expected) =>
        expected == AgeWord ? IsChildAge(word) : string.Equals(word, expected, StringComparison.Ordinal);

    private static readonly Func<string, string, bool> FuzzyKeywordWord = (word, expected) =>
        expected == AgeWord ? IsChildAge(word) : Fuzzy.WordMatches(word, expected);

    /// <summary>
    /// Words of a time span that may follow a number: "I'm 8 months pregnant", "j'ai 9 mois de grossesse", "tengo 10 dias
    /// aqui" say no child's age (a blind tester's "8 months pregnant" had got the page for a child alone). Normalised;
    /// Chinese a character at a time ("8个月", "10天").
    /// </summary>
    private static readonly FrozenSet<string> TimeSpans = new[]
    {
        "month", "months", "mos", "week", "weeks", "wks", "day", "days", "hour", "hours", "hrs",
        "mes", "meses", "semana", "semanas", "dia", "dias", "hora", "horas", "mois", "semaine", "semaines", "jour", "jours", "heure", "heures",
        "mwa", "semen", "jou", "个", "月", "周", "天", "星", "小",
    }.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>
    /// <paramref name="words"/> with every number followed by a <see cref="TimeSpans"/> word written as a non-age, so
    /// that a child's age placeholder never matches it.
    /// </summary>
    private static string[] NotAges(string[] words)
    {
        string[]? result = null;
        for (var i = 0; i + 1 < words.Length; i++)
        {
            if (IsChildAge(words[i]) && TimeSpans.Contains(words[i + 1]))
            {
                result ??= (string[])words.Clone();
                result[i] = words[i] + "+";
            }
        }

        return result ?? words;
    }

    private static bool IsChildAge(string word) =>
        word.Length is > 0 and <= 2 && word.All(char.IsAsciiDigit) && int.Parse(word, CultureInfo.InvariantCulture) is var age && age >= ChildAges.From && age <= ChildAges.To;

    /// <summary>
    /// "ya no aguanto más", "je n'en peux plus", "I give up", "pitit mwen malad": a short message with an emergency's
    /// unsure keyword (content, <c>unsure_keywords</c>) that was read as nothing, as the menu or what the service has no
    /// information on (common.yaml <c>out_of_scope</c>), as a question between topics or a topic a node's keyword settled
    /// while the model was unsure ("the smuggler wants more money or he leaves us in the jungle"), or as an unsure danger
    /// of another kind, is a likely danger of that emergency (R11): the channels, its line and the question, with what it
    /// was read as among the options. A topic read clearly ("no aguanto más aquí, quiero volver a Colombia") stays that topic.
    /// </summary>
    private Understanding.Danger? MaybeDanger(string[] words, Understanding understood, ContentNode? current)
    {
        // An emergency's unsure words that are the whole message ("cuida dos meus filhos", courtesy around it or not) say
        // which danger it is, whatever other danger the model guessed surely (it had read that one as a child alone, the
        // page without the 147 line): that emergency leads, the guess stays among the options.
        if (understood is Understanding.Danger { Sure: true, Why: var sureWhy, Node: var guessed } && sureWhy.StartsWith("model", StringComparison.Ordinal)
            && WithoutCourtesy(words) is { Length: > 0 } plain
            && _unsureKeywords.Find(k => !k.WithAge && k.Node != guessed && k.Phrase.AsSpan().SequenceEqual(plain)) is { Node: { } said })
        {
            return new Understanding.Danger(said, Sure: false, [guessed]) { Why = "unsure keyword", WrittenIn = understood.WrittenIn };
        }

        // Chinese is read a character at a time: about three of them to a word.
        var unspaced = words.Count(w => w.Length == 1 && TextNormalizer.IsUnspacedScript(w[0]));
        var length = words.Length - unspaced + ((unspaced + 2) / 3);
        // A page people name beside danger (food, a bed, a partner who checks the phone), read clearly or first among
        // the pages asked between: "he checks my phone and he slapped me" is read for the danger too.
        var need = understood is Understanding.Destination { Node.YieldsToDanger: true, Why: not "keyword" } or Understanding.Unsure { Candidates: [{ YieldsToDanger: true }, ..] };
        // An answer in words to a question of the way is read for despair too: "ya no aguanto más" to the question on
        // fear of going back had been its yes, and "no aguanto más" its no. A danger the question names ("mi hijo está
        // enfermo" to the question on health) is its answer.
        var answered = understood is Understanding.Picked { Why: OpeningAnswerWhy or AnswerModelWhy };
        // A command only the classifier read ("le w li mesaj sa m p ap la anko" as STOP) is no command typed: despair's words come first.
        if (length > UnsureKeywordWordsBesideANeed || (understood is Understanding.Picked && !answered) || understood is Understanding.Command { Why: not "model" } or Understanding.Danger { Sure: true })
        {
            return null;
        }

        var (menu, outOfScope) = (_content.Common.MenuNode, _content.Common.OutOfScopeNode);
        var alternatives = understood switch
        {
            Understanding.Unknown or Understanding.Picked or Understanding.Command => [],
            Understanding.Destination { Node.Kind: NodeKind.End } => [], // thanks, a goodbye: "thanks for trying but it's too late for me"
            Understanding.Unsure unsure => unsure.Candidates,
            Understanding.Danger danger => [danger.Node, .. danger.Alternatives],
            Understanding.Destination { Node.Id: var id } when id == menu => [],
            Understanding.Destination { Node.Id: var id, Probability: var probability } when id == outOfScope && probability < Thresholds.OutOfScopeOverUnsureKeyword => [],
            Understanding.Destination { Why: "keyword", Node: var node } => [node], // a topic's keyword settled what the model was unsure of
            Understanding.Destination { Node: { YieldsToDanger: true } node } => [node], // a topic people name beside danger (food, a bed)
            Understanding.Destination { Why: var why } when IsFollowUpAsked(why) => [], // "y si me quitan el pasaporte, cuánto cuesta sacar otro?"
            _ => (IReadOnlyList<ContentNode>?)null,
        };
        // A topic read clearly yields to a warning sign only, written as it is, and stays among the options: "ya no voy a
        // necesitar el retorno, denle mi cupo a otro" is about the return and maybe about ending one's life.
        var signsOnly = alternatives is null;
        if (alternatives is null)
        {
            if (understood is not Understanding.Destination { Node: var topic })
            {
                return null;
            }

            alternatives = [topic];
        }

        // Every emergency whose keyword is there ("estoy enfermo y ya no aguanto más": illness and despair): the one with
        // the longest phrase found leads (the most particular), the others come first among the options, so each one's
        // line is shown.
        // A topic the model read clearly yields only to a phrase written as it is: "cepillo de dientes" is not "doentes".
        // Despair dilutes in a longer message ("ya no aguanto más el calor de esta ciudad…"); a child's age and a need do not.
        var longer = length > UnsureKeywordWords;
        Dictionary<string, string[]>? agesInDigits = null; // "tengo catorce años" as "tengo 14 años", per keyword language
        string[] WordsFor(string language) =>
            (agesInDigits ??= new(StringComparer.Ordinal)).TryGetValue(language, out var read) ? read : agesInDigits[language] = NotAges(_childAgeWords.InDigits(words, language));
        // Thanks or a goodbye read clearly yields only to a phrase of several words ("too late for me"), never to one
        // sickness word ("i had a fever on monday but i am better now thanks").
        var ending = understood is Understanding.Destination { Node.Kind: NodeKind.End };
        // An act ("me pegó", "he slapped me": unsure_keywords_undiluted) does not dilute either, written exactly.
        var matched = _unsureKeywords.Where(k => (!signsOnly || k.Sign) && (!longer || need || k.WithAge || k.Sign || k.Node.UnsureKeywordsUndiluted) && !(ending && k.Phrase.Length < 2) && !(answered && current!.AnswerNames.Contains(k.Node.Id))
                && ContainsKeyword(k.WithAge ? WordsFor(k.Language) : words, k.Phrase, exact: need || signsOnly || (longer && (k.Sign || k.Node.UnsureKeywordsUndiluted))))
            .GroupBy(k => k.Node.Id)
            .OrderByDescending(g => g.Max(k => k.Phrase.Length))
            .Select(g => g.First().Node)
            .ToList();
        if (matched.Count == 0)
        {
            return null;
        }

        var lead = matched[0];
        return new Understanding.Danger(lead, Sure: false, [.. matched.Skip(1), .. alternatives.Where(a => matched.TrueForAll(m => m.Id != a.Id) && a.Id != menu && a.Id != outOfScope)])
        {
            Why = "unsure keyword",
            WrittenIn = understood.WrittenIn,
        };
    }

    /// <summary>
    /// R11 instead of "I did not understand": a message nothing else made understood, in any language, whose single most
    /// likely reading is a danger category at <see cref="UnderstandingThresholds.DangerInsteadOfNothing"/> (chosen on the
    /// development set), gets the emergency channels and the question between the likely situations. Read by the model
    /// of the language it is written in first, when that is another served language's, then by the conversation's.
    /// </summary>
    private Understanding.Danger? DangerRatherThanNothing(string[] words, string? language)
    {
        var own = language ?? _content.Common.SourceLanguage;
        if (IdentifyLanguage(words) is { } written && written != own && _content.Supports(written)
            && !ReferenceEquals(ClassifierFor(written), ClassifierFor(language))
            && DangerRatherThanNothing(words, ClassifierFor(written).Predict(words)) is { } there)
        {
            return there with { WrittenIn = written };
        }

        return DangerRatherThanNothing(words, ClassifierFor(language).Predict(words));
    }

    private Understanding.Danger? DangerRatherThanNothing(string[] words, Prediction prediction) =>
        Danger(words, prediction, Thresholds.DangerInsteadOfNothing) is { } danger ? danger with { Why = "model, nothing else understood" } : null;

    private Understanding UnderstandInAnyLanguage(string[] words, ContentNode? current, IReadOnlyList<string> shown, string? language)
    {
        var understood = UnderstandIn(words, current, shown, language);
        var own = language ?? _content.Common.SourceLanguage;
        if (understood is Understanding.Picked or Understanding.Command or Understanding.Destination { Why: BareNo or FarewellWhy or TakenBackWhy } or Understanding.Unknown { Why: BareAnswer or NumberNotListed } || words.Length == 0
            || IdentifyLanguage(words) is not { } written || written == own || !_content.Supports(written))
        {
            return understood;
        }

        // A vetted danger phrase of the language the message is written in, and of none of the conversation's: answered
        // there, between Spanish and English too ("they force me to work for free" after choosing Spanish).
        if (understood is Understanding.Danger { Why: "keyword" } byKeyword)
        {
            return OnlyWritten(_keywords.EmergencyLanguages(words)) ? byKeyword with { WrittenIn = written } : understood;
        }

        // Otherwise languages one model reads together (those written in the flows: Spanish, English) were read already,
        // and a topic's words shared by a bilingual person never flip the conversation.
        if (ReferenceEquals(ClassifierFor(written), ClassifierFor(language)))
        {
            return understood;
        }

        // Danger the conversation's reading found is answered as found: a message mixing languages ("estamos encerrados,
        // tanpri voye moun" in Creole) never changes the conversation's language or its danger's category.
        if (understood is Understanding.Danger)
        {
            return understood;
        }

        // Danger as the language it is written in reads it comes before anything else the conversation's reading found (R11).
        var model = ClassifierFor(written);
        var prediction = model.Predict(words);
        if (Danger(words, prediction) is { } danger)
        {
            return danger with { WrittenIn = written };
        }

        // A node's keyword of that language and of none of the conversation's ("我想回国"): answered in it.
        if (understood is Understanding.Destination { Why: "keyword", Node: var node })
        {
            return OnlyWritten(_keywords.KeywordLanguages(words, node)) ? understood with { WrittenIn = written } : understood;
        }

        if (understood is not Understanding.Unknown)
        {
            return understood;
        }

        // A greeting or a call for the menu ("hello" in a Mandarin conversation) is the menu in the conversation's
        // language: a word the whole world types says nothing of the language someone reads best.
        var decided = Decide(prediction);
        decided = FollowUp(words, current, decided, model) ?? decided; // a follow-up's phrase ("example" as "exemple") never changes the language
        return decided switch
        {
            Understanding.Destination { Node.Id: var id } when id == _content.Common.MenuNode => decided,
            Understanding.Destination or Understanding.Command or Understanding.Unsure => decided with { WrittenIn = written },
            _ => understood,
        };

        // The phrase that matched is the written language's and none of the conversation's.
        bool OnlyWritten(IReadOnlySet<string> languages) => languages.Contains(written) && !languages.Contains(own);
    }

    /// <summary>The message read in one language's model (see <see cref="Understand"/>).</summary>
    private Understanding UnderstandIn(string[] words, ContentNode? current, IReadOnlyList<string> shown, string? language)
    {
        if (words.Length == 0)
        {
            return new Understanding.Unknown { Why = "empty" };
        }

        // A number ("2", "la 2") picks from the list shown; it holds no danger phrase.
        var strict = current is not null && IsYesNoQuestion(current);
        (string? Label, double Probability)? answerReading = null; // the question's own model, read once and only if asked
        (string? Label, double Probability) Reading() => answerReading ??= AnswerReading(current!, words);
        if (Number(words, current, shown, strict, language) is { } numbered)
        {
            // A number no list has may be a goodbye of the conversation's language ("88", "886": bye-bye in Chinese chat),
            // never of another's: to someone writing Spanish "88" is a number.
            return numbered.Length == 0 ? Farewell(words, language) ?? (Understanding)new Understanding.Unknown { Why = NumberNotListed } : new Understanding.Picked(numbered) { Why = "number" };
        }

        // The whole message is one of the options' keywords ("si por favor" to the offer of a person, "no estoy en
        // peligro" to the question after a guessed danger): it answers the question on the screen, before the classifier,
        // which had read "si por favor" as a cry for help and "ya" (yes, in much of Latin America) as despair, and before
        // a vetted danger phrase inside it ("estoy en peligro"), which the option says is not there.
        if (current is not null && ChoiceKeyword(current, words, whole: true) is var (answer, _))
        {
            return new Understanding.Picked(ContentNode.ChoiceKey(current.Id, answer.Id)) { Why = "choice keyword" };
        }

        // The same with courtesy around it: "yes pls", "plz yes", "ok sir", "yes madam" to the offer of a person had got
        // "I did not understand", the danger question or "you are welcome", and the offer was gone (found in a blind
        // tester's try).
        var plain = WithoutCourtesy(words);
        plain = plain.Length < words.Length ? plain : [];
        if (current is not null && plain.Length > 0 && ChoiceKeyword(current, plain, whole: true) is var (courteous, courteousPhrase))
        {
            if (ThanksBesideAnOk(current, courteous, courteousPhrase, words, ClassifierFor(language).Predict(words)) is { } thanked)
            {
                return thanked;
            }

            return new Understanding.Picked(ContentNode.ChoiceKey(current.Id, courteous.Id)) { Why = "choice keyword" };
        }

        // R11: a vetted danger phrase anywhere else in the message comes before everything else.
        if (_keywords.Emergency(words) is { } emergency)
        {
            return new Understanding.Danger(emergency, Sure: true, []) { Why = "keyword" };
        }

        // An option's label, courtesy around it or not ("english pls" on the languages had got them again).
        if ((Label(words, current, shown) ?? (plain.Length > 0 ? Label(plain, current, shown) : null)) is { } labelled)
        {
            return new Understanding.Picked(labelled) { Why = "label" };
        }

        if (_keywords.Command(words) is { } alone)
        {
            return new Understanding.Command(alone, Alone: true) { Why = "command" };
        }

        // A bare "no" ("mejor no", "ahora no", "better not", "pito non": the offer of a person's "no" words, in any
        // language) that no option on the screen took: the "no" of a yes/no question, elsewhere a refusal. The
        // classifier had read "mejor no" and "better not" at the menu as self-harm, sure.
        if (Refusal(current, shown, words, language) is { } refusal)
        {
            return refusal;
        }

        // A goodbye as the whole message ("chao", "ya me voy", "ok bye thanks", "tchau", "拜拜", in any language) is a
        // goodbye: the classifier had read "ya me voy" as self-harm, surely, "nos vemos" as lost on the route and "adios"
        // as nothing. A vetted danger phrase came first (above), and no goodbye holds one (the validator): "adiós para
        // siempre" and "this is my last message" are a last farewell, never this.
        if (Farewell(words, language) is { } farewell)
        {
            return farewell;
        }

        // Taking something back as the whole message ("deixa pra lá", "never mind", "kite sa", "leave it"; common.yaml
        // withdraw_words, in any language, courtesy around it) where no yes/no question is asked: a refusal. The classifier
        // had read "deixa pra lá", "kite sa" and "leave it" as being held, surely (a blind tester, 2026-12-07). A vetted
        // danger phrase came first (above); a reading as despair stays ("ya no importa", "i dont want to talk anymore").
        if (TakenBack(words, current, language) is { } takenBack)
        {
            return takenBack;
        }

        // One of the question's own answers written out as the whole message ("就我自己", "nadie", "nobody" to the question
        // on children; content answer_examples): that answer. The classifier had read "就我自己" (just me) as self-harm and
        // "nobody" as a child alone, surely, and a sure danger reading came before the question's own model. A vetted
        // danger phrase came first (above).
        if (strict && current!.Id != _content.Common.HandoffConsentNode && _answerExamples.TryGetValue(ExampleKey(current.Id, words), out var written))
        {
            return new Understanding.Picked(ContentNode.ChoiceKey(current.Id, written)) { Why = AnswerExampleWhy };
        }

        // An answer in words to a question of the way (the return's short questions, a confirmation): a whole yes
        // ("claro que si", "是的"), or one that opens the message ("si, con mis dos niños", "no, estoy sola", "sim, com
        // meus dois filhos"). The classifier had read the words after it as a child alone, sure, and the questions were
        // lost (found in blind testers' tries). Never the offer of a person, where only a whole-message yes or no counts
        // (R4); a vetted danger phrase in the message came first (above).
        if (strict && current!.Id != _content.Common.HandoffConsentNode && (OpeningAnswer(current, words) ?? (plain.Length > 0 ? OpeningAnswer(current, plain) : null)) is var (opening, rest))
        {
            // After a yes or a no the classifier's reading of a danger is weak (a vetted danger phrase came first, above):
            // "yes i get passport" read as papers taken, "no pikin with me" as a medical emergency, "no, kiero irme ya" as
            // self-harm, all sure, in blind testers' tries. Only a longer account after it read surely as a danger the
            // question does not ask about (content answer_names) gets the channels and the danger question ("sí, pero me
            // quitaron el pasaporte"); and a no with at most two words after it may be a sentence that only starts like
            // one ("no puedo salir", being held), read whole; not in Chinese, where "不怕" (not afraid) is the answer.
            var classifier = ClassifierFor(language);
            bool Named(Understanding.Danger? d, double sure = OpeningAnswerDanger) => d is { Sure: true } && d.Confidence >= sure && !current.AnswerNames.Contains(d.Node.Id);
            var account = Length(rest) >= OpeningAnswerAccount;
            var beside = account ? rest
                : opening == "no" && rest.Length > 0 && Length(rest) <= 2 && !TextNormalizer.IsUnspacedScript(char.ConvertToUtf32(rest[0], 0)) ? words : [];
            if (beside.Length > 0 && Danger(beside, classifier.Predict(beside)) is var read && Named(read, account ? OpeningAnswerDanger : 0))
            {
                return read! with { Sure = false };
            }

            // A no that a sentence only starts like, read whole as surely a danger: "ya no quiero vivir más" opens with "ya
            // no" and has three words after it.
            if (!account && opening == "no" && rest.Length > 0 && Danger(words, classifier.Predict(words)) is var whole && Named(whole))
            {
                return whole! with { Sure = false };
            }

            // The same words with what the question asks about in front (content answer_subject): "no, me lo quitaron" to
            // the question on documents, three words no one reads surely, is the passport taken ("pasaporte me lo quitaron").
            if (rest.Length > 0 && _subjectWords.TryGetValue(SubjectKey(current.Id, language ?? _content.Common.SourceLanguage), out var subject)
                && Danger([.. subject, .. rest], classifier.Predict([.. subject, .. rest])) is var framed && Named(framed))
            {
                return framed! with { Sure = false, Why = $"{framed.Why}, read as about what the question asks" };
            }

            // A danger the question names, told with its yes or no ("sí, mi niño se quedó atrás en el río y no lo
            // encuentro" to the question on children): the question's own model knows it from the answers; read on.
            if (!account || !NamesItsDanger(Reading()))
            {
                return new Understanding.Picked(ContentNode.ChoiceKey(current.Id, opening)) { Why = OpeningAnswerWhy };
            }
        }

        // An answer in words without a yes or a no ("todavía en Necoclí", "solo la cédula", "就我一个人"): the question's
        // own model (content answer_examples) reads it when sure of one answer, unless the message reads surely as a
        // danger the question does not ask about: with what the question asks about in front, when it has a subject, so
        // that "lo perdí en el río" is the passport lost and not a child, and "me lo quitaron" still the passport taken.
        // A vetted danger phrase came first (above). One word the question's model knows and is sure of ("mucho" to the
        // question on fear) is that answer: the classifier's reading of a single word had been a medical emergency.
        if (strict && current!.Id != _content.Common.HandoffConsentNode && Length(words) <= AnswerModelWords && AnswerOf(Reading()) is { } answered)
        {
            string[] read = _subjectWords.TryGetValue(SubjectKey(current.Id, language ?? _content.Common.SourceLanguage), out var about) ? [.. about, .. words] : words;
            if (Length(words) == 1 || Danger(read, ClassifierFor(language).Predict(read)) is not { Sure: true } sure || sure.Confidence < OpeningAnswerDanger || current.AnswerNames.Contains(sure.Node.Id))
            {
                return new Understanding.Picked(ContentNode.ChoiceKey(current.Id, answered)) { Why = AnswerModelWhy };
            }
        }

        // Without a yes: a short answer that names what the question asks about ("con mis dos niños" to the question on
        // children, read as a child alone) is its yes, unless the question's own model reads it as the danger it names
        // ("pitit gason m disparèt"). A vetted danger phrase (a child gone missing) came first.
        if (strict && current!.AnswerNames.Count > 0 && !NamesItsDanger(Reading()) && Length(words) <= OpeningAnswerRest
            && Danger(words, ClassifierFor(language).Predict(words)) is { } named && current.AnswerNames.Contains(named.Node.Id))
        {
            return new Understanding.Picked(ContentNode.ChoiceKey(current.Id, "yes")) { Why = NamedAnswerWhy };
        }

        var model = ClassifierFor(language);
        var prediction = model.Predict(words);
        if (Danger(words, prediction) is { } danger)
        {
            return FollowUpWordsOnly(words, current, language ?? _content.Common.SourceLanguage, model) ?? (Understanding)danger;
        }

        if (current is not null && ChoiceKeyword(current, words, strict) is var (keyword, phrase) && !AskedBeside(words, phrase, prediction))
        {
            if (ThanksBesideAnOk(current, keyword, phrase, words, prediction) is { } thanked)
            {
                return thanked;
            }

            return new Understanding.Picked(ContentNode.ChoiceKey(current.Id, keyword.Id)) { Why = "choice keyword" };
        }

        if (_keywords.CommandInSentence(words) is { } said)
        {
            return new Understanding.Command(said, Alone: false) { Why = "command phrase" };
        }

        // The classifier decides when it is sure; a node keyword settles what it is unsure about.
        var decided = Decide(prediction);
        if (FollowUpAsked(words, current, decided, language ?? _content.Common.SourceLanguage, model) is { } aboutThePage)
        {
            return aboutThePage;
        }

        if (FollowUp(words, current, decided, model) is { } followUp)
        {
            return followUp;
        }

        if (TopicBesideData(words, decided, model) is { } asked)
        {
            return asked;
        }

        if (decided is Understanding.Destination or Understanding.Command)
        {
            return decided;
        }

        return _keywords.Keyword(words) is { } target ? new Understanding.Destination(target) { Why = "keyword" } : decided;
    }

    /// <summary>The most words a message may have to be read as a follow-up question about the topic the user is in.</summary>
    public const int FollowUpWords = 5;

    /// <summary>
    /// A short question inside a topic ("¿cuánto cuesta?", "¿y cuánto tarda?" while reading about return) is about that
    /// topic: when alone it would not be understood, would make the bot ask, or would go to a general node (out of scope), it is read
    /// again with the topic's title in front, and kept in the topic when that reading lands there. Only messages that
    /// ask (content's <c>question_words</c> opening or closing them: "¿cuánto cuesta?", "ça coûte combien", "c'est
    /// combien de temps"), and never instead of a confident move to another topic.
    /// </summary>
    private Understanding.Destination? FollowUp(string[] words, ContentNode? current, Understanding decided, TextClassifier model)
    {
        var general = _content.Find(_content.Common.MenuNode)?.FlowId;
        // A message the model knows no word of is no question about the topic ("can u speak english" in a Mandarin
        // conversation had read, with the topic's title in front, as the topic again): another language may read it.
        var leaves = decided is Understanding.Unknown { Why: not NoKnownWord } or Understanding.Unsure
            || (decided is Understanding.Destination d && d.Node.FlowId == general);
        if (current is null || Length(words) > FollowUpWords || !leaves || !_questionWords.Any(q => words.AsSpan().StartsWith(q) || words.AsSpan().EndsWith(q))
            || _dangerLabels.Contains(current.Id)
            || current.FlowId == general
            || !_flowTitleWords.TryGetValue(current.FlowId, out var titles))
        {
            return null;
        }

        foreach (var title in titles)
        {
            var prediction = model.Predict([.. title, .. words]);
            if (Decide(prediction) is Understanding.Destination { Node: var node } && node.FlowId == current.FlowId)
            {
                // The page the person is on again is no answer ("cuanto cuesta", "how much e cost" on the return's menu
                // showed that menu again, and again: blind testers, 2026-12-06): the topic's likeliest other page, when
                // it is likely enough.
                // When no other page is likely enough with this title, the topic's next title may say (its other language).
                if (node.Id == current.Id)
                {
                    if (prediction.Ranked().Where(r => r.Probability >= FollowUpOtherPage && r.Label != current.Id)
                        .Select(r => _content.Find(r.Label)).FirstOrDefault(n => n is not null && n.FlowId == current.FlowId && n.Examples.Count > 0) is { } other)
                    {
                        return new Understanding.Destination(other) { Why = "follow-up" };
                    }

                    continue;
                }

                return new Understanding.Destination(node) { Why = "follow-up" };
            }
        }

        return null;
    }

    /// <summary>The most words (Chinese: two characters a word) a follow-up about the page one is reading may have.</summary>
    public const int FollowUpAskedWords = 12;

    /// <summary>The most words besides its follow-up phrases and question words a follow-up may have that nothing reads ("el pasaje lo ustedes").</summary>
    public const int FollowUpRestWords = 4;

    /// <summary>The most words besides its follow-up phrases a follow-up read as the page one is on may have ("dónde está la Cruz Roja más cerca").</summary>
    public const int FollowUpOnThePageRestWords = 5;

    /// <summary>The most words besides its follow-up phrases a follow-up may name whatever they read as ("la policía").</summary>
    public const int FollowUpSubjectWords = 2;

    /// <summary>Why a message was read as a follow-up that asks something about the page: "follow-up: cost".</summary>
    public const string FollowUpAskedWhy = "follow-up: ";

    /// <summary>
    /// A short follow-up that asks something about the page one is reading ("¿y cuánto cuesta?", "c'est où ?", "要带什么证件")
    /// goes where the page says it is answered (content <c>follow_ups</c>: "how do I ask for it" on what return is goes to
    /// how it works, "will they deport me" to "it is not deportation"), or, when the page has no answer of its own, where
    /// common.yaml's <c>follow_ups</c> says: "I have no verified information on that; a person can help", and for whether
    /// one's case qualifies, that only the institution can say (R12). What it asks is told by common.yaml's
    /// <c>follow_up_words</c> in the language it is read in; the longest phrase found decides, a tie the order of
    /// <see cref="CommonSettings.FollowUpIntents"/>. The classifier had read "does it cost anything?" on the page about
    /// return as the chat's cost, and "y cuánto cuesta?" there as the return's menu again. Never instead of danger (read
    /// before), a command, a choice's words, or a confident move to another topic ("¿y el permiso de trabajo?").
    /// </summary>
    private Understanding.Destination? FollowUpAsked(string[] words, ContentNode? current, Understanding decided, string language, TextClassifier model)
    {
        if (current is null || !IsFollowUpPage(current) || Length(words) > FollowUpAskedWords)
        {
            return null;
        }

        // A likely danger the model read where nothing else was understood ("el coyote nos pide más plata o nos deja en
        // la selva") is answered as that (R11), never as a question about the page.
        // Unless the message is only follow-up phrases and question words (FollowUpWordsOnly): "explica de novo mais
        // simples" had been an unsure self-harm guess.
        if (decided is Understanding.Command or Understanding.Danger or Understanding.Picked || Asked(words, language) is not { } asked
            || (asked.Intent == AckIntent && decided is Understanding.Destination { Node.Kind: NodeKind.End })
            || FollowUpAnswer(current, asked.Intent) is not { } answer
            || (decided is Understanding.Unknown && Danger(words, model.Predict(words), Thresholds.DangerInsteadOfNothing) is not null
                && FollowUpWordsOnly(words, current, language, model) is null))
        {
            return null;
        }

        // Read as the answer: taken. Otherwise a follow-up only when what is left without the follow-up's phrases and
        // question words says nothing of another page: "y si no tengo pasaporte?" on how return works (read alone as having
        // no papers in Panama) and "does it cost anything?" (the chat's cost) are about the page; "¿dónde duermo esta
        // noche?", "cuánto cuesta el bus a Costa Rica", "hola, ¿cómo estás?", "se me venció el carnet, ¿qué hago?" are
        // read as what they say.
        var intent = asked.Intent;
        bool OnThePage(ContentNode node) => node == current || node == answer;
        if (decided is Understanding.Destination { Node: var node } && node == answer)
        {
            return new Understanding.Destination(answer) { Why = FollowUpAskedWhy + intent };
        }

        // A need read clearly (food, a bed, health: pages people name beside danger) is that page: "¿dónde duermo esta noche?".
        // This service's own page is where privacy is answered, not a need.
        if (decided is Understanding.Destination { Node: { YieldsToDanger: true } need } && need != current && !_content.IsFollowUpAnswer(need))
        {
            return null;
        }

        // Left: nothing, a few words nothing reads ("el pasaje lo pagan ustedes?"), or the page again; never words that
        // still lean to another topic it was read as ("走雨林大概要几天" without "几天"). Read as the page one has just
        // read, it is a question about it ("¿dónde está la Cruz Roja más cerca?" on where to find help, "a qué hora dan
        // la comida?"): the page again was no answer; a page that answers itself says so in its follow_ups
        // ("how many days to walk the Darién?" on the page about the jungle).
        var rest = Rest(words, language);
        if (rest.Length == 0)
        {
            return new Understanding.Destination(answer) { Why = FollowUpAskedWhy + intent };
        }

        // Read as the page itself, a follow-up is short besides its phrase: "how many days to walk the Darién" and "is the
        // route through Nicaragua safer than the Darién" on the page about the jungle say what the page is about.
        if (decided is Understanding.Destination { Node: var same } && same == current && Length(rest) > FollowUpOnThePageRestWords)
        {
            return null;
        }

        var restPrediction = model.Predict(rest);
        // A page where follow-ups are answered is no other topic: "konbyen sa koute", "ça coûte combien" on the return's
        // pages had been read as this chat's own cost (a blind tester, 2026-12-07).
        if (decided is Understanding.Destination { Node: var read } && read != current && !_content.IsFollowUpAnswer(read) && restPrediction.Ranked() is [{ Label: var top }, ..] && _content.Find(top) is { } leaning
            && !OnThePage(leaning) && (leaning == read || (leaning.FlowId == read.FlowId && leaning.FlowId != _content.Find(_content.Common.MenuNode)?.FlowId)))
        {
            return null;
        }

        // Two words or fewer are what the follow-up asks about ("y dónde está la policía?"), whatever they read as alone.
        var aboutThePage = Length(rest) <= FollowUpSubjectWords || Decide(restPrediction) switch
        {
            Understanding.Unknown => Length(rest) <= FollowUpRestWords,
            Understanding.Destination { Node: var left } => OnThePage(left),
            Understanding.Unsure { Candidates: [var first, ..] } => OnThePage(first) || Length(rest) <= FollowUpRestWords,
            _ => false,
        };
        return aboutThePage ? new Understanding.Destination(answer) { Why = FollowUpAskedWhy + intent } : null;
    }

    /// <summary>
    /// What a follow-up asks may be no danger however the model reads it: on a page, a message made only of follow-up
    /// phrases and question words ("什么意思", "explica de novo mais simples", "how long before they answer me" is not:
    /// "before they answer me" is left) had been read by the classifier as self-harm or as being held, and got the
    /// emergency question instead of an explanation. Vetted danger phrases were read before (R11) and still win; so
    /// does the model when what is asked is one's safety or whereabouts ("me van a detener?", "saben donde estoy"),
    /// which may be a threat being told. A word or two may be left beside the phrases when they alone lean to no danger
    /// at all: "and my kids, they come with me?" on the return's pages ("they" left) had been read as a threat, "je peux
    /// emmener mes enfants?" as a child alone (a blind tester, 2026-12-07); "c'est gratuit ? il me frappe" is not, nor are
    /// words that alone read as another page ("et mes enfants ? disparus": the missing).
    /// </summary>
    private Understanding.Destination? FollowUpWordsOnly(string[] words, ContentNode? current, string language, TextClassifier model)
    {
        if (current is null || !IsFollowUpPage(current) || Length(words) > FollowUpAskedWords
            || Asked(words, language) is not { } asked || asked.Intent is SafetyIntent or PrivacyIntent
            || Rest(words, language) is var rest && (Length(rest) > FollowUpSubjectWords || (rest.Length > 0 && CarriesDanger(words, rest, model)))
            || FollowUpAnswer(current, asked.Intent) is not { } answer
            || (rest.Length > 0 && Decide(model.Predict(rest)) is Understanding.Destination { Node: var other } && other != current && other != answer))
        {
            return null;
        }

        return new Understanding.Destination(answer) { Why = FollowUpAskedWhy + asked.Intent };
    }

    /// <summary>
    /// Whether the words left beside a follow-up's phrases may tell a danger: read alone as a likely one, or adding to the
    /// whole message's danger more than <see cref="RestDangerMargin"/>.
    /// </summary>
    private bool CarriesDanger(string[] words, string[] rest, TextClassifier model)
    {
        if (Danger(rest, model.Predict(rest), Thresholds.DangerInsteadOfNothing) is not null)
        {
            return true;
        }

        var left = new List<string>(rest);
        var phrases = words.Where(w => !left.Remove(w)).ToArray();
        return DangerOf(model.Predict(words)) - DangerOf(model.Predict(phrases)) > RestDangerMargin;
    }

    /// <summary>How much more danger the whole message may hold than its follow-up phrases alone (<see cref="CarriesDanger"/>).</summary>
    public const double RestDangerMargin = 0.1;

    private double DangerOf(Prediction prediction) => prediction.Ranked().Where(r => _dangerLabels.Contains(r.Label)).Sum(r => r.Probability);

    /// <summary>Where a follow-up of this intent on this page is answered: the page's (or its flow's) follow_ups, else common.yaml's.</summary>
    private ContentNode? FollowUpAnswer(ContentNode page, string intent) =>
        (page.FollowUps.GetValueOrDefault(intent) ?? _content.Common.FollowUps.GetValueOrDefault(intent)) is { } target ? _content.Find(target) : null;

    /// <summary>Follow-ups about one's safety or whereabouts: the model's danger reading of them stands (<see cref="FollowUpWordsOnly"/>).</summary>
    private const string SafetyIntent = "safety", PrivacyIntent = "privacy";

    /// <summary>The follow-up phrase is written at this position of the words (each word as <see cref="FollowUpWord"/> reads it).</summary>
    private static bool FollowUpPhraseAt(string[] words, int start, string[] phrase)
    {
        for (var k = 0; k < phrase.Length; k++)
        {
            if (!FollowUpWord(words[start + k], phrase[k]))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>A typed word as a follow-up phrase's word: as keywords match, and as typed short ("q" for "que", "c" for "c'est").</summary>
    private static bool FollowUpWord(string typed, string expected) =>
        FuzzyKeywordWord(typed, expected) || (ShortForms.TryGetValue(expected, out var forms) && forms.Contains(typed));

    /// <summary>Words written short in chat, by the word they stand for (normalized: "c'est" is "cest").</summary>
    private static readonly FrozenDictionary<string, string[]> ShortForms = new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        ["que"] = ["q", "k", "ke"],
        ["para"] = ["pa", "pra", "pr"],
        ["cest"] = ["c", "ces", "sest"],
        ["quoi"] = ["koi", "quoa"],
        ["pour"] = ["pr", "pou"],
        ["porque"] = ["pq", "xq"],
        ["voce"] = ["vc", "vce"],
        ["voces"] = ["vcs"],
        ["tambem"] = ["tb", "tbm"],
        ["nao"] = ["n", "ñ"],
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>The words of a message that are neither in a follow-up phrase of its language, courtesy, nor a question word.</summary>
    private string[] Rest(string[] words, string language)
    {
        var covered = new bool[words.Length];
        if (_followUpWords.TryGetValue(language, out var phrases))
        {
            foreach (var (_, phrase) in phrases)
            {
                for (var start = 0; start + phrase.Length <= words.Length; start++)
                {
                    if (FollowUpPhraseAt(words, start, phrase))
                    {
                        Array.Fill(covered, true, start, phrase.Length);
                    }
                }
            }
        }

        var courtesy = CourtesyAt(words); // "explica de novo mais simples pfv": nothing left
        for (var i = 0; i < words.Length; i++)
        {
            courtesy[i] &= words[i] != "por" || (i + 1 < words.Length && words[i + 1] == "favor"); // "por escribir aquí" is no courtesy
        }

        return [.. words.Where((w, i) => !covered[i] && !courtesy[i] && !_questionWords.Any(q => q.Length == 1 && q[0] == w))];
    }

    /// <summary>A reading of a short follow-up about the page (<see cref="FollowUpAskedWhy"/>).</summary>
    public static bool IsFollowUpAsked(string? why) => why is not null && why.StartsWith(FollowUpAskedWhy, StringComparison.Ordinal);

    /// <summary>Why a danger was read by the classifier, not a vetted phrase.</summary>
    public const string ModelWhy = "model";

    /// <summary>The intent of "ok, understood": never instead of thanks or a goodbye the message was read as.</summary>
    private const string AckIntent = "ack";

    /// <summary>
    /// A page a follow-up can be about: one people reach by asking (examples) or that names its follow-ups, never the main
    /// menu; an emergency page only when it names its follow-ups (read at the offer of a person that follows it:
    /// <see cref="UnderstandAtTheOffer"/>).
    /// </summary>
    public bool IsFollowUpPage(ContentNode node) =>
        (node.Kind is NodeKind.Message or NodeKind.Menu && (node.Examples.Count > 0 || node.FollowUps.Count > 0) && node.Id != _content.Common.MenuNode)
        || (node.Kind == NodeKind.Emergency && node.FollowUps.Count > 0);

    /// <summary>
    /// A message written at the offer of a person that follows an emergency page, read as a follow-up about that page
    /// when it asks something about it: "y si voy a la policía me deportan?", "是免费的吗", "kote lapolis la ye?" had been a
    /// question between unrelated topics, or "I did not understand" and the offer again (blind testers, 2026-12-07). The
    /// offer's own reading comes first and stands when it is an option (yes, no, their words), a command or danger (R11),
    /// or itself a follow-up; otherwise the page's reading as a follow-up (its <c>follow_ups</c>: the page on speaking up
    /// safely, the page itself for its numbers) replaces it, and nothing else does.
    /// </summary>
    public Understanding UnderstandAtTheOffer(string text, ContentNode offer, ContentNode emergency, IReadOnlyList<string> shown, string? language = null, string[]? words = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(offer);
        ArgumentNullException.ThrowIfNull(emergency);
        words ??= TextNormalizer.WordsOf(PersonalData.ForMatching(text));
        var understood = UnderstandText(text, offer, shown, language, words);
        if (understood is Understanding.Picked or Understanding.Command || IsFollowUpAsked(understood.Why) || !IsFollowUpPage(emergency))
        {
            return understood;
        }

        // The model's danger in a message that asks about the page just read ("me van a quitar a mi hijo si voy a la
        // policía?" read as self-harm, "responden hoy mismo?" as a medical emergency) is a question about it: the
        // channels are on the screen already. A vetted danger phrase is danger still (R11).
        // What is left without the question's phrases must read as no sure danger alone, unless the danger read is the page's
        // own ("minha familia vai ficar sabendo?" asks about the page; "ya no quiero vivir, qué hago" and "estoy
        // sangrando mucho, qué hago" after the page for someone held are danger still, with their own lines).
        var reader = understood.WrittenIn ?? language ?? _content.Common.SourceLanguage;
        var question = Length(words) <= FollowUpAskedWords ? Asked(words, reader) : null;
        var answer = question is { } q ? FollowUpAnswer(emergency, q.Intent) : null;
        if (understood is Understanding.Danger { Why: var dangerWhy } danger)
        {
            var rest = answer is null ? [] : Rest(words, reader);
            var restRead = answer is null ? null : ClassifierFor(reader).Predict(rest);
            return answer is not null && dangerWhy.StartsWith(ModelWhy, StringComparison.Ordinal)
                && (danger.Node == emergency || (Danger(rest, restRead!) is not { Sure: true } && !AnotherTopic(rest, restRead!, answer)))
                ? new Understanding.Destination(answer) { Why = FollowUpAskedWhy + question!.Value.Intent, WrittenIn = understood.WrittenIn }
                : danger;
        }

        if (UnderstandText(text, emergency, [], language, words) is Understanding.Destination { Why: var why } about && IsFollowUpAsked(why))
        {
            return about;
        }

        // Where the bot would ask between topics or say it did not understand, what the message asks about the page is
        // the answer: "打这个电话要钱吗" had got a question between this chat and other topics. So it is where the message
        // was read as another of the page's answers: "热线是免费的吗" (this chat, where privacy is answered) asks what the
        // line costs, "quanto tempo eu tenho pra ir no médico?" (health, where care is) how long one has.
        var another = understood is Understanding.Destination { Node: var read } && read != answer
            && (emergency.FollowUps.Values.Contains(read.Id, StringComparer.Ordinal) || _content.IsFollowUpAnswer(read));
        return (understood is Understanding.Unsure or Understanding.Unknown || another) && answer is not null
            ? new Understanding.Destination(answer) { Why = FollowUpAskedWhy + question!.Value.Intent, WrittenIn = understood.WrittenIn }
            : understood;
    }

    /// <summary>
    /// What is left of a message beside its question words reads as a topic of its own, surely (a page that is no
    /// emergency, no follow-up's answer and not the answer found): "un señor me ofreció trabajo y un lugar donde dormir"
    /// after the page for a child alone holds "donde" but tells of a job offer, and is no question about where to go.
    /// A few words are no topic of their own ("minha familia vai", beside "ficar sabendo?", asks who will know).
    /// </summary>
    private bool AnotherTopic(string[] words, Prediction rest, ContentNode answer)
    {
        if (rest.KnownWords == 0 || Length(words) < AnotherTopicWords)
        {
            return false;
        }

        var (label, probability) = rest.Ranked()[0];
        return probability >= Thresholds.Target && label != answer.Id && _content.Find(label) is { } topic
            && topic.Kind != NodeKind.Emergency && !_content.IsFollowUpAnswer(topic)
            && label != _content.Common.MenuNode && label != _content.Common.OutOfScopeNode;
    }

    /// <summary>The fewest words left beside a question's words that can tell a topic of their own (<see cref="AnotherTopic"/>).</summary>
    public const int AnotherTopicWords = 5;

    /// <summary>What a follow-up asks (<see cref="CommonSettings.FollowUpIntents"/>), by its longest follow-up phrase; null when none is in it.</summary>
    public string? AskedIntent(string[] words, string language) => Asked(words, language)?.Intent;

    /// <summary>The intent of a follow-up and where its phrase is in the words: the longest phrase, a tie by the intents' order.</summary>
    private (string Intent, int Start, int Length)? Asked(string[] words, string language)
    {
        if (!_followUpWords.TryGetValue(language, out var phrases))
        {
            return null;
        }

        (string Intent, int Start, int Length)? best = null;
        var bestRank = int.MaxValue;
        foreach (var (intent, phrase) in phrases)
        {
            if (best is { } known && (phrase.Length < known.Length || phrase.Length > words.Length))
            {
                continue;
            }

            var rank = IndexOf(CommonSettings.FollowUpIntents, intent);
            if (best is { } same && phrase.Length == same.Length && rank >= bestRank)
            {
                continue;
            }

            for (var start = 0; start + phrase.Length <= words.Length; start++)
            {
                if (FollowUpPhraseAt(words, start, phrase))
                {
                    (best, bestRank) = ((intent, start, phrase.Length), rank);
                    break;
                }
            }
        }

        return best;

        static int IndexOf(IReadOnlyList<string> list, string item)
        {
            for (var i = 0; i < list.Count; i++)
            {
                if (list[i] == item)
                {
                    return i;
                }
            }

            return list.Count;
        }
    }

    /// <summary>How likely the topic's other page must be for a follow-up that read as the page the person is on.</summary>
    public const double FollowUpOtherPage = 0.04;

    /// <summary>A message's length in words; Chinese, written one word per character here, counts two characters a word.</summary>
    private static double Length(string[] words) =>
        words.Sum(w => w.Length > 0 && TextNormalizer.IsUnspacedScript(char.ConvertToUtf32(w, 0)) ? 0.5 : 1.0);

    /// <summary>The classifier's decision alone, without the phrase rules (cross-validation measures the model and its thresholds).</summary>
    public Understanding Classify(string[] words)
    {
        ArgumentNullException.ThrowIfNull(words);
        var prediction = Classifier.Predict(words);
        var decided = (Understanding?)Danger(words, prediction) ?? Decide(prediction);
        return decided is Understanding.Unknown && DangerRatherThanNothing(words, prediction) is { } guessed ? guessed : decided;
    }

    public bool IsDangerLabel(string label) => _dangerLabels.Contains(label);

    /// <summary>The classifier's ranking for a message, for the evaluation report.</summary>
    public IEnumerable<(string Label, double Probability)> Rank(string[] words, string? language = null) => ClassifierFor(language).Predict(words).Ranked();

    /// <summary>
    /// Words of courtesy and address said around an answer in every language served ("pls", "sir", "madam", "abeg",
    /// "porfa", "svp", "tanpri", "obrigado"): none of them changes a yes or a no. Normalised (no accents, lower case).
    /// </summary>
    /// <summary>Thanks among the <see cref="CourtesyWords"/> ("ok sir" is a yes; "ok thanks" may be a goodbye), and "谢" of 谢谢.</summary>
    private static readonly FrozenSet<string> ThanksWords = new[]
    {
        "thanks", "thank", "thx", "tnx", "gracias", "merci", "mesi", "obrigado", "obrigada", "obg", "valeu", "brigado", "brigada", "谢",
    }.ToFrozenSet(StringComparer.Ordinal);

    private static readonly FrozenSet<string> CourtesyWords = new[]
    {
        "pls", "plz", "plss", "plis", "please", "pliz", "sir", "sirs", "madam", "madame", "maam", "mam", "boss", "abeg", "thanks", "thank", "thx", "tnx",
        "por", "favor", "porfa", "porfavor", "porfis", "xfa", "xfavor", "pf", "gracias", "senor", "senora", "senorita", "jefe",
        "svp", "stp", "merci", "monsieur", "tanpri", "souple", "mesi", "msye",
        "obrigado", "obrigada", "obg", "moco", "moca", "senhor", "senhora", "pfv", "pfvr", "pfvor",
    }.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>
    /// Words that make a courtesy longer only beside one ("thank you very much", "muchas gracias", "muito obrigada",
    /// "merci beaucoup", "mèsi anpil"): "yes thank you" to the offer of a person had been read as thanks, and the offer
    /// was gone (found in a blind tester's try).
    /// </summary>
    private static readonly FrozenSet<string> CourtesyTails = new[]
    {
        "you", "u", "ya", "very", "much", "so", "a", "lot", "muchas", "muchisimas", "mil", "muito", "muita", "beaucoup", "anpil", "bokou",
    }.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>The message's words without <see cref="CourtesyWords"/> and the <see cref="CourtesyTails"/> beside them.</summary>
    private static string[] WithoutCourtesy(string[] words)
    {
        var courtesy = CourtesyAt(words);
        return [.. words.Where((_, i) => !courtesy[i])];
    }

    /// <summary>Which of the message's words are <see cref="CourtesyWords"/> or <see cref="CourtesyTails"/> beside them.</summary>
    private static bool[] CourtesyAt(string[] words)
    {
        var courtesy = words.Select(CourtesyWords.Contains).ToArray();
        for (var grew = true; grew;)
        {
            grew = false;
            for (var i = 0; i < words.Length; i++)
            {
                if (!courtesy[i] && CourtesyTails.Contains(words[i]) && ((i > 0 && courtesy[i - 1]) || (i + 1 < words.Length && courtesy[i + 1])))
                {
                    courtesy[i] = grew = true;
                }
            }
        }

        return courtesy;
    }

    /// <summary>
    /// Words said around a goodbye in every language served ("ok", "bueno", "well", "bon", "bom", "amigo"): none of them
    /// changes that the message only says goodbye. Normalised. Beside <see cref="CourtesyWords"/>.
    /// </summary>
    private static readonly FrozenSet<string> FarewellFillers = new[]
    {
        "ok", "okay", "oki", "okey", "oky", "k", "kk", "bueno", "bien", "vale", "listo", "pues", "entonces", "ya", "amigo", "amiga", "amigos", "pana", "hermano", "hermana",
        "mi", "todos", "ahora", "well", "alright", "allright", "right", "so", "now", "then", "again", "friend", "friends", "bro", "dear", "all", "everyone", "guys", "o",
        "bon", "bah", "alors", "ben", "daccord", "ami", "amie", "tout", "monde", "maintenant", "encore", "oke", "enben", "zanmi", "moun", "kounye", "kounyea", "a", "anko",
        "bom", "bem", "beleza", "blz", "entao", "gente", "pessoal", "agora", "ta", "td",
        "好", "的", "了", "吧", "啊", "哦", "嗯", "谢", "大", "家", "先", // Chinese is read a character at a time
    }.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>
    /// The whole message is goodbyes (common.yaml <c>farewell_words</c>, any language), with courtesy and fillers around
    /// them ("bueno chao, gracias", "ok bye bye sir", "tchau gente"): the farewell, or null. At least one goodbye.
    /// A goodbye in digits ("88", "886": bye-bye in Chinese chat) only in its own language: to someone writing Spanish it is a number.
    /// </summary>
    private Understanding.Destination? Farewell(string[] words, string? language) =>
        words.Length <= FarewellWholeWords && FarewellNode() is { } node && Goodbyes(words) is var (form, courtesy) && Covers(_farewells, form, words, courtesy, 0, words.Length) == 1
        && (!words.All(w => w.All(char.IsAsciiDigit)) || (_farewellLanguages.TryGetValue(string.Join(' ', form), out var saidIn) && saidIn.Contains(language ?? _content.Common.SourceLanguage)))
            ? new Understanding.Destination(node) { Why = FarewellWhy }
            : null;

    /// <summary>
    /// The most words (a Chinese character each) a message that is only goodbyes, courtesy and fillers may have: every
    /// text message is read for one before the classifier, and a longer one is never only a goodbye.
    /// </summary>
    public const int FarewellWholeWords = 16;

    /// <summary>The most words beside a goodbye that opens or closes the message for it to still be only a goodbye with its reason.</summary>
    public const int FarewellReasonWords = 10;

    /// <summary>Why a goodbye with its reason was read (<see cref="FarewellBeside"/>).</summary>
    public const string FarewellBesideWhy = "a goodbye closing or opening the message";

    /// <summary>
    /// A goodbye that closes or opens a short message whose other words the bot read as nothing, as a question between
    /// topics, as what it has no information on, as a topic or thanks it is not sure of, or as a danger it only guessed at
    /// ("my battery is almost dead, bye", "tengo q atender a los niños, hablamos luego", "bye, I will write tomorrow"): the
    /// goodbye with the channels and a person (common.yaml <c>farewell_after_danger</c>). Read last, so that a vetted
    /// danger phrase, despair's unsure words, a sure reading of a danger and a topic or thanks read clearly come first.
    /// </summary>
    private Understanding.Destination? FarewellBeside(string[] words, Understanding understood)
    {
        var common = _content.Common;
        // A danger the classifier only guessed at ("kids are calling me, I'll come back later" as threatened, "on se
        // voit" as a medical emergency) beside a goodbye: the goodbye with the channels, and the way to a person on it.
        // A vetted phrase, despair's unsure words and a sure reading stay the danger they are.
        var guessed = understood is Understanding.Danger { Sure: false, Why: var why } && why.StartsWith("model", StringComparison.Ordinal);
        var general = guessed || understood switch
        {
            Understanding.Unknown or Understanding.Unsure => true,
            Understanding.Destination { Why: FarewellWhy or BareNo } => false,
            Understanding.Destination { Node.Id: var id } when id == common.MenuNode => false, // a greeting, or asking what the bot knows ("bonne journée, vous parlez de quels sujets")
            Understanding.Destination { Node.Id: var id } when id == common.OutOfScopeNode || id == common.DeclinedNode => true,
            Understanding.Destination { Probability: var p } => p < Thresholds.Target, // thanks or a topic read clearly stay what they are
            _ => false,
        };
        if (!general || words.Length > FarewellReasonWords + 4 || FarewellNode() is not { } node || Goodbyes(words) is not var (form, courtesy))
        {
            return null;
        }

        for (var i = 1; i < words.Length && i <= FarewellReasonWords; i++)
        {
            // The reason first and the goodbye after it ("se me acaba la bateria, chao"), or the goodbye first ("bye, i will write tomorrow").
            // A goodbye that is also a verb opening a sentence ("fui roubado, to sem dinheiro": I was robbed) opens no goodbye
            // before two words or more ("fui, valeu" is still one).
            if (Covers(_farewellsInWords, form, words, courtesy, i, words.Length) == 1
                || (Covers(_farewellsInWords, form, words, courtesy, 0, words.Length - i) == 1 && !(words.Length - i == 1 && i >= 2 && OpeningVerbs.Contains(form[0]))))
            {
                // The other words may be a last farewell no vetted phrase knows ("thanks for trying but it's too late for me,
                // bye", "帮我跟我妈说声对不起，再见"): the classifier does not tell them from a goodbye with its reason (a blind
                // set, 2026-12-06), so a goodbye beside other words always comes with the channels and the way to a person.
                var safe = common.FarewellAfterDangerNode is { } safeId ? _content.Find(safeId) : null;
                return new Understanding.Destination(safe ?? node) { Why = FarewellBesideWhy };
            }
        }

        return null;
    }

    /// <summary>
    /// Goodbyes that are also a verb a sentence opens with: Portuguese "fui" ("I'm off") is "I was" in "fui roubado, to sem
    /// dinheiro nenhum" (a blind tester, 2026-12-07: read as a goodbye with its reason). Alone or closing a message they
    /// stay goodbyes ("fui", "vlw, fui"). Normalised.
    /// </summary>
    private static readonly FrozenSet<string> OpeningVerbs = new[] { "fui" }.ToFrozenSet(StringComparer.Ordinal);

    private ContentNode? FarewellNode() =>
        _farewells.Count > 0 && _content.Common.FarewellNode is { } id ? _content.Find(id) : null;

    /// <summary>The message's words as goodbyes are compared (<see cref="AnswerForm"/>), and which of them are courtesy.</summary>
    private static (string[] Form, bool[] Courtesy)? Goodbyes(string[] words) => words.Length == 0 ? null : (AnswerForm(words), CourtesyAt(words));

    /// <summary>
    /// Whether the words from <paramref name="from"/> to <paramref name="to"/> are goodbyes, courtesy and fillers: 1 with
    /// a goodbye among them, 0 with only courtesy and fillers, -1 when another word is there.
    /// </summary>
    private static int Covers(List<string[]> farewells, string[] form, string[] words, bool[] courtesy, int from, int to)
    {
        var covered = new int[to - from + 1]; // covered[i - from]: the words from i to the end
        for (var i = to - 1; i >= from; i--)
        {
            var at = i - from;
            covered[at] = courtesy[i] || FarewellFillers.Contains(form[i]) || FarewellFillers.Contains(words[i]) ? covered[at + 1] : -1;
            foreach (var phrase in farewells)
            {
                if (phrase.Length <= to - i && covered[at + phrase.Length] >= 0 && form.AsSpan(i, phrase.Length).SequenceEqual(phrase))
                {
                    covered[at] = 1;
                    break;
                }
            }
        }

        return covered[0];
    }

    /// <summary>
    /// Whether a message says no or declines anywhere in it: the offer of a person's "no" words and the common answer
    /// words for no and for not saying (common.yaml <c>answer_words</c>), in any language. At the offer of a person, a
    /// request for one that the classifier read in such a message is no "yes" (R4): "prefiro não falar" had opened a
    /// case, read as asking for a person (a new user's try).
    /// </summary>
    public bool Declines(string[] words)
    {
        ArgumentNullException.ThrowIfNull(words);
        var form = AnswerForm(words);
        return _declines.Exists(phrase => Fuzzy.ContainsPhrase(form, phrase, ExactKeywordWord));
    }

    /// <summary>True for a question answered yes or no (consent, confirmations, pre-screening): its words must be the whole message.</summary>
    public static bool IsYesNoQuestion(ContentNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        return node.Choices.Any(c => c.Id == "yes") && node.Choices.Any(c => c.Id == "no");
    }

    /// <summary>
    /// R2 with a question: "my passport number is …, I want to go home" was read as "here are my details" (the menu) and
    /// the question was lost. When the whole message reads as the menu or as nothing clear, it is read again in parts,
    /// each ending with its identifying data ("my passport number is …" reads as details, as the examples teach), and
    /// what follows the last of them; the first part that names a topic clearly (not the menu) is taken. A part needs
    /// <see cref="WordsBesideDataForATopic"/> words ("necesito comida", "我想回国").
    /// </summary>
    private Understanding.Destination? TopicBesideData(string[] words, Understanding decided, TextClassifier model)
    {
        if (!words.Contains(PersonalData.Placeholder)
            || decided is Understanding.Destination { Node.Id: var id } && id != _content.Common.MenuNode
            || decided is Understanding.Command)
        {
            return null;
        }

        var start = 0;
        for (var i = 0; i < words.Length; i++)
        {
            var end = words[i] == PersonalData.Placeholder ? i + 1 : i == words.Length - 1 ? words.Length : -1;
            if (end < 0)
            {
                continue;
            }

            var part = words[start..end];
            start = end;
            if (part.Length < words.Length && Length([.. part.Where(w => w != PersonalData.Placeholder)]) >= WordsBesideDataForATopic
                && Decide(model.Predict(part)) is Understanding.Destination { Node.Id: var node } topic && node != _content.Common.MenuNode)
            {
                return topic with { Why = "model, beside identifying data" };
            }
        }

        return null;
    }

    /// <summary>The words a stretch beside identifying data must hold to be read as a topic (<see cref="TopicBesideData"/>).</summary>
    public const int WordsBesideDataForATopic = 2;

    /// <summary>The words a sentence without identifying data must hold to be read for danger alone: "me quitaron el pasaporte", not "tengo 3 hijos".</summary>
    public const int WordsForDangerInASentence = 4;

    /// <summary>The words a message of one sentence must hold besides its identifying data to be read for danger (<see cref="UnderstandText"/>).</summary>
    private const int WordsBesideData = 5;

    private Understanding.Danger? Danger(string[] words, Prediction prediction, double? leadingAt = null)
    {
        if (prediction.KnownWords == 0)
        {
            return null;
        }

        // How likely any danger is: the probability of all danger categories together. Below the threshold, a danger
        // category that is still the single most likely meaning is a guess worth the emergency channels and a question;
        // a topic people name beside danger (food, a bed) does not count against it: "they hunt me, I need somewhere to
        // sleep" is danger first.
        var danger = DangerOf(prediction);
        var top = prediction.Ranked().First(r => !_yieldingLabels.Contains(r.Label));
        var leading = _dangerLabels.Contains(top.Label) && top.Probability >= (leadingAt ?? Thresholds.DangerLeading);
        if (danger < Thresholds.DangerUnsure && !leading)
        {
            return null;
        }

        // Which danger: the most likely category, when it holds most of the danger; otherwise the bot asks which.
        var ranked = prediction.Ranked().ToList();
        var categories = ranked.Where(r => _dangerLabels.Contains(r.Label)).ToList();
        var category = _content.Nodes[categories[0].Label];
        if (danger >= Thresholds.DangerSure && categories[0].Probability >= danger / 2)
        {
            return new Understanding.Danger(category, Sure: true, []) { Why = ModelWhy, Confidence = danger };
        }

        // Not sure: the emergency channels first, then a question between the likely situations and the likely topic.
        var alternatives = categories.Skip(1).Where(d => d.Probability >= Thresholds.Candidate).Take(1)
            .Concat(ranked.Where(r => !_dangerLabels.Contains(r.Label) && r.Probability >= Thresholds.Candidate).Take(1))
            .Select(r => NodeOf(r.Label))
            .OfType<ContentNode>()
            .ToList();
        return new Understanding.Danger(category, Sure: false, alternatives) { Why = ModelWhy, Confidence = danger };
    }

    private Understanding Decide(Prediction prediction)
    {
        if (prediction.KnownWords == 0)
        {
            return new Understanding.Unknown { Why = NoKnownWord };
        }

        var ranked = prediction.Ranked().Where(r => !_dangerLabels.Contains(r.Label)).ToList();
        var (label, probability) = ranked[0];
        var next = ranked.Count > 1 ? ranked[1].Probability : 0.0;

        // Several nodes of one flow sharing the probability ("cuánto cuesta el retorno": what it is, how it works) still
        // mean that flow: the most likely of them is a good answer, and its options lead to the others.
        var flow = NodeOf(label) is { } top && top.FlowId != _content.Find(_content.Common.MenuNode)?.FlowId ? top.FlowId : null;
        var flowShare = flow is null ? probability : ranked.Where(r => NodeOf(r.Label)?.FlowId == flow).Sum(r => r.Probability);
        var clear = probability >= Thresholds.Target && probability - next >= Thresholds.TargetMargin;
        var oneFlow = probability >= Thresholds.Clarify && flowShare >= Thresholds.Target + Thresholds.TargetMargin;
        if (clear || oneFlow)
        {
            if (label.StartsWith(CommandPrefix, StringComparison.Ordinal) && Enum.TryParse<GlobalCommand>(label[CommandPrefix.Length..], ignoreCase: true, out var command))
            {
                return new Understanding.Command(command, Alone: false) { Why = "model" };
            }

            if (_content.Find(label) is { } node)
            {
                return new Understanding.Destination(node) { Why = clear ? "model" : "model (flow)", Probability = probability };
            }
        }

        if (probability < Thresholds.Clarify)
        {
            return new Understanding.Unknown { Why = "model unsure" };
        }

        var candidates = ranked.Where(r => r.Probability >= Thresholds.Candidate)
            .Select(r => NodeOf(r.Label))
            .OfType<ContentNode>()
            .DistinctBy(n => n.Id)
            .Take(Thresholds.MaxCandidates)
            .ToList();
        return candidates.Count switch
        {
            0 => new Understanding.Unknown { Why = "model unsure" },
            _ => new Understanding.Unsure(candidates) { Why = "model" },
        };
    }

    /// <summary>The node a label leads to: a node id, or the node a command opens (a person, the menu, the languages).</summary>
    public ContentNode? NodeOf(string label)
    {
        ArgumentNullException.ThrowIfNull(label);
        if (!label.StartsWith(CommandPrefix, StringComparison.Ordinal))
        {
            return _content.Find(label);
        }

        var common = _content.Common;
        return label[CommandPrefix.Length..] switch
        {
            "human" => _content.Find(common.HandoffNode),
            "menu" => _content.Find(common.MenuNode),
            "language" => _content.Find(common.LanguageMenuNode),
            _ => null,
        };
    }

    /// <summary>Why a number is not understood: the list shown has no option at that place. Final, read by no model.</summary>
    private const string NumberNotListed = "a number not on the list";

    /// <summary>
    /// "2", "2️⃣", "opción 2", "la 2", "2 por favor": the option at that place in the last list shown; empty for a number
    /// past the list.
    /// </summary>
    private string? Number(string[] words, ContentNode? current, IReadOnlyList<string> shown, bool strict, string? language)
    {
        var match = ChoiceNumber().Match(InDigits(string.Join(' ', WithoutCourtesy(words)), language)); // "2 pls", "el 4 por favor", "la tres"
        if (!match.Success || !int.TryParse(match.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
        {
            return null;
        }

        // A number past the list ("4" under three options) is an option misread, never a question: the classifier had
        // read it as one (out of scope), and the options were gone (found in a new user's try).
        if (shown.Count > 0)
        {
            return number < 1 ? null : number <= shown.Count ? shown[number - 1] : string.Empty; // "0" is the menu
        }

        // A conversation saved before lists were remembered: the current node's own choices, except for a yes/no
        // question, where a number is accepted only when its list is known to be the last one shown (R4).
        return current is not null && !strict && number >= 1 && number <= current.Choices.Count
            ? ContentNode.ChoiceKey(current.Id, current.Choices[number - 1].Id)
            : null;
    }

    /// <summary>A number in words (content <c>number_words</c>) as its digits: the whole message ("tres", "第二个"), or its last word ("la dos", "option deux").</summary>
    private string InDigits(string text, string? language)
    {
        if (_numberWords.Read(text, language) is { } whole)
        {
            return whole.ToString(CultureInfo.InvariantCulture);
        }

        // Only after an article or an option's name: "no one" is nobody, not "No. 1".
        var space = text.LastIndexOf(' ');
        return space > 0 && NumberWordBefore().IsMatch(text[..space]) && _numberWords.Read(text[(space + 1)..], language) is { } last
            ? $"{text[..(space + 1)]}{last.ToString(CultureInfo.InvariantCulture)}"
            : text;
    }

    [GeneratedRegex(@"^(?:(?:la|el|le|l|the|o)|(?:(?:la|el|le|l|the|o)\s+)?(?:opcion|opcao|option|opsyon|numero|number|nimewo))$", RegexOptions.CultureInvariant)]
    private static partial Regex NumberWordBefore();

    /// <summary>The whole message is the label of one of the options shown, in any language (small typos allowed).</summary>
    private string? Label(string[] words, ContentNode? current, IReadOnlyList<string> shown)
    {
        var keys = shown.Count > 0 ? shown : current?.Choices.Select(c => ContentNode.ChoiceKey(current.Id, c.Id)).ToList() ?? [];
        foreach (var key in keys)
        {
            foreach (var label in LabelWords(key))
            {
                if (Fuzzy.EqualsPhrase(words, label))
                {
                    return key;
                }
            }
        }

        return null;
    }

    /// <summary>The label words of a choice key: a node's own choice, or a node a clarifying question offers (its title).</summary>
    private string[][] LabelWords(string key)
    {
        if (_labelWords.TryGetValue(key, out var words))
        {
            return words;
        }

        var slash = key.LastIndexOf('/');
        return slash > 0 && _titleWords.TryGetValue(key[(slash + 1)..], out var title) ? title : [];
    }

    /// <summary>
    /// The choice of <paramref name="node"/> whose keywords the message contains. With <paramref name="whole"/> (a
    /// yes/no question) a keyword must be the whole message: "no quiero" never contains a "yes".
    /// </summary>
    private (Choice Choice, string[] Phrase)? ChoiceKeyword(ContentNode node, string[] words, bool whole)
    {
        foreach (var choice in node.Choices)
        {
            foreach (var phrase in _keywordWords.TryGetValue(ContentNode.ChoiceKey(node.Id, choice.Id), out var phrases) ? phrases : [])
            {
                if (whole ? Fuzzy.EqualsPhrase(words, phrase) : Fuzzy.ContainsPhrase(words, phrase))
                {
                    return (choice, phrase);
                }
            }
        }

        return null;
    }

    /// <summary>Why a message that only takes something back was read as a refusal (<see cref="TakenBack"/>).</summary>
    public const string TakenBackWhy = "taken back";

    private Understanding.Destination? TakenBack(string[] words, ContentNode? current, string? language)
    {
        if ((current is not null && IsYesNoQuestion(current)) || _content.Common.DeclinedNode is not { } id || _content.Find(id) is not { } declined)
        {
            return null;
        }

        var plain = WithoutCourtesy(words);
        if (plain.Length == 0 || !_withdrawWords.Exists(w => w.AsSpan().SequenceEqual(plain)))
        {
            return null;
        }

        // A reading as a danger said indirectly (the categories with warning signs: despair, being left behind) is kept:
        // "ya no importa", "i dont want to talk anymore" may be a last farewell.
        return Danger(words, ClassifierFor(language).Predict(words)) is { Node.WarningSigns.Count: > 0 }
            ? null
            : new Understanding.Destination(declined) { Why = TakenBackWhy };
    }

    private Understanding? Refusal(ContentNode? current, IReadOnlyList<string> shown, string[] words, string? language)
    {
        var common = _content.Common;
        if (_content.Find(common.HandoffConsentNode) is not { } consent || ChoiceKeyword(consent, words, whole: true) is not ({ Id: "yes" or "no" } answer, _))
        {
            return null;
        }

        // A bare yes or no where no question was asked (a first message, the notice, the languages) answers nothing
        // the bot can see: not understood, never read by the classifier (which read a Creole "non" as sexual violence).
        if (current is null || current.Id == common.StartNode || current.Id == common.LanguageMenuNode)
        {
            if (current is not null && ChoiceKeyword(current, words, whole: true) is not null)
            {
                return null;
            }

            // The notice asks to go on in the language it is written in: "wi", "ok", "sí" go on in it (a woman who had
            // said yes to a person before the notice answered it "wi", and got the notice again). The language the
            // message is read in, else the one listed first.
            var goOn = language is not null && shown.Contains(ContentNode.ChoiceKey(common.StartNode, language))
                ? ContentNode.ChoiceKey(common.StartNode, language)
                : shown.Count > 0 ? shown[0] : null;
            return answer.Id == "yes" && current?.Id == common.StartNode && goOn is not null
                ? new Understanding.Picked(goOn) { Why = BareYesToTheNotice }
                : new Understanding.Unknown { Why = BareAnswer };
        }

        // Declining to say is the offer of a person's "no", and a question's "prefer not to say" where it offers one.
        var form = AnswerForm(words);
        if (answer.Id != "no" || (current.Choices.Any(c => c.Id == "skip") && (_answerWords.GetValueOrDefault("skip") ?? []).Exists(p => p.AsSpan().SequenceEqual(form))))
        {
            return null;
        }

        if (IsYesNoQuestion(current))
        {
            return new Understanding.Picked(ContentNode.ChoiceKey(current.Id, "no")) { Why = BareNo };
        }

        return common.DeclinedNode is { } declined && _content.Find(declined) is { } node ? new Understanding.Destination(node) { Why = BareNo } : null;
    }

    /// <summary>Why a message that is one of a question's own answer examples, whole, was read as that answer.</summary>
    public const string AnswerExampleWhy = "one of the question's own answers";

    private static string ExampleKey(string node, string[] words) => $"{node}\t{string.Join(' ', AnswerForm(words))}";

    /// <summary>Why an answer in words to a yes/no question of the way was read as its yes or its no.</summary>
    public const string OpeningAnswerWhy = "an answer opening the message";

    /// <summary>Why a short answer naming what a yes/no question asks about (its <c>answer_names</c>) was read as its yes.</summary>
    public const string NamedAnswerWhy = "an answer naming what the question asks";

    /// <summary>Why an answer in words was read by its question's own model (content <c>answer_examples</c>).</summary>
    public const string AnswerModelWhy = "the question's answers";

    /// <summary>The most words an answer read by its question's own model may have.</summary>
    public const int AnswerModelWords = 12;

    /// <summary>How sure a question's own model must be of one answer (chosen on tests/Evaluation/dev/answers.tsv).</summary>
    public const double AnswerModelSure = 0.8;

    /// <summary>The label of a question's own model for the dangers the question names (<c>answer_names</c>).</summary>
    private const string AnswerDanger = "danger";

    /// <summary>The answer a question's own model is sure of, if any: at least one word it knows, and <see cref="AnswerModelSure"/>; never a danger.</summary>
    private static string? AnswerOf((string? Label, double Probability) reading) =>
        reading is ({ } answer and not AnswerDanger, >= AnswerModelSure) ? answer : null;

    /// <summary>True when a question's own model reads the message most likely as a danger the question names.</summary>
    private static bool NamesItsDanger((string? Label, double Probability) reading) =>
        reading is (AnswerDanger, var p) && p >= NamedDangerSure;

    /// <summary>
    /// How likely a question's own model must find the danger it names for an answer to be read as that danger (0.6,
    /// chosen on tests/Evaluation/dev/answers.tsv: the lowest that kept "yes my son has fever" to the question on health an
    /// answer; every development danger is kept from 0 to 0.8).
    /// </summary>
    public const double NamedDangerSure = 0.6;

    private (string? Label, double Probability) AnswerReading(ContentNode question, string[] words)
    {
        if (!_answerModels.TryGetValue(question.Id, out var model))
        {
            return (null, 0);
        }

        var prediction = model.Predict(words);
        return prediction.KnownWords > 0 ? prediction.Ranked()[0] : (null, 0);
    }

    /// <summary>
    /// How sure the classifier must be of a danger in the words of an answer (after an opening yes or no, or beside the
    /// question's own model's answer) for it to be that danger rather than the answer: chosen with <see
    /// cref="AnswerModelSure"/> on tests/Evaluation/dev/answers.tsv, as the most answers right with every danger kept.
    /// </summary>
    public const double OpeningAnswerDanger = 0.8;

    /// <summary>The fewest words after an opening yes or no that may tell a danger of their own.</summary>
    public const int OpeningAnswerAccount = 4;

    /// <summary>The most words after an opening yes or no for the message to still be that answer.</summary>
    public const int OpeningAnswerRest = 8;

    /// <summary>
    /// The yes or the no of a yes/no question that is the whole message or opens it with 2 to
    /// <see cref="OpeningAnswerRest"/> words after it: the question's own keywords and labels, and the offer of a
    /// person's yes and no words, which are every language's. One word after it is not enough ("no sé" is not a no;
    /// one Chinese character is: "不怕");
    /// the longest phrase wins ("no quiero" over "no"), and a yes and a no that open it alike answer nothing.
    /// </summary>
    private (string Id, string[] After)? OpeningAnswer(ContentNode node, string[] words)
    {
        (string Id, int Length)? best = null;
        var tied = false;
        var said = AnswerForm(words);
        foreach (var id in CommonSettings.AnswerIds)
        {
            if (!_answerPhrases.TryGetValue(ContentNode.ChoiceKey(node.Id, id), out var phrases))
            {
                continue;
            }

            foreach (var phrase in phrases.Where(p => p.Length <= words.Length))
            {
                var rest = words.Length - phrase.Length;
                // One word after a one-word answer is a sentence that starts so ("no sé"), but one character of an
                // unspaced script is the answer's verb ("不怕", not afraid, to "你害怕回去吗？"); after a longer answer it is
                // what the answer is about ("prefiero no decir eso").
                var sentence = rest == 1 && phrase.Length == 1 && !TextNormalizer.IsUnspacedScript(char.ConvertToUtf32(words[^1], 0));
                if (sentence || rest > OpeningAnswerRest || !said.AsSpan(0, phrase.Length).SequenceEqual(phrase))
                {
                    continue;
                }

                if (best is null || phrase.Length > best.Value.Length)
                {
                    (best, tied) = ((id, phrase.Length), false);
                }
                else if (phrase.Length == best.Value.Length && best.Value.Id != id)
                {
                    tied = true;
                }
            }
        }

        return tied || best is not { } found ? null : (found.Id, words[found.Length..]);
    }

    /// <summary>
    /// Words as an answer is compared: a letter repeated in a row is written once ("siii", "yess", "noooo", "simm" are
    /// "si", "yes", "no", "sim"), on both sides, and Spanish text-speak's "q" and "k" are "que" ("para q quieren saber").
    /// </summary>
    public static string[] AnswerForm(string[] words)
    {
        ArgumentNullException.ThrowIfNull(words);
        var result = new string[words.Length];
        for (var i = 0; i < words.Length; i++)
        {
            var word = words[i];
            result[i] = word is "q" or "k" ? "que" : Repeats(word) ? Squeezed(word) : word; // "para q": text-speak
        }

        return result;

        static bool Repeats(string word)
        {
            for (var i = 1; i < word.Length; i++)
            {
                if (word[i] == word[i - 1] && char.IsLetter(word[i]))
                {
                    return true;
                }
            }

            return false;
        }

        static string Squeezed(string word)
        {
            var squeezed = new System.Text.StringBuilder(word.Length);
            foreach (var c in word)
            {
                if (squeezed.Length == 0 || squeezed[^1] != c || !char.IsLetter(c))
                {
                    squeezed.Append(c);
                }
            }

            return squeezed.ToString();
        }
    }

    /// <summary>Why a refusal was read: final in every language, as an option picked is.</summary>
    private const string BareNo = "a bare no";

    /// <summary>Why a goodbye was read: the whole message is goodbyes, courtesy and fillers (<see cref="Farewell"/>).</summary>
    public const string FarewellWhy = "a goodbye";

    /// <summary>Why a message is not understood when the model knows none of its words.</summary>
    private const string NoKnownWord = "no known word";

    /// <summary>Why a bare yes under the notice goes on in the notice's language (its first option).</summary>
    private const string BareYesToTheNotice = "a bare yes to the notice";

    /// <summary>Why a bare yes or no where no question was asked is not understood: final, read by no model.</summary>
    private const string BareAnswer = "a bare yes or no, no question asked";

    /// <summary>The most words beside an option's keyword for the message to still be only that option.</summary>
    public const int ChoiceKeywordSlack = 3;

    /// <summary>
    /// An option's keyword inside a longer message that asks about a topic ("hola, en español: quiero volver a mi país",
    /// "sou brasileira … quero voltar pro brasil") is not the whole of it: the question is read, and the option is not
    /// taken, so the question is never lost (at the notice, where it pointed is kept for after it).
    /// </summary>
    /// <summary>
    /// "ok gracias", "ok thank you", "ta bom obrigada", "好的 谢谢" at the offer of a person: a thanks said with an "ok"
    /// (a yes word of the offer that is also how people acknowledge what they read: common.yaml <c>follow_up_words</c>'
    /// <c>ack</c>) is thanks, not consent (R4). Two blind testers (2026-12-07) had their "ok thanks" open a case. A yes
    /// that says yes ("sí gracias", "yes please", "sim, obrigada") stays a yes. Read as thanks, <see cref="OkAndThanksWhy"/>:
    /// the dialog engine asks the question again (a yes is never guessed).
    /// </summary>
    private Understanding.Destination? ThanksBesideAnOk(ContentNode current, Choice keyword, string[] phrase, string[] words, Prediction prediction) =>
        current.Id == _content.Common.HandoffConsentNode && keyword.Id == "yes" && words.Length > phrase.Length && words.Any(ThanksWords.Contains)
        && _followUpWords.Values.Any(list => list.Exists(f => f.Intent == AckIntent && Fuzzy.ContainsPhrase(f.Phrase, phrase) && Fuzzy.ContainsPhrase(words, f.Phrase)))
        && Decide(prediction) is Understanding.Destination { Node: var read } thanks && read.Id == _content.Common.FollowUps.GetValueOrDefault(AckIntent)
            ? thanks with { Why = OkAndThanksWhy }
            : null;

    /// <summary>Why "ok gracias" at the offer of a person was read as thanks, not as its yes (<see cref="ThanksBesideAnOk"/>).</summary>
    public const string OkAndThanksWhy = "ok beside thanks";

    private bool AskedBeside(string[] words, string[] phrase, Prediction prediction)
    {
        if (Length(words) <= Length(phrase) + ChoiceKeywordSlack)
        {
            return false;
        }

        return Decide(prediction) switch
        {
            Understanding.Destination go => Topic(go.Node),
            Understanding.Unsure unsure => unsure.Candidates.Any(Topic),
            _ => false,
        };

        bool Topic(ContentNode node) => node.Id != _content.Common.MenuNode && node.Id != _content.Common.StartNode && node.Id != _content.Common.LanguageMenuNode;
    }

    /// <summary>Every language's label of a choice key: a node's own choice, or a node offered by a clarifying question (its title).</summary>
    public IEnumerable<string> LabelsOf(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var slash = key.LastIndexOf('/');
        if (slash <= 0 || _content.Find(key[..slash]) is not { } node)
        {
            yield break;
        }

        var id = key[(slash + 1)..];
        if (node.Choices.FirstOrDefault(c => c.Id == id) is { } choice)
        {
            foreach (var label in choice.Label.Values.Values)
            {
                yield return label;
            }
        }
        else if (_content.Find(id)?.Title is { } title)
        {
            foreach (var label in title.Values.Values)
            {
                yield return label;
            }
        }
    }

    /// <summary>The examples, keywords, titles and command phrases written in <paramref name="languages"/>.</summary>
    private static List<LabelledText> TrainingExamples(ContentSet content, HashSet<string> languages)
    {
        var examples = new List<LabelledText>();
        void Add(string text, string label)
        {
            var words = TextNormalizer.WordsOf(PersonalData.ForMatching(text));
            if (words.Length > 0)
            {
                examples.Add(new LabelledText(words, label));
            }
        }

        IEnumerable<T> In<T>(IReadOnlyDictionary<string, IReadOnlyList<T>> perLanguage) =>
            perLanguage.Where(p => languages.Contains(p.Key)).SelectMany(p => p.Value);

        foreach (var node in content.NodeList)
        {
            foreach (var phrase in In(node.Examples))
            {
                Add(phrase.Text, node.Id);
            }

            foreach (var phrase in In(node.Keywords))
            {
                Add(phrase, node.Id);
            }

            if (node.Examples.Count > 0 && node.Title is { } title)
            {
                foreach (var text in title.Values.Where(t => languages.Contains(t.Key)).Select(t => t.Value).Distinct(StringComparer.Ordinal))
                {
                    Add(text, node.Id);
                }
            }
        }

        foreach (var (command, perLanguage) in content.Common.Commands)
        {
            var label = CommandPrefix + command.ToString().ToLowerInvariant();
            foreach (var phrase in In(perLanguage))
            {
                Add(phrase, label);
            }

            if (content.Common.CommandExamples.TryGetValue(command, out var examplesOf))
            {
                foreach (var phrase in In(examplesOf))
                {
                    Add(phrase.Text, label);
                }
            }
        }

        return examples;
    }

    private static bool MostlyUnspaced(IEnumerable<string> texts)
    {
        var letters = 0;
        var unspaced = 0;
        foreach (var rune in texts.Take(200).SelectMany(t => t.EnumerateRunes()))
        {
            if (Rune.IsLetter(rune))
            {
                letters++;
                unspaced += TextNormalizer.IsUnspacedScript(rune.Value) ? 1 : 0;
            }
        }

        return letters > 0 && unspaced * 2 > letters;
    }

    /// <summary>Everything the content says in each language: how the language identifier learns what each one looks like.</summary>
    private static Dictionary<string, IEnumerable<string>> Corpus(ContentSet content)
    {
        var corpus = new Dictionary<string, IEnumerable<string>>(StringComparer.Ordinal);
        foreach (var language in content.Common.Languages)
        {
            var code = language.Code;
            IEnumerable<IReadOnlyDictionary<string, IReadOnlyList<string>>> lists = [.. content.NodeList.Select(n => n.Keywords), .. content.NodeList.Select(n => n.UntrainedKeywords), .. content.Common.Commands.Values];
            corpus[code] = content.NodeList.Select(n => n.Text[code])
                .Concat(content.NodeList.SelectMany(n => n.Choices).Select(c => c.Label[code]))
                .Concat(content.NodeList.SelectMany(n => n.Examples.TryGetValue(code, out var e) ? e.Select(p => p.Text) : []))
                .Concat(content.Common.CommandExamples.Values.SelectMany(e => e.TryGetValue(code, out var p) ? p.Select(x => x.Text) : []))
                .Concat(lists.SelectMany(l => l.TryGetValue(code, out var p) ? p : []))
                .Concat(content.Common.Texts.Values.Select(t => t[code]))
                .Concat(Enumerable.Repeat(language.DetectWords, 3).SelectMany(w => w))
                .Where(t => !string.IsNullOrWhiteSpace(t))
                .Select(t => ContentRenderer.WithoutPlaceholders(t))
                .ToList();
        }

        return corpus;
    }

    [GeneratedRegex(@"^(?:(?:la|el|le|l|the|a|o)\s+)?(?:(?:opcion|opcao|option|opsyon|numero|number|nimewo|no|nr|num)\s*)?([0-9]{1,2})$", RegexOptions.CultureInvariant)]
    private static partial Regex ChoiceNumber();
}
