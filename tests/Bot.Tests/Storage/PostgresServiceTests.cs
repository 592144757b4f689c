using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OimBot.Analytics;
using OimBot.Bot.Handoff;
using OimBot.Bot.Reporting;
using OimBot.Bot.Storage;
using OimBot.Bot.Tests.TestHost;

namespace OimBot.Bot.Tests.Storage;

/// <summary>
/// The whole service on PostgreSQL (Storage:Provider=postgres), and two instances on one database (issue 14): turns,
/// outbox, cases, inbox accounts, analytics, and the Data Protection key ring all live in PostgreSQL.
/// </summary>
public sealed partial class PostgresServiceTests
{
    private const string Password = "una-clave-larga-123";

    [Fact]
    public async Task TheService_RunsOnPostgres_FromFirstMessageToCaseworkerReply()
    {
        var connectionString = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("service");
        await using var host = await ChannelHost.StartAsync(Postgres(connectionString));

        // A Telegram conversation through to a case, on the PostgreSQL outbox.
        foreach (var (text, update) in new[] { ("hola", 1), ("1", 2), ("humano", 3), ("1", 4) })
        {
            Assert.Equal(HttpStatusCode.OK, (await host.PostTelegramAsync(ChannelHost.TelegramText(update, 7001, text))).StatusCode);
        }

        var handoff = host.Factory.Services.GetRequiredService<HandoffService>();
        var reference = Assert.Single(await handoff.QueueAsync(CancellationToken.None)).Reference;
        Assert.Equal(ClaimResult.Claimed, (await handoff.ClaimAsync(reference, "ana", CancellationToken.None)).Result);
        Assert.Null(await handoff.ReplyAsync(reference, "ana", "Hola, te leo desde la OIM.", CancellationToken.None));
        await host.Fake.WaitForAsync(rs => rs.Any(r => r.Answered && r.Text.Contains("Hola, te leo desde la OIM.", StringComparison.Ordinal)));

        // Nothing went to SQLite: the rows are in PostgreSQL.
        await using var db = new NpgsqlConnection(connectionString);
        Assert.Equal(1, await db.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM conversations"));
        Assert.Equal(1, await db.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM cases WHERE status = 'claimed'"));
        Assert.True(await db.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM outbox WHERE status = 'sent'") >= 5);
        Assert.False(File.Exists(host.Factory.DatabasePath));

        // The inbox: the first admin, sign-in, the case page.
        var accounts = host.Factory.Services.GetRequiredService<InboxAccounts>();
        Assert.True(await accounts.CreateAsync("Ana", Roles.Caseworker, Password, false, "test", CancellationToken.None));
        Assert.False(await accounts.CreateAsync("ana", Roles.Caseworker, Password, false, "test", CancellationToken.None)); // names ignore case
        using var inbox = await InboxClient.SignedInAsync(host.Factory, "ana", Password);
        Assert.Contains(reference, await inbox.Http.GetStringAsync($"/inbox/case/{reference}"), StringComparison.Ordinal);

        // Analytics read back from PostgreSQL (dates as dates, counts as numbers).
        var analytics = host.Factory.Services.GetRequiredService<AnalyticsStore>();
        var today = DateOnly.FromDateTime(host.Factory.Clock.GetUtcNow().UtcDateTime);
        var (activity, counts) = await analytics.LoadAsync(new ReportRange(today.AddDays(-1), today.AddDays(1)), CancellationToken.None);
        Assert.NotEmpty(activity);
        Assert.Contains(counts, c => c.Kind == OimBot.Analytics.EventKind.MessageReceived && c.Count == 4);
        await analytics.MaintainAsync(today.AddDays(10), TimeSpan.FromDays(1), CancellationToken.None);
        (_, counts) = await analytics.LoadAsync(new ReportRange(today.AddDays(-1), today.AddDays(1)), CancellationToken.None);
        Assert.Contains(counts, c => c.Kind == OimBot.Analytics.EventKind.MessageReceived && c.Count == 4); // rolled up, same figure
    }

    [Fact]
    public async Task TwoInstances_OnePerson_MessagesAlternating_AreAnsweredInOrder_Once()
    {
        await using var pair = await Pair.StartAsync();
        const long Chat = 7002;
        string[] texts = ["hola", "1", "2", "menu", "3", "menu", "4", "humano"];
        for (var i = 0; i < texts.Length; i++)
        {
            var instance = i % 2 == 0 ? pair.A : pair.B;
            Assert.Equal(HttpStatusCode.OK, (await PostTelegramAsync(instance, ChannelHost.TelegramText(100 + i, Chat, texts[i]))).StatusCode);
        }

        // The same updates delivered again, each to the other instance: answered already, nothing new is sent.
        for (var i = 0; i < texts.Length; i++)
        {
            var instance = i % 2 == 0 ? pair.B : pair.A;
            Assert.Equal(HttpStatusCode.OK, (await PostTelegramAsync(instance, ChannelHost.TelegramText(100 + i, Chat, texts[i]))).StatusCode);
        }

        await using var db = new NpgsqlConnection(pair.ConnectionString);
        var rows = await db.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM outbox WHERE channel = 'telegram'");
        Assert.True(rows >= texts.Length);
        await pair.Fake.WaitForAsync(rs => rs.Count(r => r.Answered && IsTo(r, Chat)) == rows, TimeSpan.FromSeconds(30));
        var settled = System.Diagnostics.Stopwatch.StartNew();
        while (await db.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM outbox WHERE status IN ('pending', 'sending')") > 0)
        {
            Assert.True(settled.Elapsed < TimeSpan.FromSeconds(30), "the outbox did not settle");
            await Task.Delay(50);
        }

        // Each reply sent once, by whichever instance claimed it, in the order the turns queued them: the fake
        // numbers a chat's messages as it receives them, so the provider ids follow the outbox ids.
        Assert.Equal(rows, pair.Fake.Requests.Count(r => IsTo(r, Chat)));
        var ids = (await db.QueryAsync<string>("SELECT provider_message_id FROM outbox WHERE channel = 'telegram' ORDER BY id"))
            .Select(p => long.Parse(TrailingNumber().Match(p).Value, System.Globalization.CultureInfo.InvariantCulture))
            .ToList();
        Assert.Equal(ids.Order(), ids);
        // Every message's id remembered (in the conversation's row: there are fewer than it keeps), for repeats at either instance.
        Assert.Equal(texts.Length * RecentInbound.HashLength, await db.ExecuteScalarAsync<long>("SELECT length(recent_inbound) FROM conversations"));
    }

    [Fact]
    public async Task TwoInstances_ShareCasesAccountsAndCookies()
    {
        await using var pair = await Pair.StartAsync();
        foreach (var (text, update) in new[] { ("hola", 1), ("1", 2), ("humano", 3), ("1", 4) })
        {
            await PostTelegramAsync(pair.A, ChannelHost.TelegramText(update, 7003, text));
        }

        // A case opened through A is in B's queue.
        var reference = Assert.Single(await pair.B.Services.GetRequiredService<HandoffService>().QueueAsync(CancellationToken.None)).Reference;
        await pair.A.Services.GetRequiredService<InboxAccounts>().CreateAsync("ana", Roles.Caseworker, Password, false, "test", CancellationToken.None);

        // Signed in on A; the cookie and a form's antiforgery token work on B (one key ring in the database).
        using var onA = pair.A.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
        var login = await onA.GetAsync("/inbox/login");
        var antiforgery = Cookies(login);
        var token = WebUtility.HtmlDecode(TokenField().Match(await login.Content.ReadAsStringAsync()).Groups[1].Value);
        using var post = new HttpRequestMessage(HttpMethod.Post, "/inbox/login")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["username"] = "ana", ["password"] = Password, ["__RequestVerificationToken"] = token }),
        };
        post.Headers.Add("Cookie", antiforgery);
        var signedIn = await onA.SendAsync(post);
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        var session = $"{antiforgery}; {Cookies(signedIn)}";

        using var onB = pair.B.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
        using var page = new HttpRequestMessage(HttpMethod.Get, $"/inbox/case/{reference}");
        page.Headers.Add("Cookie", session);
        var onBPage = await onB.SendAsync(page);
        Assert.Equal(HttpStatusCode.OK, onBPage.StatusCode);
        var casePage = await onBPage.Content.ReadAsStringAsync();
        Assert.Contains(reference, casePage, StringComparison.Ordinal);

        // A form rendered by B, posted to A: A claims the case.
        using var claim = new HttpRequestMessage(HttpMethod.Post, $"/inbox/case/{reference}?handler=claim")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = WebUtility.HtmlDecode(TokenField().Match(casePage).Groups[1].Value) }),
        };
        claim.Headers.Add("Cookie", $"{session}; {Cookies(onBPage)}".TrimEnd(' ', ';'));
        Assert.Equal(HttpStatusCode.Redirect, (await onA.SendAsync(claim)).StatusCode);
        Assert.Equal(CaseStatus.Claimed, (await pair.B.Services.GetRequiredService<ICaseStore>().FindAsync(reference, CancellationToken.None))!.Row.Status);

        // The shared key ring is sealed with the address key: the database alone holds no usable cookie key.
        await using var db = new NpgsqlConnection(pair.ConnectionString);
        var keys = (await db.QueryAsync<string>("SELECT xml FROM data_protection_keys")).ToList();
        Assert.NotEmpty(keys);
        Assert.All(keys, xml =>
        {
            Assert.Contains("<sealedKey version=\"1\"", xml, StringComparison.Ordinal);
            Assert.DoesNotContain("<masterKey", xml, StringComparison.Ordinal);
        });
    }

    /// <summary>
    /// Npgsql's multiplexing, set in the connection string, shares connections between commands: the sessions that hold
    /// a lock or LISTEN need a connection of their own, unpooled, which Npgsql refuses to multiplex. The service crashed
    /// at start with it (found measuring it, issue 15); it now runs, leads and answers.
    /// </summary>
    [Fact]
    public async Task AMultiplexedConnectionString_StillStartsLeadsAndAnswers()
    {
        var connectionString = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("multiplexed");
        await using var host = await ChannelHost.StartAsync(Postgres(connectionString + ";Multiplexing=true"));

        Assert.Equal(HttpStatusCode.OK, (await host.PostTelegramAsync(ChannelHost.TelegramText(1, 7010, "hola"))).StatusCode);

        await host.Fake.WaitForAsync(rs => rs.Any(r => IsTo(r, 7010) && r.Answered));
        await WaitAsync(() => host.Factory.Services.GetRequiredService<ILeadership>().IsLeader);
    }

    [Fact]
    public async Task ACaseOpenedThroughOneInstance_ReachesTheInboxesConnectedToTheOther()
    {
        await using var pair = await Pair.StartAsync();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var onB = pair.B.Services.GetRequiredService<CaseEvents>().Subscribe(stop.Token);
        await Task.Delay(500); // B is listening

        foreach (var (text, update) in new[] { ("hola", 1), ("1", 2), ("humano", 3), ("1", 4) })
        {
            await PostTelegramAsync(pair.A, ChannelHost.TelegramText(update, 7004, text));
        }

        // The inbox page connected to B refreshes on this signal (Server-Sent Events), and finds the case.
        Assert.True(await onB.WaitToReadAsync(stop.Token));
        Assert.Single(await pair.B.Services.GetRequiredService<HandoffService>().QueueAsync(CancellationToken.None));
    }

    [Fact]
    public async Task OneInstanceLeadsTheSharedJobs_AndAnotherTakesOverWhenItStops()
    {
        await using var pair = await Pair.StartAsync();
        var a = pair.A.Services.GetRequiredService<ILeadership>();
        var b = pair.B.Services.GetRequiredService<ILeadership>();
        await WaitAsync(() => a.IsLeader ^ b.IsLeader);
        await Task.Delay(PostgresLeadership.Every * 2);
        Assert.True(a.IsLeader ^ b.IsLeader); // exactly one, and it stays so

        var (leader, follower) = a.IsLeader ? (pair.A, b) : (pair.B, a);
        await leader.DisposeAsync(); // the leader's process ends: its connection, and the lock, go with it
        await WaitAsync(() => follower.IsLeader);
    }

    /// <summary>
    /// Telegram's limit is per bot: with 4 messages a second (a burst of 4), the replies to 20 people who write at once,
    /// half through each instance, take at least (n - 4) / 4 seconds in all. Each instance at its own 4 a second would
    /// be done in about half that.
    /// </summary>
    [Fact]
    public async Task TelegramsRatePerBot_HoldsAcrossInstances()
    {
        await using var pair = await Pair.StartAsync(new() { ["Channels:Telegram:MessagesPerSecond"] = "4" });
        var posted = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => PostTelegramAsync(i % 2 == 0 ? pair.A : pair.B, ChannelHost.TelegramText(500 + i, 7100 + i, "hola"))));
        Assert.All(posted, response => Assert.Equal(HttpStatusCode.OK, response.StatusCode));

        await using var db = new NpgsqlConnection(pair.ConnectionString);
        await WaitAsync(() => db.ExecuteScalar<long>("SELECT COUNT(*) FROM outbox WHERE status IN ('pending', 'sending')") == 0, TimeSpan.FromSeconds(60));
        var sent = pair.Fake.Requests.Where(r => r.Answered && r.Path.EndsWith("/sendMessage", StringComparison.Ordinal)).Select(r => r.At).Order().ToList();
        Assert.Equal(await db.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM outbox WHERE status = 'sent'"), sent.Count);
        Assert.True(sent.Count >= 20, $"{sent.Count} sends");
        var span = sent[^1] - sent[0];
        Assert.True(span >= TimeSpan.FromSeconds(((sent.Count - 4) / 4.0) - 0.5), $"{sent.Count} sends in {span.TotalSeconds:0.00} s: faster than 4 a second across the two instances");
    }

    private static async Task WaitAsync(Func<bool> condition, TimeSpan? timeout = null)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(waited.Elapsed < (timeout ?? TimeSpan.FromSeconds(20)), "the condition did not hold in time");
            await Task.Delay(50);
        }
    }

    private static Dictionary<string, string?> Postgres(string connectionString) => new()
    {
        ["Storage:Provider"] = "postgres",
        ["Storage:ConnectionString"] = connectionString,
    };

    private static bool IsTo(RecordedRequest request, long chat) =>
        request.Path.EndsWith("/sendMessage", StringComparison.Ordinal) && request.Body.Contains($"\"chat_id\":{chat}", StringComparison.Ordinal);

    private static Task<HttpResponseMessage> PostTelegramAsync(BotFactory instance, string body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/webhooks/telegram") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("X-Telegram-Bot-Api-Secret-Token", ChannelHost.TelegramSecret);
        return instance.CreateClient().SendAsync(request);
    }

    /// <summary>The cookies a response sets, as a Cookie header.</summary>
    private static string Cookies(HttpResponseMessage response) =>
        string.Join("; ", response.Headers.TryGetValues("Set-Cookie", out var values) ? values.Select(v => v.Split(';')[0]) : []);

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex TokenField();

    [GeneratedRegex(@"\d+$")]
    private static partial Regex TrailingNumber();

    /// <summary>Two instances of the service on one PostgreSQL database and one fake Telegram, with the same keys.</summary>
    private sealed class Pair : IAsyncDisposable
    {
        private Pair(FakeProvider fake, BotFactory a, BotFactory b, string connectionString)
        {
            Fake = fake;
            A = a;
            B = b;
            ConnectionString = connectionString;
        }

        public FakeProvider Fake { get; }

        public BotFactory A { get; }

        public BotFactory B { get; }

        public string ConnectionString { get; }

        public static async Task<Pair> StartAsync(Dictionary<string, string?>? extra = null)
        {
            var connectionString = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("pair");
            var fake = await FakeProvider.StartAsync();
            fake.Default = ChannelHost.DefaultAnswer;
            var settings = ChannelHost.Settings(fake.BaseUrl);
            foreach (var (key, value) in Postgres(connectionString))
            {
                settings[key] = value;
            }

            // The keys every instance must share: addresses at rest, and analytics pseudonyms.
            settings["Privacy:AddressKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
            settings["Analytics:PseudonymKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
            foreach (var (key, value) in extra ?? [])
            {
                settings[key] = value;
            }

            var a = new BotFactory(settings: new Dictionary<string, string?>(settings), tickingClock: true);
            var b = new BotFactory(settings: new Dictionary<string, string?>(settings), tickingClock: true);
            await Task.WhenAll(Task.Run(() => a.CreateClient()), Task.Run(() => b.CreateClient())); // start together: migrate once
            return new Pair(fake, a, b, connectionString);
        }

        public async ValueTask DisposeAsync()
        {
            await A.DisposeAsync();
            await B.DisposeAsync();
            await Fake.DisposeAsync();
        }
    }
}
