using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.DependencyInjection;
using OimBot.Bot.Handoff;
using OimBot.Bot.Tests.TestHost;

namespace OimBot.Bot.Tests.Handoff;

/// <summary>
/// Every error a staff member meets is a short Spanish page in the inbox's layout. A new user's try found 404s, failed
/// antiforgery checks, unexpected failures and the exports' ProblemDetails shown as raw English JSON, and a form posted
/// to a page without it failing with a 500. An API client that asks for JSON keeps its ProblemDetails.
/// </summary>
public sealed class InboxErrorPageTests : IAsyncLifetime, IDisposable
{
    private const string Password = "una-clave-larga-123";

    /// <summary>What Chromium sends when it opens a link or posts a form.</summary>
    private const string Browser = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8";

    private BotFactory _factory = null!;

    public async Task InitializeAsync()
    {
        _factory = new BotFactory(services: services => services.AddSingleton<IAuditLog, FailingAuditList>());
        _ = _factory.CreateClient();
        var accounts = _factory.Services.GetRequiredService<InboxAccounts>();
        await accounts.CreateAsync("ana", Roles.Caseworker, Password, false, "test", CancellationToken.None);
        await accounts.CreateAsync("sara", Roles.Supervisor, Password, false, "test", CancellationToken.None);
        await accounts.CreateAsync("alex", Roles.Analyst, Password, false, "test", CancellationToken.None);
        await accounts.CreateAsync("tomas", Roles.Analyst, Password, true, "test", CancellationToken.None);
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    public void Dispose() => _factory.Dispose();

    /// <summary>label, who (null: nobody signed in), method, address ({case}: an open case), with the form's token, status, words on the page.</summary>
    public static TheoryData<string, string?, string, string, bool, HttpStatusCode, string> Errors => new()
    {
        { "an unknown address", "ana", "GET", "/inbox/nothing-here", false, HttpStatusCode.NotFound, "Página no encontrada (404)" },
        { "an unknown case", "ana", "GET", "/inbox/case/C-NOPE99", false, HttpStatusCode.NotFound, "Caso no encontrado (404)" },
        { "a form without its antiforgery token", "ana", "POST", "/inbox/case/{case}?handler=claim", false, HttpStatusCode.BadRequest, "No se pudo enviar el formulario" },
        { "signing in without the token", null, "POST", "/inbox/login", false, HttpStatusCode.BadRequest, "No se pudo enviar el formulario" },
        { "a form the page does not have (was a 500)", "ana", "POST", "/inbox/case/{case}?handler=nope", true, HttpStatusCode.BadRequest, "Formulario desconocido (400)" },
        { "a form to a page without forms (was a 500)", "sara", "POST", "/inbox/contenthealth", true, HttpStatusCode.MethodNotAllowed, "Envío no admitido (405)" },
        { "a caseworker at a supervisor's page", "ana", "GET", "/inbox/users", false, HttpStatusCode.Forbidden, "Sin permiso (403)" },
        { "an analyst at a case", "alex", "GET", "/inbox/case/{case}", false, HttpStatusCode.Forbidden, "Sin permiso (403)" },
        { "a caseworker at an export link", "ana", "GET", "/api/analytics/reach.csv?from=2026-10-01&to=2026-12-31&by=week", false, HttpStatusCode.Forbidden, "Sin permiso (403)" },
        { "an export link before changing a temporary password", "tomas", "GET", "/api/analytics/funnel.csv?from=2026-10-01&to=2026-12-31", false, HttpStatusCode.Forbidden, "Cambia primero tu contraseña (403)" },
        { "an export link once signed out", null, "GET", "/api/analytics/funnel.csv?from=2026-10-01&to=2026-12-31", false, HttpStatusCode.Unauthorized, "Tu sesión terminó (401)" },
        { "an export link with a wrong date", "alex", "GET", "/api/analytics/reach.csv?from=2026-13-01&to=2026-12-31&by=week", false, HttpStatusCode.BadRequest, "«Desde» debe ser una fecha como 2026-10-01; «2026-13-01» no lo es." },
        { "an export link with an unknown breakdown", "alex", "GET", "/api/analytics/reach.csv?from=2026-10-01&to=2026-12-31&by=person", false, HttpStatusCode.BadRequest, "«by» debe ser week, channel, language o topic" },
        { "reversed dates on the analytics page", "alex", "GET", "/inbox/analytics?from=2026-12-31&to=2026-10-01", false, HttpStatusCode.BadRequest, "«Hasta» (2026-10-01) es anterior a «Desde» (2026-12-31)." },
        { "a range too long on the analytics page", "alex", "GET", "/inbox/analytics?from=2020-01-01&to=2026-10-01", false, HttpStatusCode.BadRequest, "El rango pasa de 2 años" },
        { "an unexpected failure", "sara", "GET", "/inbox/audit", false, HttpStatusCode.InternalServerError, "Algo falló de nuestro lado (500)" },
    };

    [Theory]
    [MemberData(nameof(Errors))]
    public async Task AnErrorInTheInbox_IsASpanishPageInItsLayout(string label, string? user, string method, string path, bool token, HttpStatusCode status, string words)
    {
        var reference = (await WebChatCases.OpenAsync(_factory, "hola")).Reference;
        path = path.Replace("{case}", reference, StringComparison.Ordinal);
        using var client = user is null ? new InboxClient(_factory) : await InboxClient.SignedInAsync(_factory, user, Password);
        client.Http.DefaultRequestHeaders.Accept.ParseAdd(Browser);

        var response = method == "GET" ? await client.Http.GetAsync(path)
            : token ? await client.PostFormAsync(path.Split('?')[0], path, [])
            : await client.Http.PostAsync(path, new FormUrlEncodedContent([]));

        var html = WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync());
        Assert.True(status == response.StatusCode, $"{label}: {response.StatusCode}");
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("<html lang=\"es\">", html, StringComparison.Ordinal);
        Assert.Contains("class=\"brand\"", html, StringComparison.Ordinal); // the inbox's own layout
        Assert.Contains(words, html, StringComparison.Ordinal);
        Assert.NotEmpty(response.Headers.GetValues("Content-Security-Policy"));
        foreach (var english in new[] { "traceId", "\"title\"", "Not Found", "Bad Request", "Forbidden", "Unauthorized", "Something went wrong", "must be", "Status Code" })
        {
            Assert.DoesNotContain(english, html, StringComparison.Ordinal);
        }
    }

