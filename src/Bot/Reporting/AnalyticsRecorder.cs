using System.Globalization;
using Dapper;
using System.Data.Common;
using Microsoft.Extensions.Options;
using OimBot.Analytics;
using OimBot.Bot.Storage;

namespace OimBot.Bot.Reporting;

/// <summary>
/// Writes anonymous events and activity steps inside the caller's transaction (a user's turn, or a caseworker's action).
/// The person is the current period's pseudonym of the channel address; the address itself never reaches these tables.
/// </summary>
public sealed class AnalyticsRecorder(Pseudonymiser pseudonyms, IOptions<AnalyticsOptions> options, TimeProvider clock)
{
    internal async Task RecordAsync(
        DbConnection connection,
        DbTransaction transaction,
        ChannelAddress? from,
        IReadOnlyList<AnalyticsEvent> events,
        IReadOnlyList<ActivityStep> steps)
    {
        if (events.Count == 0 && steps.Count == 0)
        {
            return;
        }

        var time = SqlTime.For(connection);
        var day = events.Count > 0 ? events[0].Day : steps[0].Day;
        var period = ReportingPeriod.Of(day, options.Value.Period);
        var salt = await PeriodSaltAsync(connection, transaction, period, day);
        var person = from is null || salt is null ? null : pseudonyms.Person(salt, from.Channel, from.Address);

        if (person is not null && events.Any(e => e.Kind == EventKind.DeleteRequested))
        {
            // "borrar": everything this person did in the current period goes; the deletion itself is counted anonymously.
            var who = new { period = period.Id, person };
            await connection.ExecuteAsync("DELETE FROM analytics_events WHERE period = @period AND person = @person", who, transaction);
            await connection.ExecuteAsync("DELETE FROM analytics_activity WHERE period = @period AND person = @person", who, transaction);
            person = null;
        }

        foreach (var e in events)
        {
            await connection.ExecuteAsync(
                "INSERT INTO analytics_events (kind, channel, language, node_id, topic, content_version, day, value, period, person) VALUES (@kind, @channel, @language, @node, @topic, @version, @day, @value, @period, @person)",
                new { kind = e.Kind.ToString(), channel = e.Channel, language = e.Language, node = e.NodeId, topic = e.Topic, version = e.ContentVersion, day = time.Write(e.Day), value = e.Value, period = period.Id, person },
                transaction);
        }

        if (person is null)
        {
            return;
        }

        foreach (var step in steps)
        {
            await connection.ExecuteAsync(
                "INSERT INTO analytics_activity (period, person, day, channel, language, topic, step) VALUES (@period, @person, @day, @channel, @language, @topic, @step) ON CONFLICT DO NOTHING",
                new { period = period.Id, person, day = time.Write(step.Day), channel = step.Channel, language = step.Language, topic = step.Topic, step = step.Step },
                transaction);
        }
    }

    /// <summary>
    /// The period's salt, created on its first event (once, whichever instance writes first: ON CONFLICT keeps the first);
    /// null once the period has ended and its salt is destroyed.
    /// </summary>
    private async Task<byte[]?> PeriodSaltAsync(DbConnection connection, DbTransaction transaction, ReportingPeriod period, DateOnly day)
    {
        if (_current is { } current && current.Period == period.Id && period.Last > day)
        {
            return current.Salt;
        }

        var salt = await ReadOrCreateSaltAsync(connection, transaction, period);

        // Kept in memory until the period's last day (a statement less per turn, issue 15): a salt changes only when it
        // is destroyed after its period has ended, and from the last day on it is read from the database again.
        if (salt is not null && period.Last > day)
        {
            _current = new CachedSalt(period.Id, salt);
        }

        return salt;
    }

    private volatile CachedSalt? _current;

    private sealed record CachedSalt(string Period, byte[] Salt);

    private async Task<byte[]?> ReadOrCreateSaltAsync(DbConnection connection, DbTransaction transaction, ReportingPeriod period)
    {
        var row = await connection.QuerySingleOrDefaultAsync<(string Id, byte[]? Salt)>(
            "SELECT id AS Id, salt AS Salt FROM analytics_periods WHERE id = @id", new { id = period.Id }, transaction);
        if (row.Id is not null)
        {
            return row.Salt;
        }

        var time = SqlTime.For(connection);
        await connection.ExecuteAsync(
            "INSERT INTO analytics_periods (id, first_day, last_day, salt, created_at) VALUES (@id, @first, @last, @salt, @at) ON CONFLICT (id) DO NOTHING",
            new { id = period.Id, first = time.Write(period.First), last = time.Write(period.Last), salt = Pseudonymiser.NewPeriodSalt(), at = time.Write(clock.GetUtcNow()) },
            transaction);
        return await connection.QuerySingleAsync<byte[]?>("SELECT salt FROM analytics_periods WHERE id = @id", new { id = period.Id }, transaction);
    }

    internal static string Day(DateOnly day) => day.ToString(ReportRange.DateFormat, CultureInfo.InvariantCulture);
}
