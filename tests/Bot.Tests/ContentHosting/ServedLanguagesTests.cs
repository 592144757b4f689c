using System.Text.RegularExpressions;
using OimBot.Bot.Tests.TestHost;
using OimBot.Content;

namespace OimBot.Bot.Tests.ContentHosting;

/// <summary>
/// When a translated language may serve: its danger, notice, delete and stop texts complete, its language file present,
/// the safety words of its rules known. Otherwise the content does not load (file:line); a missing ordinary text shows in
/// Spanish and is reported.
/// </summary>
public sealed partial class ServedLanguagesTests : IDisposable
{
    private readonly TempContent _temp = new();

    public void Dispose() => _temp.Dispose();

    private string PathOf(string file) => Path.Combine(_temp.ContentDirectory, Translations.Folder, file);

    private ContentLoadResult Load() =>
        ContentLoader.Load(new ContentSources(_temp.ContentDirectory, _temp.FactsPath, _temp.Root), ShippedContent.Today);

    private void RemoveText(string language, string key)
    {
        var path = PathOf($"{language}.yaml");
        var lines = File.ReadAllLines(path).Where(l => !l.StartsWith($"  \"{key}\":", StringComparison.Ordinal)).ToArray();
        File.WriteAllLines(path, lines);
    }

    public static TheoryData<string, string> SafetyTexts => new()
    {
        { "ht", "text:deleted" },           // R8
        { "zh", "text:stopped" },           // R7
        { "fr", "emergency-suicide" },      // R13
        { "pt", "welcome" },                // R6, the notice
        { "ht", "text:handoff-emergency" }, // R11
        { "zh", "confirm-delete" },
        { "ht", "text:discreet-exit@webchat" }, // a channel's variant of a safety text is a safety text (R9)
        { "fr", "welcome@webchat" },            // the notice as the web chat reads it (R6)
    };

    [Theory]
    [MemberData(nameof(SafetyTexts))]
    public void AnEnabledLanguageWithoutASafetyText_DoesNotLoad(string language, string key)
    {
        RemoveText(language, key);

        var result = Load();

        Assert.Null(result.Content);
        var error = Assert.Single(result.Errors, e => e.Message.Contains("misses safety texts", StringComparison.Ordinal));
        Assert.Contains(key, error.Message, StringComparison.Ordinal);
        Assert.EndsWith($"{language}.yaml", error.File, StringComparison.Ordinal);
        Assert.True(error.Line > 0);
    }

    [Fact]
    public void AnEnabledLanguageWithoutItsLanguageFile_DoesNotLoad()
    {
        File.Delete(PathOf("ht" + LanguageData.Suffix));

        var result = Load();

        Assert.Null(result.Content);
        Assert.Contains(result.Errors, e => e.Message.Contains("has no language file", StringComparison.Ordinal) && e.File.EndsWith("ht.yaml", StringComparison.Ordinal));
    }

    [Fact]
    public void AnEnabledLanguageWithoutStopWords_DoesNotLoad()
    {
        var path = PathOf("pt" + LanguageData.Suffix);
        File.WriteAllText(path, StopLine().Replace(File.ReadAllText(path), "  stop: []"));

        var result = Load();

        Assert.Null(result.Content);
        Assert.Contains(result.Errors, e => e.Message.Contains("no 'stop' command words", StringComparison.Ordinal));
    }

    [Fact]
    public void AMissingOrdinaryText_ShowsInSpanish_AndIsReported()
    {
        RemoveText("fr", "avr-figures");

        var result = Load();

        var content = Assert.IsType<ContentSet>(result.Content);
        Assert.Equal(content.Nodes["avr-figures"].Text["es"], content.Nodes["avr-figures"].Text["fr"]);
        Assert.Contains(result.Warnings, w => w.Message.Contains("1 of", StringComparison.Ordinal) && w.File.EndsWith("fr.yaml", StringComparison.Ordinal));
    }

    [Fact]
    public void ADisabledLanguage_IsNotOffered_AndNeedsNothing()
    {
        var path = PathOf("zh.yaml");
        File.WriteAllText(path, File.ReadAllText(path).Replace("enabled: true\n", string.Empty, StringComparison.Ordinal));
        File.Delete(PathOf("zh" + LanguageData.Suffix));
        RemoveText("zh", "text:deleted");

        var loaded = Load();
        var content = loaded.Content ?? throw new Xunit.Sdk.XunitException(string.Join('\n', loaded.Errors));

        Assert.DoesNotContain("zh", content.Languages);
        Assert.DoesNotContain(content.Nodes[content.Common.StartNode].Choices, c => c.Language == "zh");
        Assert.Contains(content.Translations, t => t.Language == "zh" && !t.Enabled);
    }

