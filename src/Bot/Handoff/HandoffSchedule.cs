using System.Globalization;

namespace OimBot.Bot.Handoff;

/// <summary>
/// When caseworkers are on duty, in Panama time (America/Panama, UTC-5, no daylight saving): one opening and closing
/// time per weekday, or none. Pure: the engine asks it with the turn's "now".
/// </summary>
public sealed class HandoffSchedule
{
    private readonly Dictionary<DayOfWeek, (TimeOnly Open, TimeOnly Close)> _days;

    public HandoffSchedule(IReadOnlyDictionary<DayOfWeek, (TimeOnly Open, TimeOnly Close)> days, int expectedWaitMinutes)
    {
        ArgumentNullException.ThrowIfNull(days);
        _days = days.ToDictionary(d => d.Key, d => d.Value);
        ExpectedWaitMinutes = expectedWaitMinutes;
    }

    /// <summary>Monday to Friday, 08:00-17:00, a quarter of an hour's wait.</summary>
    public static HandoffSchedule Default { get; } = new(
        new Dictionary<DayOfWeek, (TimeOnly, TimeOnly)>
        {
            [DayOfWeek.Monday] = (new(8, 0), new(17, 0)),
            [DayOfWeek.Tuesday] = (new(8, 0), new(17, 0)),
            [DayOfWeek.Wednesday] = (new(8, 0), new(17, 0)),
            [DayOfWeek.Thursday] = (new(8, 0), new(17, 0)),
            [DayOfWeek.Friday] = (new(8, 0), new(17, 0)),
        },
        15);

    public int ExpectedWaitMinutes { get; }

    public bool IsOnDuty(DateTimeOffset now)
    {
        var local = PanamaTime.Local(now);
        return _days.TryGetValue(local.DayOfWeek, out var hours) && TimeOnly.FromDateTime(local) is var time && time >= hours.Open && time < hours.Close;
    }

    /// <summary>How much of the time between <paramref name="from"/> and <paramref name="to"/> someone was on duty.</summary>
    public TimeSpan OnDutyBetween(DateTimeOffset from, DateTimeOffset to)
    {
        if (to <= from)
        {
            return TimeSpan.Zero;
        }

        var start = PanamaTime.Local(from);
        var end = PanamaTime.Local(to);
        var total = TimeSpan.Zero;
        for (var day = start.Date; day <= end.Date && day <= start.Date.AddDays(366); day = day.AddDays(1))
        {
            if (_days.TryGetValue(day.DayOfWeek, out var hours))
            {
                var open = day + hours.Open.ToTimeSpan();
                var close = day + hours.Close.ToTimeSpan();
                var overlap = (close < end ? close : end) - (open > start ? open : start);
                if (overlap > TimeSpan.Zero)
                {
                    total += overlap;
                }
            }
        }

        return total;
    }

    /// <summary>The start of the next shift (Panama time), or null when no day has hours.</summary>
    public DateTime? NextOpening(DateTimeOffset now)
    {
        var local = PanamaTime.Local(now);
        for (var offset = 0; offset <= 7; offset++)
        {
            var day = local.Date.AddDays(offset);
            if (_days.TryGetValue(day.DayOfWeek, out var hours))
            {
                var opening = day + hours.Open.ToTimeSpan();
                if (opening > local)
                {
                    return opening;
                }
            }
        }

        return null;
    }

    /// <summary>Parses "08:00-17:00"; empty or "closed" means no hours that day.</summary>
    public static (TimeOnly Open, TimeOnly Close)? ParseHours(string? text)
    {
        if (string.IsNullOrWhiteSpace(text) || text.Trim().Equals("closed", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var parts = text.Split('-', 2, StringSplitOptions.TrimEntries);
        if (parts.Length == 2
            && TimeOnly.TryParseExact(parts[0], "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var open)
            && TimeOnly.TryParseExact(parts[1], "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var close)
            && open < close)
        {
            return (open, close);
        }

        throw new FormatException($"'{text}' is not office hours written HH:mm-HH:mm (e.g. 08:00-17:00) or 'closed'");
    }
}
