using System.Data.Common;
using Dapper;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using OimBot.Analytics;
using OimBot.Bot.Channels;
using OimBot.Bot.Dialogs;
using OimBot.Bot.Channels.WebChat;
using OimBot.Bot.Outbox;
using OimBot.Bot.Reporting;
using OimBot.Bot.Storage;
using OimBot.Bot.Tests.TestHost;
using OimBot.Content;

namespace OimBot.Bot.Tests.Storage;

/// <summary>
/// The turn store's contract on both providers (issue 14): state, dedupe, outbox rows and events commit together; a
/// repeated delivery runs once; BORRAR and STOP reach the outbox; purges keep open cases. On PostgreSQL, two instances
/// handling one person's messages at once lose nothing and run each message once.
/// </summary>
public sealed class ConversationStoreContractTests
{
    public static TheoryData<string> Providers => ["sqlite", "postgres"];

    private static readonly DateTimeOffset Now = new(2026, 12, 1, 15, 0, 0, TimeSpan.Zero);

    private static readonly ChannelAddress Ana = new("telegram", "5551001");

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task ATurn_CommitsStateRepliesAndEvents_AndARepeatedDeliveryRunsOnce(string provider)
    {
        await using var db = await Db.CreateAsync(provider);
        var first = await db.Store.RunTurnAsync(Ana, "m1", Now, Count("hola"), CancellationToken.None);
        Assert.False(first.Duplicate);
        Assert.NotNull(first.ConversationId);

        var again = await db.Store.RunTurnAsync(Ana, "m1", Now, _ => throw new InvalidOperationException("a repeated delivery must not run"), CancellationToken.None);
        Assert.True(again.Duplicate);
        Assert.Empty(again.Replies); // a messaging channel's replies are in the outbox: a repeat is only acknowledged
        Assert.Equal(0, await db.CountAsync("SELECT COUNT(*) FROM inbound_messages")); // its id is in the conversation's row
        Assert.Equal(RecentInbound.HashLength, await db.CountAsync("SELECT length(recent_inbound) FROM conversations"));

        var second = await db.Store.RunTurnAsync(Ana, "m2", Now, Count("otra vez"), CancellationToken.None);
        Assert.Equal(first.ConversationId, second.ConversationId);
        Assert.Equal(2, await db.CountAsync("SELECT COUNT(*) FROM outbox WHERE status = 'pending'"));
        Assert.Equal(2, await db.CountAsync("SELECT COUNT(*) FROM analytics_events"));
        Assert.Equal(2, (await db.StateAsync()).Misses);

        // The web chat answers a repeated POST with the same replies, so they are kept for it.
        var web = new ChannelAddress("webchat", "w-1");
        await db.Store.RunTurnAsync(web, "w1", Now, stored => Count("hola web")(stored) with { Delivery = Delivery.InResponse }, CancellationToken.None);
        var webAgain = await db.Store.RunTurnAsync(web, "w1", Now, _ => throw new InvalidOperationException("a repeated delivery must not run"), CancellationToken.None);
        Assert.Equal(["hola web"], webAgain.Replies.Select(r => r.Text));
        Assert.Equal(1, await db.CountAsync("SELECT COUNT(*) FROM inbound_messages")); // the web chat's record, with its replies
    }

    [Fact]
    public async Task OnPostgres_ATurnSendsItsLockAndDedupeCheckTogether_AndItsWritesTogether_AndASettleIsOneStatement()
    {
        using var signal = new OutboxSignal();
        await using var db = await Db.CreateAsync("postgres", signal, countRoundTrips: true);
        await db.Store.RunTurnAsync(Ana, "m1", Now, Count("hola"), CancellationToken.None); // the conversation's row exists from here
        await db.ExecuteAsync("UPDATE outbox SET status = 'sent'"); // nothing of Ana's waits: her next reply can be handed over
        signal.Open(capacity: 4, lease: TimeSpan.FromMinutes(2));
        var roundTrips = db.RoundTrips!;

        // As a webhook's turn runs with several instances: it also looks in the shared inbound queue, in the lock's round trip.
        roundTrips.Reset();
        var turn = await db.Store.RunTurnAsync(Ana, "m2", Now, Count("otra vez"), TurnOptions.YieldToQueue, CancellationToken.None);
        Assert.Equal(2, roundTrips.Count); // BEGIN, the lock with the dedupe check and the queue's; the update, the outbox row, the event and COMMIT
        Assert.False(turn.Duplicate);
        Assert.False(turn.Queued);
        Assert.True(signal.TryTake(out var handed)); // the first reply's row, read from the batch, handed after the commit
        Assert.Equal("otra vez", handed.Message.Reply.Text);

        var outbox = new PostgresOutboxStore((PostgresDatabase)db.Database, Db.Protector, Options.Create(new StorageOptions()));
        var id = await db.ScalarAsync<long>("SELECT MAX(id) FROM outbox");
        roundTrips.Reset();
        await outbox.CompleteAsync(id, new OutboxOutcome.Sent("p-2"), Now, CancellationToken.None);
        Assert.Equal(1, roundTrips.Count);
        Assert.Equal("sent", await db.ScalarAsync<string>($"SELECT status FROM outbox WHERE id = {id}"));
        Assert.Equal(2, await db.CountAsync("SELECT COUNT(*) FROM analytics_events"));
    }

    /// <summary>
    /// Issue 15: a turn decided ahead on the state this instance kept does not lock first and read the row back: the
    /// lock, a check that the row is still as kept (and that nothing the lock's round trip reads is there), the writes
    /// and the COMMIT go in one round trip. A repeated delivery the kept ids recognise locks first, as before.
    /// </summary>
    [Fact]
    public async Task OnPostgres_ATurnDecidedAheadOnTheKeptState_IsOneRoundTrip_ItsLockAndCheckGoingWithItsWrites()
    {
        using var signal = new OutboxSignal();
        await using var db = await Db.CreateAsync("postgres", signal, countRoundTrips: true);
        var store = (ConversationStore)db.Store;
        // Someone else first: the pool's first connection loads its types, and the period's first event reads its salt;
        // their second message opens the connection of the lane that turns like it go through (group commit).
        var someone = new ChannelAddress(Ana.Channel, "5552002");
        await db.Store.RunTurnAsync(someone, "b1", Now, Count("otra"), TurnOptions.PureDecision, CancellationToken.None);
        await db.Store.RunTurnAsync(someone, "b2", Now, Count("otra"), TurnOptions.PureDecision, CancellationToken.None);
        await db.ExecuteAsync("UPDATE outbox SET status = 'sent'");
        var roundTrips = db.RoundTrips!;

        // A first contact: nothing kept, so its row is read ahead, finding none; then the address's lock (serialising on
        // the address), the check that there is still no row, the writes and COMMIT go in one round trip.
        roundTrips.Reset();
        await db.Store.RunTurnAsync(Ana, "m1", Now, Count("hola"), TurnOptions.PureDecision | TurnOptions.YieldToQueue, CancellationToken.None);
        Assert.Equal(2, roundTrips.Count);
        Assert.Equal((3, 0, 2), (store.LockedWithWrites, store.KeptStateChanges, store.ReadAhead)); // someone's first and this
        Assert.Equal(1, (await db.StateAsync(Ana)).Misses);
        await db.ExecuteAsync("UPDATE outbox SET status = 'sent'");
        signal.Open(capacity: 4, lease: TimeSpan.FromMinutes(2));

        roundTrips.Reset();
        var turn = await db.Store.RunTurnAsync(Ana, "m2", Now, Count("otra vez"), TurnOptions.PureDecision | TurnOptions.YieldToQueue, CancellationToken.None);
        Assert.Equal(1, roundTrips.Count); // BEGIN, the lock, the check, the update, the outbox row, the event, COMMIT
        Assert.False(turn.Duplicate);
        Assert.False(turn.Queued);
        Assert.Equal((4, 0, 2), (store.LockedWithWrites, store.KeptStateChanges, store.ReadAhead)); // kept: not read
        Assert.True(signal.TryTake(out var handed)); // handed after the commit, as ever
        Assert.Equal("otra vez", handed.Message.Reply.Text);
        Assert.Equal(2, (await db.StateAsync(Ana)).Misses);
        Assert.Equal(4, await db.CountAsync("SELECT COUNT(*) FROM outbox"));
        Assert.Equal(4, await db.CountAsync("SELECT COUNT(*) FROM analytics_events"));

        // Delivered again: the kept ids hold it, so the turn locks first and finds it in the row; nothing is written, and
        // the transaction that wrote nothing ends with a COMMIT of its own (a repeated delivery is rare: not worth a path).
        roundTrips.Reset();
        Assert.True((await db.Store.RunTurnAsync(Ana, "m2", Now, Count("no"), TurnOptions.PureDecision | TurnOptions.YieldToQueue, CancellationToken.None)).Duplicate);
        Assert.Equal(2, roundTrips.Count);
        Assert.Equal(4, store.LockedWithWrites);
        Assert.Equal(2, (await db.StateAsync(Ana)).Misses);
        Assert.Equal(4, await db.CountAsync("SELECT COUNT(*) FROM outbox"));

        // The next message: one round trip again.
        roundTrips.Reset();
        await db.Store.RunTurnAsync(Ana, "m3", Now, Count("tres"), TurnOptions.PureDecision | TurnOptions.YieldToQueue, CancellationToken.None);
        Assert.Equal(1, roundTrips.Count);
        Assert.Equal((5, 0), (store.LockedWithWrites, store.KeptStateChanges));
        Assert.Equal(3, (await db.StateAsync(Ana)).Misses);
    }

