namespace OimBot.Analytics.Tests;

public class ReachAggregatorTests
{
    private static readonly ReportDimensions Dimensions = TestDimensions.TwoChannelsTwoLanguages;

    private static readonly ReportRange Q4 = new(new DateOnly(2026, 10, 1), new DateOnly(2026, 12, 31));

    /// <summary>Generated people with known answers: each has a channel, a language, 1-6 active days, and maybe topics.</summary>
    [Theory]
    [InlineData(1, 0)]
    [InlineData(2, 1)]
    [InlineData(3, 57)]
    [InlineData(4, 400)]
    [InlineData(5, 2500)]
    public void UniqueReach_IsExact(int seed, int people)
    {
        var random = new Random(seed);
        var rows = new List<ActivityRow>();
        var expected = new Dictionary<string, long> { ["whatsapp"] = 0, ["telegram"] = 0, ["es"] = 0, ["en"] = 0, ["new"] = 0, ["returning"] = 0, ["avr"] = 0, ["avr-handoff"] = 0 };
        for (var p = 0; p < people; p++)
        {
            var person = $"p{p:D5}";
            var channel = random.Next(2) == 0 ? "whatsapp" : "telegram";
            var language = random.Next(3) == 0 ? "en" : "es";
            var days = Enumerable.Range(0, random.Next(1, 7)).Select(_ => Q4.From.AddDays(random.Next(92))).Distinct().ToList();
            expected[channel]++;
            expected[language]++;
            expected[days.Count == 1 ? "new" : "returning"]++;
            foreach (var day in days)
            {
                // Several messages the same day add nothing: reach counts people, not rows.
                for (var m = 0; m < random.Next(1, 4); m++)
                {
                    rows.Add(new ActivityRow("2026-Q4", person, day, channel, language, string.Empty, Steps.Active));
                }
            }

            if (random.Next(2) == 0)
            {
                expected["avr"]++;
                rows.Add(new ActivityRow("2026-Q4", person, days[0], channel, language, "avr", Steps.Entered));
                rows.Add(new ActivityRow("2026-Q4", person, days[^1], channel, language, "avr", Steps.Entered));
                if (random.Next(3) == 0)
                {
                    expected["avr-handoff"]++;
                    rows.Add(new ActivityRow("2026-Q4", person, days[0], channel, language, "avr", Steps.Handoff));
                }
            }
        }

        // Outside the range: never counted, but in 2026-W40 (28 September to 4 October), which is counted whole.
        rows.Add(new ActivityRow("2026-Q3", "p00000", new DateOnly(2026, 9, 30), "whatsapp", "es", string.Empty, Steps.Active));
        rows = [.. rows.OrderBy(_ => random.Next())];

        var figures = ReachAggregator.Aggregate(Q4, rows, [], Dimensions);

        Assert.Equal(people, figures.People);
        Assert.Equal(expected["new"], figures.New);
        Assert.Equal(expected["returning"], figures.Returning);
        Assert.Equal(figures.People, figures.New + figures.Returning);
        Assert.Equal(expected["whatsapp"], figures.ByChannel.Single(c => c.Key == "whatsapp").People);
        Assert.Equal(expected["telegram"], figures.ByChannel.Single(c => c.Key == "telegram").People);
        Assert.Equal(expected["es"], figures.ByLanguage.Single(c => c.Key == "es").People);
        Assert.Equal(expected["en"], figures.ByLanguage.Single(c => c.Key == "en").People);
        var avr = figures.Topics.ToList().IndexOf("avr");
        Assert.Equal(expected["avr"], figures.Funnel[avr, 0]);
        Assert.Equal(expected["avr-handoff"], figures.Funnel[avr, Steps.Funnel.Count - 1]);
        Assert.Equal(14, figures.ByWeek.Count); // 2026-W40 (29 Sep) to 2026-W53 (28 Dec)
        Assert.All(figures.ByWeek.Skip(1), w => Assert.InRange(w.People, 0, people));
        Assert.InRange(figures.ByWeek[0].People, 1, people + 1);
    }

