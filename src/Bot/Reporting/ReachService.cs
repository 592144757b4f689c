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

    /// <summary>
    /// The report for the whole months that hold <paramref name="asked"/>, as far as they may be published today (R19:
    /// the month still running up to a Sunday, see <see cref="ReportCoverage"/>); no report when none of it may be yet.
    /// </summary>
    public async Task<ReachAnswer> ReportAsync(ReportRange asked, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(asked);
        var coverage = ReportCoverage.Of(asked, Today);
        if (coverage.Covered is null)
        {
            return new ReachAnswer(coverage, null);
        }

        var (activity, counts) = await store.LoadAsync(ReachAggregator.DaysToLoad(coverage), cancellationToken);
        var dimensions = Dimensions();
        return new ReachAnswer(coverage, PublishedReport.From(ReachAggregator.Aggregate(coverage, activity, counts, dimensions), dimensions));
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

/// <summary>What may be published for the dates asked, and the report of it; <see cref="Report"/> is null when nothing is yet.</summary>
public sealed record ReachAnswer(ReportCoverage Coverage, PublishedReport? Report);
