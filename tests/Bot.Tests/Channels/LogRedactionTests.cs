using OimBot.Bot.Tests.TestHost;

namespace OimBot.Bot.Tests.Channels;

/// <summary>
/// Every log line of a full conversation on each channel, at the most verbose level, holds no token, secret, phone
/// number, chat id or message text (courier's redaction check).
/// </summary>
public sealed class LogRedactionTests
{
    private static readonly string[] Texts = ["hola", "1", "mi pasaporte es 987654321", "me tienen encerrada", "humano", "quiero volver a mi pais", "borrar"];

    private static readonly string[] Secrets =
    [
        ChannelHost.TelegramToken, "TEST-telegram-bot-token", ChannelHost.TelegramSecret, ChannelHost.MetaAppSecret, ChannelHost.MetaAccessToken,
        ChannelHost.MetaVerifyToken, ChannelHost.TwilioToken, "987654321", "pasaporte", "encerrada", "quiero volver",
    ];

    private static Task<ChannelHost> VerboseHostAsync() => ChannelHost.StartAsync(new Dictionary<string, string?>
    {
        ["Logging:LogLevel:Default"] = "Trace",
        ["Logging:LogLevel:Microsoft"] = "Trace",
        ["Logging:LogLevel:Microsoft.AspNetCore"] = "Trace",
        ["Logging:LogLevel:System.Net.Http"] = "Trace",
        ["Outbox:InProcessRetries"] = "0",
    });

    private static async Task AssertCleanAsync(ChannelHost host, params string[] personal)
    {
        await Task.Delay(300); // the last outbox outcome is logged after the provider answered
        var logs = host.Factory.Logs.All;
        Assert.True(host.Factory.Logs.Lines.Count > 20, "too few log lines to prove anything");
        foreach (var secret in Secrets.Concat(personal))
        {
            Assert.False(logs.Contains(secret, StringComparison.OrdinalIgnoreCase), $"the logs contain '{secret}'");
        }
    }

    [Fact]
    public async Task Telegram()
    {
        await using var host = await VerboseHostAsync();
        host.Fake.Script("/sendMessage", FakeResponse.Json(429, """{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 0","parameters":{"retry_after":0}}"""));
        var update = 90_000;
        foreach (var text in Texts)
        {
            await host.PostTelegramAsync(ChannelHost.TelegramText(++update, 777_123_456, text));
        }

        await host.PostTelegramAsync(ChannelHost.TelegramCallback(++update, 777_123_456, "welcome/es"));
        await host.PostTelegramAsync(ChannelHost.TelegramText(++update, 777_123_456, "hola"), "forged-secret");
        await host.Fake.WaitForAsync(rs => rs.Count(r => r.Status == 200 && r.Text.Contains("borramos todo", StringComparison.Ordinal)) == 1 && rs.Any(r => r.Path.EndsWith("/answerCallbackQuery", StringComparison.Ordinal)));

        // An update that cannot be bound is logged by its JSON path only; a tap in a group is acknowledged unlogged.
        await host.PostTelegramAsync($$$"""{"update_id":{{{++update}}},"message":{"message_id":1,"chat":{"id":777123456,"type":"private"},"date":{},"text":["mi pasaporte es 987654321"]}}""");
        await host.PostTelegramAsync(ChannelHost.TelegramCallback(++update, 777_123_456, "welcome/es").Replace("\"type\":\"private\"", "\"type\":\"group\"", StringComparison.Ordinal));
        await host.Fake.WaitForAsync(rs => rs.Any(r => r.Answered && r.Body.Contains($"\"cb{update}\"", StringComparison.Ordinal)));
        await host.WaitForOutboxAsync(rows => rows.All(r => r.Status is not ("pending" or "sending")));

        await AssertCleanAsync(host, "777123456");
    }

    [Fact]
    public async Task WhatsApp()
    {
        await using var host = await VerboseHostAsync();
        await host.Client.GetAsync($"/webhooks/whatsapp?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token={ChannelHost.MetaVerifyToken}");
        var id = 0;
        foreach (var text in Texts)
        {
            await host.PostWhatsAppAsync(ChannelHost.WhatsAppText("50769998877", $"wamid.log{++id}", text, 1_795_359_600));
        }

        await host.PostWhatsAppAsync(ChannelHost.WhatsAppText("50769998877", "wamid.forged", "hola", 1_795_359_600), "sha256=" + new string('0', 64));
        await host.Fake.WaitForAsync(rs => rs.Any(r => r.Status == 200 && r.Text.Contains("borramos todo", StringComparison.Ordinal)));

        // A message that cannot be bound (its timestamp an object) is logged by its JSON path only, and answered politely.
        await host.PostWhatsAppAsync(ChannelHost.WhatsAppEnvelope("""
            "messages":[{"from":"50769998877","id":"wamid.log-odd","timestamp":{"s":1},"type":"text","text":{"body":"mi pasaporte es 987654321"}}]
            """));
        await host.Fake.WaitForAsync(rs => rs.Any(r => r.Status == 200 && r.Text.Contains("Solo puedo leer", StringComparison.Ordinal)));

        await AssertCleanAsync(host, "50769998877", "69998877");
    }

    [Fact]
    public async Task Twilio()
    {
        await using var host = await VerboseHostAsync();
        var id = 0;
        foreach (var text in Texts)
        {
            await host.PostTwilioAsync(ChannelHost.TwilioInbound("whatsapp:+50768887766", $"SMlog{++id}", text));
        }

        await host.PostTwilioAsync(ChannelHost.TwilioInbound("whatsapp:+50768887766", "SMforged", "hola"), "forged");
        await host.Fake.WaitForAsync(rs => rs.Any(r => r.Status == 201 && r.Text.Contains("borramos todo", StringComparison.Ordinal)));

        await AssertCleanAsync(host, "50768887766", "68887766");
    }
}
