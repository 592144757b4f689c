using OimBot.Content.Matching;

namespace OimBot.Content.Tests;

public class MatchingTests
{
    [Theory]
    [InlineData("Menú", "menu")]
    [InlineData("  ¡¡ATRÁS!!  ", "atras")]
    [InlineData("2️⃣", "2")]
    [InlineData("3\u20E3", "3")]
    [InlineData("I'm in danger", "im in danger")]
    [InlineData("¿Qué es?", "que es")]
    [InlineData("niño   solo", "nino solo")]
    [InlineData("", "")]
    [InlineData("🆘🆘🆘", "sos sos sos")] // a cry for help in a picture (a blind tester's got "No entendí")
    [InlineData("ayuda🆘", "ayuda sos")]
    public void Normalize_IgnoresCaseAccentsPunctuationAndKeycaps(string typed, string expected) =>
        Assert.Equal(expected, TextNormalizer.Normalize(typed));

    [Theory]
    [InlineData("borrar", "borrar", true)]
    [InlineData("borar", "borrar", true)]        // one slip in a 6-letter word
    [InlineData("brorar", "borrar", true)]       // a swap counts as one edit
    [InlineData("idoma", "idioma", true)]
    [InlineData("baja", "bajo", false)]          // short words match exactly
    [InlineData("menu", "meni", false)]
    [InlineData("encerarda", "encerrada", true)]
    [InlineData("peligro", "pelgro", true)]
    [InlineData("peligro", "pasaporte", false)]
    [InlineData("123456", "123457", false)]      // numbers never fuzzy-match
    [InlineData("abandonne", "jabandonne", false)] // "il nous abandonne" is not "j'abandonne" (I give up)
    [InlineData("jabandone", "jabandonne", true)]
    [InlineData("xorrar", "borrar", false)]      // never a slip on the first letter
    public void WordMatches_ToleratesSmallTyposInLongerWords(string typed, string expected, bool matches) =>
        Assert.Equal(matches, Fuzzy.WordMatches(typed, expected));

    [Fact]
    public void ContainsPhrase_FindsConsecutiveWordsAnywhereInTheMessage()
    {
        var words = TextNormalizer.Words(TextNormalizer.Normalize("Por favor, me tienen encerada en una casa"));
        Assert.True(Fuzzy.ContainsPhrase(words, ["me", "tienen", "encerrada"]));
        Assert.False(Fuzzy.ContainsPhrase(words, ["tienen", "me"]));
        Assert.False(Fuzzy.EqualsPhrase(words, ["me", "tienen", "encerrada"]));
    }

    [Theory]
    [InlineData("kitten", "sitting", 3)]
    [InlineData("ca", "ac", 1)]
    [InlineData("", "abc", 3)]
    [InlineData("same", "same", 0)]
    public void Distance_IsTheOptimalStringAlignmentDistance(string a, string b, int expected) =>
        Assert.Equal(expected, Fuzzy.Distance(a, b));

    /// <summary>
    /// R2: identifying data in what reaches a caseworker is a token, the whole of it and nothing around it: a passport's
    /// letters had stayed ("AB[•••]") and the space after a number had gone ("[•••]y mi correo"; a new user's try).
    /// </summary>
    [Theory]
    [InlineData("mi numero es +507 6123-4567 y mi correo ana@example.org, gracias", "mi numero es [•••] y mi correo [•••], gracias")]
    [InlineData("pasaporte AB123456 vencido", "pasaporte [•••] vencido")]
    [InlineData("cedula 8-123-4567", "cedula [•••]")]
    [InlineData("mi numero6123 4567.", "mi numero[•••].")]
    [InlineData("tengo 3 hijos de 2, 5 y 7 años", "tengo 3 hijos de 2, 5 y 7 años")]
    [InlineData("estamos en 8.98245, -79.51973 ahora", "estamos en [•••], [•••] ahora")]
    public void IdentifyingData_IsReplacedWhole_AndOnlyIt(string text, string redacted)
    {
        Assert.Equal(redacted, OimBot.Content.Matching.PersonalData.Redact(text));
    }
}
