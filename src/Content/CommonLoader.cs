using OimBot.Content.Yaml;
using YamlDotNet.RepresentationModel;

namespace OimBot.Content;

/// <summary>Reads <c>common.yaml</c>: languages, the special nodes, global commands, month names, safety words, shared texts.</summary>
internal static class CommonLoader
{
    private static readonly string[] Fields =
        ["languages", "start", "menu", "language_menu", "handoff", "offer_human", "handoff_consent", "handoff_timeout", "handoff_waiting", "case_closed",
         "clarify", "danger_check", "confirm_delete", "confirm_stop", "declined", "farewell", "farewell_after_danger", "out_of_scope", "commands", "command_examples", "question_words", "answer_words", "follow_up_words", "follow_ups", "farewell_words", "watched", "watchers", "watching", "confirm_withdraw", "withdraw_words", "figures_of_speech", "arriving_words", "safe_words", "number_words", "child_ages", "months", "weekdays", "safety", "texts"];

    /// <summary>Texts the engine and the renderer use; each must exist in every language.</summary>
    public static readonly IReadOnlyList<string> RequiredTexts =
    [
        "status-closed", "status-historical", "status-unconfirmed", "status-active", "since", "confirm-official", "sources",
        "date-day", "date-month", "discreet-exit", "not-understood", "turn-failed", "help", "personal-data", "unsupported-media",
        "session-expired", "deleted", "stopped", "resumed", "language-changed", "choices-prompt", "choices-button",
        "handoff-on-duty", "handoff-off-hours", "handoff-emergency", "handoff-busy", "next-opening", "case-claimed", "case-help", "case-left", "case-media", "case-released",
    ];

