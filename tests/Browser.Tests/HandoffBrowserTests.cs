using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace OimBot.Browser.Tests;

/// <summary>
/// A migrant asks for a person in the web chat; a caseworker sees the case arrive live in the inbox, claims it and
/// replies; the reply reaches the migrant; the caseworker closes it; the bot resumes. Plus roles and antiforgery.
/// </summary>
public sealed partial class HandoffBrowserTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    private static Task WaitForBotTextAsync(IPage page, string text) =>
        page.Locator(".row.bot .bubble", new PageLocatorOptions { HasText = text }).Last.WaitForAsync();

    /// <summary>The inbox sends a visitor who is not signed in to its login page; then <see cref="BrowserFixture.SignInAsync"/>.</summary>
    private async Task<IPage> SignInAsync(string username)
    {
        var page = await fixture.NewDesktopAsync();
        await page.GotoAsync(fixture.BaseUrl + "/inbox");
        Assert.Contains("/inbox/login", page.Url, StringComparison.Ordinal);
        return await fixture.SignInAsync(page, username);
    }

    /// <summary>A migrant on the web chat asks for a person and says yes (through the API, not the page).</summary>
    private async Task OpenCaseAsync()
    {
        using var http = new HttpClient { BaseAddress = new Uri(fixture.BaseUrl) };
        var id = $"handoff-browser-{Guid.NewGuid():N}";
        foreach (var text in new[] { "hola", "1", "humano", "1" })
        {
            (await http.PostAsJsonAsync("/api/webchat/messages", new { conversationId = id, text })).EnsureSuccessStatusCode();
        }
    }

    /// <summary>Opens a case and returns its reference, read from the queue as the caseworker sees it.</summary>
    private async Task<string> OpenCaseAsync(IPage inbox)
    {
        await inbox.GotoAsync(fixture.BaseUrl + "/inbox");
        var before = (await inbox.Locator("#queue tr[data-reference]").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.reference)")).ToHashSet(StringComparer.Ordinal);
        await OpenCaseAsync();
        await inbox.GotoAsync(fixture.BaseUrl + "/inbox");
        var after = await inbox.Locator("#queue tr[data-reference]").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.reference)");
        return Assert.Single(after, r => !before.Contains(r));
    }

    [Fact]
    public async Task AMigrantAsksForAPerson_ACaseworkerAnswersThroughTheBot_AndTheBotResumes()
    {
        var inbox = await SignInAsync("ana");
        Assert.Equal(fixture.BaseUrl + "/inbox", inbox.Url);
        var rowsBefore = await inbox.Locator("#queue tr[data-reference]").CountAsync();

        var phone = await fixture.NewPhoneAsync();
        await phone.GotoAsync(fixture.BaseUrl + "/");
        await phone.GetByRole(AriaRole.Button, new() { Name = "Hola" }).ClickAsync();
        await phone.GetByRole(AriaRole.Button, new() { Name = "Continuar en español" }).ClickAsync();
        await WaitForBotTextAsync(phone, "¿Sobre qué quieres información?");
        await phone.FillAsync("#text", "humano");
        await phone.Keyboard.PressAsync("Enter");
        await WaitForBotTextAsync(phone, "¿Quieres que una persona de la OIM lea esta conversación");
        await phone.GetByRole(AriaRole.Button, new() { Name = "Sí, quiero" }).ClickAsync();
        await WaitForBotTextAsync(phone, "una persona del equipo de la OIM leerá esta conversación");
        await phone.FillAsync("#text", "Necesito ayuda con mi permiso <b>urgente</b>");
        await phone.Keyboard.PressAsync("Enter");

        // The queue updates by itself (Server-Sent Events), with a title badge.
        var row = inbox.Locator("#queue tr[data-reference]").Nth(rowsBefore);
        await row.WaitForAsync();
        await inbox.WaitForFunctionAsync("() => document.title.startsWith('(')");
        var reference = await row.GetAttributeAsync("data-reference");
        await inbox.ScreenshotAsync(new() { Path = Path.Combine(fixture.ArtifactsDirectory, "inbox-queue-1280.png") });

        await inbox.ClickAsync($"a[href='/inbox/case/{reference}']");
        await inbox.Locator("#transcript li.migrant", new() { HasText = "Necesito ayuda con mi permiso <b>urgente</b>" }).WaitForAsync();
        Assert.Equal(0, await inbox.Locator("#transcript b").CountAsync()); // shown as text, not markup
        await inbox.ClickAsync("#claim");
        try
        {
            await inbox.GetByText("Tomaste el caso").WaitForAsync();
        }
        catch (TimeoutException)
        {
            await File.WriteAllTextAsync(Path.Combine(fixture.ArtifactsDirectory, "claim-timeout.html"), $"<!-- {inbox.Url} -->\n" + await inbox.ContentAsync());
            throw;
        }
        await WaitForBotTextAsync(phone, "ya está leyendo tu conversación");

        await inbox.FillAsync("#reply", "Hola, soy Ana de la OIM. ¿Estás en un lugar seguro?");
        await inbox.ClickAsync("#send-reply");
        await WaitForBotTextAsync(phone, "👤 Hola, soy Ana de la OIM.");
        await inbox.ScreenshotAsync(new() { Path = Path.Combine(fixture.ArtifactsDirectory, "inbox-case-1280.png"), FullPage = true });

        await phone.FillAsync("#text", "Sí, estoy bien, gracias");
        await phone.Keyboard.PressAsync("Enter");
        await inbox.Locator("#transcript li.migrant", new() { HasText = "Sí, estoy bien, gracias" }).WaitForAsync(); // live, without reloading

        await inbox.SelectOptionAsync("#outcome", "information_given");
        inbox.Dialog += async (_, dialog) => await dialog.AcceptAsync(); // "¿Cerrar el caso …?"
        await inbox.ClickAsync("#close");
        await inbox.GetByText("Caso cerrado").WaitForAsync();
        await WaitForBotTextAsync(phone, "del 1 al 5");
        await phone.Locator("[data-choice-id='case-closed/5']").Last.ClickAsync();
        await WaitForBotTextAsync(phone, "¿Sobre qué quieres información?");
        await phone.ScreenshotAsync(new() { Path = Path.Combine(fixture.ArtifactsDirectory, "webchat-handoff-360.png") });
    }

    /// <summary>
    /// Closing a case sends the person the goodbye and cannot be undone, and disabling a colleague hands their cases back
    /// and tells each person: both ask first, and "Cancelar" changes nothing. One click (or Enter on the wrong row) had
    /// done it. The Users page's buttons say whom they disable.
    /// </summary>
    [Fact]
    public async Task ClosingACase_OrDisablingAColleague_AsksFirst()
    {
        var inbox = await SignInAsync("sara");
        var reference = await OpenCaseAsync(inbox);
        await inbox.GotoAsync($"{fixture.BaseUrl}/inbox/case/{reference}");
        var asked = new List<string>();
        var accept = false;
        inbox.Dialog += async (_, dialog) =>
        {
            asked.Add(dialog.Message);
            if (accept) await dialog.AcceptAsync(); else await dialog.DismissAsync();
        };

        await inbox.ClickAsync("#close");
        await inbox.WaitForTimeoutAsync(300);
        Assert.Contains($"¿Cerrar el caso {reference}?", Assert.Single(asked), StringComparison.Ordinal);
        Assert.Contains($"/inbox/case/{reference}", inbox.Url, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(1, await inbox.Locator("#close").CountAsync()); // still open: nothing was sent

        accept = true;
        await inbox.ClickAsync("#close");
        await inbox.GetByText("Caso cerrado").WaitForAsync();

        accept = false;
        await inbox.GotoAsync(fixture.BaseUrl + "/inbox/users");
        var disable = inbox.GetByRole(AriaRole.Button, new() { Name = "Desactivar a ana" });
        await disable.ClickAsync();
        await inbox.WaitForTimeoutAsync(300);
        Assert.StartsWith("¿Desactivar a ana?", asked[^1], StringComparison.Ordinal);
        Assert.Equal(1, await disable.CountAsync()); // still active
    }

    /// <summary>
    /// A reply typed while the session ended (8 hours without the person's own requests, or signed out elsewhere) was
    /// lost: Send led to the sign-in page and the text was gone. Now the case page keeps what is typed in the tab's
    /// sessionStorage (never localStorage: it may hold a migrant's personal data), the sign-in leads back to the case,
    /// and the reply is in its box again, said to be unsent. Sent, it is gone from the tab; signing out clears every draft.
    /// </summary>
    [Fact]
    public async Task AReplyTypedWhenTheSessionHadEnded_IsInItsBoxAgain_AfterSigningIn()
    {
        var inbox = await SignInAsync("ana");
        var reference = await OpenCaseThroughTheWebChatAsync(inbox, "Tengo una pregunta sobre mi carné");
        var casePage = $"{fixture.BaseUrl}/inbox/case/{reference}";
        await inbox.GotoAsync(casePage);
        var reply = "Hola, soy Ana de la OIM.\nPara tu carné necesitas la cita en Migración; te explico los pasos uno por uno.";
        await inbox.FillAsync("#reply", reply);

        // The session ends (as after 8 hours): the sign-in cookie is gone, the page is still open.
        await inbox.Context.ClearCookiesAsync(new() { Name = "oimbot.inbox" });
        await inbox.ClickAsync("#send-reply");
        await OnAsync(inbox, "/inbox/login");
        await fixture.SignInAsync(inbox, "ana");

        Assert.Equal(casePage, inbox.Url, ignoreCase: true); // the form's links are lower case
        Assert.Equal(reply, await inbox.InputValueAsync("#reply"));
        await inbox.Locator("#reply-restored").WaitForAsync();
        Assert.Equal(0, await inbox.EvaluateAsync<int>("() => localStorage.length"));

        await inbox.ClickAsync("#send-reply");
        await inbox.GetByText("Respuesta enviada.").WaitForAsync();
        Assert.Equal(string.Empty, await inbox.InputValueAsync("#reply"));
        Assert.Equal(0, await inbox.EvaluateAsync<int>("() => Object.keys(sessionStorage).filter(k => k.startsWith('oimbot.draft.')).length"));

        // A draft left when signing out is not kept for whoever uses the tab next.
        await inbox.FillAsync("#note", "Llamar el lunes.");
        Assert.Equal(1, await inbox.EvaluateAsync<int>("() => Object.keys(sessionStorage).filter(k => k.startsWith('oimbot.draft.')).length"));
        await inbox.ClickAsync("form.signout button");
        await OnAsync(inbox, "/inbox/login");
        Assert.Equal(0, await inbox.EvaluateAsync<int>("() => Object.keys(sessionStorage).filter(k => k.startsWith('oimbot.draft.')).length"));
    }

    /// <summary>
    /// A queue left open after its session ended elsewhere (signed out from another computer: every session of the user
    /// ends) had gone on with its live updates until a change in the queue; now its stream ends at its next check and the
    /// page says the session ended, with nothing else happening meanwhile.
    /// </summary>
    [Fact]
    public async Task AnOpenQueue_SaysTheSessionEnded_WhenItWasSignedOutElsewhere()
    {
        var queue = await SignInAsync("ana");
        Assert.Equal(0, await queue.Locator("#session-ended").CountAsync());

        var elsewhere = await SignInAsync("ana");
        await elsewhere.ClickAsync("form.signout button");
        await OnAsync(elsewhere, "/inbox/login");

        await queue.Locator("#session-ended").WaitForAsync(new() { Timeout = 30_000 });
        Assert.Contains("Tu sesión terminó", await queue.Locator("#session-ended").TextContentAsync() ?? string.Empty, StringComparison.Ordinal);
        Assert.Contains("/inbox", queue.Url, StringComparison.Ordinal); // the page stays, with what it showed
    }

    /// <summary>Until the page is at <paramref name="path"/>, watched as <see cref="BrowserFixture.SignInAsync"/> does (a load state may never be reported).</summary>
    private static async Task OnAsync(IPage page, string path)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (!page.Url.Contains(path, StringComparison.Ordinal))
        {
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(45), $"still on {page.Url}, not {path}");
            await Task.Delay(25);
        }

        await page.WaitForFunctionAsync("() => document.readyState !== 'loading'", null, new() { Timeout = 45_000 });
    }

    /// <summary>A migrant asks for a person in the web chat (its API, as the page does) and writes; the new case's reference in the queue.</summary>
    private async Task<string> OpenCaseThroughTheWebChatAsync(IPage inbox, string then)
    {
        await inbox.GotoAsync(fixture.BaseUrl + "/inbox");
        var before = await inbox.Locator("#queue tr[data-reference]").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.reference)");
        using var web = new HttpClient { BaseAddress = new Uri(fixture.BaseUrl) };
        var conversation = Guid.NewGuid().ToString("N");
        foreach (var text in new[] { "hola", "1", "humano", "1", then })
        {
            (await web.PostAsJsonAsync("/api/webchat/messages", new { conversationId = conversation, text })).EnsureSuccessStatusCode();
        }

        await inbox.GotoAsync(fixture.BaseUrl + "/inbox");
        var after = await inbox.Locator("#queue tr[data-reference]").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.reference)");
        return Assert.Single(after.Except(before));
    }

    [Fact]
    public async Task ACaseworker_CannotOpenSupervisorOrAnalystPages_NorPostWithoutTheToken()
    {
        var inbox = await SignInAsync("ana");
        Assert.Equal(fixture.BaseUrl + "/inbox", inbox.Url);

        var users = await inbox.GotoAsync(fixture.BaseUrl + "/inbox/users");
        Assert.Equal(403, users!.Status);
        Assert.Contains("Sin permiso (403)", await inbox.ContentAsync(), StringComparison.Ordinal);
        Assert.Equal(403, (await inbox.GotoAsync(fixture.BaseUrl + "/inbox/analytics"))!.Status);

        await inbox.GotoAsync(fixture.BaseUrl + "/inbox");
        var status = await inbox.EvaluateAsync<int>("() => fetch('/inbox/case/C-AAAAAA?handler=claim', { method: 'POST' }).then(r => r.status)");
        Assert.Equal(400, status);
    }

    [Fact]
    public async Task AnAnalyst_SeesAnalytics_ButNoCaseOrTranscript()
    {
        var page = await SignInAsync("alex");
        await page.Locator("h1", new() { HasText = "Alcance" }).WaitForAsync();
        Assert.EndsWith("/inbox/analytics", page.Url, StringComparison.Ordinal);
        Assert.Matches(AnalyticsOnlyNav(), await page.InnerTextAsync("header"));
        Assert.DoesNotContain("Casos", await page.InnerTextAsync("header nav"), StringComparison.Ordinal);
        Assert.Equal(403, (await page.GotoAsync(fixture.BaseUrl + "/inbox"))!.Status);
        Assert.Equal(403, (await page.GotoAsync(fixture.BaseUrl + "/inbox/case/C-AAAAAA"))!.Status);
    }

    /// <summary>
    /// A ready-made answer goes in at the cursor, or after what was typed with a blank line between, and never replaces
    /// it: choosing one had thrown away the reply the caseworker had been writing.
    /// </summary>
    [Fact]
    public async Task ACannedAnswer_GoesInAtTheCursor_AndKeepsWhatWasTyped()
    {
        var inbox = await SignInAsync("ana");
        var reference = await OpenCaseAsync(inbox);
        await inbox.GotoAsync($"{fixture.BaseUrl}/inbox/case/{reference}");
        var canned = inbox.Locator("select[data-canned]");
        var noCost = await canned.Locator("option[value='no-cost']").GetAttributeAsync("data-text");
        var greeting = await canned.Locator("option[value='greeting']").GetAttributeAsync("data-text");
        Assert.False(string.IsNullOrEmpty(noCost));
        Assert.False(string.IsNullOrEmpty(greeting));

        // After what was typed, the cursor at its end: a blank line between.
        await inbox.FillAsync("#reply", "Hola, te leo.");
        await canned.SelectOptionAsync("no-cost");
        Assert.Equal("Hola, te leo.\n\n" + noCost, await inbox.InputValueAsync("#reply"));
        Assert.Equal(string.Empty, await canned.InputValueAsync()); // ready for the next one

        // The cursor between two lines: the answer goes there, each line kept.
        await inbox.FillAsync("#reply", "Primera línea.\nÚltima línea.");
        await inbox.EvalOnSelectorAsync("#reply", "t => t.setSelectionRange(14, 14)");
        await canned.SelectOptionAsync("greeting");
        Assert.Equal("Primera línea.\n\n" + greeting + "\n\nÚltima línea.", await inbox.InputValueAsync("#reply"));
        Assert.Equal(16 + greeting!.Length, await inbox.EvalOnSelectorAsync<int>("#reply", "t => t.selectionStart")); // the cursor after it

        // An empty box gets the answer alone.
        await inbox.FillAsync("#reply", string.Empty);
        await canned.SelectOptionAsync("greeting");
        Assert.Equal(greeting, await inbox.InputValueAsync("#reply"));
    }

    /// <summary>
    /// Every staff page fits a 360 px phone without scrolling sideways: the users' and the content pages' tables had made
    /// the whole page scroll (a new user's try). Wide tables scroll inside their own box; long words wrap.
    /// </summary>
    [Fact]
    public async Task EveryInboxPage_FitsA360PxPhone_WithoutScrollingSideways()
    {
        var desk = await SignInAsync("ana");
        var reference = await OpenCaseAsync(desk);
        using (var http = new HttpClient { BaseAddress = new Uri(fixture.BaseUrl) })
        {
            // A long word in the conversation, as people paste links and codes.
            var id = $"handoff-browser-{Guid.NewGuid():N}";
            foreach (var text in new[] { "hola", "1", "humano", "1", "https://example.org/" + new string('x', 120) })
            {
                (await http.PostAsJsonAsync("/api/webchat/messages", new { conversationId = id, text })).EnsureSuccessStatusCode();
            }
        }

        var phone = await fixture.SignInAsync(await fixture.NewPhoneAsync(360, 740), "sara");
        foreach (var path in new[] { "/inbox/users", "/inbox/contenthealth", "/inbox", $"/inbox/case/{reference}", "/inbox/audit", "/inbox/analytics", "/inbox/case/C-NOPE99" })
        {
            await phone.GotoAsync(fixture.BaseUrl + path);
            await phone.Locator("main h1").First.WaitForAsync();
            var width = await phone.EvaluateAsync<int>("() => document.documentElement.scrollWidth");
            var wide = await phone.EvaluateAsync<string>(
                "() => [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > 361 && !e.closest('.table-scroll')).slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right)).join('; ')");
            await phone.ScreenshotAsync(new() { Path = Path.Combine(fixture.ArtifactsDirectory, $"inbox{path.Replace('/', '-')}-360.png"), FullPage = true });
            Assert.True(width <= 360, $"{path} is {width} px wide at 360: {wide}");
        }
    }

    /// <summary>
    /// A screen reader is told when a case arrives, politely, with its priority, topic and language and nothing about the
    /// person: the queue had only beeped and changed the title.
    /// </summary>
    [Fact]
    public async Task ANewCase_IsAnnouncedPolitely_WithoutPersonalData()
    {
        var inbox = await SignInAsync("ana");
        var news = inbox.Locator("#queue-news");
        Assert.Equal("polite", await news.GetAttributeAsync("aria-live"));
        Assert.Equal("status", await news.GetAttributeAsync("role"));
        Assert.Equal(string.Empty, (await news.TextContentAsync())?.Trim());
        var before = (await inbox.Locator("#queue tr[data-reference]").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.reference)")).ToHashSet(StringComparer.Ordinal);

        using (var http = new HttpClient { BaseAddress = new Uri(fixture.BaseUrl) })
        {
            var id = $"handoff-browser-{Guid.NewGuid():N}";
            foreach (var text in new[] { "hola", "1", "humano", "1", "Soy Marisol Quintero, mi número es 6123-4567" })
            {
                (await http.PostAsJsonAsync("/api/webchat/messages", new { conversationId = id, text })).EnsureSuccessStatusCode();
            }
        }

        await inbox.WaitForFunctionAsync("() => document.getElementById('queue-news').textContent.startsWith('Caso nuevo')", null, new() { Timeout = 30_000 });
        var said = await news.TextContentAsync() ?? string.Empty;
        var row = Assert.Single(await inbox.Locator("#queue tr[data-reference]").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.reference)"), r => !before.Contains(r));
        Assert.StartsWith("Caso nuevo: prioridad normal, tema ", said, StringComparison.Ordinal);
        Assert.Contains("idioma español", said, StringComparison.Ordinal);
        foreach (var personal in new[] { row, "Marisol", "Quintero", "6123", "chat web", "webchat" })
        {
            Assert.DoesNotContain(personal, said, StringComparison.OrdinalIgnoreCase);
        }

        Assert.Equal(0, await inbox.Locator("[data-live] #queue-news").CountAsync()); // outside what the refresh replaces
    }

    [GeneratedRegex("Analítica")]
    private static partial Regex AnalyticsOnlyNav();
}
