using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Dapper;
using Npgsql;
using OimBot.Bot.Tests.TestHost;

namespace OimBot.Bot.Tests.Storage;

/// <summary>
/// The short fault-injection run (issue 14): two instances on one PostgreSQL under a steady load of Telegram messages,
/// with repeated deliveries (some to the other instance), a provider that throttles and fails for a while, and the
/// database stopped for a few seconds and started again. Afterwards every accepted message was answered, nothing was
/// sent twice, each person's replies went out in order, and service recovered without a restart.
/// </summary>
public sealed partial class FaultInjectionTests
{
    /// <summary>Turns run: each remembered message id, in a conversation's row (32 bytes each) or as a record of its own.</summary>
    private const string TurnsRemembered =
        "SELECT (SELECT COUNT(*) FROM inbound_messages) + (SELECT COALESCE(SUM(length(recent_inbound)), 0) / 32 FROM conversations)";

    [Fact]
    public async Task UnderLoad_ThrottlingFailuresRepeatsAndADatabaseOutage_LoseNothing_AndSendNothingTwice()
    {
        var server = await PostgresServer.StartPrivateAsync();
        var connectionString = await server.CreateDatabaseAsync("faults");
        await using var fake = await FakeProvider.StartAsync();
        var faulty = 0; // 1 while the provider misbehaves
        var calls = 0;
        fake.Default = request =>
        {
            if (Volatile.Read(ref faulty) == 1 && request.Path.EndsWith("/sendMessage", StringComparison.Ordinal))
            {
                return (Interlocked.Increment(ref calls) % 3) switch
                {
                    0 => FakeResponse.Json(429, """{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 1","parameters":{"retry_after":1}}"""),
                    1 => FakeResponse.Json(502, """{"ok":false,"error_code":502,"description":"Bad Gateway"}"""),
                    _ => ChannelHost.DefaultAnswer(request),
                };
            }

            return ChannelHost.DefaultAnswer(request);
        };

        var settings = ChannelHost.Settings(fake.BaseUrl);
        settings["Storage:Provider"] = "postgres";
        settings["Storage:ConnectionString"] = connectionString;
        settings["Storage:WebhookBudget"] = "00:00:01";
        settings["Storage:SpoolRetryInterval"] = "00:00:00.200";
        settings["Storage:ReplayGrace"] = "00:00:01";
        settings["Outbox:MaxAttempts"] = "30";

        // The provider's faults here are answers (429, 502), not silence. With the test host's 1 s timeout a loaded machine
        // could give up on a request the fake still answered: a second delivery no sender can tell from the first
        // (Telegram has no idempotency key), which the long run counts separately as sends in flight.
        settings["Channels:Telegram:Timeout"] = "00:00:10";
        settings["Privacy:AddressKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        settings["Analytics:PseudonymKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        await using var a = new BotFactory(settings: new Dictionary<string, string?>(settings), tickingClock: true);
        await using var b = new BotFactory(settings: new Dictionary<string, string?>(settings), tickingClock: true);
        await Task.WhenAll(Task.Run(() => a.CreateClient()), Task.Run(() => b.CreateClient()));
        var instances = new[] { a.CreateClient(), b.CreateClient() };

        const int People = 12;
        string[] texts = ["hola", "1", "2", "menu", "3", "menu", "4", "menu"];

        // Calibration, before any fault: the replies one person gets for this conversation, in order. A message
        // answered out of turn gets another reply, which the comparison below catches.
        const long Calibration = 889_000;
        for (var i = 0; i < texts.Length; i++)
        {
            Assert.Equal(HttpStatusCode.OK, await PostAsync(instances[i % 2], ChannelHost.TelegramText(90_000 + i, Calibration, texts[i])));
            await Task.Delay(300);
        }

        await using (var calibrationDb = new NpgsqlConnection(connectionString + ";Pooling=false")) // no pooled connection outlives the restart
        {
            var settled = System.Diagnostics.Stopwatch.StartNew();
            while (await Count(calibrationDb, "SELECT COUNT(*) FROM outbox WHERE status IN ('pending', 'sending')") > 0)
            {
                Assert.True(settled.Elapsed < TimeSpan.FromSeconds(30), "the calibration conversation was not answered");
                await Task.Delay(100);
            }
        }

        var expected = RepliesTo(fake, Calibration);
        var faults = Task.Run(async () =>
        {
            await Task.Delay(1000);
            Volatile.Write(ref faulty, 1);
            await Task.Delay(1500);
            await server.StopAsync(); // the database goes away for a few seconds, while people write
            await Task.Delay(3000);
            await server.StartAgainAsync();
            await Task.Delay(1500);
            Volatile.Write(ref faulty, 0);
        });

        // Each person writes in turn (a person waits for the webhook's answer); people write at the same time.
        var accepted = 0;
        await Task.WhenAll(Enumerable.Range(0, People).Select(person => Task.Run(async () =>
        {
            var chat = 880_000 + person;
            for (var i = 0; i < texts.Length; i++)
            {
                var update = (person * 100) + i + 1;
                var body = ChannelHost.TelegramText(update, chat, texts[i]);
                var first = (person + i) % 2;
                if (await PostAsync(instances[first], body) == HttpStatusCode.OK)
                {
                    Interlocked.Increment(ref accepted);
                }

                if ((person + i) % 10 == 0)
                {
                    await PostAsync(instances[1 - first], body); // delivered again, to the other instance
                }

                await Task.Delay(700);
            }
        })));
        await faults;
        Assert.Equal(People * texts.Length, accepted); // nothing was refused: messages waited on disk while the database was down

        // Everything settles: each message's turn ran once, each reply was sent once, in order.
        await using var db = new NpgsqlConnection(connectionString);
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (await Count(db, TurnsRemembered) < People * texts.Length
            || await Count(db, "SELECT COUNT(*) FROM outbox WHERE status IN ('pending', 'sending')") > 0)
        {
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(90), $"not settled: {await Count(db, TurnsRemembered)} turns, {await Count(db, "SELECT COUNT(*) FROM outbox WHERE status IN ('pending', 'sending')")} rows waiting");
            await Task.Delay(250);
        }

        Assert.Equal(0, await Count(db, "SELECT COUNT(*) FROM outbox WHERE status NOT IN ('sent', 'delivered', 'read')"));
        var rows = (await db.QueryAsync<(long Id, string Provider)>("SELECT id, provider_message_id FROM outbox WHERE channel = 'telegram' ORDER BY id")).ToList();
        var delivered = fake.Requests.Where(r => r.Answered && r.Status == 200 && r.Path.EndsWith("/sendMessage", StringComparison.Ordinal)).ToList();
        // On a mismatch, which chats got more (or fewer) deliveries than rows, and what the instances logged about sends.
        var rowsPerChat = rows.GroupBy(r => r.Provider.Split(':')[0]).ToDictionary(g => g.Key, g => g.Count());
        var mismatched = delivered.GroupBy(r => ChatId().Match(r.Body).Groups[1].Value)
            .Where(g => rowsPerChat.GetValueOrDefault(g.Key) != g.Count()).Select(g => $"chat {g.Key}: {g.Count()} deliveries, {rowsPerChat.GetValueOrDefault(g.Key)} rows");
        Assert.True(rows.Count == delivered.Count, // none lost, none twice
            $"{rows.Count} rows, {delivered.Count} deliveries; {string.Join("; ", mismatched)}\n" +
            string.Join('\n', a.Logs.Lines.Concat(b.Logs.Lines).Where(l => l.Contains("Outbox", StringComparison.Ordinal) || l.Contains("Timeout", StringComparison.Ordinal)).Distinct().Take(40)));
        foreach (var chat in rows.GroupBy(r => r.Provider.Split(':')[0]))
        {
            var ids = chat.Select(r => long.Parse(Number().Match(r.Provider).Value, System.Globalization.CultureInfo.InvariantCulture)).ToList();
            Assert.Equal(ids.Order(), ids); // a person's replies reached them in the order they were queued
        }

        // Each person's messages were answered in the order they were sent, although the two instances kept some of
        // them on their own disks during the outage and put them back in whatever order they came back in.
        for (var person = 0; person < People; person++)
        {
            Assert.Equal(expected, RepliesTo(fake, 880_000 + person));
        }

        // The faults really happened: the provider throttled and failed, and messages waited on disk for the database.
        Assert.Contains(fake.Requests, r => r.Status == 429);
        Assert.Contains(fake.Requests, r => r.Status == 502);
        var logs = a.Logs.All + b.Logs.All;
        Assert.True(logs.Contains("message kept on disk", StringComparison.Ordinal), string.Join('\n', (a.Logs.Lines.Concat(b.Logs.Lines)).Where(l => !l.Contains("Debug", StringComparison.Ordinal)).Distinct().Take(40)));

        // Service recovered without a restart: a new message now is answered at once.
        Assert.Equal(HttpStatusCode.OK, await PostAsync(instances[0], ChannelHost.TelegramText(99_999, 889_999, "hola")));
        await fake.WaitForAsync(rs => rs.Any(r => r.Answered && r.Body.Contains("\"chat_id\":889999", StringComparison.Ordinal)));
    }

    private static async Task<long> Count(NpgsqlConnection db, string sql) => await db.ExecuteScalarAsync<long>(sql);

    /// <summary>The texts delivered to <paramref name="chat"/>, in the order the fake accepted them (each once).</summary>
    private static List<string> RepliesTo(FakeProvider fake, long chat) =>
    [
        .. fake.Requests
            .Where(r => r.Answered && r.Status == 200 && r.Path.EndsWith("/sendMessage", StringComparison.Ordinal))
            .Select(r => System.Text.Json.JsonDocument.Parse(r.Body).RootElement)
            .Where(body => body.GetProperty("chat_id").GetInt64() == chat)
            .Select(body => body.GetProperty("text").GetString()!),
    ];

    private static async Task<HttpStatusCode> PostAsync(HttpClient client, string body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/webhooks/telegram") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("X-Telegram-Bot-Api-Secret-Token", ChannelHost.TelegramSecret);
        using var response = await client.SendAsync(request);
        return response.StatusCode;
    }

    [GeneratedRegex(@"\d+$")]
    private static partial Regex Number();

    [GeneratedRegex(@"""chat_id"":(\d+)")]
    private static partial Regex ChatId();
}
