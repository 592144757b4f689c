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
        Assert.Equal("week,people\r\n", (await analyst.Http.GetStringAsync("/api/analytics/reach.csv?from=2025-01-06&to=2025-01-12&by=week")).TrimStart('\uFEFF')[..13]);
    }

    [Theory]
    [InlineData("channel", "channel,people\r\nwhatsapp,5\r\ntelegram,6\r\ntwilio,0\r\nwebchat,0\r\ntotal,11\r\n")]
    [InlineData("language", "language,people\r\nes,6\r\nen,5\r\nfr,0\r\nht,0\r\npt,0\r\nzh,0\r\ntotal,11\r\n")] // every language served, the new ones too
    [InlineData("week", "week,people\r\n")]
    [InlineData("topic", "topic,people\r\navr,11\r\n")]
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
            Assert.Contains("2026-W47,11\r\n", csv, StringComparison.Ordinal);
            Assert.Contains("2026-W40,0\r\n", csv, StringComparison.Ordinal);
            Assert.EndsWith("total,11\r\n", csv, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task FunnelCsv_CountsPeopleAtEachStep()
    {
        using var analyst = await InboxClient.SignedInAsync(_host.Factory, "alex", Password);
        var csv = (await analyst.Http.GetStringAsync($"/api/analytics/funnel.csv?{Range}")).TrimStart('\uFEFF');

        Assert.StartsWith("topic,entered,information,prescreening,handoff\r\n", csv, StringComparison.Ordinal);
        Assert.Contains("\r\navr,11,11,0,0\r\n", csv, StringComparison.Ordinal);
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

        var (badExit, badOutput) = await ServiceProcess.RunAsync(RepoPaths.Root, ["report", "--from", "2026-12-31", "--to", "2026-10-01"], environment: environment);
        Assert.Equal(2, badExit);
        Assert.Contains("before", badOutput, StringComparison.Ordinal);
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
