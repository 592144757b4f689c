using System.Diagnostics;

namespace OimBot.Bot.Tests.TestHost;

/// <summary>
/// A clock tests move by hand (Microsoft.Extensions.TimeProvider.Testing is not available here). A ticking clock
/// also moves with real time from its start, for hosts whose background work waits (outbox retries).
/// </summary>
public sealed class FakeClock(DateTimeOffset start) : TimeProvider
{
    private readonly Lock _lock = new();
    private readonly Stopwatch _running = Stopwatch.StartNew();
    private DateTimeOffset _now = start;

    public bool Ticking { get; init; }

    public FakeClock()
        : this(new DateTimeOffset(2026, 11, 22, 15, 0, 0, TimeSpan.Zero))
    {
    }

    public override DateTimeOffset GetUtcNow()
    {
        lock (_lock)
        {
            return Ticking ? _now + _running.Elapsed : _now;
        }
    }

    public void Advance(TimeSpan by)
    {
        lock (_lock)
        {
            _now += by;
        }
    }

    /// <summary>Moves the clock forward so that it reads <paramref name="at"/> now (a ticking clock goes on from there).</summary>
    public void AdvanceTo(DateTimeOffset at)
    {
        lock (_lock)
        {
            var reading = Ticking ? _now + _running.Elapsed : _now;
            if (at > reading)
            {
                _now += at - reading;
            }
        }
    }

    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;
}