    [Fact]
    public void AnExampleClaimedTwice_InALanguageFile_IsRefusedWithItsLine()
    {
        var path = PathOf("ht" + LanguageData.Suffix);
        var text = File.ReadAllText(path);
        // the first example of the main menu, written again under the thanks node
        var greeting = Regex.Match(text, "  main-menu:\\s*\\n\\s*- \"([^\"]+)\"").Groups[1].Value;
        Assert.NotEmpty(greeting);
        File.WriteAllText(path, Regex.Replace(text, "  thanks:\\s*\\n", m => $"{m.Value}    - \"{greeting}\"\n"));

        var result = Load();

        Assert.Null(result.Content);
        Assert.Contains(result.Errors, e => e.Message.Contains("claimed by", StringComparison.Ordinal) && e.File.EndsWith(".language.yaml", StringComparison.Ordinal));
    }

    /// <summary>R10 in Chinese: sixty characters say much more than in Spanish, and words are found without spaces.</summary>
    [Fact]
    public void AChineseSensitiveText_ThatShowsATellingWordEarly_DoesNotLoad()
    {
        var path = PathOf("zh.yaml");
        var text = File.ReadAllText(path);
        var edited = Regex.Replace(text, "(  \"trafficking-menu\": \")", "$1人口贩卖的信息。");
        Assert.NotEqual(text, edited);
        File.WriteAllText(path, edited);

        var result = Load();

        Assert.Null(result.Content);
        Assert.Contains(result.Errors, e => e.Message.Contains("node 'trafficking-menu' (zh) is sensitive and shows '贩卖'", StringComparison.Ordinal));
    }

    [Fact]
    public void AVariantForAChannelThatDoesNotExist_IsRefusedWithItsLine()
    {
        var common = Path.Combine(_temp.ContentDirectory, ContentLoader.CommonFile);
        File.WriteAllText(common, File.ReadAllText(common).Replace("  avr-principles:\n", "  discreet-exit@sms:\n    es: \"Sal\"\n    en: \"Leave\"\n  avr-principles:\n", StringComparison.Ordinal));

        var result = Load();

        Assert.Null(result.Content);
        Assert.Contains(result.Errors, e => e.Message.Contains("'discreet-exit@sms' is a channel variant", StringComparison.Ordinal) && e.Line > 0);
    }

