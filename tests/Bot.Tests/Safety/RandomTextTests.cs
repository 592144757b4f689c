using System.Net;
using System.Text;
using OimBot.Bot.Dialogs;
using OimBot.Bot.Tests.Channels;
using OimBot.Bot.Tests.TestHost;
using OimBot.Content;
using OimBot.Tests.Common;

namespace OimBot.Bot.Tests.Safety;

/// <summary>
/// Whatever arrives as text never throws: 10,000 random Unicode strings (emoji, combining marks, right-to-left, CJK,
/// control characters, lone surrogates, 4,096 characters) through the engine from every kind of place a user can be,
/// and 2,000 more through each of the web chat and Telegram webhook endpoints (each a committed turn, about 6 ms on
/// this machine: the engine's 10,000 cover the texts, the endpoints' 2,000 their parsing and storage): no exception, no 5xx.
/// </summary>
public sealed class RandomTextTests(ChannelHostFixture fixture) : IClassFixture<ChannelHostFixture>
{
    private const int Messages = 10_000;

    private const int Requests = 2_000;

    private static ContentSet Content => ShippedContent.Set;

    [Fact]
    public void TheEngine_AnswersEveryRandomText_FromEveryKindOfPlace()
    {
        var random = new Random(2026);
        var common = Content.Common;
        var started = Chat.Started(Content).State!;
        ConversationState?[] places =
        [
            null,
            started,
            Chat.At(Content, Content.NodeList.First(n => n.Kind == NodeKind.Question).Id).State,
            Chat.Started(Content).Send("humano").State,                    // the consent question
            Chat.Started(Content).Send("me tienen encerrada").State,       // after an emergency answer
            Chat.Started(Content).Send("humano").Send("1").State,          // in a case with a person
            Chat.Started(Content).Send("no quiero borrar nada").State,     // a confirmation
            started with { NodeId = common.ClarifyNode, Candidates = ["avr-menu", "no-such-node"] },
            started with { NodeId = "no-such-node", Shown = ["no-such-node/x", "main-menu/nothing"] },
        ];
        var now = DateTimeOffset.Parse("2026-11-30T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
        for (var i = 0; i < Messages; i++)
        {
            var text = RandomUnicode.Next(random);
            var place = places[i % places.Length];
            try
            {
                var result = DialogEngine.Step(Content, place, UserMessage.FromText(text), now, Chat.Options);
                Assert.True(result.Replies.Count > 0 || result.State?.InCase == true || result.CaseActions.Count > 0, $"no reply at {place?.NodeId}");
            }
            catch (Exception e) when (e is not Xunit.Sdk.XunitException)
            {
                Assert.Fail($"message {i} ({Escape(text)}) at {place?.NodeId ?? "first contact"}: {e}");
            }
        }
    }

    [Fact]
    public async Task TheWebChat_NeverAnswers5xx()
    {
        var random = new Random(4096);
        using var client = fixture.Host.Factory.CreateClient();
        client.Timeout = TimeSpan.FromSeconds(60); // a hung turn fails its request; a slow shared machine does not fail the test
        var conversations = Enumerable.Range(0, 200).Select(_ => Guid.NewGuid().ToString("N")).ToArray();
        var answered = 0;
        for (var i = 0; i < Requests; i++)
        {
            var text = RandomUnicode.Next(random, wellFormed: i % 10 != 0); // one in ten carries lone surrogates: 400
            var body = $$"""{"conversationId":"{{conversations[i % conversations.Length]}}","text":{{RandomUnicode.JsonString(text)}}}""";
            using var response = await client.PostAsync("/api/webchat/messages", new StringContent(body, Encoding.UTF8, "application/json"));
            Assert.True((int)response.StatusCode < 500, $"message {i} ({Escape(text)}): {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.BadRequest, $"message {i}: {(int)response.StatusCode}");
            answered += response.StatusCode == HttpStatusCode.OK ? 1 : 0;
        }

        Assert.True(answered > Requests / 2, $"only {answered} messages reached the bot"); // the rest: empty, too long or ill-formed JSON

    }

    [Fact]
    public async Task TheTelegramWebhook_NeverAnswers5xx()
    {
        var random = new Random(64);
        var chats = Enumerable.Range(0, 50).Select(_ => ChannelHostFixture.Unique()).ToArray();
        var answered = 0;
        for (var i = 0; i < Requests; i++)
        {
            var text = RandomUnicode.Next(random, wellFormed: i % 10 != 0);
            var update = ChannelHostFixture.Unique();
            var chat = chats[i % chats.Length];
            var body = $$$"""{"update_id":{{{update}}},"message":{"message_id":{{{update}}},"from":{"id":{{{chat}}},"is_bot":false,"first_name":"A"},"chat":{"id":{{{chat}}},"type":"private"},"date":1700000000,"text":{{{RandomUnicode.JsonString(text)}}}}}""";
            using var response = await fixture.Host.PostTelegramAsync(body);
            Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.BadRequest, $"message {i} ({Escape(text)}): {(int)response.StatusCode}");
            answered += response.StatusCode == HttpStatusCode.OK ? 1 : 0;
        }

        Assert.True(answered > Requests / 2, $"only {answered} updates reached the bot");
        Assert.True(await fixture.Host.CountAsync("SELECT COUNT(*) FROM conversations") >= chats.Length);
    }

    private static string Escape(string text) =>
        string.Concat(text.Take(80).Select(c => c is >= ' ' and < (char)0x7F ? c.ToString() : $"\\u{(int)c:x4}"));
}
