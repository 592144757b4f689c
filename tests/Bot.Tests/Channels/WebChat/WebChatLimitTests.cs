using System.Net;
using System.Net.Http.Json;
using OimBot.Bot.Channels.WebChat;
using OimBot.Bot.Tests.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace OimBot.Bot.Tests.Channels.WebChat;

/// <summary>
/// One address tried to create 10,000 "people" in 10 seconds and to open hundreds of cases. The web chat refuses
/// floods with 429 and Retry-After, counts the refusals (never as people), and a person who never chose a language is
/// not counted as reached.
/// </summary>
public sealed class WebChatLimitTests
{
    private static BotFactory Limited(int newConversations = 5, int perAddress = 1000, int perConversation = 1000, int polls = 1000) => new(settings: new Dictionary<string, string?>
    {
        ["WebChat:NewConversationsPerAddress"] = newConversations.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["WebChat:MessagesPerMinutePerAddress"] = perAddress.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["WebChat:MessagesPerMinutePerConversation"] = perConversation.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["WebChat:PollsPerMinutePerAddress"] = polls.ToString(System.Globalization.CultureInfo.InvariantCulture),
    });

    private static Task<HttpResponseMessage> SendAsync(HttpClient client, string conversation, string text) =>
        client.PostAsJsonAsync("/api/webchat/messages", new { conversationId = conversation, text });

    /// <summary>label, limits (new conversations, messages per address, per conversation), how the flood is sent, how many get through.</summary>
    public static TheoryData<string, int[], string, int> Floods => new()
    {
        { "new conversations from one address", [5, 1000, 1000], "new", 5 },
        { "messages from one address over many conversations", [1000, 12, 1000], "spread", 12 },
        { "messages in one conversation", [1000, 1000, 8], "one", 8 },
    };

