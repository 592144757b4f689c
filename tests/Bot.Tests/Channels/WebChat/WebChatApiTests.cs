using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Dapper;
using Microsoft.Data.Sqlite;
using OimBot.Bot.Tests.TestHost;

namespace OimBot.Bot.Tests.Channels.WebChat;

public sealed class WebChatApiTests : IClassFixture<WebChatApiTests.Host>
{
    private readonly Host _host;
    private readonly HttpClient _client;

    public WebChatApiTests(Host host)
    {
        _host = host;
        _client = host.CreateClient();
    }

    public sealed class Host : IDisposable
    {
        public BotFactory Factory { get; } = new();

        public HttpClient CreateClient() => Factory.CreateClient();

        public void Dispose() => Factory.Dispose();
    }

    private static string NewId() => Guid.NewGuid().ToString("N");

    private async Task<JsonElement> SendAsync(object body)
    {
        var response = await _client.PostAsJsonAsync("/api/webchat/messages", body);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("replies");
    }

    [Fact]
    public async Task ChatPage_IsServed_WithItsScriptAndStyles_AndNoExternalAssets()
    {
        var page = await _client.GetStringAsync("/");
        var script = await _client.GetStringAsync("/chat.js");
        var styles = await _client.GetStringAsync("/chat.css");

        Assert.Contains("<script src=\"/chat.js\"></script>", page, StringComparison.Ordinal);
        Assert.Contains("width=device-width", page, StringComparison.Ordinal);
        Assert.Contains("/api/webchat/messages", script, StringComparison.Ordinal);
        foreach (var asset in new[] { page, script, styles })
        {
            Assert.DoesNotContain("http://", asset, StringComparison.Ordinal);
            Assert.DoesNotContain("https://", asset, StringComparison.Ordinal);
            Assert.DoesNotContain("innerHTML", asset, StringComparison.Ordinal);
        }

        var response = await _client.GetAsync("/");
        Assert.Contains("default-src 'self'", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Conversation_ThroughTheApi_ReachesATopicWithTappedChoicesAndTypedNumbers()
    {
        var id = NewId();
        var welcome = await SendAsync(new { conversationId = id, text = "hola" });
        var languages = welcome[0].GetProperty("choices");
        Assert.Equal("welcome/es", languages[0].GetProperty("id").GetString());
        Assert.Equal("Continuar en español", languages[0].GetProperty("label").GetString());

        var menu = await SendAsync(new { conversationId = id, choiceId = "welcome/es" });
        Assert.Contains("¿Sobre qué quieres información?", menu[0].GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.Equal(8, menu[0].GetProperty("choices").GetArrayLength());

        var avr = await SendAsync(new { conversationId = id, text = "1" });
        Assert.Contains("no es deportación", avr[0].GetProperty("text").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RepeatedMessageId_IsAnsweredOnceWithTheSameReplies()
    {
        var id = NewId();
        await using var db = new SqliteConnection($"Data Source={_host.Factory.DatabasePath}");
        var before = await db.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM inbound_messages");
        var first = await SendAsync(new { conversationId = id, text = "hola", messageId = "msg-00000001" });
        var again = await SendAsync(new { conversationId = id, text = "hola", messageId = "msg-00000001" });

        Assert.Equal(first.ToString(), again.ToString());
        Assert.Equal(before + 1, await db.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM inbound_messages"));
    }

    [Fact]
    public async Task AMessageIdReusedByAnotherConversation_IsThatConversationsOwnMessage()
    {
        var (one, two) = (NewId(), NewId());
        await SendAsync(new { conversationId = one, text = "hola", messageId = "msg-shared-1" });
        await SendAsync(new { conversationId = two, text = "hola", messageId = "msg-shared-1" });
        await SendAsync(new { conversationId = two, choiceId = "welcome/es", messageId = "msg-shared-2" });

        // The second conversation's BORRAR, with an id the first conversation used, deletes the second one.
        await SendAsync(new { conversationId = one, text = "menu", messageId = "msg-shared-3" });
        var deleted = await SendAsync(new { conversationId = two, text = "borrar", messageId = "msg-shared-3" });

        Assert.Contains("borramos todo", deleted[0].GetProperty("text").GetString(), StringComparison.Ordinal);
        var first = await SendAsync(new { conversationId = one, text = "1", messageId = "msg-shared-4" });
        Assert.Contains("¿Sobre qué quieres información?", first[0].GetProperty("text").GetString(), StringComparison.Ordinal); // untouched: its notice was answered
    }

    public static TheoryData<string, string?, string?, HttpStatusCode, string> BadRequests => new()
    {
        // label, body, content type, expected status, fragment of the problem's detail
        { "empty body", "", "application/json", HttpStatusCode.BadRequest, "The request body is empty" },
        { "no body and no content type", null, null, HttpStatusCode.BadRequest, "The request body is empty" },
        { "malformed JSON", "{\"conversationId\": \"abcdefgh\", \"text\": ", "application/json", HttpStatusCode.BadRequest, "not valid JSON" },
        { "JSON that is not an object", "[1,2]", "application/json", HttpStatusCode.BadRequest, "not valid JSON" },
        { "JSON null", "null", "application/json", HttpStatusCode.BadRequest, "The request body is empty" },
        { "missing conversationId", "{\"text\": \"hola\"}", "application/json", HttpStatusCode.BadRequest, "conversationId is required" },
        { "unsafe conversationId", "{\"conversationId\": \"<script>\", \"text\": \"hola\"}", "application/json", HttpStatusCode.BadRequest, "conversationId must be 8 to 100" },
        { "empty text", "{\"conversationId\": \"abcdefgh1\", \"text\": \"   \"}", "application/json", HttpStatusCode.BadRequest, "The message is empty" },
        { "text and choice", "{\"conversationId\": \"abcdefgh1\", \"text\": \"hola\", \"choiceId\": \"main-menu/x\"}", "application/json", HttpStatusCode.BadRequest, "either text or choiceId" },
        { "text over 4096 characters", $"{{\"conversationId\": \"abcdefgh1\", \"text\": \"{new string('a', 4097)}\"}}", "application/json", HttpStatusCode.BadRequest, "at most 4096 characters" },
        { "body over 64 KB", $"{{\"conversationId\": \"abcdefgh1\", \"text\": \"{new string('a', 70_000)}\"}}", "application/json", HttpStatusCode.RequestEntityTooLarge, "too large" },
        { "wrong type", "{\"conversationId\": 12345678, \"text\": \"hola\"}", "application/json", HttpStatusCode.BadRequest, "not valid JSON" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task BadInput_GetsAClearProblem_AndChangesNothing(string label, string? body, string? contentType, HttpStatusCode status, string detail)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/webchat/messages");
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8);
            request.Content.Headers.ContentType = contentType is null ? null : new("application/json");
        }

        await using var db = new SqliteConnection($"Data Source={_host.Factory.DatabasePath}");
        var before = await db.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM analytics_events");
        var response = await _client.SendAsync(request);

        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains(detail, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(before, await db.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM analytics_events"));
        Assert.NotNull(label);
    }

    [Fact]
    public async Task Health_IsOkWhenContentAndDatabaseAreReady()
    {
        var response = await _client.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Logs_CarryNoAddressTextOrPersonalData()
    {
        var id = "webchat-secret-id-" + NewId();
        foreach (var text in new[] { "hola", "1", "mi pasaporte es 987654321", "mi correo es ana@example.com", "me tienen encerrada", "humano", "borrar" })
        {
            await SendAsync(new { conversationId = id, text });
        }

        var logs = _host.Factory.Logs.All;
        Assert.NotEmpty(_host.Factory.Logs.Lines);
        foreach (var secret in new[] { id, "987654321", "ana@example.com", "encerrada", "pasaporte" })
        {
            Assert.DoesNotContain(secret, logs, StringComparison.OrdinalIgnoreCase);
        }
    }
}
