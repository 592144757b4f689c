using System.Xml.Linq;
using OimBot.Analytics.Charts;

namespace OimBot.Analytics.Tests;

public class SvgChartTests
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    private static PublishedCell Shown(long value) => new(value, CellState.Shown, 5);

    private static List<ChartBar> Sample() =>
    [
        new("WhatsApp", Shown(40)),
        new("A&B <x> \"q\" 'y'", Shown(20)),
        new("Telegram", new PublishedCell(3, CellState.Small, 5)),
        new("chat web", new PublishedCell(12, CellState.Complementary, 5)),
        new("Twilio", Shown(0)),
    ];

    public static TheoryData<string> Kinds => new() { "bars", "columns" };

    private static XElement Render(string kind, IReadOnlyList<ChartBar> bars) => XElement.Parse(kind == "bars"
        ? SvgChart.Bars("chart-x", "Personas por canal", "Personas distintas por canal.", "Personas", bars)
        : SvgChart.Columns("chart-x", "Personas por semana", "Personas distintas por semana.", "Semana", "Personas", bars));

    [Theory]
    [MemberData(nameof(Kinds))]
    public void IsAnAccessibleImage_WhoseDescriptionListsEveryFigure(string kind)
    {
        var svg = Render(kind, Sample());

        Assert.Equal("img", (string?)svg.Attribute("role"));
        Assert.Equal("chart-x-title chart-x-desc", (string?)svg.Attribute("aria-labelledby"));
        Assert.Equal("100%", (string?)svg.Attribute("width"));
        Assert.NotNull(svg.Attribute("viewBox"));
        Assert.Equal("chart-x-title", (string?)svg.Element(Svg + "title")!.Attribute("id"));
        var description = svg.Element(Svg + "desc")!.Value;
        foreach (var expected in new[] { "WhatsApp: 40", "A&B <x> \"q\" 'y': 20", "Telegram: <5", "chat web: •", "Twilio: 0" })
        {
            Assert.Contains(expected, description, StringComparison.Ordinal);
        }

        Assert.Contains(svg.Descendants(Svg + "text"), t => (string?)t.Attribute("class") == "axis-title");
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void HiddenAndZeroCells_DrawNoBar_ShownOnesAreProportional(string kind)
    {
        var svg = Render(kind, Sample());
        var bars = svg.Descendants(Svg + "rect").Where(r => (string?)r.Attribute("class") == "bar").ToList();

        Assert.Equal(2, bars.Count); // 40 and 20; not "<5", "•" or 0
        var size = kind == "bars" ? "width" : "height";
        var first = double.Parse((string)bars[0].Attribute(size)!, System.Globalization.CultureInfo.InvariantCulture);
        var second = double.Parse((string)bars[1].Attribute(size)!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(first / second, 1.95, 2.05);
        if (kind == "bars")
        {
            Assert.Contains(svg.Descendants(Svg + "text"), t => t.Value == "<5");
            Assert.Contains(svg.Descendants(Svg + "text"), t => t.Value == "•");
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void EmptyOrAllZero_RendersWithoutBars(string kind)
    {
        foreach (var bars in new List<ChartBar>[] { [], [new("W01", Shown(0)), new("W02", Shown(0))] })
        {
            var svg = Render(kind, bars);
            Assert.DoesNotContain(svg.Descendants(Svg + "rect"), r => (string?)r.Attribute("class") == "bar");
            Assert.Contains("0", svg.Element(Svg + "desc")!.Value, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void ManyWeeks_ThinTheAxisLabels_ButTheDescriptionKeepsThemAll()
    {
        var weeks = Enumerable.Range(1, 26).Select(w => new ChartBar($"2026-W{w:D2}", Shown(w))).ToList();
        var svg = Render("columns", weeks);

        var labels = svg.Descendants(Svg + "text").Where(t => (string?)t.Attribute("class") == "label").ToList();
        Assert.InRange(labels.Count, 4, 7);
        Assert.Equal("W01", labels[0].Value);
        Assert.Contains("2026-W26: 26", svg.Element(Svg + "desc")!.Value, StringComparison.Ordinal);
        var ticks = svg.Descendants(Svg + "text").Count(t => (string?)t.Attribute("class") == "tick");
        Assert.InRange(ticks, 3, 7);
    }
}