    /// <summary>label, address, the Accept header sent (null: none), status.</summary>
    public static TheoryData<string, string, string?, HttpStatusCode> ApiClients => new()
    {
        { "an export client sending no Accept", "/api/analytics/reach.csv?from=2026-13-01&to=2026-12-31&by=week", null, HttpStatusCode.BadRequest },
        { "an export client taking anything", "/api/analytics/reach.csv?from=2026-13-01&to=2026-12-31&by=week", "*/*", HttpStatusCode.BadRequest },
        { "an export client asking for JSON", "/api/analytics/funnel.csv?from=2026-10-01", "application/json", HttpStatusCode.BadRequest },
        { "a client asking an inbox address for JSON", "/inbox/nothing-here", "application/json", HttpStatusCode.NotFound },
    };

    [Theory]
    [MemberData(nameof(ApiClients))]
    public async Task AnApiClient_KeepsItsProblemDetails(string label, string path, string? accept, HttpStatusCode status)
    {
        using var client = await InboxClient.SignedInAsync(_factory, "alex", Password);
        if (accept is not null)
        {
            client.Http.DefaultRequestHeaders.Accept.Add(MediaTypeWithQualityHeaderValue.Parse(accept));
        }

        var response = await client.Http.GetAsync(path);

        Assert.True(status == response.StatusCode, $"{label}: {response.StatusCode}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("\"status\":", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    /// <summary>The audit log fails to list (an unexpected failure for <c>/inbox/audit</c>); signing in still writes to it.</summary>
    private sealed class FailingAuditList : IAuditLog
    {
        public Task AppendAsync(string actor, string action, string? caseReference, string? detail, DateTimeOffset now, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task<IReadOnlyList<AuditEntry>> ListAsync(int count, CancellationToken cancellationToken) => throw new InvalidOperationException("the store is down");

        public Task<IReadOnlyList<AuditEntry>> ListAsync(DateTimeOffset from, DateTimeOffset until, int count, CancellationToken cancellationToken) => throw new InvalidOperationException("the store is down");

        public Task<long> CountAsync(DateTimeOffset from, DateTimeOffset until, CancellationToken cancellationToken) => throw new InvalidOperationException("the store is down");

        public Task<IReadOnlyList<AuditEntry>> ReadAsync(DateTimeOffset from, DateTimeOffset until, long afterId, int count, CancellationToken cancellationToken) => throw new InvalidOperationException("the store is down");
    }
}
