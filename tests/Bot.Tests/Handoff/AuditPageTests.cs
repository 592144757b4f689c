using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using OimBot.Bot.Handoff;
using OimBot.Bot.Handoff.Pages.Inbox;
using OimBot.Bot.Tests.TestHost;

namespace OimBot.Bot.Tests.Handoff;

/// <summary>
/// The audit log reads in Spanish: it had shown the stored codes ("view-transcript", "claim", "information_given",
/// "ana (caseworker)"). The codes stay in each cell's title, and stored as they were.
/// </summary>
public sealed class AuditPageTests : IAsyncLifetime, IDisposable
{
    private const string Password = "una-clave-larga-123";
    private BotFactory _factory = null!;

    public async Task InitializeAsync()
    {
        _factory = new BotFactory();
        _ = _factory.CreateClient();
        var accounts = _factory.Services.GetRequiredService<InboxAccounts>();
        await accounts.CreateAsync("ana", Roles.Caseworker, Password, false, "test", CancellationToken.None);
        await accounts.CreateAsync("sara", Roles.Supervisor, Password, false, "test", CancellationToken.None);
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    public void Dispose() => _factory.Dispose();

    /// <summary>Every action code the service writes (HandoffService, InboxAccounts), and one it does not know.</summary>
    [Theory]
    [InlineData("view-transcript", "Vio la conversación")]
    [InlineData("claim", "Tomó el caso")]
    [InlineData("reply", "Respondió")]
    [InlineData("note", "Añadió una nota interna")]
    [InlineData("transfer", "Transfirió el caso")]
    [InlineData("close", "Cerró el caso")]
    [InlineData("timeout", "Nadie tomó el caso a tiempo; se avisó a la persona")]
    [InlineData("expire", "El caso caducó sin actividad")]
    [InlineData("sign-in", "Entró en la bandeja")]
    [InlineData("sign-in-failed", "Intento de entrada fallido")]
    [InlineData("sign-out", "Salió (todas sus sesiones)")]
    [InlineData("user-added", "Añadió un usuario")]
    [InlineData("password-changed", "Cambió su contraseña")]
    [InlineData("user-disabled", "Desactivó un usuario")]
    [InlineData("user-enabled", "Activó un usuario")]
    [InlineData("release", "Devolvió el caso a la cola (cuenta desactivada)")]
    [InlineData("something-new", "something-new")]
    public void AnAuditAction_ReadsInSpanish(string code, string label) => Assert.Equal(label, InboxFormat.AuditAction(code));

    [Theory]
    [InlineData("close", "information_given", "Información dada")]
    [InlineData("close", "referred", "Referido a una institución")]
    [InlineData("expire", "expired", "Caducó sin actividad")]
    [InlineData("close", "an_outcome_from_later", "an_outcome_from_later")]
    [InlineData("user-added", "lucia (caseworker)", "lucia (atención de casos)")]
    [InlineData("user-added", "jefa (supervisor)", "jefa (supervisión)")]
    [InlineData("user-added", "alex (analyst)", "alex (análisis)")]
    [InlineData("view-transcript", "refresh", "actualización automática de la página")]
    [InlineData("reply", "42 caracteres", "42 caracteres")]
    [InlineData("transfer", "a beto", "a beto")]
    [InlineData("claim", null, null)]
    public void AnAuditDetail_ReadsInSpanish(string action, string? detail, string? shown) =>
        Assert.Equal(shown, InboxFormat.AuditDetail(new AuditEntry(DateTimeOffset.UnixEpoch, "ana", action, null, detail)));

    [Fact]
    public async Task TheAuditPage_ShowsSpanishLabels_WithTheCodesInTheirTitles()
    {
        var reference = (await WebChatCases.OpenAsync(_factory, "hola")).Reference;
        using var ana = await InboxClient.SignedInAsync(_factory, "ana", Password);
        var page = $"/inbox/case/{reference}";
        Assert.Equal(HttpStatusCode.Redirect, (await ana.PostFormAsync(page, $"{page}?handler=claim", [])).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await ana.PostFormAsync(page, $"{page}?handler=close", new() { ["outcome"] = CaseOutcomes.InformationGiven })).StatusCode);
        await _factory.Services.GetRequiredService<InboxAccounts>().CreateAsync("lucia", Roles.Caseworker, Password, true, "sara", CancellationToken.None);

        using var sara = await InboxClient.SignedInAsync(_factory, "sara", Password);
        var html = WebUtility.HtmlDecode(await sara.Http.GetStringAsync("/inbox/audit"));

        Assert.Contains("<td title=\"claim\">Tomó el caso</td>", html, StringComparison.Ordinal);
        Assert.Contains("<td title=\"close\">Cerró el caso</td>", html, StringComparison.Ordinal);
        Assert.Contains("title=\"information_given\">Información dada</td>", html, StringComparison.Ordinal);
        Assert.Contains("<td title=\"view-transcript\">Vio la conversación</td>", html, StringComparison.Ordinal);
        Assert.Contains("title=\"lucia (caseworker)\">lucia (atención de casos)</td>", html, StringComparison.Ordinal);
        Assert.Contains("<td title=\"sign-in\">Entró en la bandeja</td>", html, StringComparison.Ordinal);
        foreach (var code in new[] { ">claim<", ">close<", ">view-transcript<", ">information_given<", ">sign-in<", ">user-added<", "(caseworker)<" })
        {
            Assert.DoesNotContain(code, html, StringComparison.Ordinal);
        }

        // Stored as before: the codes, for queries and exports.
        var stored = await _factory.Services.GetRequiredService<IAuditLog>().ListAsync(50, CancellationToken.None);
        Assert.Contains(stored, e => e is { Action: "close", Detail: CaseOutcomes.InformationGiven } && e.CaseReference == reference);
    }

