using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using OimBot.Bot.Handoff;
using OimBot.Bot.Handoff.Pages.Inbox;
using OimBot.Bot.Tests.TestHost;

namespace OimBot.Bot.Tests.Handoff;

/// <summary>Cookies that stop working when they should, the temporary-password rule everywhere, sign-in that tells nothing, headers.</summary>
public sealed class InboxSecurityTests : IAsyncLifetime, IDisposable
{
    private const string Password = "una-clave-larga-123";
    private BotFactory _factory = null!;

    private InboxAccounts Accounts => _factory.Services.GetRequiredService<InboxAccounts>();

    public async Task InitializeAsync()
    {
        _factory = new BotFactory(settings: new Dictionary<string, string?> { ["Proxy:KnownProxies:0"] = "10.0.0.5" });
        _ = _factory.CreateClient();
        await Accounts.CreateAsync("ana", Roles.Caseworker, Password, false, "test", CancellationToken.None);
        await Accounts.CreateAsync("nuevo", Roles.Analyst, Password, true, "test", CancellationToken.None);
        await Accounts.CreateAsync("baja", Roles.Caseworker, Password, false, "test", CancellationToken.None);
        await Accounts.SetDisabledAsync("baja", true, "test", CancellationToken.None);
        await Accounts.CreateAsync("cerrada", Roles.Caseworker, Password, false, "test", CancellationToken.None);
        await Accounts.CreateAsync("sara", Roles.Supervisor, Password, false, "test", CancellationToken.None);
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    public void Dispose() => _factory.Dispose();

    private static string CookieOf(HttpResponseMessage response) =>
        response.Headers.GetValues("Set-Cookie").First(c => c.StartsWith("oimbot.inbox=", StringComparison.Ordinal));

    private async Task<HttpStatusCode> WithCopiedCookieAsync(string cookie, string path = "/inbox")
    {
        using var thief = _factory.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
        thief.DefaultRequestHeaders.Add("Cookie", cookie.Split(';')[0]);
        return (await thief.GetAsync(path)).StatusCode;
    }

    private async Task<(string Cookie, InboxClient Client)> SignInAsync(string user, string address)
    {
        var client = new InboxClient(_factory, address);
        var response = await client.PostFormAsync("/inbox/login", "/inbox/login", new() { ["username"] = user, ["password"] = Password });
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        return (CookieOf(response), client);
    }

    [Fact]
    public async Task SigningOut_RevokesACopiedCookie()
    {
        var (cookie, client) = await SignInAsync("ana", "192.0.2.10");
        using (client)
        {
            Assert.Equal(HttpStatusCode.OK, await WithCopiedCookieAsync(cookie));

            var signedOut = await client.PostFormAsync("/inbox", "/inbox/logout", []);
            Assert.Equal(HttpStatusCode.Redirect, signedOut.StatusCode);
        }

        Assert.Equal(HttpStatusCode.Redirect, await WithCopiedCookieAsync(cookie)); // to the sign-in page, not the queue
    }

    [Fact]
    public async Task ChangingThePassword_RevokesEveryOtherSession_AndKeepsTheOneThatChangedIt()
    {
        var (other, otherClient) = await SignInAsync("nuevo", "192.0.2.11");
        otherClient.Dispose();
        var (_, client) = await SignInAsync("nuevo", "192.0.2.12");
        using (client)
        {
            var changed = await client.PostFormAsync("/inbox/password", "/inbox/password", new() { ["current"] = Password, ["password"] = "otra-clave-larga-456", ["confirmation"] = "otra-clave-larga-456" });
            Assert.Equal(HttpStatusCode.Redirect, changed.StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await client.Http.GetAsync("/inbox/analytics")).StatusCode);
        }

        Assert.Equal(HttpStatusCode.Redirect, await WithCopiedCookieAsync(other, "/inbox/analytics"));
        await _factory.Services.GetRequiredService<IUserStore>().SetPasswordAsync("nuevo", _factory.Services.GetRequiredService<Microsoft.AspNetCore.Identity.IPasswordHasher<InboxUser>>().HashPassword(null!, Password), mustChangePassword: true, CancellationToken.None);
    }

