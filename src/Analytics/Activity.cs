namespace OimBot.Analytics;

/// <summary>How far a person got in a topic: the funnel steps, in order.</summary>
public static class Steps
{
    /// <summary>Sent at least one message (reach). Recorded with the topic "".</summary>
    public const string Active = "active";

    public const string Entered = "entered";

    /// <summary>Read an answer in the topic (a message node, not only its menu).</summary>
    public const string Information = "information";

    /// <summary>Completed the AVR pre-screening questions (never the answers).</summary>
    public const string Prescreening = "prescreening";

    /// <summary>Asked for a person.</summary>
    public const string Handoff = "handoff";

    public static IReadOnlyList<string> Funnel { get; } = [Entered, Information, Prescreening, Handoff];
}

/// <summary>
/// One fact about a person on a day, without the person (the store adds the period's pseudonym): active on a channel in
/// a language, or reached a funnel step in a topic. Unique reach is counted from these.
/// </summary>
public sealed record ActivityStep(DateOnly Day, string Channel, string Language, string Topic, string Step)
{
    /// <summary>The steps a turn's events show. <paramref name="isInformation"/> tells whether a node is an answer (not a menu).</summary>
    public static IReadOnlyList<ActivityStep> From(IEnumerable<AnalyticsEvent> events, Func<string, bool> isInformation)
    {
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(isInformation);
        var steps = new List<ActivityStep>();
        foreach (var e in events)
        {
            if (e.Kind == EventKind.MessageReceived)
            {
                steps.Add(new ActivityStep(e.Day, e.Channel, e.Language, string.Empty, Steps.Active));
            }

            if (e.Topic is null or "general")
            {
                continue;
            }

            var step = e.Kind switch
            {
                EventKind.TopicEntered => Steps.Entered,
                EventKind.NodeReached when e.NodeId is not null && isInformation(e.NodeId) => Steps.Information,
                EventKind.PrescreeningCompleted => Steps.Prescreening,
                EventKind.HandoffRequested => Steps.Handoff,
                _ => null,
            };
            if (step is not null)
            {
                steps.Add(new ActivityStep(e.Day, e.Channel, e.Language, e.Topic, step));
            }
        }

        return [.. steps.Distinct()];
    }
}

/// <summary>An activity step as stored: with the reporting period and the period's pseudonym of the person.</summary>
public sealed record ActivityRow(string Period, string Person, DateOnly Day, string Channel, string Language, string Topic, string Step);

/// <summary>Anonymous event counts per day (raw events grouped, or the daily roll-up once raw events are pruned).</summary>
public sealed record DailyCount(DateOnly Day, EventKind Kind, string Channel, string Language, string Topic, string Node, string Value, long Count);
