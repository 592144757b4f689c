using System.Globalization;

namespace OimBot.Analytics;

/// <summary>Whole days, both ends included, at most two years.</summary>
public sealed record ReportRange(DateOnly From, DateOnly To)
{
    public const string DateFormat = "yyyy-MM-dd";

    /// <summary>Parses query or command-line dates; the error is a sentence for the person who typed them.</summary>
    public static (ReportRange? Range, string? Error) Parse(string? from, string? to) => Check(from, to, English);

    /// <summary>As <see cref="Parse"/>, with the error in Spanish, for the inbox's pages (the picker's "Desde" and "Hasta").</summary>
    public static (ReportRange? Range, string? Error) ParseEs(string? from, string? to) => Check(from, to, Spanish);

    public static (ReportRange? Range, string? Error) Of(DateOnly from, DateOnly to) => Check(from, to, English);

    private enum Problem
    {
        Missing,
        FromNotADate,
        ToNotADate,
        Reversed,
        TooLong,
    }

    private static (ReportRange? Range, string? Error) Check(string? from, string? to, Func<Problem, string, string, string> say)
    {
        if (string.IsNullOrWhiteSpace(from) || string.IsNullOrWhiteSpace(to))
        {
            return (null, say(Problem.Missing, string.Empty, string.Empty));
        }

        if (!DateOnly.TryParseExact(from.Trim(), DateFormat, CultureInfo.InvariantCulture, DateTimeStyles.None, out var first))
        {
            return (null, say(Problem.FromNotADate, Clip(from), string.Empty));
        }

        if (!DateOnly.TryParseExact(to.Trim(), DateFormat, CultureInfo.InvariantCulture, DateTimeStyles.None, out var last))
        {
            return (null, say(Problem.ToNotADate, string.Empty, Clip(to)));
        }

        return Check(first, last, say);
    }

    private static (ReportRange? Range, string? Error) Check(DateOnly from, DateOnly to, Func<Problem, string, string, string> say)
    {
        var (first, last) = (from.ToString(DateFormat, CultureInfo.InvariantCulture), to.ToString(DateFormat, CultureInfo.InvariantCulture));
        if (to < from)
        {
            return (null, say(Problem.Reversed, first, last));
        }

        if (to >= from.AddYears(2))
        {
            return (null, say(Problem.TooLong, first, last));
        }

        return (new ReportRange(from, to), null);
    }

    private static string English(Problem problem, string from, string to) => problem switch
    {
        Problem.Missing => "Both 'from' and 'to' are required, as YYYY-MM-DD (for example from=2026-10-01&to=2026-12-31).",
        Problem.FromNotADate => $"'from' must be a date as YYYY-MM-DD; '{from}' is not.",
        Problem.ToNotADate => $"'to' must be a date as YYYY-MM-DD; '{to}' is not.",
        Problem.Reversed => $"'to' ({to}) is before 'from' ({from}).",
        _ => "The range is longer than 2 years; ask for a shorter one.",
    };

    private static string Spanish(Problem problem, string from, string to) => problem switch
    {
        Problem.Missing => "Indica las dos fechas, «Desde» y «Hasta» (por ejemplo del 2026-10-01 al 2026-12-31).",
        Problem.FromNotADate => $"«Desde» debe ser una fecha como 2026-10-01; «{from}» no lo es.",
        Problem.ToNotADate => $"«Hasta» debe ser una fecha como 2026-12-31; «{to}» no lo es.",
        Problem.Reversed => $"«Hasta» ({to}) es anterior a «Desde» ({from}).",
        _ => "El rango pasa de 2 años; elige uno más corto.",
    };

    public bool Contains(DateOnly day) => day >= From && day <= To;

    public int Days => To.DayNumber - From.DayNumber + 1;

    /// <summary>Starts on the first day of a month and ends on the last day of a month.</summary>
    public bool IsWholeMonths => From.Day == 1 && To.AddDays(1).Day == 1;

