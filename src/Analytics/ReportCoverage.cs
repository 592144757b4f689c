using System.Globalization;

namespace OimBot.Analytics;

/// <summary>
/// The days a report for some whole months may publish on a given day (R19 over time). A month still running is
/// published from its first day up to a Sunday (Panama time) that leaves at least two weeks before it in the month and
/// at least one after it, the latest such Sunday already over; before its first such Sunday it shows nothing, after
/// its last it stays there, and on the first day of the next month it is published whole. Every range a report ever
/// publishes then starts on a month's first day and ends the day before an edge of one grid (the first days of months
/// and the Mondays after those Sundays) whose edges are at least seven days apart, so no two views, whenever they were
/// looked at, differ by fewer than seven days. Two weeks, not one, before the first cut-off: the weekly chart publishes
/// each whole week once it is over, and a view of 8 to 13 days holds a whole week, so the two would differ by 1 to 6
/// days of people. A week of the weekly chart is shown once it is over.
/// </summary>
public sealed record ReportCoverage
{
    /// <summary>The fewest days two publications may differ by (a week, the smallest time unit in reports).</summary>
    public const int MinimumDays = 7;

    private ReportCoverage(ReportRange asked, DateOnly today)
    {
        Asked = asked;
        Months = asked.WholeMonths();
        Today = today;
        var last = LastPublishedDay(today);
        Covered = Months.From > last ? null : new ReportRange(Months.From, Months.To < last ? Months.To : last);
        Weeks = Covered is null ? [] : [.. Covered.Weeks().Where(week => week.To < today)];
    }

    /// <summary>What a report for <paramref name="asked"/> publishes on <paramref name="today"/> (in Panama).</summary>
    public static ReportCoverage Of(ReportRange asked, DateOnly today)
    {
        ArgumentNullException.ThrowIfNull(asked);
        return new ReportCoverage(asked, today);
    }

    /// <summary>The dates asked for, as typed or picked.</summary>
    public ReportRange Asked { get; }

    /// <summary>The whole months that hold <see cref="Asked"/> (<see cref="ReportRange.WholeMonths"/>).</summary>
    public ReportRange Months { get; }

    /// <summary>The day (in Panama) the report is made.</summary>
    public DateOnly Today { get; }

    /// <summary>The days every figure is for: <see cref="Months"/> up to <see cref="LastPublishedDay"/>; null when none yet.</summary>
    public ReportRange? Covered { get; }

    /// <summary>The ISO weeks of the weekly chart: those that overlap <see cref="Covered"/> and are over, each whole.</summary>
    public IReadOnlyList<ReportRange> Weeks { get; }

    public bool Widened => Asked != Months;

    /// <summary>Every month asked for is published whole.</summary>
    public bool Complete => Covered == Months;

    /// <summary>The month the report stops in or before: the first month of <see cref="Months"/> not published whole.</summary>
    public DateOnly? Unfinished => Complete ? null : Covered is { } covered && covered.To.AddDays(1).Day == 1 ? covered.To.AddDays(1) : FirstOfMonth(Covered?.To ?? Months.From);

    /// <summary>The last day whose figures are published on <paramref name="today"/>: a cut-off Sunday, or the end of last month.</summary>
    public static DateOnly LastPublishedDay(DateOnly today)
    {
        var first = FirstOfMonth(today);
        var last = first.AddMonths(1).AddDays(-1);
        var latest = Earlier(today.AddDays(-1), last.AddDays(-MinimumDays));
        var sunday = latest.AddDays(-(int)latest.DayOfWeek);
        return sunday >= FirstSunday(first) ? sunday : first.AddDays(-1);
    }

    /// <summary>
    /// The first Sunday a month is published up to: the first that ends its fourteenth day or later, so that the view
    /// differs from any whole week inside it by at least <see cref="MinimumDays"/> days.
    /// </summary>
    public static DateOnly FirstSunday(DateOnly month)
    {
        var fourteenth = FirstOfMonth(month).AddDays((2 * MinimumDays) - 1);
        return fourteenth.AddDays((7 - (int)fourteenth.DayOfWeek) % 7);
    }

