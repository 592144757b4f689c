using System.Data.Common;
using System.Text.Json;
using Dapper;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using OimBot.Analytics;
using OimBot.Bot.Dialogs;
using OimBot.Bot.Outbox;
using OimBot.Bot.Storage;
using OimBot.Bot.Tests.TestHost;
using OimBot.Content;

namespace OimBot.Bot.Tests.Storage;

/// <summary>
/// The outbox store's contract, run on both providers (issue 14): SQLite on a real file, PostgreSQL on a throwaway
/// server from Debian's package. The same rows in, the same claims, outcomes and reports out.
/// </summary>
public sealed class OutboxStoreContractTests
{
    public static TheoryData<string> Providers => ["sqlite", "postgres"];

    private static readonly DateTimeOffset Now = new(2026, 12, 1, 15, 0, 0, TimeSpan.Zero);

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task AClaim_TakesTheOldestRowOfEachRecipient_AndTheNextOnlyAfterItIsSettled(string provider)
    {
        await using var db = await Db.CreateAsync(provider);
        var a1 = await db.InsertAsync("telegram", "111", "a1");
        var b1 = await db.InsertAsync("telegram", "222", "b1");
        var a2 = await db.InsertAsync("telegram", "111", "a2");
        await db.InsertAsync("webchat", "333", "web"); // the web chat's mailbox is not sent by the outbox

        var first = await db.Store.ClaimAsync(Now, 10, TimeSpan.FromMinutes(1), CancellationToken.None);
        Assert.Equal([a1, b1], first.Select(m => m.Id));
        Assert.Equal(["111", "222"], first.Select(m => m.Address));
        Assert.Equal("a1", first[0].Reply.Text);
        Assert.Empty(await db.Store.ClaimAsync(Now, 10, TimeSpan.FromMinutes(1), CancellationToken.None));

        await db.Store.CompleteAsync(a1, new OutboxOutcome.Sent("p-1"), Now, CancellationToken.None);
        var second = await db.Store.ClaimAsync(Now, 10, TimeSpan.FromMinutes(1), CancellationToken.None);
        Assert.Equal([a2], second.Select(m => m.Id));
        Assert.Equal(("sent", null, ""), await db.RowAsync(a1));
    }