    /// <summary>path, what a user with a temporary password gets there.</summary>
    public static TheoryData<string, HttpStatusCode> TemporaryPasswordPaths => new()
    {
        { "/api/analytics/reach.csv?from=2026-10-01&to=2026-12-31", HttpStatusCode.Forbidden },
        { "/api/analytics/funnel.csv?from=2026-10-01&to=2026-12-31", HttpStatusCode.Forbidden },
        { "/inbox/events", HttpStatusCode.Forbidden },
        { "/inbox/analytics", HttpStatusCode.Redirect },
        { "/inbox/password", HttpStatusCode.OK },
    };

    [Theory]
    [MemberData(nameof(TemporaryPasswordPaths))]
    public async Task ATemporaryPassword_MustBeChangedBeforeAnythingElse_CsvExportsIncluded(string path, HttpStatusCode expected)
    {
        var (_, client) = await SignInAsync("nuevo", "192.0.2.13");
        using (client)
        {
            var response = await client.Http.GetAsync(path);
            Assert.True(expected == response.StatusCode, $"{path}: {response.StatusCode}");
            Assert.DoesNotContain("text/csv", response.Content.Headers.ContentType?.MediaType ?? string.Empty, StringComparison.Ordinal);
        }
    }

    /// <summary>
    /// Unknown, disabled and locked accounts and a wrong password get the same words, and none is answered faster than
    /// the floor (a hash and the database writes take less): the answer does not tell which accounts exist.
    /// </summary>
    [Fact]
    public async Task RefusedSignIns_SayTheSameWords_AndTakeAtLeastTheFloor_WhateverTheAccount()
    {
        await _factory.Services.GetRequiredService<IUserStore>().RecordFailureAsync("cerrada", 1, TimeSpan.FromDays(1), _factory.Clock.GetUtcNow(), CancellationToken.None);
        var cases = new[] { ("nadie-existe", "x-clave-cualquiera"), ("ana", "equivocada-123"), ("baja", Password), ("cerrada", Password) };
        var timings = new Dictionary<string, List<TimeSpan>>();
        var address = 20;
        foreach (var (user, password) in cases)
        {
            timings[user] = [];
            for (var attempt = 0; attempt < 3; attempt++)
            {
                using var client = new InboxClient(_factory, $"192.0.2.{address++}");
                _ = await client.Http.GetStringAsync("/inbox/login");
                var watch = Stopwatch.StartNew();
                var response = await client.PostFormAsync("/inbox/login", "/inbox/login", new() { ["username"] = user, ["password"] = password });
                watch.Stop();
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                var page = await response.Content.ReadAsStringAsync();
                Assert.Contains(LoginModel.RefusedWords, page, StringComparison.Ordinal);
                Assert.DoesNotContain("bloqueada hasta", page, StringComparison.Ordinal);
                timings[user].Add(watch.Elapsed);
            }
        }

        // The form's own GET is inside the measured call too, so the floor is a lower bound of every refusal.
        Assert.All(timings.Values.SelectMany(t => t), t => Assert.True(t >= InboxAccounts.RefusalFloor, $"{t.TotalMilliseconds} ms"));
    }