    /// <summary>
    /// The whole calendar months that hold the range: the only ranges reach is published for (R19). Were any dates
    /// published, two ranges a day apart (1–7 and 1–8 December) would give that day's figures by subtraction.
    /// </summary>
    public ReportRange WholeMonths() =>
        new(new DateOnly(From.Year, From.Month, 1), new DateOnly(To.Year, To.Month, 1).AddMonths(1).AddDays(-1));

    /// <summary>Every ISO week (Monday to Sunday) that overlaps the range, each whole even where it runs past an end.</summary>
    public IReadOnlyList<ReportRange> Weeks()
    {
        var weeks = new List<ReportRange>();
        for (var monday = ReportingPeriod.WeekOf(From); monday <= To; monday = monday.AddDays(7))
        {
            weeks.Add(new ReportRange(monday, monday.AddDays(6)));
        }

        return weeks;
    }

    public override string ToString() => $"{Day(From)} to {Day(To)}";

    private static string Day(DateOnly day) => day.ToString(DateFormat, CultureInfo.InvariantCulture);

    private static string Clip(string value) => value.Length > 20 ? value[..20] + "…" : value;
}

/// <summary>What a report lists even when nothing happened, so an empty period shows zeros.</summary>
public sealed record ReportDimensions(
    IReadOnlyList<string> Channels,
    IReadOnlyList<string> Languages,
    IReadOnlyList<string> Topics,
    IReadOnlySet<string> SensitiveTopics,
    IReadOnlyDictionary<string, string> NodeTopics,
    IReadOnlyList<string>? Outcomes = null);

/// <summary>The exact figures for a range, before suppression. Never leaves the process: see <see cref="PublishedReport"/>.</summary>
public sealed class ReachFigures
{
    /// <summary>The whole months the figures are for: <see cref="Asked"/> widened (<see cref="ReportRange.WholeMonths"/>).</summary>
    public required ReportRange Range { get; init; }

    /// <summary>The dates asked for, as typed or picked.</summary>
    public required ReportRange Asked { get; init; }

    /// <summary>People reached: distinct pseudonyms per reporting period, summed over the periods the range touches.</summary>
    public long People { get; init; }

    /// <summary>People active on one day only in the range.</summary>
    public long New { get; init; }

    /// <summary>People who came back: active on two or more different days in the range.</summary>
    public long Returning { get; init; }

    public long Conversations { get; init; }

    public long Messages { get; init; }

    public long HandoffsRequested { get; init; }

    public long HandoffsTaken { get; init; }

    public long HandoffsClosed { get; init; }

    public long HandoffsTimedOut { get; init; }

    /// <summary>Web chat requests refused by the rate limits: traffic that was not counted as people.</summary>
    public long WebChatRefused { get; init; }

    /// <summary>Closed cases by outcome code (how handoffs went); adds up to <see cref="HandoffsClosed"/>.</summary>
    public IReadOnlyList<(string Key, long Count)> Outcomes { get; init; } = [];

    /// <summary>Answers with the scores 1 to 5.</summary>
    public required long[] Satisfaction { get; init; }

    public long FirstReplies { get; init; }

    public double? MedianFirstReplyMinutes { get; init; }

    /// <summary>People in each ISO week of <see cref="ReportRange.Weeks"/>, counted over the whole week (see <see cref="ReachAggregator.DaysToLoad"/>).</summary>
    public required IReadOnlyList<(string Key, long People)> ByWeek { get; init; }

    public required IReadOnlyList<(string Key, long People)> ByChannel { get; init; }

    public required IReadOnlyList<(string Key, long People)> ByLanguage { get; init; }

    public required IReadOnlyList<string> Topics { get; init; }

    /// <summary>Topics × <see cref="Steps.Funnel"/>: people who reached each step.</summary>
    public required long[,] Funnel { get; init; }

    public required IReadOnlyList<string> NotUnderstoodNodes { get; init; }

    public required IReadOnlyList<string> NotUnderstoodLanguages { get; init; }

