using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using OimBot.Bot.Operations;

namespace OimBot.Bot.Tests.Operations;

/// <summary>PostgreSQL's storage figures on /metrics (issue 15): what group commit and the reads ahead did.</summary>
public sealed class StorageMetricsTests
{
    [Fact]
    public void GroupsByOutcome_AndReadsAhead_AreObservedAsCounted()
    {
        var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        using var metrics = new BotMetrics(services.GetRequiredService<IMeterFactory>());
        metrics.ObserveTurnGroups(() => (Groups: 12, Turns: 40, Failed: 3));
        metrics.ObserveReadsAhead(() => (Reads: 5, People: 17));
        var seen = new Dictionary<string, long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == BotMetrics.MeterName && instrument.Name.StartsWith("oimbot.storage.", StringComparison.Ordinal))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            var outcome = tags.Length > 0 ? $"{{{tags[0].Value}}}" : string.Empty;
            seen[instrument.Name + outcome] = value;
        });
        listener.Start();
        listener.RecordObservableInstruments();

        Assert.Equal(
            new Dictionary<string, long>
            {
                ["oimbot.storage.turn_groups{committed}"] = 9,
                ["oimbot.storage.turn_groups{failed}"] = 3,
                ["oimbot.storage.grouped_turns"] = 40,
                ["oimbot.storage.reads_ahead"] = 5,
                ["oimbot.storage.rows_read_ahead"] = 17,
            },
            seen);
    }
}
