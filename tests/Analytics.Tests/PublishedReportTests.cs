namespace OimBot.Analytics.Tests;

public class PublishedReportTests
{
    private static readonly ReportDimensions Dimensions = TestDimensions.TwoChannelsTwoLanguages;

    private static readonly ReportRange Range = new(new DateOnly(2026, 10, 1), new DateOnly(2026, 10, 31));

    private static List<ActivityRow> People(int count, string channel, string language, string? topic = null, string? step = null, string prefix = "")
    {
        var rows = new List<ActivityRow>();
        for (var i = 0; i < count; i++)
        {
            var person = $"{prefix}{channel}-{language}-{i}";
            rows.Add(new ActivityRow("2026-Q4", person, Range.From, channel, language, string.Empty, Steps.Active));
            if (topic is not null)
            {
                rows.Add(new ActivityRow("2026-Q4", person, Range.From, channel, language, topic, Steps.Entered));
                if (step is not null)
                {
                    rows.Add(new ActivityRow("2026-Q4", person, Range.From, channel, language, topic, step));
                }
            }
        }

        return rows;
    }

    private static PublishedReport Publish(IEnumerable<ActivityRow> rows, IEnumerable<DailyCount>? counts = null) =>
        PublishedReport.From(ReachAggregator.Aggregate(Range, rows, counts ?? [], Dimensions), Dimensions);

    [Fact]
    public void SmallChannel_IsHidden_AndItsComplementToo()
    {
        var report = Publish([.. People(120, "whatsapp", "es"), .. People(3, "telegram", "es")]);

        Assert.Equal("<5", report.ByChannel.Items.Single(c => c.Key == "telegram").Cell.Shown);
        Assert.Equal("•", report.ByChannel.Items.Single(c => c.Key == "whatsapp").Cell.Shown);
        Assert.Equal("123", report.People.Shown);
    }

    [Fact]
    public void SensitiveTopic_HidesCountsUnderTen_OtherTopicsUnderFive()
    {
        var report = Publish([.. People(30, "whatsapp", "es", "avr", Steps.Handoff, "a"), .. People(7, "whatsapp", "es", "trafficking", Steps.Information, "t"), .. People(40, "telegram", "es", "trafficking", null, "u")]);

        var trafficking = report.Topics.ToList().IndexOf("trafficking");
        Assert.Equal("<10", report.Funnel[trafficking, 1].Shown); // 7 read information
        Assert.Equal("47", report.Funnel[trafficking, 0].Shown); // the funnel publishes no totals: nothing to work the 7 out from
        Assert.Equal("30", report.ByTopic.Items.Single(t => t.Key == "avr").Cell.Shown);
        Assert.Equal(report.Funnel[trafficking, 0], report.ByTopic.Items.Single(t => t.Key == "trafficking").Cell);
    }

