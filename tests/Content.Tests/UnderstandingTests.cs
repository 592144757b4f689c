using OimBot.Content.Matching;
using OimBot.Tests.Common;

namespace OimBot.Content.Tests;

public class UnderstandingTests
{
    [Theory]
    [InlineData("２", "2")]                          // full-width digit (Chinese keyboards)
    [InlineData("٢", "2")]                          // Arabic-Indic
    [InlineData("۳", "3")]                          // Persian
    [InlineData("२", "2")]                          // Devanagari
    [InlineData("𝟐", "2")]                          // mathematical bold, outside the BMP
    [InlineData("opción ３", "opcion 3")]
    [InlineData("ＭＥＮＵ", "menu")]                  // full-width letters
    [InlineData("ﬁn", "fin")]                       // ligature
    [InlineData("我想回国", "我 想 回 国")]              // no spaces between words: one word per character
    [InlineData("删除！", "删 除")]
    [InlineData("hola\u0000\u0007 menu", "hola menu")] // control characters
    [InlineData("\ud800menu", "menu")]              // a lone surrogate becomes a separator, never an exception
    [InlineData("menu\udc00", "menu")]
    [InlineData("مرحبا", "مرحبا")]                  // right-to-left letters are kept
    [InlineData("e\u0301\u0301\u0301", "e")]        // stacked combining marks
    public void Normalize_FoldsWidthsDigitsAndScripts(string typed, string expected) =>
        Assert.Equal(expected, TextNormalizer.Normalize(typed));

    [Fact]
    public void Normalize_IsTotalOnRandomUnicode()
    {
        var random = new Random(11);
        for (var i = 0; i < 5_000; i++)
        {
            var text = RandomUnicode.Next(random, 600);
            var normalized = TextNormalizer.Normalize(text);
            Assert.DoesNotContain("  ", normalized, StringComparison.Ordinal);
            Assert.All(TextNormalizer.Words(normalized).SelectMany(w => w), c => Assert.False(char.IsDigit(c) && c > '9', $"non-ASCII digit in '{normalized}'"));
        }
    }

    private static LabelledText L(string label, string text) => new(TextNormalizer.WordsOf(text), label);

    private static readonly LabelledText[] Toy =
    [
        L("return", "quiero volver a mi pais"), L("return", "como regreso a casa"), L("return", "retorno voluntario"), L("return", "volver a venezuela"),
        L("papers", "necesito papeles"), L("papers", "permiso de trabajo"), L("papers", "como me regularizo"), L("papers", "no tengo documentos"),
        L("danger", "me tienen encerrada"), L("danger", "no me dejan salir"), L("danger", "estoy secuestrado"), L("danger", "me estan vigilando y encerrando"),
    ];

    [Fact]
    public void Classifier_IsDeterministic()
    {
        var first = TextClassifier.Train(Toy, cache: false);
        var second = TextClassifier.Train(Toy, cache: false);
        Assert.Equal(first.Fingerprint(), second.Fingerprint());
        Assert.Same(TextClassifier.Train(Toy), TextClassifier.Train(Toy)); // the same examples are trained once
    }

    [Theory]
    [InlineData("kiero bolver a mi pais", "return")]      // misspelled
    [InlineData("me quiero regresar a mi casa", "return")] // unseen wording
    [InlineData("permisos de trabajo", "papers")]
    [InlineData("me tienen encerada", "danger")]
    public void Classifier_GeneralisesToMisspellingsAndUnseenWordings(string message, string expected)
    {
        var model = TextClassifier.Train(Toy);
        Assert.Equal(expected, model.Predict(TextNormalizer.WordsOf(message)).Ranked()[0].Label);
    }

    [Fact]
    public void Classifier_KnowsWhenNothingIsFamiliar()
    {
        var prediction = TextClassifier.Train(Toy).Predict(TextNormalizer.WordsOf("xyzzy plugh"));
        Assert.Equal(0, prediction.KnownWords);
    }

    [Theory]
    [InlineData("hola, necesito ayuda con mis papeles", "es")]
    [InlineData("hello, I need help with my papers", "en")]
    [InlineData("I am being held", "en")]
    [InlineData("asdf", null)]    // no known word: cannot tell
    [InlineData("12345", null)]   // digits carry no language
    [InlineData("", null)]
    public void LanguageIdentifier_TellsLanguagesApartFromTheirText(string message, string? expected)
    {
        var identifier = new LanguageIdentifier(new Dictionary<string, IEnumerable<string>>
        {
            ["es"] = ["hola, ¿cómo estás? necesito ayuda con los papeles y el trabajo", "estoy en peligro, no me dejan salir de la casa", "quiero volver a mi país"],
            ["en"] = ["hello, how are you? I need help with the papers and work", "I am in danger, they do not let me leave the house", "I want to go back home"],
        });
        Assert.Equal(expected, identifier.Identify(TextNormalizer.WordsOf(message)));
    }
}
