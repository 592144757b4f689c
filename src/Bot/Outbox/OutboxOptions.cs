using System.ComponentModel.DataAnnotations;

namespace OimBot.Bot.Outbox;

public sealed class OutboxOptions
{
    public const string Section = "Outbox";

    /// <summary>How often the dispatcher looks for due rows when nothing new was queued.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    [Range(1, 1000)]
    public int BatchSize { get; set; } = 64;

    /// <summary>Sends in flight at once (each to a different recipient).</summary>
    [Range(1, 256)]
    public int Concurrency { get; set; } = 16;

    /// <summary>A claimed row returns to the queue after this long if its sender crashed.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan Lease { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Delivery attempts (each one with its quick in-process retries) before a row is dead-lettered.</summary>
    [Range(1, 100)]
    public int MaxAttempts { get; set; } = 10;

    /// <summary>The first wait between attempts; it doubles each time, with jitter, up to <see cref="MaxDelay"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")]
    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromSeconds(5);

    [Range(typeof(TimeSpan), "00:00:00.010", "1.00:00:00")]
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Quick retries inside one attempt, for a blip (jittered exponential from <see cref="InProcessDelay"/>).</summary>
    [Range(0, 10)]
    public int InProcessRetries { get; set; } = 2;

    [Range(typeof(TimeSpan), "00:00:00.001", "00:01:00")]
    public TimeSpan InProcessDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>A provider's retry-after longer than this is not waited for in process: the row is rescheduled.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00")]
    public TimeSpan MaxInProcessDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Circuit breaker per channel: stop calling a failing provider for <see cref="BreakDuration"/>.</summary>
    [Range(0.01, 1.0)]
    public double FailureRatio { get; set; } = 0.5;

    [Range(2, 1000)]
    public int MinimumThroughput { get; set; } = 8;

    [Range(typeof(TimeSpan), "00:00:00.500", "01:00:00")]
    public TimeSpan SamplingDuration { get; set; } = TimeSpan.FromSeconds(30);

    [Range(typeof(TimeSpan), "00:00:00.500", "01:00:00")]
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(30);
}
