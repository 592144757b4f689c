namespace OimBot.Bot.Operations;

/// <summary>
/// The one shape of every periodic job (cleanup, analytics maintenance, the handoff monitor, the content reloader, the
/// Telegram poller, the spool replayer): run a round, wait, run again. A round that throws, whatever the exception, is
/// logged by type (never by message: it could quote a person), counted in /metrics, and followed by a growing pause;
/// the job never stops the host. Only shutdown ends it.
/// </summary>
public abstract partial class BackgroundLoop(string job, TimeProvider clock, BotMetrics metrics, ILogger logger) : BackgroundService
{
    protected TimeProvider Clock { get; } = clock;

    /// <summary>The job's name in logs and metrics.</summary>
    public string Job { get; } = job;

    /// <summary>The pause between rounds that went well.</summary>
    protected abstract TimeSpan Interval { get; }

    /// <summary>The longest pause after failures (the pause doubles from <see cref="FirstBackoff"/> up to this).</summary>
    protected virtual TimeSpan MaxBackoff => TimeSpan.FromMinutes(5);

    protected virtual TimeSpan FirstBackoff => Interval > TimeSpan.FromSeconds(1) ? Interval : TimeSpan.FromSeconds(1);

    /// <summary>Whether the first round runs at start, or after the first interval.</summary>
    protected virtual bool RunAtStart => true;

    /// <summary>Consecutive failed rounds (0 when the last one went well).</summary>
    public int Failures { get; private set; }

    protected abstract Task RunRoundAsync(CancellationToken cancellationToken);

    /// <summary>Waits before the next round; a job that can be woken early (a signal) overrides this.</summary>
    protected virtual Task PauseAsync(TimeSpan pause, CancellationToken cancellationToken) => Task.Delay(pause, Clock, cancellationToken);

    /// <summary>The pause after <paramref name="failures"/> failed rounds in a row.</summary>
    public static TimeSpan Backoff(int failures, TimeSpan first, TimeSpan max)
    {
        var milliseconds = first.TotalMilliseconds * Math.Pow(2, Math.Clamp(failures - 1, 0, 20));
        return TimeSpan.FromMilliseconds(Math.Min(milliseconds, max.TotalMilliseconds));
    }

    protected sealed override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var first = true;
        while (!stoppingToken.IsCancellationRequested)
        {
            if (!first || RunAtStart)
            {
                try
                {
                    await RunRoundAsync(stoppingToken);
                    Failures = 0;
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception ex)
                {
                    Failures++;
                    metrics.LoopFailed(Job);
                    LogRoundFailed(logger, Job, ex.GetType().Name, $"{ex.TargetSite?.DeclaringType?.Name}.{ex.TargetSite?.Name}", Failures);
                }
            }

            first = false;
            var pause = Failures == 0 ? Interval : Backoff(Failures, FirstBackoff, MaxBackoff);
            try
            {
                await PauseAsync(pause, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Background job {Job} failed with {Error} in {Where} ({Failures} in a row); it backs off and goes on")]
    private static partial void LogRoundFailed(ILogger logger, string job, string error, string where, int failures);
}
