using System.Text.RegularExpressions;
using OimBot.Bot.Tests.TestHost;
using OimBot.Content;
using OimBot.Content.Matching;

namespace OimBot.Bot.Tests.Dialogs;

/// <summary>
/// Found by a blind tester (2026-12-07): the French, Creole, Portuguese and Chinese texts told people to type the
/// Spanish command words ("Écrivez BORRAR à tout moment pour tout effacer", "ATRAS", "HUMANO", "BAJA", "IDIOMA").
/// Every language's texts name a command in that language's own word, in capitals as the Spanish texts do (in Chinese,
/// which has none, between quotes: 输入“删除”), and that word typed alone is the command in a conversation in that
/// language. Commands are matched in every language at once, so the Spanish words still work everywhere; they are just
/// not what a French text tells a French reader to type.
/// </summary>
public partial class CommandWordsInTextsTests
{
    private static ContentSet Content => ShippedContent.Set;

    /// <summary>Every text a person can read in the language: nodes, their options, titles and channel variants, shared texts, canned replies; facts filled.</summary>
    private static IEnumerable<(string Key, string Text)> TextsIn(string language)
    {
        IEnumerable<(string Key, LocalText Text)> all = [
            .. Content.NodeList.SelectMany(n => (IEnumerable<(string, LocalText)>)[
                (n.Id, n.Text),
                .. n.Choices.Where(c => c.Language is null).Select(c => (ContentNode.ChoiceKey(n.Id, c.Id), c.Label)),
                .. n.Title is { } title ? [($"{n.Id}#title", title)] : Array.Empty<(string, LocalText)>(),
                .. n.Variants.Select(v => ($"{n.Id}@{v.Key}", v.Value))]),
            .. Content.Common.Texts.Select(t => ($"text:{t.Key}", t.Value)),
            .. Content.Canned.SelectMany(c => (IEnumerable<(string, LocalText)>)[($"canned:{c.Id}#title", c.Title), ($"canned:{c.Id}", c.Text)]),
        ];
        return all.Select(t => (t.Key, ContentRenderer.Fill(Content, t.Text[language], language, [])));
    }

    /// <summary>
    /// The words a text shows as something to type: words in capitals ("EFFACER", "MENU", and names such as "OIM"), and
    /// in a language written without capitals a quoted word ("删除").
    /// </summary>
    private static IEnumerable<string> Shown(string text) =>
        Capitals().Matches(text).Select(m => m.Value).Concat(Quoted().Matches(text).Select(m => m.Groups[1].Value));

    /// <summary>The command a shown word names: it is, or is a slip of, some served language's word for it (a name such as "OIM" names none).</summary>
    private static GlobalCommand? Named(string word)
    {
        var words = TextNormalizer.WordsOf(word);
        foreach (var (command, perLanguage) in Content.Common.Commands)
        {
            if (words.Length > 0 && perLanguage.Values.SelectMany(p => p).Any(p => Fuzzy.EqualsPhrase(words, TextNormalizer.WordsOf(p))))
            {
                return command;
            }
        }

        return null;
    }

    private static bool IsOwnWord(string language, GlobalCommand command, string word) =>
        (Content.Common.Commands[command].GetValueOrDefault(language) ?? []).Any(p => TextNormalizer.Normalize(p) == TextNormalizer.Normalize(word));

