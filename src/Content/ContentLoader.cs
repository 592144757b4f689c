using System.Security.Cryptography;
using System.Text;
using OimBot.Content.Matching;
using OimBot.Content.Yaml;
using YamlDotNet.RepresentationModel;

namespace OimBot.Content;

/// <param name="ContentDirectory">The folder of flow files and <c>common.yaml</c>.</param>
/// <param name="FactsPath">The fact registry, usually <c>seeds/facts.yaml</c>.</param>
/// <param name="DisplayRoot">Paths in messages are relative to this folder (the current directory when null).</param>
public sealed record ContentSources(string ContentDirectory, string FactsPath, string? DisplayRoot = null)
{
    /// <summary>Where the trained models are kept between processes (<see cref="ModelStore"/>); null trains them in this process.</summary>
    public ModelStore? Models { get; init; }
}

public sealed record ContentLoadResult(ContentSet? Content, IReadOnlyList<ContentError> Diagnostics)
{
    public IEnumerable<ContentError> Errors => Diagnostics.Where(d => d.Severity == Severity.Error);

    public IEnumerable<ContentError> Warnings => Diagnostics.Where(d => d.Severity == Severity.Warning);

    public bool IsValid => Content is not null;
}

/// <summary>Loads and validates a content folder plus the fact registry; returns a content set only when there is no error.</summary>
public static class ContentLoader
{
    public const string CommonFile = "common.yaml";
    public const string CannedFile = "canned.yaml";

    private static readonly string[] FlowFields = ["flow", "topic", "sensitive", "footer", "follow_ups", "nodes"];
    private static readonly string[] NodeFields = ["id", "kind", "title", "text", "variants", "choices", "next", "keywords", "examples", "facts", "sensitive", "footer", "yields_to_danger", "unsure_keywords", "unsure_keywords_undiluted", "warning_signs", "untrained_keywords", "fallback_keywords", "answer_names", "answer_subject", "answer_examples", "follow_ups"];
    private static readonly string[] ChoiceFields = ["label", "goto", "id", "language", "keywords"];

