using OimBot.Content.Matching;

namespace OimBot.Content.Tests;

/// <summary>A child's age written in words, read as digits for an unsure keyword's {age} (content's <c>child_ages</c>).</summary>
public class ChildAgeWordsTests
{
    private static readonly ChildAgeWords Words = new(new Dictionary<string, IReadOnlyList<string>>
    {
        ["es"] = ["ocho", "nueve", "diez", "once", "doce", "trece", "catorce", "quince", "dieciseis | diez y seis", "diecisiete | diez y siete"],
        ["fr"] = ["huit", "neuf", "dix", "onze", "douze", "treize", "quatorze", "quinze", "seize", "dix-sept | dix sept"],
        ["zh"] = ["八", "九", "十", "十一", "十二", "十三", "十四", "十五", "十六", "十七"],
    });

    [Theory]
    [InlineData("es", "tengo catorce años", "tengo 14 anos")]
    [InlineData("es", "tengo diez y seis años y estoy sola", "tengo 16 anos y estoy sola")]
    [InlineData("es", "tengo dieciséis", "tengo 16")]
    [InlineData("fr", "j'ai dix-sept ans", "jai 17 ans")]
    [InlineData("zh", "我十四岁", "我 14 岁")] // the longest spelling first: not "10" then "四"
    [InlineData("zh", "我十岁", "我 10 岁")]
    [InlineData("en", "i am once again without food", "i am once again without food")] // "once" is Spanish's eleven only
    [InlineData("es", "no tengo donde dormir", "no tengo donde dormir")]
    public void AgesInWords_AreReadAsDigits_InTheirOwnLanguageOnly(string language, string text, string expected)
    {
        Assert.Equal(expected, string.Join(' ', Words.InDigits(TextNormalizer.WordsOf(text), language)));
    }

    [Fact]
    public void AMessageWithoutAgeWords_IsTheSameArray()
    {
        var words = TextNormalizer.WordsOf("tengo hambre");
        Assert.Same(words, Words.InDigits(words, "es"));
        Assert.Same(words, Words.InDigits(words, "ht")); // a language without the list
    }

    [Theory]
    [InlineData(new string[0], null)]
    [InlineData(new[] { "ocho", "nueve" }, "lists 2 ages; it needs the 10 from 8 to 17, in order")]
    [InlineData(new[] { "ocho", "nueve", "diez", "once", "doce", "trece", "catorce", "quince", "dieciseis | ", "diecisiete" }, "the age 16 has an empty spelling")]
    [InlineData(new[] { "ocho", "nueve", "diez", "11", "doce", "trece", "catorce", "quince", "dieciseis", "diecisiete" }, "the age 11 is written '11'")]
    public void AListThatCannotBeRead_IsAProblem(string[] ages, string? problem)
    {
        var found = ChildAgeWords.Problem(ages);
        if (problem is null)
        {
            Assert.Null(found);
        }
        else
        {
            Assert.NotNull(found);
            Assert.Contains(problem, found, StringComparison.Ordinal);
        }
    }
}
