using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using OimBot.Content.Yaml;
using YamlDotNet.RepresentationModel;

namespace OimBot.Content;

public enum TranslationStatus
{
    /// <summary>Written, not yet signed off by a native reviewer at IOM.</summary>
    Draft,

    /// <summary>Signed off by a named native reviewer at IOM, on a date.</summary>
    Reviewed,
}

/// <summary>One translated text, and where it was written.</summary>
public sealed record TranslatedText(string Key, string Text, SourceLocation Location);

/// <summary>
/// One language's texts, kept apart from the flows in <c>content/translations/&lt;code&gt;.yaml</c> and keyed by what
/// they translate (<see cref="Translations"/>), so a translator never edits the tree.
/// </summary>
public sealed record TranslationFile(
    string Language,
    string Name,
    TranslationStatus Status,
    string? Reviewer,
    DateOnly? ReviewedOn,
    IReadOnlyDictionary<string, TranslatedText> Texts,
    SourceLocation Location)
{
    /// <summary>Offered to users: its safety texts complete, its language file present (a draft may serve; the inbox shows it).</summary>
    public bool Enabled { get; init; }

    /// <summary>For each text, a fingerprint of the Spanish it was translated from: a changed source marks it outdated.</summary>
    public IReadOnlyDictionary<string, string> Sources { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>The texts whose Spanish source changed since they were translated (or confirmed).</summary>
    public IReadOnlyList<string> Outdated(IReadOnlyList<TranslationEntry> catalog)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return [.. catalog.Where(e => Texts.ContainsKey(e.Key) && Sources.TryGetValue(e.Key, out var was) && was != Translations.Fingerprint(e.Source)).Select(e => e.Key)];
    }
}

/// <summary>Something a translator translates: its key, the Spanish source, and where the source is.</summary>
/// <param name="Safety">Emergency answers, the notice, deleting and stopping: must be complete before a language can serve.</param>
/// <param name="MaxLength">The channel limit the translation must fit (button and list labels, message bodies).</param>
public sealed record TranslationEntry(string Key, string Source, SourceLocation Location, bool Safety, int MaxLength)
{
    /// <summary>A text of a sensitive flow or node: its first 60 characters must stay neutral (R10).</summary>
    public bool Sensitive { get; init; }

    /// <summary>The text names a programme that is no longer open: no wording may present it as open (R15).</summary>
    public bool NamesClosedProgramme { get; init; }
}

/// <summary>
/// The translation catalog: every text of the content with a stable key. Keys are <c>node</c> (a node's text),
/// <c>node/choice</c> (a choice's label), <c>node#title</c> (a node's short name), <c>text:id</c> (a shared text in
/// common.yaml), <c>canned:id</c> and <c>canned:id#title</c> (the caseworkers' ready-made answers).
/// </summary>
public static partial class Translations
{
    /// <summary>The folder, inside the content folder, that holds one file per translated language.</summary>
    public const string Folder = "translations";

    /// <summary>Shared texts the safety rules depend on (R7, R8, R11, R13): complete in a language before it serves.</summary>
    private static readonly string[] SafetyTexts = ["deleted", "stopped", "resumed", "turn-failed", "handoff-emergency", "handoff-busy", "help", "discreet-exit", "personal-data", "unsupported-media"];

    /// <summary>Every translatable text, in the order of the content files.</summary>
    public static IReadOnlyList<TranslationEntry> Catalog(ContentSet content)
    {
        ArgumentNullException.ThrowIfNull(content);
        var source = content.Common.SourceLanguage;
        var entries = new List<TranslationEntry>();
        foreach (var node in content.NodeList)
        {
            var safety = IsSafetyNode(content, node);
            var closed = ContentRenderer.Placeholders(node.Text[source]).Select(content.Facts.Find).OfType<Fact>().Any(f => f.Kind == FactKind.Programme && f.IsNoLongerOpen);
            entries.Add(new TranslationEntry(node.Id, node.Text[source], node.Text.Location, safety, ContentValidator.MaxTextLength) { Sensitive = content.IsSensitive(node), NamesClosedProgramme = closed });
            foreach (var choice in node.Choices.Where(c => c.Language is null)) // a language is offered by its own name
            {
                entries.Add(new TranslationEntry($"{node.Id}/{choice.Id}", choice.Label[source], choice.Label.Location, safety, ContentValidator.MaxListLabel));
            }

            if (node.Title is { } title)
            {
                entries.Add(new TranslationEntry($"{node.Id}#title", title[source], title.Location, false, ContentValidator.MaxListLabel));
            }

            foreach (var (channel, variant) in node.Variants)
            {
                entries.Add(new TranslationEntry($"{node.Id}@{channel}", variant[source], variant.Location, safety, ContentValidator.MaxTextLength) { Sensitive = content.IsSensitive(node) });
            }
        }

        foreach (var (id, text) in content.Common.Texts.OrderBy(t => t.Value.Location.Line))
        {
            entries.Add(new TranslationEntry($"text:{id}", text[source], text.Location, SafetyTexts.Contains(id.Split('@')[0]), ContentValidator.MaxTextLength));
        }

        foreach (var canned in content.Canned)
        {
            entries.Add(new TranslationEntry($"canned:{canned.Id}#title", canned.Title[source], canned.Title.Location, false, ContentValidator.MaxListLabel));
            entries.Add(new TranslationEntry($"canned:{canned.Id}", canned.Text[source], canned.Text.Location, false, 1500));
        }

        return entries;
    }

