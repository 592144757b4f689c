using System.Globalization;
using System.Security;
using System.Text;
using System.Xml;

namespace OimBot.Analytics.Charts;

/// <summary>One bar: a label and its published (suppressed) value.</summary>
public sealed record ChartBar(string Label, PublishedCell Cell);

/// <summary>
/// Server-rendered SVG charts: no script, no external asset. Each chart is an image with a title and a description
/// that lists every figure (its text alternative); suppressed cells draw no bar and show their "&lt;5" or "•".
/// The view box is narrow (400 units) so that text stays readable when a phone shows the chart 360 px wide; bar labels
/// longer than 20 characters are shortened in the drawing (the description keeps them whole). <see cref="Table"/> gives
/// each chart its data table.
/// </summary>
public static class SvgChart
{
    private const int Width = 400;
    private const string Fill = "#0a4f7a";
    private const string Muted = "#5b6670";
    private const string Grid = "#d6dde3";
    private const int Font = 12;
    private static readonly int[] NiceMultiples = [1, 2, 5, 10];

    /// <summary>Horizontal bars, one per row, labels on the left: for categories (channels, languages, topics, steps).</summary>
    public static string Bars(string id, string title, string description, string valueAxisLabel, IReadOnlyList<ChartBar> bars)
    {
        ArgumentNullException.ThrowIfNull(bars);
        const int labelWidth = 160;
        const int rowHeight = 26;
        const int top = 8;
        const int right = 44;
        var plot = Width - labelWidth - right;
        var height = top + (Math.Max(bars.Count, 1) * rowHeight) + 34;
        var max = Max(bars);
        var svg = Open(id, title, description, bars, height);
        svg.Append(CultureInfo.InvariantCulture, $"<line class=\"axis\" x1=\"{labelWidth}\" y1=\"{top}\" x2=\"{labelWidth}\" y2=\"{height - 28}\" stroke=\"{Muted}\"/>");
        for (var i = 0; i < bars.Count; i++)
        {
            var bar = bars[i];
            var y = top + (i * rowHeight);
            var middle = y + (rowHeight / 2) + 4;
            svg.Append(CultureInfo.InvariantCulture, $"<text class=\"label\" x=\"{labelWidth - 6}\" y=\"{middle}\" text-anchor=\"end\" font-size=\"{Font}\" fill=\"#1b1f23\">{Escape(Clip(bar.Label, 20))}</text>");
            var length = Length(bar.Cell, max, plot);
            if (length > 0)
            {
                svg.Append(CultureInfo.InvariantCulture, $"<rect class=\"bar\" x=\"{labelWidth}\" y=\"{y + 4}\" width=\"{length:0.#}\" height=\"{rowHeight - 8}\" fill=\"{Fill}\"/>");
            }

            svg.Append(CultureInfo.InvariantCulture, $"<text class=\"value\" x=\"{labelWidth + length + 4:0.#}\" y=\"{middle}\" font-size=\"{Font}\" fill=\"{(bar.Cell.Hidden ? Muted : "#1b1f23")}\">{Escape(bar.Cell.Shown)}</text>");
        }

        if (bars.Count == 0)
        {
            svg.Append(CultureInfo.InvariantCulture, $"<text class=\"value\" x=\"{labelWidth + 6}\" y=\"{top + 17}\" font-size=\"{Font}\" fill=\"{Muted}\">0</text>");
        }

        svg.Append(CultureInfo.InvariantCulture, $"<text class=\"axis-title\" x=\"{labelWidth + (plot / 2)}\" y=\"{height - 8}\" text-anchor=\"middle\" font-size=\"{Font}\" fill=\"{Muted}\">{Escape(valueAxisLabel)}</text>");
        return svg.Append("</svg>").ToString();
    }

    /// <summary>Vertical columns for a time series (weeks): y axis with ticks and gridlines, thinned x labels.</summary>
    public static string Columns(string id, string title, string description, string xAxisLabel, string yAxisLabel, IReadOnlyList<ChartBar> bars)
    {
        ArgumentNullException.ThrowIfNull(bars);
        const int left = 44;
        const int right = 8;
        const int top = 10;
        const int plotHeight = 160;
        const int height = top + plotHeight + 48;
        var plot = Width - left - right;
        var max = Max(bars);
        var step = NiceStep(max);
        var axisMax = Math.Max(2 * step, (long)Math.Ceiling(max / (double)step) * step); // at least three ticks, even for 0
        var svg = Open(id, title, description, bars, height);
        for (var tick = 0L; tick <= axisMax; tick += step)
        {
            var y = top + plotHeight - (tick * plotHeight / (double)axisMax);
            svg.Append(CultureInfo.InvariantCulture, $"<line class=\"grid\" x1=\"{left}\" y1=\"{y:0.#}\" x2=\"{Width - right}\" y2=\"{y:0.#}\" stroke=\"{Grid}\"/>");
            svg.Append(CultureInfo.InvariantCulture, $"<text class=\"tick\" x=\"{left - 4}\" y=\"{y + 4:0.#}\" text-anchor=\"end\" font-size=\"{Font - 1}\" fill=\"{Muted}\">{tick.ToString("N0", CultureInfo.InvariantCulture)}</text>");
        }

        svg.Append(CultureInfo.InvariantCulture, $"<line class=\"axis\" x1=\"{left}\" y1=\"{top + plotHeight}\" x2=\"{Width - right}\" y2=\"{top + plotHeight}\" stroke=\"{Muted}\"/>");
        var slot = bars.Count == 0 ? plot : plot / (double)bars.Count;
        var every = Math.Max(1, (int)Math.Ceiling(bars.Count / 6.0)); // at most about six labels fit on a phone
        for (var i = 0; i < bars.Count; i++)
        {
            var bar = bars[i];
            var x = left + (i * slot);
            var length = bar.Cell.Hidden || bar.Cell.Value <= 0 ? 0 : bar.Cell.Value * plotHeight / (double)axisMax;
            if (length > 0)
            {
                svg.Append(CultureInfo.InvariantCulture, $"<rect class=\"bar\" x=\"{x + (slot * 0.15):0.#}\" y=\"{top + plotHeight - length:0.#}\" width=\"{slot * 0.7:0.#}\" height=\"{length:0.#}\" fill=\"{Fill}\"/>");
            }
            else
            {
                // No bar ("<5", "•" or 0): its text stands on the axis, turned upright when it is wider than its column
                // (a single character always fits).
                var middle = x + (slot / 2);
                var text = Escape(bar.Cell.Shown);
                if (slot >= 14 || bar.Cell.Shown.Length <= 1)
                {
                    svg.Append(CultureInfo.InvariantCulture, $"<text class=\"value\" x=\"{middle:0.#}\" y=\"{top + plotHeight - 4}\" text-anchor=\"middle\" font-size=\"{Font - 1}\" fill=\"{Muted}\">{text}</text>");
                }
                else
                {
                    svg.Append(CultureInfo.InvariantCulture, $"<text class=\"value\" x=\"{middle + 4:0.#}\" y=\"{top + plotHeight - 3}\" font-size=\"{Font - 1}\" fill=\"{Muted}\" transform=\"rotate(-90 {middle + 4:0.#} {top + plotHeight - 3})\">{text}</text>");
                }
            }

            if (i % every == 0)
            {
                svg.Append(CultureInfo.InvariantCulture, $"<text class=\"label\" x=\"{x + (slot / 2):0.#}\" y=\"{top + plotHeight + 16}\" text-anchor=\"middle\" font-size=\"{Font - 1}\" fill=\"#1b1f23\">{Escape(Short(bar.Label))}</text>");
            }
        }

        if (bars.Count == 0)
        {
            svg.Append(CultureInfo.InvariantCulture, $"<text class=\"value\" x=\"{left + (plot / 2)}\" y=\"{top + (plotHeight / 2)}\" text-anchor=\"middle\" font-size=\"{Font}\" fill=\"{Muted}\">0</text>");
        }

        svg.Append(CultureInfo.InvariantCulture, $"<text class=\"axis-title\" x=\"{left + (plot / 2)}\" y=\"{height - 6}\" text-anchor=\"middle\" font-size=\"{Font}\" fill=\"{Muted}\">{Escape(xAxisLabel)}</text>");
        svg.Append(CultureInfo.InvariantCulture, $"<text class=\"axis-title\" x=\"12\" y=\"{top + (plotHeight / 2)}\" text-anchor=\"middle\" font-size=\"{Font}\" fill=\"{Muted}\" transform=\"rotate(-90 12 {top + (plotHeight / 2)})\">{Escape(yAxisLabel)}</text>");
        return svg.Append("</svg>").ToString();
    }

    /// <summary>
    /// The chart's accessible equivalent: an HTML table with a caption, one row per bar with its whole label, and the very
    /// cell the chart shows (<see cref="PublishedCell.Shown"/>), so a suppressed count is "&lt;5" or "•" here too, never
    /// its value. The page puts it in a <c>details</c> under the chart.
    /// </summary>
    public static string Table(string id, string caption, string labelHeader, string valueHeader, IReadOnlyList<ChartBar> bars)
    {
        ArgumentNullException.ThrowIfNull(bars);
        var table = new StringBuilder();
        table.Append(CultureInfo.InvariantCulture, $"<table class=\"data chart-table\" id=\"{Escape(id)}-table\"><caption>{Escape(caption)}</caption>");
        table.Append(CultureInfo.InvariantCulture, $"<thead><tr><th scope=\"col\">{Escape(labelHeader)}</th><th scope=\"col\">{Escape(valueHeader)}</th></tr></thead><tbody>");
        foreach (var bar in bars)
        {
            table.Append(CultureInfo.InvariantCulture, $"<tr><th scope=\"row\">{Escape(bar.Label)}</th><td>{Escape(bar.Cell.Shown)}</td></tr>");
        }

        if (bars.Count == 0)
        {
            table.Append("<tr><td colspan=\"2\">0</td></tr>");
        }

        return table.Append("</tbody></table>").ToString();
    }

    private static StringBuilder Open(string id, string title, string description, IReadOnlyList<ChartBar> bars, int height)
    {
        var figures = bars.Count == 0 ? "0" : string.Join("; ", bars.Select(b => $"{b.Label}: {b.Cell.Shown}"));
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"{Escape(id)}\" class=\"chart-svg\" role=\"img\" aria-labelledby=\"{Escape(id)}-title {Escape(id)}-desc\" viewBox=\"0 0 {Width} {height}\" width=\"100%\" preserveAspectRatio=\"xMinYMin meet\" font-family=\"system-ui, sans-serif\">");
        svg.Append(CultureInfo.InvariantCulture, $"<title id=\"{Escape(id)}-title\">{Escape(title)}</title>");
        svg.Append(CultureInfo.InvariantCulture, $"<desc id=\"{Escape(id)}-desc\">{Escape($"{description} {figures}.")}</desc>");
        return svg;
    }