    public static CommonSettings? Load(YamlReader reader, string text)
    {
        var map = reader.AsMap(reader.Parse(text), "common.yaml");
        if (map is null)
        {
            return null;
        }

        reader.CheckFields(map, "common.yaml", Fields);
        var locations = new Dictionary<string, SourceLocation>(StringComparer.Ordinal);
        foreach (var (key, _) in map.Children)
        {
            locations[((YamlScalarNode)key).Value ?? "?"] = reader.At(key);
        }

        var languages = ReadLanguages(reader, map);
        var commands = PerCommand(reader, map, "commands", (name, key, value) =>
        {
            locations[$"command:{name}"] = reader.At(key);
            return reader.PerLanguageLists(value, $"the words of the '{name.ToString().ToLowerInvariant()}' command");
        });
        var commandExamples = PerCommand(reader, map, "command_examples", (name, _, value) =>
            reader.PerLanguagePhrases(value, $"examples of the '{name.ToString().ToLowerInvariant()}' command"));

        foreach (var missing in Enum.GetValues<GlobalCommand>().Where(c => !commands.ContainsKey(c)))
        {
            reader.Error(map, $"common.yaml has no words for the '{missing.ToString().ToLowerInvariant()}' command");
        }

        var texts = new Dictionary<string, LocalText>(StringComparer.Ordinal);
        if (reader.AsMap(YamlReader.Get(map, "texts"), "'texts'") is { } textMap)
        {
            foreach (var (key, value) in textMap.Children)
            {
                var id = ((YamlScalarNode)key).Value ?? "?";
                if (reader.Text(value, $"the common text '{id}'") is { } localText)
                {
                    texts[id] = localText;
                }
            }
        }

        foreach (var missing in RequiredTexts.Where(t => !texts.ContainsKey(t)))
        {
            reader.Error(YamlReader.Get(map, "texts") ?? map, $"common.yaml has no text '{missing}'");
        }

        var safety = reader.AsMap(YamlReader.Get(map, "safety"), "'safety'");
        var previewWords = safety is null
            ? new Dictionary<string, IReadOnlyList<string>>()
            : reader.PerLanguageLists(YamlReader.Get(safety, "preview_words"), "preview words");

        if (languages.Count == 0)
        {
            return null;
        }

        return new CommonSettings(
            languages,
            reader.Required(map, "start", "common.yaml") ?? "welcome",
            reader.Required(map, "menu", "common.yaml") ?? "main-menu",
            reader.Required(map, "language_menu", "common.yaml") ?? "language-menu",
            reader.Required(map, "handoff", "common.yaml") ?? "handoff",
            reader.Required(map, "offer_human", "common.yaml") ?? "offer-human",
            reader.Required(map, "handoff_consent", "common.yaml") ?? "handoff-consent",
            reader.Required(map, "handoff_timeout", "common.yaml") ?? "handoff-timeout",
            reader.Required(map, "handoff_waiting", "common.yaml") ?? "handoff-waiting",
            reader.Required(map, "case_closed", "common.yaml") ?? "case-closed",
            commands,
            reader.PerLanguageLists(YamlReader.Get(map, "months"), "month names"),
            reader.PerLanguageLists(YamlReader.Get(map, "weekdays"), "day names"),
            previewWords,
            texts,
            locations)
        {
            CommandExamples = commandExamples,
            QuestionWords = reader.PerLanguageLists(YamlReader.Get(map, "question_words"), "question words"),
            AnswerWords = ReadAnswerWords(reader, map),
            FollowUpWords = ReadFollowUpWords(reader, map),
            FollowUps = ReadFollowUps(reader, YamlReader.Get(map, "follow_ups"), "common.yaml's follow_ups"),
            ChildAges = reader.PerLanguageLists(YamlReader.Get(map, "child_ages"), "child ages"),
            ClarifyNode = reader.Required(map, "clarify", "common.yaml") ?? "clarify",
            DangerCheckNode = reader.Required(map, "danger_check", "common.yaml") ?? "danger-check",
            ConfirmDeleteNode = reader.Required(map, "confirm_delete", "common.yaml") ?? "confirm-delete",
            ConfirmStopNode = reader.Required(map, "confirm_stop", "common.yaml") ?? "confirm-stop",
            DeclinedNode = reader.Optional(map, "declined", "common.yaml"),
            FarewellNode = reader.Optional(map, "farewell", "common.yaml"),
            FarewellAfterDangerNode = reader.Optional(map, "farewell_after_danger", "common.yaml"),
            FarewellWords = reader.PerLanguageLists(YamlReader.Get(map, "farewell_words"), "farewell words"),
            OutOfScopeNode = reader.Optional(map, "out_of_scope", "common.yaml"),
            WatchedNode = reader.Optional(map, "watched", "common.yaml"),
            Watchers = reader.PerLanguageLists(YamlReader.Get(map, "watchers"), "watchers"),
            Watching = reader.PerLanguageLists(YamlReader.Get(map, "watching"), "watching words"),
            ConfirmWithdrawNode = reader.Optional(map, "confirm_withdraw", "common.yaml"),
            WithdrawWords = reader.PerLanguageLists(YamlReader.Get(map, "withdraw_words"), "withdraw words"),
            FiguresOfSpeech = reader.PerLanguageLists(YamlReader.Get(map, "figures_of_speech"), "figures of speech"),
            ArrivingWords = reader.PerLanguageLists(YamlReader.Get(map, "arriving_words"), "arriving words"),
            SafeWords = reader.PerLanguageLists(YamlReader.Get(map, "safe_words"), "safe words"),
            NumberWords = reader.PerLanguageLists(YamlReader.Get(map, "number_words"), "number words"),
        };
    }

    /// <summary><c>answer_words: { yes: { es: [...] }, no: {...}, skip: {...} }</c>: answers in words to a yes/no question of the way.</summary>
    private static Dictionary<string, IReadOnlyDictionary<string, IReadOnlyList<string>>> ReadAnswerWords(YamlReader reader, YamlMappingNode map) =>
        ReadWordsById(reader, map, "answer_words", "the answer words", (key, id) =>
        {
            if (CommonSettings.AnswerIds.Contains(id))
            {
                return true;
            }

            reader.Error(key, $"'{id}' in answer_words is not an answer; the answers are {string.Join(", ", CommonSettings.AnswerIds)}");
            return false;
        });

