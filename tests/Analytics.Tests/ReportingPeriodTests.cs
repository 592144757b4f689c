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
    [InlineData("2026-12-31", PeriodLength.Quarter, "2026-Q4", "2026-10-01", "2026-12-31")]
    [InlineData("2027-01-01", PeriodLength.Quarter, "2027-Q1", "2027-01-01", "2027-03-31")]
    [InlineData("2027-01-01", PeriodLength.Month, "2027-01", "2027-01-01", "2027-01-31")]
    [InlineData("2026-02-14", PeriodLength.Month, "2026-02", "2026-02-01", "2026-02-28")]
    [InlineData("2000-02-01", PeriodLength.Month, "2000-02", "2000-02-01", "2000-02-29")]
    [InlineData("2100-02-28", PeriodLength.Month, "2100-02", "2100-02-01", "2100-02-28")]
    [InlineData("2026-06-30", PeriodLength.Quarter, "2026-Q2", "2026-04-01", "2026-06-30")]
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

    [Fact]
    public void Between_MonthsAcrossAYearAndALeapFebruary()
    {
        var periods = ReportingPeriod.Between(new DateOnly(2027, 12, 15), new DateOnly(2028, 3, 1), PeriodLength.Month);
        Assert.Equal(["2027-12", "2028-01", "2028-02", "2028-03"], periods.Select(p => p.Id));
        Assert.Equal(new DateOnly(2028, 2, 29), periods[2].Last);
        Assert.All(periods.Zip(periods.Skip(1)), pair => Assert.Equal(pair.First.Last.AddDays(1), pair.Second.First));
    }

    [Fact]
    public void Between_OneDay_IsItsPeriod_AndContainsKnowsTheEdges()
    {
        var period = Assert.Single(ReportingPeriod.Between(new DateOnly(2026, 3, 31), new DateOnly(2026, 3, 31), PeriodLength.Quarter));
        Assert.Equal("2026-Q1", period.Id);
        Assert.True(period.Contains(new DateOnly(2026, 1, 1)));
        Assert.True(period.Contains(new DateOnly(2026, 3, 31)));
        Assert.False(period.Contains(new DateOnly(2026, 4, 1)));
        Assert.False(period.Contains(new DateOnly(2025, 12, 31)));
    }

    [Theory]
    [InlineData("2026-11-22", "2026-11-16", "2026-W47")]
    [InlineData("2026-11-16", "2026-11-16", "2026-W47")]
    [InlineData("2026-12-31", "2026-12-28", "2026-W53")]
    [InlineData("2027-01-01", "2026-12-28", "2026-W53")]
    [InlineData("2027-01-04", "2027-01-04", "2027-W01")]
    [InlineData("2025-12-29", "2025-12-29", "2026-W01")]
    [InlineData("2027-01-03", "2026-12-28", "2026-W53")]
    [InlineData("2020-12-31", "2020-12-28", "2020-W53")]
    [InlineData("2021-01-03", "2020-12-28", "2020-W53")]
    [InlineData("2028-02-29", "2028-02-28", "2028-W09")]
    public void Weeks_AreIsoWeeksStartingOnMonday(string day, string monday, string label)
    {
        var week = ReportingPeriod.WeekOf(DateOnly.Parse(day, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(DateOnly.Parse(monday, System.Globalization.CultureInfo.InvariantCulture), week);
        Assert.Equal(label, ReportingPeriod.WeekLabel(week));
    }
}