    /// <summary>
    /// Rows that cannot be opened (a damaged reply, an address sealed with a lost key) are marked failed, once, and never
    /// hold up the readable rows claimed with them (issue 15: rows are opened after the claim's commit).
    /// </summary>
    [Theory]
    [MemberData(nameof(Providers))]
    public async Task UnreadableRows_AreMarkedFailed_AndTheReadableOnesGoOut(string provider)
    {
        await using var db = await Db.CreateAsync(provider);
        var damaged = await db.InsertAsync("telegram", "111", "uno");
        var lostKey = await db.InsertAsync("telegram", "222", "dos");
        var readable = await db.InsertAsync("telegram", "333", "tres");
        await using (var connection = await db.OpenAsync())
        {
            await connection.ExecuteAsync("UPDATE outbox SET payload = 'sealed:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' WHERE id = @damaged", new { damaged });
            var otherKey = new AddressProtector(Enumerable.Range(100, 32).Select(i => (byte)i).ToArray());
            await connection.ExecuteAsync("UPDATE outbox SET address_cipher = @cipher WHERE id = @lostKey", new { cipher = otherKey.Encrypt("222"), lostKey });
        }

        var claimed = await db.Store.ClaimAsync(Now, 10, TimeSpan.FromMinutes(1), CancellationToken.None);
        Assert.Equal([readable], claimed.Select(m => m.Id));
        Assert.Equal(("333", "tres"), (claimed[0].Address, claimed[0].Reply.Text));
        Assert.Equal(("failed", "unreadable row"), (await db.RowAsync(damaged)) is var (s1, e1, _) ? (s1, e1) : default);
        Assert.Equal(("failed", "unreadable row"), (await db.RowAsync(lostKey)) is var (s2, e2, _) ? (s2, e2) : default);

        // The failed rows are never claimed again, however late.
        await db.Store.CompleteAsync(readable, new OutboxOutcome.Sent("p-1"), Now, CancellationToken.None);
        Assert.Empty(await db.Store.ClaimAsync(Now + TimeSpan.FromHours(1), 10, TimeSpan.FromMinutes(1), CancellationToken.None));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task TheReport_CountsEveryStatus_AndStopCancelsOnlyWhatWaitsOrIsHeld(string provider)
    {
        // Each status is counted through its own partial index (issue 15): none may be missed or counted twice.
        await using var db = await Db.CreateAsync(provider);
        var statuses = Enum.GetValues<OutboxStatus>();
        foreach (var status in statuses)
        {
            var id = await db.InsertAsync("telegram", "111", OutboxStatuses.Name(status));
            await db.SetStatusAsync(id, OutboxStatuses.Name(status));
        }

        await db.InsertAsync("telegram", "222", "someone else's");
        var counts = (await db.Store.ReportAsync(CancellationToken.None)).Counts;
        Assert.All(statuses, s => Assert.Equal(s == OutboxStatus.Pending ? 2 : 1, counts.GetValueOrDefault(s)));
        Assert.Equal(statuses.Length + 1, counts.Values.Sum());

        await using (var connection = await db.OpenAsync())
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await OutboxRows.CancelAsync(connection, transaction, "telegram", Db.Hash("telegram", "111"), Now);
            await transaction.CommitAsync();
        }

        counts = (await db.Store.ReportAsync(CancellationToken.None)).Counts;
        Assert.Equal(1, counts[OutboxStatus.Pending]); // the other person's
        Assert.False(counts.ContainsKey(OutboxStatus.Held));
        Assert.Equal(3, counts[OutboxStatus.Cancelled]); // its own, the pending one and the held one
        Assert.Equal(1, counts[OutboxStatus.Sending]); // already with the provider: not taken back
    }

