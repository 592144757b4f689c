using System.Net;
using Dapper;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OimBot.Bot.Channels;
using OimBot.Bot.Dialogs;
using OimBot.Bot.Storage;
using OimBot.Bot.Tests.TestHost;
using OimBot.Bot.Outbox;

namespace OimBot.Bot.Tests.Channels;

/// <summary>
/// The database is unavailable (another process holds its write lock): a provider's messages are kept on disk,
/// encrypted, the webhook still answers 200 (Twilio never retries), and once the database is back every message is
/// answered, in the order it came.
/// </summary>
public sealed class InboundSpoolTests
{
    private const string Phone = "+50761110001";

    [Fact]
    public async Task WhileTheDatabaseIsLocked_MessagesWaitOnDisk_AndAreAnsweredInOrderAfterwards()
    {
        await using var host = await ChannelHost.StartAsync(new Dictionary<string, string?> { ["Storage:SpoolRetryInterval"] = "00:00:00.200" });
        Assert.Equal(HttpStatusCode.OK, (await host.Client.GetAsync("/healthz")).StatusCode); // started and migrated
        var spool = Path.Combine(host.Factory.Root, "spool");

        await using (var blocker = new SqliteConnection($"Data Source={host.Factory.DatabasePath}"))
        {
            await blocker.OpenAsync();
            await blocker.ExecuteAsync("BEGIN EXCLUSIVE; INSERT INTO channel_cursors (name, value, updated_at) VALUES ('lock', 'x', 'now');");

            var first = await host.PostTwilioAsync(ChannelHost.TwilioInbound($"whatsapp:{Phone}", "SMspool00000000000000000000000001", "hola"));
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
            Assert.Contains("<Response", await first.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            var second = await host.PostTwilioAsync(ChannelHost.TwilioInbound($"whatsapp:{Phone}", "SMspool00000000000000000000000002", "1"));
            Assert.Equal(HttpStatusCode.OK, second.StatusCode);

            var files = Directory.GetFiles(spool, "*.msg");
            Assert.Equal(2, files.Length);
            foreach (var file in files)
            {
                var bytes = await File.ReadAllTextAsync(file);
                Assert.DoesNotContain("50761110001", bytes, StringComparison.Ordinal); // sealed: no number, no text
                Assert.DoesNotContain("hola", bytes, StringComparison.Ordinal);
            }

            Assert.DoesNotContain(host.Fake.Requests, r => r.Path.EndsWith("/Messages.json", StringComparison.Ordinal) && r.Text.Contains(Phone, StringComparison.Ordinal));
            await blocker.ExecuteAsync("ROLLBACK;");
        }

        var replies = await host.Fake.WaitForAsync(rs => rs.Count(r => r.Status == 201 && r.Text.Contains(Phone, StringComparison.Ordinal)) >= 2, TimeSpan.FromSeconds(30));
        var texts = replies.Where(r => r.Status == 201 && r.Text.Contains(Phone, StringComparison.Ordinal)).Select(r => r.Text).ToList();
        var welcome = texts.FindIndex(t => t.Contains("Continue in English", StringComparison.Ordinal));
        var menu = texts.FindIndex(t => t.Contains("¿Sobre qué quieres información?", StringComparison.Ordinal));
        Assert.True(welcome >= 0 && menu > welcome, string.Join("\n---\n", texts));
        Assert.Empty(Directory.GetFiles(spool, "*.msg"));
        Assert.Equal(2 * RecentInbound.HashLength, await host.CountAsync("SELECT length(recent_inbound) FROM conversations WHERE channel = 'twilio'")); // two turns, each id remembered once
    }

    /// <summary>
    /// The first message waits for the locked database longer than the second's budget: without ordering, the second
    /// would fall back to the spool first and be answered first. A person's messages keep their order.
    /// </summary>
    [Fact]
    public async Task UnderABusyDatabase_APersonsSecondMessageNeverOvertakesTheFirst()
    {
        await using var host = await ChannelHost.StartAsync(new Dictionary<string, string?> { ["Storage:WebhookBudget"] = "00:00:00.500", ["Storage:SpoolRetryInterval"] = "00:00:00.200" });
        Assert.Equal(HttpStatusCode.OK, (await host.Client.GetAsync("/healthz")).StatusCode);
        var chat = ChannelHostFixture.Unique();
        Task<HttpResponseMessage> first, second;
        await using (var blocker = new SqliteConnection($"Data Source={host.Factory.DatabasePath}"))
        {
            await blocker.OpenAsync();
            await blocker.ExecuteAsync("BEGIN EXCLUSIVE; INSERT INTO channel_cursors (name, value, updated_at) VALUES ('lock', 'x', 'now');");
            first = host.PostTelegramAsync(ChannelHost.TelegramText(chat, chat, "hola"));
            await Task.Delay(300);
            second = host.PostTelegramAsync(ChannelHost.TelegramText(chat + 1, chat, "1"));
            Assert.Equal(HttpStatusCode.OK, (await second).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await first).StatusCode);
            await blocker.ExecuteAsync("ROLLBACK;");
        }

        var sent = await host.Fake.WaitForAsync(rs => rs.Count(r => r.Status == 200 && r.Text.Contains($"\"chat_id\":{chat}", StringComparison.Ordinal)) >= 2, TimeSpan.FromSeconds(30));
        var texts = sent.Where(r => r.Status == 200 && r.Text.Contains($"\"chat_id\":{chat}", StringComparison.Ordinal)).Select(r => r.Text).ToList();
        Assert.Contains("asistente automático", texts[0], StringComparison.Ordinal);
        Assert.Contains("¿Sobre qué quieres información?", texts[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnUnreadableFile_IsSetAside_AndTheOthersAreAnswered()
    {
        await using var factory = new BotFactory();
        _ = factory.Services;
        var spool = factory.Services.GetRequiredService<InboundSpool>();
        Directory.CreateDirectory(spool.Directory);
        await File.WriteAllBytesAsync(Path.Combine(spool.Directory, "00000000000000000001-00000001.msg"), [1, 2, 3, 4]);
        await spool.SaveAsync(new InboundEvent.Message(new ChannelAddress("telegram", "4242"), "update-spool-1", UserMessage.FromText("hola"), Delivery.Outbox()), CancellationToken.None);
        var replayer = factory.Services.GetServices<IHostedService>().OfType<SpoolReplayer>().Single();

        Assert.True(await replayer.ReplayOnceAsync(CancellationToken.None));

        Assert.Empty(spool.Pending());
        Assert.Single(Directory.GetFiles(spool.FailedDirectory));
        var health = await factory.CreateClient().GetAsync("/healthz");
        Assert.Contains("Degraded", await health.Content.ReadAsStringAsync(), StringComparison.Ordinal); // an operator must look at failed/
        await using var db = new SqliteConnection($"Data Source={factory.DatabasePath}");
        Assert.Equal(RecentInbound.HashLength, await db.ExecuteScalarAsync<long>("SELECT SUM(length(recent_inbound)) FROM conversations WHERE channel = 'telegram'")); // one turn
        Assert.False(spool.HasPending);
    }
}