    /// <summary>Whatever the data, no figure a report publishes is between 1 and k-1.</summary>
    [Fact]
    public void NoPublishedFigure_IsASmallCount()
    {
        var random = new Random(11);
        for (var round = 0; round < 300; round++)
        {
            var rows = new List<ActivityRow>();
            foreach (var channel in Dimensions.Channels)
            {
                foreach (var language in Dimensions.Languages)
                {
                    var topic = random.Next(3) switch { 0 => "avr", 1 => "trafficking", _ => null };
                    rows.AddRange(People(random.Next(0, 14), channel, language, topic, random.Next(2) == 0 ? Steps.Handoff : null, $"r{round}-"));
                }
            }

            DailyCount[] counts =
            [
                new(Range.From, EventKind.ConversationStarted, "whatsapp", "es", string.Empty, string.Empty, string.Empty, random.Next(0, 9)),
                new(Range.From, EventKind.SatisfactionGiven, "whatsapp", "es", string.Empty, string.Empty, "4", random.Next(0, 9)),
                new(Range.From, EventKind.SatisfactionGiven, "whatsapp", "es", string.Empty, string.Empty, "5", random.Next(0, 9)),
                new(Range.From, EventKind.NotUnderstood, "whatsapp", "es", "trafficking", "tr-menu", string.Empty, random.Next(0, 14)),
                new(Range.From, EventKind.NotUnderstood, "telegram", "en", "avr", "avr-menu", string.Empty, random.Next(0, 9)),
            ];
            var report = Publish(rows, counts);

            var sensitiveTopicRows = report.Topics.Select((t, i) => (t, i)).Where(t => report.SensitiveTopics.Contains(t.t)).Select(t => t.i).ToHashSet();
            var cells = new List<(PublishedCell Cell, int K)>
            {
                (report.People, 5), (report.New, 5), (report.Returning, 5), (report.Conversations, 5), (report.SatisfactionAnswers, 5),
            };
            cells.AddRange(report.Satisfaction.Select(c => (c, 5)));
            cells.AddRange(report.ByChannel.Items.Concat(report.ByLanguage.Items).Concat(report.ByWeek.Items).Select(i => (i.Cell, 5)));
            for (var t = 0; t < report.Topics.Count; t++)
            {
                for (var s = 0; s < Steps.Funnel.Count; s++)
                {
                    cells.Add((report.Funnel[t, s], sensitiveTopicRows.Contains(t) ? 10 : 5));
                }
            }

            for (var n = 0; n < report.NotUnderstoodNodes.Count; n++)
            {
                for (var l = 0; l < report.NotUnderstoodLanguages.Count; l++)
                {
                    cells.Add((report.NotUnderstood[n, l], report.NotUnderstoodNodes[n] == "tr-menu" ? 10 : 5));
                }
            }

            foreach (var (cell, k) in cells)
            {
                Assert.False(cell.State == CellState.Shown && cell.Value > 0 && cell.Value < k, $"round {round}: {cell.Value} published (k = {k})");
            }

            if (report.SatisfactionAverage is not null)
            {
                Assert.All(report.Satisfaction, c => Assert.False(c.Hidden));
            }
        }
    }

    [Fact]
    public void Csv_IsAggregatedAndSuppressed()
    {
        var report = Publish([.. People(12, "whatsapp", "es", "avr", Steps.Prescreening), .. People(2, "telegram", "en")]);

        var byChannel = ReachCsv.Reach(report, ReachBreakdown.Channel);
        Assert.Equal("channel,people,from,to\r\nwhatsapp,•,2026-10-01,2026-10-31\r\ntelegram,<5,2026-10-01,2026-10-31\r\ntotal,14,2026-10-01,2026-10-31\r\n", byChannel);

        var funnel = ReachCsv.Funnel(report);
        Assert.StartsWith("topic,entered,information,prescreening,handoff,from,to\r\n", funnel, StringComparison.Ordinal);
        Assert.Contains("avr,12,0,12,0,2026-10-01,2026-10-31\r\n", funnel, StringComparison.Ordinal);
        Assert.Contains("trafficking,0,0,0,0,2026-10-01,2026-10-31\r\n", funnel, StringComparison.Ordinal);

        // Each week's row gives its own Monday and Sunday: the first and last run past October.
        var byWeek = ReachCsv.Reach(report, ReachBreakdown.Week);
        Assert.StartsWith("week,people,from,to\r\n2026-W40,14,2026-09-28,2026-10-04\r\n", byWeek, StringComparison.Ordinal);
        Assert.Contains("2026-W44,0,2026-10-26,2026-11-01\r\n", byWeek, StringComparison.Ordinal);
    }

