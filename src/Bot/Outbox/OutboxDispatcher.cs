using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using OimBot.Bot.Operations;
using OimBot.Bot.Storage;
using OimBot.Content;
using Polly;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace OimBot.Bot.Outbox;

/// <summary>
/// Sends outbox rows in the background: claims due rows (one per recipient, oldest first), sends each through its
/// channel's pipeline, and records the outcome. A row is never lost: a failed attempt is rescheduled with jittered
/// exponential backoff (or the provider's retry-after), the last one is dead-lettered, and rows claimed by a crashed
/// process come back when their lease runs out.
/// </summary>
public sealed partial class OutboxDispatcher(
    IOutboxStore store,
    IEnumerable<IChannelSender> senders,
    SendPipelines pipelines,
    OutboxSignal signal,
    TimeProvider clock,
    IOptions<OutboxOptions> options,
    BotMetrics metrics,
    ILogger<OutboxDispatcher> logger,
    ContentHosting.ContentHost? content = null) : BackgroundService
{
    private readonly Dictionary<string, IChannelSender> _senders = senders.ToDictionary(s => s.Channel, StringComparer.Ordinal);

    /// <summary>How long a row for a disabled channel waits before it is looked at again (the channel comes back with a restart).</summary>
    public static readonly TimeSpan DisabledChannelWait = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Outcomes the database could not record (locked, read-only, gone): kept here and written before anything else is
    /// claimed, so a message the provider accepted is never sent again when its lease runs out.
    /// </summary>
    private readonly ConcurrentQueue<(long Id, OutboxOutcome Outcome)> _unrecorded = new();

    /// <summary>Outcomes waiting for the database (shown in /healthz and /metrics).</summary>
    public int Unrecorded => _unrecorded.Count;

    /// <summary>Writes the outcomes kept while the database failed, oldest first; false while it still fails.</summary>
    public async Task<bool> RecordKeptOutcomesAsync(CancellationToken cancellationToken)
    {
        while (_unrecorded.TryPeek(out var kept))
        {
            try
            {
                await store.CompleteAsync(kept.Id, kept.Outcome, clock.GetUtcNow(), cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogStillUnrecorded(logger, _unrecorded.Count, ex.GetType().Name);
                return false;
            }

            _unrecorded.TryDequeue(out _);
            signal.Notify(); // the person's next row may be claimable now
            LogRecordedLate(logger, kept.Id);
        }

        return true;
    }

    /// <summary>Claims and sends one batch; returns how many rows it handled (tests and the benchmark drive it too).</summary>
    public async Task<int> DispatchOnceAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (!await RecordKeptOutcomesAsync(cancellationToken))
        {
            return 0;
        }

        var batch = await store.ClaimAsync(clock.GetUtcNow(), settings.BatchSize, settings.Lease, cancellationToken);
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
    /// Keeps up to <see cref="OutboxOptions.Concurrency"/> sends in flight, so a slow or hung provider call never holds up
    /// other recipients. It claims when rows may be waiting, and not after every send: when a turn or a caseworker
    /// queued a row it was not handed, when a sent row's person has another row waiting, when its last claim filled
    /// every free slot, and every <see cref="OutboxOptions.PollInterval"/> (retries that came due, other instances'
    /// rows, leases that ran out). Most replies are handed over by their turn, so most sends need no claim (issue 15).
    /// </summary>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var inFlight = new List<Task>();
        Task<bool>? wakeUp = null;
        var failures = 0;
        var claimDue = true;
        var lastClaim = DateTimeOffset.MinValue;
        signal.Open(options.Value.Concurrency, options.Value.Lease);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var settings = options.Value;
                inFlight.RemoveAll(t => t.IsCompleted);
                if (!await RecordKeptOutcomesAsync(stoppingToken))
                {
                    // The database still fails: claiming now could hand out a row that was already sent.
                    throw new TimeoutException("outcomes waiting for the database");
                }

                // Rows turns claimed for this instance first: they are already this instance's, no claim needed.
                while (inFlight.Count < settings.Concurrency && signal.TryTake(out var handed))
                {
                    inFlight.Add(SendHandedAsync(handed, stoppingToken));
                    metrics.Taken("handed", 1);
                }

                var capacity = settings.Concurrency - inFlight.Count - signal.Waiting;
                // The poll counts from the last claim: handed rows wake the loop all the time under load.
                claimDue |= signal.TakeClaimRequest() | (clock.GetUtcNow() - lastClaim >= settings.PollInterval);
                IReadOnlyList<OutboxMessage> claimed = [];
                if (capacity > 0 && claimDue)
                {
                    claimDue = false;
                    lastClaim = clock.GetUtcNow();
                    claimed = await store.ClaimAsync(clock.GetUtcNow(), Math.Min(capacity, settings.BatchSize), settings.Lease, stoppingToken);
                    metrics.Claimed(claimed.Count);
                }

                foreach (var message in claimed)
                {
                    inFlight.Add(SendOneAsync(message, stoppingToken));
                }

                if (claimed.Count > 0)
                {
                    metrics.Taken("claimed", claimed.Count);
                }

                if (claimed.Count > 0 && claimed.Count == Math.Min(capacity, settings.BatchSize))
                {
                    claimDue = true; // every slot taken: more may wait
                    if (claimed.Count == capacity)
                    {
                        await Task.WhenAny(inFlight); // full: wait for a free slot
                        continue;
                    }
                }

                wakeUp ??= signal.WaitAsync(settings.PollInterval, stoppingToken);
                await Task.WhenAny([.. inFlight, wakeUp]);
                if (wakeUp.IsCompleted)
                {
                    claimDue |= !await wakeUp; // the poll: no signal came within the interval
                    wakeUp = null;
                }

                failures = 0;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                // The database is unavailable, or a bug: nothing is lost, the rows wait; the loop backs off and goes on.
                failures++;
                metrics.LoopFailed("outbox");
                LogDispatchFailed(logger, ex.GetType().Name);
                var wait = TimeSpan.FromMilliseconds(Math.Min(options.Value.PollInterval.TotalMilliseconds * Math.Pow(2, Math.Min(failures, 16)), 30_000));
                await Task.Delay(wait, clock, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }

        // Handed rows not sent yet go back to the queue at once, for this or another instance, instead of waiting out their lease.
        signal.Close();
        while (signal.TryTake(out var unsent))
        {
            inFlight.Add(ReturnHandedAsync(unsent));
        }

        await Task.WhenAll(inFlight).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);

        // Last chance for outcomes the database did not take: a few tries before the process ends.
        for (var attempt = 0; attempt < 5 && !await RecordKeptOutcomesAsync(CancellationToken.None); attempt++)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(200), clock, CancellationToken.None);
        }
    }

    /// <summary>
    /// Sends a row a turn claimed and handed over. A row whose lease ran out while it waited here (the dispatcher was
    /// held up, e.g. by a database outage) is not sent: the claim may already have given it to a sender again.
    /// </summary>
    private async Task SendHandedAsync(HandedRow handed, CancellationToken cancellationToken)
    {
        try
        {
            if (handed.LeaseUntil > clock.GetUtcNow())
            {
                await SendOneAsync(handed.Message, cancellationToken);
            }
        }
        finally
        {
            signal.Unreserve();
        }
    }

    /// <summary>A handed row not sent at shutdown is due again at once (as a claimed row is after its lease).</summary>
    private async Task ReturnHandedAsync(HandedRow handed)
    {
        try
        {
            await RecordAsync(handed.Message, new OutboxOutcome.Deferred(ShuttingDown, clock.GetUtcNow()));
        }
        finally
        {
            signal.Unreserve();
        }
    }

    private async Task SendOneAsync(OutboxMessage message, CancellationToken cancellationToken)
    {
        var settled = signal.Sending(message.Channel, message.Address);
        try
        {
            await SendAndRecordAsync(message, cancellationToken);
        }
        finally
        {
            signal.Settled(message.Channel, message.Address, settled);
        }
    }

    private async Task SendAndRecordAsync(OutboxMessage message, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        OutboxOutcome outcome;
        if (!_senders.TryGetValue(message.Channel, out var sender) || !sender.Enabled)
        {
            // The interface promises that these rows wait: never an attempt, never a dead letter.
            outcome = new OutboxOutcome.Deferred("channel not enabled", now + DisabledChannelWait);
        }
        else if (cancellationToken.IsCancellationRequested)
        {
            outcome = new OutboxOutcome.Deferred("shutting down", now);
        }
        else if (message.Template is null && message.WindowExpiresAt is { } window && window <= now)
        {
            // Known to be outside the window: not tried (Meta and Twilio would refuse it), held for the person's next message.
            outcome = Hold("customer service window closed");
        }
        else
        {
            var result = await SendThroughPipelineAsync(sender, message, cancellationToken);
            outcome = result is SendResult.Retryable { Error: ShuttingDown }
                ? new OutboxOutcome.Deferred(ShuttingDown, clock.GetUtcNow())
                : Decide(message, result, clock.GetUtcNow());
            metrics.Send(message.Channel, SendResultName(result));
        }

        await RecordAsync(message, outcome);
    }

    private async Task RecordAsync(OutboxMessage message, OutboxOutcome outcome)
    {
        try
        {
            // Recorded even when shutting down, so a row that was sent is never sent again.
            if (await store.CompleteAsync(message.Id, outcome, clock.GetUtcNow(), CancellationToken.None))
            {
                signal.Notify(); // the person's next row may be claimable now
            }

            LogOutcome(logger, message.Id, message.Channel, outcome.GetType().Name);
        }
        catch (Exception ex)
        {
            // Kept and written before the next claim: the row is never handed out again while its outcome waits.
            _unrecorded.Enqueue((message.Id, outcome));
            LogKeptOutcome(logger, message.Id, ex.GetType().Name);
        }
    }

    private const string ShuttingDown = "shutting down";

    private static string SendResultName(SendResult result) => result switch
    {
        SendResult.Sent => "sent",
        SendResult.Throttled => "throttled",
        SendResult.Retryable => "retryable",
        SendResult.Permanent => "permanent",
        SendResult.UserBlocked => "blocked",
        SendResult.NeedsTemplate => "window",
        SendResult.TemplateRefused => "template",
        _ => "other",
    };

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
                OperationCanceledException when cancellationToken.IsCancellationRequested => new SendResult.Retryable(ShuttingDown, TimeSpan.Zero),
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
        SendResult.NeedsTemplate window => message.Template is null ? Hold(window.Error) : new OutboxOutcome.Failed(window.Error),
        SendResult.TemplateRefused { Paused: true } paused => Reschedule(message, paused.Error, PausedTemplateRetry, now),
        SendResult.TemplateRefused refused => new OutboxOutcome.Failed(refused.Error),
        _ => Reschedule(message, result.GetType().Name, null, now),
    };

    /// <summary>How long a paused template waits before it is tried again (Meta lifts a first pause after 3 hours, a second after 6).</summary>
    public static readonly TimeSpan PausedTemplateRetry = TimeSpan.FromHours(1);

    /// <summary>The row waits for the person's next message; the "a reply is waiting" template asks them to write.</summary>
    private OutboxOutcome.Held Hold(string error)
    {
        var template = content is { IsLoaded: true } ? content.Current.Templates.FirstOrDefault(t => t.Id == MessageTemplate.ReplyWaiting) : null;
        var note = template is null || content is null
            ? "Fuera de la ventana de 24 h de WhatsApp: la respuesta queda retenida y sale en cuanto la persona escriba. No hay plantilla en el contenido para avisarle."
            : $"Fuera de la ventana de 24 h de WhatsApp: se envió la plantilla «{template.Name}» («{template.Text[content.Current.Common.SourceLanguage]}»). La respuesta queda retenida y sale en cuanto la persona escriba.";
        return new OutboxOutcome.Held(error, MessageTemplate.ReplyWaiting, note);
    }

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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outbox row {Id}: the database could not record its outcome ({Error}); kept, and written before anything else is sent")]
    private static partial void LogKeptOutcome(ILogger logger, long id, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} outbox outcome(s) still wait for the database ({Error})")]
    private static partial void LogStillUnrecorded(ILogger logger, int count, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Outbox row {Id}: its outcome was recorded once the database answered")]
    private static partial void LogRecordedLate(ILogger logger, long id);
}