    /// <summary>
    /// Issue 15, group commit on PostgreSQL: turns that go in one round trip and arrive while a group is on its way go
    /// together in the next, one transaction and one round trip for all of them, each with its own outcome (its state,
    /// its reply handed after the commit, its events).
    /// </summary>
    [Fact]
    public async Task OnPostgres_TurnsArrivingWhileAGroupIsOut_GoTogetherInTheNext_EachWithItsOwnOutcome()
    {
        using var signal = new OutboxSignal();
        await using var db = await Db.CreateAsync("postgres", signal, countRoundTrips: true);
        var store = (PostgresConversationStore)db.Store;
        var groups = store.Groups!;
        var people = Enumerable.Range(0, 6).Select(i => new ChannelAddress(Ana.Channel, $"55520{i:00}")).ToArray();
        Task<TurnOutcome> Turn(ChannelAddress who, string id) =>
            db.Store.RunTurnAsync(who, id, Now, Count($"{who.Address}/{id}"), TurnOptions.PureDecision | TurnOptions.YieldToQueue, CancellationToken.None);
        foreach (var person in people)
        {
            await Turn(person, "m1"); // a first contact, read ahead
        }

        await Turn(people[0], "m2");
        var before = groups.Counts;
        await db.ExecuteAsync("UPDATE outbox SET status = 'sent'");
        signal.Open(capacity: 16, lease: TimeSpan.FromMinutes(2));

        // The lane held on its way with one person's turn; the others arrive meanwhile.
        var hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        groups.BeforeEachGroup = () => hold.Task;
        db.RoundTrips!.Reset();
        var first = Turn(people[1], "m2");
        var rest = people[2..].Select(p => Turn(p, "m2")).ToList();
        rest.Add(Turn(people[0], "m3"));
        await WaitUntilAsync(() => groups.Waiting == 5);
        Assert.False(first.IsCompleted);
        groups.BeforeEachGroup = null;
        hold.SetResult();
        var outcomes = await Task.WhenAll([first, .. rest]);

        Assert.Equal((before.Groups + 2, before.Turns + 6, 0L), groups.Counts); // one group of one, then one of five
        Assert.Equal(2, db.RoundTrips.Count);
        Assert.All(outcomes, o => Assert.False(o.Duplicate || o.Queued || o.LeftForClaim));
        Assert.Equal(6 + 1 + 6, store.LockedWithWrites);
        Assert.Equal(3, (await db.StateAsync(people[0])).Misses);
        foreach (var person in people[1..])
        {
            Assert.Equal(2, (await db.StateAsync(person)).Misses);
        }

        // Each reply handed to the dispatcher after its group's commit, once.
        var handed = new List<string>();
        while (signal.TryTake(out var row))
        {
            handed.Add(row.Message.Reply.Text);
        }

        Assert.Equal(
            [$"{people[0].Address}/m3", .. people[1..].Select(p => $"{p.Address}/m2")],
            handed.Order(StringComparer.Ordinal).ToArray());
        Assert.Equal(6 + 7, await db.CountAsync("SELECT COUNT(*) FROM analytics_events"));
        Assert.Equal(0, await db.CountAsync("SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND state LIKE 'idle in transaction%'"));

        // Alone, a turn is a group of one: one round trip, as before.
        db.RoundTrips.Reset();
        await Turn(people[3], "m3");
        Assert.Equal(1, db.RoundTrips.Count);
        Assert.Equal((before.Groups + 3, before.Turns + 7, 0L), groups.Counts);
    }

    /// <summary>
    /// Issue 15: should one turn's check fail in a group (here one person's kept state no longer holds: a caseworker's
    /// action wrote it), nothing of the group commits; that turn runs again locking first, on what is really there, and
    /// the others go again together, as they were decided (they had each run again alone, a round trip each). Once: should
    /// a second turn's check fail then (two stale states), it too runs again locking first and the rest alone.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task OnPostgres_AGroupWithATurnWhoseKeptStateNoLongerHolds_CommitsNothing_AndTheOthersGoAgainTogether(int stale)
    {
        await using var db = await Db.CreateAsync("postgres");
        var store = (PostgresConversationStore)db.Store;
        var groups = store.Groups!;
        var people = Enumerable.Range(0, 4).Select(i => new ChannelAddress(Ana.Channel, $"55530{i:00}")).ToArray();
        Task<TurnOutcome> Turn(ChannelAddress who, string id) =>
            db.Store.RunTurnAsync(who, id, Now, Count($"{who.Address}/{id}"), TurnOptions.PureDecision, CancellationToken.None);
        foreach (var person in people)
        {
            await Turn(person, "m1");
        }
        Assert.Equal(4, store.ReadAhead); // first contacts: no row read ahead, so each went with its writes too
        Assert.Equal(4, store.LockedWithWrites);
        var before = groups.Counts;

        var changedPeople = people[2..(2 + stale)];
        foreach (var person in changedPeople)
        {
            var changed = (await db.StateAsync(person)) with { Misses = 10 };
            await db.ExecuteAsync($"UPDATE conversations SET state = '{System.Text.Json.JsonSerializer.Serialize(changed, StorageJson.Default.ConversationState)}' WHERE address_hash = decode('{Convert.ToHexString(Db.Protector.Hash(Ana.Channel, person.Address))}', 'hex')");
        }

        var hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        groups.BeforeEachGroup = () => hold.Task;
        var first = Turn(people[0], "m2");
        var rest = people[1..].Select(p => Turn(p, "m2")).ToList();
        await WaitUntilAsync(() => groups.Waiting == 3);
        groups.BeforeEachGroup = null;
        hold.SetResult();
        await Task.WhenAll([first, .. rest]);

        Assert.Equal((before.Groups + 3, before.Turns + 6, before.Failed + stale), groups.Counts); // one of one; three that failed; then two (that failed, with two stale)
        Assert.Equal(1, groups.Regrouped); // and went again without that turn, once
        Assert.Equal(stale, store.KeptStateChanges);
        foreach (var person in people)
        {
            Assert.Equal(changedPeople.Contains(person) ? 11 : 2, (await db.StateAsync(person)).Misses);
        }

        Assert.Equal(8, await db.CountAsync("SELECT COUNT(*) FROM outbox"));
        Assert.Equal(8, await db.CountAsync("SELECT COUNT(*) FROM analytics_events"));
        Assert.Equal(0, await db.CountAsync("SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND state LIKE 'idle in transaction%'"));
    }

    /// <summary>
    /// Issue 15: a WhatsApp message opens the person's window again. With nothing held, the waiting rows' new window goes
    /// with the turn's writes, so the turn on a kept state stays one round trip (it was four: a flush, the release, the
    /// extension, the writes) and may go in a group; with replies held, its check fails and it locks first, releasing
    /// them as before.
    /// </summary>
    [Fact]
    public async Task OnPostgres_AWhatsAppTurnOnAKeptState_ExtendsTheWindowInItsOneRoundTrip_AndWithRepliesHeldLocksFirstAndReleasesThem()
    {
        await using var db = await Db.CreateAsync("postgres", countRoundTrips: true);
        var store = (PostgresConversationStore)db.Store;
        var person = new ChannelAddress("whatsapp", "50761234567");
        Task<TurnOutcome> Turn(string id, int hours) =>
            db.Store.RunTurnAsync(person, id, Now, stored => Count(id)(stored) with { Delivery = Delivery.Outbox(Now.AddHours(hours)) }, TurnOptions.PureDecision, CancellationToken.None);
        await Turn("w1", 24); // a first contact, read ahead: its check that there is still no row goes with its writes
        await Turn("w2", 25);
        await db.ExecuteAsync("UPDATE outbox SET status = 'pending'");

        db.RoundTrips!.Reset();
        await Turn("w3", 26);
        Assert.Equal(1, db.RoundTrips.Count);
        Assert.Equal((3, 0), (store.LockedWithWrites, store.KeptStateChanges));
        Assert.Equal(3, await db.CountAsync("SELECT COUNT(*) FROM outbox WHERE status = 'pending' AND window_expires_at = (SELECT MAX(window_expires_at) FROM outbox)"));

        await db.ExecuteAsync("UPDATE outbox SET status = 'held' WHERE id = (SELECT MIN(id) FROM outbox)");
        await Turn("w4", 27);
        Assert.Equal((4, 1), (store.LockedWithWrites, store.KeptStateChanges));
        Assert.Equal(0, await db.CountAsync("SELECT COUNT(*) FROM outbox WHERE status = 'held'"));
        Assert.Equal(4, await db.CountAsync("SELECT COUNT(*) FROM outbox WHERE status = 'pending' AND window_expires_at = (SELECT MAX(window_expires_at) FROM outbox)"));
        Assert.Equal(4, (await db.StateAsync(person)).Misses);

        // Nothing held again: one round trip again.
        db.RoundTrips.Reset();
        await Turn("w5", 28);
        Assert.Equal(1, db.RoundTrips.Count);
        Assert.Equal(1, store.KeptStateChanges);
    }