    [Fact]
    public void SamePseudonymInTwoPeriods_IsTwoPeople()
    {
        var range = new ReportRange(new DateOnly(2026, 9, 1), new DateOnly(2026, 10, 31));
        ActivityRow[] rows =
        [
            new("2026-Q3", "same", new DateOnly(2026, 9, 15), "whatsapp", "es", string.Empty, Steps.Active),
            new("2026-Q4", "same", new DateOnly(2026, 10, 15), "whatsapp", "es", string.Empty, Steps.Active),
        ];

        var figures = ReachAggregator.Aggregate(range, rows, [], Dimensions);

        Assert.Equal(2, figures.People);
        Assert.Equal(["2026-Q3", "2026-Q4"], figures.Periods);
    }

    [Fact]
    public void WeeklyReach_CountsEachPersonOncePerWeek()
    {
        var monday = new DateOnly(2026, 10, 5);
        ActivityRow[] rows =
        [
            new("2026-Q4", "a", monday, "telegram", "es", string.Empty, Steps.Active),
            new("2026-Q4", "a", monday.AddDays(3), "telegram", "es", string.Empty, Steps.Active),
            new("2026-Q4", "a", monday.AddDays(7), "telegram", "es", string.Empty, Steps.Active),
            new("2026-Q4", "b", monday.AddDays(6), "telegram", "es", string.Empty, Steps.Active),
        ];

        var figures = ReachAggregator.Aggregate(new ReportRange(new DateOnly(2026, 10, 1), new DateOnly(2026, 10, 31)), rows, [], Dimensions);

        Assert.Equal([("2026-W40", 0L), ("2026-W41", 2L), ("2026-W42", 1L), ("2026-W43", 0L), ("2026-W44", 0L)], figures.ByWeek);
        Assert.Equal(2, figures.People);
        Assert.Equal(1, figures.Returning);
    }

    /// <summary>
    /// Two weeks picked are October (R19: whole months only), and the weeks at October's ends are counted over all
    /// seven days: someone who wrote on Wednesday 30 September is in 2026-W40, not in October's people.
    /// </summary>
    [Fact]
    public void PickedDays_AreWidenedToWholeMonths_AndEdgeWeeksCountedWhole()
    {
        ActivityRow[] rows =
        [
            new("2026-Q3", "before", new DateOnly(2026, 9, 30), "telegram", "es", string.Empty, Steps.Active),
            new("2026-Q4", "first", new DateOnly(2026, 10, 1), "telegram", "es", string.Empty, Steps.Active),
            new("2026-Q4", "last", new DateOnly(2026, 10, 31), "telegram", "es", string.Empty, Steps.Active),
            new("2026-Q4", "after", new DateOnly(2026, 11, 1), "telegram", "es", string.Empty, Steps.Active),
        ];
        var asked = new ReportRange(new DateOnly(2026, 10, 5), new DateOnly(2026, 10, 18));

        var figures = ReachAggregator.Aggregate(asked, rows, [], Dimensions);

        Assert.Equal(new ReportRange(new DateOnly(2026, 10, 1), new DateOnly(2026, 10, 31)), figures.Range);
        Assert.Equal(asked, figures.Asked);
        Assert.Equal(2, figures.People);
        Assert.Equal(("2026-W40", 2L), figures.ByWeek[0]); // 28 September to 4 October
        Assert.Equal(("2026-W44", 2L), figures.ByWeek[^1]); // 26 October to 1 November
        Assert.Equal(new ReportRange(new DateOnly(2026, 9, 28), new DateOnly(2026, 11, 1)), ReachAggregator.DaysToLoad(asked));
    }