    /// <summary>Each language and each command word its texts show (found by scanning them), with the command it names.</summary>
    public static TheoryData<string, string, string> ShownCommandWords()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var language in ShippedContent.Languages.Order(StringComparer.Ordinal))
        {
            var shown = TextsIn(language).SelectMany(t => Shown(t.Text)).Distinct(StringComparer.Ordinal)
                .Select(w => (Word: w, Command: Named(w))).Where(w => w.Command is not null);
            foreach (var (word, command) in shown)
            {
                data.Add(language, word, command!.Value.ToString());
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ShownCommandWords))]
    public void EveryCommandWordATextShows_IsThatLanguagesOwnWord_AndIsTheCommandInItsConversation(string language, string word, string command)
    {
        var named = Enum.Parse<GlobalCommand>(command);
        var own = Content.Common.Commands[named].GetValueOrDefault(language) ?? [];
        Assert.True(IsOwnWord(language, named, word), $"'{word}' is shown in {language} for {command}, but its own words are: {string.Join(", ", own)}");

        var chat = Chat.At(Content, "avr-what", language).Send(word);
        LanguagesTests.AssertOutcome(chat, language, LanguagesTests.OutcomeAtAvrWhat(named));
    }

    /// <summary>Each language but the source: a text names, in the language's own words, the commands its Spanish source names.</summary>
    public static TheoryData<string> Translated => [.. ShippedContent.Languages.Where(l => l != ShippedContent.Set.Common.SourceLanguage).Order(StringComparer.Ordinal)];

    [Theory]
    [MemberData(nameof(Translated))]
    public void EveryText_NamesTheCommandsItsSpanishSourceNames_InTheLanguagesOwnWords(string language)
    {
        var source = TextsIn(Content.Common.SourceLanguage).ToDictionary(t => t.Key, t => t.Text, StringComparer.Ordinal);
        var named = 0;
        foreach (var (key, text) in TextsIn(language))
        {
            string[] Commands(string written, string lang) =>
                [.. Shown(written).Select(w => (Word: w, Command: Named(w))).Where(w => w.Command is { } c && IsOwnWord(lang, c, w.Word)).Select(w => w.Command!.Value.ToString()).Distinct().Order(StringComparer.Ordinal)];
            var expected = Commands(source[key], Content.Common.SourceLanguage);
            Assert.True(expected.SequenceEqual(Commands(text, language)), $"{language} {key} names [{string.Join(", ", Commands(text, language))}] in its own words, its source [{string.Join(", ", expected)}]: {text}");
            named += expected.Length;
        }

        Assert.True(named >= 20, $"only {named} command words found in the Spanish texts: is the scan still finding them?");
    }

    /// <summary>The Spanish command words (the source's lists), each against each translated language.</summary>
    public static TheoryData<string, string> SpanishCommandWords()
    {
        var data = new TheoryData<string, string>();
        var spanish = ShippedContent.Set.Common.Commands.Values.SelectMany(c => c["es"]).Where(w => TextNormalizer.WordsOf(w) is [{ Length: > 1 } only] && !only.All(char.IsDigit));
        foreach (var language in new[] { "fr", "ht", "pt", "zh" })
        {
            foreach (var word in spanish)
            {
                data.Add(language, word.ToUpperInvariant());
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(SpanishCommandWords))]
    public void NoTranslatedText_TellsPeopleToTypeASpanishCommandWord_ThatIsNotTheLanguagesOwn(string language, string word)
    {
        var theirs = Content.Common.Commands.Any(c => IsOwnWord(language, c.Key, word)); // pt "HUMANO", "IDIOMA"; fr, pt "MENU"; fr, ht "STOP"
        var showing = TextsIn(language).Where(t => Shown(t.Text).Any(w => TextNormalizer.Normalize(w) == TextNormalizer.Normalize(word))).Select(t => t.Key).ToList();

        Assert.True(theirs || showing.Count == 0, $"{language} texts tell people to type the Spanish '{word}': {string.Join(", ", showing)}");
    }

    [Theory]
    [InlineData("fr", "Écrivez EFFACER à tout moment pour tout effacer.")]
    [InlineData("ht", "Ekri EFASE nenpòt lè pou efase tout bagay.")]
    [InlineData("pt", "Escreva APAGAR quando quiser para apagar tudo.")]
    [InlineData("zh", "随时输入“删除”即可删除全部内容。")]
    public void TheNotice_SaysHowToDeleteInTheLanguage(string language, string line) =>
        Assert.Contains(line, ContentRenderer.Render(Content, Content.Nodes[Content.Common.StartNode], language).Text, StringComparison.Ordinal);

    /// <summary>A word of two or more capitals, accents included, standing alone ("EFFACER", "DÈYÈ", not "OIM's" inner letters).</summary>
    [GeneratedRegex(@"(?<![\p{L}\p{M}\p{N}])\p{Lu}[\p{Lu}\p{M}]+(?![\p{L}\p{M}\p{N}])")]
    private static partial Regex Capitals();

    /// <summary>A short word between quotes, as Chinese marks a word to type (输入“删除”).</summary>
    [GeneratedRegex(@"[“「]([^”」\s]{1,8})[”」]")]
    private static partial Regex Quoted();
}
