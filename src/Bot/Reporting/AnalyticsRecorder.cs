using System.Globalization;
using Dapper;
using System.Data.Common;
using Microsoft.Extensions.Options;
using OimBot.Analytics;
using OimBot.Bot.Storage;

namespace OimBot.Bot.Reporting;

/// <summary>
/// Writes anonymous events and activity steps inside the caller's transaction (a user's turn, or a caseworker's action).
/// Events carry no person at all (issue 15: they never needed one, and the index that deleted them by person was a
/// page written at random on every turn); activity rows carry the current period's pseudonym of the channel address,
/// from which unique reach is counted. The address itself never reaches these tables.
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
        var writes = new StatementBatch(connection, transaction);
        await RecordAsync(writes, from, events, steps);
        await writes.FlushAsync();
    }

    /// <summary>As <see cref="RecordAsync(DbConnection, DbTransaction, ChannelAddress?, IReadOnlyList{AnalyticsEvent}, IReadOnlyList{ActivityStep})"/>, among a turn's writes.</summary>
    internal async Task RecordAsync(
        StatementBatch writes,
        ChannelAddress? from,
        IReadOnlyList<AnalyticsEvent> events,
        IReadOnlyList<ActivityStep> steps,
        Statements? ahead = null)
    {
        if (events.Count == 0 && steps.Count == 0)
        {
            return;
        }

        if (ahead is null)
        {
            var day = events.Count > 0 ? events[0].Day : steps[0].Day;
            var period = ReportingPeriod.Of(day, options.Value.Period);
            var salt = await PeriodSaltAsync(writes, period, day);
            ahead = Build(writes.Time, period, salt, from, events, steps);
        }

        foreach (var (sql, parameters) in ahead.List)
        {
            await writes.ExecuteAsync(sql, parameters);
        }
    }

    /// <summary>
    /// A turn's statements built before its transaction (issue 15: their parameters and the person's pseudonym were a
    /// twentieth of SQLite's writer thread): null when that needs the database first, for the period's salt (its
    /// first event, or its last day, when the salt is read again) or for a deletion. What they write is the same either
    /// way: a period's salt never changes while the period lasts.
    /// </summary>
    internal Statements? BuildAhead(SqlTime time, ChannelAddress? from, IReadOnlyList<AnalyticsEvent> events, IReadOnlyList<ActivityStep> steps)
    {
        if (events.Count == 0 && steps.Count == 0)
        {
            return Statements.None;
        }

        var day = events.Count > 0 ? events[0].Day : steps[0].Day;
        var period = ReportingPeriod.Of(day, options.Value.Period);
        if (_current is not { } current || current.Period != period.Id || period.Last <= day || events.Any(e => e.Kind == EventKind.DeleteRequested))
        {
            return null;
        }

        Interlocked.Increment(ref _builtAhead);
        return Build(time, period, current.Salt, from, events, steps);
    }

    /// <summary>How many turns' statements <see cref="BuildAhead"/> built (for tests).</summary>
    internal long BuiltAhead => Interlocked.Read(ref _builtAhead);

    private long _builtAhead;

    /// <summary>The statements of <see cref="BuildAhead"/>, in the order they run.</summary>
    internal sealed class Statements(IReadOnlyList<(string Sql, ParameterList Parameters)> list)
    {
        public static readonly Statements None = new([]);

        public IReadOnlyList<(string Sql, ParameterList Parameters)> List => list;
    }

    private Statements Build(SqlTime time, ReportingPeriod period, byte[]? salt, ChannelAddress? from, IReadOnlyList<AnalyticsEvent> events, IReadOnlyList<ActivityStep> steps)
    {
        var list = new List<(string, ParameterList)>(2);
        var deleting = events.Any(e => e.Kind == EventKind.DeleteRequested);
        var person = from is null || salt is null || (steps.Count == 0 && !deleting) ? null : pseudonyms.Person(salt, from.Channel, from.Address);

        if (person is not null && deleting)
        {
            // "borrar": the person's activity in the current period goes (their events never had their pseudonym);
            // the deletion itself is counted anonymously.
            list.Add((DeleteActivity, new ParameterList(2).Add("period", period.Id).Add("person", person)));
            person = null;
        }

        // One statement for all of a turn's events and one for its activity steps (issue 15: a turn's statements are
        // most of its cost); the SQL text depends only on how many rows, so prepared statements are reused.
        if (events.Count > 0)
        {
            list.Add((
                Rows("INSERT INTO analytics_events (period, kind, channel, language, node_id, topic, content_version, day, value) VALUES ", events.Count, "(@period, @kind{0}, @channel{0}, @language{0}, @node{0}, @topic{0}, @version{0}, @day{0}, @value{0})", string.Empty),
                EventParameters(time, period.Id, events)));
        }

        if (person is not null && steps.Count > 0)
        {
            list.Add((
                Rows("INSERT INTO analytics_activity (period, person, day, channel, language, topic, step) VALUES ", steps.Count, "(@period, @person, @day{0}, @channel{0}, @language{0}, @topic{0}, @step{0})", " ON CONFLICT DO NOTHING"),
                StepParameters(time, period.Id, person, steps)));
        }

        return new Statements(list);
    }

    /// <summary>BORRAR: the person's activity in the period (through the unique key, which starts with period and person).</summary>
    internal const string DeleteActivity = "DELETE FROM analytics_activity WHERE period = @period AND person = @person";

    /// <summary>A multi-row statement's text, built once per table and row count (it runs on the writer's thread).</summary>
    private static string Rows(string head, int count, string row, string tail) =>
        s_rows.GetOrAdd((head, count), static (key, parts) => BuildRows(key.Head, key.Count, parts.Row, parts.Tail), (Row: row, Tail: tail));

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(string Head, int Count), string> s_rows = new();

    private static string BuildRows(string head, int count, string row, string tail)
    {
        var sql = new System.Text.StringBuilder(head);
        for (var i = 0; i < count; i++)
        {
            sql.Append(i == 0 ? string.Empty : ", ").AppendFormat(CultureInfo.InvariantCulture, row, i);
        }

        return sql.Append(tail).ToString();
    }

    /// <summary>The events' statement's parameters: the period, then each row's, numbered by row, in the order the text names them (bound by position on PostgreSQL).</summary>
    private static ParameterList EventParameters(SqlTime time, string period, IReadOnlyList<AnalyticsEvent> events)
    {
        var parameters = new ParameterList(1 + (8 * events.Count)).Add("period", period);
        for (var i = 0; i < events.Count; i++)
        {
            var e = events[i];
            parameters
                .Add(ParameterList.Numbered("kind", i), e.Kind.ToString())
                .Add(ParameterList.Numbered("channel", i), e.Channel)
                .Add(ParameterList.Numbered("language", i), e.Language)
                .Add(ParameterList.Numbered("node", i), e.NodeId)
                .Add(ParameterList.Numbered("topic", i), e.Topic)
                .Add(ParameterList.Numbered("version", i), e.ContentVersion)
                .Add(ParameterList.Numbered("day", i), time.Write(e.Day))
                .Add(ParameterList.Numbered("value", i), e.Value);
        }

        return parameters;
    }

    /// <summary>The activity steps' statement's parameters: the period and the person, then each row's, numbered by row, in the order the text names them.</summary>
    private static ParameterList StepParameters(SqlTime time, string period, string person, IReadOnlyList<ActivityStep> steps)
    {
        var parameters = new ParameterList(2 + (5 * steps.Count)).Add("period", period).Add("person", person);
        for (var i = 0; i < steps.Count; i++)
        {
            var step = steps[i];
            parameters
                .Add(ParameterList.Numbered("day", i), time.Write(step.Day))
                .Add(ParameterList.Numbered("channel", i), step.Channel)
                .Add(ParameterList.Numbered("language", i), step.Language)
                .Add(ParameterList.Numbered("topic", i), step.Topic)
                .Add(ParameterList.Numbered("step", i), step.Step);
        }

        return parameters;
    }

    /// <summary>
    /// The period's salt, created on its first event (once, whichever instance writes first: ON CONFLICT keeps the first);
    /// null once the period has ended and its salt is destroyed.
    /// </summary>
    private async Task<byte[]?> PeriodSaltAsync(StatementBatch writes, ReportingPeriod period, DateOnly day)
    {
        if (_current is { } current && current.Period == period.Id && period.Last > day)
        {
            return current.Salt;
        }

        await writes.FlushAsync(); // read through the connection itself, after what the turn wrote before
        var salt = await ReadOrCreateSaltAsync(writes.Connection, writes.Transaction, period);

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
        var row = await connection.OneOrDefaultAsync<(string Id, byte[]? Salt)>(
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
        return await connection.OneAsync<byte[]?>("SELECT salt FROM analytics_periods WHERE id = @id", new { id = period.Id }, transaction);
    }

    internal static string Day(DateOnly day) => day.ToString(ReportRange.DateFormat, CultureInfo.InvariantCulture);
}
