using System.Globalization;

namespace OimBot.Analytics.Tests;

/// <summary>
/// R19 across reports: each report is suppressed, but an analyst can ask for many overlapping ranges and subtract what
/// they publish. Subtracting two figures isolates the days one covers and the other does not, so those must never be
/// fewer than seven. Each row is a set of picks someone could make to isolate a few days; the same check on what was
/// published before (any dates, the weeks cut at the range's ends) finds the hole in the rows marked so, which shows
/// the check tests something.
/// </summary>
public class DifferencingTests
{
    private const int Week = 7;

    private static readonly ReportDimensions Dimensions = TestDimensions.TwoChannelsTwoLanguages;

    /// <summary>Days a report published figures for: every figure, or only the people reached (a week of the weekly chart).</summary>
    private sealed record Publication(ReportRange Days, bool EveryFigure, string Pick)
    {
        public override string ToString() => $"{(EveryFigure ? "report" : "week")} {Days} (picked {Pick})";
    }

    public static TheoryData<string, string, bool> Picks => new()
    {
        { "a day apart at the end (1–7 and 1–8 December)", "2026-12-01/2026-12-07 2026-12-01/2026-12-08", true },
        { "a day apart at the start", "2026-12-01/2026-12-31 2026-12-02/2026-12-31", true },
        { "single days and both together", "2026-12-07/2026-12-07 2026-12-08/2026-12-08 2026-12-07/2026-12-08", true },
        { "a quarter and the quarter less its last day", "2026-10-01/2026-12-31 2026-10-01/2026-12-30", true },
        { "a month and its whole ISO weeks (1 and 30 November left over)", "2026-11-01/2026-11-30 2026-11-02/2026-11-29", true },
        { "weeks across a month's end, and the months", "2026-11-23/2026-12-06 2026-11-30/2026-12-06 2026-11-23/2026-11-29 2026-11-01/2026-11-30 2026-12-01/2026-12-31", true },
        { "a quarter, its months and two of them", "2026-10-01/2026-12-31 2026-10-01/2026-10-31 2026-11-01/2026-11-30 2026-12-01/2026-12-31 2026-10-01/2026-11-30", true },
        { "a year and the week 53 that runs into the next", "2026-01-01/2026-12-31 2026-12-28/2027-01-03 2027-01-01/2027-01-31", true },
        { "a leap February and February less its 29th", "2028-02-01/2028-02-29 2028-02-01/2028-02-28", true },
        { "two quarters and the span between them", "2026-07-01/2026-09-30 2026-10-01/2026-12-31 2026-09-15/2026-10-15 2026-07-01/2026-12-31", true },
        // February 2027 runs Monday 1 to Sunday 28: whole weeks and the month share their edges, nothing leaked before either.
        { "February 2027 and its four weeks", "2027-02-01/2027-02-28 2027-02-01/2027-02-07 2027-02-08/2027-02-14 2027-02-01/2027-02-21", false },
    };

    [Theory]
    [MemberData(nameof(Picks))]
    public void OverlappingPicks_NeverDifferByLessThanAWeek(string label, string picks, bool leakedBefore)
    {
        var asked = picks.Split(' ').Select(Parse).ToList();

        var now = asked.SelectMany(Published).ToList();
        var before = asked.SelectMany(PublishedBefore).ToList();

        Assert.True(Leaks(now).Count == 0, $"{label}: {string.Join("; ", Leaks(now))}");
        Assert.Equal(leakedBefore, Leaks(before).Count > 0);
    }

