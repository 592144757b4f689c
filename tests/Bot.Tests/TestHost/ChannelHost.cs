using Microsoft.Extensions.DependencyInjection;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Dapper;
using Microsoft.Data.Sqlite;
using OimBot.Bot.Channels.Twilio;
using OimBot.Bot.Channels.WhatsApp;

namespace OimBot.Bot.Tests.TestHost;

/// <summary>
/// The real host with the three messaging channels enabled and pointed at one fake provider on loopback, with fast
/// outbox timings. Helpers sign requests exactly as each provider does.
/// </summary>
public sealed class ChannelHost : IAsyncDisposable
{
    public const string TelegramToken = "123456:TEST-telegram-bot-token-SECRET";
    public const string TelegramSecret = "telegram-webhook-secret_42";
    public const string MetaAppSecret = "TEST_APP_SECRET";
    public const string MetaVerifyToken = "meta-verify-token";
    public const string MetaAccessToken = "EAAG-meta-access-token-SECRET";
    public const string PhoneNumberId = "106540352242922";
    public const string TwilioSid = "AC00000000000000000000000000000001";
    public const string TwilioToken = "twilio-auth-token-SECRET";
    public const string TwilioFrom = "whatsapp:+14155238886";
    public const string PublicBaseUrl = "https://bot.example.org";

    private ChannelHost(FakeProvider fake, BotFactory factory)
    {
        Fake = fake;
        Factory = factory;
        Client = factory.CreateClient();
    }

    public FakeProvider Fake { get; }

    public BotFactory Factory { get; }

    public HttpClient Client { get; }

    public static async Task<ChannelHost> StartAsync(IDictionary<string, string?>? extra = null, Action<IServiceCollection>? services = null)
    {
        var fake = await FakeProvider.StartAsync();
        fake.Default = DefaultAnswer;
        var settings = Settings(fake.BaseUrl);
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        var factory = new BotFactory(settings: settings, tickingClock: true, services: services);
        var host = new ChannelHost(fake, factory);
        return host;
    }

    /// <summary>
    /// How long a send to the fake may take. Far above a loopback answer even on a loaded machine: a send that timed out
    /// is tried again at once, and the retry would get the answer a test scripted for the first try (a one-shot refusal
    /// eaten by a try the client had given up on). Tests about timeouts set their own.
    /// </summary>
    public const string SendTimeout = "00:00:10";

    /// <summary>The configuration that enables the three channels against a fake provider.</summary>
    public static Dictionary<string, string?> Settings(string fakeBaseUrl) => new()
    {
        ["Channels:Telegram:Enabled"] = "true",
        ["Channels:Telegram:BotToken"] = TelegramToken,
        ["Channels:Telegram:WebhookSecret"] = TelegramSecret,
        ["Channels:Telegram:ApiBaseUrl"] = fakeBaseUrl,
        ["Channels:Telegram:PerChatPerSecond"] = "50",
        ["Channels:Telegram:Timeout"] = SendTimeout,
        ["Channels:WhatsApp:Enabled"] = "true",
        ["Channels:WhatsApp:VerifyToken"] = MetaVerifyToken,
        ["Channels:WhatsApp:AppSecret"] = MetaAppSecret,
        ["Channels:WhatsApp:AccessToken"] = MetaAccessToken,
        ["Channels:WhatsApp:PhoneNumberId"] = PhoneNumberId,
        ["Channels:WhatsApp:GraphApiBaseUrl"] = fakeBaseUrl,
        ["Channels:WhatsApp:Timeout"] = SendTimeout,
        ["Channels:Twilio:Enabled"] = "true",
        ["Channels:Twilio:AccountSid"] = TwilioSid,
        ["Channels:Twilio:AuthToken"] = TwilioToken,
        ["Channels:Twilio:From"] = TwilioFrom,
        ["Channels:Twilio:PublicBaseUrl"] = PublicBaseUrl,
        ["Channels:Twilio:ApiBaseUrl"] = fakeBaseUrl,
        ["Channels:Twilio:Timeout"] = SendTimeout,
        ["Channels:Twilio:ContentSids:reply-waiting:es"] = ContentSid("es"),
        ["Channels:Twilio:ContentSids:reply-waiting:en"] = ContentSid("en"),
        ["Channels:Twilio:ContentSids:reply-waiting:fr"] = ContentSid("fr"),
        ["Channels:Twilio:ContentSids:reply-waiting:pt_BR"] = ContentSid("pt_BR"),
        ["Channels:Twilio:ContentSids:reply-waiting:zh_CN"] = ContentSid("zh_CN"),
        ["Outbox:PollInterval"] = "00:00:00.050",
        ["Outbox:BaseDelay"] = "00:00:00.100",
        ["Outbox:MaxDelay"] = "00:00:01",
        ["Outbox:InProcessDelay"] = "00:00:00.020",
        ["Outbox:MaxAttempts"] = "4",
        // Longer than any send can take on a loaded machine (a send that outlives its lease is sent again, by design);
        // tests about leases move the clock past it.
        ["Outbox:Lease"] = "00:00:30",
        ["Outbox:BreakDuration"] = "00:00:01",
    };

