using Microsoft.Playwright;
using OimBot.Bot.Tests.TestHost;

namespace OimBot.Browser.Tests;

/// <summary>
/// The real service on a loopback port, started from a temp copy of the repository layout, and Debian's Chromium
/// driven by Playwright (headless, no sandbox as root, no background networking on this closed machine).
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    private readonly string _root = Directory.CreateTempSubdirectory("oimbot-browser-").FullName;
    private ServiceProcess? _service;
    private IPlaywright? _playwright;

    public string BaseUrl { get; private set; } = string.Empty;

    public IBrowser Browser { get; private set; } = null!;

    public string ArtifactsDirectory { get; } = Path.Combine(RepoPaths.Root, "tests", ".artifacts", "screenshots");

    public const string StaffPassword = "clave-del-equipo-2026";

    public async Task InitializeAsync()
    {
        RepoPaths.CopyContent(_root);
        foreach (var (name, role) in new[] { ("ana", "caseworker"), ("alex", "analyst"), ("sara", "supervisor") })
        {
            var (exit, output) = await ServiceProcess.RunAsync(_root, ["users", "add", name, "--role", role], StaffPassword + "\n");
            Assert.True(exit == 0, output);
        }

        var port = ServiceProcess.FreePort();
        BaseUrl = $"http://127.0.0.1:{port}";
        _service = ServiceProcess.Start(_root, ["--urls", BaseUrl], new Dictionary<string, string>
        {
            ["Handoff__OfficeHours__Sunday"] = "00:00-23:59",
            ["Handoff__OfficeHours__Saturday"] = "00:00-23:59",
            // An open page hears within a second that its session ended (HandoffBrowserTests), not within 30.
            ["Handoff__EventStreamCheckInterval"] = "00:00:01",
        });
        await _service.WaitUntilHealthyAsync(port);

        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
        Directory.CreateDirectory(ArtifactsDirectory);
    }

    /// <summary>
    /// Signs <paramref name="username"/> in on the inbox's login page and returns once the page it lands on has rendered.
    /// It waits for the page's URL to leave the login page, then for the page's <c>main</c> and for the document to be
    /// parsed, asked of the page itself, never for Playwright's load states: in two CI runs the redirect's load state was
    /// never reported (45 s, while "networkidle" was), though the page had arrived.
    /// </summary>
    public async Task<IPage> SignInAsync(IPage page, string username)
    {
        ArgumentNullException.ThrowIfNull(page);
        if (!page.Url.Contains("/inbox/login", StringComparison.Ordinal))
        {
            await page.GotoAsync(BaseUrl + "/inbox/login");
        }

        await page.FillAsync("#username", username);
        await page.FillAsync("#password", StaffPassword);
        await page.ClickAsync("button[type=submit]");

        // Signing in hashes a password; on a busy machine the redirect can take longer than a page's default wait. The URL
        // is watched here, not with WaitForURLAsync: when the redirect has already committed, that waits for a load state
        // instead, which in one CI run was never reported (45 s), whatever WaitUntil said.
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (page.Url.Contains("/inbox/login", StringComparison.Ordinal))
        {
            if (waited.Elapsed > TimeSpan.FromSeconds(45))
            {
                throw new TimeoutException($"{username} was not signed in within 45 s: still on {page.Url}");
            }

            await Task.Delay(25);
        }

        await page.Locator("main").WaitForAsync(new() { Timeout = 45_000 });

        // The whole page parsed (a queue read right after sees every row), asked of the page itself.
        await page.WaitForFunctionAsync("() => document.readyState !== 'loading'", null, new() { Timeout = 45_000 });
        return page;
    }

    public async Task<IPage> NewDesktopAsync()
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(15_000);
        return page;
    }

    public async Task<IPage> NewPhoneAsync(int width = 360, int height = 740)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = width, Height = height },
            IsMobile = true,
            HasTouch = true,
            DeviceScaleFactor = 2,
        });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(15_000);
        return page;
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }

        _playwright?.Dispose();
        if (_service is not null)
        {
            await _service.DisposeAsync();
        }

        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // the OS cleans temp folders
        }
    }
}
