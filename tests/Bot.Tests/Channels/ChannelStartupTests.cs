using System.Net;
using OimBot.Bot.Channels.Telegram;
using OimBot.Bot.Storage;
using OimBot.Bot.Tests.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace OimBot.Bot.Tests.Channels;

public sealed class ChannelStartupTests
{
    /// <summary>label, environment, the message start-up must print.</summary>
    public static TheoryData<string, Dictionary<string, string>, string> MissingSecrets => new()
    {
        { "Telegram without a token", new() { ["Channels__Telegram__Enabled"] = "true", ["Channels__Telegram__WebhookSecret"] = "abc" }, "Channels:Telegram:BotToken is required when Channels:Telegram:Enabled is true." },
        { "Telegram webhook without a secret", new() { ["Channels__Telegram__Enabled"] = "true", ["Channels__Telegram__BotToken"] = "1:x" }, "Channels:Telegram:WebhookSecret is required in webhook mode" },
        { "WhatsApp without an app secret", new() { ["Channels__WhatsApp__Enabled"] = "true", ["Channels__WhatsApp__VerifyToken"] = "v", ["Channels__WhatsApp__AccessToken"] = "a", ["Channels__WhatsApp__PhoneNumberId"] = "1" }, "Channels:WhatsApp:AppSecret is required when Channels:WhatsApp:Enabled is true." },
        { "A raw retention under a day", new() { ["Analytics__RawRetention"] = "00:00:01" }, "Analytics:RawRetention must be between 1 and 730 days." },
        { "A pseudonym key that is not 32 bytes", new() { ["Analytics__PseudonymKey"] = "c2hvcnQ=" }, "Analytics:PseudonymKey must be the base64 of 32 random bytes" },
        { "An unknown period length", new() { ["Analytics__PeriodLength"] = "Year" }, "Analytics:PeriodLength must be Quarter or Month" },
        { "Twilio without the template's ContentSids", TwilioReady(), "Channels:Twilio:ContentSids:reply-waiting:es is required when Channels:Twilio:Enabled is true" },
        { "Twilio with a ContentSid for one language only", TwilioReady(("es", "HX0123456789abcdef0123456789abcdef")), "Channels:Twilio:ContentSids:reply-waiting:zh_CN is required" },
        { "A ContentSid that is not one", TwilioReady(("es", "SM123")), "Channels:Twilio:ContentSids:reply-waiting:es must be a Content SID (HX followed by 32 hexadecimal digits)" },
        { "A WhatsApp template name Meta would refuse", new() { ["Channels__WhatsApp__Enabled"] = "true", ["Channels__WhatsApp__VerifyToken"] = "v", ["Channels__WhatsApp__AppSecret"] = "s", ["Channels__WhatsApp__AccessToken"] = "a", ["Channels__WhatsApp__PhoneNumberId"] = "1", ["Channels__WhatsApp__TemplateNames__reply-waiting"] = "Reply Waiting" }, "Channels:WhatsApp:TemplateNames:reply-waiting must be a WhatsApp template name" },
        { "A negative write-ahead log reserve", new() { ["Storage__LogReserveMiB"] = "-1" }, "Storage:LogReserveMiB must be between 0 and 1024." },
        { "More settles in flight than the pool could serve", new() { ["Storage__SettlesInFlight"] = "65" }, "Storage:SettlesInFlight must be between 0 and 64." },
        { "PostgreSQL with the SQLite connection string", new() { ["Storage__Provider"] = "postgres" }, "Storage:ConnectionString is not a PostgreSQL connection string" },
        { "Twilio without an auth token", new() { ["Channels__Twilio__Enabled"] = "true", ["Channels__Twilio__AccountSid"] = "AC1", ["Channels__Twilio__From"] = "whatsapp:+1", ["Channels__Twilio__PublicBaseUrl"] = "https://x.org" }, "Channels:Twilio:AuthToken is required when Channels:Twilio:Enabled is true." },
    };

    /// <summary>Twilio with every secret, and ContentSids for the given template languages only.</summary>
    private static Dictionary<string, string> TwilioReady(params (string Code, string Sid)[] sids)
    {
        var environment = new Dictionary<string, string>
        {
            ["Channels__Twilio__Enabled"] = "true", ["Channels__Twilio__AccountSid"] = "AC1", ["Channels__Twilio__AuthToken"] = "t", ["Channels__Twilio__From"] = "whatsapp:+1", ["Channels__Twilio__PublicBaseUrl"] = "https://x.org",
        };
        foreach (var (code, sid) in sids)
        {
            environment[$"Channels__Twilio__ContentSids__reply-waiting__{code}"] = sid;
        }

        return environment;
    }

    [Theory]
    [MemberData(nameof(MissingSecrets))]
    public async Task EnablingAChannelWithoutItsSecret_StopsStartUp_NamingTheKey(string label, Dictionary<string, string> environment, string message)
    {
        using var temp = new TempContent();
        var (exitCode, output) = await ServiceProcess.RunAsync(temp.Root, ["--urls", $"http://127.0.0.1:{ServiceProcess.FreePort()}"], environment: environment);

        Assert.True(exitCode == 1, $"{label}: exit {exitCode}\n{output}");
        Assert.Contains(message, output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DisabledChannels_Answer404()
    {
        await using var factory = new BotFactory();
        using var client = factory.CreateClient();
        Assert.Equal(HttpStatusCode.NotFound, (await client.PostAsync("/webhooks/telegram", new StringContent("{}"))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.PostAsync("/webhooks/whatsapp", new StringContent("{}"))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/webhooks/whatsapp?hub.mode=subscribe")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.PostAsync("/webhooks/twilio", new StringContent("a=b"))).StatusCode);
    }

    [Fact]
    public async Task PollingMode_ReadsUpdates_AnswersThem_AndRemembersTheOffset()
    {
        await using var host = await ChannelHost.StartAsync(new Dictionary<string, string?> { ["Channels:Telegram:Mode"] = "polling", ["Channels:Telegram:WebhookSecret"] = "" });
        host.Fake.Script("/getUpdates", FakeResponse.Json(200, $$"""{"ok":true,"result":[{{ChannelHost.TelegramText(700, 8801, "hola")}},{{ChannelHost.TelegramText(701, 8802, "hello")}}]}"""));
        _ = host.Client; // starts the host

        var requests = await host.Fake.WaitForAsync(rs => rs.Count(r => r.Status == 200 && r.Path.EndsWith("/sendMessage", StringComparison.Ordinal)) == 2
            && rs.Any(r => r.Path.EndsWith("/getUpdates", StringComparison.Ordinal) && r.Body.Contains("\"offset\":702", StringComparison.Ordinal)));

        Assert.Contains(requests, r => r.Text.Contains("\"chat_id\":8801", StringComparison.Ordinal) && r.Text.Contains("asistente automático", StringComparison.Ordinal));
        Assert.Contains(requests, r => r.Text.Contains("\"chat_id\":8802", StringComparison.Ordinal) && r.Text.Contains("automated assistant", StringComparison.Ordinal));
        Assert.Contains(requests, r => r.Path.EndsWith("/getUpdates", StringComparison.Ordinal) && r.Body.Contains("\"offset\":702", StringComparison.Ordinal));
        Assert.Equal("702", await host.Factory.Services.GetRequiredService<IChannelCursors>().GetAsync(TelegramPoller.Cursor, CancellationToken.None));
        Assert.Equal(HttpStatusCode.NotFound, (await host.PostTelegramAsync(ChannelHost.TelegramText(800, 8803, "hola"))).StatusCode);
    }
}
