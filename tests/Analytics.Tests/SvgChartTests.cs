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

    /// <summary>
    /// Each chart has a data table with the same figures (the charts had only their description): a caption, a row per
    /// bar with its whole label, and the published cell, so a suppressed count never appears, as in the chart.
    /// </summary>
    [Fact]
    public void Table_HasTheChartsFigures_WithTheSameSuppression()
    {
        var html = SvgChart.Table("chart-x", "Personas por canal", "Canal", "Personas", Sample());
        var table = XElement.Parse(html);

        Assert.Equal("chart-x-table", (string?)table.Attribute("id"));
        Assert.Equal("Personas por canal", table.Element("caption")!.Value);
        Assert.Equal(["Canal", "Personas"], table.Element("thead")!.Descendants("th").Select(th => th.Value));
        Assert.All(table.Descendants("th"), th => Assert.NotNull(th.Attribute("scope")));
        var rows = table.Element("tbody")!.Elements("tr").Select(tr => (tr.Element("th")!.Value, tr.Element("td")!.Value)).ToList();
        Assert.Equal(
            [("WhatsApp", "40"), ("A&B <x> \"q\" 'y'", "20"), ("Telegram", "<5"), ("chat web", "•"), ("Twilio", "0")],
            rows);
        Assert.DoesNotContain(rows, r => r.Item2 is "3" or "12"); // the suppressed values themselves
        Assert.DoesNotContain("<x>", html, StringComparison.Ordinal);
        var svg = Render("bars", Sample());
        Assert.Equal(svg.Descendants(Svg + "text").Where(t => (string?)t.Attribute("class") == "value").Select(t => t.Value), rows.Select(r => r.Item2));

        var empty = XElement.Parse(SvgChart.Table("chart-y", "Nada", "Canal", "Personas", []));
        Assert.Equal("0", empty.Element("tbody")!.Value);
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

    [Theory]
    [MemberData(nameof(Kinds))]
    public void IsSizedByItsViewBox_WithReadableText_AndTheSameEveryTime(string kind)
    {
        var first = kind == "bars"
            ? SvgChart.Bars("c", "t", "d", "Personas", Sample())
            : SvgChart.Columns("c", "t", "d", "Semana", "Personas", Sample());
        var svg = XElement.Parse(first);

        Assert.Null(svg.Attribute("height"));
        var viewBox = ((string)svg.Attribute("viewBox")!).Split(' ').Select(v => double.Parse(v, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        Assert.InRange(viewBox[2], 360, 480); // about one unit per CSS pixel on a phone
        Assert.All(svg.Descendants(Svg + "text"), t => Assert.True(double.Parse((string)t.Attribute("font-size")!, System.Globalization.CultureInfo.InvariantCulture) >= 11, t.ToString()));
        Assert.All(svg.Descendants(Svg + "rect"), r => Assert.Equal("bar", (string?)r.Attribute("class")));
        Assert.Equal(first, kind == "bars" ? SvgChart.Bars("c", "t", "d", "Personas", Sample()) : SvgChart.Columns("c", "t", "d", "Semana", "Personas", Sample()));
    }

    [Fact]
    public void Columns_WithoutABar_ShowTheirFigureOnTheAxis()
    {
        var svg = Render("columns", [new("2026-W40", Shown(12)), new("2026-W41", new PublishedCell(2, CellState.Small, 5)), new("2026-W42", Shown(0)), new("2026-W43", new PublishedCell(9, CellState.Complementary, 5))]);

        var values = svg.Descendants(Svg + "text").Where(t => (string?)t.Attribute("class") == "value").Select(t => t.Value).ToList();
        Assert.Equal(["<5", "0", "•"], values);
        Assert.Single(svg.Descendants(Svg + "rect"));
        Assert.Contains("2026-W40: 12; 2026-W41: <5; 2026-W42: 0; 2026-W43: •", svg.Element(Svg + "desc")!.Value, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Labels_AreEscaped_AndCharactersXmlCannotCarryAreDropped(string kind)
    {
        var raw = kind == "bars"
            ? SvgChart.Bars("c&<", "A&B <x>", "\"quoted\" 'single'", "a<b", [new("A&B <x>\u0001", Shown(5))])
            : SvgChart.Columns("c&<", "A&B <x>", "\"quoted\" 'single'", "x>y", "a<b", [new("A&B <x>\u0001", Shown(5))]);

        Assert.DoesNotContain("<x>", raw, StringComparison.Ordinal);
        var svg = XElement.Parse(raw);
        Assert.Equal("A&B <x>", svg.Element(Svg + "title")!.Value);
        Assert.StartsWith("\"quoted\" 'single' A&B <x>: 5", svg.Element(Svg + "desc")!.Value, StringComparison.Ordinal);
        Assert.Contains(svg.Descendants(Svg + "text"), t => t.Value == "a<b");
    }

    [Fact]
    public void Bars_GrowWithTheirNumber_AndLongLabelsAreShortenedOnlyInTheDrawing()
    {
        var two = Render("bars", [new("a", Shown(5)), new("b", Shown(6))]);
        var label = new string('x', 40);
        var eight = Render("bars", [.. Enumerable.Range(0, 8).Select(i => new ChartBar(i == 0 ? label : $"b{i}", Shown(i + 5)))]);

        double Height(XElement svg) => double.Parse(((string)svg.Attribute("viewBox")!).Split(' ')[3], System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(Height(eight) > Height(two) * 2);
        Assert.Contains(label, eight.Element(Svg + "desc")!.Value, StringComparison.Ordinal);
        Assert.DoesNotContain(eight.Descendants(Svg + "text"), t => t.Value == label);
    }
}
