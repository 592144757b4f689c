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
            var coverage = Coverages.Done(asked);
            var report = PublishedReport.From(ReachAggregator.Aggregate(coverage, rows.Where(r => ReachAggregator.DaysToLoad(coverage).Contains(r.Day)), counts, Dimensions), Dimensions);
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
        var report = PublishedReport.From(ReachAggregator.Aggregate(Coverages.Done(asked), [], [], Dimensions), Dimensions);
        Assert.Equal(report.ByWeek.Items.Count, report.Weeks.Count);
        return [new Publication(report.Range, true, $"{asked}"), .. report.Weeks.Select(w => new Publication(w, false, $"{asked}"))];
    }

    /// <summary>
    /// Every shape a month can have (28 to 31 days, starting on any weekday), the first such month from 2026, and the
    /// days its month-to-date view ends on as the month goes by: each cut-off Sunday, then the whole month.
    /// </summary>
    public static TheoryData<string, string, string> MonthShapes => new()
    {
        { "28 days from a Monday", "2027-02", "14 21 28" },
        { "28 days from a Tuesday", "2033-02", "20 28" },
        { "28 days from a Wednesday", "2034-02", "19 28" },
        { "28 days from a Thursday", "2029-02", "18 28" },
        { "28 days from a Friday", "2030-02", "17 28" },
        { "28 days from a Saturday", "2031-02", "16 28" },
        { "28 days from a Sunday", "2026-02", "15 28" },
        { "29 days from a Monday", "2044-02", "14 21 29" },
        { "29 days from a Tuesday", "2028-02", "20 29" },
        { "29 days from a Wednesday", "2040-02", "19 29" },
        { "29 days from a Thursday", "2052-02", "18 29" },
        { "29 days from a Friday", "2036-02", "17 29" },
        { "29 days from a Saturday", "2048-02", "16 29" },
        { "29 days from a Sunday", "2032-02", "15 22 29" },
        { "30 days from a Monday", "2026-06", "14 21 30" },
        { "30 days from a Tuesday", "2026-09", "20 30" },
        { "30 days from a Wednesday", "2026-04", "19 30" },
        { "30 days from a Thursday", "2027-04", "18 30" },
        { "30 days from a Friday", "2028-09", "17 30" },
        { "30 days from a Saturday", "2028-04", "16 23 30" },
        { "30 days from a Sunday", "2026-11", "15 22 30" },
        { "31 days from a Monday", "2027-03", "14 21 31" },
        { "31 days from a Tuesday", "2026-12", "20 31" },
        { "31 days from a Wednesday", "2026-07", "19 31" },
        { "31 days from a Thursday", "2026-01", "18 31" },
        { "31 days from a Friday", "2026-05", "17 24 31" },
        { "31 days from a Saturday", "2026-08", "16 23 31" },
        { "31 days from a Sunday", "2026-03", "15 22 31" },
    };

    /// <summary>
    /// R19 over time: the month still running changes as data comes in, so the same report looked at on two days is
    /// subtracted too. Every day from a week before the month to two weeks after it, the month, the month with the one
    /// before, the month with the one after, and its quarter are reported, and what each shows is what it covers up to
    /// the day before (data comes in until a day is over). All of it, over all those days, must pass the same checks
    /// as picks do (no publication under seven days, no nested pair differing by fewer, edges of whole-figure reports
    /// at least seven days apart), the month-to-date view must end on the expected days (cut-off Sundays, then the
    /// whole month), and a week is shown only once it is over. Showing the month as it fills, as before, fails the checks.
    /// </summary>
    [Theory]
    [MemberData(nameof(MonthShapes))]
    public void OverTime_NoTwoViewsDifferByLessThanAWeek(string label, string month, string ends)
    {
        var first = DateOnly.ParseExact(month + "-01", ReportRange.DateFormat, CultureInfo.InvariantCulture);
        var last = first.AddMonths(1).AddDays(-1);
        var quarter = ReportingPeriod.Of(first, PeriodLength.Quarter);
        ReportRange[] asked =
        [
            new(first, last),
            new(first.AddDays(3), first.AddDays(9)),
            new(first.AddMonths(-1), last),
            new(first, last.AddMonths(1)),
            new(quarter.First, quarter.Last),
        ];

        var now = new List<Publication>();
        var before = new List<Publication>();
        var monthEnds = new List<DateOnly?>();
        for (var today = first.AddDays(-7); today <= last.AddDays(14); today = today.AddDays(1))
        {
            foreach (var pick in asked)
            {
                var coverage = ReportCoverage.Of(pick, today);
                now.AddRange(Seen(coverage, today));
                Assert.All(coverage.Weeks, week => Assert.True(week.To < today, $"{label}: week {week} shown on {today:yyyy-MM-dd}"));
                before.AddRange(SeenBefore(pick, today));
            }

            var view = ReportCoverage.Of(new ReportRange(first, last), today);
            monthEnds.Add(view.Covered?.To);
            if (view.Covered is null)
            {
                Assert.True(today <= ReportCoverage.FirstSunday(first), $"{label}: nothing shown on {today:yyyy-MM-dd}");
                Assert.Contains("aún no tiene cifras", view.Note(ReportLanguage.Spanish), StringComparison.Ordinal);
            }
            else if (view.Covered.To != last)
            {
                Assert.Equal(DayOfWeek.Sunday, view.Covered.To.DayOfWeek);
                Assert.Contains($"cifras hasta el domingo {view.Covered.To.Day} de", view.Note(ReportLanguage.Spanish), StringComparison.Ordinal);
            }
            else
            {
                Assert.True(today > last, $"{label}: the whole month shown on {today:yyyy-MM-dd}");
                Assert.Null(view.Note(ReportLanguage.Spanish));
            }
        }

        Assert.Equal(ends, string.Join(" ", monthEnds.OfType<DateOnly>().Distinct().Select(day => day.Day.ToString(CultureInfo.InvariantCulture))));
        Assert.True(Leaks(now).Count == 0, $"{label}: {string.Join("; ", Leaks(now).Take(5))}");
        Assert.NotEmpty(Leaks(before));
    }

    /// <summary>What a pick covers on a day, and the sentence every output gives when it is not every month asked.</summary>
    [Theory]
    [InlineData("2026-12-07", "2026-12-01/2026-12-31", null, "Diciembre de 2026 aún no tiene cifras: las primeras, del 1 al 20 de diciembre de 2026, se publican el lunes 21 de diciembre.")]
    [InlineData("2026-12-20", "2026-12-01/2026-12-31", null, "December 2026 has no figures yet: the first, 1–20 December 2026, are published on Monday 21 December.")]
    [InlineData("2026-12-21", "2026-12-01/2026-12-31", "2026-12-20", "Del 1 al 20 de diciembre de 2026: cifras hasta el domingo 20 de diciembre; diciembre se completa el 1 de enero de 2027.")]
    [InlineData("2026-12-28", "2026-12-01/2026-12-31", "2026-12-20", "1–20 December 2026: figures up to Sunday 20 December; December is complete on 1 January 2027.")]
    [InlineData("2026-12-31", "2026-12-08/2026-12-08", "2026-12-20", "Del 1 al 20 de diciembre de 2026: cifras hasta el domingo 20 de diciembre; diciembre se completa el 1 de enero de 2027.")]
    [InlineData("2027-01-01", "2026-12-01/2026-12-31", "2026-12-31", null)]
    [InlineData("2026-12-09", "2026-10-01/2026-12-31", "2026-11-30", "Del 1 de octubre al 30 de noviembre de 2026: diciembre aún no tiene cifras; las primeras, del 1 al 20 de diciembre de 2026, se publican el lunes 21 de diciembre.")]
    [InlineData("2026-12-21", "2026-10-01/2027-03-31", "2026-12-20", "Del 1 de octubre al 20 de diciembre de 2026: cifras hasta el domingo 20 de diciembre; diciembre se completa el 1 de enero de 2027.")]
    [InlineData("2026-12-21", "2027-01-01/2027-01-31", null, "Enero de 2027 aún no tiene cifras: las primeras, del 1 al 17 de enero de 2027, se publican el lunes 18 de enero.")]
    [InlineData("2026-11-22", "2026-10-01/2026-12-31", "2026-11-15", "Del 1 de octubre al 15 de noviembre de 2026: cifras hasta el domingo 15 de noviembre; noviembre se completa el 1 de diciembre.")]
    [InlineData("2027-02-15", "2027-02-01/2027-02-28", "2027-02-14", "1–14 February 2027: figures up to Sunday 14 February; February is complete on 1 March.")]
    public void Coverage_SaysWhatIsCovered(string today, string pick, string? lastDay, string? note)
    {
        var coverage = ReportCoverage.Of(Parse(pick), DateOnly.ParseExact(today, ReportRange.DateFormat, CultureInfo.InvariantCulture));

        Assert.Equal(lastDay, coverage.Covered is { } covered ? covered.To.ToString(ReportRange.DateFormat, CultureInfo.InvariantCulture) : null);
        Assert.Equal(note, coverage.Note(note is null || note.Contains("cifras", StringComparison.Ordinal) ? ReportLanguage.Spanish : ReportLanguage.English));
    }

    /// <summary>What a report looked at on <paramref name="today"/> shows: its days up to the day before (the data so far).</summary>
    private static IEnumerable<Publication> Seen(ReportCoverage coverage, DateOnly today)
    {
        if (coverage.Covered is null)
        {
            return [];
        }

        var report = PublishedReport.From(ReachAggregator.Aggregate(coverage, [], [], Dimensions), Dimensions);
        Assert.Equal(report.ByWeek.Items.Count, report.Weeks.Count);
        return [.. new[] { new Publication(report.Range, true, $"{coverage.Asked} on {today:yyyy-MM-dd}") }
            .Concat(report.Weeks.Select(w => new Publication(w, false, $"{coverage.Asked} on {today:yyyy-MM-dd}")))
            .Select(p => SoFar(p, today)).OfType<Publication>()];
    }

    /// <summary>What it showed before: the whole months as they fill, and every week of them, the current one too.</summary>
    private static IEnumerable<Publication> SeenBefore(ReportRange asked, DateOnly today)
    {
        var months = asked.WholeMonths();
        return [.. new[] { new Publication(months, true, $"{asked} on {today:yyyy-MM-dd}") }
            .Concat(months.Weeks().Select(w => new Publication(w, false, $"{asked} on {today:yyyy-MM-dd}")))
            .Select(p => SoFar(p, today)).OfType<Publication>()];
    }

    /// <summary>The days of <paramref name="published"/> with data on <paramref name="today"/>: none after yesterday.</summary>
    private static Publication? SoFar(Publication published, DateOnly today) =>
        published.Days.From >= today ? null
        : published.Days.To < today ? published
        : published with { Days = new ReportRange(published.Days.From, today.AddDays(-1)) };

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
