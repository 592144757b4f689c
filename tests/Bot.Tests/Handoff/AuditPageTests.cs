using System.Net;
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
}