    [Theory]
    [MemberData(nameof(Floods))]
    public async Task AFlood_IsRefusedWith429AndRetryAfter_AfterTheLimit(string label, int[] limits, string shape, int allowed)
    {
        await using var factory = Limited(limits[0], limits[1], limits[2]);
        using var client = factory.CreateClient();
        var shared = "flood-" + Guid.NewGuid().ToString("N");
        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? refused = null;
        for (var i = 0; i < 30; i++)
        {
            var conversation = shape == "one" ? shared : $"flood-{i:D3}-{Guid.NewGuid():N}";
            var response = await SendAsync(client, conversation, shape == "spread" && i % 2 == 1 ? "1" : "hola");
            statuses.Add(response.StatusCode);
            refused ??= response.StatusCode == HttpStatusCode.TooManyRequests ? response : null;
        }

        Assert.True(allowed == statuses.Count(s => s == HttpStatusCode.OK), $"{label}: {string.Join(",", statuses.Select(s => (int)s))}");
        Assert.All(statuses.Skip(allowed), s => Assert.Equal(HttpStatusCode.TooManyRequests, s));
        Assert.NotNull(refused!.Headers.RetryAfter?.Delta);
        Assert.True(refused.Headers.RetryAfter!.Delta >= TimeSpan.FromSeconds(1));
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task AKnownConversation_GoesOn_WhileNewOnesFromTheSameAddressAreRefused()
    {
        await using var factory = Limited(newConversations: 2);
        using var client = factory.CreateClient();
        var person = "person-" + Guid.NewGuid().ToString("N");
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(client, person, "hola")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(client, "other-" + Guid.NewGuid().ToString("N"), "hola")).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await SendAsync(client, "third-" + Guid.NewGuid().ToString("N"), "hola")).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await SendAsync(client, person, "1")).StatusCode); // the person already talking is not cut off
    }

    /// <summary>
    /// One shared connection (a shelter's Wi-Fi) whose ordinary cases reached their limit still opens a case for a person
    /// in danger: high-priority cases are counted apart, with their own, larger limit (a new user's try, 2026-12-06).
    /// </summary>
    [Fact]
    public async Task APersonInDanger_OnAConnectionWhoseOrdinaryCasesReachedTheLimit_StillGetsACase()
    {
        await using var factory = new BotFactory(settings: new Dictionary<string, string?> { ["WebChat:CasesPerHourPerAddress"] = "2", ["WebChat:UrgentCasesPerHourPerAddress"] = "3" });
        using var client = factory.CreateClient();
        var last = string.Empty;
        foreach (var texts in new[] { new[] { "hola", "1", "humano", "1" }, new[] { "hola", "1", "humano", "1" }, new[] { "hola", "1", "humano", "1" }, new[] { "hola", "1", "me tienen encerrada y no me dejan salir", "1" } })
        {
            var id = "shelter-" + Guid.NewGuid().ToString("N");
            foreach (var text in texts)
            {
                var response = await SendAsync(client, id, text);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                last = await response.Content.ReadAsStringAsync();
            }
        }

        var queue = await factory.Services.GetRequiredService<OimBot.Bot.Handoff.HandoffService>().QueueAsync(CancellationToken.None);
        Assert.Equal(3, queue.Count); // two ordinary (the third refused) and the urgent one
        Assert.Single(queue, c => c.Priority == OimBot.Bot.Handoff.CasePriority.High);
        Assert.DoesNotContain("demasiadas solicitudes", last, StringComparison.Ordinal);
    }

    /// <summary>One address opened 301 high-priority cases in a second: past the limit the turn opens no case and says why.</summary>
    [Fact]
    public async Task CasesFromOneAddress_AreLimited_AndTheRefusedPersonIsToldWhyAndGetsTheEmergencyNumbers()
    {
        await using var factory = new BotFactory(settings: new Dictionary<string, string?> { ["WebChat:CasesPerHourPerAddress"] = "2", ["WebChat:UrgentCasesPerHourPerAddress"] = "2" });
        using var client = factory.CreateClient();
        var last = string.Empty;
        for (var i = 0; i < 3; i++)
        {
            var id = "case-" + Guid.NewGuid().ToString("N");
            foreach (var text in new[] { "hola", "1", "me tienen encerrada y no me dejan salir", "1" })
            {
                var response = await SendAsync(client, id, text);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                last = await response.Content.ReadAsStringAsync();
            }
        }

        var queue = await factory.Services.GetRequiredService<OimBot.Bot.Handoff.HandoffService>().QueueAsync(CancellationToken.None);
        Assert.Equal(2, queue.Count);
        Assert.Contains("demasiadas solicitudes desde esta conexi", last, StringComparison.Ordinal);
        Assert.Contains("911", last, StringComparison.Ordinal);

        // What a refused person writes next never brings back the promise of a person (a new user's try).
        var refused = "case-" + Guid.NewGuid().ToString("N");
        foreach (var text in new[] { "hola", "1", "me tienen encerrada y no me dejan salir" })
        {
            (await SendAsync(client, refused, text)).EnsureSuccessStatusCode();
        }

        (await client.PostAsJsonAsync("/api/webchat/messages", new { conversationId = refused, choiceId = "handoff-consent/yes" })).EnsureSuccessStatusCode(); // tapped

        var after = await (await SendAsync(client, refused, "ya no quiero, cancela")).Content.ReadAsStringAsync();
        Assert.DoesNotContain("Listo: una persona del equipo", after, StringComparison.Ordinal); // the JSON escapes accents: none in the words checked

        // Another address is not affected.
        using var elsewhere = factory.CreateClient();
        elsewhere.DefaultRequestHeaders.Add(BotFactory.Header, "198.51.100.9");
        var other = "case-" + Guid.NewGuid().ToString("N");
        foreach (var text in new[] { "hola", "1", "humano", "1" })
        {
            (await SendAsync(elsewhere, other, text)).EnsureSuccessStatusCode();
        }

        Assert.Equal(3, (await factory.Services.GetRequiredService<OimBot.Bot.Handoff.HandoffService>().QueueAsync(CancellationToken.None)).Count);
    }

    [Fact]
    public async Task Polling_IsLimitedPerAddress()
    {
        await using var factory = Limited(polls: 3);
        using var client = factory.CreateClient();
        var id = "poll-" + Guid.NewGuid().ToString("N");
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 5; i++)
        {
            statuses.Add((await client.GetAsync($"/api/webchat/messages?conversationId={id}")).StatusCode);
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], statuses);
    }

    /// <summary>
    /// Reach counts a web chat person once they chose a language: a script that only says "hola" is not a person reached.
    /// The refused new conversations are counted for the report, as requests, not people.
    /// </summary>
    [Fact]
    public async Task ReachCountsAWebChatPersonOnlyAfterTheyChoseALanguage_AndTheReportCountsRefusals()
    {
        await using var factory = Limited(newConversations: 3);
        using var client = factory.CreateClient();
        var real = "real-" + Guid.NewGuid().ToString("N");
        await SendAsync(client, real, "hola");
        await SendAsync(client, real, "1"); // "Continuar en español"
        await SendAsync(client, "script-" + Guid.NewGuid().ToString("N"), "hola");
        await SendAsync(client, "script-" + Guid.NewGuid().ToString("N"), "hola");
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, (await SendAsync(client, "refused-" + Guid.NewGuid().ToString("N"), "hola")).StatusCode);
        }

        Assert.Equal(4, factory.Services.GetRequiredService<WebChatLimits>().PendingRefused);
        await using var db = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={factory.DatabasePath}");
        await db.OpenAsync();
        var people = await Dapper.SqlMapper.ExecuteScalarAsync<long>(db, "SELECT COUNT(DISTINCT person) FROM analytics_activity WHERE channel = 'webchat' AND step = 'active'");
        Assert.Equal(1, people);

        var deadline = DateTime.UtcNow.AddSeconds(20);
        long refused;
        do
        {
            await Task.Delay(200);
            refused = await Dapper.SqlMapper.ExecuteScalarAsync<long>(db, "SELECT COUNT(*) FROM analytics_events WHERE kind = 'WebChatRefused'");
        }
        while (refused < 4 && DateTime.UtcNow < deadline);
        Assert.Equal(4, refused);
    }
}
