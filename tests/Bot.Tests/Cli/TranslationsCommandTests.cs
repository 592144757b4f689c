using System.Text;
using OimBot.Bot.Cli;
using OimBot.Bot.Tests.TestHost;
using OimBot.Content;

namespace OimBot.Bot.Tests.Cli;

/// <summary>
/// The translators' round trip: export every text with its Spanish source, fill a cell in a spreadsheet, import it
/// back. Only that text changes in the translation file; a bad CSV writes nothing and says which line is wrong.
/// </summary>
public sealed class TranslationsCommandTests : IDisposable
{
    private readonly TempContent _temp = new TempContent().WithoutTranslations();

    public void Dispose() => _temp.Dispose();

    private string[] Where => ["--content", _temp.ContentDirectory, "--facts", _temp.FactsPath];

    private string TranslationFile(string language) => Path.Combine(_temp.ContentDirectory, Translations.Folder, $"{language}.yaml");

    private (int Exit, string Output) Run(Func<IReadOnlyList<string>, TextWriter, TimeProvider, int> command, params string[] args)
    {
        using var output = new StringWriter();
        var exit = command([.. args, .. Where], output, new FakeClock());
        return (exit, output.ToString());
    }

    private string Export(string language)
    {
        var path = Path.Combine(_temp.Root, $"{language}-{Guid.NewGuid():N}.csv");
        var (exit, output) = Run(TranslationsCommand.Export, "--lang", language, path);
        Assert.True(exit == 0, output);
        return path;
    }

    /// <summary>A CSV as a spreadsheet saves it: header, then key and text (other columns are ignored).</summary>
    private string Csv(string content, bool bom = true, string name = "in.csv")
    {
        var path = Path.Combine(_temp.Root, name);
        File.WriteAllText(path, content, new UTF8Encoding(bom));
        return path;
    }

    private ContentSet Load()
    {
        var loaded = ContentLoader.Load(new ContentSources(_temp.ContentDirectory, _temp.FactsPath, _temp.Root), ShippedContent.Today);
        return loaded.Content ?? throw new InvalidOperationException(string.Join('\n', loaded.Errors));
    }

    [Fact]
    public void Export_ListsEveryTextWithItsSpanishSource_AndNothingIsTranslatedYet()
    {
        var path = Export("ht");
        var lines = File.ReadAllLines(path, Encoding.UTF8);

        Assert.Equal(Encoding.UTF8.GetPreamble(), File.ReadAllBytes(path)[..3]); // Excel opens accents right
        Assert.Equal("key,spanish,text,status,note", lines[0]);
        var records = Records(path);
        Assert.Equal(Translations.Catalog(Load()).Count, records.Count);
        var welcome = records["welcome"];
        Assert.StartsWith("Hola. Soy el asistente", welcome.Spanish, StringComparison.Ordinal);
        Assert.Equal(("", "missing"), (welcome.Text, welcome.Status));
        Assert.StartsWith("safety", welcome.Note, StringComparison.Ordinal);
        Assert.Contains("{medical-911}", records["text:handoff-emergency"].Spanish, StringComparison.Ordinal);
        Assert.Contains("avr-menu/avr-what", records.Keys);
        Assert.DoesNotContain("welcome/es", records.Keys); // a language is offered by its own name, in every language
    }

    [Fact]
    public void RoundTrip_EditOneCell_OnlyThatTextChangesInTheFile()
    {
        var first = Csv("key,text\ntext:resumed,Bonjou ankò.\ntext:stopped,\"Dakò, nou p ap voye ou mesaj ankò. Si ou ekri ankò, n ap reponn ou.\"\n");
        Assert.Equal(0, Run(TranslationsCommand.Import, "ht", first).Exit);
        var before = File.ReadAllLines(TranslationFile("ht"));

        var exported = Export("ht");
        var rows = File.ReadAllText(exported, Encoding.UTF8).Replace("Bonjou ankò.", "Bonjou ankò!", StringComparison.Ordinal);
        var edited = Csv(rows, name: "edited.csv");
        var (exit, output) = Run(TranslationsCommand.Import, "ht", edited);

        Assert.True(exit == 0, output);
        Assert.Contains("1 texts changed", output, StringComparison.Ordinal);
        var after = File.ReadAllLines(TranslationFile("ht"));
        Assert.Equal(before.Length, after.Length);
        var changed = before.Zip(after).Where(p => p.First != p.Second).ToList();
        Assert.Equal([("  \"text:resumed\": \"Bonjou ankò.\"", "  \"text:resumed\": \"Bonjou ankò!\"")], changed);

        var content = Load();
        var ht = Assert.Single(content.Translations);
        Assert.Equal(("ht", "Kreyòl ayisyen", TranslationStatus.Draft), (ht.Language, ht.Name, ht.Status));
        Assert.Equal("Bonjou ankò!", ht.Texts["text:resumed"].Text);
    }

