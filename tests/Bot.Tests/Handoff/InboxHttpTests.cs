using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using OimBot.Bot.Handoff;
using OimBot.Bot.Tests.TestHost;

namespace OimBot.Bot.Tests.Handoff;

/// <summary>The inbox over HTTP: sign-in, roles, antiforgery, lockout, the first admin, and text shown, never run.</summary>
public sealed partial class InboxHttpTests : IAsyncLifetime, IDisposable
{
    private const string Password = "una-clave-larga-123";
    private BotFactory _factory = null!;

    public async Task InitializeAsync()
    {
        _factory = new BotFactory();
        _ = _factory.CreateClient(); // starts the host: the first admin is created now
        var accounts = _factory.Services.GetRequiredService<InboxAccounts>();
        await accounts.CreateAsync("ana", Roles.Caseworker, Password, false, "test", CancellationToken.None);
        await accounts.CreateAsync("beto", Roles.Caseworker, Password, false, "test", CancellationToken.None);
        await accounts.CreateAsync("sara", Roles.Supervisor, Password, false, "test", CancellationToken.None);
        await accounts.CreateAsync("alex", Roles.Analyst, Password, false, "test", CancellationToken.None);
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    public void Dispose() => _factory.Dispose();

    private async Task<string> OpenCaseAsync(string text) => (await WebChatCases.OpenAsync(_factory, text)).Reference;

    [Theory]
    [InlineData("/inbox")]
    [InlineData("/inbox/case/C-XXXXXX")]
    [InlineData("/inbox/users")]
    [InlineData("/inbox/analytics")]
    public async Task WithoutSigningIn_EveryPageRedirectsToTheLogin(string path)
    {
        using var client = new InboxClient(_factory);
        var response = await client.Http.GetAsync(path);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/inbox/login", response.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.Http.GetAsync("/inbox/events")).StatusCode);
    }

    public static TheoryData<string, string, HttpStatusCode> Access => new()
    {
        { "ana", "/inbox", HttpStatusCode.OK },
        { "ana", "/inbox/users", HttpStatusCode.Forbidden },
        { "ana", "/inbox/audit", HttpStatusCode.Forbidden },
        { "ana", "/inbox/contenthealth", HttpStatusCode.Forbidden },
        { "ana", "/inbox/analytics", HttpStatusCode.Forbidden },
        { "alex", "/inbox/analytics", HttpStatusCode.OK },
        { "alex", "/inbox", HttpStatusCode.Forbidden },
        { "alex", "/inbox/case/{case}", HttpStatusCode.Forbidden },
        { "alex", "/inbox/users", HttpStatusCode.Forbidden },
        { "sara", "/inbox", HttpStatusCode.OK },
        { "sara", "/inbox/case/{case}", HttpStatusCode.OK },
        { "sara", "/inbox/users", HttpStatusCode.OK },
        { "sara", "/inbox/audit", HttpStatusCode.OK },
        { "sara", "/inbox/contenthealth", HttpStatusCode.OK },
        { "sara", "/inbox/analytics", HttpStatusCode.OK },
        { "ana", "/inbox/case/{case}", HttpStatusCode.OK },
        { "ana", "/inbox/case/C-NOPE99", HttpStatusCode.NotFound },
    };

    [Theory]
    [MemberData(nameof(Access))]
    public async Task EachRole_OpensOnlyItsPages(string user, string path, HttpStatusCode status)
    {
        var reference = await OpenCaseAsync("hola");
        using var client = await InboxClient.SignedInAsync(_factory, user, Password);
        var response = await client.Http.GetAsync(path.Replace("{case}", reference, StringComparison.Ordinal));
        Assert.Equal(status, response.StatusCode);
        if (status == HttpStatusCode.Forbidden)
        {
            Assert.Contains("Sin permiso (403)", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task AnAnalyst_NeverSeesATranscript_AndViewsAreAudited()
    {
        var reference = await OpenCaseAsync("texto-del-caso-privado");
        using var analyst = await InboxClient.SignedInAsync(_factory, "alex", Password);
        var analytics = await analyst.Http.GetStringAsync("/inbox/analytics");
        Assert.DoesNotContain("texto-del-caso-privado", analytics, StringComparison.Ordinal);
        Assert.DoesNotContain(reference, analytics, StringComparison.Ordinal);

        using var caseworker = await InboxClient.SignedInAsync(_factory, "ana", Password);
        Assert.Contains("texto-del-caso-privado", await caseworker.Http.GetStringAsync($"/inbox/case/{reference}"), StringComparison.Ordinal);
        var audit = await _factory.Services.GetRequiredService<IAuditLog>().ListAsync(20, CancellationToken.None);
        Assert.Contains(audit, a => a is { Actor: "ana", Action: "view-transcript" } && a.CaseReference == reference);
        Assert.DoesNotContain(audit, a => a.Actor == "alex" && a.Action == "view-transcript");
    }

    [Fact]
    public async Task AFormWithoutItsAntiforgeryToken_IsRejected_AndChangesNothing()
    {
        var reference = await OpenCaseAsync("hola");
        using var client = await InboxClient.SignedInAsync(_factory, "ana", Password);

        var response = await client.Http.PostAsync($"/inbox/case/{reference}?handler=claim", new FormUrlEncodedContent(new Dictionary<string, string>()));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var detail = await _factory.Services.GetRequiredService<ICaseStore>().FindAsync(reference, CancellationToken.None);
        Assert.Equal(CaseStatus.Waiting, detail!.Row.Status);
    }

    /// <summary>
    /// The live transcript refresh can land between a form's redirect and the page it leads to (the flaky browser test's
    /// cause: both shared one TempData cookie). The confirmation now travels in the redirect itself: a refresh before,
    /// during or after it can neither swallow it nor bring an old one back.
    /// </summary>
    [Fact]
    public async Task ALiveRefresh_NeitherUsesUpTheConfirmation_NorBringsItBack()
    {
        var reference = await OpenCaseAsync("hola");
        using var client = await InboxClient.SignedInAsync(_factory, "ana", Password);
        var page = $"/inbox/case/{reference}";

        var claimed = await client.PostFormAsync(page, $"{page}?handler=claim", []);
        Assert.Equal(HttpStatusCode.Redirect, claimed.StatusCode);
        var refresh = await client.Http.GetAsync($"{page}?handler=transcript");
        Assert.Equal(HttpStatusCode.OK, refresh.StatusCode);
        Assert.DoesNotContain("Tomaste el caso", await refresh.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        Assert.Contains("Tomaste el caso", await client.Http.GetStringAsync(claimed.Headers.Location!.OriginalString), StringComparison.Ordinal);
        Assert.DoesNotContain("Tomaste el caso", await client.Http.GetStringAsync(page), StringComparison.Ordinal); // no stale confirmation later
    }

    [Fact]
    public async Task ClaimReplyAndClose_ThroughTheForms()
    {
        var reference = await OpenCaseAsync("hola, necesito ayuda");
        using var client = await InboxClient.SignedInAsync(_factory, "ana", Password);
        var page = $"/inbox/case/{reference}";

        var claimed = await client.PostFormAsync(page, $"{page}?handler=claim", []);
        Assert.Equal(HttpStatusCode.Redirect, claimed.StatusCode);
        Assert.Contains("Tomaste el caso", await client.Http.GetStringAsync(claimed.Headers.Location!.OriginalString), StringComparison.Ordinal);

        var tooLong = await client.PostFormAsync(page, $"{page}?handler=reply", new() { ["text"] = new string('x', 5000) });
        Assert.Equal(HttpStatusCode.OK, tooLong.StatusCode); // the form again, with the error and the text kept
        var shown = await tooLong.Content.ReadAsStringAsync();
        Assert.Contains("admite como máximo", shown, StringComparison.Ordinal);
        Assert.Contains(new string('x', 100), shown, StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.Redirect, (await client.PostFormAsync(page, $"{page}?handler=reply", new() { ["text"] = "Hola, te leo." })).StatusCode);
        var longNote = await client.PostFormAsync(page, $"{page}?handler=note", new() { ["note"] = new string('n', 300_000) }); // past the form's maxlength
        Assert.Equal(HttpStatusCode.OK, longNote.StatusCode); // the form again, with the error
        Assert.Contains("como máximo 4000", System.Net.WebUtility.HtmlDecode(await longNote.Content.ReadAsStringAsync()), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Redirect, (await client.PostFormAsync(page, $"{page}?handler=note", new() { ["note"] = "Pedir cita." })).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await client.PostFormAsync(page, $"{page}?handler=close", new() { ["outcome"] = CaseOutcomes.InformationGiven })).StatusCode);

        var detail = await _factory.Services.GetRequiredService<ICaseStore>().FindAsync(reference, CancellationToken.None);
        Assert.Equal(CaseStatus.Closed, detail!.Row.Status);
        Assert.Contains(detail.Transcript, e => e is { Author: "caseworker", Text: "Hola, te leo." });
        Assert.Contains(detail.Transcript, e => e is { Author: "note", Text: "Pedir cita." });
        Assert.DoesNotContain(detail.Transcript, e => e.Author == "note" && e.Text.Length > 4000);
    }

    /// <summary>
    /// Only whoever holds a case answers, transfers or closes it, or a supervisor covering an absence: a second caseworker
    /// had answered and closed a colleague's case while the page said the colleague had it (a new user's try). The
    /// colleague sees no such forms, a crafted form is refused with the reason and changes nothing, and a note stays open.
    /// </summary>
    [Fact]
    public async Task AColleaguesCase_IsAnsweredOnlyByThemOrASupervisor()
    {
        var reference = await OpenCaseAsync("hola, necesito ayuda");
        var page = $"/inbox/case/{reference}";
        using var ana = await InboxClient.SignedInAsync(_factory, "ana", Password);
        Assert.Equal(HttpStatusCode.Redirect, (await ana.PostFormAsync(page, $"{page}?handler=claim", [])).StatusCode);

        using var beto = await InboxClient.SignedInAsync(_factory, "beto", Password);
        var seen = await beto.Http.GetStringAsync(page);
        Assert.Contains("id=\"held-by\"", seen, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"send-reply\"", seen, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"close\"", seen, StringComparison.Ordinal);
        foreach (var (handler, fields) in new (string, Dictionary<string, string>)[]
        {
            ("reply", new() { ["text"] = "Soy Beto" }),
            ("transfer", new() { ["to"] = "beto" }),
            ("close", new() { ["outcome"] = CaseOutcomes.InformationGiven }),
        })
        {
            var refused = await beto.PostFormAsync(page, $"{page}?handler={handler}", fields);
            Assert.Equal(HttpStatusCode.OK, refused.StatusCode); // the page again, with the reason
            Assert.Contains("ana tiene este caso", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        Assert.Equal(HttpStatusCode.Redirect, (await beto.PostFormAsync(page, $"{page}?handler=note", new() { ["note"] = "Conozco a esta familia." })).StatusCode);
        var detail = await _factory.Services.GetRequiredService<ICaseStore>().FindAsync(reference, CancellationToken.None);
        Assert.Equal("ana", detail!.Row.Owner);
        Assert.NotEqual(CaseStatus.Closed, detail.Row.Status);
        Assert.DoesNotContain(detail.Transcript, e => e.Author == "caseworker");

        using var sara = await InboxClient.SignedInAsync(_factory, "sara", Password);
        Assert.Equal(HttpStatusCode.Redirect, (await sara.PostFormAsync(page, $"{page}?handler=reply", new() { ["text"] = "Te leo." })).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await ana.PostFormAsync(page, $"{page}?handler=close", new() { ["outcome"] = CaseOutcomes.InformationGiven })).StatusCode);
    }

    /// <summary>
    /// The pages a person opened are shown by their titles. They were shown by their first lines, which for the pages
    /// that open with the emergency line read "Si estás en peligro ahora, llama al {medical-911}…", placeholders and all
    /// (found in a new user's try, 2026-12-05).
    /// </summary>
    [Fact]
    public async Task ThePagesAPersonOpened_AreShownByTheirTitles_NeverWithPlaceholders()
    {
        var (_, reference) = await WebChatCases.OpenAsync(_factory, null, "3");
        using var client = await InboxClient.SignedInAsync(_factory, "ana", Password);
        var html = System.Net.WebUtility.HtmlDecode(await client.Http.GetStringAsync($"/inbox/case/{reference}"));
        Assert.Contains("Engaños y trata (trafficking-menu)", html, StringComparison.Ordinal);
        Assert.DoesNotContain("{medical-911}", html, StringComparison.Ordinal);
        Assert.DoesNotContain("{police-104}", html, StringComparison.Ordinal);
    }

    /// <summary>
    /// The answers to the return's short questions are listed in the order they were asked, each with its option's label
    /// (a new user's try, 2026-12-06, showed them as 2, 5, 1, 4, 3: the stored answers are a map), and the pages opened
    /// name each question by its first line (the same try showed "No (avr-q-fear)" after the health question was declined).
    /// </summary>
    [Fact]
    public async Task TheShortQuestionsAnswers_AreListedInTheOrderAsked_WithTheirLabels()
    {
        // The return's menu, its short questions, then five answers in words (one declined).
        var (_, reference) = await WebChatCases.OpenAsync(_factory, null, "1", "4", "dale", "sip ya estoy en panama", "solo tengo la cedula", "con mis 2 hijos", "prefiero no decir eso", "un poco");
        using var client = await InboxClient.SignedInAsync(_factory, "ana", Password);
        var html = System.Net.WebUtility.HtmlDecode(await client.Http.GetStringAsync($"/inbox/case/{reference}"));
        var positions = Enumerable.Range(1, 5).Select(n => html.IndexOf($"Pregunta {n} de 5", StringComparison.Ordinal)).ToList();
        Assert.All(positions, p => Assert.True(p > 0));
        Assert.Equal(positions.Order(), positions);
        Assert.Contains("Pregunta 4 de 5: ¿Tú o alguien de tu grupo tiene una necesidad de salud urgente? <strong>Prefiero no decir</strong>", html, StringComparison.Ordinal);

        // The pages opened name a question by its own first line, never by an option that led to it.
        Assert.Contains("Pregunta 5 de 5: ¿Tienes miedo de volver a tu país? (avr-q-fear)", html, StringComparison.Ordinal);
        Assert.DoesNotContain("No (avr-q-fear)", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WhatAMigrantWrites_IsShownEncoded_NeverAsMarkup()
    {
        var reference = await OpenCaseAsync("<script>alert('x')</script><img src=x onerror=alert(1)>");
        using var client = await InboxClient.SignedInAsync(_factory, "ana", Password);
        var html = await client.Http.GetStringAsync($"/inbox/case/{reference}");
        Assert.DoesNotContain("<script>alert", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<img src=x", html, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RepeatedWrongPasswords_StopThatAddress_ButAColleagueElsewhereStillSignsIn()
    {
        await _factory.Services.GetRequiredService<InboxAccounts>().CreateAsync("lucia", Roles.Caseworker, Password, false, "test", CancellationToken.None);
        using var attacker = new InboxClient(_factory, "203.0.113.7");
        for (var i = 0; i < 5; i++)
        {
            var wrong = await attacker.PostFormAsync("/inbox/login", "/inbox/login", new() { ["username"] = "lucia", ["password"] = "equivocada" });
            Assert.Equal(HttpStatusCode.OK, wrong.StatusCode);
            Assert.Contains(OimBot.Bot.Handoff.Pages.Inbox.LoginModel.RefusedWords, await wrong.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        var stopped = await attacker.PostFormAsync("/inbox/login", "/inbox/login", new() { ["username"] = "lucia", ["password"] = Password });
        Assert.Equal(HttpStatusCode.TooManyRequests, stopped.StatusCode);
        Assert.Contains("Demasiados intentos fallidos desde esta conexión", await stopped.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.NotNull(stopped.Headers.RetryAfter);

        // The colleague herself, at the office, is not locked out by a stranger's guesses.
        using var office = await InboxClient.SignedInAsync(_factory, "lucia", Password, "198.51.100.20");
        Assert.Equal(HttpStatusCode.OK, (await office.Http.GetAsync("/inbox")).StatusCode);
    }

    [Fact]
    public async Task ADisabledUser_IsSignedOutAtTheNextRequest()
    {
        using var client = await InboxClient.SignedInAsync(_factory, "ana", Password);
        Assert.Equal(HttpStatusCode.OK, (await client.Http.GetAsync("/inbox")).StatusCode);

        await _factory.Services.GetRequiredService<InboxAccounts>().SetDisabledAsync("ana", true, "sara", CancellationToken.None);

        var response = await client.Http.GetAsync("/inbox");
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/inbox/login", response.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
    }

    /// <summary>
    /// How a caseworker is disabled: by a supervisor on the Users page, or with <c>users disable</c> (which calls the same
    /// <see cref="InboxAccounts.SetDisabledAsync"/> as "command line"). A disabled caseworker had kept the cases they held:
    /// nobody else saw them free, and the migrant waited for ever.
    /// </summary>
    [Theory]
    [InlineData("sara")]
    [InlineData("command line")]
    public async Task DisablingACaseworker_PutsTheirCasesBackInTheQueue_InTheirPlace_Audited(string disabledBy)
    {
        var (conversation, older) = await WebChatCases.OpenAsync(_factory);
        _factory.Clock.Advance(TimeSpan.FromMinutes(5));
        var newer = await OpenCaseAsync("hola");
        var handoff = _factory.Services.GetRequiredService<HandoffService>();
        Assert.Equal(ClaimResult.Claimed, (await handoff.ClaimAsync(older, "ana", CancellationToken.None)).Result);
        Assert.Equal(ClaimResult.Claimed, (await handoff.ClaimAsync(newer, "beto", CancellationToken.None)).Result);
        var priority = (await handoff.QueueAsync(CancellationToken.None)).Single(c => c.Reference == older).Priority;

        if (disabledBy == "sara")
        {
            using var sara = await InboxClient.SignedInAsync(_factory, "sara", Password);
            var toggled = await sara.PostFormAsync("/inbox/users", "/inbox/users?handler=toggle", new() { ["username"] = "ana" });
            Assert.Equal(HttpStatusCode.Redirect, toggled.StatusCode);
            Assert.Contains("volvieron a la cola", await sara.Http.GetStringAsync("/inbox/users"), StringComparison.Ordinal);
        }
        else
        {
            await _factory.Services.GetRequiredService<InboxAccounts>().SetDisabledAsync("ana", true, disabledBy, CancellationToken.None);
        }

        // Free, nobody's, with its priority, and still ahead of the case opened after it; a colleague's case stays theirs.
        var queue = await handoff.QueueAsync(CancellationToken.None);
        Assert.Equal([older, newer], queue.Select(c => c.Reference));
        Assert.Equal((CaseStatus.Waiting, (string?)null, priority), (queue[0].Status, queue[0].Owner, queue[0].Priority));
        Assert.Equal((CaseStatus.Claimed, "beto"), (queue[1].Status, queue[1].Owner));
        var audit = await _factory.Services.GetRequiredService<IAuditLog>().ListAsync(50, CancellationToken.None);
        Assert.Contains(audit, a => a is { Action: "release" } && a.Actor == disabledBy && a.CaseReference == older);
        Assert.DoesNotContain(audit, a => a is { Action: "release" } && a.CaseReference == newer);

        using var beto = await InboxClient.SignedInAsync(_factory, "beto", Password);
        var row = Row().Matches(await beto.Http.GetStringAsync("/inbox")).Single(m => m.Groups["reference"].Value == older).Value;
        Assert.Contains("en espera", row, StringComparison.Ordinal);

        // The person is answered again when they write (the bot had gone silent for the caseworker who took the case).
        using var web = _factory.CreateClient();
        var answer = await web.PostAsJsonAsync("/api/webchat/messages", new { conversationId = conversation, text = "¿sigue alguien ahí?" });
        Assert.Contains("Recibido: tu mensaje queda guardado", await answer.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(ClaimResult.Claimed, (await handoff.ClaimAsync(older, "beto", CancellationToken.None)).Result);
    }

    /// <summary>
    /// The reply box's maxlength and the server's check are one number per channel: the box had allowed 4096 and the
    /// server 4094 (and the "👤 " before the reply is three UTF-16 units), and a line break, one character in the box,
    /// arrives as two (CR LF). A reply too long names the channel as the inbox does elsewhere ("chat web", never "webchat").
    /// </summary>
    [Fact]
    public async Task AReplyThatFitsTheBox_IsSent_AndALongerOneNamesTheChannelAsTheInboxDoes()
    {
        var reference = await OpenCaseAsync("hola");
        using var client = await InboxClient.SignedInAsync(_factory, "ana", Password);
        var page = $"/inbox/case/{reference}";
        var html = await client.Http.GetStringAsync(page);
        var max = int.Parse(ReplyBox().Match(html).Groups["max"].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(HandoffService.MaxReply("webchat"), max);

        // As a browser sends what fills the box: its lines joined by CR LF.
        var typed = string.Join('\n', Enumerable.Repeat(new string('x', 99), max / 100));
        typed += new string('y', max - typed.Length);
        var sent = await client.PostFormAsync(page, $"{page}?handler=reply", new() { ["text"] = typed.Replace("\n", "\r\n", StringComparison.Ordinal) });
        Assert.Equal(HttpStatusCode.Redirect, sent.StatusCode);
        var detail = await _factory.Services.GetRequiredService<ICaseStore>().FindAsync(reference, CancellationToken.None);
        Assert.Equal(typed, detail!.Transcript.Single(e => e.Author == "caseworker").Text);

        var tooLong = await client.PostFormAsync(page, $"{page}?handler=reply", new() { ["text"] = new string('z', max + 1) });
        Assert.Equal(HttpStatusCode.OK, tooLong.StatusCode);
        var error = System.Net.WebUtility.HtmlDecode(Error().Match(await tooLong.Content.ReadAsStringAsync()).Groups["text"].Value);
        Assert.Contains($"un mensaje por chat web admite como máximo {max}", error, StringComparison.Ordinal);
        Assert.DoesNotContain("webchat", error, StringComparison.Ordinal);

        // A note as long as its box, with line breaks, is kept too.
        var note = string.Join('\n', Enumerable.Repeat(new string('n', 99), CaseModelMaxNote / 100));
        note += new string('m', CaseModelMaxNote - note.Length);
        Assert.Equal(HttpStatusCode.Redirect, (await client.PostFormAsync(page, $"{page}?handler=note", new() { ["note"] = note.Replace("\n", "\r\n", StringComparison.Ordinal) })).StatusCode);
    }

    /// <summary>
    /// A phone number, link or e-mail the registry does not hold is not sent at the first click (R14): the form comes
    /// back with the text, what was found and a box to tick; ticked, the reply goes, and the audit line says so. A
    /// caseworker's "6677-8899" or an old leaflet's trafficking line had gone to the person unchecked.
    /// </summary>
    [Fact]
    public async Task AReplyWithAnUnvettedNumber_IsShownAgain_AndGoesOnlyOnceConfirmed()
    {
        var reference = await OpenCaseAsync("hola");
        using var client = await InboxClient.SignedInAsync(_factory, "ana", Password);
        var page = $"/inbox/case/{reference}";
        const string reply = "Puedes llamar al 6677-8899 o al 911.";

        var held = await client.PostFormAsync(page, $"{page}?handler=reply", new() { ["text"] = reply });
        Assert.Equal(HttpStatusCode.OK, held.StatusCode);
        var shown = System.Net.WebUtility.HtmlDecode(await held.Content.ReadAsStringAsync());
        Assert.Contains("1 número de teléfono que no está en el registro", Error().Match(shown).Groups["text"].Value, StringComparison.Ordinal);
        Assert.Contains(reply, shown, StringComparison.Ordinal); // the text, back in its box
        Assert.Contains("id=\"unvetted\"", shown, StringComparison.Ordinal);
        // The box says it is wrong and why, and has the focus, for a keyboard or a screen reader.
        Assert.Matches("<textarea id=\"reply\"[^>]* aria-invalid=\"true\" autofocus=\"autofocus\" aria-describedby=\"form-error unvetted-note\"", shown);
        var cases = _factory.Services.GetRequiredService<ICaseStore>();
        Assert.DoesNotContain((await cases.FindAsync(reference, CancellationToken.None))!.Transcript, e => e.Author == "caseworker");

        var vetted = await client.PostFormAsync(page, $"{page}?handler=reply", new() { ["text"] = "Si estás en peligro, llama al 911 o al 104." });
        Assert.Equal(HttpStatusCode.Redirect, vetted.StatusCode); // vetted lines need no box

        var confirmed = await client.PostFormAsync(page, $"{page}?handler=reply", new() { ["text"] = reply, ["unvetted"] = "true" });
        Assert.Equal(HttpStatusCode.Redirect, confirmed.StatusCode);
        Assert.Contains((await cases.FindAsync(reference, CancellationToken.None))!.Transcript, e => e is { Author: "caseworker", Text: reply });
        var audit = await _factory.Services.GetRequiredService<IAuditLog>().ListAsync(50, CancellationToken.None);
        Assert.Contains(audit, a => a.Action == "reply" && a.Detail is { } d && d.Contains("1 número de teléfono sin verificar, confirmado", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ATransferToWhoeverHoldsTheCase_IsRefused_AndChangesNothing()
    {
        var reference = await OpenCaseAsync("hola");
        var page = $"/inbox/case/{reference}";
        using var ana = await InboxClient.SignedInAsync(_factory, "ana", Password);
        Assert.Equal(HttpStatusCode.Redirect, (await ana.PostFormAsync(page, $"{page}?handler=claim", [])).StatusCode);

        var refused = await ana.PostFormAsync(page, $"{page}?handler=transfer", new() { ["to"] = "ana" });
        Assert.Equal(HttpStatusCode.OK, refused.StatusCode);
        Assert.Contains("El caso ya lo tiene ana.", Error().Match(await refused.Content.ReadAsStringAsync()).Groups["text"].Value, StringComparison.Ordinal);
        var detail = await _factory.Services.GetRequiredService<ICaseStore>().FindAsync(reference, CancellationToken.None);
        Assert.DoesNotContain(detail!.Transcript, e => e.Author == "system" && e.Text.Contains("transfirió", StringComparison.Ordinal));
    }

    /// <summary>
    /// Closed cases are listed a page at a time, newest first, with links between pages: only the last ten had been
    /// listed, and a case closed before them could not be found again from the inbox.
    /// </summary>
    [Fact]
    public async Task ClosedCases_AreListedPageByPage_NewestFirst()
    {
        var perPage = OimBot.Bot.Handoff.Pages.Inbox.IndexModel.ClosedPerPage;
        await using var factory = await new BotFactory(settings: new Dictionary<string, string?> { ["WebChat:CasesPerHourPerAddress"] = "1000" })
            .WithStaffAsync(("ana", Roles.Caseworker));
        var handoff = factory.Services.GetRequiredService<HandoffService>();
        var closed = new List<string>();
        for (var i = 0; i < perPage + 2; i++)
        {
            var reference = (await WebChatCases.OpenAsync(factory)).Reference;
            factory.Clock.Advance(TimeSpan.FromMinutes(1));
            Assert.True(await handoff.CloseAsync(reference, "ana", CaseOutcomes.InformationGiven, CancellationToken.None));
            closed.Insert(0, reference); // newest first
        }

        using var ana = await InboxClient.SignedInAsync(factory, "ana", BotFactory.StaffPassword);
        var first = await ana.Http.GetStringAsync("/inbox");
        Assert.Contains(closed[0], first, StringComparison.Ordinal);
        Assert.Contains(closed[perPage - 1], first, StringComparison.Ordinal);
        Assert.DoesNotContain(closed[perPage], first, StringComparison.Ordinal);
        Assert.Contains("href=\"/inbox?cerrados=2#closed-h\"", first, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"closed-newer\"", first, StringComparison.Ordinal);

        var second = await ana.Http.GetStringAsync("/inbox?cerrados=2");
        Assert.Contains(closed[perPage], second, StringComparison.Ordinal);
        Assert.Contains(closed[^1], second, StringComparison.Ordinal);
        Assert.DoesNotContain(closed[0], second, StringComparison.Ordinal);
        Assert.Contains("id=\"closed-newer\"", second, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"closed-older\"", second, StringComparison.Ordinal);
        Assert.Contains("handler=queue&amp;cerrados=2", second, StringComparison.Ordinal); // the live refresh stays on the page
        Assert.Contains(closed[perPage], await ana.Http.GetStringAsync("/inbox?handler=queue&cerrados=2"), StringComparison.Ordinal);
    }

    /// <summary>
    /// A reply refused because the case closed meanwhile (the person wrote STOP, a supervisor closed it) or a colleague
    /// took it keeps its words on the page: the form is gone, and the text had gone with it.
    /// </summary>
    [Theory]
    [InlineData("closed")]
    [InlineData("taken")]
    public async Task AReplyRefusedBecauseTheCaseChanged_KeepsItsWordsOnThePage(string change)
    {
        var reference = await OpenCaseAsync("hola");
        var page = $"/inbox/case/{reference}";
        using var ana = await InboxClient.SignedInAsync(_factory, "ana", Password);
        using var sara = await InboxClient.SignedInAsync(_factory, "sara", Password);
        using var beto = await InboxClient.SignedInAsync(_factory, "beto", Password);
        _ = await ana.Http.GetStringAsync(page); // the page open, the form's token taken
        if (change == "closed")
        {
            Assert.Equal(HttpStatusCode.Redirect, (await sara.PostFormAsync(page, $"{page}?handler=close", new() { ["outcome"] = CaseOutcomes.InformationGiven })).StatusCode);
        }
        else
        {
            Assert.Equal(HttpStatusCode.Redirect, (await beto.PostFormAsync(page, $"{page}?handler=claim", [])).StatusCode);
        }

        const string reply = "Te explico con calma los pasos que siguen, uno por uno.";
        var refused = await ana.PostFormAsync(page, $"{page}?handler=reply", new() { ["text"] = reply });
        Assert.Equal(HttpStatusCode.OK, refused.StatusCode);
        var shown = System.Net.WebUtility.HtmlDecode(await refused.Content.ReadAsStringAsync());
        Assert.Matches(Error(), shown);
        Assert.Contains("id=\"unsent-reply\"", shown, StringComparison.Ordinal);
        Assert.Contains(reply, shown, StringComparison.Ordinal);
    }

    private const int CaseModelMaxNote = OimBot.Bot.Handoff.Pages.Inbox.CaseModel.MaxNote;

    /// <summary>
    /// A form sent after the session ended leads, once signed in again, back to its page: the sign-in had returned to
    /// the form's handler (<c>?handler=reply</c>), which answers only a POST. (The text itself waits in the tab: inbox.js.)
    /// </summary>
    [Fact]
    public async Task AFormSentAfterTheSessionEnded_LeadsBackToItsPage_OnceSignedIn()
    {
        var reference = await OpenCaseAsync("hola");
        var page = $"/inbox/case/{reference}";
        using var client = new InboxClient(_factory); // as a browser whose session ended
        var posted = await client.Http.PostAsync($"{page}?handler=reply", new FormUrlEncodedContent(new Dictionary<string, string> { ["text"] = "Una respuesta larga" }));
        Assert.Equal(HttpStatusCode.Redirect, posted.StatusCode);
        var login = new Uri(new Uri("http://localhost"), posted.Headers.Location!);
        Assert.Equal("/inbox/login", login.AbsolutePath);
        var back = System.Web.HttpUtility.ParseQueryString(login.Query)["ReturnUrl"];
        Assert.Equal(page, back);

        var signedIn = await client.PostFormAsync(login.PathAndQuery, "/inbox/login", new() { ["username"] = "ana", ["password"] = Password, ["returnUrl"] = back! });
        Assert.Equal(page, signedIn.Headers.Location!.OriginalString);
        Assert.Contains($"Caso {reference}", await client.Http.GetStringAsync(page), StringComparison.Ordinal);
    }

    [GeneratedRegex("<tr data-reference=\"(?<reference>[^\"]+)\"[^>]*>.*?</tr>", RegexOptions.Singleline)]
    private static partial Regex Row();

    [GeneratedRegex("<textarea id=\"reply\"[^>]*maxlength=\"(?<max>\\d+)\"")]
    private static partial Regex ReplyBox();

    [GeneratedRegex("<p class=\"error\" role=\"alert\">(?<text>.*?)</p>", RegexOptions.Singleline)]
    private static partial Regex Error();

    [Fact]
    public async Task TheFirstAdmin_HasAnOwnerOnlyPasswordFile_AndMustChangeItFirst()
    {
        var file = new FileInfo(_factory.InitialPasswordFile);
        Assert.True(file.Exists);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file.FullName));
        }

        var initial = (await File.ReadAllTextAsync(file.FullName)).Trim();
        using var client = new InboxClient(_factory);
        var signIn = await client.PostFormAsync("/inbox/login", "/inbox/login", new() { ["username"] = "admin", ["password"] = initial });
        Assert.Equal("/inbox/password", signIn.Headers.Location!.OriginalString);
        Assert.Equal("/inbox/password", (await client.Http.GetAsync("/inbox/users")).Headers.Location!.OriginalString);

        var weak = await client.PostFormAsync("/inbox/password", "/inbox/password", new() { ["current"] = initial, ["password"] = "corta", ["confirmation"] = "corta" });
        Assert.Contains("al menos 12 caracteres", await weak.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var changed = await client.PostFormAsync("/inbox/password", "/inbox/password", new() { ["current"] = initial, ["password"] = "otra-clave-muy-larga", ["confirmation"] = "otra-clave-muy-larga" });
        Assert.Equal(HttpStatusCode.Redirect, changed.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.Http.GetAsync("/inbox/users")).StatusCode);
        Assert.False(File.Exists(file.FullName));
    }

    [Fact]
    public async Task ASupervisorAddsAUser_AndAnInvalidFormIsShownAgainWithTheError()
    {
        using var client = await InboxClient.SignedInAsync(_factory, "sara", Password);
        var invalid = await client.PostFormAsync("/inbox/users", "/inbox/users?handler=add", new() { ["username"] = "x", ["role"] = Roles.Caseworker, ["password"] = Password, ["confirmation"] = Password });
        Assert.Equal(HttpStatusCode.OK, invalid.StatusCode);
        Assert.Contains("El usuario debe tener de 3 a 40", await invalid.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var added = await client.PostFormAsync("/inbox/users", "/inbox/users?handler=add", new() { ["username"] = "lucia", ["role"] = Roles.Caseworker, ["password"] = Password, ["confirmation"] = Password });
        Assert.Equal(HttpStatusCode.Redirect, added.StatusCode);
        var lucia = await _factory.Services.GetRequiredService<IUserStore>().FindAsync("lucia", CancellationToken.None);
        Assert.True(lucia!.MustChangePassword);
    }
}
