using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using OimBot.Bot.Tests.Channels;
using OimBot.Bot.Tests.TestHost;

namespace OimBot.Bot.Tests.Operations;

/// <summary>/metrics, scraped after conversations on every channel: the figures operators alert on, and nobody in them.</summary>
public sealed class MetricsTests
{
    private const string Token = "metrics-token-0123456789";

    private static async Task<string> ScrapeAsync(HttpClient client, string? token = Token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>A sample of <paramref name="name"/> carrying every one of <paramref name="labels"/> (whatever other labels and their order).</summary>
    private static void HasSample(string text, string name, params (string Key, string Value)[] labels)
    {
        var lines = text.Split('\n').Where(l => l.StartsWith(name + "{", StringComparison.Ordinal)).ToList();
        Assert.True(
            lines.Any(l => labels.All(label => l.Contains($"{label.Key}=\"{label.Value}", StringComparison.Ordinal))),
            $"no {name} with {string.Join(", ", labels.Select(l => $"{l.Key}={l.Value}"))} in:\n{string.Join("\n", lines)}");
    }

    [Fact]
    public async Task AfterConversationsOnEveryChannel_TheMetricsShowTurnsWebhooksOutboxCasesAndContent_AndNoPersonalData()
    {
        await using var host = await ChannelHost.StartAsync(new Dictionary<string, string?>
        {
            ["Metrics:Enabled"] = "true",
            ["Metrics:Token"] = Token,
            ["Metrics:SampleInterval"] = "00:00:01",
        });
        var chat = ChannelHostFixture.Unique();
        var phone = "5076" + ChannelHostFixture.Unique();
        var conversation = "metrics-" + Guid.NewGuid().ToString("N");
        const string Private = "mi pasaporte es AB123456 y mi teléfono +50761234567";

        Assert.Equal(HttpStatusCode.OK, (await host.PostTelegramAsync(ChannelHost.TelegramText(chat, chat, Private))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await host.PostWhatsAppAsync(ChannelHost.WhatsAppText(phone, "wamid.m" + chat, Private))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await host.PostWhatsAppAsync(ChannelHost.WhatsAppText(phone, "wamid.n" + chat, "hola"), sign: false)).StatusCode);
        foreach (var message in new[] { "hola", "1", "humano", "1", Private })
        {
            (await host.Client.PostAsJsonAsync("/api/webchat/messages", new { conversationId = conversation, text = message })).EnsureSuccessStatusCode();
        }

        await host.WaitForOutboxAsync(rows => rows.Count >= 2 && rows.All(r => r.Status == "sent"));
        await Task.Delay(TimeSpan.FromSeconds(2)); // a sample of the outbox and the cases

        var text = await ScrapeAsync(host.Client);

        HasSample(text, "oimbot_turns_total", ("channel", "webchat"), ("outcome", "answered"));
        HasSample(text, "oimbot_turns_total", ("channel", "telegram"), ("outcome", "answered"));
        HasSample(text, "oimbot_turn_duration_seconds_bucket", ("channel", "whatsapp"));
        HasSample(text, "oimbot_webhook_requests_total", ("channel", "whatsapp"), ("status", "401"));
        HasSample(text, "oimbot_webhook_requests_total", ("channel", "telegram"), ("status", "200"));
        HasSample(text, "oimbot_outbox_sends_total", ("channel", "telegram"), ("result", "sent"));
        HasSample(text, "oimbot_outbox_claims_total", ("found", "none")); // the dispatcher's poll found nothing due at least once
        HasSample(text, "oimbot_outbox_rows", ("status", "sent"));
        HasSample(text, "oimbot_outbox_rows", ("status", "dead"));
        HasSample(text, "oimbot_cases_open", ("age", "under_10m"), ("priority", "normal"), ("status", "waiting"));
        HasSample(text, "oimbot_spool_files", ("state", "set_aside"));
        HasSample(text, "oimbot_content_info");

        foreach (var secret in new[] { chat.ToString(System.Globalization.CultureInfo.InvariantCulture), phone, conversation, "pasaporte", "AB123456", "50761234567", "127.0.0.1", ChannelHost.TelegramToken })
        {
            Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
        }
    }

    /// <summary>label, Metrics settings, client address the server sees, bearer token sent, expected status.</summary>
    public static TheoryData<string, string?, string?, string?, HttpStatusCode> Access => new()
    {
        { "off by default", null, null, null, HttpStatusCode.NotFound },
        { "token: none sent", Token, null, null, HttpStatusCode.Unauthorized },
        { "token: a wrong one", Token, null, "not-the-token-at-all", HttpStatusCode.Unauthorized },
        { "token: the right one", Token, "203.0.113.8", Token, HttpStatusCode.OK },
        { "no token: this machine", "", "127.0.0.1", null, HttpStatusCode.OK },
        { "no token: another machine", "", "203.0.113.8", null, HttpStatusCode.Forbidden },
    };

    [Theory]
    [MemberData(nameof(Access))]
    public async Task MetricsAreServedOnlyToWhomTheConfigurationAllows(string label, string? token, string? address, string? sent, HttpStatusCode expected)
    {
        var settings = new Dictionary<string, string?>();
        if (token is not null)
        {
            settings["Metrics:Enabled"] = "true";
            settings["Metrics:Token"] = token;
        }

        await using var factory = new BotFactory(settings: settings);
        using var client = factory.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        if (address is not null)
        {
            request.Headers.Add(BotFactory.Header, address);
        }

        if (sent is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", sent);
        }

        Assert.True(expected == (await client.SendAsync(request)).StatusCode, label);
    }
}
