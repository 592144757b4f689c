using OimBot.Bot.Tests.TestHost;
using OimBot.Content;

namespace OimBot.Bot.Tests.Dialogs;

/// <summary>The content notes of issue 12's read-through, each a row: what a person reads must be true for them.</summary>
public class ContentNotesTests
{
    private static ContentSet Content => ShippedContent.Set;

    public static TheoryData<string> Languages => [.. ShippedContent.Languages];

    /// <summary>One reported capsizing (February 2025, one child died) is said as what the registry holds, with its date and source.</summary>
    [Theory]
    [MemberData(nameof(Languages))]
    public void TheSeaRoute_SaysWhatTheRegistryHolds_WithItsDate(string language)
    {
        var text = ContentRenderer.Render(Content, Content.Nodes["dangers-sea"], language).Text;

        Assert.Contains(Content.Facts.Find("boat-capsize-2025")!.Say(language), text, StringComparison.Ordinal);
        Assert.Contains("2025", text, StringComparison.Ordinal);
        Assert.Contains("El Venezolano Colombia", text, StringComparison.Ordinal); // the sources line names it
        Assert.DoesNotContain("naufragios", text, StringComparison.Ordinal);
        Assert.DoesNotContain("shipwrecks", text, StringComparison.Ordinal);
    }
}