    /// <summary>The test account's ContentSid of the "reply waiting" template in one template language (HX + 32 hex digits).</summary>
    public static string ContentSid(string code) =>
        "HX" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(code)))[..32];

    /// <summary>
    /// Every provider's success answer, with a fresh message id each time. Telegram numbers the messages of each chat
    /// on their own (https://core.telegram.org/bots/api#message: "unique inside this chat"), so two chats get the same ids.
    /// </summary>
    public static FakeResponse DefaultAnswer(RecordedRequest request)
    {
        var id = Interlocked.Increment(ref _nextId);
        return request.Path switch
        {
            var p when p.EndsWith("/sendMessage", StringComparison.Ordinal) => TelegramSent(request),
            var p when p.EndsWith("/answerCallbackQuery", StringComparison.Ordinal) => FakeResponse.Json(200, """{"ok":true,"result":true}"""),
            var p when p.EndsWith("/getUpdates", StringComparison.Ordinal) => FakeResponse.Json(200, """{"ok":true,"result":[]}""") with { Delay = TimeSpan.FromMilliseconds(200) },
            var p when p.EndsWith("/messages", StringComparison.Ordinal) => FakeResponse.Json(200, $$"""{"messaging_product":"whatsapp","contacts":[{"input":"x","wa_id":"x"}],"messages":[{"id":"wamid.fake{{id}}"}]}"""),
            var p when p.EndsWith("/Messages.json", StringComparison.Ordinal) => FakeResponse.Json(201, $$"""{"sid":"SMfake{{id}}","status":"queued"}"""),
            _ => FakeResponse.Json(404, """{"error":"no such fake route"}"""),
        };
    }

    private static long _nextId = 1000;
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<long, int> TelegramChatCounters = new();

    private static FakeResponse TelegramSent(RecordedRequest request)
    {
        var chat = JsonDocument.Parse(request.Body).RootElement.GetProperty("chat_id").GetInt64();
        var id = TelegramChatCounters.AddOrUpdate(chat, 1, (_, n) => n + 1);
        return FakeResponse.Json(200, "{\"ok\":true,\"result\":{\"message_id\":" + id + ",\"date\":0,\"chat\":{\"id\":" + chat + ",\"type\":\"private\"}}}");
    }

    // ---------------------------------------------------------------- Telegram

    public static string TelegramText(long updateId, long chatId, string text, string chatType = "private") =>
        $$$"""{"update_id":{{{updateId}}},"message":{"message_id":{{{updateId}}},"from":{"id":{{{chatId}}},"is_bot":false,"first_name":"Ana"},"chat":{"id":{{{chatId}}},"first_name":"Ana","type":"{{{chatType}}}"},"date":1700000000,"text":{{{JsonSerializer.Serialize(text)}}}}}""";

    public static string TelegramCallback(long updateId, long chatId, string data) =>
        $$$"""{"update_id":{{{updateId}}},"callback_query":{"id":"cb{{{updateId}}}","from":{"id":{{{chatId}}},"is_bot":false,"first_name":"Ana"},"message":{"message_id":7,"chat":{"id":{{{chatId}}},"type":"private"},"date":1700000000,"text":"menu"},"chat_instance":"-42","data":{{{JsonSerializer.Serialize(data)}}}}}""";

    public Task<HttpResponseMessage> PostTelegramAsync(string body, string? secret = TelegramSecret)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/webhooks/telegram") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        if (secret is not null)
        {
            request.Headers.Add("X-Telegram-Bot-Api-Secret-Token", secret);
        }

        return Client.SendAsync(request);
    }

    // ---------------------------------------------------------------- WhatsApp Cloud API

    public static string WhatsAppEnvelope(string valueJson, string phoneNumberId = PhoneNumberId) =>
        $$$"""{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881","phone_number_id":"{{{phoneNumberId}}}"},{{{valueJson}}}},"field":"messages"}]}]}""";

    public static string WhatsAppMessage(string from, string id, string typeAndBody, long timestamp = 1_795_359_600) =>
        $$"""{"from":"{{from}}","id":"{{id}}","timestamp":"{{timestamp}}",{{typeAndBody}}}""";

    public static string WhatsAppText(string from, string id, string text, long timestamp = 1_795_359_600) =>
        WhatsAppEnvelope($$"""
            "contacts":[{"profile":{"name":"Ana"},"wa_id":"{{from}}"}],"messages":[{{WhatsAppMessage(from, id, $"\"type\":\"text\",\"text\":{{\"body\":{JsonSerializer.Serialize(text)}}}", timestamp)}}]
            """);

    public static string MetaSignature(string body, string secret = MetaAppSecret) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(body)));

    public Task<HttpResponseMessage> PostWhatsAppAsync(string body, string? signature = null, bool sign = true)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/webhooks/whatsapp") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        if (sign)
        {
            request.Headers.Add(WhatsAppAdapter.SignatureHeader, signature ?? MetaSignature(body));
        }

        return Client.SendAsync(request);
    }

    // ---------------------------------------------------------------- Twilio

    public static Dictionary<string, string> TwilioInbound(string from, string sid, string body) => new()
    {
        ["SmsMessageSid"] = sid,
        ["NumMedia"] = "0",
        ["ProfileName"] = "Ana",
        ["WaId"] = from.Replace("whatsapp:+", string.Empty, StringComparison.Ordinal),
        ["SmsSid"] = sid,
        ["SmsStatus"] = "received",
        ["Body"] = body,
        ["To"] = TwilioFrom,
        ["NumSegments"] = "1",
        ["MessageSid"] = sid,
        ["AccountSid"] = TwilioSid,
        ["From"] = from,
        ["ApiVersion"] = "2010-04-01",
    };

    public static string TwilioSign(IReadOnlyDictionary<string, string> form, string url = PublicBaseUrl + "/webhooks/twilio", string token = TwilioToken) =>
        TwilioSignature.Compute(token, url, form.Select(p => new KeyValuePair<string, Microsoft.Extensions.Primitives.StringValues>(p.Key, p.Value)));

    public Task<HttpResponseMessage> PostTwilioAsync(IReadOnlyDictionary<string, string> form, string? signature = null, bool sign = true)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/webhooks/twilio") { Content = new FormUrlEncodedContent(form) };
        if (sign)
        {
            request.Headers.Add(TwilioAdapter.SignatureHeader, signature ?? TwilioSign(form));
        }

        return Client.SendAsync(request);
    }

    // ---------------------------------------------------------------- the database

    public async Task<long> CountAsync(string sql, object? parameters = null)
    {
        await using var db = new SqliteConnection($"Data Source={Factory.DatabasePath}");
        return await db.ExecuteScalarAsync<long>(sql, parameters);
    }

    public async Task<IReadOnlyList<(long Id, string Status, long Attempts, string? Error)>> OutboxAsync()
    {
        await using var db = new SqliteConnection($"Data Source={Factory.DatabasePath}");
        return [.. await db.QueryAsync<(long, string, long, string?)>("SELECT id, status, attempts, last_error FROM outbox ORDER BY id")];
    }

    public async Task WaitForOutboxAsync(Func<IReadOnlyList<(long Id, string Status, long Attempts, string? Error)>, bool> condition, TimeSpan? timeout = null)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (waited.Elapsed < (timeout ?? TimeSpan.FromSeconds(20)))
        {
            if (condition(await OutboxAsync()))
            {
                return;
            }

            await Task.Delay(25);
        }

        throw new TimeoutException("outbox: " + string.Join(", ", (await OutboxAsync()).Select(r => $"#{r.Id} {r.Status} x{r.Attempts} {r.Error}")));
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Factory.DisposeAsync();
        await Fake.DisposeAsync();
    }

    public static MediaTypeHeaderValue Json => new("application/json");
}
