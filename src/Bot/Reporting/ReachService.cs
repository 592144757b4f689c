using Microsoft.Extensions.Options;
using OimBot.Analytics;
using OimBot.Bot.Channels;
using OimBot.Bot.ContentHosting;
using OimBot.Bot.Handoff;

namespace OimBot.Bot.Reporting;

/// <summary>Builds the one report every output (page, CSV, command line) shows: aggregated, then suppressed.</summary>
public sealed class ReachService(AnalyticsStore store, ContentHost content, IOptions<AnalyticsOptions> options, TimeProvider clock)
{
    /// <summary>Channels listed even with nobody on them, so an empty period shows zeros.</summary>
    public static IReadOnlyList<string> KnownChannels { get; } = [ChannelNames.WhatsApp, ChannelNames.Telegram, ChannelNames.Twilio, ChannelNames.WebChat];

    /// <summary>The report for the whole months that hold <paramref name="asked"/> (R19); it says when it widened them.</summary>
    public async Task<PublishedReport> ReportAsync(ReportRange asked, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(asked);
        var (activity, counts) = await store.LoadAsync(ReachAggregator.DaysToLoad(asked), cancellationToken);
        var dimensions = Dimensions();
        return PublishedReport.From(ReachAggregator.Aggregate(asked, activity, counts, dimensions), dimensions);
    }

    /// <summary>The reporting period that contains today (the page's default).</summary>
    public ReportingPeriod CurrentPeriod() => ReportingPeriod.Of(PanamaTime.Today(clock), options.Value.Period);

    public PeriodLength PeriodLength => options.Value.Period;

    public DateOnly Today => PanamaTime.Today(clock);

    /// <summary>
    /// Languages and topics from the content; a topic is sensitive (counts under 10 hidden) when its flow or any of its
    /// nodes is marked sensitive, or it is listed in Analytics:SensitiveTopics.
    /// </summary>
    public ReportDimensions Dimensions()
    {
        var set = content.Current;
        var topics = set.Flows.Values.Select(f => f.Topic).Where(t => t != "general").Distinct().Order(StringComparer.Ordinal).ToList();
        var sensitive = set.NodeList.Where(set.IsSensitive).Select(set.TopicOf)
            .Concat(options.Value.SensitiveTopics)
            .ToHashSet(StringComparer.Ordinal);
        return new ReportDimensions(
            KnownChannels,
            set.Languages,
            topics,
            sensitive,
            set.NodeList.ToDictionary(n => n.Id, set.TopicOf, StringComparer.Ordinal),
            [.. CaseOutcomes.ForCaseworkers, CaseOutcomes.UserLeft, CaseOutcomes.UserStopped, CaseOutcomes.UserWithdrew, CaseOutcomes.Expired]);
    }
}
