using System.Net;
using OimBot.Bot.Tests.TestHost;

namespace OimBot.Bot.Tests.Channels;

public sealed class TelegramWebhookTests(ChannelHostFixture fixture) : IClassFixture<ChannelHostFixture>
{
    private ChannelHost Host => fixture.Host;

    /// <summary>label, update (with {u} = update id, {c} = chat id), secret header, expected status, expected reply fragment (null: no reply).</summary>
    public static TheoryData<string, string, string?, HttpStatusCode, string?> Cases => new()
    {
        { "valid text", ChannelHost.TelegramText(0, 0, "hola").Replace("\"update_id\":0", "\"update_id\":{u}").Replace("\"id\":0", "\"id\":{c}"), ChannelHost.TelegramSecret, HttpStatusCode.OK, "asistente automático de la OIM" },
        { "english text", Update("\"text\":\"hello\""), ChannelHost.TelegramSecret, HttpStatusCode.OK, "automated assistant of IOM" },
        { "photo", Update("\"photo\":[{\"file_id\":\"AgAD\",\"file_unique_id\":\"x\",\"width\":90,\"height\":90}]"), ChannelHost.TelegramSecret, HttpStatusCode.OK, "Solo puedo leer mensajes de texto" },
        // A caption is what the person typed: read as the message (the photo is never downloaded).
        { "photo with a caption", Update("\"photo\":[{\"file_id\":\"AgAD\",\"file_unique_id\":\"x\",\"width\":90,\"height\":90}],\"caption\":\"hello, I need help\""), ChannelHost.TelegramSecret, HttpStatusCode.OK, "automated assistant of IOM" },
        { "voice note", Update("\"voice\":{\"file_id\":\"AwAD\",\"file_unique_id\":\"y\",\"duration\":3}"), ChannelHost.TelegramSecret, HttpStatusCode.OK, "Solo puedo leer mensajes de texto" },
        { "sticker", Update("\"sticker\":{\"file_id\":\"CAAD\",\"file_unique_id\":\"z\",\"type\":\"regular\",\"width\":1,\"height\":1,\"is_animated\":false,\"is_video\":false}"), ChannelHost.TelegramSecret, HttpStatusCode.OK, "Solo puedo leer mensajes de texto" },
        { "shared location", Update("\"location\":{\"latitude\":8.98245,\"longitude\":-79.51973}"), ChannelHost.TelegramSecret, HttpStatusCode.OK, "Solo puedo leer mensajes de texto" },
        { "document", Update("\"document\":{\"file_id\":\"BQAD\",\"file_unique_id\":\"w\"}"), ChannelHost.TelegramSecret, HttpStatusCode.OK, "Solo puedo leer mensajes de texto" },
        { "edited message is ignored", "{\"update_id\":{u},\"edited_message\":{\"message_id\":1,\"chat\":{\"id\":{c},\"type\":\"private\"},\"date\":1,\"edit_date\":2,\"text\":\"hola\"}}", ChannelHost.TelegramSecret, HttpStatusCode.OK, null },
        { "group chat is ignored", Update("\"text\":\"hola\"").Replace("\"private\"", "\"group\""), ChannelHost.TelegramSecret, HttpStatusCode.OK, null },
        { "chat member update is ignored", "{\"update_id\":{u},\"my_chat_member\":{\"chat\":{\"id\":{c},\"type\":\"private\"},\"date\":1}}", ChannelHost.TelegramSecret, HttpStatusCode.OK, null },
        { "wrong secret", Update("\"text\":\"hola\""), "not-the-secret", HttpStatusCode.Unauthorized, null },
        { "missing secret", Update("\"text\":\"hola\""), null, HttpStatusCode.Unauthorized, null },
        { "malformed JSON", "{\"update_id\": {u}, \"message\": {", ChannelHost.TelegramSecret, HttpStatusCode.BadRequest, null },
        { "not an update", "{\"hello\":\"world\"}", ChannelHost.TelegramSecret, HttpStatusCode.BadRequest, null },
        { "oversized body", "{\"update_id\":{u},\"message\":{\"message_id\":1,\"chat\":{\"id\":{c},\"type\":\"private\"},\"date\":1,\"text\":\"" + new string('a', 1_100_000) + "\"}}", ChannelHost.TelegramSecret, HttpStatusCode.RequestEntityTooLarge, null },
    };