    /// <summary>Emergency answers (R11), the self-harm flow (R13), the notice (R6), and the confirmations of delete and stop.</summary>
    private static bool IsSafetyNode(ContentSet content, ContentNode node) =>
        node.Kind == NodeKind.Emergency
        || node.FlowId == "emergency"
        || node.Id == content.Common.StartNode
        || node.Id == content.Common.DangerCheckNode
        || node.Id == content.Common.ConfirmDeleteNode
        || node.Id == content.Common.ConfirmStopNode
        || node.Id == content.Common.ConfirmWithdrawNode;

    /// <summary>A short, stable fingerprint of a Spanish source text (the first 12 hex digits of its SHA-256).</summary>
    public static string Fingerprint(string source)
    {
        ArgumentNullException.ThrowIfNull(source);
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(source)))[..12];
    }

    /// <summary>The placeholders of a text (<c>{medical-911}</c>, <c>{wait}</c>), as a set.</summary>
    public static IReadOnlySet<string> PlaceholdersOf(string text) =>
        Placeholder().Matches(text).Select(m => m.Value).ToHashSet(StringComparer.Ordinal);

    /// <summary>
    /// Why a translation cannot stand for its source (null when it can): the same placeholders, within the channel
    /// limit, no typed figures, links or addresses (facts come from the registry, R14 and R17).
    /// </summary>
    public static string? Problem(TranslationEntry entry, string text, string language = "")
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(language);
        if (string.IsNullOrWhiteSpace(text))
        {
            return null; // empty means "not translated yet": Spanish is shown
        }

        var expected = PlaceholdersOf(entry.Source);
        var found = PlaceholdersOf(text);
        if (!expected.SetEquals(found))
        {
            var missing = expected.Except(found).Order(StringComparer.Ordinal).ToList();
            var extra = found.Except(expected).Order(StringComparer.Ordinal).ToList();
            return "the placeholders must be those of the Spanish text"
                + (missing.Count > 0 ? $"; missing {string.Join(", ", missing)}" : string.Empty)
                + (extra.Count > 0 ? $"; not in the source {string.Join(", ", extra)}" : string.Empty);
        }

        var length = new StringInfo(ContentRenderer.WithoutPlaceholders(text)).LengthInTextElements;
        if (length > entry.MaxLength)
        {
            return $"{length} characters; at most {entry.MaxLength} fit where it is shown";
        }

        var bare = ContentRenderer.WithoutPlaceholders(text);
        if (Figure().IsMatch(bare) && !Figure().IsMatch(ContentRenderer.WithoutPlaceholders(entry.Source)))
        {
            return "a figure typed into the text: figures, phone numbers and dates come from the facts registry as {placeholders}";
        }

        if (Link().IsMatch(bare))
        {
            return "a link or an e-mail typed into the text: they come from the facts registry";
        }

        return SafetyProblem(entry, text, language);
    }

    /// <summary>
    /// The safety rules that can be read on a text, in the translated language: no promise of eligibility or status
    /// (R12), no sensitive word in the first 60 characters of a sensitive text (R10), no wording that presents a closed
    /// programme as open (R15). Chinese has no spaces: its words are found as they are written, not between spaces.
    /// </summary>
    public static string? SafetyProblem(TranslationEntry entry, string text, string language)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentNullException.ThrowIfNull(text);
        if (!Rules.TryGetValue(language, out var rules))
        {
            return null;
        }

        var folded = Fold(ContentRenderer.WithoutPlaceholders(text), language);
        if (rules.Promises.Select(p => Find(folded, p, language)).FirstOrDefault(f => f is not null) is { } promise)
        {
            return $"says '{promise}': the bot never promises or decides eligibility, status or victimhood (R12)";
        }

        var preview = Fold(ContentRenderer.WithoutPlaceholders(text[..Math.Min(ContentValidator.PreviewLength, text.Length)]), language);
        if (entry.Sensitive && rules.PreviewWords.Select(w => Find(preview, w, language)).FirstOrDefault(f => f is not null) is { } word)
        {
            return $"a sensitive text shows '{word}' in its first {ContentValidator.PreviewLength} characters, which a lock screen can reveal (R10)";
        }

        return entry.NamesClosedProgramme && rules.OpenWording.Select(w => Find(folded, w, language)).FirstOrDefault(f => f is not null) is { } open
            ? $"says '{open}' next to a programme that is no longer open (R15)"
            : null;
    }

    /// <summary>The words the safety rules look for in a translated language, written without accents and in lower case.</summary>
    private sealed record SafetyWords(string[] PreviewWords, string[] Promises, string[] OpenWording);

    /// <summary>
    /// R10, R12 and R15 for each translated language. A language gets its row before it can serve; a text in a language
    /// without one is checked for placeholders, limits and typed facts only.
    /// </summary>
    private static readonly Dictionary<string, SafetyWords> Rules = new(StringComparer.Ordinal)
    {
        ["fr"] = new(
            ["traite", "trafic", "violence", "viol", "denonce", "denoncer", "denonciation", "police", "exploitation", "signaler"],
            ["vous remplissez les conditions", "vous etes eligible", "vous serez eligible", "vous serez approuve", "nous garantissons", "nous vous garantissons", "vous obtiendrez", "vous allez obtenir", "vous etes victime de traite"],
            ["vous pouvez le demander", "vous pouvez la demander", "vous pouvez postuler", "est ouvert", "toujours ouvert", "encore ouvert", "inscrivez-vous", "prenez rendez-vous"]),
        ["pt"] = new(
            ["trafico", "violencia", "estupro", "denuncia", "denunciar", "policia", "exploracao"],
            ["voce e elegivel", "voce se qualifica", "voce cumpre os requisitos", "garantimos", "voce vai conseguir", "voce vai obter", "voce vai receber", "voce sera aprovado", "voce e vitima de trafico"],
            ["voce pode solicitar", "esta aberto", "ainda esta aberto", "continua aberto", "inscreva-se", "agende"]),
        ["ht"] = new(
            ["trafik", "vyolans", "kadejak", "vyole", "polis", "denonse", "esplwatasyon", "eksplwatasyon"],
            ["ou kalifye", "ou elijib", "nou garanti ou", "ou pral jwenn", "ou pral resevwa", "yo pral apwouve", "ou se yon viktim trafik"],
            ["ou ka aplike", "li ouvri", "toujou ouvri", "enskri kounye a", "pran randevou"]),
        ["zh"] = new(
            ["贩卖", "贩运", "暴力", "强奸", "性侵", "警察", "报警", "举报", "剥削"],
            ["你符合条件", "你有资格", "我们保证", "保证你", "你会获得", "你将获得", "你会拿到", "你会被批准", "你是人口贩卖受害者"],
            ["可以申请", "仍然开放", "正在开放", "立即报名", "现在报名", "预约"]),
    };

    /// <summary>The R10 words of a translated language (none for a language without rules).</summary>
    public static IReadOnlyList<string> PreviewWordsOf(string language) => Rules.TryGetValue(language, out var rules) ? rules.PreviewWords : [];

    /// <summary>True when the safety words of R10, R12 and R15 exist for the language, so it can be enabled.</summary>
    public static bool HasSafetyRules(string language) => Rules.ContainsKey(language);

    /// <summary>Lower case, without accents; Chinese as it is.</summary>
    private static string Fold(string text, string language)
    {
        if (language == "zh")
        {
            return text;
        }

        var decomposed = text.ToLowerInvariant().Normalize(NormalizationForm.FormD);
        var folded = new StringBuilder(decomposed.Length);
        foreach (var c in decomposed)
        {
            if (CharUnicodeInfo.GetUnicodeCategory(c) != UnicodeCategory.NonSpacingMark)
            {
                folded.Append(c is '’' or '\'' ? ' ' : c);
            }
        }

        return folded.ToString().Normalize(NormalizationForm.FormC);
    }

    /// <summary>The phrase where it stands in the text: between word edges, or anywhere in Chinese (written without spaces).</summary>
    private static string? Find(string folded, string phrase, string language)
    {
        if (language == "zh")
        {
            return folded.Contains(phrase, StringComparison.Ordinal) ? phrase : null;
        }

        var at = 0;
        while ((at = folded.IndexOf(phrase, at, StringComparison.Ordinal)) >= 0)
        {
            var before = at == 0 || !char.IsLetterOrDigit(folded[at - 1]);
            var end = at + phrase.Length;
            var after = end == folded.Length || !char.IsLetterOrDigit(folded[end]);
            if (before && after)
            {
                return phrase;
            }

            at++;
        }

        return null;
    }

    /// <summary>Reads a translation file; problems go to the reader's errors with their line.</summary>
    internal static TranslationFile? Load(YamlReader reader, string text, IReadOnlyCollection<string> inlineLanguages)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(inlineLanguages);
        var map = reader.AsMap(reader.Parse(text), "a translation file");
        if (map is null)
        {
            return null;
        }

        reader.CheckFields(map, "a translation file", "language", "name", "status", "enabled", "reviewer", "reviewed_on", "texts", "sources");
        var language = reader.Required(map, "language", "a translation file");
        var name = reader.Required(map, "name", "a translation file");
        if (language is null || name is null)
        {
            return null;
        }

        if (!LanguageCode().IsMatch(language))
        {
            reader.Error(map, $"'{language}' is not a language code (two or three lower-case letters, as ht, zh, fr, pt)");
            return null;
        }

        if (inlineLanguages.Contains(language))
        {
            reader.Error(map, $"'{language}' is written in the flow files; a translation file is for another language");
            return null;
        }

        var statusText = reader.Optional(map, "status", "a translation file") ?? "draft";
        if (!Enum.TryParse<TranslationStatus>(statusText, ignoreCase: true, out var status) || statusText.Any(char.IsUpper))
        {
            reader.Error(map, $"status must be 'draft' or 'reviewed', not '{statusText}'");
            return null;
        }

        var reviewer = reader.Optional(map, "reviewer", "a translation file");
        var reviewedOn = reader.Date(map, "reviewed_on", "a translation file", required: false);
        if (status == TranslationStatus.Reviewed && (string.IsNullOrWhiteSpace(reviewer) || reviewedOn is null))
        {
            reader.Error(map, "a reviewed translation names its reviewer (the native speaker at IOM who signed it off) and the date, as reviewed_on: YYYY-MM-DD");
        }

        var texts = new Dictionary<string, TranslatedText>(StringComparer.Ordinal);
        if (YamlReader.Get(map, "texts") is { } textsNode and not YamlScalarNode { Value: null or "" } && reader.AsMap(textsNode, "'texts'") is { } entries)
        {
            foreach (var (keyNode, valueNode) in entries.Children)
            {
                var key = ((YamlScalarNode)keyNode).Value ?? string.Empty;
                if (reader.Scalar(valueNode, $"the text '{key}'") is { } value && !texts.TryAdd(key, new TranslatedText(key, value, reader.At(keyNode))))
                {
                    reader.Error(keyNode, $"'{key}' is translated twice");
                }
            }
        }

        var sources = new Dictionary<string, string>(StringComparer.Ordinal);
        if (YamlReader.Get(map, "sources") is { } sourcesNode and not YamlScalarNode { Value: null or "" } && reader.AsMap(sourcesNode, "'sources'") is { } fingerprints)
        {
            foreach (var (keyNode, valueNode) in fingerprints.Children)
            {
                if (reader.Scalar(valueNode, "a source fingerprint") is { } fingerprint)
                {
                    sources[((YamlScalarNode)keyNode).Value ?? string.Empty] = fingerprint;
                }
            }
        }

        return new TranslationFile(language, name, status, reviewer, reviewedOn, texts, reader.At(map)) { Enabled = reader.Flag(map, "enabled", "a translation file"), Sources = sources };
    }

    /// <summary>
    /// Checks a translation against the content it translates: every key exists, every text can stand for its source.
    /// Missing texts are reported once per language (they fall back to Spanish), the safety-critical ones by name.
    /// </summary>
    public static void Validate(ContentSet content, TranslationFile file, List<ContentError> errors)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(errors);
        var catalog = Catalog(content).ToDictionary(e => e.Key, StringComparer.Ordinal);
        foreach (var text in file.Texts.Values)
        {
            if (!catalog.TryGetValue(text.Key, out var entry))
            {
                errors.Add(ContentError.At(text.Location, $"'{text.Key}' is not a text of the content (a node, node/choice, node#title, text:id or canned:id)"));
            }
            else if (Problem(entry, text.Text, file.Language) is { } problem)
            {
                errors.Add(ContentError.At(text.Location, $"'{text.Key}' ({file.Language}): {problem}"));
            }
        }

        var outdated = file.Outdated([.. catalog.Values]);
        if (outdated.Count > 0)
        {
            errors.Add(new ContentError(
                file.Location.File,
                file.Location.Line,
                Severity.Warning,
                $"{file.Name} ({file.Language}): {outdated.Count} texts were translated from a Spanish text that has changed since; they need a look: {string.Join(", ", outdated.Take(8))}{(outdated.Count > 8 ? ", …" : string.Empty)}"));
        }

        var missing = catalog.Values.Where(e => !file.Texts.TryGetValue(e.Key, out var t) || string.IsNullOrWhiteSpace(t.Text)).ToList();
        if (missing.Count > 0)
        {
            var safety = missing.Where(e => e.Safety).Select(e => e.Key).ToList();
            errors.Add(new ContentError(
                file.Location.File,
                file.Location.Line,
                Severity.Warning,
                $"{file.Name} ({file.Language}, {file.Status.ToString().ToLowerInvariant()}): {missing.Count} of {catalog.Count} texts not translated yet; they would show in Spanish"
                + (safety.Count > 0 ? $". Safety texts it needs before it can serve: {string.Join(", ", safety.Take(12))}{(safety.Count > 12 ? $" and {safety.Count - 12} more" : string.Empty)}" : string.Empty)));
        }
    }

    /// <summary>
    /// Writes a translation file: the header, then one line per translated text in catalog order, double-quoted. The
    /// same texts always give the same bytes, so changing one text changes one line.
    /// </summary>
    public static string Write(TranslationFile file, IReadOnlyList<TranslationEntry> catalog)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(catalog);
        var text = new StringBuilder();
        text.Append("# ").Append(file.Name).Append(" (").Append(file.Language).AppendLine("): the texts of the content, keyed by what they translate.")
            .AppendLine("# Written by `content import-translations`; translators work on the CSV from `content export-translations`.")
            .AppendLine("# Keys: node, node/choice, node#title, text:id (common.yaml), canned:id. A missing text shows in Spanish.")
            .Append("language: ").AppendLine(file.Language)
            .Append("name: ").AppendLine(Quote(file.Name))
            .Append("status: ").AppendLine(file.Status.ToString().ToLowerInvariant());
        if (file.Enabled)
        {
            text.AppendLine("enabled: true");
        }

        if (!string.IsNullOrWhiteSpace(file.Reviewer))
        {
            text.Append("reviewer: ").AppendLine(Quote(file.Reviewer));
        }

        if (file.ReviewedOn is { } on)
        {
            text.Append("reviewed_on: ").AppendLine(on.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        }

        text.AppendLine("texts:");
        var known = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in catalog)
        {
            known.Add(entry.Key);
            if (file.Texts.TryGetValue(entry.Key, out var translated) && !string.IsNullOrWhiteSpace(translated.Text))
            {
                text.Append("  ").Append(Quote(entry.Key)).Append(": ").AppendLine(Quote(translated.Text));
            }
        }

        // What each text was translated from, so a later change of the Spanish marks it outdated (one line per text).
        text.AppendLine("sources:");
        foreach (var entry in catalog.Where(e => file.Texts.TryGetValue(e.Key, out var t) && !string.IsNullOrWhiteSpace(t.Text)))
        {
            if (file.Sources.TryGetValue(entry.Key, out var fingerprint))
            {
                text.Append("  ").Append(Quote(entry.Key)).Append(": ").AppendLine(Quote(fingerprint));
            }
        }

        return text.ToString();
    }

    /// <summary>A YAML double-quoted scalar: every character safe on one line.</summary>
    private static string Quote(string value)
    {
        var quoted = new StringBuilder("\"");
        foreach (var c in value)
        {
            quoted.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                _ when char.IsControl(c) => $"\\u{(int)c:x4}",
                _ => c.ToString(),
            });
        }

        return quoted.Append('"').ToString();
    }

    [GeneratedRegex(@"\{[a-z0-9-]+\}")]
    private static partial Regex Placeholder();

    [GeneratedRegex(@"\d{2,}")]
    private static partial Regex Figure();

    [GeneratedRegex(@"(https?://|www\.|@[A-Za-z0-9-]+\.[A-Za-z]{2,})", RegexOptions.IgnoreCase)]
    private static partial Regex Link();

    [GeneratedRegex("^[a-z]{2,3}$")]
    private static partial Regex LanguageCode();
}
