using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using OimBot.Bot.Channels.Telegram;
using OimBot.Bot.Storage;
using OimBot.Bot.Tests.TestHost;

namespace OimBot.Bot.Tests.Channels;

/// <summary>
/// A message whose turn throws (a bug, injected here into the real store's transaction) is tried a few times, then set
/// aside sealed in the spool's failed folder; the person gets a short apology in their language, the webhook answers
/// 200, and the provider's redeliveries are answered once. The service and its other users go on.
/// </summary>
public sealed class PoisonMessageTests : IAsyncLifetime
{
    private const string ApologyEs = "Lo siento, no pude procesar tu último mensaje.";
    private const string ApologyEn = "Sorry, I could not process your last message.";

    private ChannelHost _host = null!;

    private PoisonedStore Store => _host.Factory.Services.GetRequiredService<PoisonedStore>();

    private string FailedFolder => Path.Combine(_host.Factory.Root, "spool", "failed");

    private int SetAside => Directory.Exists(FailedFolder) ? Directory.GetFiles(FailedFolder, "*.msg").Length : 0;

    public async Task InitializeAsync() => _host = await ChannelHost.StartAsync(services: PoisonedStore.Install);

    public async Task DisposeAsync() => await _host.DisposeAsync();

    /// <summary>channel; how to deliver "hola" from a new address (the same call twice is a provider's redelivery).</summary>
    public static TheoryData<string> Channels => new() { "telegram", "whatsapp", "twilio", "webchat" };

