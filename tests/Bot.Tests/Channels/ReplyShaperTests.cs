using System.Globalization;
using OimBot.Bot.Channels;

namespace OimBot.Bot.Tests.Channels;

/// <summary>Cutting replies to a provider's limit: at natural places, and never inside a character or an emoji.</summary>
public sealed class ReplyShaperTests
{
    /// <summary>label, text, limit.</summary>
    public static TheoryData<string, string, int> Texts => new()
    {
        { "Chinese without spaces", string.Concat(Enumerable.Repeat("如果你有危险，请马上打电话求助", 40)), 100 },
        { "Chinese sentences", string.Concat(Enumerable.Repeat("国际移民组织可以帮助你。请告诉我们你需要什么！", 30)), 100 },
        { "emoji with skin tones and joiners", string.Concat(Enumerable.Repeat("👩🏽‍👧 ℹ️👤", 60)), 50 },
        { "astral characters only", string.Concat(Enumerable.Repeat("𝒜𠀀", 200)), 31 },
        { "accents as combining marks", string.Concat(Enumerable.Repeat("e\u0301a\u0300o\u0302", 200)), 37 },
        { "Creole words", string.Concat(Enumerable.Repeat("Si ou an danje kounye a, rele. ", 60)), 120 },
    };

    [Theory]
    [MemberData(nameof(Texts))]
    public void Split_KeepsEveryGraphemeWhole_WithinTheLimit_AndLosesNothing(string label, string text, int max)
    {
        var parts = ReplyShaper.Split(text, max);

        Assert.True(parts.Count > 1, label);
        Assert.All(parts, p => Assert.True(p.Length <= max, $"{label}: {p.Length} > {max}"));
        Assert.All(parts, p => Assert.True(!char.IsLowSurrogate(p[0]) && !char.IsHighSurrogate(p[^1]) && CharUnicodeInfo.GetUnicodeCategory(p[0]) != UnicodeCategory.NonSpacingMark, label));
        var graphemes = Graphemes(text).Where(g => !string.IsNullOrWhiteSpace(g)).ToList();
        Assert.Equal(graphemes, parts.SelectMany(Graphemes).Where(g => !string.IsNullOrWhiteSpace(g)).ToList());
    }

    [Fact]
    public void ChineseIsCutAfterTheEndOfASentence()
    {
        var parts = ReplyShaper.Split(string.Concat(Enumerable.Repeat("国际移民组织可以帮助你。请告诉我们你需要什么！", 30)), 100);
        Assert.All(parts.SkipLast(1), p => Assert.True(p.EndsWith('。') || p.EndsWith('！'), p));
    }

    /// <summary>label, text, limit, expected.</summary>
    public static TheoryData<string, string, int, string> Labels => new()
    {
        { "fits", "Volver a mi país", 24, "Volver a mi país" },
        { "Chinese", "返回我的国家并获得帮助和信息", 10, "返回我的国家并获得…" },
        { "an emoji at the edge", "Hablar 👩🏽‍⚕️ con alguien", 12, "Hablar …" },
    };

    [Theory]
    [MemberData(nameof(Labels))]
    public void Truncate_NeverCutsAGrapheme(string label, string text, int max, string expected)
    {
        var shortened = ReplyShaper.Truncate(text, max);
        Assert.True(expected == shortened, $"{label}: '{shortened}'");
        Assert.True(shortened.Length <= max, label);
    }

    private static IEnumerable<string> Graphemes(string text)
    {
        var elements = StringInfo.GetTextElementEnumerator(text);
        while (elements.MoveNext())
        {
            yield return (string)elements.Current;
        }
    }
}