    /// <summary>Polls <paramref name="condition"/> until it holds; after 20 s the delay's cancellation fails the test.</summary>
    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (!condition())
        {
            await Task.Delay(5, timeout.Token);
        }
    }

    /// <summary>
    /// Issue 15: with nothing kept for a person (another instance served them, they wrote longer ago than the kept
    /// states last, this process restarted) the turn reads the person's row first, without a lock, then goes as a turn
    /// on a kept state: its lock and check with its writes, in one round trip that may be grouped. It locked first
    /// before: two round trips of its own, the row locked while the turn was decided. Their next message, with this
    /// turn's state kept, goes in one round trip without a read.
    /// </summary>
    [Fact]
    public async Task OnPostgres_WithNothingKept_ATurnReadsItsRowAhead_AndTheNextGoesInOneRoundTrip()
    {
        await using var db = await Db.CreateAsync("postgres", countRoundTrips: true);
        var store = (ConversationStore)db.Store;
        var (otherDatabase, other) = await db.SecondInstanceAsync();
        await using var secondInstance = otherDatabase;
        await other.RunTurnAsync(Ana, "m1", Now, Count("uno"), TurnOptions.PureDecision, CancellationToken.None);
        await db.Store.RunTurnAsync(new ChannelAddress(Ana.Channel, "5550000"), "x1", Now, Count("x"), TurnOptions.PureDecision, CancellationToken.None); // the pool's types, the period's salt
        await db.Store.RunTurnAsync(new ChannelAddress(Ana.Channel, "5550000"), "x2", Now, Count("x"), TurnOptions.PureDecision, CancellationToken.None); // the lane's connection

        db.RoundTrips!.Reset();
        Assert.False((await db.Store.RunTurnAsync(Ana, "m2", Now, Count("dos"), TurnOptions.PureDecision, CancellationToken.None)).Duplicate);
        Assert.Equal(2, db.RoundTrips.Count); // the read; the lock, the check, the writes and COMMIT
        Assert.Equal((3, 0, 2), (store.LockedWithWrites, store.KeptStateChanges, store.ReadAhead));

        db.RoundTrips.Reset();
        Assert.False((await db.Store.RunTurnAsync(Ana, "m3", Now, Count("tres"), TurnOptions.PureDecision, CancellationToken.None)).Duplicate);
        Assert.Equal(1, db.RoundTrips.Count);
        Assert.Equal((4, 0, 2), (store.LockedWithWrites, store.KeptStateChanges, store.ReadAhead));
        Assert.Equal(3, (await db.StateAsync(Ana)).Misses);
        Assert.Equal(2, await db.CountAsync("SELECT COUNT(*) FROM conversations"));
        Assert.Equal(5, await db.CountAsync("SELECT COUNT(*) FROM outbox"));
        Assert.Equal(5, await db.CountAsync("SELECT COUNT(*) FROM analytics_events"));
    }

    /// <summary>
    /// Issue 15: reads ahead that arrive while one is on its way go together in the next, one round trip for all of
    /// them (here two channels' people in it, a statement each), each turn given its own row, or none.
    /// </summary>
    [Fact]
    public async Task OnPostgres_ReadsAheadArrivingWhileOneIsOut_GoTogetherInTheNext_EachTurnOnItsOwnRow()
    {
        await using var db = await Db.CreateAsync("postgres", countRoundTrips: true);
        var store = (PostgresConversationStore)db.Store;
        var reads = store.Reads!;
        ChannelAddress[] people = [.. Enumerable.Range(0, 4).Select(i => new ChannelAddress(Ana.Channel, $"55540{i:00}")), new("whatsapp", "50761110000")];
        Task<TurnOutcome> Turn(ChannelAddress who, string id) =>
            db.Store.RunTurnAsync(who, id, Now, Count($"{who.Address}/{id}"), TurnOptions.PureDecision, CancellationToken.None);
        foreach (var person in people[..4])
        {
            await Turn(person, "m1");
            await Turn(person, "m2");
            store.LastStates.Forget(person.Channel, Db.Protector.Hash(person.Channel, person.Address)); // as if another instance served them
        }

        var before = reads.Counts;
        var hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        reads.BeforeEachRead = () => hold.Task;
        db.RoundTrips!.Reset();
        var first = Turn(people[0], "m3");
        var rest = people[1..].Select(p => Turn(p, "m3")).ToList(); // the last a first contact on another channel
        await WaitUntilAsync(() => reads.Waiting == 4);
        reads.BeforeEachRead = null;
        hold.SetResult();
        var outcomes = await Task.WhenAll([first, .. rest]);

        Assert.Equal((before.Reads + 2, before.People + 5), reads.Counts); // one read of one, then one of four
        Assert.All(outcomes, o => Assert.False(o.Duplicate || o.Queued));
        Assert.Equal(0, store.KeptStateChanges); // each decided on its own row (or none) and its check held
        foreach (var person in people[..4])
        {
            Assert.Equal(3, (await db.StateAsync(person)).Misses);
        }

        Assert.Equal(1, (await db.StateAsync(people[4])).Misses);
        Assert.Equal(5, await db.CountAsync("SELECT COUNT(*) FROM conversations"));
    }

    /// <summary>A read ahead that fails is not answered (the turn locks first, where a failure counts): it never throws.</summary>
    [Fact]
    public async Task AReadAheadThatFails_IsNotAnswered()
    {
        var reads = new AheadReads(_ => throw new Npgsql.NpgsqlException("the database is away"), lanes: 1, max: 8);
        var read = await reads.ReadAsync(Ana.Channel, Db.Protector.Hash(Ana.Channel, Ana.Address));
        Assert.Equal(default, read);
        Assert.False(read.Answered);
    }

    /// <summary>
    /// Issue 15: a first contact read ahead finds no row and goes with its writes, its check that there is still none.
    /// Should another instance make the person's conversation meanwhile (their first two messages at two instances at
    /// once), the check fails, nothing of the attempt is left, and the turn runs again locking first, on the row the
    /// other made: one conversation, each turn building on the other's.
    /// </summary>
    [Fact]
    public async Task OnPostgres_AFirstContactReadAhead_WhoseRowAnotherInstanceMadeMeanwhile_RunsAgainOnThatRow()
    {
        await using var db = await Db.CreateAsync("postgres");
        var store = (PostgresConversationStore)db.Store;
        var (otherDatabase, other) = await db.SecondInstanceAsync();
        await using var secondInstance = otherDatabase;
        await db.Store.RunTurnAsync(new ChannelAddress(Ana.Channel, "5550000"), "x1", Now, Count("x"), TurnOptions.PureDecision, CancellationToken.None); // the period's salt read: alone
        var hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        store.Groups!.BeforeEachGroup = () => hold.Task;
        var here = db.Store.RunTurnAsync(Ana, "m1", Now, Count("uno"), TurnOptions.PureDecision, CancellationToken.None);
        await WaitUntilAsync(() => store.ReadAhead == 2 && store.LockedWithWrites == 2);
        await other.RunTurnAsync(Ana, "m2", Now, Count("dos"), TurnOptions.PureDecision, CancellationToken.None);
        store.Groups.BeforeEachGroup = null;
        hold.SetResult();
        Assert.False((await here).Duplicate);

        Assert.Equal(1, store.KeptStateChanges);
        Assert.Equal(2, await db.CountAsync("SELECT COUNT(*) FROM conversations"));
        Assert.Equal(2, (await db.StateAsync(Ana)).Misses); // built on the other's
        Assert.Equal(3, await db.CountAsync("SELECT COUNT(*) FROM outbox"));
        Assert.Equal(3, await db.CountAsync("SELECT COUNT(*) FROM analytics_events"));
        Assert.Equal(0, await db.CountAsync("SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND state LIKE 'idle in transaction%'"));
    }

    /// <summary>
    /// Issue 15: when what the one-round-trip turn expects does not hold, its check fails the transaction before any of
    /// its writes commits, and the turn runs again, locking first, on what is really there: each cause a row.
    /// </summary>
    [Theory]
    [InlineData("state changed")]      // a caseworker's action writes the state too
    [InlineData("another instance")]   // served the person's last message: the state and the row's ids moved on
    [InlineData("earlier delivery")]   // the message has a record of its own (an old id, or a deleting turn's)
    [InlineData("queued")]             // the person's messages kept during an outage wait in the shared queue
    [InlineData("deleted")]            // the conversation is gone (BORRAR on another instance, a purge)
    public async Task OnPostgres_AKeptStateThatNoLongerHolds_FailsTheOneRoundTripTurn_WhichRunsAgainLockingFirst(string cause)
    {
        await using var db = await Db.CreateAsync("postgres");
        var store = (ConversationStore)db.Store;
        using var backlog = new OutageBacklog((PostgresDatabase)db.Database, Db.Protector);
        Task<TurnOutcome> Turn(IConversationStore on, string id, string reply) =>
            on.RunTurnAsync(Ana, id, Now, Count(reply), TurnOptions.PureDecision | TurnOptions.YieldToQueue, CancellationToken.None);
        await Turn(db.Store, "m1", "uno"); // a first contact, read ahead: no row, and its check that there is still none with its writes
        await Turn(db.Store, "m2", "dos");
        Assert.Equal((2, 0), (store.LockedWithWrites, store.KeptStateChanges));
        var conversation = await db.ScalarAsync<string>("SELECT id FROM conversations");

        var (otherDatabase, other) = await db.SecondInstanceAsync();
        await using var secondInstance = otherDatabase;
        switch (cause)
        {
            case "state changed":
                var changed = (await db.StateAsync()) with { Misses = 10 };
                await db.ExecuteAsync($"UPDATE conversations SET state = '{System.Text.Json.JsonSerializer.Serialize(changed, StorageJson.Default.ConversationState)}'");
                break;
            case "another instance":
                await Turn(other, "m-other", "otra");
                break;
            case "earlier delivery":
                await using (var connection = await ((PostgresDatabase)db.Database).OpenAsync(CancellationToken.None))
                {
                    await connection.ExecuteAsync(
                        "INSERT INTO inbound_messages (channel, external_id_hash, conversation_id, received_at, replies) VALUES (@channel, @hash, @conversation, @at, '[]')",
                        new { channel = Ana.Channel, hash = Db.Protector.Hash($"{Ana.Channel}/message", "m3"), conversation, at = Now });
                }

                break;
            case "queued":
                await backlog.DepositAsync(new SpooledMessage(Ana.Channel, Ana.Address, "kept-1", UserMessageKind.Text, "hola", null, true, null, null, Now), TimeSpan.Zero, CancellationToken.None);
                break;
            case "deleted":
                await db.ExecuteAsync("DELETE FROM outbox; DELETE FROM conversations");
                break;
        }

        var (outboxBefore, eventsBefore) = (await db.CountAsync("SELECT COUNT(*) FROM outbox"), await db.CountAsync("SELECT COUNT(*) FROM analytics_events"));
        var outcome = await Turn(db.Store, "m3", "tres");
        Assert.Equal((3, 1), (store.LockedWithWrites, store.KeptStateChanges)); // tried in one round trip, then again

        // What the turn that locks first decides, on what is there; the failed attempt left nothing behind.
        var (misses, written, duplicate, queued) = cause switch
        {
            "state changed" => (11, 1, false, false),
            "another instance" => (4, 1, false, false),
            "earlier delivery" => (2, 0, true, false),
            "queued" => (2, 0, false, true),
            "deleted" => (1, 1, false, false),
            _ => throw new ArgumentOutOfRangeException(nameof(cause)),
        };
        Assert.Equal((duplicate, queued), (outcome.Duplicate, outcome.Queued));
        Assert.Equal(misses, (await db.StateAsync()).Misses);
        Assert.Equal(outboxBefore + written, await db.CountAsync("SELECT COUNT(*) FROM outbox"));
        Assert.Equal(eventsBefore + written, await db.CountAsync("SELECT COUNT(*) FROM analytics_events"));
        Assert.Equal(1, await db.CountAsync("SELECT COUNT(*) FROM conversations"));
        Assert.Equal(0, await db.CountAsync("SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND state = 'idle in transaction (aborted)'"));

        // Within two more messages the instance is back to one round trip per turn, each building on the last.
        await db.ExecuteAsync("DELETE FROM inbound_queue");
        await Turn(db.Store, "m4", "cuatro");
        await Turn(db.Store, "m5", "cinco");
        Assert.Equal(1, store.KeptStateChanges);
        Assert.True(store.LockedWithWrites >= 3, $"{store.LockedWithWrites} turns with their lock in their writes");
        Assert.Equal(misses + 2, (await db.StateAsync()).Misses);
    }

    /// <summary>
    /// Several instances after an outage (issue 14), looked for inside the turn (issue 15: it was a round trip of its own
    /// before every turn): while a person has messages waiting in the shared inbound queue, a turn that yields to it does
    /// nothing at all, whether the person has a conversation yet or not, so their new message can go behind. Other
    /// people are not held up, and the queue's own turns, which do not yield, run.
    /// </summary>
    [Fact]
    public async Task OnPostgres_ATurnThatYieldsToTheQueue_DoesNothingWhileThePersonHasMessagesWaitingThere()
    {
        await using var db = await Db.CreateAsync("postgres");
        using var backlog = new OutageBacklog((PostgresDatabase)db.Database, Db.Protector);
        SpooledMessage Kept(string id) => new(Ana.Channel, Ana.Address, id, UserMessageKind.Text, "hola", null, true, null, null, Now);
        Task<TurnOutcome> Yielding(ChannelAddress who, string id, string reply) =>
            db.Store.RunTurnAsync(who, id, Now, Count(reply), TurnOptions.PureDecision | TurnOptions.YieldToQueue, CancellationToken.None);

        // A first contact kept during the outage, and a new message of hers: nothing is written for the new one.
        await backlog.DepositAsync(Kept("kept-1"), TimeSpan.Zero, CancellationToken.None);
        var queued = await Yielding(Ana, "m1", "uno");
        Assert.True(queued.Queued);
        Assert.Empty(queued.Replies);
        Assert.Equal(0, await db.CountAsync("SELECT COUNT(*) FROM conversations"));
        Assert.Equal(0, await db.CountAsync("SELECT COUNT(*) FROM outbox"));
        Assert.Equal(0, await db.CountAsync("SELECT COUNT(*) FROM analytics_events"));

        // Someone else runs; the queue's own turn for her kept message runs (it does not yield), then it leaves the queue.
        Assert.False((await Yielding(new ChannelAddress(Ana.Channel, "5552002"), "b1", "otra")).Queued);
        Assert.True(await backlog.AnswerNextAsync(async kept =>
            Assert.False((await db.Store.RunTurnAsync(Ana, kept!.ExternalId, Now, Count("hola"), TurnOptions.PureDecision, CancellationToken.None)).Queued), CancellationToken.None));
        Assert.Equal(1, (await db.StateAsync(Ana)).Misses);

        // The queue empty: her new message runs. Queued again with a conversation there: nothing is written again.
        Assert.False((await Yielding(Ana, "m1", "uno")).Queued);
        Assert.Equal(2, (await db.StateAsync(Ana)).Misses);
        await backlog.DepositAsync(Kept("kept-2"), TimeSpan.Zero, CancellationToken.None);
        Assert.True((await Yielding(Ana, "m2", "dos")).Queued);
        Assert.Equal(2, (await db.StateAsync(Ana)).Misses);
        Assert.Equal(3, await db.CountAsync("SELECT COUNT(*) FROM outbox"));
    }

    /// <summary>
    /// Issue 15: a person who answers at once finds their previous reply still being sent by this instance. Until its
    /// outcome is recorded, the new reply could not be handed over (their order) and would wait for a claim after it; so
    /// the turn waits for that record, briefly, and its reply is then handed over. An outcome that does not come soon
    /// holds the turn no longer than <see cref="ConversationStore.SettleWait"/>: its reply then waits for the claim.
    /// </summary>
    [Theory]
    [MemberData(nameof(Providers))]
    public async Task ATurnWaitsBrieflyForThePersonsPreviousReplyToBeSettled_ThenHandsItsOwn(string provider)
    {
        using var signal = new OutboxSignal();
        await using var db = await Db.CreateAsync(provider, signal);
        var store = (ConversationStore)db.Store;
        await store.RunTurnAsync(Ana, "m1", Now, Count("uno"), TurnOptions.PureDecision, CancellationToken.None);
        signal.Open(capacity: 4, lease: TimeSpan.FromMinutes(2));

        // Only PostgreSQL waits by default (on SQLite the settle and the turn share the writer's commits; measured).
        Assert.Equal(provider == "postgres" ? PostgresConversationStore.SettleWaitOnPostgres : TimeSpan.Zero, store.SettleWait);

        // The dispatcher is sending Ana's first reply (played here): her next turn waits for its outcome.
        store.SettleWait = TimeSpan.FromMinutes(5);
        var sending = signal.Sending(Ana.Channel, Ana.Address); // watched: a store that waits asked for it
        Assert.NotNull(sending);
        Assert.Null(signal.SettlingFor(Ana.Channel, "5559999")); // someone else's turn never waits for it
        var second = store.RunTurnAsync(Ana, "m2", Now, Count("dos"), TurnOptions.PureDecision, CancellationToken.None);
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20)))
        {
            while (store.SettleWaits == 0 && !second.IsCompleted)
            {
                await Task.Delay(10, timeout.Token);
            }
        }

        Assert.Equal(1, store.SettleWaits); // it is waiting (for five minutes, unless settled)
        Assert.False(second.IsCompleted);
        Assert.Equal(0, await db.CountAsync("SELECT COUNT(*) FROM outbox WHERE status = 'sending'")); // nothing written yet

        await db.ExecuteAsync("UPDATE outbox SET status = 'sent'"); // the outcome recorded
        signal.Settled(Ana.Channel, Ana.Address, sending);
        var outcome = await second.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.False(outcome.LeftForClaim);
        Assert.True(signal.TryTake(out var handed));
        Assert.Equal("dos", handed.Message.Reply.Text);
        Assert.Null(signal.SettlingFor(Ana.Channel, Ana.Address));

        // An outcome that does not come: the turn goes on after the wait (at once where it does not wait), and its reply
        // waits for the claim behind the one still being sent.
        store.SettleWait = provider == "postgres" ? PostgresConversationStore.SettleWaitOnPostgres : TimeSpan.Zero;
        signal.Sending(Ana.Channel, Ana.Address);
        var third = await store.RunTurnAsync(Ana, "m3", Now, Count("tres"), TurnOptions.PureDecision, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(provider == "postgres" ? 2 : 1, store.SettleWaits);
        Assert.True(third.LeftForClaim);
        Assert.False(signal.TryTake(out _));
        Assert.Equal(["sent", "sending", "pending"], await db.StatusesAsync());
        Assert.Equal(3, (await db.StateAsync()).Misses);
    }

    /// <summary>A turn that fails after its first reply was reserved for the dispatcher gives the room back, wherever it fails.</summary>
    [Theory]
    [InlineData("sqlite", "before")]
    [InlineData("sqlite", "after")]
    [InlineData("postgres", "before")]
    [InlineData("postgres", "after")]
    public async Task ATurnThatFails_HandsNothing_AndGivesTheDispatchersRoomBack(string provider, string where)
    {
        using var signal = new OutboxSignal();
        await using var db = await Db.CreateAsync(provider, signal);
        await db.Store.RunTurnAsync(Ana, "m1", Now, Count("hola"), CancellationToken.None);
        signal.Open(capacity: 4, lease: TimeSpan.FromMinutes(2));

        // "before": the conversation's update fails, ahead of the outbox row; "after": the turn's event, behind it.
        await db.ExecuteAsync((provider, where) switch
        {
            ("sqlite", "before") => "CREATE TRIGGER refuse BEFORE UPDATE ON conversations BEGIN SELECT RAISE(ABORT, 'refused'); END",
            ("postgres", "before") => "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused'; END $$; CREATE TRIGGER refuse BEFORE UPDATE ON conversations FOR EACH ROW EXECUTE FUNCTION refuse()",
            _ => "ALTER TABLE analytics_events RENAME TO analytics_events_gone",
        });

        await Assert.ThrowsAnyAsync<DbException>(() => db.Store.RunTurnAsync(Ana, "m2", Now, Count("otra vez"), CancellationToken.None));
        Assert.False(signal.TryTake(out _));
        Assert.Equal(0, signal.Reserved);
        Assert.Equal(1, await db.CountAsync("SELECT COUNT(*) FROM outbox")); // the first turn's only
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task EveryAnsweredMessage_IsRecognisedWhenDeliveredAgain_TheLatestFromTheConversationsRow_OlderOnesFromRecords(string provider)
    {
        await using var db = await Db.CreateAsync(provider);
        var extra = 5;
        for (var i = 0; i < RecentInbound.Capacity + extra; i++)
        {
            Assert.False((await db.Store.RunTurnAsync(Ana, $"m{i}", Now, Count($"r{i}"), CancellationToken.None)).Duplicate);
        }

        Assert.Equal(RecentInbound.Capacity + extra, (await db.StateAsync()).Misses);
        Assert.Equal(RecentInbound.Capacity * RecentInbound.HashLength, await db.CountAsync("SELECT length(recent_inbound) FROM conversations"));
        Assert.Equal(extra, await db.CountAsync("SELECT COUNT(*) FROM inbound_messages WHERE replies = '[]' AND conversation_id IS NOT NULL")); // the oldest five

        // Every one, in any order, is a repeat: it runs nothing and queues nothing.
        foreach (var i in Enumerable.Range(0, RecentInbound.Capacity + extra).Reverse())
        {
            Assert.True((await db.Store.RunTurnAsync(Ana, $"m{i}", Now, _ => throw new InvalidOperationException($"m{i} ran again"), CancellationToken.None)).Duplicate);
        }

        Assert.Equal(RecentInbound.Capacity + extra, await db.CountAsync("SELECT COUNT(*) FROM outbox"));

        // A damaged list counts as empty and is replaced by the next turn's.
        await db.ExecuteAsync("UPDATE conversations SET recent_inbound = " + (provider == "postgres" ? "'\\x0102'::bytea" : "x'0102'"));
        Assert.False((await db.Store.RunTurnAsync(Ana, "m-new", Now, Count("new"), CancellationToken.None)).Duplicate);
        Assert.True((await db.Store.RunTurnAsync(Ana, "m-new", Now, _ => throw new InvalidOperationException("ran again"), CancellationToken.None)).Duplicate);
        Assert.Equal(RecentInbound.HashLength, await db.CountAsync("SELECT length(recent_inbound) FROM conversations"));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Delete_RemovesTheConversationItsDedupeAndItsOutbox_AndStopCancelsWhatWaits(string provider)
    {
        await using var db = await Db.CreateAsync(provider);
        await db.Store.RunTurnAsync(Ana, "m1", Now, Count("uno"), CancellationToken.None);
        await db.Store.RunTurnAsync(Ana, "m2", Now, stored => Decision(stored!.State with { Stopped = true }, "parado"), CancellationToken.None);
        Assert.Equal(["cancelled", "pending"], await db.StatusesAsync());

        await db.Store.RunTurnAsync(Ana, "m3", Now, _ => Decision(null, "borrado"), CancellationToken.None);
        Assert.Equal(0, await db.CountAsync("SELECT COUNT(*) FROM conversations"));
        Assert.Equal(0, await db.CountAsync("SELECT COUNT(*) FROM inbound_messages WHERE conversation_id IS NOT NULL OR replies <> '[]'"));
        Assert.Equal(["pending"], await db.StatusesAsync()); // only the confirmation, which belongs to no conversation

        // The provider repeats a message from before BORRAR: it was answered, so it starts no new conversation.
        foreach (var id in new[] { "m1", "m2", "m3" })
        {
            Assert.True((await db.Store.RunTurnAsync(Ana, id, Now + TimeSpan.FromHours(30), _ => throw new InvalidOperationException($"{id} ran again"), CancellationToken.None)).Duplicate);
        }

        Assert.Equal(0, await db.CountAsync("SELECT COUNT(*) FROM conversations"));
        Assert.Equal(3, await db.CountAsync("SELECT COUNT(*) FROM inbound_messages")); // keyed hashes of three ids, tied to nothing
    }

    /// <summary>
    /// A session ends (R5) with what it kept, but its messages' ids stay, tied to nothing, for the dedupe window from
    /// its last message: a provider repeating one a day later (Meta retries for up to 7 days) is not answered again as
    /// a first contact; after the window the record goes.
    /// </summary>
    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Purge_EndsASession_ButItsMessagesStayRecognisedForTheDedupeWindow(string provider)
    {
        await using var db = await Db.CreateAsync(provider);
        var web = new ChannelAddress("webchat", "c0ffee");
        for (var i = 0; i < RecentInbound.Capacity + 2; i++)
        {
            await db.Store.RunTurnAsync(Ana, $"m{i}", Now, Count($"r{i}"), CancellationToken.None);
        }

        await db.Store.RunTurnAsync(web, "w1", Now, stored => Count("web")(stored) with { Delivery = Delivery.InResponse }, CancellationToken.None);
        Assert.Equal(1, await db.CountAsync("SELECT COUNT(*) FROM inbound_messages WHERE replies <> '[]'")); // the web chat's, with its replies

        var day = Now + TimeSpan.FromDays(1) + TimeSpan.FromMinutes(1);
        var purge = await db.Retention().PurgeAsync(day - TimeSpan.FromDays(1), day - TimeSpan.FromDays(7), day - TimeSpan.FromDays(7), CancellationToken.None);

        Assert.Equal(2, purge.Sessions);
        Assert.Equal(0, await db.CountAsync("SELECT COUNT(*) FROM conversations"));
        Assert.Equal(RecentInbound.Capacity + 2 + 1, await db.CountAsync("SELECT COUNT(*) FROM inbound_messages WHERE conversation_id IS NULL AND replies = '[]'"));
        foreach (var i in new[] { 0, 1, 2, RecentInbound.Capacity + 1 })
        {
            Assert.True((await db.Store.RunTurnAsync(Ana, $"m{i}", day, _ => throw new InvalidOperationException($"m{i} ran again"), CancellationToken.None)).Duplicate);
        }

        Assert.True((await db.Store.RunTurnAsync(web, "w1", day, _ => throw new InvalidOperationException("w1 ran again"), CancellationToken.None)).Duplicate);
        Assert.Equal(0, await db.CountAsync("SELECT COUNT(*) FROM conversations"));

        // Past the window from the session's last message, nothing of it is left.
        var week = Now + TimeSpan.FromDays(7) + TimeSpan.FromMinutes(1);
        await db.Retention().PurgeAsync(week - TimeSpan.FromDays(1), week - TimeSpan.FromDays(7), week - TimeSpan.FromDays(7), CancellationToken.None);
        Assert.Equal(0, await db.CountAsync("SELECT COUNT(*) FROM inbound_messages"));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Purge_EndsInactiveSessions_ButKeepsOnesWithAnOpenCase(string provider)
    {
        await using var db = await Db.CreateAsync(provider);
        var bea = new ChannelAddress("telegram", "5551002");
        await db.Store.RunTurnAsync(Ana, "m1", Now, Count("uno"), CancellationToken.None);
        var withCase = await db.Store.RunTurnAsync(bea, "m2", Now, stored => Count("caso")(stored) with
        {
            CaseActions = [new CaseAction.Open("avr", HighPriority: false, "es", ["main-menu"], new Dictionary<string, string>())],
        }, CancellationToken.None);
        Assert.True(withCase.CaseChanged);

        var expired = (await db.Retention().PurgeAsync(Now + TimeSpan.FromHours(1), Now + TimeSpan.FromHours(1), Now - TimeSpan.FromDays(1), CancellationToken.None)).Sessions;

        Assert.Equal(1, expired);
        Assert.Equal(1, await db.CountAsync("SELECT COUNT(*) FROM conversations"));
        Assert.Equal(1, await db.CountAsync("SELECT COUNT(*) FROM cases"));
    }

    /// <summary>
    /// A large purge runs in many small transactions (here 10 rows each) and still deletes everything due and nothing
    /// else: sessions with their dedupe records, unfetched web chat messages and held replies; old dedupe records and
    /// settled outbox rows; recent ones and open cases stay.
    /// </summary>
    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Purge_InSmallBatches_DeletesAllThatIsDue_AndNothingElse(string provider)
    {
        await using var db = await Db.CreateAsync(provider);
        var old = Now - TimeSpan.FromDays(3);
        for (var i = 0; i < 37; i++)
        {
            await db.Store.RunTurnAsync(new ChannelAddress("telegram", $"old-{i}"), $"o{i}", old, Count("viejo"), CancellationToken.None);
            await db.Store.RunTurnAsync(new ChannelAddress("webchat", $"web-old-{i}"), null, old, Count("sin leer"), CancellationToken.None);
        }

        for (var i = 0; i < 12; i++)
        {
            await db.Store.RunTurnAsync(new ChannelAddress("telegram", $"new-{i}"), $"n{i}", Now, Count("reciente"), CancellationToken.None);
        }

        await db.Store.RunTurnAsync(new ChannelAddress("telegram", "old-case"), "c1", old, stored => Count("caso")(stored) with
        {
            CaseActions = [new CaseAction.Open("avr", HighPriority: false, "es", ["main-menu"], new Dictionary<string, string>())],
        }, CancellationToken.None);
        await db.ExecuteAsync("UPDATE outbox SET status = 'sent' WHERE channel = 'telegram'");

        var purge = await db.Retention(batch: 10).PurgeAsync(Now - TimeSpan.FromDays(1), Now - TimeSpan.FromDays(2), Now - TimeSpan.FromDays(2), CancellationToken.None);

        Assert.Equal(74, purge.Sessions);
        // Ten rows a transaction: 74 sessions (with their web chat rows) take 8; their 37 message ids, left as records
        // from three days ago, and the open case's, are past the window: 38 take 4; 38 old settled replies 4, and the
        // check for replies that belong to no conversation 1.
        Assert.Equal(8 + 4 + 4 + 1, purge.Transactions);
        Assert.Equal(13, await db.CountAsync("SELECT COUNT(*) FROM conversations")); // the recent ones and the open case
        Assert.Equal(0, await db.CountAsync("SELECT COUNT(*) FROM inbound_messages")); // the recent ones' ids are in their rows
        Assert.Equal(13, await db.CountAsync("SELECT COUNT(*) FROM conversations WHERE length(recent_inbound) = 32"));
        Assert.Equal(0, await db.CountAsync("SELECT COUNT(*) FROM outbox WHERE channel = 'webchat'"));
        Assert.Equal(12, await db.CountAsync("SELECT COUNT(*) FROM outbox")); // the recent replies; old settled ones went
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task CursorsAndTheWebChatMailbox(string provider)
    {
        await using var db = await Db.CreateAsync(provider);
        var cursors = new ChannelCursors(db.Database);
        Assert.Null(await cursors.GetAsync("telegram", CancellationToken.None));
        await cursors.SetAsync("telegram", "41", Now, CancellationToken.None);
        await cursors.SetAsync("telegram", "42", Now, CancellationToken.None);
        Assert.Equal("42", await cursors.GetAsync("telegram", CancellationToken.None));

        var web = new ChannelAddress("webchat", "w-1");
        var mailbox = new WebChatMailbox(db.Database, Db.Protector);
        await db.Store.RunTurnAsync(web, null, Now, Count("para el buzón"), CancellationToken.None);
        await db.Store.RunTurnAsync(web, null, Now, Count("y otro"), CancellationToken.None);
        Assert.Equal(["para el buzón", "y otro"], (await mailbox.TakeAsync("w-1", Now, CancellationToken.None)).Select(r => r.Text));
        Assert.Empty(await mailbox.TakeAsync("w-1", Now, CancellationToken.None));
        Assert.Equal(0, await db.CountAsync("SELECT COUNT(*) FROM outbox WHERE payload <> '' OR address_cipher IS NOT NULL")); // handed over: nothing of it kept
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)] // decided ahead on each instance's own last states, which the other instance's turns make stale
    public async Task TwoInstances_OnePersonsMessagesAtOnce_EachRunsOnce_AndNoneIsLost(bool decisionIsPure)
    {
        await using var db = await Db.CreateAsync("postgres");
        var (otherDatabase, other) = await db.SecondInstanceAsync();
        await using var secondInstance = otherDatabase;
        const int Messages = 40;

        // Every message reaches both instances (a provider's repeated delivery, to another instance), all at once.
        var turns = Enumerable.Range(0, Messages).SelectMany(i => new[] { db.Store, other }.Select(store => Task.Run(() =>
            store.RunTurnAsync(Ana, $"m{i}", Now, Count($"r{i}"), decisionIsPure ? TurnOptions.PureDecision : TurnOptions.None, CancellationToken.None))));
        var outcomes = await Task.WhenAll(turns);

        Assert.Equal(Messages, outcomes.Count(o => !o.Duplicate));
        Assert.Equal(Messages, (await db.StateAsync()).Misses); // no turn lost another's update
        Assert.Equal(1, await db.CountAsync("SELECT COUNT(*) FROM conversations"));
        Assert.Equal(Messages, await db.CountAsync("SELECT COUNT(*) FROM outbox"));
        // Each id remembered once: the latest in the conversation's row, the older ones as records of their own.
        Assert.Equal(RecentInbound.Capacity * RecentInbound.HashLength, await db.CountAsync("SELECT length(recent_inbound) FROM conversations"));
        Assert.Equal(Messages - RecentInbound.Capacity, await db.CountAsync("SELECT COUNT(*) FROM inbound_messages"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)] // nothing kept at either: each locks first, the address's lock with the row's
    public async Task TwoInstances_AFirstContactAtBoth_MakesOneConversation(bool decisionIsPure)
    {
        await using var db = await Db.CreateAsync("postgres");
        var (otherDatabase, other) = await db.SecondInstanceAsync();
        await using var secondInstance = otherDatabase;

        var people = Enumerable.Range(0, 20).Select(i => new ChannelAddress("whatsapp", $"50760{i:D6}")).ToList();
        await Task.WhenAll(people.SelectMany(person => new[] { db.Store, other }.Select((store, n) => Task.Run(() =>
            store.RunTurnAsync(person, $"{person.Address}-{n}", Now, Count("hola"), decisionIsPure ? TurnOptions.PureDecision : TurnOptions.None, CancellationToken.None)))));

        Assert.Equal(people.Count, await db.CountAsync("SELECT COUNT(*) FROM conversations"));
        Assert.Equal(people.Count * 2, await db.CountAsync("SELECT COUNT(*) FROM outbox"));
        foreach (var person in people)
        {
            Assert.Equal(2, (await db.StateAsync(person)).Misses); // the second built on the first
        }
    }

    /// <summary>
    /// Issue 15: with two instances a person's messages alternate between them, so the state each kept is the other's
    /// stale one and a decision made ahead on it is made again inside. PostgreSQL stops trusting its kept states while
    /// that is so, and reads each turn's row ahead instead (one decision per turn, its lock with its writes), and trusts
    /// them again once they are right (one instance serving the person again); every turn still builds on the one before.
    /// </summary>
    [Fact]
    public async Task TwoInstancesTakingTurns_DecideOnce_AndOneInstanceAloneDecidesAheadAgain()
    {
        await using var db = await Db.CreateAsync("postgres");
        var (otherDatabase, other) = await db.SecondInstanceAsync();
        await using var secondInstance = otherDatabase;
        var (first, second) = ((ConversationStore)db.Store, (ConversationStore)other);
        var calls = 0;
        Func<StoredConversation?, TurnDecision> Counted(string reply) => stored =>
        {
            Interlocked.Increment(ref calls);
            return Count(reply)(stored);
        };

        var turn = 0;
        async Task<int> TurnAt(ConversationStore store)
        {
            var before = calls;
            turn++;
            await store.RunTurnAsync(Ana, $"m{turn}", Now, Counted($"r{turn}"), TurnOptions.PureDecision, CancellationToken.None);
            return calls - before;
        }

        Assert.Equal(1, await TurnAt(first)); // a first contact, decided ahead: nothing kept, no row
        var alternating = new List<int>();
        for (var i = 0; i < 24; i++)
        {
            alternating.Add(await TurnAt(i % 2 == 0 ? second : first));
        }

        Assert.Equal(1, alternating[0]); // nothing kept: the row read ahead, decided on it once (which tells nothing of the kept states)
        Assert.Equal(2, alternating[1]); // kept, but stale: decided ahead, then again inside (five such turns on each instance)
        Assert.All(alternating[^10..], n => Assert.Equal(1, n)); // on the row read ahead only
        Assert.False(first.DecidingAhead);
        Assert.False(second.DecidingAhead);
        var (readBefore, withWritesBefore, changesBefore) = (first.ReadAhead + second.ReadAhead, first.LockedWithWrites + second.LockedWithWrites, first.KeptStateChanges + second.KeptStateChanges);
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(1, await TurnAt(i % 2 == 0 ? second : first));
        }

        Assert.Equal(readBefore + 4, first.ReadAhead + second.ReadAhead); // each read ahead
        Assert.Equal(withWritesBefore + 4, first.LockedWithWrites + second.LockedWithWrites); // and its lock with its writes
        Assert.Equal(changesBefore, first.KeptStateChanges + second.KeptStateChanges); // each check held

        var aheadBefore = first.DecidedAhead;
        var alone = new List<int>();
        for (var i = 0; i < 30; i++)
        {
            alone.Add(await TurnAt(first));
        }

        Assert.All(alone, n => Assert.Equal(1, n));
        Assert.True(first.DecidingAhead);
        Assert.True(first.DecidedAhead - aheadBefore >= 10, $"decided ahead {first.DecidedAhead - aheadBefore} times");
        Assert.Equal(turn, (await db.StateAsync()).Misses); // each turn built on the last
    }

    /// <summary>On SQLite (one instance, the writer its serial resource) a turn is decided ahead however often the kept state was stale.</summary>
    [Fact]
    public async Task OnSqlite_StaleKeptStates_NeverStopDecidingAhead()
    {
        await using var db = await Db.CreateAsync("sqlite");
        var store = (ConversationStore)db.Store;
        await store.RunTurnAsync(Ana, "m0", Now, Count("cero"), TurnOptions.PureDecision, CancellationToken.None);
        for (var i = 1; i <= 20; i++)
        {
            store.LastStates.Forget(Ana.Channel, Db.Protector.Hash(Ana.Channel, Ana.Address)); // nothing kept, a row there: stale
            var before = store.DecidedAhead;
            await store.RunTurnAsync(Ana, $"m{i}", Now, Count($"r{i}"), TurnOptions.PureDecision, CancellationToken.None);
            Assert.Equal(before + 1, store.DecidedAhead);
        }

        Assert.True(store.DecidingAhead);
        Assert.Equal(21, (await db.StateAsync()).Misses);
    }

    /// <summary>
    /// Issue 15: a pure decision is made ahead of the transaction, on the state the conversation's last turn left, and
    /// committed only if the locked row still holds that state; otherwise it is made again inside, on the row's state.
    /// </summary>
    [Theory]
    [MemberData(nameof(Providers))]
    public async Task APureDecision_IsMadeAheadOnTheLastState_AndMadeAgainWhenTheRowHoldsAnother(string provider)
    {
        await using var db = await Db.CreateAsync(provider);
        var calls = new List<(int? Misses, bool OnWriter)>();
        Func<StoredConversation?, TurnDecision> Counted(string reply) => stored =>
        {
            lock (calls)
            {
                calls.Add((stored?.State.Misses, Thread.CurrentThread.Name == "SQLite writer"));
            }

            return Count(reply)(stored);
        };

        // A first contact: nothing kept, decided ahead on no conversation, which holds since there is none.
        await db.Store.RunTurnAsync(Ana, "m1", Now, Counted("uno"), TurnOptions.PureDecision, CancellationToken.None);
        Assert.Equal([(null, false)], calls);
        Assert.Equal(1, (await db.StateAsync()).Misses);

        // Nothing kept but a row there (the process restarted, the entry aged out): on SQLite the decision made on no
        // conversation is dropped and the one on the row's state committed; PostgreSQL reads the row ahead and decides
        // once, on it.
        calls.Clear();
        var store = (ConversationStore)db.Store;
        store.LastStates.Forget(Ana.Channel, Db.Protector.Hash(Ana.Channel, Ana.Address));
        await db.Store.RunTurnAsync(Ana, "m0", Now, Counted("cero"), TurnOptions.PureDecision, CancellationToken.None);
        Assert.Equal(provider == "sqlite" ? [(null, false), (1, true)] : [(1, false)], calls);
        Assert.Equal(2, (await db.StateAsync()).Misses);

        // The next message: decided once, ahead (off SQLite's writer thread), on the state the last turn left.
        calls.Clear();
        var second = await db.Store.RunTurnAsync(Ana, "m2", Now, Counted("dos"), TurnOptions.PureDecision, CancellationToken.None);
        Assert.Equal([(2, false)], calls);
        Assert.Equal(3, (await db.StateAsync()).Misses);
        Assert.Single(second.Replies);

        // Delivered again: recognised in the row, whatever was decided ahead; nothing changes.
        Assert.True((await db.Store.RunTurnAsync(Ana, "m2", Now, Counted("no"), TurnOptions.PureDecision, CancellationToken.None)).Duplicate);
        Assert.Equal(3, (await db.StateAsync()).Misses);

        // The row changed behind the store's back (a caseworker's action writes the state too): the decision made ahead
        // on the kept state is dropped, and the one made on the row's state is committed.
        calls.Clear();
        var changed = (await db.StateAsync()) with { Misses = 10 };
        await db.ExecuteAsync($"UPDATE conversations SET state = '{System.Text.Json.JsonSerializer.Serialize(changed, StorageJson.Default.ConversationState)}'");
        await db.Store.RunTurnAsync(Ana, "m3", Now, Counted("tres"), TurnOptions.PureDecision, CancellationToken.None);
        Assert.Equal([(3, false), (10, provider == "sqlite")], calls);
        Assert.Equal(11, (await db.StateAsync()).Misses);

        // A decision that fails ahead (on the stale state) is made inside, where it succeeds; one that fails inside fails the turn.
        await db.ExecuteAsync($"UPDATE conversations SET state = '{System.Text.Json.JsonSerializer.Serialize(changed with { Misses = 20 }, StorageJson.Default.ConversationState)}'");
        Func<StoredConversation?, TurnDecision> failsOnStale = stored => stored!.State.Misses == 11 ? throw new InvalidOperationException("stale") : Count("cuatro")(stored);
        Assert.False((await db.Store.RunTurnAsync(Ana, "m4", Now, failsOnStale, TurnOptions.PureDecision, CancellationToken.None)).Duplicate);
        Assert.Equal(21, (await db.StateAsync()).Misses);
        await Assert.ThrowsAsync<InvalidOperationException>(() => db.Store.RunTurnAsync(Ana, "m5", Now, _ => throw new InvalidOperationException("a bug"), TurnOptions.PureDecision, CancellationToken.None));
        Assert.Equal(21, (await db.StateAsync()).Misses);

        // A repeated delivery is still recognised inside and commits nothing, whatever was decided ahead.
        Assert.True((await db.Store.RunTurnAsync(Ana, "m4", Now, Count("otra"), TurnOptions.PureDecision, CancellationToken.None)).Duplicate);
        Assert.Equal(21, (await db.StateAsync()).Misses);
        Assert.Equal(5, await db.CountAsync("SELECT COUNT(*) FROM outbox"));
        Assert.Equal(0, await db.CountAsync("SELECT COUNT(*) FROM inbound_messages"));
    }

    /// <summary>
    /// Issue 15: the next turn is decided ahead on the state the last turn decided, the object itself, not its JSON read
    /// again. That is the same decision as on the row's JSON only if reading the JSON gives back every field as it was:
    /// checked with every field set, lists, answers and times to the tick in another offset.
    /// </summary>
    [Theory]
    [MemberData(nameof(Providers))]
    public async Task TheNextTurn_IsDecidedOnTheStateTheLastOneLeft_WhichItsJsonReadsBackExactly(string provider)
    {
        await using var db = await Db.CreateAsync(provider);
        var store = (ConversationStore)db.Store;
        var at = new DateTimeOffset(2026, 12, 2, 10, 11, 12, TimeSpan.FromHours(-5)).AddTicks(1_234_567);
        var full = new ConversationState
        {
            Language = "ht",
            Channel = "telegram",
            NodeId = "avr-eligibility",
            History = ["main-menu", "avr"],
            Consented = true,
            Stopped = true,
            Misses = 2,
            Topic = "avr",
            PendingHandoff = "handoff-avr",
            InCase = true,
            DangerSignalled = true,
            Shown = ["avr", "avr-eligibility"],
            PendingTarget = "dangers",
            Candidates = ["avr", "documents"],
            Answers = System.Collections.Immutable.ImmutableDictionary<string, string>.Empty.Add("country", "ve").Add("documents", "no"),
            StartedAt = at,
            LastActivityAt = at.AddMinutes(3),
        };

        await store.RunTurnAsync(Ana, "m1", Now, _ => Decision(full, "uno"), TurnOptions.PureDecision, CancellationToken.None);
        var kept = store.LastStates.Find(Ana.Channel, Db.Protector.Hash(Ana.Channel, Ana.Address));
        Assert.NotNull(kept);
        Assert.Same(full, kept.Decoded);
        Assert.Equal(kept.State, await db.ScalarAsync<string>("SELECT state FROM conversations"));
        var read = System.Text.Json.JsonSerializer.Deserialize(kept.State, StorageJson.Default.ConversationState)!;
        Assert.Equal(kept.State, System.Text.Json.JsonSerializer.Serialize(read, StorageJson.Default.ConversationState));
        Assert.Equal(full with { History = read.History, Shown = read.Shown, Candidates = read.Candidates, Answers = read.Answers }, read);
        Assert.Equal(full.History, read.History);
        Assert.Equal(full.Shown, read.Shown);
        Assert.Equal(full.Candidates, read.Candidates);
        Assert.Equal(full.Answers.OrderBy(a => a.Key), read.Answers.OrderBy(a => a.Key));
        Assert.Equal(at.UtcTicks, read.StartedAt.UtcTicks);
        Assert.Equal(at.Offset, read.StartedAt.Offset);

        ConversationState? seen = null;
        await store.RunTurnAsync(Ana, "m2", Now, stored => { seen = stored!.State; return Count("dos")(stored); }, TurnOptions.PureDecision, CancellationToken.None);
        Assert.Same(full, seen);
        Assert.Equal(3, (await db.StateAsync()).Misses);
    }

    /// <summary>BORRAR (R8): once the conversation is deleted, nothing of its state stays in the store's memory either.</summary>
    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Deleting_ForgetsTheLastState_AndTheNextMessageStartsAfresh(string provider)
    {
        await using var db = await Db.CreateAsync(provider);
        var store = (ConversationStore)db.Store;
        await store.RunTurnAsync(Ana, "m1", Now, Count("uno"), TurnOptions.PureDecision, CancellationToken.None);
        var hash = Db.Protector.Hash(Ana.Channel, Ana.Address);
        Assert.NotNull(store.LastStates.Find(Ana.Channel, hash));

        await store.RunTurnAsync(Ana, "m2", Now, _ => Decision(null, "borrado"), TurnOptions.PureDecision, CancellationToken.None);
        Assert.Null(store.LastStates.Find(Ana.Channel, hash));
        Assert.Equal(0, store.LastStates.Count);

        StoredConversation? seen = new("x", Fresh());
        await store.RunTurnAsync(Ana, "m3", Now, stored => { seen = stored; return Count("hola")(stored); }, TurnOptions.PureDecision, CancellationToken.None);
        Assert.Null(seen);
        Assert.Equal(1, (await db.StateAsync()).Misses);
    }

    /// <summary>Many of one person's messages at once, decided ahead: the writer runs them one by one and none is lost.</summary>
    [Theory]
    [MemberData(nameof(Providers))]
    public async Task OnePersonsMessagesAtOnce_DecidedAhead_EachCountsOnce(string provider)
    {
        await using var db = await Db.CreateAsync(provider);
        await db.Store.RunTurnAsync(Ana, "m0", Now, Count("hola"), TurnOptions.PureDecision, CancellationToken.None);
        const int Messages = 30;
        var outcomes = await Task.WhenAll(Enumerable.Range(1, Messages).Select(i => Task.Run(() =>
            db.Store.RunTurnAsync(Ana, $"m{i}", Now, Count($"r{i}"), TurnOptions.PureDecision, CancellationToken.None))));

        Assert.All(outcomes, o => Assert.False(o.Duplicate));
        Assert.Equal(Messages + 1, (await db.StateAsync()).Misses);
        Assert.Equal(Messages + 1, await db.CountAsync("SELECT COUNT(*) FROM outbox"));
    }

    /// <summary>A turn that counts messages in the state (Misses) and answers <paramref name="reply"/>.</summary>
    /// <summary>
    /// Issue 15, one write on the send path: a turn claims its first reply for a running dispatcher that has room and
    /// hands it over after the commit, so no claim transaction is needed; never ahead of a row already waiting for the
    /// person (their order), never beyond the dispatcher's room, and never without a running dispatcher.
    /// </summary>
    [Theory]
    [MemberData(nameof(Providers))]
    public async Task ATurnHandsItsFirstReplyToTheDispatcher_WhenItHasRoom_AndNeverAheadOfAWaitingRow(string provider)
    {
        using var signal = new OutboxSignal();
        await using var db = await Db.CreateAsync(provider, signal);
        var bea = new ChannelAddress("telegram", "5551002");
        var cara = new ChannelAddress("telegram", "5551003");

        // No dispatcher running: every row waits for a claim, as before.
        await db.Store.RunTurnAsync(cara, "c1", Now, Count("sin despachador"), CancellationToken.None);
        Assert.False(signal.TryTake(out _));
        Assert.Equal(["pending"], await db.StatusesAsync());
        await db.ExecuteAsync("DELETE FROM outbox");

        signal.Open(capacity: 1, lease: TimeSpan.FromMinutes(2));
        var two = await db.Store.RunTurnAsync(Ana, "m1", Now, stored => Count("uno")(stored) with { Replies = [RenderedReply.Plain("uno"), RenderedReply.Plain("dos")] }, CancellationToken.None);
        Assert.False(two.Duplicate);
        Assert.True(signal.TryTake(out var handed));
        Assert.Equal(("uno", Ana.Address, Now + TimeSpan.FromMinutes(2)), (handed.Message.Reply.Text, handed.Message.Address, handed.LeaseUntil));
        Assert.False(signal.TryTake(out _));
        Assert.Equal(1, signal.Reserved);
        Assert.Equal(["sending", "pending"], await db.StatusesAsync()); // "dos" waits behind "uno" for a claim
        Assert.Equal(1, await db.CountAsync("SELECT COUNT(*) FROM outbox WHERE status = 'sending' AND lease_until IS NOT NULL"));

        // The dispatcher is full: Bea's reply waits in the outbox.
        await db.Store.RunTurnAsync(bea, "b1", Now, Count("bea"), CancellationToken.None);
        Assert.False(signal.TryTake(out _));

        // Room again, but Bea already has a row waiting: her next reply goes behind it, not ahead.
        signal.Unreserve();
        await db.Store.RunTurnAsync(bea, "b2", Now, Count("bea otra vez"), CancellationToken.None);
        Assert.False(signal.TryTake(out _));
        Assert.Equal(0, signal.Reserved);
        Assert.Equal(0, await db.CountAsync("SELECT COUNT(*) FROM outbox WHERE status = 'pending' AND lease_until IS NOT NULL")); // waiting rows hold no lease

        // A repeated delivery hands nothing over; a new person with nothing waiting is handed over.
        await db.Store.RunTurnAsync(bea, "b2", Now, _ => throw new InvalidOperationException("a repeated delivery must not run"), CancellationToken.None);
        Assert.False(signal.TryTake(out _));
        await db.Store.RunTurnAsync(cara, "c2", Now, Count("cara"), CancellationToken.None);
        Assert.True(signal.TryTake(out var caras));
        Assert.Equal("cara", caras.Message.Reply.Text);

        // Closed (the dispatcher stopped): nothing more is claimed by turns.
        signal.Unreserve();
        signal.Close();
        await db.Store.RunTurnAsync(new ChannelAddress("telegram", "5551004"), "d1", Now, Count("después"), CancellationToken.None);
        Assert.False(signal.TryTake(out _));
        Assert.Equal(0, signal.Reserved);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Events_CarryNoPerson_ActivityDoes_AndTheMigrationMakesStoredEventsAnonymous(string provider)
    {
        await using var db = await Db.CreateAsync(provider);
        var day = DateOnly.FromDateTime(Now.UtcDateTime);
        AnalyticsEvent Event(EventKind kind, string? node, string? value) => new(kind, "telegram", "es", node, "avr", "v1", day, value);
        await db.Store.RunTurnAsync(Ana, "m1", Now, stored => Decision(Fresh(), "uno") with
        {
            Events = [Event(EventKind.MessageReceived, null, null), Event(EventKind.NodeReached, "avr-info", null), Event(EventKind.SatisfactionGiven, "avr-info", "5")],
            Activity = [new ActivityStep(day, "telegram", "es", "avr", "entered"), new ActivityStep(day, "telegram", "es", "avr", "read")],
        }, CancellationToken.None);

        // Three events, each with its own columns (one multi-row statement), none with a person; two activity rows with one.
        Assert.Equal(3, await db.CountAsync("SELECT COUNT(*) FROM analytics_events WHERE person IS NULL AND period IS NOT NULL AND channel = 'telegram' AND topic = 'avr'"));
        Assert.Equal(1, await db.CountAsync("SELECT COUNT(*) FROM analytics_events WHERE kind = 'SatisfactionGiven' AND node_id = 'avr-info' AND value = '5'"));
        Assert.Equal(1, await db.CountAsync("SELECT COUNT(*) FROM analytics_events WHERE kind = 'MessageReceived' AND node_id IS NULL AND value IS NULL"));
        Assert.Equal(2, await db.CountAsync("SELECT COUNT(*) FROM analytics_activity WHERE person IS NOT NULL"));
        Assert.Equal(1, await db.CountAsync("SELECT COUNT(DISTINCT person) FROM analytics_activity"));

        // A store from before: an event with a pseudonym, and the migration not applied yet.
        var version = Migrations.Of(provider == "postgres" ? "Postgres" : "Sqlite").Single(m => m.Name.EndsWith("_lean_analytics.sql", StringComparison.Ordinal)).Version;
        await db.ExecuteAsync($"DELETE FROM schema_migrations WHERE version = {version}");
        await db.ExecuteAsync("INSERT INTO analytics_events (kind, channel, language, content_version, day, period, person) SELECT kind, channel, language, content_version, day, period, 'a-pseudonym' FROM analytics_events LIMIT 1");
        await db.Database.MigrateAsync(CancellationToken.None);
        Assert.Equal(0, await db.CountAsync("SELECT COUNT(*) FROM analytics_events WHERE person IS NOT NULL"));
        Assert.Equal(4, await db.CountAsync("SELECT COUNT(*) FROM analytics_events"));
        Assert.Equal(2, await db.CountAsync("SELECT COUNT(*) FROM analytics_activity WHERE person IS NOT NULL")); // activity kept as it was
        if (provider == "sqlite")
        {
            // An ordinary table now (see the migration), whose unique key still keeps a step from counting twice.
            Assert.DoesNotContain("WITHOUT ROWID", await db.ScalarAsync<string>("SELECT sql FROM sqlite_master WHERE name = 'analytics_activity'"), StringComparison.OrdinalIgnoreCase);
        }

        await db.Store.RunTurnAsync(Ana, "m2", Now, stored => Decision(stored!.State, "dos") with { Activity = [new ActivityStep(day, "telegram", "es", "avr", "entered")] }, CancellationToken.None);
        Assert.Equal(2, await db.CountAsync("SELECT COUNT(*) FROM analytics_activity"));
        Assert.Equal(0, await db.CountAsync(provider == "postgres"
            ? "SELECT COUNT(*) FROM pg_indexes WHERE indexname = 'analytics_events_person'"
            : "SELECT COUNT(*) FROM sqlite_master WHERE name = 'analytics_events_person'"));
    }

    /// <summary>
    /// Issue 15: a turn decided ahead has its analytics statements built ahead too, once the period's salt is known; they
    /// write what the turn would write inside (the same pseudonym, events and steps). A period's first turn and a
    /// deletion are built inside, where the salt is read or the person's activity deleted.
    /// </summary>
    [Theory]
    [MemberData(nameof(Providers))]
    public async Task AnalyticsStatementsBuiltAhead_WriteWhatTheTurnWouldWriteInside(string provider)
    {
        await using var db = await Db.CreateAsync(provider);
        var day = DateOnly.FromDateTime(Now.UtcDateTime);
        Func<StoredConversation?, TurnDecision> Step(string step, EventKind kind = EventKind.NodeReached) => stored =>
            Count(step)(stored) with
            {
                Events = [new AnalyticsEvent(kind, "telegram", "es", step, "avr", "v1", day)],
                Activity = kind == EventKind.DeleteRequested ? null : [new ActivityStep(day, "telegram", "es", "avr", step)],
            };
        var bea = new ChannelAddress("telegram", "5551777");

        // The period's first turn: its salt is read (created) inside.
        await db.Store.RunTurnAsync(Ana, "a1", Now, Step("entered"), TurnOptions.PureDecision, CancellationToken.None);
        Assert.Equal(0, db.Recorder.BuiltAhead);

        // Then built ahead: Ana's next step, and Bea's first contact.
        await db.Store.RunTurnAsync(Ana, "a2", Now, Step("read"), TurnOptions.PureDecision, CancellationToken.None);
        await db.Store.RunTurnAsync(bea, "b1", Now, Step("entered"), TurnOptions.PureDecision, CancellationToken.None);
        Assert.Equal(2, db.Recorder.BuiltAhead);

        var salt = (await db.ScalarAsync<byte[]>("SELECT salt FROM analytics_periods"))!;
        var pseudonyms = new Pseudonymiser(new byte[32]);
        string Person(ChannelAddress who) => pseudonyms.Person(salt, who.Channel, who.Address);
        Assert.Equal(3, await db.CountAsync("SELECT COUNT(*) FROM analytics_events WHERE node_id IN ('entered', 'read') AND topic = 'avr' AND person IS NULL"));
        Assert.Equal(2, await db.CountAsync($"SELECT COUNT(*) FROM analytics_activity WHERE person = '{Person(Ana)}' AND step IN ('entered', 'read')"));
        Assert.Equal(1, await db.CountAsync($"SELECT COUNT(*) FROM analytics_activity WHERE person = '{Person(bea)}' AND step = 'entered'"));
        Assert.Equal(3, await db.CountAsync("SELECT COUNT(*) FROM analytics_activity"));

        // A step already counted is not counted again, built ahead or not.
        await db.Store.RunTurnAsync(Ana, "a3", Now, Step("read"), TurnOptions.PureDecision, CancellationToken.None);
        Assert.Equal(3, db.Recorder.BuiltAhead);
        Assert.Equal(3, await db.CountAsync("SELECT COUNT(*) FROM analytics_activity"));

        // BORRAR: built inside, and Ana's activity goes; Bea's stays, and the deletion is counted anonymously.
        await db.Store.RunTurnAsync(Ana, "a4", Now, Step("borrar", EventKind.DeleteRequested), TurnOptions.PureDecision, CancellationToken.None);
        Assert.Equal(3, db.Recorder.BuiltAhead);
        Assert.Equal(0, await db.CountAsync($"SELECT COUNT(*) FROM analytics_activity WHERE person = '{Person(Ana)}'"));
        Assert.Equal(1, await db.CountAsync("SELECT COUNT(*) FROM analytics_activity"));
        Assert.Equal(1, await db.CountAsync("SELECT COUNT(*) FROM analytics_events WHERE kind = 'DeleteRequested' AND person IS NULL"));
    }

    private static Func<StoredConversation?, TurnDecision> Count(string reply) =>
        stored => Decision((stored?.State ?? Fresh()) with { Misses = (stored?.State.Misses ?? 0) + 1 }, reply);

    private static ConversationState Fresh() => new() { Language = "es", NodeId = "main-menu", StartedAt = Now, LastActivityAt = Now };

    private static TurnDecision Decision(ConversationState? state, string reply) => new(
        state,
        [RenderedReply.Plain(reply)],
        [new AnalyticsEvent(EventKind.MessageReceived, "telegram", "es", null, null, "v1", DateOnly.FromDateTime(Now.UtcDateTime))],
        [],
        "v1",
        Delivery.Outbox());

    /// <summary>A fresh database on one provider and its turn store.</summary>
    private sealed class Db : IAsyncDisposable
    {
        public static readonly AddressProtector Protector = new(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());
        private readonly Func<Task<DbConnection>> _open;
        private readonly Func<ValueTask> _dispose;
        private readonly string? _postgres;

        private Db(IConversationStore store, IStoreDatabase database, Func<Task<DbConnection>> open, Func<ValueTask> dispose, string? postgres, AnalyticsRecorder recorder)
        {
            Recorder = recorder;
            Store = store;
            Database = database;
            _open = open;
            _dispose = dispose;
            _postgres = postgres;
        }

        public IConversationStore Store { get; }

        /// <summary>The store's analytics recorder.</summary>
        public AnalyticsRecorder Recorder { get; }

        public IStoreDatabase Database { get; }

        public RetentionStore Retention(int batch = 500) => new(Database, Options.Create(new StorageOptions { PurgeBatchSize = batch }));

        private static AnalyticsRecorder Analytics() =>
            new(new Pseudonymiser(new byte[32]), Options.Create(new AnalyticsOptions()), new FakeClock(Now));

        /// <summary>PostgreSQL with <c>countRoundTrips</c>: the relay every connection goes through (<see cref="PostgresRoundTrips"/>).</summary>
        public PostgresRoundTrips? RoundTrips { get; private init; }

        /// <param name="handOff">a dispatcher's hand-off, when the test plays the dispatcher</param>
        /// <param name="countRoundTrips">PostgreSQL: every connection through a relay that counts round trips</param>
        public static async Task<Db> CreateAsync(string provider, OutboxSignal? handOff = null, bool countRoundTrips = false)
        {
            if (provider == "postgres")
            {
                var connectionString = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("turns");
                var relay = countRoundTrips ? PostgresRoundTrips.Start(connectionString) : null;
                var database = new PostgresDatabase(relay?.ConnectionString ?? connectionString, TimeProvider.System, NullLogger<PostgresDatabase>.Instance);
                await database.MigrateAsync(CancellationToken.None);
                var recorder = Analytics();
                var store = new PostgresConversationStore(database, Protector, recorder, NullLogger<PostgresConversationStore>.Instance, handOff);
                return new Db(store, database, async () => await database.OpenAsync(CancellationToken.None), async () =>
                {
                    await store.DisposeAsync();
                    await database.DisposeAsync();
                    if (relay is not null)
                    {
                        await relay.DisposeAsync();
                    }
                }, connectionString, recorder) { RoundTrips = relay };
            }

            var folder = Directory.CreateTempSubdirectory("oimbot-turns-").FullName;
            var sqlite = new SqliteDatabase(Options.Create(new StorageOptions { ConnectionString = $"Data Source={Path.Combine(folder, "bot.db")}" }));
            await sqlite.MigrateAsync(CancellationToken.None);
            var sqliteRecorder = Analytics();
            var sqliteStore = new SqliteConversationStore(sqlite, Protector, sqliteRecorder, NullLogger<SqliteConversationStore>.Instance, handOff);
            return new Db(sqliteStore, sqlite, async () => await sqlite.OpenAsync(CancellationToken.None), () =>
            {
                sqlite.Dispose();
                SqliteConnection.ClearAllPools();
                Directory.Delete(folder, recursive: true);
                return ValueTask.CompletedTask;
            }, null, sqliteRecorder);
        }

        /// <summary>Another instance on the same PostgreSQL database: its own pool and store.</summary>
        public async Task<(PostgresDatabase Database, IConversationStore Store)> SecondInstanceAsync()
        {
            var database = new PostgresDatabase(_postgres!, TimeProvider.System, NullLogger<PostgresDatabase>.Instance);
            await database.MigrateAsync(CancellationToken.None);
            return (database, new PostgresConversationStore(database, Protector, Analytics(), NullLogger<PostgresConversationStore>.Instance));
        }

        /// <summary>The person's conversation state, where several people have one.</summary>
        public async Task<ConversationState> StateAsync(ChannelAddress person)
        {
            await using var connection = await _open();
            var json = await connection.ExecuteScalarAsync<string>(
                "SELECT state FROM conversations WHERE address_hash = @hash", new { hash = Protector.Hash(person.Channel, person.Address) });
            return System.Text.Json.JsonSerializer.Deserialize(json!, StorageJson.Default.ConversationState)!;
        }

        public async Task<ConversationState> StateAsync()
        {
            await using var connection = await _open();
            var json = await connection.ExecuteScalarAsync<string>("SELECT state FROM conversations");
            return System.Text.Json.JsonSerializer.Deserialize(json!, StorageJson.Default.ConversationState)!;
        }

        public async Task<List<string>> StatusesAsync()
        {
            await using var connection = await _open();
            return [.. await connection.QueryAsync<string>("SELECT status FROM outbox ORDER BY id")];
        }

        public async Task<T?> ScalarAsync<T>(string sql)
        {
            await using var connection = await _open();
            return await connection.ExecuteScalarAsync<T>(sql);
        }

        public async Task<long> CountAsync(string sql)
        {
            await using var connection = await _open();
            return await connection.ExecuteScalarAsync<long>(sql);
        }

        public async Task ExecuteAsync(string sql)
        {
            await using var connection = await _open();
            await connection.ExecuteAsync(sql);
        }

        public ValueTask DisposeAsync() => _dispose();
    }
}
