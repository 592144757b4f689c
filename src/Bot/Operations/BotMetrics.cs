using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace OimBot.Bot.Operations;

/// <summary>
/// The service's instruments (System.Diagnostics.Metrics), exported at /metrics when configured. Tags are channels,
/// statuses, outcomes and error classes only: never an address, an id or anything a person wrote.
/// </summary>
public sealed class BotMetrics : IDisposable
{
    public const string MeterName = "OimBot";

    private readonly Meter _meter;
    private readonly Counter<long> _turns;
    private readonly Histogram<double> _turnSeconds;
    private readonly Counter<long> _webhooks;
    private readonly Counter<long> _sends;
    private readonly Counter<long> _taken;
    private readonly Counter<long> _claims;
    private readonly Counter<long> _spooled;
    private readonly Counter<long> _quarantined;
    private readonly Counter<long> _refused;
    private readonly Counter<long> _reloadFailures;
    private readonly Counter<long> _loopFailures;

    public BotMetrics(IMeterFactory meters)
    {
        ArgumentNullException.ThrowIfNull(meters);
        _meter = meters.Create(MeterName);
        _turns = _meter.CreateCounter<long>("oimbot.turns", "{turn}", "Messages handled, by channel and outcome (answered, repeat, failed).");
        _turnSeconds = _meter.CreateHistogram<double>("oimbot.turn.duration", "s", "Time to run and commit one turn.", advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5] });
        _webhooks = _meter.CreateCounter<long>("oimbot.webhook.requests", "{request}", "Webhook requests by channel and the HTTP status answered.");
        _sends = _meter.CreateCounter<long>("oimbot.outbox.sends", "{attempt}", "Send attempts by channel and result (sent, throttled, retryable, permanent, window, blocked, deferred).");
        _taken = _meter.CreateCounter<long>("oimbot.outbox.taken", "{row}", "Outbox rows the dispatcher took, by how: handed (claimed by the turn that wrote it, no claim transaction) or claimed.");
        _claims = _meter.CreateCounter<long>("oimbot.outbox.claims", "{claim}", "Claim transactions the dispatcher ran, by what they found (rows or none).");
        _spooled = _meter.CreateCounter<long>("oimbot.inbound.spooled", "{message}", "Messages kept on disk because the database did not answer.");
        _quarantined = _meter.CreateCounter<long>("oimbot.inbound.quarantined", "{message}", "Messages whose turn failed on every attempt: set aside, answered with an apology.");
        _refused = _meter.CreateCounter<long>("oimbot.requests.refused", "{request}", "Requests refused by a rate limit, by limit.");
        _reloadFailures = _meter.CreateCounter<long>("oimbot.content.reload_failures", "{reload}", "Content edits refused (the previous content keeps serving).");
        _loopFailures = _meter.CreateCounter<long>("oimbot.background.failures", "{failure}", "Failures of a background job, by job (the job backs off and goes on).");
    }

    public Meter Meter => _meter;

    public void Turn(string channel, string outcome, TimeSpan elapsed)
    {
        var tags = new TagList { { "channel", channel }, { "outcome", outcome } };
        _turns.Add(1, tags);
        _turnSeconds.Record(elapsed.TotalSeconds, new TagList { { "channel", channel } });
    }

    public void Webhook(string channel, int status) => _webhooks.Add(1, new TagList { { "channel", channel }, { "status", status } });

    public void Send(string channel, string result) => _sends.Add(1, new TagList { { "channel", channel }, { "result", result } });

    public void Taken(string how, int count) => _taken.Add(count, new TagList { { "how", how } });

    public void Claimed(int rows) => _claims.Add(1, new TagList { { "found", rows > 0 ? "rows" : "none" } });

    public void Spooled(string channel) => _spooled.Add(1, new TagList { { "channel", channel } });

    public void Quarantined(string channel) => _quarantined.Add(1, new TagList { { "channel", channel } });

    public void Refused(string limit) => _refused.Add(1, new TagList { { "limit", limit } });

    public void ReloadFailed() => _reloadFailures.Add(1);

    public void LoopFailed(string job) => _loopFailures.Add(1, new TagList { { "job", job } });

    /// <summary>
    /// PostgreSQL's group commit (issue 15): groups of turns sent, by outcome (committed; failed: the others sent again
    /// once as a group, which counts again, or each run again alone), and the turns that went in them: turns per group is
    /// how much it saves.
    /// </summary>
    public void ObserveTurnGroups(Func<(long Groups, long Turns, long Failed)> read)
    {
        ArgumentNullException.ThrowIfNull(read);
        _meter.CreateObservableCounter("oimbot.storage.turn_groups", () =>
        {
            var (groups, _, failed) = read();
            return new[]
            {
                new Measurement<long>(groups - failed, new KeyValuePair<string, object?>("outcome", "committed")),
                new Measurement<long>(failed, new KeyValuePair<string, object?>("outcome", "failed")),
            };
        }, "{group}", "PostgreSQL: groups of turns sent in one transaction (group commit), by outcome.");
        _meter.CreateObservableCounter("oimbot.storage.grouped_turns", () => read().Turns, "{turn}", "PostgreSQL: turns sent in groups (group commit).");
    }

    /// <summary>PostgreSQL: rows read ahead of their turns (issue 15): the reads sent, and the people read in them.</summary>
    public void ObserveReadsAhead(Func<(long Reads, long People)> read)
    {
        ArgumentNullException.ThrowIfNull(read);
        _meter.CreateObservableCounter("oimbot.storage.reads_ahead", () => read().Reads, "{read}", "PostgreSQL: reads of conversations ahead of their turns (one statement per channel each).");
        _meter.CreateObservableCounter("oimbot.storage.rows_read_ahead", () => read().People, "{turn}", "PostgreSQL: turns whose conversation was read ahead (found or not).");
    }

    public void Dispose() => _meter.Dispose();
}