    [Theory]
    [MemberData(nameof(Channels))]
    public async Task APoisonMessage_IsSetAside_Apologised_Answered200_AndItsRedeliveryIsAnsweredOnce(string channel)
    {
        _ = _host.Client;
        var (address, deliver) = Delivery(channel);
        Store.Poison(address);
        var before = SetAside;
        var apologiesBefore = Apologies(ApologyEs);

        for (var delivery = 0; delivery < 2; delivery++)
        {
            var response = await deliver();
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{channel} delivery {delivery + 1}: {response.StatusCode}");
            if (channel == "webchat")
            {
                Assert.Contains(ApologyEs, await TextOf(response), StringComparison.Ordinal);
            }
        }

        Assert.Equal(3, Store.Failures - FailuresBefore(channel));
        Assert.Equal(before + 1, SetAside);
        if (channel != "webchat")
        {
            await _host.Fake.WaitForAsync(_ => Apologies(ApologyEs) == apologiesBefore + 1);
            await Task.Delay(200);
            Assert.Equal(apologiesBefore + 1, Apologies(ApologyEs));
        }

        // The file is sealed with the address key: neither the address nor the words are readable on disk.
        foreach (var file in Directory.GetFiles(FailedFolder))
        {
            var bytes = System.Text.Encoding.UTF8.GetString(await File.ReadAllBytesAsync(file));
            Assert.DoesNotContain("hola", bytes, StringComparison.Ordinal);
            Assert.DoesNotContain(address, bytes, StringComparison.Ordinal);
        }

        var health = await _host.Client.GetStringAsync("/healthz");
        Assert.Equal("Degraded", health);
        Assert.Contains("set aside in the spool's failed folder", _host.Factory.Logs.All, StringComparison.Ordinal);
        Assert.DoesNotContain("injected bug", _host.Factory.Logs.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheApology_IsInTheLanguageTheUserChose()
    {
        var id = "poison-" + Guid.NewGuid().ToString("N");
        var first = await _host.Client.PostAsJsonAsync("/api/webchat/messages", new { conversationId = id, text = "hello, I need help" });
        Assert.Contains("automated assistant", await TextOf(first), StringComparison.Ordinal);

        Store.Poison(id);
        var second = await _host.Client.PostAsJsonAsync("/api/webchat/messages", new { conversationId = id, text = "menu" });

        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        var text = await TextOf(second);
        Assert.Contains(ApologyEn, text, StringComparison.Ordinal);
        Assert.Contains("911", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AFaultThatPasses_IsRetried_AndTheMessageIsAnsweredNormally()
    {
        var id = "poison-" + Guid.NewGuid().ToString("N");
        var before = SetAside;
        Store.Poison(id, times: 2);

        var response = await _host.Client.PostAsJsonAsync("/api/webchat/messages", new { conversationId = id, text = "hola" });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var text = await TextOf(response);
        Assert.Contains("asistente automático", text, StringComparison.Ordinal);
        Assert.DoesNotContain(ApologyEs, text, StringComparison.Ordinal);
        Assert.Equal(before, SetAside);
    }

    [Fact]
    public async Task InPollingMode_APoisonUpdate_NeitherStopsTheHostNorBlocksTheNextOnes()
    {
        await using var host = await ChannelHost.StartAsync(
            new Dictionary<string, string?> { ["Channels:Telegram:Mode"] = "polling", ["Channels:Telegram:WebhookSecret"] = "" },
            PoisonedStore.Install);
        long poisoned = ChannelHostFixture.Unique(), healthy = ChannelHostFixture.Unique();
        host.Factory.Services.GetRequiredService<PoisonedStore>().Poison(poisoned.ToString(System.Globalization.CultureInfo.InvariantCulture));
        host.Fake.Script("/getUpdates", FakeResponse.Json(200, $$"""{"ok":true,"result":[{{ChannelHost.TelegramText(900, poisoned, "hola")}},{{ChannelHost.TelegramText(901, healthy, "hola")}}]}"""));
        _ = host.Client;

        var requests = await host.Fake.WaitForAsync(rs =>
            rs.Count(r => r.Status == 200 && r.Path.EndsWith("/sendMessage", StringComparison.Ordinal)) == 2
            && rs.Any(r => r.Path.EndsWith("/getUpdates", StringComparison.Ordinal) && r.Body.Contains("\"offset\":902", StringComparison.Ordinal)));

        Assert.Contains(requests, r => r.Text.Contains($"\"chat_id\":{poisoned}", StringComparison.Ordinal) && r.Text.Contains(ApologyEs, StringComparison.Ordinal));
        Assert.Contains(requests, r => r.Text.Contains($"\"chat_id\":{healthy}", StringComparison.Ordinal) && r.Text.Contains("asistente automático", StringComparison.Ordinal));
        Assert.Equal("902", await host.Factory.Services.GetRequiredService<IChannelCursors>().GetAsync(TelegramPoller.Cursor, CancellationToken.None));
    }

    private static async Task<string> TextOf(HttpResponseMessage response) =>
        string.Join("\n", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("replies").EnumerateArray().Select(r => r.GetProperty("text").GetString()));

    private readonly Dictionary<string, int> _failuresBefore = [];

    private int FailuresBefore(string channel) => _failuresBefore[channel];

    private int Apologies(string apology) => _host.Fake.Requests.Count(r => r.Answered && r.Text.Contains(apology, StringComparison.Ordinal));

    private (string Address, Func<Task<HttpResponseMessage>> Deliver) Delivery(string channel)
    {
        _failuresBefore[channel] = Store.Failures;
        var n = ChannelHostFixture.Unique();
        switch (channel)
        {
            case "telegram":
                var update = ChannelHost.TelegramText(n, n, "hola");
                return (n.ToString(System.Globalization.CultureInfo.InvariantCulture), () => _host.PostTelegramAsync(update));
            case "whatsapp":
                var from = "5076" + n;
                var body = ChannelHost.WhatsAppText(from, "wamid.p" + n, "hola");
                return (from, () => _host.PostWhatsAppAsync(body));
            case "twilio":
                var sender = "whatsapp:+5076" + n;
                var form = ChannelHost.TwilioInbound(sender, "SM" + n.ToString("D32", System.Globalization.CultureInfo.InvariantCulture), "hola");
                return (sender, () => _host.PostTwilioAsync(form));
            default:
                var conversation = "poison-" + n;
                var message = "m" + n.ToString("D10", System.Globalization.CultureInfo.InvariantCulture);
                return (conversation, () => _host.Client.PostAsJsonAsync("/api/webchat/messages", new { conversationId = conversation, text = "hola", messageId = message }));
        }
    }
}
