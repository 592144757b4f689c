namespace OimBot.Bot;

/// <summary>IOM Panama's calendar: "today" and office hours are in America/Panama (UTC-5, no daylight saving).</summary>
internal static class PanamaTime
{
    public static readonly TimeZoneInfo Zone = Find();

    public static DateOnly Today(TimeProvider clock) =>
        DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(clock.GetUtcNow(), Zone).DateTime);

    /// <summary>A moment as the wall clock in Panama shows it.</summary>
    public static DateTime Local(DateTimeOffset moment) => TimeZoneInfo.ConvertTime(moment, Zone).DateTime;

    /// <summary>The moment a day begins in Panama (its midnight), for ranges of whole Panama days.</summary>
    public static DateTimeOffset StartOf(DateOnly day) =>
        new(TimeZoneInfo.ConvertTimeToUtc(day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified), Zone), TimeSpan.Zero);

    private static TimeZoneInfo Find()
    {
        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById("America/Panama");
        }
        catch (TimeZoneNotFoundException)
        {
            // Minimal images lack tzdata; Panama has had no daylight saving since 1908.
            return TimeZoneInfo.CreateCustomTimeZone("America/Panama", TimeSpan.FromHours(-5), "America/Panama", "EST");
        }
    }
}
