using System.Text.RegularExpressions;
using OimBot.Content.Yaml;
using YamlDotNet.RepresentationModel;

namespace OimBot.Content;

/// <summary>Reads <c>seeds/facts.yaml</c>, the registry of everything factual the bot may state.</summary>
internal static partial class FactsLoader
{
    private static readonly string[] FactFields =
        ["id", "kind", "value", "text", "name", "source", "verified_on", "review_by", "status", "status_since", "aliases", "note"];

    private static readonly string[] SourceFields = ["name", "date", "url", "seed"];

    /// <summary>Entries are due for review 90 days after they were verified unless they say otherwise (R14).</summary>
    public const int DefaultReviewDays = 90;

    public static FactRegistry Load(string path, string displayPath, List<ContentError> errors)
    {
        var facts = new List<Fact>();
        if (!File.Exists(path))
        {
            errors.Add(new ContentError(displayPath, 1, Severity.Error, "the facts file does not exist"));
            return new FactRegistry(facts, displayPath);
        }

        var reader = new YamlReader(displayPath, errors);
        var root = reader.AsMap(reader.Parse(File.ReadAllText(path)), "the facts file");
        if (root is null)
        {
            return new FactRegistry(facts, displayPath);
        }

        reader.CheckFields(root, "the facts file", "facts");
        var list = reader.AsList(YamlReader.Get(root, "facts"), "'facts'");
        if (list is null)
        {
            reader.Error(root, "the facts file has no 'facts:' list");
            return new FactRegistry(facts, displayPath);
        }

        var seen = new Dictionary<string, SourceLocation>(StringComparer.Ordinal);
        foreach (var item in list)
        {
            var fact = ReadFact(reader, item, Path.GetDirectoryName(path) ?? ".");
            if (fact is null)
            {
                continue;
            }

            if (seen.TryGetValue(fact.Id, out var first))
            {
                errors.Add(ContentError.At(fact.Location, $"duplicate fact id '{fact.Id}' (also at {first})"));
                continue;
            }

            seen[fact.Id] = fact.Location;
            facts.Add(fact);
        }

        return new FactRegistry(facts, displayPath);
    }

    private static Fact? ReadFact(YamlReader reader, YamlNode item, string factsDirectory)
    {
        var map = reader.AsMap(item, "a fact");
        if (map is null)
        {
            return null;
        }

        reader.CheckFields(map, "a fact", FactFields);
        var id = reader.Required(map, "id", "a fact");
        if (id is null)
        {
            return null;
        }

        var what = $"fact '{id}'";
        if (!Ids.IsKebab(id))
        {
            reader.Error(map, $"{what}: ids are kebab-case (lower-case words joined by '-')");
        }

        var kind = ParseEnum<FactKind>(reader, map, "kind", what, required: true) ?? FactKind.Figure;
        var value = reader.Optional(map, "value", what);
        var text = reader.Text(YamlReader.Get(map, "text"), $"the text of {what}");
        if ((value is null) == (text is null))
        {
            reader.Error(map, $"{what} needs exactly one of 'value' (the same in every language) or 'text' (per language)");
        }

        var source = ReadSource(reader, map, what, factsDirectory, value);
        var verifiedOn = reader.Date(map, "verified_on", what, required: true) ?? DateOnly.MinValue;
        var reviewBy = reader.Date(map, "review_by", what, required: false) ?? verifiedOn.AddDays(DefaultReviewDays);
        var status = ParseEnum<ProgrammeStatus>(reader, map, "status", what, required: kind == FactKind.Programme);
        if (status is not null && kind != FactKind.Programme)
        {
            reader.Error(map, $"{what}: only programmes have a 'status'");
        }

        var statusSince = reader.Date(map, "status_since", what, required: false);
        var aliases = reader.Strings(YamlReader.Get(map, "aliases"), $"the aliases of {what}");
        return new Fact(id, kind, value, text, source, verifiedOn, reviewBy, status, statusSince, aliases, reader.At(map));
    }

    private static FactSource ReadSource(YamlReader reader, YamlMappingNode fact, string what, string factsDirectory, string? value)
    {
        var node = YamlReader.Get(fact, "source");
        var map = node is null ? null : reader.AsMap(node, $"the source of {what}");
        if (map is null)
        {
            reader.Error(fact, $"{what} has no 'source' (name, date, and url or seed)");
            return new FactSource("?", null, null, null);
        }

        reader.CheckFields(map, $"the source of {what}", SourceFields);
        var name = reader.Required(map, "name", $"the source of {what}") ?? "?";
        var date = reader.Optional(map, "date", $"the source of {what}");
        if (date is not null && !SourceDate().IsMatch(date))
        {
            reader.Error(map, $"the source date of {what} must be YYYY, YYYY-MM or YYYY-MM-DD, not '{date}'");
        }

        var url = reader.Optional(map, "url", $"the source of {what}");
        var seed = reader.Optional(map, "seed", $"the source of {what}");
        if (url is null && seed is null)
        {
            reader.Error(map, $"the source of {what} needs a 'url' or a 'seed' file");
        }

        if (seed is not null)
        {
            CheckSeed(reader, map, what, factsDirectory, seed, value);
        }

        return new FactSource(name, date, url, seed);
    }

    /// <summary>A figure taken from IOM Panama's reports must appear, as written, in the report it names.</summary>
    private static void CheckSeed(YamlReader reader, YamlMappingNode map, string what, string factsDirectory, string seed, string? value)
    {
        var seedPath = Path.Combine(factsDirectory, "sources", seed);
        if (!File.Exists(seedPath))
        {
            reader.Error(map, $"the seed file of {what} does not exist: sources/{seed}");
            return;
        }

        if (value is not null && !File.ReadAllText(seedPath).Contains(value, StringComparison.Ordinal))
        {
            reader.Error(map, $"{what}: the value '{value}' does not appear in sources/{seed}");
        }
    }

    private static T? ParseEnum<T>(YamlReader reader, YamlMappingNode map, string key, string what, bool required)
        where T : struct, Enum
    {
        var text = required ? reader.Required(map, key, what) : reader.Optional(map, key, what);
        if (text is null)
        {
            return null;
        }

        if (Enum.TryParse<T>(text, ignoreCase: true, out var value) && !int.TryParse(text, out _))
        {
            return value;
        }

        var expected = string.Join(", ", Enum.GetNames<T>().Select(n => n.ToLowerInvariant()));
        reader.Error(YamlReader.Get(map, key)!, $"{what}: unknown {key} '{text}'; expected one of: {expected}");
        return null;
    }

    [GeneratedRegex(@"^\d{4}(-\d{2}(-\d{2})?)?$")]
    private static partial Regex SourceDate();
}
