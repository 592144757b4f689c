using Dapper;
using OimBot.Analytics;
using OimBot.Bot.Storage;

namespace OimBot.Bot.Reporting;

/// <summary>What maintenance did: raw events rolled into daily counts, and periods whose salt was destroyed.</summary>
public sealed record MaintenanceResult(int EventsRolledUp, IReadOnlyList<string> PeriodsFrozen);

/// <summary>Reads the analytics tables for reports and keeps them small and anonymous over time.</summary>
public sealed class AnalyticsStore(IStoreDatabase database, AnalyticsRecorder recorder, TimeProvider clock)
{
    /// <summary>Anonymous events from outside a person's turn (web chat messages refused by a limit), in one transaction.</summary>
    public Task RecordAsync(IReadOnlyList<AnalyticsEvent> events, CancellationToken cancellationToken) =>
        database.WriteAsync(async (connection, transaction) =>
        {
            await recorder.RecordAsync(connection, transaction, null, events, []);
            return events.Count;
        }, cancellationToken);

    /// <summary>The activity rows of a report's days (through the day index).</summary>
    internal const string ActivityBetween = "SELECT period, person, day, channel, language, topic, step FROM analytics_activity WHERE day BETWEEN @from AND @to";

    public async Task<(IReadOnlyList<ActivityRow> Activity, IReadOnlyList<DailyCount> Counts)> LoadAsync(ReportRange range, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(range);
        var between = new { from = database.Time.Write(range.From), to = database.Time.Write(range.To) };
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        var activity = await connection.ListAsync<(string Period, string Person, object Day, string Channel, string Language, string Topic, string Step)>(
            ActivityBetween,
            between);

        // Raw events not yet rolled up, and the daily roll-up of older ones: one moves to the other in one transaction.
        var counts = await connection.ListAsync<(object Day, string Kind, string Channel, string Language, string Topic, string Node, string Value, long Count)>(
            """
            SELECT day, kind, channel, language, topic, node_id, value, CAST(SUM(count) AS BIGINT) FROM (
                SELECT day, kind, channel, language, COALESCE(topic, '') AS topic, COALESCE(node_id, '') AS node_id, COALESCE(value, '') AS value, COUNT(*) AS count
                FROM analytics_events WHERE day BETWEEN @from AND @to
                GROUP BY day, kind, channel, language, topic, node_id, value
                UNION ALL
                SELECT day, kind, channel, language, topic, node_id, value, count FROM analytics_daily WHERE day BETWEEN @from AND @to) AS rows
            GROUP BY day, kind, channel, language, topic, node_id, value
            """,
            between);

        // Each pseudonym, day and label comes back once per row: share one string each (a quarter is ~100,000 rows).
        var strings = new Dictionary<string, string>(StringComparer.Ordinal);
        string Shared(string value) => strings.TryGetValue(value, out var shared) ? shared : strings[value] = value;
        var days = new Dictionary<object, DateOnly>();
        DateOnly Day(object value) => days.TryGetValue(value, out var day) ? day : days[value] = SqlTime.ReadDay(value);
        return (
            [.. activity.Select(a => new ActivityRow(Shared(a.Period), Shared(a.Person), Day(a.Day), Shared(a.Channel), Shared(a.Language), Shared(a.Topic), Shared(a.Step)))],
            [.. counts.Select(c => (Row: c, Known: Enum.TryParse<EventKind>(c.Kind, out var kind), Kind: kind)).Where(c => c.Known)
                .Select(c => new DailyCount(SqlTime.ReadDay(c.Row.Day), c.Kind, c.Row.Channel, c.Row.Language, c.Row.Topic, c.Row.Node, c.Row.Value, c.Row.Count))]);
    }

    /// <summary>
    /// Rolls raw events from before <paramref name="today"/> − <paramref name="rawRetention"/> into anonymous daily
    /// counts and deletes them, and destroys the salt of every period that ended before <paramref name="today"/>.
    /// </summary>
    public Task<MaintenanceResult> MaintainAsync(DateOnly today, TimeSpan rawRetention, CancellationToken cancellationToken) =>
        database.WriteAsync<MaintenanceResult>(async (connection, transaction) =>
        {
            var cutoff = database.Time.Write(today.AddDays(-(int)Math.Ceiling(rawRetention.TotalDays)));
            await connection.ExecuteAsync(
                """
                INSERT INTO analytics_daily (day, kind, channel, language, topic, node_id, value, content_version, count)
                SELECT day, kind, channel, language, COALESCE(topic, ''), COALESCE(node_id, ''), COALESCE(value, ''), content_version, COUNT(*)
                FROM analytics_events WHERE day < @cutoff
                GROUP BY day, kind, channel, language, COALESCE(topic, ''), COALESCE(node_id, ''), COALESCE(value, ''), content_version
                ON CONFLICT (day, kind, channel, language, topic, node_id, value, content_version) DO UPDATE SET count = analytics_daily.count + excluded.count
                """,
                new { cutoff },
                transaction);
            var rolled = await connection.ExecuteAsync("DELETE FROM analytics_events WHERE day < @cutoff", new { cutoff }, transaction);

            var ended = (await connection.ListAsync<string>(
                "SELECT id FROM analytics_periods WHERE last_day < @today AND salt IS NOT NULL",
                new { today = database.Time.Write(today) },
                transaction)).ToList();
            await connection.ExecuteAsync(
                "UPDATE analytics_periods SET salt = NULL, frozen_at = @at WHERE last_day < @today AND salt IS NOT NULL",
                new { today = database.Time.Write(today), at = database.Time.Write(clock.GetUtcNow()) },
                transaction);
            return new MaintenanceResult(rolled, ended);
        }, cancellationToken);
}