    [Fact]
    public async Task OneAddressTryingManyAccounts_IsStoppedAfterTheLimit()
    {
        await using var factory = new BotFactory(settings: new Dictionary<string, string?> { ["Handoff:SignInAttemptsPerAddress"] = "4" });
        _ = factory.CreateClient();
        await factory.Services.GetRequiredService<InboxAccounts>().CreateAsync("ana", Roles.Caseworker, Password, false, "test", CancellationToken.None);
        using var client = new InboxClient(factory, "203.0.113.50");
        var statuses = new List<HttpStatusCode>();
        foreach (var user in new[] { "uno", "dos", "tres", "cuatro", "ana" })
        {
            statuses.Add((await client.PostFormAsync("/inbox/login", "/inbox/login", new() { ["username"] = user, ["password"] = user == "ana" ? Password : "mal-123456789" })).StatusCode);
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], statuses);
        using var elsewhere = await InboxClient.SignedInAsync(factory, "ana", Password, "198.51.100.77");
    }

    /// <summary>
    /// A new password ({user} is the account's own name), and why it is refused (null: accepted). One rule for the Users
    /// page, the password page and <c>users add</c> (<c>PasswordPolicy</c>): twelve characters had been enough,
    /// so "contraseña123" and "123456789012" were accepted.
    /// </summary>
    public static TheoryData<string, string?> NewPasswords => new()
    {
        { "corta-1234", "al menos 12 caracteres" },
        { "soy-{user}-de-la-oim", "no puede contener el nombre de usuario" },
        { "contraseña123", "demasiado común" },
        { "Contrasena2026!", "demasiado común" },
        { "password1234", "demasiado común" },
        { "123456789012", "demasiado común" },
        { "098765432109", "demasiado común" },
        { "123123123123", "demasiado común" },
        { "qwertyuiop12", "demasiado común" },
        { "oimpanama2026", "demasiado común" },
        { "OIM-Panama-2027", "demasiado común" },
        { "bienvenido2026", "demasiado común" },
        { "aaaaaaaaaaaaaa", "un solo carácter repetido" },
        { "############", "un solo carácter repetido" },
        { "mango-lluvia-puerto-7", null },
        { "tres perros azules cantan", null },
    };

    [Theory]
    [MemberData(nameof(NewPasswords))]
    public async Task ANewPassword_IsJudgedAlike_AddingAUser_AndChangingOnesOwn(string password, string? refusal)
    {
        using var sara = await InboxClient.SignedInAsync(_factory, "sara", Password, "192.0.2.50");
        var forLucia = password.Replace("{user}", "lucia", StringComparison.Ordinal);
        var added = await sara.PostFormAsync("/inbox/users", "/inbox/users?handler=add", new() { ["username"] = "lucia", ["role"] = Roles.Caseworker, ["password"] = forLucia, ["confirmation"] = forLucia });
        var lucia = await _factory.Services.GetRequiredService<IUserStore>().FindAsync("lucia", CancellationToken.None);
        if (refusal is null)
        {
            Assert.Equal(HttpStatusCode.Redirect, added.StatusCode);
            Assert.NotNull(lucia);
        }
        else
        {
            Assert.Equal(HttpStatusCode.OK, added.StatusCode); // the form again, with the name kept and the reason
            var page = WebUtility.HtmlDecode(await added.Content.ReadAsStringAsync());
            Assert.Contains(refusal, page, StringComparison.Ordinal);
            Assert.Contains("value=\"lucia\"", page, StringComparison.Ordinal);
            Assert.Null(lucia);
        }

        // Her own, on the password page ("ana" is in "oimpanama": refused for that first).
        var forSara = password.Replace("{user}", "sara", StringComparison.Ordinal);
        var changed = await sara.PostFormAsync("/inbox/password", "/inbox/password", new() { ["current"] = Password, ["password"] = forSara, ["confirmation"] = forSara });
        if (refusal is null)
        {
            Assert.Equal(HttpStatusCode.Redirect, changed.StatusCode);
        }
        else
        {
            Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
            Assert.Contains(refusal, WebUtility.HtmlDecode(await changed.Content.ReadAsStringAsync()), StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.OK, (await sara.Http.GetAsync("/inbox")).StatusCode); // still signed in, password unchanged
        }
    }

    /// <summary>
    /// What asks the server 5 hours into an 8-hour session (past half: a renewal is due), path, whether inbox.js sends
    /// it by itself (X-Requested-With: fetch), and whether the person is still signed in 4 hours later. The live updates
    /// had renewed the session, so an inbox left open on an unattended computer stayed signed in for ever.
    /// </summary>
    public static TheoryData<string, string, bool, bool> MidSessionRequests => new()
    {
        { "a page the person opened", "/inbox", false, true },
        { "a case the person opened", "/inbox/case/{case}", false, true },
        { "the queue's live refresh", "/inbox?handler=queue", true, false },
        { "a transcript's live refresh", "/inbox/case/{case}?handler=transcript", true, false },
        { "the event stream", "/inbox/events", false, false },
    };

    [Theory]
    [MemberData(nameof(MidSessionRequests))]
    public async Task OnlyThePersonsOwnRequests_KeepTheSessionAlive(string request, string path, bool byThePage, bool stillSignedIn)
    {
        var (_, reference) = await WebChatCases.OpenAsync(_factory);
        var (_, client) = await SignInAsync("ana", "192.0.2.60");
        using (client)
        {
            _factory.Clock.Advance(TimeSpan.FromHours(5));
            using (var message = new HttpRequestMessage(HttpMethod.Get, path.Replace("{case}", reference, StringComparison.Ordinal)))
            {
                if (byThePage)
                {
                    message.Headers.Add("X-Requested-With", "fetch");
                }

                using var response = await client.Http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead); // the stream never ends
                Assert.True(response.StatusCode == HttpStatusCode.OK, $"{request}: {response.StatusCode}");
            }

            _factory.Clock.Advance(TimeSpan.FromHours(4));
            var later = await client.Http.GetAsync("/inbox");
            Assert.True((later.StatusCode == HttpStatusCode.OK) == stillSignedIn, $"{request}: {later.StatusCode} 9 hours after signing in");
            if (!stillSignedIn)
            {
                Assert.StartsWith("/inbox/login", later.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
                using var refresh = new HttpRequestMessage(HttpMethod.Get, "/inbox?handler=queue");
                refresh.Headers.Add("X-Requested-With", "fetch");
                using var refused = await client.Http.SendAsync(refresh);
                Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode); // the page says the session ended, with no login page inside it
            }
        }
    }

    /// <summary>address the request comes from, X-Forwarded-Proto, whether the cookie is Secure.</summary>
    public static TheoryData<string, string?, bool> Proxies => new()
    {
        { "10.0.0.5", "https", true },      // the configured proxy, which terminated HTTPS
        { "10.0.0.5", null, false },        // the proxy, plain HTTP
        { "10.0.0.99", "https", false },    // anyone else's forwarded header is not believed
    };

    [Theory]
    [MemberData(nameof(Proxies))]
    public async Task TheCookieIsSecure_WhenTheRequestWasHttps_AlsoBehindAKnownProxy(string from, string? proto, bool secure)
    {
        using var client = new InboxClient(_factory, from);
        if (proto is not null)
        {
            client.Http.DefaultRequestHeaders.Add("X-Forwarded-Proto", proto);
            client.Http.DefaultRequestHeaders.Add("X-Forwarded-For", "198.51.100.200");
        }

        var response = await client.PostFormAsync("/inbox/login", "/inbox/login", new() { ["username"] = "ana", ["password"] = Password });
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal(secure, CookieOf(response).Contains("secure", StringComparison.OrdinalIgnoreCase));
    }

    [Theory]
    [InlineData("/inbox/login")]
    [InlineData("/inbox")]
    public async Task InboxPages_SendAPolicyAgainstFramingSniffingAndForeignScripts(string path)
    {
        using var client = new InboxClient(_factory);
        var response = await client.Http.GetAsync(path);
        var policy = response.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("frame-ancestors 'none'", policy, StringComparison.Ordinal);
        Assert.Contains("script-src 'self'", policy, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline", policy, StringComparison.Ordinal);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
        Assert.True(response.Headers.CacheControl is { NoStore: true, NoCache: true }, $"Cache-Control: {response.Headers.CacheControl}");
        Assert.DoesNotContain(_factory.Logs.Lines, line => line.Contains("Antiforgery", StringComparison.Ordinal)); // no warning per page served
    }
}