    /// <summary>label, CSV body (after the header), the words the problem is reported with.</summary>
    public static TheoryData<string, string, string> BadCsvs => new()
    {
        { "an unknown id", "no-such-node,Bonjou\n", "in.csv:2: 'no-such-node' is not a text of the content" },
        { "a placeholder dropped", "text:handoff-emergency,Si ou an danje rele 911.\n", "in.csv:2: 'text:handoff-emergency': the placeholders must be those of the Spanish text; missing {medical-911}, {police-104}" },
        { "a placeholder invented", "text:resumed,Bonjou {wait}\n", "not in the source {wait}" },
        { "a button over the limit", "avr-menu/avr-what,Kisa retou volontè a ye egzakteman\n", "at most 24 fit where it is shown" },
        { "a typed phone number", "text:resumed,Rele 12345678\n", "a figure typed into the text" },
        { "a link", "text:resumed,Ale sou https://example.org\n", "a link or an e-mail" },
        { "the same key twice", "text:resumed,Bonjou\ntext:resumed,Bonswa\n", "in.csv:3: 'text:resumed' appears twice" },
    };

    [Theory]
    [MemberData(nameof(BadCsvs))]
    public void ABadRow_IsReportedWithItsLine_AndNothingIsWritten(string label, string rows, string expected)
    {
        var path = Csv("key,spanish,text\n" + string.Concat(rows.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(r => $"{r.Split(',')[0]},,{string.Join(',', r.Split(',').Skip(1))}\n")));

        var (exit, output) = Run(TranslationsCommand.Import, "ht", path);

        Assert.True(exit == 1, $"{label}: {output}");
        Assert.Contains(expected, output, StringComparison.Ordinal);
        Assert.Contains("nothing was written", output, StringComparison.Ordinal);
        Assert.False(File.Exists(TranslationFile("ht")), label);
    }

    /// <summary>language, key, translated text, the rule it breaks (null: it passes).</summary>
    public static TheoryData<string, string, string, string?> SafetyRows => new()
    {
        { "fr", "text:resumed", "Bonjour ! Vous êtes éligible au retour.", "(R12)" },
        { "fr", "text:resumed", "Bonjour. Nous ne pouvons rien garantir.", null },
        { "pt", "text:resumed", "Olá! Você será aprovado.", "(R12)" },
        { "ht", "text:resumed", "Bonjou! Ou kalifye pou retou a.", "(R12)" },
        { "zh", "text:resumed", "你好！你符合条件，我们会帮你。", "(R12)" },
        { "zh", "text:resumed", "你好，欢迎回来。", null },
        { "ht", "trafficking-difference", "Trafik moun ak trafik migran se de bagay diferan.", "(R10)" },
        { "zh", "trafficking-difference", "人口贩卖和偷运移民是两回事。", "(R10)" },
        { "fr", "trafficking-difference", "Informations utiles : ce sont deux situations différentes. La traite et le trafic ne sont pas la même chose.", null },
    };

    [Theory]
    [MemberData(nameof(SafetyRows))]
    public void TheSafetyRules_HoldInEveryTranslatedLanguage(string language, string key, string text, string? rule)
    {
        var path = Csv($"key,text\n{key},\"{text}\"\n", name: $"{language}-{Guid.NewGuid():N}.csv");

        var (exit, output) = Run(TranslationsCommand.Import, language, path);

        if (rule is null)
        {
            Assert.True(exit == 0, output);
        }
        else
        {
            Assert.True(exit == 1, output);
            Assert.Contains(rule, output, StringComparison.Ordinal);
        }
    }

