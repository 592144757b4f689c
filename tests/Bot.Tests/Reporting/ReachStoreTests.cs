using Dapper;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OimBot.Analytics;
using OimBot.Bot.Dialogs;
using OimBot.Bot.Reporting;
using OimBot.Bot.Storage;
using OimBot.Bot.Tests.TestHost;
using OimBot.Bot.Outbox;

namespace OimBot.Bot.Tests.Reporting;

/// <summary>Pseudonyms per period, "borrar", roll-up and the end of a period, on the real host and SQLite file.</summary>
public sealed class ReachStoreTests : IAsyncLifetime, IDisposable
{
    private BotFactory _factory = null!;

    public Task InitializeAsync()
    {
        _factory = new BotFactory();
        _ = _factory.Services; // starts the host and migrates
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    public void Dispose() => _factory.Dispose();

    private Task<TurnOutcome> SayAsync(string address, string text, string channel = "telegram") =>
        _factory.Services.GetRequiredService<ConversationService>().HandleAsync(new ChannelAddress(channel, address), null, UserMessage.FromText(text), Delivery.InResponse, CancellationToken.None);

    private async Task<List<(string Period, string Person, string Day, string Topic, string Step)>> ActivityAsync()
    {
        await using var db = new SqliteConnection($"Data Source={_factory.DatabasePath}");
        return [.. await db.QueryAsync<(string, string, string, string, string)>("SELECT period, person, day, topic, step FROM analytics_activity ORDER BY day")];
    }

    private async Task<long> CountAsync(string sql)
    {
        await using var db = new SqliteConnection($"Data Source={_factory.DatabasePath}");
        return await db.ExecuteScalarAsync<long>(sql);
    }

    private Task<PublishedReport> ReportAsync(string from, string to) =>
        _factory.Services.GetRequiredService<ReachService>().ReportAsync(ReportRange.Parse(from, to).Range!, CancellationToken.None);

    /// <summary>The charts' data tables suppress as the charts do: two people on Telegram are "&lt;5" there too, never 2.</summary>
    [Fact]
    public async Task TheChartsDataTables_NeverShowASuppressedCount()
    {
        await SayAsync("5501", "hola");
        await SayAsync("5502", "hola");
        await _factory.Services.GetRequiredService<OimBot.Bot.Handoff.InboxAccounts>().CreateAsync("alex", OimBot.Bot.Handoff.Roles.Analyst, "una-clave-larga-123", false, "test", CancellationToken.None);
        using var analyst = await InboxClient.SignedInAsync(_factory, "alex", "una-clave-larga-123");

        var page = System.Net.WebUtility.HtmlDecode(await analyst.Http.GetStringAsync("/inbox/analytics"));

        var table = System.Text.RegularExpressions.Regex.Match(page, "<table class=\"data chart-table\" id=\"chart-channel-table\">.*?</table>").Value;
        Assert.Contains("<tr><th scope=\"row\">Telegram</th><td><5</td></tr>", table, StringComparison.Ordinal);
        Assert.DoesNotContain("<td>2</td>", table, StringComparison.Ordinal);
        Assert.Contains("Telegram: <5", page, StringComparison.Ordinal); // as the chart says
    }

    [Fact]
    public async Task APerson_IsOnePseudonymWithinAPeriod_AndAnotherInTheNext()
    {
        await SayAsync("4401", "hola");
        _factory.Clock.Advance(TimeSpan.FromDays(2));
        await SayAsync("4401", "hola");
        var q4 = (await ActivityAsync()).Where(a => a.Step == Steps.Active).ToList();
        Assert.Equal(2, q4.Count);
        Assert.Single(q4.Select(a => a.Person).Distinct());
        Assert.Equal("2026-Q4", q4[0].Period);
        Assert.Matches("^[0-9a-f]{32}$", q4[0].Person);

        _factory.Clock.Advance(TimeSpan.FromDays(45)); // 2027-01-08: a new quarter, a new salt
        await SayAsync("4401", "hola");
        var all = (await ActivityAsync()).Where(a => a.Step == Steps.Active).ToList();
        var q1 = all.Single(a => a.Period == "2027-Q1");
        Assert.NotEqual(q4[0].Person, q1.Person);

        var report = await ReportAsync("2026-10-01", "2027-03-31");
        Assert.Equal(2, report.People.Value); // one person per period: nobody can be linked across them
        Assert.Equal(["2026-Q4", "2027-Q1"], report.Periods);
    }

    /// <summary>
    /// The current period's salt is kept in memory (a statement less per turn, issue 15), but never past its period:
    /// from the period's last day on it is read from the database again, so a salt destroyed is never used.
    /// </summary>
    [Fact]
    public async Task TheSaltKeptInMemory_IsReadFromTheDatabaseAgainOnThePeriodsLastDay()
    {
        await SayAsync("7701", "hola");
        await using (var db = new SqliteConnection($"Data Source={_factory.DatabasePath}"))
        {
            // Behind the service's back, as only the end of the period would do it.
            await db.ExecuteAsync("UPDATE analytics_periods SET salt = NULL");
        }

        await SayAsync("7702", "hola"); // 2026-11-22: the salt kept in memory still counts this person
        Assert.Equal(2, (await ActivityAsync()).Select(a => a.Person).Distinct().Count());

        _factory.Clock.Advance(TimeSpan.FromDays(39)); // 2026-12-31, the last day of 2026-Q4
        await SayAsync("7703", "hola");
        Assert.Equal(2, (await ActivityAsync()).Select(a => a.Person).Distinct().Count()); // no salt: nobody is counted
        Assert.True(await CountAsync("SELECT COUNT(*) FROM analytics_events WHERE day = '2026-12-31'") > 0);
        Assert.Equal(0, await CountAsync("SELECT COUNT(*) FROM analytics_events WHERE person IS NOT NULL AND day = '2026-12-31'"));
    }

    [Fact]
    public async Task Borrar_RemovesThePersonsActivityOfTheCurrentPeriod_OnlyTheirs()
    {
        await SayAsync("5501", "hola");
        await SayAsync("5501", "1");
        await SayAsync("5501", "1");
        await SayAsync("5502", "hola");
        var before = await ActivityAsync();
        var leaving = before.First(a => a.Step == Steps.Entered).Person; // only 5501 went into a topic
        Assert.Equal(2, before.Select(a => a.Person).Distinct().Count());

        await SayAsync("5501", "borrar");

        var after = await ActivityAsync();
        Assert.DoesNotContain(after, a => a.Person == leaving);
        Assert.Contains(after, a => a.Person != leaving);
        Assert.Equal(0, await CountAsync("SELECT COUNT(*) FROM analytics_events WHERE person IS NOT NULL")); // events never carry one
        Assert.Equal(1, await CountAsync("SELECT COUNT(*) FROM analytics_events WHERE kind = 'DeleteRequested' AND person IS NULL"));
        Assert.Equal(1, (await ReportAsync("2026-10-01", "2026-12-31")).People.Value);
    }

    [Fact]
    public async Task Maintenance_RollsUpOldEvents_WithoutChangingFigures_AndDestroysEndedPeriodsSalts()
    {
        foreach (var address in new[] { "6601", "6602", "6603", "6604", "6605", "6606" })
        {
            await SayAsync(address, "hola");
            await SayAsync(address, "1");
        }

        var before = await ReportAsync("2026-10-01", "2026-12-31");
        Assert.Equal(12, before.Messages.Value);
        Assert.Equal(1, await CountAsync("SELECT COUNT(*) FROM analytics_periods WHERE salt IS NOT NULL"));

        _factory.Clock.Advance(TimeSpan.FromDays(100)); // 2027-03-02: Q4 has ended and its raw events are 100 days old
        var maintenance = _factory.Services.GetServices<IHostedService>().OfType<AnalyticsMaintenance>().Single();
        var result = await maintenance.RunOnceAsync(CancellationToken.None);

        Assert.Equal(["2026-Q4"], result.PeriodsFrozen);
        Assert.True(result.EventsRolledUp > 12);
        Assert.Equal(0, await CountAsync("SELECT COUNT(*) FROM analytics_events"));
        Assert.Equal(0, await CountAsync("SELECT COUNT(*) FROM analytics_periods WHERE salt IS NOT NULL"));
        Assert.True(await CountAsync("SELECT COUNT(*) FROM analytics_daily") > 0);

        var after = await ReportAsync("2026-10-01", "2026-12-31");
        Assert.Equal(before.Messages.Value, after.Messages.Value);
        Assert.Equal(before.Conversations.Value, after.Conversations.Value);
        Assert.Equal(6, after.People.Value);

        // Running it again changes nothing.
        var again = await maintenance.RunOnceAsync(CancellationToken.None);
        Assert.Equal(0, again.EventsRolledUp);
        Assert.Empty(again.PeriodsFrozen);
        Assert.Equal(before.Messages.Value, (await ReportAsync("2026-10-01", "2026-12-31")).Messages.Value);
    }

    [Fact]
    public async Task Activity_HoldsOnlyAllowListedColumns()
    {
        await using var db = new SqliteConnection($"Data Source={_factory.DatabasePath}");
        var columns = (await db.QueryAsync<string>("SELECT name FROM pragma_table_info('analytics_activity')")).ToList();
        Assert.Equal(["period", "person", "day", "channel", "language", "topic", "step"], columns);
    }
}
