using Microsoft.Extensions.Options;
using OimBot.Bot.Storage;
using Polly;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace OimBot.Bot.Channels.Outbox;

/// <summary>
/// Sends outbox rows in the background: claims due rows (one per recipient, oldest first), sends each through its
/// channel's pipeline, and records the outcome. A row is never lost: a failed attempt is rescheduled with jittered
/// exponential backoff (or the provider's retry-after), the last one is dead-lettered, and rows claimed by a crashed
/// process come back when their lease runs out.
/// </summary>
public sealed partial class OutboxDispatcher(
    IConversationStore store,
    IEnumerable<IChannelSender> senders,
    SendPipelines pipelines,
    OutboxSignal signal,
    TimeProvider clock,
    IOptions<OutboxOptions> options,
    ILogger<OutboxDispatcher> logger) : BackgroundService
{
    private readonly Dictionary<string, IChannelSender> _senders = senders.ToDictionary(s => s.Channel, StringComparer.Ordinal);

    /// <summary>Claims and sends one batch; returns how many rows it handled (tests and the benchmark drive it too).</summary>
    public async Task<int> DispatchOnceAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var batch = await store.ClaimOutboxAsync(clock.GetUtcNow(), settings.BatchSize, settings.Lease, cancellationToken);
        if (batch.Count > 0)
        {
            await Parallel.ForEachAsync(
                batch,
                new ParallelOptions { MaxDegreeOfParallelism = settings.Concurrency, CancellationToken = cancellationToken },
                async (message, token) => await SendOneAsync(message, token));
        }

        return batch.Count;
    }

    /// <summary>
    /// Keeps up to <see cref="OutboxOptions.Concurrency"/> sends in flight and claims more as soon as one finishes or
    /// new replies are queued, so a slow or hung provider call never holds up other recipients.
    /// </summary>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var inFlight = new List<Task>();
        Task<bool>? wakeUp = null;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var settings = options.Value;
                inFlight.RemoveAll(t => t.IsCompleted);
                var capacity = settings.Concurrency - inFlight.Count;
                var claimed = capacity > 0
                    ? await store.ClaimOutboxAsync(clock.GetUtcNow(), Math.Min(capacity, settings.BatchSize), settings.Lease, stoppingToken)
                    : [];
                foreach (var message in claimed)
                {
                    inFlight.Add(SendOneAsync(message, stoppingToken));
                }

                if (claimed.Count > 0 && claimed.Count == capacity)
                {
                    await Task.WhenAny(inFlight); // full: wait for a free slot
                    continue;
                }

                wakeUp ??= signal.WaitAsync(settings.PollInterval, stoppingToken);
                await Task.WhenAny([.. inFlight, wakeUp]);
                if (wakeUp.IsCompleted)
                {
                    wakeUp = null;
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                // The database is unavailable or similar: nothing is lost, the rows wait.
                LogDispatchFailed(logger, ex.GetType().Name);
                await Task.Delay(options.Value.PollInterval, clock, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }

        await Task.WhenAll(inFlight).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private async Task SendOneAsync(OutboxMessage message, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        OutboxOutcome outcome;
        if (!_senders.TryGetValue(message.Channel, out var sender) || !sender.Enabled)
        {
            outcome = Reschedule(message, "channel not enabled", null, now);
        }
        else if (message.WindowExpiresAt is { } window && window <= now)
        {
            outcome = new OutboxOutcome.NeedsTemplate();
        }
        else
        {
            var result = await SendThroughPipelineAsync(sender, message, cancellationToken);
            outcome = Decide(message, result, clock.GetUtcNow());
        }

        try
        {
            // Recorded even when shutting down, so a row that was sent is never sent again.
            await store.CompleteOutboxAsync(message.Id, outcome, clock.GetUtcNow(), CancellationToken.None);
            LogOutcome(logger, message.Id, message.Channel, outcome.GetType().Name);
        }
        catch (Exception ex)
        {
            // The row stays claimed and comes back when its lease ends; a sent one may then go twice (at-least-once).
            LogDispatchFailed(logger, ex.GetType().Name);
        }
    }

    private async Task<SendResult> SendThroughPipelineAsync(IChannelSender sender, OutboxMessage message, CancellationToken cancellationToken)
    {
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(SendPipelines.RecipientKey, message.Address);
        try
        {
            var outcome = await pipelines.For(sender).ExecuteOutcomeAsync(
                static async (ctx, state) => Outcome.FromResult(await state.Sender.SendAsync(state.Message, ctx.CancellationToken)),
                context,
                (Sender: sender, Message: message));
            return outcome.Exception switch
            {
                null => outcome.Result!,
                BrokenCircuitException broken => new SendResult.Retryable("circuit open", broken.RetryAfter ?? options.Value.BreakDuration),
                TimeoutRejectedException => new SendResult.Retryable("timeout"),
                HttpRequestException http => new SendResult.Retryable($"network: {http.HttpRequestError}"),
                OperationCanceledException when cancellationToken.IsCancellationRequested => new SendResult.Retryable("shutting down", TimeSpan.Zero),
                _ => new SendResult.Retryable(outcome.Exception.GetType().Name),
            };
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    private OutboxOutcome Decide(OutboxMessage message, SendResult result, DateTimeOffset now) => result switch
    {
        SendResult.Sent sent => new OutboxOutcome.Sent(sent.ProviderMessageId),
        SendResult.Retryable retry => Reschedule(message, retry.Error, retry.RetryAfter, now),
        SendResult.Throttled throttled => Reschedule(message, throttled.Error, throttled.RetryAfter, now),
        SendResult.Permanent permanent => new OutboxOutcome.Failed(permanent.Error),
        SendResult.UserBlocked blocked => new OutboxOutcome.Blocked(blocked.Error),
        SendResult.NeedsTemplate => new OutboxOutcome.NeedsTemplate(),
        _ => Reschedule(message, result.GetType().Name, null, now),
    };

    private OutboxOutcome Reschedule(OutboxMessage message, string error, TimeSpan? retryAfter, DateTimeOffset now)
    {
        var settings = options.Value;
        if (message.Attempts + 1 >= settings.MaxAttempts)
        {
            LogDeadLettered(logger, message.Id, message.Channel, message.Attempts + 1, error);
            return new OutboxOutcome.Dead(error);
        }

        return new OutboxOutcome.RetryLater(error, now + Backoff(message.Attempts, retryAfter, settings));
    }

    /// <summary>BaseDelay × 2^attempts with ±25 % jitter, capped at MaxDelay; never sooner than the provider asked.</summary>
    internal static TimeSpan Backoff(int attempts, TimeSpan? retryAfter, OutboxOptions settings)
    {
        var exponential = settings.BaseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempts, 30));
        var capped = Math.Min(exponential, settings.MaxDelay.TotalMilliseconds);
        var jittered = TimeSpan.FromMilliseconds(capped * (0.75 + (Random.Shared.NextDouble() * 0.5)));
        return retryAfter is { } after && after > jittered ? after : jittered;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Outbox row {Id} on {Channel}: {Outcome}")]
    private static partial void LogOutcome(ILogger logger, long id, string channel, string outcome);

    [LoggerMessage(Level = LogLevel.Error, Message = "Outbox row {Id} on {Channel} dead-lettered after {Attempts} attempts: {Error}. `outbox status` lists it; `outbox retry-dead` re-queues it")]
    private static partial void LogDeadLettered(ILogger logger, long id, string channel, int attempts, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The outbox dispatcher could not run ({Error}); it retries")]
    private static partial void LogDispatchFailed(ILogger logger, string error);
}
