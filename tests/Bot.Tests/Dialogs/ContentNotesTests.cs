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

    /// <summary>The 2023 reception-station figures read as what happened then, not as a service to go to today.</summary>
    public static TheoryData<string, string> Dated2023 => new()
    {
        { "es", "no un servicio de hoy" }, { "en", "not a current service" }, { "fr", "pas un service actuel" },
        { "ht", "se pa yon sèvis jodi a" }, { "pt", "não um serviço atual" }, { "zh", "不是现在的服务" },
    };

    [Theory]
    [MemberData(nameof(Dated2023))]
    public void TheReceptionStationFigures_AreDatedAsWhatHappenedIn2023(string language, string words)
    {
        var text = ContentRenderer.Render(Content, Content.Nodes["dangers-help"], language).Text;
        var line = text.Split('\n').Single(l => l.Contains("ETRM", StringComparison.Ordinal));

        Assert.Contains(words, line, StringComparison.Ordinal);
        Assert.Contains("2023", line, StringComparison.Ordinal);
    }

    /// <summary>The missing-relative answer says what the Red Cross family-links service offers, from the registry, with its source.</summary>
    [Theory]
    [MemberData(nameof(Languages))]
    public void FamilyLinks_AreStatedFromTheRegistry_WithTheirSource(string language)
    {
        foreach (var id in new[] { "dangers-missing", "dangers-help" })
        {
            var text = ContentRenderer.Render(Content, Content.Nodes[id], language).Text;
            Assert.Contains(Content.Facts.Find("rfl-panama")!.Say(language), text, StringComparison.Ordinal);
            Assert.Contains("CICR, 2024", text, StringComparison.Ordinal);
        }
    }

    /// <summary>"What it is / is not / how it works" rest on IOM Panama's 2023 report: their sources line names it.</summary>
    [Theory]
    [MemberData(nameof(Languages))]
    public void TheAvrAnswers_NameTheReportTheyRestOn(string language)
    {
        var sources = ContentRenderer.Common(Content, "sources", language).Split("{sources}")[0];
        foreach (var id in new[] { "avr-what", "avr-not", "avr-steps" })
        {
            var text = ContentRenderer.Render(Content, Content.Nodes[id], language).Text;
            Assert.Contains(sources + "OIM Panamá, 2023", text, StringComparison.Ordinal);
        }
    }
}