    /// <summary>Nodes × languages: messages the bot did not understand at that node, or had to ask about (unmet need).</summary>
    public required long[,] NotUnderstood { get; init; }

    /// <summary>The periods whose people are counted separately when a range spans more than one.</summary>
    public required IReadOnlyList<string> Periods { get; init; }
}

public static class ReachAggregator
{
    /// <summary>How many not-understood nodes the report lists.</summary>
    public const int TopNodes = 10;

    /// <summary>
    /// The days a report for <paramref name="asked"/> reads: its whole months, and the whole ISO weeks at both ends, as
    /// each week's reach is counted over all of its seven days.
    /// </summary>
    public static ReportRange DaysToLoad(ReportRange asked)
    {
        ArgumentNullException.ThrowIfNull(asked);
        var weeks = asked.WholeMonths().Weeks();
        return new ReportRange(weeks[0].From, weeks[^1].To);
    }

    /// <summary>
    /// The figures for the whole months that hold <paramref name="asked"/> (R19: no report covers part of a month, so no
    /// two reports differ by a few days). Each week's reach is that of the whole Monday-to-Sunday week, also at the
    /// ends, where it runs into the months around: a week's figure is then the same in every report, and a month never
    /// publishes a few days of a week. <paramref name="activity"/> must hold the days of <see cref="DaysToLoad"/>.
    /// </summary>
    public static ReachFigures Aggregate(ReportRange asked, IEnumerable<ActivityRow> activity, IEnumerable<DailyCount> counts, ReportDimensions dimensions)
    {
        ArgumentNullException.ThrowIfNull(asked);
        ArgumentNullException.ThrowIfNull(activity);
        ArgumentNullException.ThrowIfNull(dimensions);
        var range = asked.WholeMonths();
        var loaded = activity.ToList();
        var rows = loaded.Where(a => range.Contains(a.Day)).ToList();
        var events = counts.Where(c => range.Contains(c.Day)).ToList();
        var active = rows.Where(a => a.Step == Steps.Active).ToList();

        // A person is a pseudonym within one period: the same number in two quarters is two people (nobody can link them).
        var days = active.GroupBy(a => (a.Period, a.Person)).Select(g => g.Select(a => a.Day).Distinct().Count()).ToList();

        long Distinct(IEnumerable<ActivityRow> subset) => subset.Select(a => (a.Period, a.Person)).Distinct().LongCount();
        long Sum(EventKind kind) => events.Where(e => e.Kind == kind).Sum(e => e.Count);

        var weeks = range.Weeks()
            .Select(week => (ReportingPeriod.WeekLabel(week.From), Distinct(loaded.Where(a => a.Step == Steps.Active && week.Contains(a.Day)))))
            .ToList();

        var topics = dimensions.Topics.Concat(rows.Where(a => a.Topic.Length > 0).Select(a => a.Topic).Distinct().Order(StringComparer.Ordinal)).Distinct().ToList();
        var funnel = new long[topics.Count, Steps.Funnel.Count];
        for (var t = 0; t < topics.Count; t++)
        {
            for (var s = 0; s < Steps.Funnel.Count; s++)
            {
                funnel[t, s] = Distinct(rows.Where(a => a.Topic == topics[t] && a.Step == Steps.Funnel[s]));
            }
        }

        // Unmet need: messages not understood, and those the bot had to ask about ("¿Buscas información sobre…?").
        var notUnderstood = events.Where(e => e.Kind is EventKind.NotUnderstood or EventKind.ClarificationAsked).ToList();
        var nodes = notUnderstood.GroupBy(e => e.Node).OrderByDescending(g => g.Sum(e => e.Count)).ThenBy(g => g.Key, StringComparer.Ordinal).Take(TopNodes).Select(g => g.Key).ToList();
        var languages = dimensions.Languages.Concat(notUnderstood.Select(e => e.Language).Distinct().Order(StringComparer.Ordinal)).Distinct().ToList();
        var misses = new long[nodes.Count, languages.Count];
        foreach (var e in notUnderstood)
        {
            var n = nodes.IndexOf(e.Node);
            if (n >= 0)
            {
                misses[n, languages.IndexOf(e.Language)] += e.Count;
            }
        }

        var replies = events.Where(e => e.Kind == EventKind.FirstCaseworkerReply && long.TryParse(e.Value, NumberStyles.None, CultureInfo.InvariantCulture, out _))
            .Select(e => (Minutes: long.Parse(e.Value, NumberStyles.None, CultureInfo.InvariantCulture), e.Count)).ToList();

        return new ReachFigures
        {
            Range = range,
            Asked = asked,
            People = days.Count,
            New = days.Count(d => d == 1),
            Returning = days.Count(d => d > 1),
            Conversations = Sum(EventKind.ConversationStarted),
            Messages = Sum(EventKind.MessageReceived),
            HandoffsRequested = Sum(EventKind.HandoffRequested),
            HandoffsTaken = Sum(EventKind.HandoffTaken),
            HandoffsClosed = Sum(EventKind.HandoffClosed),
            HandoffsTimedOut = Sum(EventKind.HandoffTimedOut),
            WebChatRefused = Sum(EventKind.WebChatRefused),
            Outcomes = [.. (dimensions.Outcomes ?? []).Concat(events.Where(e => e.Kind == EventKind.HandoffClosed).Select(e => e.Value).Distinct().Order(StringComparer.Ordinal)).Distinct()
                .Select(outcome => (outcome, events.Where(e => e.Kind == EventKind.HandoffClosed && e.Value == outcome).Sum(e => e.Count)))],
            Satisfaction = [.. Enumerable.Range(1, 5).Select(score => events.Where(e => e.Kind == EventKind.SatisfactionGiven && e.Value == score.ToString(CultureInfo.InvariantCulture)).Sum(e => e.Count))],
            FirstReplies = replies.Sum(r => r.Count),
            MedianFirstReplyMinutes = WeightedMedian(replies),
            ByWeek = weeks,
            ByChannel = By(dimensions.Channels, active, a => a.Channel, Distinct),
            ByLanguage = By(dimensions.Languages, active, a => a.Language, Distinct),
            Topics = topics,
            Funnel = funnel,
            NotUnderstoodNodes = nodes,
            NotUnderstoodLanguages = languages,
            NotUnderstood = misses,
            Periods = [.. rows.Select(a => a.Period).Distinct().Order(StringComparer.Ordinal)],
        };
    }

