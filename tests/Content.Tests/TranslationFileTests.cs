namespace OimBot.Content.Tests;

/// <summary>Translations kept apart from the flows (content/translations/xx.yaml): each problem named with its file and line.</summary>
public sealed class TranslationFileTests : IDisposable
{
    private readonly ContentFixture _content = new();

    public void Dispose() => _content.Dispose();

    private const string Header = "language: ht\nname: \"Kreyòl ayisyen\"\nstatus: draft\ntexts:\n";

    /// <summary>label, file body, line and words of the expected error (null: loads, with a warning for what is missing).</summary>
    public static TheoryData<string, string, string?> Files => new()
    {
        { "a draft with one text", Header + "  \"text:resumed\": \"Bonjou ankò.\"\n", null },
        { "an unknown key", Header + "  \"text:resumed\": \"Bonjou ankò.\"\n  \"no-such-node\": \"Bonjou\"\n", "translations/ht.yaml:6: error: 'no-such-node' is not a text of the content" },
        { "a placeholder dropped", Header + "  \"text:since\": \"depi\"\n", "translations/ht.yaml:5: error: 'text:since' (ht): the placeholders must be those of the Spanish text; missing {date}" },
        { "a typed figure", Header + "  \"text:resumed\": \"Rele 911\"\n", "translations/ht.yaml:5: error: 'text:resumed' (ht): a figure typed into the text" },
        { "reviewed without a reviewer", "language: ht\nname: \"Kreyòl ayisyen\"\nstatus: reviewed\ntexts:\n  \"text:resumed\": \"Bonjou\"\n", "translations/ht.yaml:1: error: a reviewed translation names its reviewer" },
        { "a language of the flows", "language: en\nname: English\ntexts:\n", "translations/ht.yaml:1: error: 'en' is written in the flow files" },
        { "not a language code", "language: Creole\nname: Kreyòl\ntexts:\n", "translations/ht.yaml:1: error: 'Creole' is not a language code" },
        { "an unknown status", "language: ht\nname: Kreyòl\nstatus: done\ntexts:\n", "translations/ht.yaml:1: error: status must be 'draft' or 'reviewed'" },
        { "an unknown field", "language: ht\nname: Kreyòl\ncolor: blue\ntexts:\n", "translations/ht.yaml" },
    };

    [Theory]
    [MemberData(nameof(Files))]
    public void ATranslationFile_IsCheckedAgainstTheContent(string label, string body, string? error)
    {
        _content.Write("content/translations/ht.yaml", body);

        var result = _content.Load();

        if (error is null)
        {
            Assert.True(result.IsValid, $"{label}: {string.Join('\n', result.Errors)}");
            var ht = Assert.Single(result.Content!.Translations);
            Assert.Equal("Bonjou ankò.", ht.Texts["text:resumed"].Text);
            Assert.Contains(result.Warnings, w => w.ToString().Contains("Kreyòl ayisyen (ht, draft):", StringComparison.Ordinal) && w.Message.Contains("Safety texts it needs before it can serve: welcome", StringComparison.Ordinal));
        }
        else
        {
            Assert.False(result.IsValid, label);
            Assert.Contains(result.Errors, e => e.ToString().Contains(error, StringComparison.Ordinal));
        }
    }

    [Fact]
    public void TranslationFiles_AreNotReadAsFlows_AndTheFlowsServeAsBefore()
    {
        var before = _content.Load().Content!;
        _content.Write("content/translations/ht.yaml", Header);

        var after = _content.Load();

        Assert.True(after.IsValid, string.Join('\n', after.Errors));
        Assert.Equal(before.NodeList.Count, after.Content!.NodeList.Count);
        Assert.Equal(before.Languages, after.Content.Languages); // a draft language is never offered to users
    }

    [Fact]
    public void TheWriter_GivesOneLinePerText_InCatalogOrder_AndReadsBackTheSame()
    {
        var content = _content.Load().Content!;
        var catalog = Translations.Catalog(content);
        var plain = catalog.First(e => Translations.PlaceholdersOf(e.Source).Count == 0 && e.Key != "text:resumed");
        var texts = new Dictionary<string, TranslatedText>
        {
            ["text:resumed"] = new("text:resumed", "Bonjou \"ankò\"\nanpil", new("x", 1)),
            [plain.Key] = new(plain.Key, "Premye", new("x", 1)),
        };
        var file = new TranslationFile("ht", "Kreyòl ayisyen", TranslationStatus.Reviewed, "Marie Joseph", new DateOnly(2026, 11, 30), texts, new("x", 1));

        var written = Translations.Write(file, catalog);
        _content.Write("content/translations/ht.yaml", written);
        var result = _content.Load();
        Assert.True(result.IsValid, written + "\n" + string.Join('\n', result.Errors));
        var loaded = Assert.Single(result.Content!.Translations);

        Assert.Equal(2, written.Split('\n').Count(l => l.StartsWith("  \"", StringComparison.Ordinal)));
        Assert.True(written.IndexOf($"\"{plain.Key}\"", StringComparison.Ordinal) < written.IndexOf("\"text:resumed\"", StringComparison.Ordinal));
        Assert.Equal("Bonjou \"ankò\"\nanpil", loaded.Texts["text:resumed"].Text);
        Assert.Equal((TranslationStatus.Reviewed, "Marie Joseph", new DateOnly(2026, 11, 30)), (loaded.Status, loaded.Reviewer, loaded.ReviewedOn));
    }
}