    private static long Max(IReadOnlyList<ChartBar> bars) => bars.Where(b => !b.Cell.Hidden).Select(b => b.Cell.Value).DefaultIfEmpty(0).Max();

    private static double Length(PublishedCell cell, long max, int plot) =>
        cell.Hidden || cell.Value <= 0 || max <= 0 ? 0 : Math.Max(1, cell.Value * plot / (double)max);

    /// <summary>1, 2 or 5 × 10ⁿ so that the axis has three to five ticks.</summary>
    private static long NiceStep(long max)
    {
        if (max <= 4)
        {
            return 1;
        }

        var raw = max / 4.0;
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        var step = NiceMultiples.Select(m => m * magnitude).First(s => s >= raw);
        return Math.Max(1, (long)step);
    }

    /// <summary>"2026-W47" becomes "W47" under the columns; the description keeps the full label.</summary>
    private static string Short(string label) => label.Length == 8 && label[4] == '-' && label[5] == 'W' ? label[5..] : Clip(label, 8);

    private static string Clip(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";

    /// <summary>XML-escaped, without the characters XML cannot carry at all (control characters, lone surrogates).</summary>
    private static string Escape(string text)
    {
        var clean = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                clean.Append(text, i, 2);
                i++;
            }
            else if (XmlConvert.IsXmlChar(text[i]))
            {
                clean.Append(text[i]);
            }
        }

        return SecurityElement.Escape(clean.ToString()) ?? string.Empty;
    }
}
