using System.Net;
using System.Text;
using OimBot.Bot.Tests.TestHost;

namespace OimBot.Bot.Tests.Channels;

/// <summary>
/// The service is killed (SIGKILL) while replies wait in the outbox and are in flight to the provider; after a
/// restart every reply is delivered exactly once.
/// </summary>
public sealed class CrashRecoveryTests
{
    [Fact]
    public async Task AfterAKillWithPendingRows_EveryReplyIsDeliveredOnce()
    {
        using var temp = new TempContent();
        await using var fake = await FakeProvider.StartAsync();
        var holding = true;
        fake.Default = request => holding && request.Path.EndsWith("/sendMessage", StringComparison.Ordinal)
            ? FakeResponse.Held()
            : ChannelHost.DefaultAnswer(request);
        var environment = new Dictionary<string, string>
        {
            ["Channels__Telegram__Enabled"] = "true",
            ["Channels__Telegram__BotToken"] = ChannelHost.TelegramToken,
            ["Channels__Telegram__WebhookSecret"] = ChannelHost.TelegramSecret,
            ["Channels__Telegram__ApiBaseUrl"] = fake.BaseUrl,
            ["Channels__Telegram__Timeout"] = "00:01:00",
            ["Outbox__Lease"] = "00:00:02",
            ["Outbox__PollInterval"] = "00:00:00.100",
        };
        int[] chats = [31001, 31002, 31003, 31004, 31005];

        var port = ServiceProcess.FreePort();
        await using (var first = ServiceProcess.Start(temp.Root, ["--urls", $"http://127.0.0.1:{port}"], environment))
        {
            await first.WaitUntilHealthyAsync(port);
            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            foreach (var chat in chats)
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, "/webhooks/telegram")
                {
                    Content = new StringContent(ChannelHost.TelegramText(chat, chat, "hola"), Encoding.UTF8, "application/json"),
                };
                request.Headers.Add("X-Telegram-Bot-Api-Secret-Token", ChannelHost.TelegramSecret);
                Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(request)).StatusCode); // committed before this answer
            }

            await fake.WaitForAsync(rs => rs.Count(r => r.Path.EndsWith("/sendMessage", StringComparison.Ordinal)) >= chats.Length);
            await first.KillAsync(); // replies are claimed and in flight, none answered
        }

        Assert.Empty(fake.Answered("/sendMessage"));

        // The fake notices the dead connections on its own time; released before it does, a held request would be
        // "answered" to nobody and counted as a delivery.
        await fake.WaitForAsync(rs => rs.Where(r => r.Path.EndsWith("/sendMessage", StringComparison.Ordinal)).All(r => r.Abandoned));
        holding = false;
        fake.ReleaseHeld();

        var secondPort = ServiceProcess.FreePort();
        await using var second = ServiceProcess.Start(temp.Root, ["--urls", $"http://127.0.0.1:{secondPort}"], environment);
        await second.WaitUntilHealthyAsync(secondPort);
        await fake.WaitForAsync(_ => fake.Answered("/sendMessage").Count >= chats.Length, TimeSpan.FromSeconds(30));
        await Task.Delay(1500); // time for a duplicate to show up, if there were one

        var delivered = fake.Answered("/sendMessage");
        foreach (var chat in chats)
        {
            Assert.Single(delivered, r => r.Body.Contains($"\"chat_id\":{chat},", StringComparison.Ordinal) && r.Status == 200);
        }
    }
}