    /// <summary>How spreadsheets save: with or without a byte order mark, commas or semicolons, CRLF, quoted cells.</summary>
    [Theory]
    [InlineData(true, ",", "\r\n")]
    [InlineData(false, ",", "\n")]
    [InlineData(true, ";", "\r\n")]
    public void SpreadsheetSavedCsvs_AreRead(bool bom, string separator, string newline)
    {
        var path = Csv($"key{separator}spanish{separator}text{newline}text:resumed{separator}\"Hola de nuevo.\"{separator}\"Rebonjou; kontan wè ou.\"{newline}", bom);

        var (exit, output) = Run(TranslationsCommand.Import, "ht", path);

        Assert.True(exit == 0, output);
        Assert.Equal("Rebonjou; kontan wè ou.", Assert.Single(Load().Translations).Texts["text:resumed"].Text);
    }

    /// <summary>A text that joins another keeps its leading space ("(fermé" + " depuis le …").</summary>
    [Fact]
    public void ALeadingSpace_IsKept()
    {
        var (exit, output) = Run(TranslationsCommand.Import, "fr", Csv("key,text\ntext:since,\" depuis le {date}\"\n"));

        Assert.True(exit == 0, output);
        Assert.Equal(" depuis le {date}", Assert.Single(Load().Translations).Texts["text:since"].Text);
    }

    /// <summary>
    /// A Spanish source that changes after its text was translated marks the translation outdated: a warning on load,
    /// "outdated" in the export, until a translator imports the row again (read beside the new Spanish).
    /// </summary>
    [Fact]
    public void AChangedSpanishSource_MarksItsTranslationOutdated_UntilItIsImportedAgain()
    {
        Assert.Equal(0, Run(TranslationsCommand.Import, "ht", Csv("key,text\ntext:resumed,Bonjou ankò.\n")).Exit);
        Assert.DoesNotContain(Warnings(), w => w.Contains("has changed since", StringComparison.Ordinal));

        var common = Path.Combine(_temp.ContentDirectory, ContentLoader.CommonFile);
        File.WriteAllText(common, File.ReadAllText(common).Replace("es: \"Hola de nuevo.\"", "es: \"Hola de nuevo, qué bueno verte.\"", StringComparison.Ordinal));

        Assert.Contains(Warnings(), w => w.Contains("1 texts were translated from a Spanish text that has changed since", StringComparison.Ordinal) && w.Contains("text:resumed", StringComparison.Ordinal));
        Assert.Equal("outdated", Records(Export("ht"))["text:resumed"].Status);

        Assert.Equal(0, Run(TranslationsCommand.Import, "ht", Csv("key,text\ntext:resumed,Bonjou ankò, kontan wè w.\n", name: "again.csv")).Exit);
        Assert.DoesNotContain(Warnings(), w => w.Contains("has changed since", StringComparison.Ordinal));
        Assert.Equal("draft", Records(Export("ht"))["text:resumed"].Status);
    }

    private List<string> Warnings() =>
        [.. ContentLoader.Load(new ContentSources(_temp.ContentDirectory, _temp.FactsPath, _temp.Root), ShippedContent.Today).Warnings.Select(w => w.Message)];

    [Fact]
    public void ALanguageWrittenInTheFlows_IsNotImportedApart()
    {
        var (exit, output) = Run(TranslationsCommand.Import, "en", Csv("key,text\ntext:resumed,Hi\n"));
        Assert.Equal(1, exit);
        Assert.Contains("written in the flow files", output, StringComparison.Ordinal);
    }

    /// <summary>The exported records by key, read as a spreadsheet reads them (quoted cells may hold line breaks).</summary>
    private static Dictionary<string, (string Spanish, string Text, string Status, string Note)> Records(string path)
    {
        using var csv = CsvHelper.CsvReader.FromFile(path);
        var records = new Dictionary<string, (string, string, string, string)>(StringComparer.Ordinal);
        while (csv.Read())
        {
            records.Add(csv.GetString("key"), (csv.GetString("spanish"), csv.GetString("text"), csv.GetString("status"), csv.GetString("note")));
        }

        return records;
    }
}