    private static List<(string, long)> By(IReadOnlyList<string> known, List<ActivityRow> active, Func<ActivityRow, string> key, Func<IEnumerable<ActivityRow>, long> distinct) =>
        [.. known.Concat(active.Select(key).Distinct().Order(StringComparer.Ordinal)).Distinct().Select(k => (k, distinct(active.Where(a => key(a) == k))))];

    /// <summary>The median of values with counts; the mean of the two middle values when the total is even.</summary>
    public static double? WeightedMedian(IReadOnlyList<(long Value, long Count)> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var total = values.Sum(v => v.Count);
        if (total == 0)
        {
            return null;
        }

        var sorted = values.Where(v => v.Count > 0).OrderBy(v => v.Value).ToList();
        long At(long index)
        {
            var seen = 0L;
            foreach (var (value, count) in sorted)
            {
                seen += count;
                if (index < seen)
                {
                    return value;
                }
            }

            return sorted[^1].Value;
        }

        return total % 2 == 1 ? At(total / 2) : (At((total / 2) - 1) + At(total / 2)) / 2.0;
    }
}

/// <summary>A labelled column of suppressed people counts (a chart and its table).</summary>
public sealed record PublishedSeries(IReadOnlyList<(string Key, PublishedCell Cell)> Items);

/// <summary>
/// Everything a report may show, after small-cell suppression (R19). Pages, CSV exports and the command-line report read
/// only this, so no figure can leave the system unsuppressed.
/// </summary>
public sealed class PublishedReport
{
    /// <summary>The whole months every figure is for (each week's reach excepted: see <see cref="Weeks"/>).</summary>
    public required ReportRange Range { get; init; }