    /// <summary>
    /// Issue 15: a claim is one statement, and on PostgreSQL one round trip, with no BEGIN and COMMIT of its own (it took
    /// two: the COMMIT went alone), whether it finds rows or none; its rows are still the claim's alone.
    /// </summary>
    [Fact]
    public async Task OnPostgres_AClaimIsOneRoundTrip_WithRowsOrWithout()
    {
        await using var db = await Db.CreateAsync("postgres");
        await using var relay = PostgresRoundTrips.Start(db.ConnectionString!);
        await using var database = new PostgresDatabase(relay.ConnectionString, TimeProvider.System, NullLogger<PostgresDatabase>.Instance);
        var store = new PostgresOutboxStore(database, Db.Protector, Options.Create(new StorageOptions()));
        var a1 = await db.InsertAsync("telegram", "111", "a1");
        var b1 = await db.InsertAsync("telegram", "222", "b1");
        var a2 = await db.InsertAsync("telegram", "111", "a2");
        await using (var connection = await database.OpenAsync(CancellationToken.None))
        {
            await connection.ExecuteScalarAsync<int>("SELECT 1"); // the pool's connection opened and its types loaded: not the claim's
        }

        relay.Reset();
        var claimed = await store.ClaimAsync(Now, 10, TimeSpan.FromMinutes(1), CancellationToken.None);
        Assert.Equal([a1, b1], claimed.Select(m => m.Id));
        Assert.Equal(1, relay.Count);

        relay.Reset();
        Assert.Empty(await store.ClaimAsync(Now, 10, TimeSpan.FromMinutes(1), CancellationToken.None));
        Assert.Equal(1, relay.Count);

        // The relay counts what it should: a transaction of one statement and its COMMIT are two.
        relay.Reset();
        await database.WriteAsync((connection, transaction) => connection.ExecuteScalarAsync<int>("SELECT 1", transaction: transaction), CancellationToken.None);
        Assert.Equal(2, relay.Count);
        Assert.Equal("sending", (await db.RowAsync(a1)).Status);
        Assert.Equal("pending", (await db.RowAsync(a2)).Status); // behind a1
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task AClaimThatIsNeverSettled_ComesBackWhenItsLeaseRunsOut(string provider)
    {
        await using var db = await Db.CreateAsync(provider);
        var id = await db.InsertAsync("telegram", "111", "hola");
        Assert.Single(await db.Store.ClaimAsync(Now, 10, TimeSpan.FromSeconds(30), CancellationToken.None));

        Assert.Empty(await db.Store.ClaimAsync(Now + TimeSpan.FromSeconds(29), 10, TimeSpan.FromSeconds(30), CancellationToken.None));
        var again = Assert.Single(await db.Store.ClaimAsync(Now + TimeSpan.FromSeconds(31), 10, TimeSpan.FromSeconds(30), CancellationToken.None));
        Assert.Equal(id, again.Id);
    }

    /// <summary>outcome, the row's status after it, whether its text and address are kept.</summary>
    public static TheoryData<string, string, string, bool> Outcomes => new()
    {
        { "sqlite", "retry", "pending", true },
        { "sqlite", "deferred", "pending", true },
        { "sqlite", "failed", "failed", false },
        { "sqlite", "dead", "dead", true },
        { "postgres", "retry", "pending", true },
        { "postgres", "deferred", "pending", true },
        { "postgres", "failed", "failed", false },
        { "postgres", "dead", "dead", true },
    };

    [Theory]
    [MemberData(nameof(Outcomes))]
    public async Task EachOutcome_IsRecorded(string provider, string outcome, string status, bool kept)
    {
        await using var db = await Db.CreateAsync(provider);
        var id = await db.InsertAsync("telegram", "111", "hola");
        await db.Store.ClaimAsync(Now, 10, TimeSpan.FromMinutes(1), CancellationToken.None);

        OutboxOutcome recorded = outcome switch
        {
            "retry" => new OutboxOutcome.RetryLater("telegram 502", Now + TimeSpan.FromMinutes(5)),
            "deferred" => new OutboxOutcome.Deferred("channel not enabled", Now + TimeSpan.FromMinutes(5)),
            "failed" => new OutboxOutcome.Failed("telegram 400: bad request"),
            _ => new OutboxOutcome.Dead("telegram 502"),
        };
        await db.Store.CompleteAsync(id, recorded, Now, CancellationToken.None);

        var (actual, error, payload) = await db.RowAsync(id);
        Assert.Equal(status, actual);
        Assert.NotNull(error);
        Assert.Equal(kept, payload.Length > 0);
        if (outcome is "retry" or "deferred")
        {
            Assert.Empty(await db.Store.ClaimAsync(Now + TimeSpan.FromMinutes(4), 10, TimeSpan.FromMinutes(1), CancellationToken.None));
            Assert.Single(await db.Store.ClaimAsync(Now + TimeSpan.FromMinutes(6), 10, TimeSpan.FromMinutes(1), CancellationToken.None));
        }

        if (outcome == "dead")
        {
            Assert.Equal(OutboxStatus.Dead, Assert.Single((await db.Store.ReportAsync(CancellationToken.None)).Problems).Status);
            Assert.Equal(1, await db.Store.RequeueDeadAsync(Now, CancellationToken.None));
            Assert.Single(await db.Store.ClaimAsync(Now, 10, TimeSpan.FromMinutes(1), CancellationToken.None));
        }
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task ABlockedRecipient_CancelsEverythingQueuedForThem_AndStopsTheConversation(string provider)
    {
        await using var db = await Db.CreateAsync(provider);
        await db.ConversationAsync("c1", "telegram", "111", "es");
        var first = await db.InsertAsync("telegram", "111", "uno", conversationId: "c1");
        var second = await db.InsertAsync("telegram", "111", "dos", conversationId: "c1");
        var other = await db.InsertAsync("telegram", "222", "otro");
        await db.Store.ClaimAsync(Now, 10, TimeSpan.FromMinutes(1), CancellationToken.None);

        await db.Store.CompleteAsync(first, new OutboxOutcome.Blocked("telegram 403: bot was blocked by the user"), Now, CancellationToken.None);

        Assert.Equal("blocked", (await db.RowAsync(first)).Status);
        Assert.Equal(("cancelled", ""), (await db.RowAsync(second)) is var (s, _, p) ? (s, p) : default);
        Assert.Equal("sending", (await db.RowAsync(other)).Status);
        Assert.True((await db.StateAsync("c1")).Stopped);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task OutsideTheWindow_RepliesAreHeld_AndOneTemplatePerClosedWindowIsQueued(string provider)
    {
        await using var db = await Db.CreateAsync(provider);
        await db.ConversationAsync("c1", "whatsapp", "50760001111", "pt");
        var window = Now - TimeSpan.FromHours(40);
        var reply = await db.InsertAsync("whatsapp", "50760001111", "Olá", conversationId: "c1", window: window);
        var second = await db.InsertAsync("whatsapp", "50760001111", "Mais uma coisa", conversationId: "c1", window: window);

        await db.Store.ClaimAsync(Now, 10, TimeSpan.FromMinutes(1), CancellationToken.None);
        await db.Store.CompleteAsync(reply, new OutboxOutcome.Held("customer service window closed", MessageTemplate.ReplyWaiting, "nota"), Now, CancellationToken.None);
        var next = await db.Store.ClaimAsync(Now, 10, TimeSpan.FromMinutes(1), CancellationToken.None);
        Assert.Equal([second], next.Select(m => m.Id)); // the older template row waits behind no one: the second reply first
        await db.Store.CompleteAsync(second, new OutboxOutcome.Held("customer service window closed", MessageTemplate.ReplyWaiting, "nota"), Now, CancellationToken.None);

        var template = Assert.Single(await db.Store.ClaimAsync(Now, 10, TimeSpan.FromMinutes(1), CancellationToken.None));
        Assert.Equal(new OutboxTemplate(MessageTemplate.ReplyWaiting, "pt"), template.Template);
        Assert.Equal("50760001111", template.Address);
        Assert.Null(template.WindowExpiresAt);
        Assert.Equal(["held", "held"], [(await db.RowAsync(reply)).Status, (await db.RowAsync(second)).Status]);
        Assert.Equal(1, await db.CountAsync("SELECT COUNT(*) FROM outbox WHERE template IS NOT NULL"));
        Assert.Equal(2, (await db.Store.ReportAsync(CancellationToken.None)).Counts[OutboxStatus.Held]);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task DeliveryReports_OnlyMoveForward_AndAWindowRefusalHoldsTheReply(string provider)
    {
        await using var db = await Db.CreateAsync(provider);
        await db.ConversationAsync("c1", "twilio", "whatsapp:+50760002222", "es");
        var id = await db.InsertAsync("twilio", "whatsapp:+50760002222", "Hola", conversationId: "c1", window: Now + TimeSpan.FromHours(1));
        var other = await db.InsertAsync("telegram", "111", "hola");
        await db.Store.ClaimAsync(Now, 10, TimeSpan.FromMinutes(1), CancellationToken.None);
        await db.Store.CompleteAsync(id, new OutboxOutcome.Sent("SM1"), Now, CancellationToken.None);
        await db.Store.CompleteAsync(other, new OutboxOutcome.Sent("7"), Now, CancellationToken.None);

        Assert.True(await db.Store.ApplyDeliveryStatusAsync("telegram", "7", OutboxStatus.Read, null, Now, CancellationToken.None));
        Assert.True(await db.Store.ApplyDeliveryStatusAsync("telegram", "7", OutboxStatus.Delivered, null, Now, CancellationToken.None));
        Assert.Equal("read", (await db.RowAsync(other)).Status);
        Assert.False(await db.Store.ApplyDeliveryStatusAsync("telegram", "unknown", OutboxStatus.Delivered, null, Now, CancellationToken.None));

        // Twilio accepted the reply, then reports 63016: it is held (not failed) and the template goes.
        Assert.True(await db.Store.ApplyDeliveryStatusAsync("twilio", "SM1", OutboxStatus.Failed, "twilio 63016", Now, CancellationToken.None));
        Assert.Equal("held", (await db.RowAsync(id)).Status);
        Assert.Equal(new OutboxTemplate(MessageTemplate.ReplyWaiting, "es"), Assert.Single(await db.Store.ClaimAsync(Now, 10, TimeSpan.FromMinutes(1), CancellationToken.None)).Template);
    }

    /// <summary>
    /// A provider that reuses ids: a sent row whose provider id another row of the channel already has settles without
    /// it (the unique index would otherwise refuse the settle and the lease would send the row again). On PostgreSQL also
    /// when the two arrive together and settle in one statement, which cannot see one's new id while it checks the other.
    /// </summary>
    [Theory]
    [MemberData(nameof(Providers))]
    public async Task ASentRow_WhoseProviderIdAnotherRowHas_IsSettledWithoutIt(string provider)
    {
        await using var db = await Db.CreateAsync(provider);
        var first = await db.InsertAsync("telegram", "111", "uno");
        var second = await db.InsertAsync("telegram", "222", "dos");
        var third = await db.InsertAsync("telegram", "333", "tres");
        var fourth = await db.InsertAsync("telegram", "444", "cuatro");
        var fifth = await db.InsertAsync("telegram", "555", "cinco");
        Assert.Equal(5, (await db.Store.ClaimAsync(Now, 10, TimeSpan.FromMinutes(1), CancellationToken.None)).Count);

        await db.Store.CompleteAsync(first, new OutboxOutcome.Sent("p-1"), Now, CancellationToken.None);
        await db.Store.CompleteAsync(second, new OutboxOutcome.Sent("p-1"), Now, CancellationToken.None);
        // On PostgreSQL the fifth row is held meanwhile, so its settle goes alone and waits, and the next two go together.
        var holder = await db.OpenAsync();
        var hold = provider == "postgres" ? await holder.BeginTransactionAsync() : null;
        if (hold is not null)
        {
            await holder.ExecuteAsync($"SELECT id FROM outbox WHERE id = {fifth} FOR UPDATE", transaction: hold);
        }

        var settles = new[]
        {
            db.Store.CompleteAsync(fifth, new OutboxOutcome.Sent("p-0"), Now, CancellationToken.None),
            db.Store.CompleteAsync(third, new OutboxOutcome.Sent("p-2"), Now, CancellationToken.None),
            db.Store.CompleteAsync(fourth, new OutboxOutcome.Sent("p-2"), Now, CancellationToken.None),
        };
        if (hold is not null)
        {
            await Task.Delay(100);
            await hold.RollbackAsync();
            await hold.DisposeAsync();
        }

        await Task.WhenAll(settles);
        await holder.DisposeAsync();
        if (db.Store is PostgresOutboxStore postgres)
        {
            Assert.Equal(4, postgres.SettleGroups); // the first two alone, the fifth alone, the third and fourth together
        }

        Assert.Equal(5, await db.CountAsync("SELECT COUNT(*) FROM outbox WHERE status = 'sent' AND lease_until IS NULL AND attempts = 1"));
        Assert.Equal("p-1", await db.ScalarAsync<string?>($"SELECT provider_message_id FROM outbox WHERE id = {first}"));
        Assert.Null(await db.ScalarAsync<string?>($"SELECT provider_message_id FROM outbox WHERE id = {second}"));
        Assert.Equal(1, await db.CountAsync($"SELECT COUNT(*) FROM outbox WHERE id IN ({third}, {fourth}) AND provider_message_id = 'p-2'"));
        Assert.Empty(await db.Store.ClaimAsync(Now + TimeSpan.FromMinutes(2), 10, TimeSpan.FromMinutes(1), CancellationToken.None)); // never sent again
    }

    /// <summary>
    /// Group settle on PostgreSQL (issue 15): sent rows that arrive while a settle is on its way to the database go
    /// together in the next statement, one round trip and one commit for all; each caller learns whether its own person
    /// has another row waiting, and each row is settled as a single settle leaves it. With
    /// <c>Storage:SettlesInFlight</c> 0 each row goes in a statement of its own, with the same answers and rows.
    /// </summary>
    [Theory]
    [InlineData(1, 2)]
    [InlineData(0, 0)]
    public async Task OnPostgres_SentRowsArrivingTogether_SettleInOneStatement_EachWithItsOwnAnswer(int settlesInFlight, int groups)
    {
        await using var db = await Db.CreateAsync("postgres", settlesInFlight);
        const int People = 20;
        var rows = new List<long>();
        for (var person = 0; person < People; person++)
        {
            rows.Add(await db.InsertAsync("telegram", $"p{person}", $"hola {person}"));
        }

        var waiting = await db.InsertAsync("telegram", "p7", "otra"); // person 7's next reply waits behind the first
        var claimed = await db.Store.ClaimAsync(Now, 50, TimeSpan.FromMinutes(1), CancellationToken.None);
        Assert.Equal(rows, claimed.Select(m => m.Id));

        // The first row is held by another transaction, so the first settle, which goes alone at once, waits in the
        // database while the other 19 arrive; they go together in the next statement.
        var store = (PostgresOutboxStore)db.Store;
        var before = store.SettleGroups;
        await using var holder = await db.OpenAsync();
        await using var hold = await holder.BeginTransactionAsync();
        await holder.ExecuteAsync($"SELECT id FROM outbox WHERE id = {rows[0]} FOR UPDATE", transaction: hold);
        var first = db.Store.CompleteAsync(rows[0], new OutboxOutcome.Sent($"tg-{rows[0]}"), Now, CancellationToken.None);
        var others = rows.Skip(1).Select(id => db.Store.CompleteAsync(id, new OutboxOutcome.Sent($"tg-{id}"), Now, CancellationToken.None)).ToList();
        await Task.Delay(100);
        Assert.False(first.IsCompleted);
        await hold.RollbackAsync();
        var answers = await Task.WhenAll([first, .. others]);

        Assert.Equal(groups, store.SettleGroups - before);
        Assert.Equal(Enumerable.Range(0, People).Select(person => person == 7), answers);
        Assert.Equal(People, await db.CountAsync("SELECT COUNT(*) FROM outbox WHERE status = 'sent' AND provider_message_id = 'tg-' || id AND payload = '' AND address_cipher IS NULL AND lease_until IS NULL AND attempts = 1 AND last_error IS NULL"));
        Assert.Equal([waiting], (await db.Store.ClaimAsync(Now, 50, TimeSpan.FromMinutes(1), CancellationToken.None)).Select(m => m.Id));
    }

    [Fact]
    public async Task TwoInstances_ClaimingTogether_NeverSendARowTwice_NorTwoRowsOfOneRecipientAtOnce()
    {
        await using var db = await Db.CreateAsync("postgres");
        const int Recipients = 40;
        const int PerRecipient = 5;
        var expected = new List<long>();
        for (var round = 0; round < PerRecipient; round++)
        {
            for (var recipient = 0; recipient < Recipients; recipient++)
            {
                expected.Add(await db.InsertAsync("telegram", $"r{recipient}", $"{recipient}/{round}"));
            }
        }

        // Two instances (two stores, two connection pools), each with eight senders, claim and settle until nothing is due.
        var (otherDatabase, other) = await db.SecondInstanceAsync();
        await using var secondInstance = otherDatabase;
        var sent = new System.Collections.Concurrent.ConcurrentBag<(long Id, string Address, string Text)>();
        var inFlight = new System.Collections.Concurrent.ConcurrentDictionary<string, long>();
        var overlaps = 0;
        async Task SenderAsync(IOutboxStore store)
        {
            var idle = 0;
            while (idle < 5)
            {
                var batch = await store.ClaimAsync(Now, 3, TimeSpan.FromMinutes(5), CancellationToken.None);
                if (batch.Count == 0)
                {
                    idle++;
                    await Task.Delay(20);
                    continue;
                }

                idle = 0;
                foreach (var message in batch)
                {
                    if (!inFlight.TryAdd(message.Address, message.Id))
                    {
                        Interlocked.Increment(ref overlaps);
                    }

                    sent.Add((message.Id, message.Address, message.Reply.Text));
                    await Task.Yield();
                    inFlight.TryRemove(message.Address, out _);
                    await store.CompleteAsync(message.Id, new OutboxOutcome.Sent($"p{message.Id}"), Now, CancellationToken.None);
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, 16).Select(i => Task.Run(() => SenderAsync(i % 2 == 0 ? db.Store : other))));

        Assert.Equal(0, overlaps);
        Assert.Equal(expected.Order(), sent.Select(s => s.Id).Order());
        foreach (var recipient in sent.GroupBy(s => s.Address))
        {
            // Each recipient's messages were handed out in the order they were queued.
            Assert.Equal(recipient.Select(s => s.Id).Order(), recipient.OrderBy(s => int.Parse(s.Text.Split('/')[1], System.Globalization.CultureInfo.InvariantCulture)).Select(s => s.Id));
        }
    }

    [Fact]
    public async Task InstancesStartingTogether_MigrateOnce()
    {
        var server = await PostgresServer.GetAsync();
        var connectionString = await server.CreateDatabaseAsync("migrate");
        var databases = Enumerable.Range(0, 4).Select(_ => new PostgresDatabase(connectionString, TimeProvider.System, NullLogger<PostgresDatabase>.Instance)).ToList();
        try
        {
            await Task.WhenAll(databases.Select(d => d.MigrateAsync(CancellationToken.None)));
            await using var connection = await databases[0].OpenAsync(CancellationToken.None);
            Assert.Equal(PostgresDatabase.Migrations().Select(m => m.Version), await connection.QueryAsync<long>("SELECT version FROM schema_migrations ORDER BY version"));
        }
        finally
        {
            foreach (var database in databases)
            {
                await database.DisposeAsync();
            }
        }
    }

    /// <summary>A fresh database on one provider, its outbox store, and helpers that write rows the way turns do.</summary>
    private sealed class Db : IAsyncDisposable
    {
        public static readonly AddressProtector Protector = new(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());
        private readonly Func<Task<DbConnection>> _open;
        private readonly Func<ValueTask> _dispose;
        private readonly string? _postgres;

        private Db(IOutboxStore store, Func<Task<DbConnection>> open, Func<ValueTask> dispose, string? postgres)
        {
            Store = store;
            _open = open;
            _dispose = dispose;
            _postgres = postgres;
        }

        public IOutboxStore Store { get; }

        /// <summary>The PostgreSQL database's connection string (null on SQLite).</summary>
        public string? ConnectionString => _postgres;

        public static async Task<Db> CreateAsync(string provider, int settlesInFlight = 1)
        {
            if (provider == "postgres")
            {
                var connectionString = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("outbox");
                var database = new PostgresDatabase(connectionString, TimeProvider.System, NullLogger<PostgresDatabase>.Instance);
                await database.MigrateAsync(CancellationToken.None);
                return new Db(new PostgresOutboxStore(database, Protector, Settles(settlesInFlight)), async () => await database.OpenAsync(CancellationToken.None), database.DisposeAsync, connectionString);
            }

            var folder = Directory.CreateTempSubdirectory("oimbot-outbox-").FullName;
            var options = Options.Create(new StorageOptions { ConnectionString = $"Data Source={Path.Combine(folder, "bot.db")}" });
            var sqlite = new SqliteDatabase(options);
            await sqlite.MigrateAsync(CancellationToken.None);
            return new Db(new SqliteOutboxStore(sqlite, Protector), async () => await sqlite.OpenAsync(CancellationToken.None), () =>
            {
                sqlite.Dispose();
                SqliteConnection.ClearAllPools();
                Directory.Delete(folder, recursive: true);
                return ValueTask.CompletedTask;
            }, null);
        }

        private static IOptions<StorageOptions> Settles(int inFlight) => Options.Create(new StorageOptions { SettlesInFlight = inFlight });

        /// <summary>Another instance on the same PostgreSQL database: its own pool and store.</summary>
        public async Task<(PostgresDatabase Database, IOutboxStore Store)> SecondInstanceAsync()
        {
            var database = new PostgresDatabase(_postgres!, TimeProvider.System, NullLogger<PostgresDatabase>.Instance);
            await database.MigrateAsync(CancellationToken.None);
            return (database, new PostgresOutboxStore(database, Protector, Settles(1)));
        }

        public async Task<long> InsertAsync(string channel, string address, string text, string? conversationId = null, DateTimeOffset? window = null)
        {
            await using var connection = await _open();
            await using var transaction = await connection.BeginTransactionAsync();
            var id = await OutboxRows.InsertAsync(connection, transaction, Protector, channel, Protector.Hash(channel, address), Protector.Encrypt(address), conversationId, RenderedReply.Plain(text), null, window, Now);
            await transaction.CommitAsync();
            return id;
        }

        public async Task<DbConnection> OpenAsync() => await _open();

        public static byte[] Hash(string channel, string address) => Protector.Hash(channel, address);

        public async Task SetStatusAsync(long id, string status)
        {
            await using var connection = await _open();
            await connection.ExecuteAsync("UPDATE outbox SET status = @status WHERE id = @id", new { id, status });
        }

        public async Task ConversationAsync(string id, string channel, string address, string language)
        {
            await using var connection = await _open();
            var state = JsonSerializer.Serialize(new ConversationState { Language = language, NodeId = "main-menu", Channel = channel, StartedAt = Now, LastActivityAt = Now }, StorageJson.Default.ConversationState);
            var time = SqlTime.For(connection);
            await connection.ExecuteAsync(
                "INSERT INTO conversations (id, channel, address_hash, address_cipher, state, content_version, created_at, updated_at) VALUES (@id, @channel, @hash, @cipher, @state, 'v1', @at, @at)",
                new { id, channel, hash = Protector.Hash(channel, address), cipher = Protector.Encrypt(address), state, at = time.Write(Now) });
        }

        public async Task<ConversationState> StateAsync(string id)
        {
            await using var connection = await _open();
            return JsonSerializer.Deserialize(await connection.ExecuteScalarAsync<string>("SELECT state FROM conversations WHERE id = @id", new { id }) ?? "null", StorageJson.Default.ConversationState)!;
        }

        public async Task<(string Status, string? Error, string Payload)> RowAsync(long id)
        {
            await using var connection = await _open();
            return await connection.QuerySingleAsync<(string, string?, string)>("SELECT status, last_error, payload FROM outbox WHERE id = @id", new { id });
        }

        public async Task<long> CountAsync(string sql)
        {
            await using var connection = await _open();
            return await connection.ExecuteScalarAsync<long>(sql);
        }

        public async Task<T?> ScalarAsync<T>(string sql)
        {
            await using var connection = await _open();
            return await connection.ExecuteScalarAsync<T>(sql);
        }

        public ValueTask DisposeAsync() => _dispose();
    }
}
