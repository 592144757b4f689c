using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using OimBot.Bot.Operations;
using OimBot.Bot.Tests.TestHost;

namespace OimBot.Bot.Tests.Operations;

public sealed class BackgroundLoopTests
{
    /// <summary>A job whose first rounds throw whatever a bug throws; it must go on, and then run normally.</summary>
    private sealed class FlakyJob(Queue<Exception> failures, BotMetrics metrics, ILogger logger) : BackgroundLoop("flaky", TimeProvider.System, metrics, logger)
    {
        public int Rounds;

        public TaskCompletionSource Healthy { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        protected override TimeSpan Interval => TimeSpan.FromMilliseconds(10);

        protected override TimeSpan FirstBackoff => TimeSpan.FromMilliseconds(10);

        protected override TimeSpan MaxBackoff => TimeSpan.FromMilliseconds(40);

        protected override Task RunRoundAsync(CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Rounds);
            if (failures.TryDequeue(out var failure))
            {
                throw failure;
            }

            Healthy.TrySetResult();
            return Task.CompletedTask;
        }
    }

    [Fact]
    public async Task ARoundThatThrowsAnything_IsLoggedCountedAndFollowedByTheNextRound_TheJobNeverStops()
    {
        var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        using var metrics = new BotMetrics(services.GetRequiredService<IMeterFactory>());
        using var listener = new MeterListener();
        var counted = 0L;
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == BotMetrics.MeterName && instrument.Name == "oimbot.background.failures")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref counted, value));
        listener.Start();
        var logs = new LogCapture();
        Queue<Exception> failures = new([new InvalidOperationException("a person's words"), new ArgumentOutOfRangeException("x"), new System.Text.Json.JsonException(), new IOException()]);
        using var job = new FlakyJob(failures, metrics, logs.CreateLogger("test"));

        await job.StartAsync(CancellationToken.None);
        await job.Healthy.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await job.StopAsync(CancellationToken.None);

        Assert.True(job.Rounds >= 5);
        Assert.Equal(0, job.Failures);
        Assert.Equal(4, Interlocked.Read(ref counted));
        Assert.Contains("Background job flaky failed with ArgumentOutOfRangeException", logs.All, StringComparison.Ordinal);
        Assert.DoesNotContain("a person's words", logs.All, StringComparison.Ordinal); // exception messages can quote people
        Assert.True(job.ExecuteTask!.IsCompletedSuccessfully);
    }

    /// <summary>failures in a row, first pause, longest pause, expected pause.</summary>
    public static TheoryData<int, int, int, int> Pauses => new()
    {
        { 1, 1000, 60_000, 1000 },
        { 2, 1000, 60_000, 2000 },
        { 6, 1000, 60_000, 32_000 },
        { 7, 1000, 60_000, 60_000 },
        { 1000, 1000, 60_000, 60_000 },
    };

    [Theory]
    [MemberData(nameof(Pauses))]
    public void ThePauseDoubles_UpToItsLimit(int failures, int first, int max, int expected) =>
        Assert.Equal(TimeSpan.FromMilliseconds(expected), BackgroundLoop.Backoff(failures, TimeSpan.FromMilliseconds(first), TimeSpan.FromMilliseconds(max)));
}