    private static string Update(string content) =>
        "{\"update_id\":{u},\"message\":{\"message_id\":5,\"from\":{\"id\":{c},\"is_bot\":false,\"first_name\":\"Ana\"},\"chat\":{\"id\":{c},\"type\":\"private\"},\"date\":1700000000," + content + "}}";

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Inbound(string label, string template, string? secret, HttpStatusCode status, string? reply)
    {
        var chat = ChannelHostFixture.Unique();
        var body = template.Replace("{u}", ChannelHostFixture.Unique().ToString(), StringComparison.Ordinal).Replace("{c}", chat.ToString(), StringComparison.Ordinal);
        var conversations = await Host.CountAsync("SELECT COUNT(*) FROM conversations");

        var response = await Host.PostTelegramAsync(body, secret);

        Assert.True(status == response.StatusCode, $"{label}: {response.StatusCode}");
        if (reply is null)
        {
            await Task.Delay(150);
            Assert.Equal(conversations, await Host.CountAsync("SELECT COUNT(*) FROM conversations"));
            Assert.DoesNotContain(Host.Fake.Requests, r => r.Body.Contains($"\"chat_id\":{chat}", StringComparison.Ordinal));
            return;
        }

        var sent = await Host.Fake.WaitForAsync(rs => rs.Any(r => r.Answered && r.Body.Contains($"\"chat_id\":{chat}", StringComparison.Ordinal)));
        Assert.Contains(reply, sent.Last(r => r.Body.Contains($"\"chat_id\":{chat}", StringComparison.Ordinal)).Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ButtonTap_AnswersTheCallback_AndRepliesWithAnInlineKeyboard()
    {
        var chat = ChannelHostFixture.Unique();
        await Host.PostTelegramAsync(ChannelHost.TelegramText(ChannelHostFixture.Unique(), chat, "hola"));
        await Host.Fake.WaitForAsync(rs => rs.Any(r => r.Answered && r.Body.Contains($"\"chat_id\":{chat}", StringComparison.Ordinal)));

        var update = ChannelHostFixture.Unique();
        var tap = await Host.PostTelegramAsync(ChannelHost.TelegramCallback(update, chat, "welcome/es"));

        Assert.Equal(HttpStatusCode.OK, tap.StatusCode);
        var requests = await Host.Fake.WaitForAsync(rs => rs.Count(r => r.Answered && r.Body.Contains($"\"chat_id\":{chat}", StringComparison.Ordinal)) == 2);
        Assert.Single(requests, r => r.Path.EndsWith("/answerCallbackQuery", StringComparison.Ordinal) && r.Body.Contains($"\"callback_query_id\":\"cb{update}\"", StringComparison.Ordinal));
        var menu = requests.Last(r => r.Body.Contains($"\"chat_id\":{chat}", StringComparison.Ordinal)).Text;
        Assert.Contains("¿Sobre qué quieres información?", menu, StringComparison.Ordinal);
        Assert.Contains("\"inline_keyboard\":[[{\"text\":\"Volver a mi país\",\"callback_data\":\"main-menu/avr-menu\"}]", menu, StringComparison.Ordinal);
    }

    /// <summary>
    /// Stopping a button's spinner is best effort: a Telegram that does not answer answerCallbackQuery holds the reply
    /// only <see cref="Bot.Channels.Telegram.TelegramClient.CallbackAnswerTimeout"/>, and the send is not failed and
    /// repeated for it (it had taken the send's whole timeout, then answered the callback twice; a new user's try).
    /// </summary>
    [Fact]
    public async Task ASlowCallbackAnswer_DoesNotFailOrRepeatTheReply()
    {
        var chat = ChannelHostFixture.Unique();
        await Host.PostTelegramAsync(ChannelHost.TelegramText(ChannelHostFixture.Unique(), chat, "hola"));
        await Host.Fake.WaitForAsync(rs => rs.Any(r => r.Answered && r.Body.Contains($"\"chat_id\":{chat}", StringComparison.Ordinal)));
        Host.Fake.Script("/answerCallbackQuery", new FakeResponse(200, "{\"ok\":true,\"result\":true}", Delay: TimeSpan.FromSeconds(12)));
        var update = ChannelHostFixture.Unique();

        await Host.PostTelegramAsync(ChannelHost.TelegramCallback(update, chat, "welcome/es"));

        var requests = await Host.Fake.WaitForAsync(rs => rs.Count(r => r.Answered && r.Body.Contains($"\"chat_id\":{chat}", StringComparison.Ordinal)) == 2);
        Assert.Contains("¿Sobre qué quieres información?", requests.Last(r => r.Body.Contains($"\"chat_id\":{chat}", StringComparison.Ordinal)).Text, StringComparison.Ordinal);
        Assert.Single(Host.Fake.Requests, r => r.Path.EndsWith("/answerCallbackQuery", StringComparison.Ordinal) && r.Body.Contains($"\"cb{update}\"", StringComparison.Ordinal));
        Assert.Equal(1, await Host.CountAsync("SELECT MAX(attempts) FROM outbox WHERE callback_query_id = @id", new { id = $"cb{update}" }));
    }

    [Fact]
    public async Task RepeatedUpdate_IsAnsweredOnce()
    {
        var chat = ChannelHostFixture.Unique();
        var update = ChannelHost.TelegramText(ChannelHostFixture.Unique(), chat, "hola");

        Assert.Equal(HttpStatusCode.OK, (await Host.PostTelegramAsync(update)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Host.PostTelegramAsync(update)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Host.PostTelegramAsync(update)).StatusCode);

        await Host.Fake.WaitForAsync(rs => rs.Any(r => r.Answered && r.Body.Contains($"\"chat_id\":{chat}", StringComparison.Ordinal)));
        await Task.Delay(300);
        Assert.Single(Host.Fake.Requests, r => r.Body.Contains($"\"chat_id\":{chat}", StringComparison.Ordinal));
    }

    [Fact]
    public async Task MessagesFromOneUser_AreAnsweredInOrder()
    {
        var chat = ChannelHostFixture.Unique();
        foreach (var text in new[] { "hola", "1", "1", "2", "atras" })
        {
            await Host.PostTelegramAsync(ChannelHost.TelegramText(ChannelHostFixture.Unique(), chat, text));
        }

        var sent = (await Host.Fake.WaitForAsync(rs => rs.Count(r => r.Answered && r.Body.Contains($"\"chat_id\":{chat}", StringComparison.Ordinal)) >= 5))
            .Where(r => r.Body.Contains($"\"chat_id\":{chat}", StringComparison.Ordinal)).Select(r => r.Text).ToList();
        Assert.Contains("asistente automático", sent[0], StringComparison.Ordinal);
        Assert.Contains("¿Sobre qué quieres información?", sent[1], StringComparison.Ordinal);
        Assert.Contains("Volver a tu país con apoyo de la OIM", sent[2], StringComparison.Ordinal);
        Assert.Contains("Lo que no es", sent[3], StringComparison.Ordinal);
        Assert.Contains("Volver a tu país con apoyo de la OIM", sent[4], StringComparison.Ordinal);
    }
}
