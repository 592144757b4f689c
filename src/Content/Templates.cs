using System.Text.RegularExpressions;
using OimBot.Content.Matching;
using OimBot.Content.Yaml;
using YamlDotNet.RepresentationModel;

namespace OimBot.Content;

/// <summary>
/// A WhatsApp message template (<c>content/templates.yaml</c>): the only message WhatsApp delivers more than 24 hours
/// after the person last wrote. Approved in WhatsApp Manager under <see cref="Name"/>, once per template language.
/// </summary>
/// <param name="Languages">Each bot language → the Meta template language code it is sent in ("pt" → "pt_BR", "ht" → "fr").</param>
/// <param name="Text">The approved body, keyed by the template language's base ("es", "en", "fr", "pt", "zh").</param>
public sealed record MessageTemplate(
    string Id,
    string Name,
    string Category,
    IReadOnlyDictionary<string, string> Languages,
    LocalText Text,
    SourceLocation Location)
{
    /// <summary>The template that tells a person a reply is waiting for them (sent when a reply misses WhatsApp's window).</summary>
    public const string ReplyWaiting = "reply-waiting";

    /// <summary>The Meta language code and approved body a person reading <paramref name="language"/> gets.</summary>
    public (string Code, string Body) For(string language, string sourceLanguage)
    {
        var code = Languages.GetValueOrDefault(language) ?? Languages[sourceLanguage];
        return (code, Text[BaseOf(code)]);
    }

    /// <summary>"pt_BR" → "pt".</summary>
    public static string BaseOf(string code)
    {
        ArgumentNullException.ThrowIfNull(code);
        return code.Split('_')[0];
    }
}

/// <summary>Reads and checks the templates: a template is the most visible message there is, so it says only that a reply waits.</summary>
public static partial class Templates
{
    public const string File = "templates.yaml";

    /// <summary>
    /// Meta's template language codes for the languages OimBot may serve (its supported-languages list; Haitian Creole has
    /// none, so Creole speakers are sent the French template).
    /// </summary>
    public static readonly IReadOnlySet<string> MetaLanguageCodes = new HashSet<string>(StringComparer.Ordinal)
    {
        "es", "es_AR", "es_ES", "es_MX", "en", "en_GB", "en_US", "fr", "pt_BR", "pt_PT", "zh_CN", "zh_HK", "zh_TW",
    };

    internal static List<MessageTemplate> Read(YamlReader reader, string text)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var result = new List<MessageTemplate>();
        if (reader.AsMap(reader.Parse(text), File) is not { } map)
        {
            return result;
        }

        reader.CheckFields(map, File, "templates");
        foreach (var item in reader.AsList(YamlReader.Get(map, "templates"), "'templates'") ?? [])
        {
            if (reader.AsMap(item, "a template") is not { } entry)
            {
                continue;
            }

            reader.CheckFields(entry, "a template", "id", "name", "category", "languages", "text");
            var id = reader.Required(entry, "id", "a template");
            var what = $"template '{id}'";
            var name = reader.Required(entry, "name", what);
            var category = reader.Required(entry, "category", what);
            var languages = new Dictionary<string, string>(StringComparer.Ordinal);
            if (YamlReader.Get(entry, "languages") is { } node && reader.AsMap(node, $"the languages of {what} (bot language: Meta code)") is { } codes)
            {
                foreach (var (key, value) in codes.Children)
                {
                    if (reader.Scalar(value, $"the language code of {what}") is { } code)
                    {
                        languages[((YamlScalarNode)key).Value ?? "?"] = code;
                    }
                }
            }

            var body = reader.Text(YamlReader.Get(entry, "text"), $"the text of {what}");
            if (id is null || name is null || category is null || body is null)
            {
                continue;
            }

            result.Add(new MessageTemplate(id, name, category, languages, body, reader.At(entry)));
        }

        return result;
    }

    /// <summary>
    /// Names Meta accepts, utility category, a Meta language code for every language the bot serves with its text, and a
    /// body that says only that a reply is waiting: no variable, placeholder, figure, link, personal data, promise, and no
    /// sensitive word anywhere (R10 applies to the whole of it: a template may be read on any lock screen).
    /// </summary>
    public static void Validate(ContentSet content, List<ContentError> errors)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(errors);
        foreach (var template in content.Templates)
        {
            void Error(string message) => errors.Add(ContentError.At(template.Location, $"template '{template.Id}': {message}"));
            if (!Name().IsMatch(template.Name))
            {
                Error($"'{template.Name}' is not a name WhatsApp accepts (lower-case letters, digits and '_')");
            }

            if (template.Category != "utility")
            {
                Error($"category '{template.Category}': a reply waiting is a 'utility' template (marketing would need opt-in and may be paused)");
            }

            foreach (var language in content.Languages)
            {
                if (!template.Languages.TryGetValue(language, out var code))
                {
                    Error($"no template language for '{language}' (add '{language}: <Meta code>' under languages)");
                    continue;
                }

                if (!MetaLanguageCodes.Contains(code))
                {
                    Error($"'{code}' is not a template language code this service knows of Meta's list ({string.Join(", ", MetaLanguageCodes)})");
                }
                else if (!template.Text.Has(MessageTemplate.BaseOf(code)))
                {
                    Error($"no text in '{MessageTemplate.BaseOf(code)}' for the '{code}' template that '{language}' is sent");
                }
            }

            foreach (var (language, body) in template.Text.Values)
            {
                if (Problem(content, body) is { } problem)
                {
                    Error($"({language}) {problem}");
                }
            }
        }
    }

    /// <summary>Why a template body cannot be sent (null when it can).</summary>
    public static string? Problem(ContentSet content, string body)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(body);
        if (body.Length is 0 or > 1024)
        {
            return $"{body.Length} characters: a template body has 1 to 1024";
        }

        if (Variable().IsMatch(body))
        {
            return "a variable or placeholder: a template carries nothing about the person or their case";
        }

        if (Figure().IsMatch(body) || Link().IsMatch(body) || PersonalData.IsIn(body))
        {
            return "a figure, link or personal data: a template says only that a reply is waiting";
        }

        var words = TextNormalizer.WordsOf(body);
        foreach (var language in content.Languages)
        {
            var sensitive = (ContentValidator.BuiltInPreviewWords.GetValueOrDefault(language) ?? [])
                .Concat(Translations.PreviewWordsOf(language))
                .Concat(content.Common.PreviewWords.GetValueOrDefault(language) ?? []);
            foreach (var word in sensitive)
            {
                var phrase = TextNormalizer.WordsOf(word);
                for (var at = 0; phrase.Length > 0 && at + phrase.Length <= words.Length; at++)
                {
                    if (words.AsSpan(at, phrase.Length).SequenceEqual(phrase))
                    {
                        return $"says '{word}': no sensitive word anywhere in a template (R10), it can be read on any screen";
                    }
                }
            }
        }

        return null;
    }

    /// <summary>A name WhatsApp Manager accepts for a template.</summary>
    public static bool IsName(string? name) => name is not null && Name().IsMatch(name);

    [GeneratedRegex("^[a-z0-9_]{1,512}$")]
    private static partial Regex Name();

    [GeneratedRegex(@"\{\{?\s*[\w.-]+\s*\}?\}")]
    private static partial Regex Variable();

    [GeneratedRegex(@"\d")]
    private static partial Regex Figure();

    [GeneratedRegex(@"(https?://|www\.|@[A-Za-z0-9-]+\.[A-Za-z]{2,})", RegexOptions.IgnoreCase)]
    private static partial Regex Link();
}
