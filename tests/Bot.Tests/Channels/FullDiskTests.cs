using System.Net;
using Dapper;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using OimBot.Bot.Channels;
using OimBot.Bot.Tests.TestHost;

namespace OimBot.Bot.Tests.Channels;

/// <summary>
/// The database is locked and the disk is full: the message can be kept nowhere. The webhook must answer a status the
/// provider retries (503 with Retry-After), leave no half-written file, and /healthz must say Unhealthy; once there is
/// room again the provider's redelivery is answered once.
/// </summary>
public sealed class FullDiskTests
{
    /// <summary>A disk with no space left: the file is created, the write fails part-way with ENOSPC.</summary>
    private sealed class FullDisk : SpoolDisk
    {
        public volatile bool Full = true;

        public override async Task WriteAsync(string path, byte[] bytes, CancellationToken cancellationToken)
        {
            if (!Full)
            {
                await base.WriteAsync(path, bytes, cancellationToken);
                return;
            }

            await File.WriteAllBytesAsync(path, bytes[..Math.Min(8, bytes.Length)], cancellationToken);
            throw new IOException("No space left on device", 28);
        }
    }

    /// <summary>A database that reads but refuses writes: messages wait on disk, /healthz is Unhealthy, and both recover.</summary>
    [Fact]
    public async Task AReadOnlyDatabase_IsReportedUnhealthy_WhileMessagesWaitOnDisk_AndBothRecover()
    {
        await using var host = await ChannelHost.StartAsync(new Dictionary<string, string?> { ["Storage:SpoolRetryInterval"] = "00:00:00.200" }, PoisonedStore.Install);
        Assert.Equal(HttpStatusCode.OK, (await host.Client.GetAsync("/healthz")).StatusCode);
        var store = host.Factory.Services.GetRequiredService<PoisonedStore>();
        var phone = "5076" + ChannelHostFixture.Unique();
        store.ReadOnly = true;

        Assert.Equal(HttpStatusCode.OK, (await host.PostWhatsAppAsync(ChannelHost.WhatsAppText(phone, "wamid.r" + phone, "hola"))).StatusCode);
        var health = await host.Client.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
        Assert.Single(Directory.GetFiles(Path.Combine(host.Factory.Root, "spool"), "*.msg"));

        store.ReadOnly = false;
        await host.Fake.WaitForAsync(rs => rs.Any(r => r.Answered && r.Text.Contains(phone, StringComparison.Ordinal)));
        Assert.Equal(HttpStatusCode.OK, (await host.Client.GetAsync("/healthz")).StatusCode);
    }

    /// <summary>channel and one delivery of "hola" from a new sender.</summary>
    public static TheoryData<string> Channels => new() { "telegram", "whatsapp", "twilio" };

    [Theory]
    [MemberData(nameof(Channels))]
    public async Task WithTheDatabaseLockedAndTheDiskFull_TheProviderIsAskedToRetry_AndHealthIsUnhealthy(string channel)
    {
        var disk = new FullDisk();
        await using var host = await ChannelHost.StartAsync(
            new Dictionary<string, string?> { ["Storage:WebhookBudget"] = "00:00:00.300", ["Storage:SpoolRetryInterval"] = "00:00:00.200" },
            services => services.AddSingleton<SpoolDisk>(disk));
        Assert.Equal(HttpStatusCode.OK, (await host.Client.GetAsync("/healthz")).StatusCode);
        var spool = Path.Combine(host.Factory.Root, "spool");
        var n = ChannelHostFixture.Unique();
        Func<Task<HttpResponseMessage>> deliver = channel switch
        {
            "telegram" => () => host.PostTelegramAsync(ChannelHost.TelegramText(n, n, "hola")),
            "whatsapp" => () => host.PostWhatsAppAsync(ChannelHost.WhatsAppText("5076" + n, "wamid.f" + n, "hola")),
            _ => () => host.PostTwilioAsync(ChannelHost.TwilioInbound("whatsapp:+5076" + n, "SM" + n.ToString("D32", System.Globalization.CultureInfo.InvariantCulture), "hola")),
        };
        var recipient = channel == "telegram" ? $"\"chat_id\":{n}" : "5076" + n;

        await using (var blocker = new SqliteConnection($"Data Source={host.Factory.DatabasePath}"))
        {
            await blocker.OpenAsync();
            await blocker.ExecuteAsync("BEGIN EXCLUSIVE; INSERT INTO channel_cursors (name, value, updated_at) VALUES ('lock', 'x', 'now');");

            var refused = await deliver();
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.Equal(TimeSpan.FromSeconds(InboundPipeline.RetryAfterSeconds), refused.Headers.RetryAfter?.Delta);
            Assert.Empty(Directory.Exists(spool) ? Directory.GetFiles(spool, "*", SearchOption.AllDirectories) : []);
            var health = await host.Client.GetAsync("/healthz");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
            Assert.Equal("Unhealthy", await health.Content.ReadAsStringAsync());
            Assert.Contains("could not be kept on disk", host.Factory.Logs.All, StringComparison.Ordinal);

            await blocker.ExecuteAsync("ROLLBACK;");
        }

        disk.Full = false;
        Assert.Equal(HttpStatusCode.OK, (await deliver()).StatusCode); // the provider's retry
        Assert.Equal(HttpStatusCode.OK, (await deliver()).StatusCode); // and one more: answered once
        await host.Fake.WaitForAsync(rs => rs.Any(r => r.Answered && r.Text.Contains(recipient, StringComparison.Ordinal)));
        await Task.Delay(200);
        Assert.Single(host.Fake.Requests, r => r.Text.Contains(recipient, StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.OK, (await host.Client.GetAsync("/healthz")).StatusCode);
    }
}
