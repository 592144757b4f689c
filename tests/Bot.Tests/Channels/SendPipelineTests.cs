using System.Diagnostics;
using Microsoft.Extensions.Options;
using OimBot.Bot.Outbox;
using OimBot.Bot.Storage;
using OimBot.Content;
using Polly;
using Polly.CircuitBreaker;

namespace OimBot.Bot.Tests.Channels;

/// <summary>The Polly pipeline of one channel, with a scripted sender and no network.</summary>
public sealed class SendPipelineTests
{
    private sealed class ScriptedSender(SendLimits limits, Func<int, SendResult> answer) : IChannelSender
    {
        public int Calls;

        public List<TimeSpan> CalledAt { get; } = [];

        private readonly Stopwatch _clock = Stopwatch.StartNew();

        public string Channel => "scripted";

        public bool Enabled => true;

        public SendLimits Limits => limits;

        public IReadOnlyList<RenderedReply> Shape(RenderedReply reply) => [reply];

        public Task<SendResult> SendAsync(OutboxMessage message, CancellationToken cancellationToken)
        {
            lock (CalledAt)
            {
                CalledAt.Add(_clock.Elapsed);
            }

            return Task.FromResult(answer(Interlocked.Increment(ref Calls)));
        }
    }

    private static readonly OutboxMessage Message = new(1, "scripted", "chat-1", RenderedReply.Plain("hola"), null, 0, null);

    private static SendPipelines Pipelines(OutboxOptions options) => new(Options.Create(options), TimeProvider.System);

    private static async Task<Outcome<SendResult>> RunAsync(SendPipelines pipelines, IChannelSender sender, string recipient = "chat-1")
    {
        var context = ResilienceContextPool.Shared.Get();
        context.Properties.Set(SendPipelines.RecipientKey, recipient);
        try
        {
            return await pipelines.For(sender).ExecuteOutcomeAsync(
                async (ctx, s) => Outcome.FromResult(await s.SendAsync(Message, ctx.CancellationToken)), context, sender);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    [Fact]
    public async Task QuickRetries_RecoverFromABlip()
    {
        using var pipelines = Pipelines(new OutboxOptions { InProcessRetries = 2, InProcessDelay = TimeSpan.FromMilliseconds(5), MinimumThroughput = 100 });
        var sender = new ScriptedSender(new SendLimits(100, null, TimeSpan.FromSeconds(5)), call => call < 3 ? new SendResult.Retryable("503") : new SendResult.Sent("m1"));

        var outcome = await RunAsync(pipelines, sender);

        Assert.Equal(new SendResult.Sent("m1"), outcome.Result);
        Assert.Equal(3, sender.Calls);
    }

    [Fact]
    public async Task ALongRetryAfter_IsNotWaitedInProcess_ButHandedBackToTheOutbox()
    {
        using var pipelines = Pipelines(new OutboxOptions { InProcessRetries = 2, MaxInProcessDelay = TimeSpan.FromSeconds(5) });
        var sender = new ScriptedSender(new SendLimits(100, null, TimeSpan.FromSeconds(5)), _ => new SendResult.Throttled("429", TimeSpan.FromSeconds(30)));

        var outcome = await RunAsync(pipelines, sender);

        Assert.Equal(1, sender.Calls);
        Assert.Equal(TimeSpan.FromSeconds(30), Assert.IsType<SendResult.Throttled>(outcome.Result).RetryAfter);
    }

    [Fact]
    public async Task PermanentErrors_AreNotRetried()
    {
        using var pipelines = Pipelines(new OutboxOptions { InProcessRetries = 3 });
        var sender = new ScriptedSender(new SendLimits(100, null, TimeSpan.FromSeconds(5)), _ => new SendResult.Permanent("400"));

        await RunAsync(pipelines, sender);

        Assert.Equal(1, sender.Calls);
    }

    [Fact]
    public async Task TheCircuitOpensAfterRepeatedFailures_AndStopsCallingTheProvider()
    {
        using var pipelines = Pipelines(new OutboxOptions
        {
            InProcessRetries = 0, MinimumThroughput = 4, FailureRatio = 0.5, SamplingDuration = TimeSpan.FromSeconds(30), BreakDuration = TimeSpan.FromSeconds(30),
        });
        var sender = new ScriptedSender(new SendLimits(1000, null, TimeSpan.FromSeconds(5)), _ => new SendResult.Retryable("500"));

        var outcomes = new List<Outcome<SendResult>>();
        for (var i = 0; i < 10; i++)
        {
            outcomes.Add(await RunAsync(pipelines, sender));
        }

        Assert.Equal(4, sender.Calls);
        Assert.All(outcomes.Skip(4), o => Assert.IsType<BrokenCircuitException>(o.Exception));
    }

    [Fact]
    public async Task ATimeout_EndsATry()
    {
        using var pipelines = Pipelines(new OutboxOptions { InProcessRetries = 0, MinimumThroughput = 100 });
        var sender = new HangingSender();

        var outcome = await RunAsync(pipelines, sender);

        Assert.IsType<Polly.Timeout.TimeoutRejectedException>(outcome.Exception);
    }

    private sealed class HangingSender : IChannelSender
    {
        public string Channel => "hanging";

        public bool Enabled => true;

        public SendLimits Limits => new(100, null, TimeSpan.FromMilliseconds(100));

        public IReadOnlyList<RenderedReply> Shape(RenderedReply reply) => [reply];

        public async Task<SendResult> SendAsync(OutboxMessage message, CancellationToken cancellationToken)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
            return new SendResult.Sent(null);
        }
    }

    [Fact]
    public async Task ThePerRecipientRate_SpacesOneChatsMessages_ButNotOtherChats()
    {
        using var pipelines = Pipelines(new OutboxOptions { InProcessRetries = 0, MinimumThroughput = 100 });
        var sender = new ScriptedSender(new SendLimits(1000, 2, TimeSpan.FromSeconds(5)), _ => new SendResult.Sent("m"));

        var started = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => RunAsync(pipelines, sender, "chat-A")));
        var oneChat = started.Elapsed;
        started.Restart();
        await Task.WhenAll(Enumerable.Range(0, 4).Select(i => RunAsync(pipelines, sender, $"chat-{i}")));

