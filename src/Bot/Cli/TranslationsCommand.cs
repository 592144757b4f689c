using OimBot.Bot.ContentHosting;
using System.Globalization;
using System.Text;
using CsvHelper;
using OimBot.Content;

namespace OimBot.Bot.Cli;

/// <summary>
/// The translators' round trip. <c>content export-translations --lang ht out.csv</c> writes every text with its key, the
/// Spanish source and the current translation; a translator fills the <c>text</c> column in Excel or LibreOffice; then
/// <c>content import-translations ht in.csv</c> checks every row (known key, the same placeholders, within the channel
/// limit, no typed figures or links) and writes <c>content/translations/ht.yaml</c> only when all of them pass.
/// </summary>
internal static class TranslationsCommand
{
    private const string ExportUsage = "Usage: content export-translations --lang CODE [--content content] [--facts seeds/facts.yaml] out.csv";
    private const string ImportUsage = "Usage: content import-translations CODE in.csv [--name \"Kreyòl ayisyen\"] [--content content] [--facts seeds/facts.yaml]";

    /// <summary>Each language's own name, for a language's first import (a translation file can say otherwise).</summary>
    private static readonly Dictionary<string, string> KnownNames = new(StringComparer.Ordinal)
    {
        ["ht"] = "Kreyòl ayisyen",
        ["zh"] = "中文",
        ["fr"] = "Français",
        ["pt"] = "Português",
    };


    public static int Export(IReadOnlyList<string> args, TextWriter output, TimeProvider clock)
    {
        var options = CommandOptions.Parse(args, ["--lang", "--content", "--facts"]);
        if (options.Problem is not null || options["--lang"] is not { } language || options.Positional is not [var path])
        {
            output.WriteLine(options.Problem is null ? ExportUsage : $"{options.Problem}. {ExportUsage}");
            return 2;
        }

        if (Load(options, output, clock) is not { } content)
        {
            return 1;
        }

        var current = content.Translations.FirstOrDefault(t => t.Language == language);
        var catalog = Translations.Catalog(content);
        var outdated = current?.Outdated(catalog).ToHashSet(StringComparer.Ordinal) ?? [];
        // A byte order mark, so that Excel opens accents and Chinese right; RFC 4180 quoting and line endings.
        using (var csv = CsvWriter.ToFile(path, new CsvWriterOptions { WriteByteOrderMark = true }))
        {
            csv.WriteHeader(["key", "spanish", "text", "status", "note"]);
            foreach (var entry in catalog)
            {
                var text = current?.Texts.GetValueOrDefault(entry.Key)?.Text ?? string.Empty;
                var status = text.Length == 0 ? "missing" : outdated.Contains(entry.Key) ? "outdated" : current!.Status.ToString().ToLowerInvariant();
                csv.WriteRecord([entry.Key, entry.Source, text, status, Note(entry)]);
            }
        }

        var done = current is null ? 0 : catalog.Count(e => current.Texts.ContainsKey(e.Key));
        output.WriteLine($"wrote {catalog.Count} texts to {path} ({done} translated to {language}, {catalog.Count - done} to do)");
        return 0;
    }

    public static int Import(IReadOnlyList<string> args, TextWriter output, TimeProvider clock)
    {
        var options = CommandOptions.Parse(args, ["--name", "--content", "--facts"]);
        if (options.Problem is not null || options.Positional is not [var language, var path])
        {
            output.WriteLine(options.Problem is null ? ImportUsage : $"{options.Problem}. {ImportUsage}");
            return 2;
        }

        if (!File.Exists(path))
        {
            output.WriteLine($"{path}: no such file");
            return 1;
        }

        if (Load(options, output, clock) is not { } content)
        {
            return 1;
        }

        if (content.Common.Languages.Any(l => l.Code == language && !l.Translated))
        {
            output.WriteLine($"'{language}' is written in the flow files, not translated apart; edit its texts there");
            return 1;
        }

        var catalog = Translations.Catalog(content).ToDictionary(e => e.Key, StringComparer.Ordinal);
        var problems = new List<string>();
        var rows = Read(path, problems);
        var texts = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (line, key, text) in rows)
        {
            if (!catalog.TryGetValue(key, out var entry))
            {
                problems.Add($"{path}:{line}: '{key}' is not a text of the content");
            }
            else if (!texts.TryAdd(key, text))
            {
                problems.Add($"{path}:{line}: '{key}' appears twice");
            }
            else if (Translations.Problem(entry, text, language) is { } problem)
            {
                problems.Add($"{path}:{line}: '{key}': {problem}");
            }
        }

        // An enabled language keeps every safety text (R7, R8, R11, R13): emptying one would stop the content loading.
        if (content.Translations.FirstOrDefault(t => t.Language == language) is { Enabled: true })
        {
            foreach (var (line, key, text) in rows.Where(r => r.Text.Length == 0 && catalog.TryGetValue(r.Key, out var e) && e.Safety))
            {
                problems.Add($"{path}:{line}: '{key}' is a safety text: it cannot be emptied while the language is enabled");
            }
        }

