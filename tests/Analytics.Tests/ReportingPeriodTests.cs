namespace OimBot.Analytics.Tests;

public class ReportingPeriodTests
{
    [Theory]
    [InlineData("2026-01-01", PeriodLength.Quarter, "2026-Q1", "2026-01-01", "2026-03-31")]
    [InlineData("2026-03-31", PeriodLength.Quarter, "2026-Q1", "2026-01-01", "2026-03-31")]
    [InlineData("2026-11-22", PeriodLength.Quarter, "2026-Q4", "2026-10-01", "2026-12-31")]
    [InlineData("2028-02-29", PeriodLength.Quarter, "2028-Q1", "2028-01-01", "2028-03-31")]
    [InlineData("2026-07-01", PeriodLength.Quarter, "2026-Q3", "2026-07-01", "2026-09-30")]
    [InlineData("2028-02-10", PeriodLength.Month, "2028-02", "2028-02-01", "2028-02-29")]
    [InlineData("2026-12-31", PeriodLength.Month, "2026-12", "2026-12-01", "2026-12-31")]
    public void Of(string day, PeriodLength length, string id, string first, string last)
    {
        var period = ReportingPeriod.Of(DateOnly.Parse(day, System.Globalization.CultureInfo.InvariantCulture), length);
        Assert.Equal(id, period.Id);
        Assert.Equal(DateOnly.Parse(first, System.Globalization.CultureInfo.InvariantCulture), period.First);
        Assert.Equal(DateOnly.Parse(last, System.Globalization.CultureInfo.InvariantCulture), period.Last);
    }

    [Fact]
    public void Between_ListsEveryOverlappingPeriod()
    {
        var periods = ReportingPeriod.Between(new DateOnly(2026, 11, 15), new DateOnly(2027, 4, 1), PeriodLength.Quarter);
        Assert.Equal(["2026-Q4", "2027-Q1", "2027-Q2"], periods.Select(p => p.Id));
    }

    [Theory]
    [InlineData("2026-11-22", "2026-11-16", "2026-W47")]
    [InlineData("2026-11-16", "2026-11-16", "2026-W47")]
    [InlineData("2026-12-31", "2026-12-28", "2026-W53")]
    [InlineData("2027-01-01", "2026-12-28", "2026-W53")]
    [InlineData("2027-01-04", "2027-01-04", "2027-W01")]
    [InlineData("2025-12-29", "2025-12-29", "2026-W01")]
    public void Weeks_AreIsoWeeksStartingOnMonday(string day, string monday, string label)
    {
        var week = ReportingPeriod.WeekOf(DateOnly.Parse(day, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(DateOnly.Parse(monday, System.Globalization.CultureInfo.InvariantCulture), week);
        Assert.Equal(label, ReportingPeriod.WeekLabel(week));
    }
}
