using System.Net;
using Dapper;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using OimBot.Bot.Handoff;
using OimBot.Bot.Tests.TestHost;

namespace OimBot.Bot.Tests.Reporting;

/// <summary>
/// Scripted conversations on Telegram (Spanish) and WhatsApp (English), then the dashboard, the CSV exports and the
/// command-line report show the expected figures, and the analytics tables hold no number, chat id or text.
/// </summary>
public sealed class ReachEndToEndTests : IAsyncLifetime
{
    private const string Password = "una-clave-larga-123";
    private const string Range = "from=2026-10-01&to=2026-12-31";
    private static readonly string[] TelegramChats = [.. Enumerable.Range(0, 6).Select(i => (7_310_200 + i).ToString(System.Globalization.CultureInfo.InvariantCulture))];
    private static readonly string[] WhatsAppPhones = [.. Enumerable.Range(0, 5).Select(i => $"5076123{4560 + i}")];
    private ChannelHost _host = null!;
    private long _update = 9_000;

    public async Task InitializeAsync()
    {
        _host = await ChannelHost.StartAsync();
        var accounts = _host.Factory.Services.GetRequiredService<InboxAccounts>();
        await accounts.CreateAsync("alex", Roles.Analyst, Password, false, "test", CancellationToken.None);
        await accounts.CreateAsync("ana", Roles.Caseworker, Password, false, "test", CancellationToken.None);

        // Telegram, Spanish: hola → Spanish → "Volver a mi país" → "Qué es" (an answer), and a phone number and a passport number in between.
        foreach (var chat in TelegramChats)
        {
            foreach (var text in new[] { "hola", "1", $"mi número es +507 6123-4567 y mi chat {chat}", "1", "1" })
            {
                await TelegramAsync(chat, text);
            }
        }

        // WhatsApp, English: hello → English (listed first under the English notice) → "Going back home" → "What it is".
        foreach (var phone in WhatsAppPhones)
        {
            foreach (var text in new[] { "hello", "1", "1", $"my passport is X1234567, call me on +{phone}", "1" })
            {
                await WhatsAppAsync(phone, text);
            }
        }
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private async Task TelegramAsync(string chat, string text)
    {
        var response = await _host.PostTelegramAsync(ChannelHost.TelegramText(++_update, long.Parse(chat, System.Globalization.CultureInfo.InvariantCulture), text));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private async Task WhatsAppAsync(string phone, string text)
    {
        var response = await _host.PostWhatsAppAsync(ChannelHost.WhatsAppText(phone, $"wamid.e2e{++_update}", text));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Dashboard_ShowsTheReach_ByChannelLanguageAndTopic()
    {
        using var analyst = await InboxClient.SignedInAsync(_host.Factory, "alex", Password);
        var page = await analyst.Http.GetStringAsync($"/inbox/analytics?{Range}");

        Assert.Contains("data-figure=\"people\">11<", page, StringComparison.Ordinal);
        Assert.Contains("data-figure=\"conversations\">11<", page, StringComparison.Ordinal);
        Assert.Contains("data-figure=\"messages\">55<", page, StringComparison.Ordinal);
        Assert.Contains("data-figure=\"new\">11<", page, StringComparison.Ordinal);
        Assert.Contains("WhatsApp: 5", page, StringComparison.Ordinal);
        Assert.Contains("Telegram: 6", page, StringComparison.Ordinal);
        Assert.Contains("español: 6", page, StringComparison.Ordinal);
        Assert.Contains("inglés: 5", page, StringComparison.Ordinal);
        Assert.Contains("retorno voluntario: 11", page, StringComparison.Ordinal);
        Assert.Contains("2026-W47: 11", page, StringComparison.Ordinal);
        Assert.Contains("<svg", page, StringComparison.Ordinal);
    }

    /// <summary>
    /// Every chart has a data table (a caption, a row per bar) with the figures its description gives: the reach charts
    /// had none, so a screen reader user could not move through their figures.
    /// </summary>
    [Fact]
    public async Task EveryChart_HasADataTable_WithTheSameFigures()
    {
        using var analyst = await InboxClient.SignedInAsync(_host.Factory, "alex", Password);
        var page = await analyst.Http.GetStringAsync($"/inbox/analytics?{Range}");

        var charts = System.Text.RegularExpressions.Regex.Matches(page, "<svg [^>]*id=\"(chart-[^\"]+)\"").Select(m => m.Groups[1].Value).ToList();
        Assert.Contains("chart-week", charts);
        Assert.Contains("chart-outcome", charts);
        Assert.True(charts.Count >= 6, string.Join(", ", charts));
        foreach (var id in charts)
        {
            var table = System.Text.RegularExpressions.Regex.Match(page, $"<details><summary>Ver los datos</summary><table class=\"data chart-table\" id=\"{id}-table\"><caption>([^<]+)</caption>.*?</table></details>");
            Assert.True(table.Success, $"{id} has no data table");
            var rows = System.Text.RegularExpressions.Regex.Matches(table.Value, "<tr><th scope=\"row\">([^<]*)</th><td>([^<]*)</td></tr>")
                .Select(m => $"{WebUtility.HtmlDecode(m.Groups[1].Value)}: {WebUtility.HtmlDecode(m.Groups[2].Value)}").ToList();
            var description = WebUtility.HtmlDecode(System.Text.RegularExpressions.Regex.Match(page, $"<desc id=\"{id}-desc\">([^<]*)</desc>").Groups[1].Value);
            Assert.NotEmpty(rows);
            Assert.EndsWith(string.Join("; ", rows) + ".", description, StringComparison.Ordinal);
        }

        Assert.Contains("<tr><th scope=\"row\">WhatsApp</th><td>5</td></tr>", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnEmptyPeriod_ShowsZeros()
    {
        using var analyst = await InboxClient.SignedInAsync(_host.Factory, "alex", Password);
        var response = await analyst.Http.GetAsync("/inbox/analytics?from=2025-01-01&to=2025-03-31");
        var page = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("data-figure=\"people\">0<", page, StringComparison.Ordinal);
        Assert.StartsWith("week,people,from,to\r\n", (await analyst.Http.GetStringAsync("/api/analytics/reach.csv?from=2025-01-06&to=2025-01-12&by=week")).TrimStart('\uFEFF'), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("channel", "channel,people,from,to\r\nwhatsapp,5,2026-10-01,2026-12-31\r\ntelegram,6,2026-10-01,2026-12-31\r\ntwilio,0,2026-10-01,2026-12-31\r\nwebchat,0,2026-10-01,2026-12-31\r\ntotal,11,2026-10-01,2026-12-31\r\n")]
    [InlineData("language", "language,people,from,to\r\nes,6,2026-10-01,2026-12-31\r\nen,5,2026-10-01,2026-12-31\r\nfr,0,2026-10-01,2026-12-31\r\nht,0,2026-10-01,2026-12-31\r\npt,0,2026-10-01,2026-12-31\r\nzh,0,2026-10-01,2026-12-31\r\ntotal,11,2026-10-01,2026-12-31\r\n")] // every language served, the new ones too
    [InlineData("week", "week,people,from,to\r\n")]
    [InlineData("topic", "topic,people,from,to\r\navr,11,2026-10-01,2026-12-31\r\n")]
    public async Task ReachCsv_HasTheExpectedFigures(string by, string expected)
    {
        using var analyst = await InboxClient.SignedInAsync(_host.Factory, "alex", Password);
        var response = await analyst.Http.GetAsync($"/api/analytics/reach.csv?{Range}&by={by}");
        var csv = (await response.Content.ReadAsStringAsync()).TrimStart('\uFEFF');

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        Assert.StartsWith(expected, csv, StringComparison.Ordinal);
        if (by == "week")
        {
            Assert.Contains("2026-W47,11,2026-11-16,2026-11-22\r\n", csv, StringComparison.Ordinal);
            Assert.Contains("2026-W40,0,2026-09-28,2026-10-04\r\n", csv, StringComparison.Ordinal);
            Assert.EndsWith("total,11,2026-10-01,2026-12-31\r\n", csv, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task FunnelCsv_CountsPeopleAtEachStep()
    {
        using var analyst = await InboxClient.SignedInAsync(_host.Factory, "alex", Password);
        var csv = (await analyst.Http.GetStringAsync($"/api/analytics/funnel.csv?{Range}")).TrimStart('\uFEFF');

        Assert.StartsWith("topic,entered,information,prescreening,handoff,from,to\r\n", csv, StringComparison.Ordinal);
        Assert.Contains("\r\navr,11,11,0,0,2026-10-01,2026-12-31\r\n", csv, StringComparison.Ordinal);
    }

    /// <summary>
    /// R19: dates that are not whole months are widened to them, on the page, in its form and export links, and the
    /// page says so; two picks a day apart (16–22 and 16–23 November) show the same figures, so subtracting them gives
    /// nothing.
    /// </summary>
    [Fact]
    public async Task DaysPicked_AreWidenedToWholeMonths_AndThePageSaysSo()
    {
        using var analyst = await InboxClient.SignedInAsync(_host.Factory, "alex", Password);
        var response = await analyst.Http.GetAsync("/inbox/analytics?from=2026-11-16&to=2026-11-22");
        var page = WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("<h2 id=\"headline\">Del 2026-11-01 al 2026-11-30</h2>", page, StringComparison.Ordinal);
        var notice = System.Text.RegularExpressions.Regex.Match(page, "<p class=\"notice\" role=\"status\" id=\"widened\">([^<]*)</p>").Groups[1].Value;
        Assert.StartsWith("Pediste del 2026-11-16 al 2026-11-22. Las cifras se publican solo por meses completos", notice, StringComparison.Ordinal);
        Assert.Contains("se muestran del 2026-11-01 al 2026-11-30", notice, StringComparison.Ordinal);
        Assert.Contains("id=\"from\" name=\"from\" value=\"2026-11-01\"", page, StringComparison.Ordinal);
        Assert.Contains("id=\"to\" name=\"to\" value=\"2026-11-30\"", page, StringComparison.Ordinal);
        Assert.Contains("href=\"/api/analytics/funnel.csv?from=2026-11-01&to=2026-11-30\"", page, StringComparison.Ordinal);
        Assert.DoesNotContain("from=2026-11-16", page, StringComparison.Ordinal);
        Assert.Contains("data-figure=\"people\">11<", page, StringComparison.Ordinal);
        Assert.Contains("van del 2026-10-26 al 2026-12-06", page, StringComparison.Ordinal); // 2026-W44 to 2026-W49, whole

        var dayLater = WebUtility.HtmlDecode(await analyst.Http.GetStringAsync("/inbox/analytics?from=2026-11-16&to=2026-11-23"));
        Assert.Equal(Figures(page), Figures(dayLater));

        var month = WebUtility.HtmlDecode(await analyst.Http.GetStringAsync("/inbox/analytics?from=2026-11-01&to=2026-11-30"));
        Assert.DoesNotContain("id=\"widened\"", month, StringComparison.Ordinal);
        Assert.Equal(Figures(page), Figures(month));

        static string Figures(string page) => page[page.IndexOf("<dl class=\"figures\">", StringComparison.Ordinal)..];
    }

    [Theory]
    [InlineData("reach.csv?from=2026-11-16&to=2026-11-22&by=channel", "oimbot-reach-channel-2026-11-01-2026-11-30.csv", "total,11,2026-11-01,2026-11-30\r\n")]
    [InlineData("reach.csv?from=2026-11-22&to=2026-12-02&by=week", "oimbot-reach-week-2026-11-01-2026-12-31.csv", "2026-W47,11,2026-11-16,2026-11-22\r\n")]
    [InlineData("funnel.csv?from=2026-11-22&to=2026-11-22", "oimbot-funnel-2026-11-01-2026-11-30.csv", "avr,11,11,0,0,2026-11-01,2026-11-30\r\n")]
    public async Task Exports_OfDaysPicked_AreForWholeMonths_AndSayWhich(string url, string fileName, string line)
    {
        using var analyst = await InboxClient.SignedInAsync(_host.Factory, "alex", Password);
        var response = await analyst.Http.GetAsync($"/api/analytics/{url}");
        var csv = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(fileName, response.Content.Headers.ContentDisposition?.FileName);
        Assert.Contains(line, csv, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/api/analytics/reach.csv?from=2026-12-31&to=2026-10-01&by=week", "before")]
    [InlineData("/api/analytics/reach.csv?from=2026-02-30&to=2026-10-01&by=week", "'from' must be a date")]
    [InlineData("/api/analytics/reach.csv?from=2026-10-01&to=tomorrow&by=week", "'to' must be a date")]
    [InlineData("/api/analytics/reach.csv?from=2024-01-01&to=2026-10-01&by=week", "longer than 2 years")]
    [InlineData("/api/analytics/reach.csv?from=2026-10-01&to=2026-12-31&by=person", "'by' must be week, channel, language or topic")]
    [InlineData("/api/analytics/reach.csv?from=2026-10-01&to=2026-12-31", "'by' must be")]
    [InlineData("/api/analytics/funnel.csv?to=2026-12-31", "required")]
    public async Task BadRequests_Answer400_WithAClearMessage(string url, string message)
    {
        using var analyst = await InboxClient.SignedInAsync(_host.Factory, "alex", Password);
        var response = await analyst.Http.GetAsync(url);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(message, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvalidDates_OnThePage_AreReshownWithTheError()
    {
        using var analyst = await InboxClient.SignedInAsync(_host.Factory, "alex", Password);
        var response = await analyst.Http.GetAsync("/inbox/analytics?from=2026-12-31&to=2026-10-01");
        var page = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("role=\"alert\"", page, StringComparison.Ordinal);
        Assert.Contains("value=\"2026-12-31\"", page, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ana", HttpStatusCode.Forbidden)]
    [InlineData(null, HttpStatusCode.Unauthorized)]
    public async Task Exports_AreForAnalystsOnly(string? user, HttpStatusCode expected)
    {
        using var client = user is null ? new InboxClient(_host.Factory) : await InboxClient.SignedInAsync(_host.Factory, user, Password);
        foreach (var url in new[] { $"/api/analytics/reach.csv?{Range}&by=channel", $"/api/analytics/funnel.csv?{Range}" })
        {
            var response = await client.Http.GetAsync(url);
            Assert.Equal(expected, response.StatusCode);
            var body = await response.Content.ReadAsStringAsync();
            Assert.DoesNotContain("people", body, StringComparison.Ordinal);
            Assert.DoesNotContain("avr,", body, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Report_PrintsTheSummary_InSpanishAndEnglish()
    {
        var environment = new Dictionary<string, string>
        {
            ["Storage__ConnectionString"] = $"Data Source={_host.Factory.DatabasePath}",
            ["Privacy__AddressKeyFile"] = Path.Combine(_host.Factory.Root, "address.key"),
            ["Analytics__PseudonymKeyFile"] = Path.Combine(_host.Factory.Root, "analytics.key"),
        };

        var (exitCode, output) = await ServiceProcess.RunAsync(RepoPaths.Root, ["report", "--from", "2026-10-01", "--to", "2026-12-31"], environment: environment);

        Assert.True(exitCode == 0, output);
        Assert.Contains("Del 1 de octubre al 31 de diciembre de 2026, OimBot alcanzó a 11 personas a través de WhatsApp y Telegram (WhatsApp: 5; Telegram: 6).", output, StringComparison.Ordinal);
        Assert.Contains("From 1 October to 31 December 2026, OimBot reached 11 people through WhatsApp and Telegram (WhatsApp: 5; Telegram: 6).", output, StringComparison.Ordinal);
        Assert.Contains("retorno voluntario (11)", output, StringComparison.Ordinal);

        Assert.DoesNotContain("widened", output, StringComparison.Ordinal);

        var (badExit, badOutput) = await ServiceProcess.RunAsync(RepoPaths.Root, ["report", "--from", "2026-12-31", "--to", "2026-10-01"], environment: environment);
        Assert.Equal(2, badExit);
        Assert.Contains("before", badOutput, StringComparison.Ordinal);

        // R19: days are widened to the whole months that hold them, the summary's dates are the months', and a note says so.
        var (weekExit, weekOutput) = await ServiceProcess.RunAsync(RepoPaths.Root, ["report", "--from", "2026-11-16", "--to", "2026-11-22"], environment: environment);
        Assert.True(weekExit == 0, weekOutput);
        Assert.Contains("Note: figures are published for whole calendar months only, so 2026-11-16 to 2026-11-22 was widened to 2026-11-01 to 2026-11-30; quote these dates.", weekOutput, StringComparison.Ordinal);
        Assert.Contains("Del 1 de noviembre al 30 de noviembre de 2026, OimBot alcanzó a 11 personas", weekOutput, StringComparison.Ordinal);
        Assert.Contains("From 1 November to 30 November 2026, OimBot reached 11 people", weekOutput, StringComparison.Ordinal);
    }

    /// <summary>R3/R20: after conversations full of numbers, nothing in the analytics tables is a number, a chat id or text.</summary>
    [Fact]
    public async Task AnalyticsTables_HoldNoNumberChatIdOrText()
    {
        await using var db = new SqliteConnection($"Data Source={_host.Factory.DatabasePath}");
        var tables = (await db.QueryAsync<string>("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'analytics%'")).ToList();
        Assert.Equal(["analytics_activity", "analytics_daily", "analytics_events", "analytics_periods"], tables.Order(StringComparer.Ordinal));

        var dump = new System.Text.StringBuilder();
        foreach (var table in tables)
        {
            foreach (IDictionary<string, object?> row in await db.QueryAsync($"SELECT * FROM {table}"))
            {
                dump.AppendJoin('|', row.Values.Select(v => v is byte[] bytes ? Convert.ToHexString(bytes) : Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture))).AppendLine();
            }
        }

        var text = dump.ToString();
        Assert.True(text.Length > 1000, "the scan must see the rows");
        foreach (var secret in TelegramChats.Concat(WhatsAppPhones).Concat(["6123-4567", "61234567", "X1234567", "passport", "número"]))
        {
            Assert.DoesNotContain(secret, text, StringComparison.OrdinalIgnoreCase);
        }
    }
}
