using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace OimBot.Content.Yaml;

/// <summary>
/// Reads one YAML file into nodes that remember their line, and collects every problem with file:line instead of
/// stopping at the first one. Hand-written on purpose: a content officer gets "unknown field 'choises'" at the right
/// line rather than a deserializer stack trace.
/// </summary>
internal sealed class YamlReader(string displayPath, List<ContentError> errors)
{
    public string File { get; } = displayPath;

    public List<ContentError> Errors { get; } = errors;

    public YamlNode? Parse(string text)
    {
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(text));
            if (stream.Documents.Count == 0)
            {
                Error(1, "the file is empty");
                return null;
            }

            return stream.Documents[0].RootNode;
        }
        catch (YamlException ex)
        {
            Error((int)Math.Max(1, ex.Start.Line), $"invalid YAML: {FirstLine(ex.InnerException?.Message ?? ex.Message)}");
            return null;
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet's scanner throws this, without a position, when the text ends inside a '{', '[' or quote.
            Error(Math.Max(1, text.TrimEnd().Split('\n').Length), "invalid YAML: the file ends before a '{', '[' or quote is closed");
            return null;
        }
    }

    public SourceLocation At(YamlNode node) => new(File, (int)Math.Max(1, node.Start.Line));

    public void Error(YamlNode node, string message) => Errors.Add(ContentError.At(At(node), message));

    public void Error(int line, string message) => Errors.Add(new ContentError(File, line, Severity.Error, message));

    public YamlMappingNode? AsMap(YamlNode? node, string what)
    {
        if (node is YamlMappingNode map)
        {
            return map;
        }

        if (node is not null)
        {
            Error(node, $"{what} must be a mapping of 'field: value' lines");
        }

        return null;
    }

    public YamlSequenceNode? AsList(YamlNode? node, string what)
    {
        if (node is YamlSequenceNode list)
        {
            return list;
        }

        if (node is not null)
        {
            Error(node, $"{what} must be a list");
        }

        return null;
    }

    public static YamlNode? Get(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value : null;

    /// <summary>Reports fields that are not in <paramref name="allowed"/> (typos such as "choises").</summary>
    public void CheckFields(YamlMappingNode map, string what, params string[] allowed)
    {
        foreach (var key in map.Children.Keys)
        {
            var name = (key as YamlScalarNode)?.Value ?? "?";
            if (!allowed.Contains(name, StringComparer.Ordinal))
            {
                Error(key, $"unknown field '{name}' in {what}; expected one of: {string.Join(", ", allowed)}");
            }
        }
    }

    public string? Scalar(YamlNode? node, string what)
    {
        switch (node)
        {
            case null:
                return null;
            case YamlScalarNode scalar:
                return scalar.Value;
            default:
                Error(node, $"{what} must be a single value");
                return null;
        }
    }

    public string? Required(YamlMappingNode map, string key, string what)
    {
        var value = Scalar(Get(map, key), $"'{key}' of {what}");
        if (string.IsNullOrWhiteSpace(value))
        {
            Error(map, $"{what} has no '{key}'");
            return null;
        }

        return value.Trim();
    }

    public string? Optional(YamlMappingNode map, string key, string what) =>
        Scalar(Get(map, key), $"'{key}' of {what}")?.Trim();

    public bool Flag(YamlMappingNode map, string key, string what)
    {
        var value = Optional(map, key, what);
        if (value is null)
        {
            return false;
        }

        if (bool.TryParse(value, out var flag))
        {
            return flag;
        }

        Error(Get(map, key)!, $"'{key}' of {what} must be true or false");
        return false;
    }

    public DateOnly? Date(YamlMappingNode map, string key, string what, bool required)
    {
        var node = Get(map, key);
        var value = Scalar(node, $"'{key}' of {what}");
        if (string.IsNullOrWhiteSpace(value))
        {
            if (required)
            {
                Error(map, $"{what} has no '{key}' (YYYY-MM-DD)");
            }

            return null;
        }

        if (DateOnly.TryParseExact(value.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            return date;
        }

        Error(node!, $"'{key}' of {what} must be a date written YYYY-MM-DD, not '{value}'");
        return null;
    }

    public IReadOnlyList<string> Strings(YamlNode? node, string what)
    {
        if (node is null)
        {
            return [];
        }

        if (node is YamlScalarNode single && !string.IsNullOrWhiteSpace(single.Value))
        {
            return [single.Value.Trim()];
        }

        var list = AsList(node, what);
        if (list is null)
        {
            return [];
        }

        var result = new List<string>();
        foreach (var item in list)
        {
            var value = Scalar(item, $"an item of {what}");
            if (!string.IsNullOrWhiteSpace(value))
            {
                result.Add(value.Trim());
            }
        }

        return result;
    }

    /// <summary>A text per language: <c>{ es: "…", en: "…" }</c>.</summary>
    public LocalText? Text(YamlNode? node, string what)
    {
        if (node is null)
        {
            return null;
        }

        var map = AsMap(node, $"{what} (one line per language, e.g. 'es: …')");
        if (map is null)
        {
            return null;
        }

        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in map.Children)
        {
            var language = (key as YamlScalarNode)?.Value ?? "?";
            var text = Scalar(value, $"the '{language}' text of {what}");
            if (text is not null)
            {
                values[language] = text.TrimEnd();
            }
        }

        return new LocalText(values, At(node));
    }

    /// <summary>A map of single values (<c>{ key: value }</c>), such as a page's follow-ups by intent.</summary>
    public IReadOnlyDictionary<string, string> Scalars(YamlNode? node, string what)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (node is null || AsMap(node, what) is not { } map)
        {
            return result;
        }

        foreach (var (key, value) in map.Children)
        {
            var name = ((YamlScalarNode)key).Value ?? "?";
            if (Scalar(value, $"'{name}' of {what}") is { } text && !string.IsNullOrWhiteSpace(text))
            {
                result[name] = text.Trim();
            }
        }

        return result;
    }

    /// <summary>A map of maps of lists (<c>{ key: { key: [..] } }</c>), such as a question's answer examples by answer then language.</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, IReadOnlyList<string>>> NestedLists(YamlNode? node, string what)
    {
        var result = new Dictionary<string, IReadOnlyDictionary<string, IReadOnlyList<string>>>(StringComparer.Ordinal);
        if (node is null || AsMap(node, what) is not { } map)
        {
            return result;
        }

        foreach (var (key, value) in map.Children)
        {
            var name = ((YamlScalarNode)key).Value ?? "?";
            result[name] = PerLanguageLists(value, $"{what} ({name})");
        }

        return result;
    }

    /// <summary>Lists per language: <c>{ es: [a, b], en: [c] }</c>.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> PerLanguageLists(YamlNode? node, string what)
    {
        var result = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        var map = node is null ? null : AsMap(node, $"{what} (one list per language, e.g. 'es: [a, b]')");
        if (map is null)
        {
            return result;
        }

        foreach (var (key, value) in map.Children)
        {
            var language = (key as YamlScalarNode)?.Value ?? "?";
            result[language] = Strings(value, $"the '{language}' {what}");
        }

        return result;
    }

    /// <summary>Phrases per language, each with its own line: <c>{ es: [a, b], en: [c] }</c> (examples).</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<Phrase>> PerLanguagePhrases(YamlNode? node, string what)
    {
        var result = new Dictionary<string, IReadOnlyList<Phrase>>(StringComparer.Ordinal);
        var map = node is null ? null : AsMap(node, $"{what} (one list per language, e.g. 'es: [a, b]')");
        if (map is null)
        {
            return result;
        }

        foreach (var (key, value) in map.Children)
        {
            var language = (key as YamlScalarNode)?.Value ?? "?";
            var phrases = new List<Phrase>();
            if (value is YamlScalarNode single && !string.IsNullOrWhiteSpace(single.Value))
            {
                phrases.Add(new Phrase(single.Value.Trim(), At(single)));
            }
            else if (AsList(value, $"the '{language}' {what}") is { } list)
            {
                foreach (var item in list)
                {
                    if (Scalar(item, $"an item of the '{language}' {what}") is { } text && !string.IsNullOrWhiteSpace(text))
                    {
                        phrases.Add(new Phrase(text.Trim(), At(item)));
                    }
                }
            }

            result[language] = phrases;
        }

        return result;
    }

    private static string FirstLine(string message)
    {
        var line = message.Split('\n')[0].Trim();
        return line.Length == 0 ? "syntax error" : line;
    }
}