    /// <summary><c>follow_up_words: { cost: { es: [...] }, where: {...}, … }</c>: what a short follow-up about a page asks.</summary>
    private static Dictionary<string, IReadOnlyDictionary<string, IReadOnlyList<string>>> ReadFollowUpWords(YamlReader reader, YamlMappingNode map) =>
        ReadWordsById(reader, map, "follow_up_words", "the follow-up words", (key, intent) => IsFollowUpIntent(reader, key, intent, "follow_up_words"));

    /// <summary>A field of lists per language by id (<c>field: { id: { es: [...] } }</c>), each id checked by <paramref name="known"/>.</summary>
    private static Dictionary<string, IReadOnlyDictionary<string, IReadOnlyList<string>>> ReadWordsById(YamlReader reader, YamlMappingNode map, string field, string what, Func<YamlNode, string, bool> known)
    {
        var result = new Dictionary<string, IReadOnlyDictionary<string, IReadOnlyList<string>>>(StringComparer.Ordinal);
        if (reader.AsMap(YamlReader.Get(map, field), $"'{field}'") is not { } byId)
        {
            return result;
        }

        foreach (var (key, value) in byId.Children)
        {
            var id = ((YamlScalarNode)key).Value ?? "?";
            if (known(key, id))
            {
                result[id] = reader.PerLanguageLists(value, $"{what} for '{id}'");
            }
        }

        return result;
    }

    /// <summary><c>follow_ups: { intent: node id }</c> (common.yaml's, or a node's); an unknown intent is an error at its line.</summary>
    internal static IReadOnlyDictionary<string, string> ReadFollowUps(YamlReader reader, YamlNode? node, string what)
    {
        var read = reader.Scalars(node, what);
        if (node is YamlMappingNode map)
        {
            foreach (var (key, _) in map.Children)
            {
                IsFollowUpIntent(reader, key, ((YamlScalarNode)key).Value ?? "?", what);
            }
        }

        return read.Where(p => CommonSettings.FollowUpIntents.Contains(p.Key)).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
    }

    internal static bool IsFollowUpIntent(YamlReader reader, YamlNode key, string intent, string what)
    {
        if (CommonSettings.FollowUpIntents.Contains(intent))
        {
            return true;
        }

        reader.Error(key, $"'{intent}' in {what} is not a follow-up intent; they are {string.Join(", ", CommonSettings.FollowUpIntents)}");
        return false;
    }

    /// <summary>A map keyed by command name (<c>menu:</c>, <c>human:</c>, …), each value read by <paramref name="read"/>.</summary>
    private static Dictionary<GlobalCommand, T> PerCommand<T>(YamlReader reader, YamlMappingNode map, string field, Func<GlobalCommand, YamlNode, YamlNode, T> read)
    {
        var result = new Dictionary<GlobalCommand, T>();
        if (reader.AsMap(YamlReader.Get(map, field), $"'{field}'") is not { } commandMap)
        {
            return result;
        }

        foreach (var (key, value) in commandMap.Children)
        {
            var name = ((YamlScalarNode)key).Value ?? "?";
            if (Enum.TryParse<GlobalCommand>(name, ignoreCase: true, out var command) && !int.TryParse(name, out _))
            {
                result[command] = read(command, key, value);
            }
            else
            {
                reader.Error(key, $"unknown command '{name}' in {field}; expected one of: {string.Join(", ", Enum.GetNames<GlobalCommand>().Select(n => n.ToLowerInvariant()))}");
            }
        }

        return result;
    }

    private static List<LanguageInfo> ReadLanguages(YamlReader reader, YamlMappingNode map)
    {
        var result = new List<LanguageInfo>();
        var list = reader.AsList(YamlReader.Get(map, "languages"), "'languages'");
        if (list is null)
        {
            reader.Error(map, "common.yaml has no 'languages' list (the first one is the source language)");
            return result;
        }

        foreach (var item in list)
        {
            if (reader.AsMap(item, "a language") is not { } language)
            {
                continue;
            }

            reader.CheckFields(language, "a language", "code", "name", "detect");
            var code = reader.Required(language, "code", "a language");
            var name = reader.Required(language, "name", "a language");
            if (code is not null && name is not null)
            {
                result.Add(new LanguageInfo(code, name, reader.Strings(YamlReader.Get(language, "detect"), $"the detect words of '{code}'")));
            }
        }

        return result;
    }
}
