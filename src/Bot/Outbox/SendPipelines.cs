using System.Collections.Concurrent;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;

namespace OimBot.Bot.Outbox;

/// <summary>
/// One Polly pipeline per channel, outermost first: quick retries (jittered exponential, honouring the provider's
/// retry-after), the channel's rate limits (overall and per recipient; the overall one also across instances when
/// <see cref="ISharedSendRate"/> is there), a circuit breaker, and a timeout per try.
/// </summary>
public sealed class SendPipelines(IOptions<OutboxOptions> options, TimeProvider clock, ISharedSendRate? shared = null) : IDisposable
{
    public static readonly ResiliencePropertyKey<string> RecipientKey = new("oimbot.recipient");

    private readonly ConcurrentDictionary<string, (ResiliencePipeline<SendResult> Pipeline, IDisposable Limits)> _pipelines = new();

    public ResiliencePipeline<SendResult> For(IChannelSender sender)
    {
        ArgumentNullException.ThrowIfNull(sender);
        return _pipelines.GetOrAdd(sender.Channel, channel => Build(channel, sender.Limits)).Pipeline;
    }

    public void Dispose()
    {
        foreach (var (_, limits) in _pipelines.Values)
        {
            limits.Dispose();
        }
    }

    private (ResiliencePipeline<SendResult>, IDisposable) Build(string channel, SendLimits limits)
    {
        var settings = options.Value;
        var rateLimits = new RateLimits(channel, limits, shared);
        var pipeline = new ResiliencePipelineBuilder<SendResult> { TimeProvider = clock }
            .AddRetry(new RetryStrategyOptions<SendResult>
            {
                MaxRetryAttempts = Math.Max(1, settings.InProcessRetries),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = settings.InProcessDelay,
                ShouldHandle = args => ValueTask.FromResult(settings.InProcessRetries > 0 && args.Outcome switch
                {
                    { Exception: TimeoutRejectedException or HttpRequestException } => true,
                    { Result: SendResult.Retryable r } => (r.RetryAfter ?? TimeSpan.Zero) <= settings.MaxInProcessDelay,
                    { Result: SendResult.Throttled t } => (t.RetryAfter ?? TimeSpan.Zero) <= settings.MaxInProcessDelay,
                    _ => false,
                }),
                DelayGenerator = args => ValueTask.FromResult(args.Outcome.Result switch
                {
                    SendResult.Throttled { RetryAfter: { } after } => (TimeSpan?)after,
                    SendResult.Retryable { RetryAfter: { } after } => after,
                    _ => null, // the exponential, jittered default
                }),
            })
            .AddStrategy(_ => new RateLimitStrategy(rateLimits), new RateLimitStrategyOptions())
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions<SendResult>
            {
                FailureRatio = settings.FailureRatio,
                MinimumThroughput = settings.MinimumThroughput,
                SamplingDuration = settings.SamplingDuration,
                BreakDuration = settings.BreakDuration,
                ShouldHandle = args => ValueTask.FromResult(args.Outcome is { Exception: TimeoutRejectedException or HttpRequestException } or { Result: SendResult.Retryable }),
            })
            .AddTimeout(limits.Timeout)
            .Build();
        return (pipeline, rateLimits);
    }

    /// <summary>Token buckets: the channel's overall rate and, where the provider sets one, a rate per recipient.</summary>
    internal sealed class RateLimits : IDisposable
    {
        public RateLimits(string channel, SendLimits limits, ISharedSendRate? shared)
        {
            Channel = channel;
            PerSecond = limits.MessagesPerSecond;
            Shared = shared;
            Overall = Bucket(limits.MessagesPerSecond);
            PerRecipient = limits.PerRecipientPerSecond is { } perRecipient
                ? PartitionedRateLimiter.Create<string, string>(key => RateLimitPartition.GetTokenBucketLimiter(key, _ => BucketOptions(perRecipient, autoReplenishment: false)))
                : null;
        }

        public string Channel { get; }

        public double PerSecond { get; }

        /// <summary>The same overall limit across instances (PostgreSQL), or null with one instance.</summary>
        public ISharedSendRate? Shared { get; }

        public RateLimiter Overall { get; }

        public PartitionedRateLimiter<string>? PerRecipient { get; }

        public void Dispose()
        {
            Overall.Dispose();
            PerRecipient?.Dispose();
        }

        private static TokenBucketRateLimiter Bucket(double perSecond) => new(BucketOptions(perSecond));

        /// <param name="autoReplenishment">
        /// false for a recipient's bucket: the partitioned limiter replenishes its buckets from one timer (every 100 ms),
        /// instead of a timer per person for as long as their bucket lives (tens of thousands in a busy hour)
        /// </param>
        private static TokenBucketRateLimiterOptions BucketOptions(double perSecond, bool autoReplenishment = true)
        {
            // Whole tokens per period: 30/s is 30 tokens each second; 0.5/s is one token every two seconds.
            var tokens = Math.Max(1, (int)Math.Floor(perSecond));
            return new TokenBucketRateLimiterOptions
            {
                TokenLimit = tokens,
                TokensPerPeriod = tokens,
                ReplenishmentPeriod = TimeSpan.FromSeconds(tokens / perSecond),
                QueueLimit = 100_000,
                QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
                AutoReplenishment = autoReplenishment,
            };
        }
    }

    internal sealed class RateLimitStrategyOptions : ResilienceStrategyOptions
    {
        public RateLimitStrategyOptions() => Name = "RateLimit";
    }

    /// <summary>
    /// Waits for a token from the overall bucket, for the channel's slot across instances, and for a token from the
    /// recipient's bucket, before each try. The shared slot's wait is real time (the database's clock decides it).
    /// </summary>
    internal sealed class RateLimitStrategy(RateLimits limits) : ResilienceStrategy<SendResult>
    {
        protected override ValueTask<Outcome<SendResult>> ExecuteCore<TState>(
            Func<ResilienceContext, TState, ValueTask<Outcome<SendResult>>> callback,
            ResilienceContext context,
            TState state)
        {
            // The usual case: both tokens are there now (and no rate shared across instances). A token bucket's lease
            // holds nothing back when it is disposed, so the try runs on as it is, without a wait of this strategy's
            // own (issue 15: no state machine per send). Otherwise, or when others already wait, the waiting path.
            if (limits.Shared is null && TryTakeNow(context))
            {
                return callback(context, state);
            }

            return WaitThenRunAsync(callback, context, state);
        }

        private bool TryTakeNow(ResilienceContext context)
        {
            var recipientKey = limits.PerRecipient is not null && context.Properties.TryGetValue(RecipientKey, out var key) ? key : null;
            if (recipientKey is not null && limits.PerRecipient!.AttemptAcquire(recipientKey, 0) is { IsAcquired: false } checkedLease)
            {
                checkedLease.Dispose();
                return false; // the person's bucket has no token, or others wait for it: nothing taken
            }

            using var overall = limits.Overall.AttemptAcquire(1);
            if (!overall.IsAcquired)
            {
                return false;
            }

            if (recipientKey is null)
            {
                return true;
            }

            using var recipient = limits.PerRecipient!.AttemptAcquire(recipientKey, 1);
            if (recipient.IsAcquired)
            {
                return true;
            }

            // Taken by another send to the same person in between (rare: the dispatcher sends one row per person at a
            // time): this try waits for the person's token, and the overall token taken here is spent for nothing.
            return false;
        }

        private async ValueTask<Outcome<SendResult>> WaitThenRunAsync<TState>(
            Func<ResilienceContext, TState, ValueTask<Outcome<SendResult>>> callback,
            ResilienceContext context,
            TState state)
        {
            using var overall = await limits.Overall.AcquireAsync(1, context.CancellationToken);
            if (limits.Shared is { } shared && await shared.ReserveAsync(limits.Channel, limits.PerSecond, context.CancellationToken) is { } wait && wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, TimeProvider.System, context.CancellationToken);
            }

            RateLimitLease? recipient = null;
            try
            {
                if (limits.PerRecipient is { } perRecipient && context.Properties.TryGetValue(RecipientKey, out var key))
                {
                    recipient = await perRecipient.AcquireAsync(key, 1, context.CancellationToken);
                }

                return await callback(context, state);
            }
            finally
            {
                recipient?.Dispose();
            }
        }
    }
}