    /// <summary>The dates asked for; when they are not whole months, <see cref="Range"/> widens them and every output says so.</summary>
    public required ReportRange Asked { get; init; }

    public bool Widened => Asked != Range;

    /// <summary>The days of each item of <see cref="ByWeek"/>: whole ISO weeks, the first and last running past <see cref="Range"/>.</summary>
    public IReadOnlyList<ReportRange> Weeks => Range.Weeks();

    public required IReadOnlyList<string> Periods { get; init; }

    public required PublishedCell People { get; init; }

    public required PublishedCell New { get; init; }

    public required PublishedCell Returning { get; init; }

    public required PublishedCell Conversations { get; init; }

    public required PublishedCell Messages { get; init; }

    public required PublishedCell HandoffsRequested { get; init; }

    public required PublishedCell HandoffsTaken { get; init; }

    public required PublishedCell HandoffsClosed { get; init; }

    public required PublishedCell HandoffsTimedOut { get; init; }

    /// <summary>An operational count, not people: shown as is.</summary>
    public long WebChatRefused { get; init; }

    /// <summary>Closed cases by outcome; its total is <see cref="HandoffsClosed"/>.</summary>
    public required PublishedSeries Outcomes { get; init; }

    /// <summary>Scores 1 to 5.</summary>
    public required IReadOnlyList<PublishedCell> Satisfaction { get; init; }

    public required PublishedCell SatisfactionAnswers { get; init; }

    /// <summary>Only when every score's count is shown (an average over hidden cells would reveal them).</summary>
    public double? SatisfactionAverage { get; init; }

    /// <summary>Only with at least <see cref="Suppression.Threshold"/> first replies.</summary>
    public double? MedianFirstReplyMinutes { get; init; }

    public required PublishedSeries ByWeek { get; init; }

    public required PublishedSeries ByChannel { get; init; }

    public required PublishedSeries ByLanguage { get; init; }

    /// <summary>People who entered each topic: the funnel's first column, so both show the same protected cells.</summary>
    public required PublishedSeries ByTopic { get; init; }

    public required IReadOnlyList<string> Topics { get; init; }

    public required IReadOnlySet<string> SensitiveTopics { get; init; }

    public required PublishedCell[,] Funnel { get; init; }

    public required IReadOnlyList<string> NotUnderstoodNodes { get; init; }

    public required IReadOnlyList<string> NotUnderstoodLanguages { get; init; }

    public required PublishedCell[,] NotUnderstood { get; init; }