        if (problems.Count > 0)
        {
            foreach (var problem in problems)
            {
                output.WriteLine(problem);
            }

            output.WriteLine($"{problems.Count} problems; nothing was written");
            return 1;
        }

        var current = content.Translations.FirstOrDefault(t => t.Language == language);
        var merged = new Dictionary<string, TranslatedText>(current?.Texts ?? new Dictionary<string, TranslatedText>(), StringComparer.Ordinal);
        var changed = 0;
        foreach (var (key, text) in texts)
        {
            var before = merged.GetValueOrDefault(key)?.Text ?? string.Empty;
            if (before == text)
            {
                continue;
            }

            changed++;
            if (text.Length == 0)
            {
                merged.Remove(key);
            }
            else
            {
                merged[key] = new TranslatedText(key, text, new SourceLocation(path, 0));
            }
        }

        var name = options["--name"] ?? current?.Name ?? KnownNames.GetValueOrDefault(language) ?? language;

        // A changed text was not what the reviewer signed off: the language goes back to draft until reviewed again.
        var reviewed = current?.Status == TranslationStatus.Reviewed && changed == 0 && name == current.Name;
        var file = new TranslationFile(
            language,
            name,
            reviewed ? TranslationStatus.Reviewed : TranslationStatus.Draft,
            reviewed ? current!.Reviewer : null,
            reviewed ? current!.ReviewedOn : null,
            merged,
            new SourceLocation(path, 1))
        {
            Enabled = current?.Enabled ?? false,
            // Every text in the CSV was read beside its Spanish source: it is now translated from that source.
            Sources = Fingerprints(current, texts, catalog),
        };
        var folder = Path.Combine(options["--content"] ?? "content", Translations.Folder);
        Directory.CreateDirectory(folder);
        var target = Path.Combine(folder, $"{language}.yaml");
        File.WriteAllText(target, Translations.Write(file, Translations.Catalog(content)), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        output.WriteLine($"{changed} texts changed in {target}; {merged.Count} of {catalog.Count} translated"
            + (current?.Status == TranslationStatus.Reviewed && !reviewed ? "; the language is a draft again until its reviewer signs the changes off" : string.Empty));
        return 0;
    }

    private static Dictionary<string, string> Fingerprints(TranslationFile? current, Dictionary<string, string> imported, Dictionary<string, TranslationEntry> catalog)
    {
        var sources = new Dictionary<string, string>(current?.Sources ?? new Dictionary<string, string>(), StringComparer.Ordinal);
        foreach (var (key, text) in imported)
        {
            if (text.Length == 0)
            {
                sources.Remove(key);
            }
            else
            {
                sources[key] = Translations.Fingerprint(catalog[key].Source);
            }
        }

        return sources;
    }

    private static string Note(TranslationEntry entry) =>
        (entry.Safety ? "safety: needed before the language can serve; " : string.Empty) + $"at most {entry.MaxLength} characters; keep every {{placeholder}}";

    /// <summary>The rows of a translator's CSV: UTF-8 with or without a byte order mark, comma, semicolon or tab separated.</summary>
    private static List<(int Line, string Key, string Text)> Read(string path, List<string> problems)
    {
        var rows = new List<(int, string, string)>();
        try
        {
            // A byte order mark is honoured, UTF-8 assumed otherwise; the separator (comma, semicolon, tab) is detected.
            using var csv = CsvReader.FromFile(path, new CsvReaderOptions { TrackLineNumbers = true });
            if (!csv.TryGetFieldIndex("key", out var keyColumn) || !csv.TryGetFieldIndex("text", out var textColumn))
            {
                problems.Add($"{path}:1: the first row must name the columns, with at least 'key' and 'text' (as content export-translations writes them)");
                return rows;
            }

            while (csv.Read())
            {
                var key = keyColumn < csv.FieldCount ? csv.GetString(keyColumn).Trim() : string.Empty;
                var text = textColumn < csv.FieldCount ? csv.GetString(textColumn) : string.Empty;
                if (key.Length == 0 && text.Length == 0)
                {
                    continue; // an empty line at the end
                }

                // Kept exactly: some texts begin with a space that joins them to another (" desde el {date}").
                rows.Add(((int)csv.LineNumber, key, string.IsNullOrWhiteSpace(text) ? string.Empty : text));
            }
        }
        catch (CsvFormatException ex)
        {
            problems.Add($"{path}:{ex.LineNumber}: not a readable CSV ({ex.Message})");
        }

        return rows;
    }

    private static ContentSet? Load(CommandOptions options, TextWriter output, TimeProvider clock)
    {
        var directory = options["--content"] ?? "content";
        var facts = options["--facts"] ?? Path.Combine(Path.GetDirectoryName(Path.GetFullPath(directory).TrimEnd(Path.DirectorySeparatorChar)) ?? ".", "seeds", "facts.yaml");
        var loaded = ContentLoader.Load(new ContentSources(directory, facts) { Models = ContentOptions.CommandLineModels() }, PanamaTime.Today(clock));
        if (loaded.Content is null)
        {
            foreach (var error in loaded.Errors)
            {
                output.WriteLine(error);
            }

            output.WriteLine("the content is invalid; fix it first (content validate)");
        }

        return loaded.Content;
    }
}