        // 2 per second per chat: the 3rd and 4th message of one chat wait for the next second.
        Assert.True(oneChat >= TimeSpan.FromSeconds(0.9), $"four messages to one chat took {oneChat.TotalMilliseconds} ms");
        Assert.Equal(8, sender.Calls);
    }

    /// <summary>overall per second, per recipient per second (none), recipients: every row, whichever bucket is short, waits its turn.</summary>
    [Theory]
    [InlineData(2, null, "A,B,C,D")]
    [InlineData(2, 1000, "A,B,C,D")]
    [InlineData(1000, 2, "A,A,A,A")]
    [InlineData(2, 2, "A,A,B,B")]
    public async Task EitherBucketShort_MakesTheTryWait_AndNothingIsDropped(double overall, int? perRecipient, string recipients)
    {
        using var pipelines = Pipelines(new OutboxOptions { InProcessRetries = 0, MinimumThroughput = 100 });
        var sender = new ScriptedSender(new SendLimits(overall, perRecipient, TimeSpan.FromSeconds(5)), _ => new SendResult.Sent("m"));

        var started = Stopwatch.StartNew();
        var outcomes = await Task.WhenAll(recipients.Split(',').Select(r => RunAsync(pipelines, sender, r)));

        // Two tokens at once, the 3rd and 4th try once the bucket is refilled a second later (the tokens taken at once and
        // the waits share the buckets).
        Assert.True(started.Elapsed >= TimeSpan.FromSeconds(0.9), $"four tries took {started.Elapsed.TotalMilliseconds} ms");
        Assert.All(outcomes, o => Assert.IsType<SendResult.Sent>(o.Result));
        Assert.Equal(4, sender.Calls);
    }

    [Theory]
    [InlineData(0, null, 100, 125)]
    [InlineData(3, null, 600, 1000)]
    [InlineData(30, null, 7500, 12500)]         // capped at MaxDelay (10 s) ± 25 %
    [InlineData(0, 5000, 5000, 5000)]           // the provider's retry-after wins when longer
    public void DurableBackoff_IsJitteredExponentialCappedAndHonoursRetryAfter(int attempts, int? retryAfterMs, int minMs, int maxMs)
    {
        var options = new OutboxOptions { BaseDelay = TimeSpan.FromMilliseconds(100), MaxDelay = TimeSpan.FromSeconds(10) };
        for (var i = 0; i < 50; i++)
        {
            var delay = OutboxDispatcher.Backoff(attempts, retryAfterMs is { } ms ? TimeSpan.FromMilliseconds(ms) : null, options);
            Assert.InRange(delay.TotalMilliseconds, minMs * (retryAfterMs is null ? 0.75 : 1), maxMs * (retryAfterMs is null ? 1.25 : 1));
        }
    }
}