    public static PublishedReport From(ReachFigures figures, ReportDimensions dimensions)
    {
        ArgumentNullException.ThrowIfNull(figures);
        ArgumentNullException.ThrowIfNull(dimensions);
        if (!figures.Range.IsWholeMonths)
        {
            throw new ArgumentException($"Reach is published for whole months only (R19); {figures.Range} is not.", nameof(figures));
        }

        // People by channel add up exactly to the people reached (a pseudonym belongs to one channel): one table, one total.
        var channels = Suppression.Apply(Column(figures.ByChannel));
        var people = channels.GrandTotal;

        var newReturning = Suppression.Apply(new long[,] { { figures.New, figures.Returning } });
        var (newCell, returningCell) = newReturning.GrandTotal.State == CellState.Complementary || (people.Hidden && !newReturning.GrandTotal.Hidden)
            ? (Conceal(newReturning.Cells[0, 0]), Conceal(newReturning.Cells[0, 1]))
            : (newReturning.Cells[0, 0], newReturning.Cells[0, 1]);

        // Outcomes add up to the closed cases: one table, and the headline is its total.
        var outcomes = Suppression.Apply(Row([.. figures.Outcomes.Select(o => o.Count)]));

        var scores = Suppression.Apply(Row(figures.Satisfaction));
        var satisfaction = Enumerable.Range(0, 5).Select(i => scores.Cells[0, i]).ToList();
        var answers = figures.Satisfaction.Sum();
        double? average = answers >= Suppression.Threshold && satisfaction.All(c => !c.Hidden)
            ? figures.Satisfaction.Select((count, i) => count * (i + 1.0)).Sum() / answers
            : null;

        var sensitiveRows = figures.Topics.Select((topic, i) => (topic, i)).Where(t => dimensions.SensitiveTopics.Contains(t.topic)).Select(t => t.i).ToHashSet();
        // The funnel and the not-understood table are published without totals (a sum of funnel steps means nothing).
        var funnel = Suppression.Apply(figures.Funnel, sensitiveRows, withTotals: false);

        var sensitiveNodes = figures.NotUnderstoodNodes.Select((node, i) => (node, i))
            .Where(n => dimensions.NodeTopics.TryGetValue(n.node, out var topic) && dimensions.SensitiveTopics.Contains(topic)).Select(n => n.i).ToHashSet();
        var misses = Suppression.Apply(figures.NotUnderstood, sensitiveNodes, withTotals: false);

        return new PublishedReport
        {
            Range = figures.Range,
            Asked = figures.Asked,
            Periods = figures.Periods,
            People = people,
            New = newCell,
            Returning = returningCell,
            Conversations = Single(figures.Conversations),
            Messages = Single(figures.Messages),
            HandoffsRequested = Single(figures.HandoffsRequested),
            HandoffsTaken = Single(figures.HandoffsTaken),
            HandoffsClosed = figures.Outcomes.Count == 0 ? Single(figures.HandoffsClosed) : outcomes.GrandTotal,
            Outcomes = new PublishedSeries([.. figures.Outcomes.Select((o, i) => (o.Key, outcomes.Cells[0, i]))]),
            HandoffsTimedOut = Single(figures.HandoffsTimedOut),
            WebChatRefused = figures.WebChatRefused,
            Satisfaction = satisfaction,
            SatisfactionAnswers = scores.GrandTotal,
            SatisfactionAverage = average,
            MedianFirstReplyMinutes = figures.FirstReplies >= Suppression.Threshold ? figures.MedianFirstReplyMinutes : null,
            ByWeek = Series(figures.ByWeek, Suppression.Apply(Column(figures.ByWeek))),
            ByChannel = Series(figures.ByChannel, channels),
            ByLanguage = Series(figures.ByLanguage, Suppression.Apply(Column(figures.ByLanguage))),
            ByTopic = new PublishedSeries([.. figures.Topics.Select((topic, i) => (topic, funnel.Cells[i, 0]))]),
            Topics = figures.Topics,
            SensitiveTopics = dimensions.SensitiveTopics,
            Funnel = funnel.Cells,
            NotUnderstoodNodes = figures.NotUnderstoodNodes,
            NotUnderstoodLanguages = figures.NotUnderstoodLanguages,
            NotUnderstood = misses.Cells,
        };
    }

    private static PublishedCell Single(long value) => Suppression.Apply(new long[,] { { value } }).Cells[0, 0];

    private static PublishedCell Conceal(PublishedCell cell) => cell.State == CellState.Shown && cell.Value > 0 ? cell with { State = CellState.Complementary } : cell;

    private static long[,] Column(IReadOnlyList<(string Key, long People)> items)
    {
        var counts = new long[items.Count, 1];
        for (var i = 0; i < items.Count; i++)
        {
            counts[i, 0] = items[i].People;
        }

        return counts;
    }

    private static long[,] Row(long[] values)
    {
        var counts = new long[1, values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            counts[0, i] = values[i];
        }

        return counts;
    }

    private static PublishedSeries Series(IReadOnlyList<(string Key, long People)> items, SuppressedTable table) =>
        new([.. items.Select((item, i) => (item.Key, table.Cells[i, 0]))]);
}