    [Theory]
    [InlineData("2026-12-01", "2026-12-07", "2026-12-01", "2026-12-31")]
    [InlineData("2026-12-08", "2026-12-08", "2026-12-01", "2026-12-31")]
    [InlineData("2026-10-01", "2026-12-31", "2026-10-01", "2026-12-31")]
    [InlineData("2026-11-30", "2026-12-06", "2026-11-01", "2026-12-31")]
    [InlineData("2026-12-28", "2027-01-03", "2026-12-01", "2027-01-31")]
    [InlineData("2028-02-29", "2028-02-29", "2028-02-01", "2028-02-29")]
    [InlineData("2027-02-01", "2027-02-28", "2027-02-01", "2027-02-28")]
    public void WholeMonths(string from, string to, string first, string last)
    {
        var range = ReportRange.Parse(from, to).Range!.WholeMonths();

        Assert.Equal(ReportRange.Parse(first, last).Range, range);
        Assert.True(range.IsWholeMonths);
        Assert.Equal(range, range.WholeMonths());
    }

    [Fact]
    public void APartialMonth_IsNeverPublished()
    {
        var figures = ReachAggregator.Aggregate(new ReportRange(new DateOnly(2026, 12, 1), new DateOnly(2026, 12, 8)), [], [], Dimensions);
        var forged = new ReachFigures
        {
            Range = figures.Asked,
            Asked = figures.Asked,
            Satisfaction = figures.Satisfaction,
            ByWeek = figures.ByWeek,
            ByChannel = figures.ByChannel,
            ByLanguage = figures.ByLanguage,
            Topics = figures.Topics,
            Funnel = figures.Funnel,
            NotUnderstoodNodes = figures.NotUnderstoodNodes,
            NotUnderstoodLanguages = figures.NotUnderstoodLanguages,
            NotUnderstood = figures.NotUnderstood,
            Periods = figures.Periods,
        };

        Assert.Contains("whole months", Assert.Throws<ArgumentException>(() => PublishedReport.From(forged, Dimensions)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EventCounts_AreSummedOverRawAndRolledUpDays()
    {
        var day = new DateOnly(2026, 10, 2);
        DailyCount[] counts =
        [
            new(day, EventKind.ConversationStarted, "whatsapp", "es", string.Empty, string.Empty, string.Empty, 7),
            new(day, EventKind.ConversationStarted, "telegram", "en", string.Empty, string.Empty, string.Empty, 3),
            new(day, EventKind.MessageReceived, "telegram", "en", string.Empty, string.Empty, string.Empty, 40),
            new(day, EventKind.HandoffRequested, "telegram", "en", "avr", "handoff", string.Empty, 2),
            new(day, EventKind.SatisfactionGiven, "telegram", "en", "avr", "satisfaction", "5", 6),
            new(day, EventKind.SatisfactionGiven, "telegram", "en", "avr", "satisfaction", "2", 1),
            new(day, EventKind.FirstCaseworkerReply, "telegram", "en", "avr", string.Empty, "4", 1),
            new(day, EventKind.FirstCaseworkerReply, "telegram", "en", "avr", string.Empty, "10", 2),
            new(day, EventKind.NotUnderstood, "telegram", "en", "avr", "avr-menu", string.Empty, 9),
            new(day, EventKind.NotUnderstood, "whatsapp", "es", "avr", "avr-menu", string.Empty, 1),
            new(day, EventKind.ClarificationAsked, "whatsapp", "es", "avr", "avr-menu", string.Empty, 1), // unmet need too
            new(day, EventKind.NotUnderstood, "whatsapp", "es", "trafficking", "tr-menu", string.Empty, 12),
            new(day.AddDays(-10), EventKind.ConversationStarted, "whatsapp", "es", string.Empty, string.Empty, string.Empty, 100),
        ];

        var figures = ReachAggregator.Aggregate(Q4, [], counts, Dimensions);

        Assert.Equal(10, figures.Conversations);
        Assert.Equal(40, figures.Messages);
        Assert.Equal(2, figures.HandoffsRequested);
        Assert.Equal([0L, 1, 0, 0, 6], figures.Satisfaction);
        Assert.Equal(3, figures.FirstReplies);
        Assert.Equal(10, figures.MedianFirstReplyMinutes);
        Assert.Equal(["tr-menu", "avr-menu"], figures.NotUnderstoodNodes);
        Assert.Equal(12, figures.NotUnderstood[0, 0]);
        Assert.Equal(9, figures.NotUnderstood[1, 1]);
        Assert.Equal(2, figures.NotUnderstood[1, 0]);
    }

    [Theory]
    [InlineData(new long[] { }, new long[] { }, null)]
    [InlineData(new long[] { 5 }, new long[] { 1 }, 5.0)]
    [InlineData(new long[] { 1, 3 }, new long[] { 1, 1 }, 2.0)]
    [InlineData(new long[] { 1, 2, 60 }, new long[] { 2, 1, 2 }, 2.0)]
    [InlineData(new long[] { 1, 60 }, new long[] { 2, 2 }, 30.5)]
    public void WeightedMedian(long[] values, long[] counts, double? expected)
    {
        Assert.Equal(expected, ReachAggregator.WeightedMedian([.. values.Zip(counts)]));
    }

    [Fact]
    public void EmptyRange_IsZeros()
    {
        var figures = ReachAggregator.Aggregate(Q4, [], [], Dimensions);
        var report = PublishedReport.From(figures, Dimensions);

        Assert.Equal("0", report.People.Shown);
        Assert.All(report.ByChannel.Items, c => Assert.Equal("0", c.Cell.Shown));
        Assert.All(report.ByWeek.Items, c => Assert.Equal("0", c.Cell.Shown));
        Assert.Equal(["whatsapp", "telegram"], report.ByChannel.Items.Select(c => c.Key));
        Assert.Null(report.MedianFirstReplyMinutes);
        Assert.Null(report.SatisfactionAverage);
    }

    [Theory]
    [InlineData("2026-10-01", "2026-12-31", null)]
    [InlineData("2026-10-01", "2026-10-01", null)]
    [InlineData("2025-01-01", "2026-12-31", null)]
    [InlineData("2025-01-01", "2027-01-01", "longer than 2 years")]
    [InlineData("2026-12-31", "2026-10-01", "before")]
    [InlineData("2026-13-01", "2026-12-31", "'from' must be a date")]
    [InlineData("2026-10-01", "31/12/2026", "'to' must be a date")]
    [InlineData("", "2026-12-31", "required")]
    [InlineData(null, null, "required")]
    public void Range_IsValidated(string? from, string? to, string? error)
    {
        var (range, problem) = ReportRange.Parse(from, to);
        if (error is null)
        {
            Assert.NotNull(range);
            Assert.Null(problem);
        }
        else
        {
            Assert.Null(range);
            Assert.Contains(error, problem, StringComparison.Ordinal);
        }
    }

    /// <summary>The inbox's analytics page says why in Spanish (it had shown the API's English sentence).</summary>
    [Theory]
    [InlineData("2026-10-01", "2026-12-31", null)]
    [InlineData("2025-01-01", "2027-01-01", "El rango pasa de 2 años; elige uno más corto.")]
    [InlineData("2026-12-31", "2026-10-01", "«Hasta» (2026-10-01) es anterior a «Desde» (2026-12-31).")]
    [InlineData("2026-13-01", "2026-12-31", "«Desde» debe ser una fecha como 2026-10-01; «2026-13-01» no lo es.")]
    [InlineData("2026-10-01", "31/12/2026", "«Hasta» debe ser una fecha como 2026-12-31; «31/12/2026» no lo es.")]
    [InlineData("", "2026-12-31", "Indica las dos fechas")]
    public void Range_IsValidated_InSpanishForThePage(string? from, string? to, string? error)
    {
        var (range, problem) = ReportRange.ParseEs(from, to);
        Assert.Equal(error is null, range is not null);
        if (error is not null)
        {
            Assert.StartsWith(error, problem, StringComparison.Ordinal);
        }
    }
}
