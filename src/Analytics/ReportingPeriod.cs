using System.Globalization;

namespace OimBot.Analytics;

public enum PeriodLength
{
    /// <summary>Calendar quarters, as IOM reports (the default).</summary>
    Quarter,

    Month,
}

/// <summary>
/// A reporting period: people are counted once within it, and its pseudonym key is destroyed after it, so nobody can be
/// followed from one period to the next.
/// </summary>
public sealed record ReportingPeriod(string Id, DateOnly First, DateOnly Last)
{
    public static ReportingPeriod Of(DateOnly day, PeriodLength length)
    {
        if (length == PeriodLength.Month)
        {
            var first = new DateOnly(day.Year, day.Month, 1);
            return new ReportingPeriod($"{day.Year:D4}-{day.Month:D2}", first, first.AddMonths(1).AddDays(-1));
        }

        var quarter = ((day.Month - 1) / 3) + 1;
        var start = new DateOnly(day.Year, ((quarter - 1) * 3) + 1, 1);
        return new ReportingPeriod($"{day.Year:D4}-Q{quarter}", start, start.AddMonths(3).AddDays(-1));
    }

    /// <summary>The periods that overlap [<paramref name="from"/>, <paramref name="to"/>], oldest first.</summary>
    public static IReadOnlyList<ReportingPeriod> Between(DateOnly from, DateOnly to, PeriodLength length)
    {
        var periods = new List<ReportingPeriod>();
        for (var period = Of(from, length); period.First <= to; period = Of(period.Last.AddDays(1), length))
        {
            periods.Add(period);
        }

        return periods;
    }

    public bool Contains(DateOnly day) => day >= First && day <= Last;

    /// <summary>The Monday of the ISO week of <paramref name="day"/>: weeks are the smallest time unit in reports.</summary>
    public static DateOnly WeekOf(DateOnly day) => day.AddDays(-(((int)day.DayOfWeek + 6) % 7));

    public static string WeekLabel(DateOnly monday) =>
        $"{ISOWeek.GetYear(monday.ToDateTime(TimeOnly.MinValue))}-W{ISOWeek.GetWeekOfYear(monday.ToDateTime(TimeOnly.MinValue)):D2}";
}
