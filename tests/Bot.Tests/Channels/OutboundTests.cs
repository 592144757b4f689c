using System.Net;
using Microsoft.Extensions.DependencyInjection;
using OimBot.Bot.Storage;
using OimBot.Bot.Tests.TestHost;
using OimBot.Bot.Outbox;

namespace OimBot.Bot.Tests.Channels;

/// <summary>The outbox against scripted provider failures: what was sent, when, and that nothing was lost or sent twice.</summary>
public sealed class OutboundTests
{
    private static bool ForChat(RecordedRequest request, long chat) =>
        request.Path.EndsWith("/sendMessage", StringComparison.Ordinal) && request.Body.Contains($"\"chat_id\":{chat}", StringComparison.Ordinal);

    /// <summary>
    /// Telegram numbers messages per chat, so three users' first replies all come back as message 1: each must be
    /// recorded as sent once (the provider id is the chat and the message together), and none sent again.
    /// </summary>
    [Fact]
    public async Task ThreeTelegramUsers_WhoseRepliesGetTheSameMessageId_AreEachSentOnce()
    {
        await using var host = await ChannelHost.StartAsync();
        long[] chats = [ChannelHostFixture.Unique(), ChannelHostFixture.Unique(), ChannelHostFixture.Unique()]; // chats no other test writes to
        foreach (var (chat, update) in chats.Select((c, i) => (c, i + 1)))
        {
            await host.PostTelegramAsync(ChannelHost.TelegramText(update, chat, "hola"));
        }

        await host.WaitForOutboxAsync(rows => rows.Count == 3 && rows.All(r => r.Status == "sent" && r.Attempts == 1));
        await using (var db = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={host.Factory.DatabasePath}"))
        {
            var ids = (await Dapper.SqlMapper.QueryAsync<string>(db, "SELECT provider_message_id FROM outbox ORDER BY id")).ToList();
            Assert.Equal(chats.Select(c => $"{c}:1").Order(StringComparer.Ordinal), ids.Order(StringComparer.Ordinal));
        }

        // Past the lease (30 s in the test host) nothing is sent again.
        host.Factory.Clock.Advance(TimeSpan.FromMinutes(5));
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.All(chats, chat => Assert.Single(host.Fake.Requests, r => ForChat(r, chat)));
    }

    [Fact]
    public async Task AProviderIdSeenBefore_StillSettlesTheRow_SoItIsNeverSentAgain()
    {
        await using var host = await ChannelHost.StartAsync();
        var same = FakeResponse.Json(200, """{"messaging_product":"whatsapp","contacts":[{"input":"x","wa_id":"x"}],"messages":[{"id":"wamid.same"}]}""");
        host.Fake.Script("/messages", same, same);

        await host.PostWhatsAppAsync(ChannelHost.WhatsAppText("50760004441", "wamid.d1", "hola", 1_795_359_600));
        await host.WaitForOutboxAsync(rows => rows.Count == 1 && rows[0].Status == "sent");
        await host.PostWhatsAppAsync(ChannelHost.WhatsAppText("50760004442", "wamid.d2", "hola", 1_795_359_600));

        await host.WaitForOutboxAsync(rows => rows.Count == 2 && rows.All(r => r.Status == "sent" && r.Attempts == 1));
        host.Factory.Clock.Advance(TimeSpan.FromMinutes(5));
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Equal(2, host.Fake.Requests.Count(r => r.Path.EndsWith("/messages", StringComparison.Ordinal)));
    }

    /// <summary>
    /// The provider accepts a message while the database is locked: the outcome cannot be written, so it is kept and
    /// written when the database answers, before anything is claimed again. Past the lease the message is not re-sent.
    /// </summary>
    [Fact]
    public async Task ADatabaseLockWhileASendIsRecorded_DoesNotSendItTwice()
    {
        await using var host = await ChannelHost.StartAsync();
        Assert.Equal(HttpStatusCode.OK, (await host.Client.GetAsync("/healthz")).StatusCode);
        var phone = "5076" + ChannelHostFixture.Unique();
        host.Fake.Script("/messages", FakeResponse.Held());
        await host.PostWhatsAppAsync(ChannelHost.WhatsAppText(phone, "wamid.l" + ChannelHostFixture.Unique(), "hola"));
        await host.Fake.WaitForAsync(rs => rs.Any(r => r.Body.Contains(phone, StringComparison.Ordinal)));

        await using (var blocker = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={host.Factory.DatabasePath}"))
        {
            await blocker.OpenAsync();
            await Dapper.SqlMapper.ExecuteAsync(blocker, "BEGIN EXCLUSIVE; INSERT INTO channel_cursors (name, value, updated_at) VALUES ('lock', 'x', 'now');");
            host.Fake.ReleaseHeld(); // the provider accepts it now, while nothing can be written
            await WaitForLogAsync(host, "could not record its outcome");
            host.Factory.Clock.Advance(TimeSpan.FromMinutes(5)); // the row's lease has run out
            await Task.Delay(TimeSpan.FromSeconds(1));
            await Dapper.SqlMapper.ExecuteAsync(blocker, "ROLLBACK;");
        }

        await host.WaitForOutboxAsync(rows => rows.Count == 1 && rows[0].Status == "sent" && rows[0].Attempts == 1);
        host.Factory.Clock.Advance(TimeSpan.FromMinutes(5));
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Single(host.Fake.Requests, r => r.Path.EndsWith("/messages", StringComparison.Ordinal) && r.Body.Contains(phone, StringComparison.Ordinal));
        Assert.Contains("its outcome was recorded once the database answered", host.Factory.Logs.All, StringComparison.Ordinal);
    }

    /// <summary>A reply for a channel that is switched off waits, as IChannelSender promises: no attempt is used, nothing dead-letters.</summary>
    [Fact]
    public async Task RowsForADisabledChannel_Wait_WithoutUsingAttempts()
    {
        await using var factory = new BotFactory();
        _ = factory.CreateClient();
        var conversations = factory.Services.GetRequiredService<OimBot.Bot.Dialogs.ConversationService>();
        await conversations.HandleAsync(new ChannelAddress("telegram", "4242"), "u-disabled-1", OimBot.Bot.Dialogs.UserMessage.FromText("hola"), Delivery.Outbox(), CancellationToken.None);
        var dispatcher = factory.Services.GetRequiredService<OimBot.Bot.Outbox.OutboxDispatcher>();

        for (var round = 0; round < 10; round++)
        {
            factory.Clock.Advance(TimeSpan.FromMinutes(2)); // past the wait and any lease
            await dispatcher.DispatchOnceAsync(CancellationToken.None);
        }

        await using var db = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={factory.DatabasePath}");
        var rows = (await Dapper.SqlMapper.QueryAsync<(string Status, long Attempts, string? Error)>(db, "SELECT status, attempts, last_error FROM outbox")).ToList();
        Assert.NotEmpty(rows);
        Assert.All(rows, r => Assert.Equal(("pending", 0L, "channel not enabled"), r));
    }

    private static async Task WaitForLogAsync(ChannelHost host, string text)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (!host.Factory.Logs.All.Contains(text, StringComparison.Ordinal))
        {
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(20), $"no log line with '{text}'");
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task Telegram429_HonoursRetryAfter_ThenDeliversOnce()
    {
        await using var host = await ChannelHost.StartAsync();
        host.Fake.Script("/sendMessage", FakeResponse.Json(429, """{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 1","parameters":{"retry_after":1}}"""));

        await host.PostTelegramAsync(ChannelHost.TelegramText(1, 4242, "hola"));

        var requests = (await host.Fake.WaitForAsync(rs => rs.Any(r => r.Answered && r.Status == 200 && ForChat(r, 4242)))).Where(r => ForChat(r, 4242)).ToList();
        Assert.Equal(2, requests.Count);
        Assert.Equal(429, requests[0].Status);
        Assert.True(requests[1].At - requests[0].At >= TimeSpan.FromSeconds(0.95), $"retried after {(requests[1].At - requests[0].At).TotalMilliseconds} ms");
        await host.WaitForOutboxAsync(rows => rows is [{ Status: "sent", Attempts: 1 }]);
    }

    [Fact]
    public async Task OldTelegram429_WithTheDelayOnlyInTheDescription_IsHonoured()
    {
        await using var host = await ChannelHost.StartAsync();
        host.Fake.Script("/sendMessage", FakeResponse.Json(429, """{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 1"}"""));

        await host.PostTelegramAsync(ChannelHost.TelegramText(1, 4243, "hola"));

        var requests = (await host.Fake.WaitForAsync(rs => rs.Any(r => r.Status == 200 && ForChat(r, 4243)))).Where(r => ForChat(r, 4243)).ToList();
        Assert.True(requests[1].At - requests[0].At >= TimeSpan.FromSeconds(0.95));
    }

    [Fact]
    public async Task ServerErrorsAndTimeouts_AreRetried_AndTheReplyIsDeliveredOnce()
    {
        await using var host = await ChannelHost.StartAsync(new Dictionary<string, string?> { ["Channels:Telegram:Timeout"] = "00:00:01" });
        host.Fake.Script("/sendMessage", FakeResponse.Json(500, """{"ok":false,"error_code":500,"description":"Internal Server Error"}"""), FakeResponse.Held(), FakeResponse.Json(502, "<html>Bad Gateway</html>"));

        await host.PostTelegramAsync(ChannelHost.TelegramText(1, 4244, "hola"));

        var requests = (await host.Fake.WaitForAsync(rs => rs.Any(r => r.Answered && r.Status == 200 && ForChat(r, 4244)), TimeSpan.FromSeconds(30))).Where(r => ForChat(r, 4244)).ToList();
        Assert.Equal(4, requests.Count);
        Assert.Single(requests, r => r.Answered && r.Status == 200);
        Assert.False(requests[1].Answered); // the held request timed out on our side: not a delivery
        await host.WaitForOutboxAsync(rows => rows is [{ Status: "sent" }]);
    }

    [Fact]
    public async Task MetaThrottling_WithRetryAfterHeader_IsRetried()
    {
        await using var host = await ChannelHost.StartAsync();
        host.Fake.Script("/messages", new FakeResponse(400, """{"error":{"message":"(#130429) Rate limit hit","type":"OAuthException","code":130429}}""", Headers: new Dictionary<string, string> { ["Retry-After"] = "1" }));

        await host.PostWhatsAppAsync(ChannelHost.WhatsAppText("50760001111", "wamid.t1", "hola", 1_795_359_600));

        var requests = (await host.Fake.WaitForAsync(rs => rs.Any(r => r.Status == 200 && r.Body.Contains("50760001111", StringComparison.Ordinal)))).Where(r => r.Body.Contains("50760001111", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, requests.Count);
        Assert.True(requests[1].At - requests[0].At >= TimeSpan.FromSeconds(0.95));
    }

    [Fact]
    public async Task BlockedByTheUser_StopsTheConversation_AndCancelsWhatWasQueued()
    {
        // A long client timeout: on a loaded machine the held send must not time out and be sent again.
        await using var host = await ChannelHost.StartAsync(new Dictionary<string, string?> { ["Outbox:PollInterval"] = "00:00:00.300", ["Channels:Telegram:Timeout"] = "00:01:00" });
        host.Fake.Default = request => ForChat(request, 4245)
            ? FakeResponse.Json(403, """{"ok":false,"error_code":403,"description":"Forbidden: bot was blocked by the user"}""")
            : ChannelHost.DefaultAnswer(request);
        host.Fake.Script("/sendMessage", FakeResponse.Held()); // the first send is in flight while the next reply is queued

        await host.PostTelegramAsync(ChannelHost.TelegramText(1, 4245, "hola"));
        await host.Fake.WaitForAsync(rs => rs.Any(r => ForChat(r, 4245)));
        await host.PostTelegramAsync(ChannelHost.TelegramText(2, 4245, "1"));
        host.Fake.ReleaseHeld();

        await host.WaitForOutboxAsync(rows => rows.Any(r => r.Status == "blocked") && rows.All(r => r.Status is "blocked" or "cancelled"));
        await Task.Delay(300);
        Assert.Single(host.Fake.Requests, r => ForChat(r, 4245));
        Assert.Equal(1, await host.CountAsync("SELECT COUNT(*) FROM conversations WHERE state LIKE '%\"stopped\":true%'"));
    }

    [Fact]
    public async Task TwilioStop21610_MarksTheUserBlocked()
    {
        await using var host = await ChannelHost.StartAsync();
        host.Fake.Script("/Messages.json", FakeResponse.Json(400, """{"code":21610,"message":"Attempt to send to unsubscribed recipient","status":400}"""));

        await host.PostTwilioAsync(ChannelHost.TwilioInbound("whatsapp:+50760002222", "SMx1", "hola"));

        await host.WaitForOutboxAsync(rows => rows is [{ Status: "blocked" }]);
        Assert.Equal(1, await host.CountAsync("SELECT COUNT(*) FROM conversations WHERE state LIKE '%\"stopped\":true%'"));
    }

    [Fact]
    public async Task OutsideTheWhatsAppWindow_TheRowIsHeld_AndTheTemplateAsksThePersonToWrite()
    {
        await using var host = await ChannelHost.StartAsync();
        host.Fake.Script("/messages", FakeResponse.Json(400, """{"error":{"message":"(#131047) Re-engagement message","type":"OAuthException","code":131047}}"""));

        await host.PostWhatsAppAsync(ChannelHost.WhatsAppText("50760003333", "wamid.w1", "hola", 1_795_359_600));

        await host.WaitForOutboxAsync(rows => rows is [{ Status: "held", Error: var error }, { Status: "sent" }] && error!.Contains("131047", StringComparison.Ordinal));
        Assert.Contains(host.Fake.Requests, r => r.Body.Contains("\"type\":\"template\"", StringComparison.Ordinal) && r.Body.Contains("50760003333", StringComparison.Ordinal));
        var health = await host.Client.GetStringAsync("/healthz");
        Assert.Equal("Healthy", health);
    }

    [Fact]
    public async Task PermanentRefusal_IsFailedWithoutRetrying()
    {
        await using var host = await ChannelHost.StartAsync();
        host.Fake.Script("/sendMessage", FakeResponse.Json(400, """{"ok":false,"error_code":400,"description":"Bad Request: message text is empty"}"""));

        await host.PostTelegramAsync(ChannelHost.TelegramText(1, 4246, "hola"));

        await host.WaitForOutboxAsync(rows => rows is [{ Status: "failed" }]);
        Assert.Single(host.Fake.Requests, r => ForChat(r, 4246));
        Assert.Contains("telegram 400: Bad Request: message text is empty", (await host.OutboxAsync())[0].Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExhaustedRetries_AreDeadLettered_VisibleAndRequeueable()
    {
        await using var host = await ChannelHost.StartAsync(new Dictionary<string, string?> { ["Outbox:MaxAttempts"] = "2", ["Outbox:InProcessRetries"] = "0", ["Outbox:MinimumThroughput"] = "100" });
        var broken = true;
        host.Fake.Default = request => broken && ForChat(request, 4247) ? FakeResponse.Json(503, "{}") : ChannelHost.DefaultAnswer(request);

        await host.PostTelegramAsync(ChannelHost.TelegramText(1, 4247, "hola"));

        await host.WaitForOutboxAsync(rows => rows is [{ Status: "dead", Attempts: 2 }]);
        Assert.Equal(2, host.Fake.Requests.Count(r => ForChat(r, 4247)));
        var health = await host.Client.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal("Degraded", await health.Content.ReadAsStringAsync());

        broken = false;
        var store = host.Factory.Services.GetRequiredService<OimBot.Bot.Outbox.IOutboxStore>();
        Assert.Equal(1, await store.RequeueDeadAsync(host.Factory.Clock.GetUtcNow(), CancellationToken.None));
        await host.WaitForOutboxAsync(rows => rows is [{ Status: "sent" }]);
        Assert.Single(host.Fake.Requests, r => ForChat(r, 4247) && r.Status == 200);
    }

    [Fact]
    public async Task OneUsersReplies_LeaveInOrder_EvenWhenTheFirstIsRetried()
    {
        await using var host = await ChannelHost.StartAsync(new Dictionary<string, string?> { ["Outbox:InProcessRetries"] = "0" });
        host.Fake.Script("/sendMessage", FakeResponse.Json(500, "{}"), FakeResponse.Json(500, "{}"));

        await host.PostTelegramAsync(ChannelHost.TelegramText(1, 4248, "hola"));
        await host.PostTelegramAsync(ChannelHost.TelegramText(2, 4248, "1"));
        await host.PostTelegramAsync(ChannelHost.TelegramText(3, 4248, "1"));

        var delivered = (await host.Fake.WaitForAsync(rs => rs.Count(r => r.Status == 200 && ForChat(r, 4248)) == 3))
            .Where(r => r.Status == 200 && ForChat(r, 4248)).Select(r => r.Text).ToList();
        Assert.Contains("asistente automático", delivered[0], StringComparison.Ordinal);
        Assert.Contains("¿Sobre qué quieres información?", delivered[1], StringComparison.Ordinal);
        Assert.Contains("Volver a tu país con apoyo de la OIM", delivered[2], StringComparison.Ordinal);
    }

    [Fact]
    public async Task StopAfterQueuedReplies_SendsOnlyTheConfirmationFromThenOn()
    {
        // The retry waits long enough for STOP's turn to run first even on a loaded machine (with 2 s, a CI run on a busy
        // machine retried the welcome 25 ms before STOP cancelled it), and the check waits past it.
        var retry = TimeSpan.FromSeconds(4);
        await using var host = await ChannelHost.StartAsync(new Dictionary<string, string?> { ["Outbox:InProcessRetries"] = "0", ["Outbox:BaseDelay"] = retry.ToString() });
        host.Fake.Script("/sendMessage", FakeResponse.Json(500, "{}")); // the welcome waits for a retry…

        await host.PostTelegramAsync(ChannelHost.TelegramText(1, 4249, "hola"));
        await host.Fake.WaitForAsync(rs => rs.Any(r => ForChat(r, 4249)));
        await host.PostTelegramAsync(ChannelHost.TelegramText(2, 4249, "baja")); // …and STOP comes first

        await host.Fake.WaitForAsync(rs => rs.Any(r => r.Status == 200 && ForChat(r, 4249)));
        await Task.Delay((retry * 1.25) + TimeSpan.FromSeconds(1)); // past the retry, jitter included
        List<RecordedRequest> delivered = [.. host.Fake.Requests.Where(r => r.Status == 200 && ForChat(r, 4249))];
        var only = Assert.Single(delivered);
        Assert.Contains("no te enviaremos más mensajes", only.Text, StringComparison.Ordinal);
        Assert.Contains(await host.OutboxAsync(), r => r.Status == "cancelled");
    }
}
