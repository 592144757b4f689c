using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc.Testing;

namespace OimBot.Bot.Tests.TestHost;

/// <summary>A browser-like client of the inbox: keeps cookies, does not follow redirects, and posts forms with their antiforgery token.</summary>
public sealed partial class InboxClient : IDisposable
{
    /// <param name="address">The client address the server sees (none by default).</param>
    public InboxClient(BotFactory factory, string? address = null)
    {
        Http = factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        if (address is not null)
        {
            Http.DefaultRequestHeaders.Add(BotFactory.Header, address);
        }
    }

    public HttpClient Http { get; }

    public static async Task<InboxClient> SignedInAsync(BotFactory factory, string username, string password, string? address = null)
    {
        var client = new InboxClient(factory, address);
        var response = await client.PostFormAsync("/inbox/login", "/inbox/login", new() { ["username"] = username, ["password"] = password });
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        return client;
    }

    /// <summary>Opens <paramref name="pagePath"/> for its token, then posts the form to <paramref name="postPath"/>.</summary>
    public async Task<HttpResponseMessage> PostFormAsync(string pagePath, string postPath, Dictionary<string, string> fields)
    {
        var page = await Http.GetStringAsync(pagePath);
        var token = Token().Match(page);
        Assert.True(token.Success, $"no antiforgery token on {pagePath}");
        fields["__RequestVerificationToken"] = WebUtility.HtmlDecode(token.Groups[1].Value);
        return await Http.PostAsync(postPath, new FormUrlEncodedContent(fields));
    }

    public void Dispose() => Http.Dispose();

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex Token();
}