    /// <summary>who asks for the export, what they get: the page's own authorization.</summary>
    public static TheoryData<string?, HttpStatusCode> ExportCallers => new()
    {
        { null, HttpStatusCode.Redirect },        // to the sign-in page
        { "ana", HttpStatusCode.Forbidden },      // a caseworker
        { "alex", HttpStatusCode.Forbidden },     // an analyst
        { "sara", HttpStatusCode.OK },            // a supervisor
    };

    [Theory]
    [MemberData(nameof(ExportCallers))]
    public async Task TheAuditExport_IsForSupervisorsOnly_AsThePage(string? user, HttpStatusCode expected)
    {
        await _factory.Services.GetRequiredService<InboxAccounts>().CreateAsync("alex", Roles.Analyst, Password, false, "test", CancellationToken.None);
        using var client = user is null ? new InboxClient(_factory) : await InboxClient.SignedInAsync(_factory, user, Password);

        foreach (var path in new[] { "/inbox/audit?handler=csv", "/inbox/audit?handler=csv&from=2026-11-01&to=2026-11-30", "/inbox/audit" })
        {
            var response = await client.Http.GetAsync(path);
            Assert.True(expected == response.StatusCode, $"{user ?? "nobody"} {path}: {response.StatusCode}");
            if (expected == HttpStatusCode.Redirect)
            {
                Assert.StartsWith("/inbox/login", response.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
            }

            if (expected != HttpStatusCode.OK)
            {
                Assert.NotEqual("text/csv", response.Content.Headers.ContentType?.MediaType);
            }
        }
    }

    /// <summary>
    /// The export: UTF-8 with a byte order mark (Excel reads the accents), the time in Panama, the stored code beside its
    /// Spanish label, RFC 4180 quoting, and an apostrophe before what a spreadsheet would run as a formula.
    /// </summary>
    [Fact]
    public async Task TheAuditExport_IsACsvForExcel_QuotedAndNeverAFormula()
    {
        var log = _factory.Services.GetRequiredService<IAuditLog>();
        var at = new DateTimeOffset(2026, 11, 20, 14, 5, 9, TimeSpan.Zero); // 09:05:09 in Panama
        await log.AppendAsync("ana", "close", "K7Q2", CaseOutcomes.InformationGiven, at, CancellationToken.None);
        await log.AppendAsync("ana", "transfer", "K7Q2", "a beto, \"urgente\"", at.AddMinutes(1), CancellationToken.None);
        await log.AppendAsync("=cmd|' /C calc'!A0", "sign-in-failed", null, null, at.AddMinutes(2), CancellationToken.None);
        await log.AppendAsync("sara", "user-added", null, "@lucia (caseworker)", at.AddMinutes(3), CancellationToken.None);
        await log.AppendAsync("system", "timeout", "-2+3", "+507 6123", at.AddMinutes(4), CancellationToken.None);
        await log.AppendAsync("sara", "note", "K7Q2", "\tTAB\r\nsegunda línea", at.AddMinutes(5), CancellationToken.None);

        using var sara = await InboxClient.SignedInAsync(_factory, "sara", Password);
        var response = await sara.Http.GetAsync("/inbox/audit?handler=csv&from=2026-11-20&to=2026-11-20");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("utf-8", response.Content.Headers.ContentType?.CharSet);
        Assert.Equal("oimbot-auditoria-2026-11-20-2026-11-20.csv", response.Content.Headers.ContentDisposition?.FileNameStar);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal([0xEF, 0xBB, 0xBF], bytes[..3]);
        var csv = new UTF8Encoding(false, true).GetString(bytes[3..]);

        Assert.Equal(
            "Fecha y hora (Panamá),Quién,Código,Acción,Caso,Detalle\r\n"
            + "2026-11-20 09:05:09,ana,close,Cerró el caso,K7Q2,information_given\r\n"
            + "2026-11-20 09:06:09,ana,transfer,Transfirió el caso,K7Q2,\"a beto, \"\"urgente\"\"\"\r\n"
            + "2026-11-20 09:07:09,'=cmd|' /C calc'!A0,sign-in-failed,Intento de entrada fallido,,\r\n"
            + "2026-11-20 09:08:09,sara,user-added,Añadió un usuario,,'@lucia (caseworker)\r\n"
            + "2026-11-20 09:09:09,system,timeout,Nadie tomó el caso a tiempo; se avisó a la persona,'-2+3,'+507 6123\r\n"
            + "2026-11-20 09:10:09,sara,note,Añadió una nota interna,K7Q2,\"'\tTAB\r\nsegunda línea\"\r\n",
            csv);
    }

    /// <summary>
    /// The page and the export read the same whole days in Panama (UTC-5): a line at 23:30 the day before, in Panama, is
    /// not in the day, one at 00:30 is; and the page offers the export of the days it shows.
    /// </summary>
    [Theory]
    [InlineData("2026-11-10", "2026-11-10", new[] { "en-el-dia", "al-final-del-dia" })]
    [InlineData("2026-11-09", "2026-11-10", new[] { "la-vispera", "en-el-dia", "al-final-del-dia" })]
    [InlineData("2026-11-11", "2026-11-12", new[] { "dias-despues" })]
    [InlineData("2026-11-01", "2026-11-08", new string[0])]
    public async Task TheAuditPage_AndItsExport_ShowTheChosenDaysInPanama(string from, string to, string[] expected)
    {
        var log = _factory.Services.GetRequiredService<IAuditLog>();
        await log.AppendAsync("sara", "user-disabled", null, "la-vispera", new DateTimeOffset(2026, 11, 10, 4, 30, 0, TimeSpan.Zero), CancellationToken.None);
        await log.AppendAsync("sara", "user-disabled", null, "en-el-dia", new DateTimeOffset(2026, 11, 10, 5, 30, 0, TimeSpan.Zero), CancellationToken.None);
        await log.AppendAsync("sara", "user-disabled", null, "al-final-del-dia", new DateTimeOffset(2026, 11, 11, 4, 59, 59, TimeSpan.Zero), CancellationToken.None);
        await log.AppendAsync("sara", "user-disabled", null, "dias-despues", new DateTimeOffset(2026, 11, 12, 12, 0, 0, TimeSpan.Zero), CancellationToken.None);

        using var sara = await InboxClient.SignedInAsync(_factory, "sara", Password);
        var page = WebUtility.HtmlDecode(await sara.Http.GetStringAsync($"/inbox/audit?from={from}&to={to}"));
        var csv = await sara.Http.GetStringAsync($"/inbox/audit?handler=csv&from={from}&to={to}");

        var details = new[] { "la-vispera", "en-el-dia", "al-final-del-dia", "dias-despues" };
        Assert.Equal(expected, details.Where(d => csv.Contains($",{d}\r\n", StringComparison.Ordinal)));
        Assert.Equal(expected, details.Where(d => page.Contains($">{d}</td>", StringComparison.Ordinal)));
        Assert.Contains($"href=\"/inbox/audit?handler=csv&from={from}&to={to}\"", page, StringComparison.Ordinal);
        Assert.Contains($"{expected.Length} registro", page, StringComparison.Ordinal);
    }

    /// <summary>With no dates, the page shows the last 30 days in Panama; dates that are not days get the page with the reason, never a file.</summary>
    [Fact]
    public async Task TheAuditPage_ShowsTheLast30Days_AndRefusesDatesThatAreNot()
    {
        var log = _factory.Services.GetRequiredService<IAuditLog>();
        var now = _factory.Clock.GetUtcNow();
        await log.AppendAsync("sara", "user-disabled", null, "hace-29-dias", now.AddDays(-29), CancellationToken.None);
        await log.AppendAsync("sara", "user-disabled", null, "hace-31-dias", now.AddDays(-31), CancellationToken.None);
        using var sara = await InboxClient.SignedInAsync(_factory, "sara", Password);

        var page = WebUtility.HtmlDecode(await sara.Http.GetStringAsync("/inbox/audit"));
        Assert.Contains(">hace-29-dias</td>", page, StringComparison.Ordinal);
        Assert.DoesNotContain("hace-31-dias", page, StringComparison.Ordinal);
        Assert.Contains("href=\"/inbox/audit?handler=csv&from=2026-10-24&to=2026-11-22\"", page, StringComparison.Ordinal);

        var reversed = await sara.Http.GetAsync("/inbox/audit?handler=csv&from=2026-11-30&to=2026-11-01");
        Assert.Equal(HttpStatusCode.BadRequest, reversed.StatusCode);
        Assert.Equal("text/html", reversed.Content.Headers.ContentType?.MediaType);
        Assert.Contains("es anterior a «Desde»", WebUtility.HtmlDecode(await reversed.Content.ReadAsStringAsync()), StringComparison.Ordinal);
    }
}