    public static ContentLoadResult Load(ContentSources sources, DateOnly today)
    {
        ArgumentNullException.ThrowIfNull(sources);
        var errors = new List<ContentError>();
        var root = sources.DisplayRoot ?? Directory.GetCurrentDirectory();
        string Display(string path) => Path.GetRelativePath(root, Path.GetFullPath(path));

        var facts = FactsLoader.Load(sources.FactsPath, Display(sources.FactsPath), errors);
        if (!Directory.Exists(sources.ContentDirectory))
        {
            errors.Add(new ContentError(Display(sources.ContentDirectory), 1, Severity.Error, "the content folder does not exist"));
            return new ContentLoadResult(null, errors);
        }

        var files = Directory.EnumerateFiles(sources.ContentDirectory, "*.*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".yml", StringComparison.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal)
            .ToList();
        var commonPath = files.FirstOrDefault(f => Path.GetFileName(f) == CommonFile && Path.GetDirectoryName(Path.GetFullPath(f)) == Path.GetFullPath(sources.ContentDirectory).TrimEnd(Path.DirectorySeparatorChar));
        if (commonPath is null)
        {
            errors.Add(new ContentError(Display(Path.Combine(sources.ContentDirectory, CommonFile)), 1, Severity.Error, "common.yaml is missing: it lists the languages, commands and shared texts"));
            return new ContentLoadResult(null, errors);
        }

        var common = CommonLoader.Load(new YamlReader(Display(commonPath), errors), File.ReadAllText(commonPath));
        var cannedPath = Path.Combine(Path.GetDirectoryName(commonPath)!, CannedFile);
        var canned = File.Exists(cannedPath) ? ReadCanned(new YamlReader(Display(cannedPath), errors), File.ReadAllText(cannedPath)) : [];
        var templatesPath = Path.Combine(Path.GetDirectoryName(commonPath)!, Templates.File);
        var templates = File.Exists(templatesPath) ? Templates.Read(new YamlReader(Display(templatesPath), errors), File.ReadAllText(templatesPath)) : [];
        var translationFolder = Path.GetFullPath(Path.Combine(sources.ContentDirectory, Translations.Folder)) + Path.DirectorySeparatorChar;
        var translationPaths = files.Where(f => Path.GetFullPath(f).StartsWith(translationFolder, StringComparison.Ordinal)).ToList();
        var flows = new List<Flow>();
        var nodes = new List<ContentNode>();
        foreach (var file in files.Where(f => f != commonPath && f != cannedPath && f != templatesPath && !translationPaths.Contains(f)))
        {
            ReadFlow(new YamlReader(Display(file), errors), File.ReadAllText(file), flows, nodes);
        }

        if (common is null)
        {
            return new ContentLoadResult(null, errors);
        }

        var inline = common.Languages.Select(l => l.Code).ToList();
        var translations = new List<TranslationFile>();
        var languageData = new Dictionary<string, LanguageData>(StringComparer.Ordinal);
        foreach (var file in translationPaths)
        {
            var reader = new YamlReader(Display(file), errors);
            if (file.EndsWith(LanguageData.Suffix, StringComparison.Ordinal))
            {
                if (LanguageData.Load(reader, File.ReadAllText(file)) is { } data && !languageData.TryAdd(data.Language, data))
                {
                    errors.Add(ContentError.At(data.Location, $"'{data.Language}' has two language files"));
                }

                continue;
            }

            if (Translations.Load(reader, File.ReadAllText(file), inline) is not { } translation)
            {
                continue;
            }

            if (translations.Any(t => t.Language == translation.Language))
            {
                errors.Add(ContentError.At(translation.Location, $"'{translation.Language}' has two translation files"));
                continue;
            }

            translations.Add(translation);
        }

        foreach (var data in languageData.Values.Where(d => !translations.Any(t => t.Language == d.Language)))
        {
            errors.Add(ContentError.At(data.Location, $"'{data.Language}' has a language file but no translation file ({Translations.Folder}/{data.Language}.yaml)"));
        }

        // The flows and their translations are checked apart; the content that serves is checked whole, every language in it.
        var written = new ContentSet(VersionOf(files, sources.FactsPath), common, flows, nodes, facts, canned) { Translations = translations, Templates = templates, ModelStore = sources.Models };
        var content = ServedLanguages.Serve(written, translations, languageData, errors);
        ContentValidator.Validate(content, today, errors);
        OimBot.Content.Templates.Validate(content, errors);
        foreach (var translation in translations)
        {
            Translations.Validate(written, translation, errors);
        }

        var ordered = errors.OrderBy(e => e.Severity).ThenBy(e => e.File, StringComparer.Ordinal).ThenBy(e => e.Line).ToList();
        if (ordered.Any(e => e.Severity == Severity.Error))
        {
            return new ContentLoadResult(null, ordered);
        }

        _ = content.Understander; // trained here, not on the first message
        return new ContentLoadResult(content, ordered);
    }

    /// <summary>The version id: a short hash of every file's name and bytes, so the same files always give the same id.</summary>
    private static string VersionOf(IEnumerable<string> files, string factsPath)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var file in files.Append(factsPath))
        {
            if (!File.Exists(file))
            {
                continue;
            }

            hash.AppendData(Encoding.UTF8.GetBytes(Path.GetFileName(file)));
            hash.AppendData(File.ReadAllBytes(file));
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset())[..12];
    }

    /// <summary>content/canned.yaml: <c>replies: [{ id, title: {es, en}, text: {es, en} }]</c>.</summary>
    private static List<CannedReply> ReadCanned(YamlReader reader, string text)
    {
        var result = new List<CannedReply>();
        var map = reader.AsMap(reader.Parse(text), "canned.yaml");
        if (map is null)
        {
            return result;
        }

        reader.CheckFields(map, "canned.yaml", "replies");
        foreach (var item in reader.AsList(YamlReader.Get(map, "replies"), "'replies'") ?? [])
        {
            if (reader.AsMap(item, "a canned reply") is not { } reply)
            {
                continue;
            }

            reader.CheckFields(reply, "a canned reply", "id", "title", "text");
            var id = reader.Required(reply, "id", "a canned reply");
            var title = reader.Text(YamlReader.Get(reply, "title"), $"the title of canned reply '{id}'");
            var body = reader.Text(YamlReader.Get(reply, "text"), $"the text of canned reply '{id}'");
            if (id is null || title is null || body is null)
            {
                reader.Error(reply, "a canned reply needs an id, a title and a text");
                continue;
            }

            result.Add(new CannedReply(id, title, body, reader.At(reply)));
        }

        return result;
    }

    private static void ReadFlow(YamlReader reader, string text, List<Flow> flows, List<ContentNode> nodes)
    {
        var map = reader.AsMap(reader.Parse(text), "a flow file");
        if (map is null)
        {
            return;
        }

        reader.CheckFields(map, "a flow file", FlowFields);
        var id = reader.Required(map, "flow", "the flow file") ?? Path.GetFileNameWithoutExtension(reader.File);
        if (!Ids.IsKebab(id))
        {
            reader.Error(map, $"flow id '{id}' must be kebab-case");
        }

        var topic = reader.Required(map, "topic", $"flow '{id}'") ?? "general";
        var flow = new Flow(
            id,
            topic,
            reader.Flag(map, "sensitive", $"flow '{id}'"),
            reader.Strings(YamlReader.Get(map, "footer"), $"the footer of flow '{id}'"),
            reader.File,
            reader.At(map));
        flows.Add(flow);

        // A flow's follow-ups are each of its nodes' unless the node names its own for that intent.
        var followUps = CommonLoader.ReadFollowUps(reader, YamlReader.Get(map, "follow_ups"), $"the follow_ups of flow '{id}'");

        var list = reader.AsList(YamlReader.Get(map, "nodes"), $"the nodes of flow '{id}'");
        if (list is null)
        {
            reader.Error(map, $"flow '{id}' has no 'nodes:' list");
            return;
        }

        foreach (var item in list)
        {
            if (ReadNode(reader, item, id) is { } node)
            {
                nodes.Add(followUps.Count == 0 ? node : node with { FollowUps = followUps.Where(f => !node.FollowUps.ContainsKey(f.Key)).Concat(node.FollowUps).ToDictionary(StringComparer.Ordinal) });
            }
        }
    }

    private static ContentNode? ReadNode(YamlReader reader, YamlNode item, string flowId)
    {
        var map = reader.AsMap(item, "a node");
        if (map is null)
        {
            return null;
        }

        reader.CheckFields(map, "a node", NodeFields);
        var id = reader.Required(map, "id", "a node");
        if (id is null)
        {
            return null;
        }

        var what = $"node '{id}'";
        if (!Ids.IsKebab(id))
        {
            reader.Error(map, $"{what}: ids are kebab-case (lower-case words joined by '-')");
        }

        var kindText = reader.Required(map, "kind", what) ?? "message";
        if (!Enum.TryParse<NodeKind>(kindText, ignoreCase: true, out var kind) || int.TryParse(kindText, out _))
        {
            reader.Error(YamlReader.Get(map, "kind")!, $"{what}: unknown kind '{kindText}'; expected one of: menu, message, question, handoff, end, emergency");
            kind = NodeKind.Message;
        }

        var text = reader.Text(YamlReader.Get(map, "text"), $"the text of {what}");
        if (text is null)
        {
            reader.Error(map, $"{what} has no 'text'");
            text = new LocalText(new Dictionary<string, string>(), reader.At(map));
        }

        var choices = new List<Choice>();
        if (reader.AsList(YamlReader.Get(map, "choices"), $"the choices of {what}") is { } list)
        {
            foreach (var choiceNode in list)
            {
                if (ReadChoice(reader, choiceNode, what) is { } choice)
                {
                    choices.Add(choice);
                }
            }
        }

        return new ContentNode(
            id,
            kind,
            flowId,
            text,
            choices,
            reader.Optional(map, "next", what),
            reader.PerLanguageLists(YamlReader.Get(map, "keywords"), $"keywords of {what}"),
            reader.Strings(YamlReader.Get(map, "facts"), $"the facts of {what}"),
            reader.Flag(map, "sensitive", what),
            reader.Strings(YamlReader.Get(map, "footer"), $"the footer of {what}"),
            reader.At(map))
        {
            Examples = reader.PerLanguagePhrases(YamlReader.Get(map, "examples"), $"examples of {what}"),
            Title = reader.Text(YamlReader.Get(map, "title"), $"the title of {what}"),
            Variants = ReadVariants(reader, YamlReader.Get(map, "variants"), what),
            YieldsToDanger = reader.Flag(map, "yields_to_danger", what),
            UnsureKeywords = reader.PerLanguageLists(YamlReader.Get(map, "unsure_keywords"), $"unsure_keywords of {what}"),
            WarningSigns = reader.PerLanguageLists(YamlReader.Get(map, "warning_signs"), $"warning_signs of {what}"),
            UnsureKeywordsUndiluted = reader.Flag(map, "unsure_keywords_undiluted", what),
            UntrainedKeywords = reader.PerLanguageLists(YamlReader.Get(map, "untrained_keywords"), $"untrained_keywords of {what}"),
            FallbackKeywords = reader.PerLanguageLists(YamlReader.Get(map, "fallback_keywords"), $"fallback_keywords of {what}"),
            AnswerNames = reader.Strings(YamlReader.Get(map, "answer_names"), $"the answer_names of {what}"),
            AnswerSubject = reader.PerLanguageLists(YamlReader.Get(map, "answer_subject"), $"the answer_subject of {what}"),
            AnswerExamples = reader.NestedLists(YamlReader.Get(map, "answer_examples"), $"the answer_examples of {what}"),
            FollowUps = CommonLoader.ReadFollowUps(reader, YamlReader.Get(map, "follow_ups"), $"the follow_ups of {what}"),
        };
    }

    /// <summary><c>variants: { webchat: { es: "…", en: "…" } }</c>: the node's text on one channel.</summary>
    private static Dictionary<string, LocalText> ReadVariants(YamlReader reader, YamlNode? node, string what)
    {
        var variants = new Dictionary<string, LocalText>(StringComparer.Ordinal);
        if (node is null || reader.AsMap(node, $"the variants of {what} (channel: texts)") is not { } map)
        {
            return variants;
        }

        foreach (var (key, value) in map.Children)
        {
            var channel = (key as YamlScalarNode)?.Value ?? "?";
            if (!ContentSet.Channels.Contains(channel))
            {
                reader.Error(key, $"{what}: '{channel}' is not a channel; variants are for {string.Join(", ", ContentSet.Channels)}");
            }
            else if (reader.Text(value, $"the {channel} variant of {what}") is { } text)
            {
                variants[channel] = text;
            }
        }

        return variants;
    }

    private static Choice? ReadChoice(YamlReader reader, YamlNode item, string nodeWhat)
    {
        var map = reader.AsMap(item, $"a choice of {nodeWhat}");
        if (map is null)
        {
            return null;
        }

        reader.CheckFields(map, $"a choice of {nodeWhat}", ChoiceFields);
        var target = reader.Required(map, "goto", $"a choice of {nodeWhat}");
        var label = reader.Text(YamlReader.Get(map, "label"), $"a choice label of {nodeWhat}");
        if (label is null)
        {
            reader.Error(map, $"a choice of {nodeWhat} has no 'label'");
        }

        if (target is null || label is null)
        {
            return null;
        }

        var id = reader.Optional(map, "id", $"a choice of {nodeWhat}") ?? target;
        if (!Ids.IsKebab(id))
        {
            reader.Error(map, $"choice id '{id}' of {nodeWhat} must be kebab-case");
        }

        return new Choice(
            id,
            label,
            target,
            reader.Optional(map, "language", $"a choice of {nodeWhat}"),
            reader.PerLanguageLists(YamlReader.Get(map, "keywords"), $"keywords of a choice of {nodeWhat}"),
            reader.At(map));
    }
}
