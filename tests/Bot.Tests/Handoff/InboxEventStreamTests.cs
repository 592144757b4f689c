using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using OimBot.Bot.Handoff;
using OimBot.Bot.Tests.TestHost;

namespace OimBot.Bot.Tests.Handoff;

/// <summary>
/// The inbox's event stream ends with its session. It had outlived the session that opened it (the cookie is checked
/// once, when the stream starts), so a tab left open after the session expired, after signing out, or after the account
/// was disabled went on hearing of every change in the queue until the page was next reloaded.
/// </summary>
public sealed class InboxEventStreamTests
{
    /// <summary>The longest any stream is read for; a stream that should have ended and did not fails here, never waits for ever.</summary>
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    /// <summary>
    /// What ends the session, and whether a change in the queue follows it (the stream must check before sending it) or
    /// nothing does (the periodic check must find it: the interval is short then, and the longest allowed (10 minutes) otherwise, so that only
    /// the check before the event can end the stream).
    /// </summary>
    public static TheoryData<string, bool> Endings => new()
    {
        { "the session's time ran out", true },
        { "the session's time ran out", false },
        { "signed out", true },
        { "signed out", false },
        { "the account was disabled, with a case it held", true },
        { "the account was disabled", false },
        { "the password was changed in another session", true },
    };

    [Theory]
    [MemberData(nameof(Endings))]
    public async Task TheEventStream_Ends_WhenItsSessionDoes_AndSendsNothingAfter(string ending, bool aChangeFollows)
    {
        var settings = new Dictionary<string, string?> { ["Handoff:EventStreamCheckInterval"] = aChangeFollows ? "00:10:00" : "00:00:00.200" };
        await using var factory = await new BotFactory(settings: settings).WithStaffAsync(("ana", Roles.Caseworker), ("sara", Roles.Supervisor));
        var events = factory.Services.GetRequiredService<CaseEvents>();
        var (_, reference) = await WebChatCases.OpenAsync(factory);
        using var ana = await InboxClient.SignedInAsync(factory, "ana", BotFactory.StaffPassword);
        using var bound = new CancellationTokenSource(Bound);

        using var response = await ana.Http.GetAsync("/inbox/events", HttpCompletionOption.ResponseHeadersRead, bound.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var stream = new StreamReader(await response.Content.ReadAsStreamAsync(bound.Token), Encoding.UTF8);
        Assert.Equal("hello", (await NextEventAsync(stream, bound.Token))?.Name);
        events.Publish();
        Assert.Equal("changed", (await NextEventAsync(stream, bound.Token))?.Name); // the stream works while the session does

        switch (ending)
        {
            case "the session's time ran out":
                factory.Clock.Advance(factory.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<HandoffOptions>>().Value.SessionTimeout + TimeSpan.FromMinutes(1));
                break;
            case "signed out":
                Assert.Equal(HttpStatusCode.Redirect, (await ana.PostFormAsync("/inbox", "/inbox/logout", [])).StatusCode);
                break;
            case "the account was disabled, with a case it held":
                Assert.Equal(ClaimResult.Claimed, (await factory.Services.GetRequiredService<HandoffService>().ClaimAsync(reference, "ana", CancellationToken.None)).Result);
                Assert.Equal("changed", (await NextEventAsync(stream, bound.Token))?.Name); // her own claim, while her session is good
                Assert.Equal(1, await factory.Services.GetRequiredService<InboxAccounts>().SetDisabledAsync("ana", true, "sara", CancellationToken.None)); // the case back in the queue: news she must not hear
                break;
            case "the account was disabled":
                await factory.Services.GetRequiredService<InboxAccounts>().SetDisabledAsync("ana", true, "sara", CancellationToken.None);
                break;
            case "the password was changed in another session":
                using (var elsewhere = await InboxClient.SignedInAsync(factory, "ana", BotFactory.StaffPassword))
                {
                    var changed = await elsewhere.PostFormAsync("/inbox/password", "/inbox/password", new() { ["current"] = BotFactory.StaffPassword, ["password"] = "otra-clave-larga-456", ["confirmation"] = "otra-clave-larga-456" });
                    Assert.Equal(HttpStatusCode.Redirect, changed.StatusCode);
                }

                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(ending), ending, null);
        }

        if (aChangeFollows)
        {
            events.Publish(); // e.g. a new case: its news must not reach this tab
        }

        var after = new List<string>();
        while (await NextEventAsync(stream, bound.Token) is { } next)
        {
            after.Add(next.Name);
        }

        Assert.Equal(["ended"], after); // and then the stream closed, with nothing after it

        // The page asks again with the same cookie (inbox.js): refused, so it says the session ended.
        using var again = new HttpRequestMessage(HttpMethod.Get, "/inbox/events");
        using var refused = await ana.Http.SendAsync(again, HttpCompletionOption.ResponseHeadersRead, bound.Token);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }

    /// <summary>A stream whose session is still good goes on past its periodic checks, up to the end of the session's time.</summary>
    [Fact]
    public async Task TheEventStream_OfASessionStillGood_GoesOn()
    {
        var settings = new Dictionary<string, string?> { ["Handoff:EventStreamCheckInterval"] = "00:00:00.100" };
        await using var factory = await new BotFactory(settings: settings).WithStaffAsync(("ana", Roles.Caseworker));
        var events = factory.Services.GetRequiredService<CaseEvents>();
        using var ana = await InboxClient.SignedInAsync(factory, "ana", BotFactory.StaffPassword);
        using var bound = new CancellationTokenSource(Bound);
        using var response = await ana.Http.GetAsync("/inbox/events", HttpCompletionOption.ResponseHeadersRead, bound.Token);
        using var stream = new StreamReader(await response.Content.ReadAsStreamAsync(bound.Token), Encoding.UTF8);
        Assert.Equal("hello", (await NextEventAsync(stream, bound.Token))?.Name);

        for (var hours = 2; hours <= 6; hours += 2)
        {
            factory.Clock.Advance(TimeSpan.FromHours(2)); // of the session's 8 hours
            events.Publish();
            var next = await NextEventAsync(stream, bound.Token);
            Assert.True(next?.Name == "changed", $"{hours} hours into the session: {next?.Name ?? "the stream ended"}");
        }
    }

    /// <summary>The next event's name and data, or null when the stream has ended.</summary>
    private static async Task<(string Name, string Data)?> NextEventAsync(StreamReader stream, CancellationToken cancellationToken)
    {
        string? name = null;
        var data = new StringBuilder();
        while (await stream.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.Length == 0)
            {
                if (name is not null)
                {
                    return (name, data.ToString());
                }

                continue;
            }

            if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                name = line["event: ".Length..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                data.Append(line["data: ".Length..]);
            }
        }

        return null;
    }
}
