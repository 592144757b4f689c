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
        await inbox.ClickAsync("#close");
        await inbox.GetByText("Caso cerrado").WaitForAsync();
        await WaitForBotTextAsync(phone, "del 1 al 5");
        await phone.Locator("[data-choice-id='case-closed/5']").Last.ClickAsync();
        await WaitForBotTextAsync(phone, "¿Sobre qué quieres información?");
        await phone.ScreenshotAsync(new() { Path = Path.Combine(fixture.ArtifactsDirectory, "webchat-handoff-360.png") });
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

    [GeneratedRegex("Analítica")]
    private static partial Regex AnalyticsOnlyNav();
}