    /// <summary>
    /// A count of a thousand or more is a plain number in the CSVs: "1,205" (the page's and the summary's way) is text to
    /// a script, and 1.205 to a spreadsheet whose decimal mark is a comma (Spain, France, Haiti: a thousand times too few).
    /// </summary>
    [Fact]
    public void Csv_WritesAThousandAsAPlainNumber()
    {
        var report = Publish([.. People(1205, "whatsapp", "es", "avr", Steps.Prescreening)]);

        Assert.Equal("1,205", report.People.Shown); // the page keeps its thousands
        Assert.Contains("whatsapp,1205,", ReachCsv.Reach(report, ReachBreakdown.Channel), StringComparison.Ordinal);
        Assert.EndsWith("total,1205,2026-10-01,2026-10-31\r\n", ReachCsv.Reach(report, ReachBreakdown.Channel), StringComparison.Ordinal);
        Assert.Contains("avr,1205,0,1205,0,", ReachCsv.Funnel(report), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("week", true, ReachBreakdown.Week)]
    [InlineData("channel", true, ReachBreakdown.Channel)]
    [InlineData("language", true, ReachBreakdown.Language)]
    [InlineData("topic", true, ReachBreakdown.Topic)]
    [InlineData("Week", false, default(ReachBreakdown))]
    [InlineData("person", false, default(ReachBreakdown))]
    [InlineData("0", false, default(ReachBreakdown))]
    [InlineData("", false, default(ReachBreakdown))]
    [InlineData(null, false, default(ReachBreakdown))]
    public void Breakdown_IsAClosedList(string? value, bool valid, ReachBreakdown expected)
    {
        Assert.Equal(valid, ReachCsv.TryParseBreakdown(value, out var breakdown));
        if (valid)
        {
            Assert.Equal(expected, breakdown);
        }
    }

    [Fact]
    public void Summary_IsInSpanishAndEnglish()
    {
        var report = PublishedReport.From(
            ReachAggregator.Aggregate(
                new ReportRange(new DateOnly(2026, 10, 1), new DateOnly(2026, 12, 31)),
                [.. People(11300, "whatsapp", "es", "avr"), .. People(5, "telegram", "en")],
                [new(Range.From, EventKind.ConversationStarted, "whatsapp", "es", string.Empty, string.Empty, string.Empty, 12000)],
                Dimensions),
            Dimensions);

        var text = ReachSummary.Write(report);

        Assert.Contains("Del 1 de octubre al 31 de diciembre de 2026, OimBot alcanzó a 11,305 personas a través de WhatsApp y Telegram (WhatsApp: 11,300; Telegram: 5).", text, StringComparison.Ordinal);
        Assert.Contains("From 1 October to 31 December 2026, OimBot reached 11,305 people through WhatsApp and Telegram", text, StringComparison.Ordinal);
        Assert.Contains("12,000 conversaciones", text, StringComparison.Ordinal);
        Assert.Contains("retorno voluntario (11,300)", text, StringComparison.Ordinal);
        Assert.Contains("voluntary return (11,300)", text, StringComparison.Ordinal);
    }

    /// <summary>refused web chat requests in the period, whether the summary mentions them.</summary>
    [Theory]
    [InlineData(0, false)]
    [InlineData(3, true)]
    [InlineData(10000, true)]
    public void Summary_SaysHowManyWebChatRequestsWereRefused_NeverAsPeople(long refused, bool mentioned)
    {
        var counts = refused == 0 ? new List<DailyCount>() : [new(Range.From, EventKind.WebChatRefused, "webchat", string.Empty, string.Empty, string.Empty, string.Empty, refused)];
        var report = Publish([.. People(50, "whatsapp", "es")], counts);

        var text = ReachSummary.Write(report);

        Assert.Equal(refused, report.WebChatRefused);
        Assert.Equal("50", report.People.Shown);
        var figure = refused.ToString("#,0", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(mentioned, text.Contains($"El chat web rechazó {figure} solicitudes", StringComparison.Ordinal));
        Assert.Equal(mentioned, text.Contains("The web chat refused", StringComparison.Ordinal));
    }

    [Fact]
    public void Outcomes_AddUpToTheClosedCases_AndAreSuppressedTogether()
    {
        var dimensions = TestDimensions.TwoChannelsTwoLanguages with { Outcomes = ["information_given", "referred", "user_left"] };
        DailyCount Closed(string outcome, long count) => new(Range.From, EventKind.HandoffClosed, "whatsapp", "es", "avr", string.Empty, outcome, count);

        var report = PublishedReport.From(
            ReachAggregator.Aggregate(Range, [], [Closed("information_given", 30), Closed("referred", 2), Closed("user_left", 12)], dimensions),
            dimensions);

        Assert.Equal(["information_given", "referred", "user_left"], report.Outcomes.Items.Select(o => o.Key));
        Assert.Equal(["30", "<5", "•"], report.Outcomes.Items.Select(o => o.Cell.Shown)); // the smallest other cell hides the 2
        Assert.Equal("44", report.HandoffsClosed.Shown);
    }
}