    /// <summary>
    /// One sentence saying what is covered when it is not every month asked ("Del 1 al 20 de diciembre de 2026: cifras
    /// hasta el domingo 20 de diciembre; diciembre se completa el 1 de enero."); null when it is.
    /// </summary>
    public string? Note(ReportLanguage language)
    {
        if (Unfinished is not { } month)
        {
            return null;
        }

        var words = language == ReportLanguage.Spanish ? Spanish : English;
        var name = words.Months[month.Month - 1];
        var first = FirstSunday(month);
        var firstFigures = words.Span(month, first);
        var firstDay = words.Day(first.AddDays(1), false);
        return Covered switch
        {
            null => string.Format(CultureInfo.InvariantCulture, words.NothingYet, Words.Capital(name), month.Year, firstFigures, firstDay),
            { } covered when covered.To.AddDays(1).Day == 1 =>
                string.Format(CultureInfo.InvariantCulture, words.MonthNotYet, Words.Capital(words.Span(covered.From, covered.To)), name, firstFigures, firstDay),
            { } covered => string.Format(CultureInfo.InvariantCulture, words.UpToSunday, Words.Capital(words.Span(covered.From, covered.To)), words.Day(covered.To, false), name, words.DayText(month.AddMonths(1), month.Month == 12)),
        };
    }

    private static DateOnly FirstOfMonth(DateOnly day) => new(day.Year, day.Month, 1);

    private static DateOnly Earlier(DateOnly a, DateOnly b) => a < b ? a : b;

    private sealed record Words(
        string[] Months,
        string[] Weekdays,
        Func<DateOnly, bool, string> DayText,
        Func<DateOnly, DateOnly, string> SpanText,
        string NothingYet,
        string MonthNotYet,
        string UpToSunday)
    {
        public string Day(DateOnly day, bool withYear) => $"{Weekdays[(int)day.DayOfWeek]} {DayText(day, withYear)}";

        public string Span(DateOnly from, DateOnly to) => SpanText(from, to);

        public static string Capital(string text) => char.ToUpperInvariant(text[0]) + text[1..];
    }

    private static readonly Words Spanish = new(
        MonthNames.Spanish,
        ["domingo", "lunes", "martes", "miércoles", "jueves", "viernes", "sábado"],
        (day, withYear) => withYear ? $"{day.Day} de {MonthNames.Spanish[day.Month - 1]} de {day.Year}" : $"{day.Day} de {MonthNames.Spanish[day.Month - 1]}",
        (from, to) => (from.Year != to.Year, from.Month != to.Month) switch
        {
            (true, _) => $"del {from.Day} de {MonthNames.Spanish[from.Month - 1]} de {from.Year} al {to.Day} de {MonthNames.Spanish[to.Month - 1]} de {to.Year}",
            (false, true) => $"del {from.Day} de {MonthNames.Spanish[from.Month - 1]} al {to.Day} de {MonthNames.Spanish[to.Month - 1]} de {to.Year}",
            _ => $"del {from.Day} al {to.Day} de {MonthNames.Spanish[to.Month - 1]} de {to.Year}",
        },
        "{0} de {1} aún no tiene cifras: las primeras, {2}, se publican el {3}.",
        "{0}: {1} aún no tiene cifras; las primeras, {2}, se publican el {3}.",
        "{0}: cifras hasta el {1}; {2} se completa el {3}.");

    private static readonly Words English = new(
        MonthNames.English,
        ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"],
        (day, withYear) => withYear ? $"{day.Day} {MonthNames.English[day.Month - 1]} {day.Year}" : $"{day.Day} {MonthNames.English[day.Month - 1]}",
        (from, to) => (from.Year != to.Year, from.Month != to.Month) switch
        {
            (true, _) => $"{from.Day} {MonthNames.English[from.Month - 1]} {from.Year}–{to.Day} {MonthNames.English[to.Month - 1]} {to.Year}",
            (false, true) => $"{from.Day} {MonthNames.English[from.Month - 1]}–{to.Day} {MonthNames.English[to.Month - 1]} {to.Year}",
            _ => $"{from.Day}–{to.Day} {MonthNames.English[to.Month - 1]} {to.Year}",
        },
        "{0} {1} has no figures yet: the first, {2}, are published on {3}.",
        "{0}: {1} has no figures yet; the first, {2}, are published on {3}.",
        "{0}: figures up to {1}; {2} is complete on {3}.");
}

/// <summary>The language of a report's sentences.</summary>
public enum ReportLanguage
{
    Spanish,
    English,
}

/// <summary>Month names written out: reports read the same whatever cultures the server has installed.</summary>
internal static class MonthNames
{
    public static readonly string[] Spanish = ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre"];

    public static readonly string[] English = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
}
