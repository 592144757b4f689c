using Microsoft.Playwright;

namespace OimBot.Browser.Tests;

public sealed class WebChatBrowserTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    private static async Task<string> LastBotBubbleAsync(IPage page) =>
        await page.Locator(".row.bot .bubble").Last.InnerTextAsync();

    private static async Task WaitForBotTextAsync(IPage page, string text) =>
        await page.Locator(".row.bot .bubble", new PageLocatorOptions { HasText = text }).Last.WaitForAsync();

    [Fact]
    public async Task OnAPhoneWidthScreen_AMigrantChatsThroughATopicWithButtonsAndTyping()
    {
        var page = await fixture.NewPhoneAsync();
        await page.GotoAsync(fixture.BaseUrl + "/");

        await page.GetByRole(AriaRole.Button, new() { Name = "Hola" }).ClickAsync();
        await WaitForBotTextAsync(page, "asistente automático de la OIM");
        await page.GetByRole(AriaRole.Button, new() { Name = "Continuar en español" }).ClickAsync();
        await WaitForBotTextAsync(page, "¿Sobre qué quieres información?");

        // Buttons are thumb-sized and the page never scrolls sideways at 360 px.
        var buttons = page.Locator(".row.bot").Last.Locator(".choice");
        Assert.Equal(8, await buttons.CountAsync());
        var box = await buttons.First.BoundingBoxAsync();
        Assert.True(box!.Height >= 44, $"button height {box.Height}");
        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"));

        await page.GetByRole(AriaRole.Button, new() { Name = "Volver a mi país" }).ClickAsync();
        await WaitForBotTextAsync(page, "no es deportación");

        await page.Locator("#text").FillAsync("2");
        await page.Keyboard.PressAsync("Enter");
        await WaitForBotTextAsync(page, "Lo que no es");
        Assert.Equal("2", await page.Locator(".row.user .bubble").Last.InnerTextAsync());
        await page.ScreenshotAsync(new() { Path = Path.Combine(fixture.ArtifactsDirectory, "webchat-360.png"), FullPage = false });

        await page.Locator("#text").FillAsync("borrar");
        await page.Locator("#send").ClickAsync();
        await WaitForBotTextAsync(page, "borramos todo lo que guardábamos");
    }

    [Fact]
    public async Task WhatAUserTypes_IsShownAsText_NeverRunAsCode()
    {
        var page = await fixture.NewPhoneAsync();
        var dialogs = 0;
        page.Dialog += async (_, dialog) =>
        {
            dialogs++;
            await dialog.DismissAsync();
        };
        await page.GotoAsync(fixture.BaseUrl + "/");

        await page.Locator("#text").FillAsync("<img src=x onerror=alert(1)><script>alert(2)</script>");
        await page.Keyboard.PressAsync("Enter");

        // The notice, in whichever language the markup looks like.
        await page.Locator(".row.bot .bubble", new() { HasTextRegex = new System.Text.RegularExpressions.Regex("asistente automático|automated assistant") }).Last.WaitForAsync();

        Assert.Equal("<img src=x onerror=alert(1)><script>alert(2)</script>", await page.Locator(".row.user .bubble").Last.InnerTextAsync());
        Assert.Equal(0, await page.Locator(".row.user img").CountAsync());
        Assert.Equal(0, dialogs);
    }

    [Fact]
    public async Task QuickExit_ForgetsTheConversationInTheTab()
    {
        var page = await fixture.NewPhoneAsync();
        await page.GotoAsync(fixture.BaseUrl + "/");
        await page.GetByRole(AriaRole.Button, new() { Name = "Hello" }).ClickAsync();
        await WaitForBotTextAsync(page, "automated assistant of IOM");
        Assert.NotNull(await page.EvaluateAsync<string?>("() => sessionStorage.getItem('oimbot.conversation')"));

        await page.GetByRole(AriaRole.Button, new() { Name = "Salir" }).ClickAsync();
        await page.WaitForURLAsync("about:blank");

        await page.GotoAsync(fixture.BaseUrl + "/");
        Assert.Equal(1, await page.Locator(".row").CountAsync()); // only the greeting prompt: no history
        Assert.Contains("Escribe «hola» para empezar", await LastBotBubbleAsync(page), StringComparison.Ordinal);
    }

    [Fact]
    public async Task WhenTheServerCannotBeReached_TheMessageIsKeptAndCanBeRetried()
    {
        var page = await fixture.NewPhoneAsync();
        await page.GotoAsync(fixture.BaseUrl + "/");
        await page.RouteAsync("**/api/webchat/messages", route => route.AbortAsync("internetdisconnected"));
        await page.Locator("#text").FillAsync("hola");
        await page.Keyboard.PressAsync("Enter");
        await page.Locator(".row.user.failed").WaitForAsync();
        Assert.Contains("sin conexión", await page.Locator("#status").InnerTextAsync(), StringComparison.Ordinal);

        await page.UnrouteAsync("**/api/webchat/messages");
        await page.GetByRole(AriaRole.Button, new() { Name = "Reintentar · Retry" }).ClickAsync();
        await WaitForBotTextAsync(page, "asistente automático de la OIM");
        Assert.Equal(0, await page.Locator(".row.user.failed").CountAsync());
    }
}