    /// <summary>
    /// The danger question's lines for guessed emergencies: an "unsure-" text must name an emergency node, every
    /// language's danger question must say where the lines go, or a guessed self-harm would lose the MIDES line, and
    /// no line may put a telling word on a lock screen (R10). Unsure keywords lead to the danger question: only an
    /// emergency may have them.
    /// </summary>
    [Theory]
    [InlineData("common", "  unsure-emergency-suicide:\n", "  unsure-avr-menu:\n    es: \"Volver\"\n    en: \"Return\"\n  unsure-emergency-suicide:\n", "'unsure-avr-menu' is the danger question's line for the emergency 'avr-menu'")]
    [InlineData("pt", "{unsure-lines}", "", "node 'danger-check' (pt) needs {unsure-lines}")]
    [InlineData("pt.language", "unsure_keywords:\n  emergency-suicide:", "unsure_keywords:\n  avr-menu:", "has unsure keywords for 'avr-menu', which is not an emergency node")]
    [InlineData("avr", "  - id: avr-menu\n", "  - id: avr-menu\n    unsure_keywords: { es: [me rindo], en: [i give up] }\n", "'unsure_keywords' are for an emergency that a short phrase may mean")]
    // Untrained keywords are sure danger phrases: an emergency's only, and never a phrase another node claims.
    [InlineData("pt.language", "untrained_keywords:\n  emergency-suicide:", "untrained_keywords:\n  avr-menu:", "has untrained keywords for 'avr-menu', which is not an emergency node")]
    [InlineData("avr", "  - id: avr-menu\n", "  - id: avr-menu\n    untrained_keywords: { es: [tome cloro], en: [i drank bleach] }\n", "'untrained_keywords' are for an emergency (sure danger phrases the classifier is not taught)")]
    [InlineData("zh.language", "\"被他看到我就死定了\"", "\"救命\"", "duplicate keyword '救命' (zh)")]
    [InlineData("zh.language", "\"喝了漂白水\"", "\"想自杀\"", "untrained keyword '想自杀' (zh) is also its keyword or example, which the classifier is taught")]
    // Fallback keywords lead to a page, and are never what the classifier is taught.
    [InlineData("pt.language", "fallback_keywords:\n  about-service:", "fallback_keywords:\n  emergency-suicide:", "has fallback keywords for 'emergency-suicide', which is not a message or menu node")]
    [InlineData("pt.language", "\"muito triste\", ", "\"muito triste\", \"to gravida e nunca fiz pre-natal\", ", "fallback keyword 'to gravida e nunca fiz pre-natal' (pt) is also its keyword or example, which the classifier is taught")]
    [InlineData("avr", "  - id: avr-q-panama\n", "  - id: avr-q-panama\n    fallback_keywords: { es: [listo], en: [done] }\n", "'fallback_keywords' lead to a page (message or menu)")]
    // Warning signs lead to the danger question: an emergency's only, of two words or more (they are read beside a topic).
    [InlineData("pt.language", "warning_signs:\n  emergency-suicide:", "warning_signs:\n  avr-menu:", "has warning signs for 'avr-menu', which is not an emergency node")]
    [InlineData("avr", "  - id: avr-menu\n", "  - id: avr-menu\n    warning_signs: { es: [denle mi cupo], en: [give my place] }\n", "'warning_signs' are for an emergency said without naming it")]
    [InlineData("emergency", "      es: [\"ya nada importa\",", "      es: [\"adios\", \"ya nada importa\",", "warning sign 'adios' (es) needs two words or more")]
    // Someone else at the phone: the page, who and what go together, in served languages.
    [InlineData("common", "watched: phone-safety ", "watched: no-such-page ", "unknown target 'no-such-page' for 'watched'")]
    [InlineData("common", "watched: phone-safety ", "", "'watched', 'watchers' and 'watching' go together")]
    [InlineData("common", "watching:\n  es:", "watching:\n  xx: [celular]\n  es:", "watching in 'xx', which is not a language in common.yaml")]
    // Taking back the request for a person: a yes/no question, and the words, together.
    [InlineData("common", "confirm_withdraw: confirm-withdraw ", "", "'confirm_withdraw' and 'withdraw_words' go together")]
    [InlineData("common", "confirm_withdraw: confirm-withdraw ", "confirm_withdraw: main-menu ", "node 'main-menu' asks for a clear yes (R4)")]
    [InlineData("common", "confirm_withdraw: confirm-withdraw ", "confirm_withdraw: no-such-page ", "unknown target 'no-such-page' for 'confirm_withdraw'")]
    [InlineData("pt.language", "withdraw_words: [\"deixa pra la\"", "withdraw_words: [\"...\"", "the withdraw_words phrase '...' (pt) has no words")]
    // A list's numbers in words: words only, at most as many as a list has.
    [InlineData("pt.language", "number_words: [\"um | uma", "number_words: [\"1 | uma", "number_words: the number 1 is written '1'")]
    [InlineData("common", "  es: [\"uno | una", "  es: [\"1 | una", "number_words in 'es': the number 1 is written '1'")]
    // A child's age in words: one entry for each age from 8 to 17, or the {age} of an unsure keyword reads the wrong age.
    [InlineData("pt.language", "\"oito\", \"nove\", ", "", "child_ages: lists 8 ages; it needs the 10 from 8 to 17")]
    [InlineData("common", "  en: [eight, nine, ten,", "  en: [8, nine, ten,", "child_ages in 'en': the age 8 is written '8'")]
    // R10: the danger question's first line is short in Chinese, so a guessed emergency's line shows on a lock screen.
    [InlineData("zh", "请在{sexual-violence-care-window}之内就医，这有助于预防艾滋病病毒（HIV）、其他感染和意外怀孕（如果你遭受了性侵犯）。", "如果你遭受了性侵犯，请在{sexual-violence-care-window}之内就医。", "node 'danger-check' (zh) is sensitive and shows '性侵'")]
    public void AnUnsureLine_ForNoEmergency_OrWithNowhereToGo_IsRefusedWithItsLine(string file, string find, string replace, string error)
    {
        var path = file switch
        {
            "common" => Path.Combine(_temp.ContentDirectory, ContentLoader.CommonFile),
            "avr" or "emergency" => Path.Combine(_temp.ContentDirectory, $"{file}.yaml"),
            _ => PathOf($"{file}.yaml"),
        };
        var text = File.ReadAllText(path);
        Assert.Contains(find, text, StringComparison.Ordinal);
        File.WriteAllText(path, text.Replace(find, replace, StringComparison.Ordinal));

        var result = Load();

        Assert.Null(result.Content);
        Assert.Contains(result.Errors, e => e.Message.Contains(error, StringComparison.Ordinal) && e.Line > 0);
    }

    [GeneratedRegex(@"  stop:.*(\n    - .*)*")]
    private static partial Regex StopLine();
}