    /// <summary>With data on 8 December, the reports for 1–7 and 1–8 December publish the same figures, in every output.</summary>
    [Fact]
    public void ADayApart_PublishesTheSameFigures()
    {
        var rows = new List<ActivityRow>();
        var counts = new List<DailyCount>();
        for (var day = new DateOnly(2026, 11, 30); day <= new DateOnly(2027, 1, 3); day = day.AddDays(1))
        {
            var people = day == new DateOnly(2026, 12, 8) ? 3 : 12;
            for (var p = 0; p < people; p++)
            {
                rows.Add(new ActivityRow("2026-Q4", $"{day:MMdd}-{p}", day, p % 2 == 0 ? "whatsapp" : "telegram", "es", string.Empty, Steps.Active));
                rows.Add(new ActivityRow("2026-Q4", $"{day:MMdd}-{p}", day, "whatsapp", "es", "trafficking", Steps.Entered));
            }

            counts.Add(new DailyCount(day, EventKind.MessageReceived, "whatsapp", "es", string.Empty, string.Empty, string.Empty, people * 4));
            counts.Add(new DailyCount(day, EventKind.HandoffRequested, "whatsapp", "es", "trafficking", string.Empty, string.Empty, day.Day % 3));
        }

        string Outputs(string from, string to)
        {
            var asked = Parse($"{from}/{to}");
            var report = PublishedReport.From(ReachAggregator.Aggregate(asked, rows.Where(r => ReachAggregator.DaysToLoad(asked).Contains(r.Day)), counts, Dimensions), Dimensions);
            Assert.True(report.Widened);
            return string.Join("\n", [.. Enum.GetValues<ReachBreakdown>().Select(by => ReachCsv.Reach(report, by)), ReachCsv.Funnel(report), ReachSummary.Write(report)]);
        }

        Assert.Equal(Outputs("2026-12-01", "2026-12-07"), Outputs("2026-12-01", "2026-12-08"));
    }

    /// <summary>
    /// What subtraction can isolate. Every figure is a count over the days of a publication, and a count over fewer days
    /// is never larger, so: (1) no publication covers fewer than seven days; (2) when one publication's days hold
    /// another's, the days between them are at least seven; (3) figures that add up over days (messages, cases,
    /// answers) can be combined in any way, so the edges of all the ranges they are published for must be at least
    /// seven days apart. People reached do not add up (someone active in two weeks is one person), so weeks, published
    /// for people only, need (1) and (2).
    /// </summary>
    private static List<string> Leaks(List<Publication> published)
    {
        var leaks = new List<string>();
        leaks.AddRange(published.Where(p => p.Days.Days < Week).Select(p => $"{p} covers {p.Days.Days} days"));
        foreach (var inner in published)
        {
            foreach (var outer in published)
            {
                var extra = outer.Days.Days - inner.Days.Days;
                if (extra > 0 && extra < Week && outer.Days.Contains(inner.Days.From) && outer.Days.Contains(inner.Days.To))
                {
                    leaks.Add($"{outer} less {inner} leaves {extra} days");
                }
            }
        }

        var edges = published.Where(p => p.EveryFigure).SelectMany(p => new[] { p.Days.From, p.Days.To.AddDays(1) }).Distinct().Order().ToList();
        leaks.AddRange(edges.Zip(edges.Skip(1)).Where(pair => pair.Second.DayNumber - pair.First.DayNumber < Week)
            .Select(pair => $"the reports' edges {pair.First:yyyy-MM-dd} and {pair.Second:yyyy-MM-dd} isolate {pair.Second.DayNumber - pair.First.DayNumber} days"));
        return leaks;
    }

    /// <summary>What a report for the dates asked publishes now: read off the published report itself.</summary>
    private static IEnumerable<Publication> Published(ReportRange asked)
    {
        var report = PublishedReport.From(ReachAggregator.Aggregate(asked, [], [], Dimensions), Dimensions);
        Assert.Equal(report.ByWeek.Items.Count, report.Weeks.Count);
        return [new Publication(report.Range, true, $"{asked}"), .. report.Weeks.Select(w => new Publication(w, false, $"{asked}"))];
    }

    /// <summary>What it published before 2026-12-07: the dates as asked, and each week cut to them.</summary>
    private static IEnumerable<Publication> PublishedBefore(ReportRange asked) =>
        [
            new Publication(asked, true, $"{asked}"),
            .. asked.Weeks().Select(w => new Publication(new ReportRange(Later(w.From, asked.From), Earlier(w.To, asked.To)), false, $"{asked}")),
        ];

    private static DateOnly Later(DateOnly a, DateOnly b) => a > b ? a : b;

    private static DateOnly Earlier(DateOnly a, DateOnly b) => a < b ? a : b;

    private static ReportRange Parse(string pick)
    {
        var parts = pick.Split('/');
        return new ReportRange(DateOnly.ParseExact(parts[0], ReportRange.DateFormat, CultureInfo.InvariantCulture), DateOnly.ParseExact(parts[1], ReportRange.DateFormat, CultureInfo.InvariantCulture));
    }
}
