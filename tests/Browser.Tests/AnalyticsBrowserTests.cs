using System.Net.Http.Json;
using Microsoft.Playwright;

namespace OimBot.Browser.Tests;

/// <summary>
/// An analyst opens the reach dashboard in Chromium, at 1280 px and at 390 px: headline figures, SVG charts with a text
/// alternative, no sideways scrolling; a caseworker gets 403.
/// </summary>
public sealed class AnalyticsBrowserTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    private async Task TalkAsync(int people)
    {
        using var http = new HttpClient { BaseAddress = new Uri(fixture.BaseUrl) };
        for (var i = 0; i < people; i++)
        {
            var id = $"analytics-browser-{Guid.NewGuid():N}";
            foreach (var text in new[] { "hola", "1", "1", "1" })
            {
                var response = await http.PostAsJsonAsync("/api/webchat/messages", new { conversationId = id, text });
                response.EnsureSuccessStatusCode();
            }
        }
    }

    [Fact]
    public async Task AnAnalyst_SeesTheDashboard_AtDesktopAndPhoneWidths()
    {
        await TalkAsync(7);
        foreach (var (page, name) in new[] { (await fixture.NewDesktopAsync(), "1280"), (await fixture.NewPhoneAsync(390, 844), "390") })
        {
            await fixture.SignInAsync(page, "alex");
            await page.Locator("h1", new() { HasText = "Alcance" }).WaitForAsync();
            var people = int.Parse(await page.InnerTextAsync("[data-figure=people]"), System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(people >= 7, $"people: {people}");

            // Every chart is an image with a title and a description that lists its figures.
            var charts = page.Locator("svg[role=img]");
            Assert.True(await charts.CountAsync() >= 4);
            for (var i = 0; i < await charts.CountAsync(); i++)
            {
                var chart = charts.Nth(i);
                Assert.False(string.IsNullOrWhiteSpace(await chart.Locator("title").First.TextContentAsync()));
                Assert.False(string.IsNullOrWhiteSpace(await chart.Locator("desc").First.TextContentAsync()));
                var box = await chart.BoundingBoxAsync();
                Assert.NotNull(box);
                Assert.True(box.Width <= int.Parse(name, System.Globalization.CultureInfo.InvariantCulture), $"chart {i} is {box.Width} px wide at {name}");
            }

            Assert.Contains("chat web", await page.Locator("#chart-channel-desc").TextContentAsync() ?? string.Empty, StringComparison.Ordinal);

            // Nothing scrolls sideways, and the text in charts stays readable.
            Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"), $"horizontal scroll at {name}");
            var smallest = await page.EvaluateAsync<double>("() => Math.min(...[...document.querySelectorAll('svg[role=img] text')].map(t => t.getBoundingClientRect().height).filter(h => h > 0))");
            Assert.True(smallest >= 9, $"chart text {smallest} px high at {name}");

            await page.ScreenshotAsync(new() { Path = Path.Combine(fixture.ArtifactsDirectory, $"analytics-{name}.png"), FullPage = true });
            await page.Locator("section.chart", new() { Has = page.Locator("#chart-funnel-avr") }).ScreenshotAsync(new() { Path = Path.Combine(fixture.ArtifactsDirectory, $"analytics-funnel-{name}.png") });
            await page.Locator("section.chart", new() { Has = page.Locator("#chart-week") }).ScreenshotAsync(new() { Path = Path.Combine(fixture.ArtifactsDirectory, $"analytics-week-{name}.png") });
        }
    }

    [Fact]
    public async Task ACaseworker_GetsForbidden()
    {
        var page = await fixture.SignInAsync(await fixture.NewDesktopAsync(), "ana");
        Assert.Equal(fixture.BaseUrl + "/inbox", page.Url);
        var response = await page.GotoAsync(fixture.BaseUrl + "/inbox/analytics");
        Assert.Equal(403, response!.Status);
        Assert.Equal(403, (await page.GotoAsync(fixture.BaseUrl + "/api/analytics/reach.csv?from=2026-10-01&to=2026-12-31&by=week"))!.Status);
    }
}
