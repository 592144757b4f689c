using OimBot.Content.Yaml;
using YamlDotNet.RepresentationModel;

namespace OimBot.Content;

/// <summary>
/// What the bot needs to recognise and understand a translated language (<c>content/translations/&lt;code&gt;.language.yaml</c>):
/// the words that identify it, its calendar words, its commands, and what its speakers type, keyed by node id. Written by
/// content officers who speak the language; the texts the bot says are in the translation file beside it.
/// </summary>
public sealed record LanguageData(
    string Language,
    IReadOnlyList<string> Detect,
    IReadOnlyList<string> CallingCodes,
    IReadOnlyList<string> QuestionWords,
    IReadOnlyList<string> Weekdays,
    IReadOnlyList<string> Months,
    IReadOnlyList<string> PreviewWords,
    IReadOnlyDictionary<GlobalCommand, IReadOnlyList<string>> Commands,
    IReadOnlyDictionary<GlobalCommand, IReadOnlyList<Phrase>> CommandExamples,
    IReadOnlyDictionary<string, IReadOnlyList<string>> Keywords,
    IReadOnlyDictionary<string, IReadOnlyList<string>> ChoiceKeywords,
    IReadOnlyDictionary<string, IReadOnlyList<Phrase>> Examples,
    SourceLocation Location)
{
    /// <summary>An emergency node's unsure keywords in this language (<c>unsure_keywords: { node id: [phrases] }</c>).</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> UnsureKeywords { get; init; } = new Dictionary<string, IReadOnlyList<string>>();

    /// <summary>An emergency's warning signs in this language (<c>warning_signs: { node id: [phrases] }</c>; <see cref="ContentNode.WarningSigns"/>).</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> WarningSigns { get; init; } = new Dictionary<string, IReadOnlyList<string>>();

    /// <summary>An emergency node's keywords that are not training data, in this language (<c>untrained_keywords: { node id: [phrases] }</c>).</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> UntrainedKeywords { get; init; } = new Dictionary<string, IReadOnlyList<string>>();

    /// <summary>A page's keywords for what nothing else understood, in this language (<c>fallback_keywords: { node id: [phrases] }</c>).</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> FallbackKeywords { get; init; } = new Dictionary<string, IReadOnlyList<string>>();

    /// <summary>Answers in words to a yes/no question of the way in this language, by choice id (<c>answer_words: { yes: [...], no: [...], skip: [...] }</c>).</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> AnswerWords { get; init; } = new Dictionary<string, IReadOnlyList<string>>();

    /// <summary>What a short follow-up asks, by intent (<c>follow_up_words</c>; <see cref="CommonSettings.FollowUpWords"/>).</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> FollowUpWords { get; init; } = new Dictionary<string, IReadOnlyList<string>>();

    /// <summary>Goodbyes said as the whole message in this language (<c>farewell_words</c>; <see cref="CommonSettings.FarewellWords"/>).</summary>
    public IReadOnlyList<string> FarewellWords { get; init; } = [];

    /// <summary>Someone who may see one's phone, in this language (<c>watchers</c>; <see cref="CommonSettings.Watchers"/>).</summary>
    public IReadOnlyList<string> Watchers { get; init; } = [];

    /// <summary>Seeing, finding out, the phone or this chat, in this language (<c>watching</c>; <see cref="CommonSettings.Watching"/>).</summary>
    public IReadOnlyList<string> Watching { get; init; } = [];

    /// <summary>Taking back the request for a person, in this language (<c>withdraw_words</c>; <see cref="CommonSettings.WithdrawWords"/>).</summary>
    public IReadOnlyList<string> WithdrawWords { get; init; } = [];

    /// <summary>Death said as a manner of speaking, in this language (<c>figures_of_speech</c>; <see cref="CommonSettings.FiguresOfSpeech"/>).</summary>
    public IReadOnlyList<string> FiguresOfSpeech { get; init; } = [];

    /// <summary>Someone arriving, in this language (<c>arriving_words</c>; <see cref="CommonSettings.ArrivingWords"/>).</summary>
    public IReadOnlyList<string> ArrivingWords { get; init; } = [];

    /// <summary>Being safe now, in this language (<c>safe_words</c>; <see cref="CommonSettings.SafeWords"/>).</summary>
    public IReadOnlyList<string> SafeWords { get; init; } = [];

    /// <summary>Answers in words to a yes/no question in this language, by node then choice id (<c>answer_examples: { node id: { yes: [...] } }</c>).</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, IReadOnlyList<string>>> AnswerExamples { get; init; } =
        new Dictionary<string, IReadOnlyDictionary<string, IReadOnlyList<string>>>();

    /// <summary>A yes/no question's subject in this language (<c>answer_subject: { node id: [words] }</c>; <see cref="ContentNode.AnswerSubject"/>).</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> AnswerSubjects { get; init; } = new Dictionary<string, IReadOnlyList<string>>();

    /// <summary>A child's age from 8 to 17 written in words, in order (<c>child_ages</c>; <see cref="CommonSettings.ChildAges"/>).</summary>
    public IReadOnlyList<string> ChildAges { get; init; } = [];

    /// <summary>A numbered list's numbers in words, from one up (<c>number_words</c>; <see cref="CommonSettings.NumberWords"/>).</summary>
    public IReadOnlyList<string> NumberWords { get; init; } = [];

    /// <summary>The file name of a language's understanding data, beside its translation file.</summary>
    public const string Suffix = ".language.yaml";

    private static readonly string[] Fields =
        ["language", "detect", "calling_codes", "question_words", "weekdays", "months", "preview_words", "commands", "command_examples", "keywords", "choice_keywords", "unsure_keywords", "warning_signs", "untrained_keywords", "fallback_keywords", "answer_words", "follow_up_words", "farewell_words", "watchers", "watching", "withdraw_words", "figures_of_speech", "arriving_words", "safe_words", "answer_subject", "answer_examples", "child_ages", "number_words", "examples"];

    /// <summary>Reads a language file; problems go to the reader's errors with their line.</summary>
    internal static LanguageData? Load(YamlReader reader, string text)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var map = reader.AsMap(reader.Parse(text), "a language file");
        if (map is null)
        {
            return null;
        }

        reader.CheckFields(map, "a language file", Fields);
        var language = reader.Required(map, "language", "a language file");
        if (language is null)
        {
            return null;
        }

        var callingCodes = reader.Strings(YamlReader.Get(map, "calling_codes"), "calling_codes");
        foreach (var code in callingCodes.Where(c => c.Length is 0 or > 4 || !c.All(char.IsAsciiDigit)))
        {
            reader.Error(YamlReader.Get(map, "calling_codes")!, $"'{code}' is not a country calling code (1 to 4 digits, without '+')");
        }

        var commands = new Dictionary<GlobalCommand, IReadOnlyList<string>>();
        foreach (var (name, words) in reader.PerLanguageLists(YamlReader.Get(map, "commands"), "commands"))
        {
            if (Command(reader, map, name) is { } command)
            {
                commands[command] = words;
            }
        }

        var commandExamples = new Dictionary<GlobalCommand, IReadOnlyList<Phrase>>();
        foreach (var (name, phrases) in reader.PerLanguagePhrases(YamlReader.Get(map, "command_examples"), "command_examples"))
        {
            if (Command(reader, map, name) is { } command)
            {
                commandExamples[command] = phrases;
            }
        }

        return new LanguageData(
            language,
            reader.Strings(YamlReader.Get(map, "detect"), "detect"),
            callingCodes,
            reader.Strings(YamlReader.Get(map, "question_words"), "question_words"),
            reader.Strings(YamlReader.Get(map, "weekdays"), "weekdays"),
            reader.Strings(YamlReader.Get(map, "months"), "months"),
            reader.Strings(YamlReader.Get(map, "preview_words"), "preview_words"),
            commands,
            commandExamples,
            reader.PerLanguageLists(YamlReader.Get(map, "keywords"), "keywords (node id: [phrases])"),
            reader.PerLanguageLists(YamlReader.Get(map, "choice_keywords"), "choice_keywords (node/choice: [words])"),
            reader.PerLanguagePhrases(YamlReader.Get(map, "examples"), "examples (node id: [phrases])"),
            reader.At(map))
        {
            UnsureKeywords = reader.PerLanguageLists(YamlReader.Get(map, "unsure_keywords"), "unsure_keywords (node id: [phrases])"),
            WarningSigns = reader.PerLanguageLists(YamlReader.Get(map, "warning_signs"), "warning_signs (node id: [phrases])"),
            UntrainedKeywords = reader.PerLanguageLists(YamlReader.Get(map, "untrained_keywords"), "untrained_keywords (node id: [phrases])"),
            FallbackKeywords = reader.PerLanguageLists(YamlReader.Get(map, "fallback_keywords"), "fallback_keywords (node id: [phrases])"),
            AnswerWords = reader.PerLanguageLists(YamlReader.Get(map, "answer_words"), "answer_words (yes|no|skip: [words])"),
            FollowUpWords = reader.PerLanguageLists(YamlReader.Get(map, "follow_up_words"), "follow_up_words (intent: [words])"),
            AnswerExamples = reader.NestedLists(YamlReader.Get(map, "answer_examples"), "answer_examples (node id: { answer: [phrases] })"),
            AnswerSubjects = reader.PerLanguageLists(YamlReader.Get(map, "answer_subject"), "answer_subject (node id: [words])"),
            ChildAges = reader.Strings(YamlReader.Get(map, "child_ages"), "child_ages"),
            NumberWords = reader.Strings(YamlReader.Get(map, "number_words"), "number_words"),
            FarewellWords = reader.Strings(YamlReader.Get(map, "farewell_words"), "farewell_words"),
            Watchers = reader.Strings(YamlReader.Get(map, "watchers"), "watchers"),
            Watching = reader.Strings(YamlReader.Get(map, "watching"), "watching"),
            WithdrawWords = reader.Strings(YamlReader.Get(map, "withdraw_words"), "withdraw_words"),
            FiguresOfSpeech = reader.Strings(YamlReader.Get(map, "figures_of_speech"), "figures_of_speech"),
            ArrivingWords = reader.Strings(YamlReader.Get(map, "arriving_words"), "arriving_words"),
            SafeWords = reader.Strings(YamlReader.Get(map, "safe_words"), "safe_words"),
        };
    }

    private static GlobalCommand? Command(YamlReader reader, YamlMappingNode map, string name)
    {
        if (Enum.TryParse<GlobalCommand>(name, ignoreCase: true, out var command) && name.All(char.IsAsciiLetterLower))
        {
            return command;
        }

        reader.Error(map, $"'{name}' is not a command; the commands are {string.Join(", ", Enum.GetNames<GlobalCommand>().Select(n => n.ToLowerInvariant()))}");
        return null;
    }
}
