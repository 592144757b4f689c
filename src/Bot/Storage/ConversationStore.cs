using System.Data.Common;
using System.Security.Cryptography;
using System.Text.Json;
using Dapper;
using OimBot.Analytics;
using OimBot.Bot.Dialogs;
using OimBot.Bot.Reporting;
using OimBot.Content;
using OimBot.Bot.Outbox;

namespace OimBot.Bot.Storage;

/// <summary>
/// Turns and what they write, the same on every provider: the conversation's state, the dedupe record, the outbox
/// rows, the case actions and the analytics events of a turn commit in one transaction. A provider supplies its
/// transactions and how a conversation is locked for its turn (<see cref="LockConversationAsync"/>), so that each
/// person's messages are handled one at a time and in order, by any number of instances.
/// </summary>
public abstract partial class ConversationStore(
    AddressProtector protector,
    AnalyticsRecorder analytics,
    ILogger logger,
    OutboxSignal? handOff = null,
    TimeProvider? clock = null,
    TimeSpan settleWait = default) : IConversationStore
{
    /// <summary>
    /// How long a turn waits at most for the outcome of the person's previous reply, which this instance is sending, to
    /// be recorded (see <see cref="RunTurnAsync"/>): a provider's answer and one write, usually; longer, the reply goes
    /// to the claim as before. Zero: never (the provider's choice, measured: PostgreSQL waits, SQLite does not). Settable
    /// for tests. A store that waits has the dispatcher keep its sends by recipient (<see cref="OutboxSignal.WatchSends"/>).
    /// </summary>
    internal TimeSpan SettleWait
    {
        get => _settleWait;
        set => _settleWait = Watched(value, handOff);
    }

    private TimeSpan _settleWait = Watched(settleWait, handOff);

    private static TimeSpan Watched(TimeSpan wait, OutboxSignal? handOff)
    {
        if (wait > TimeSpan.Zero)
        {
            handOff?.WatchSends();
        }

        return wait;
    }

    /// <summary>How many turns have waited for a previous reply's settle (tests observe a turn waiting by it).</summary>
    internal int SettleWaits => Volatile.Read(ref _settleWaits);

    private int _settleWaits;

    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    /// <summary>
    /// Whether a turn is decided ahead only while the states this instance kept have mostly matched the rows its turns
    /// locked (PostgreSQL). With several instances a person's messages go to any of them, and the state one instance
    /// kept is stale whenever another served the person since: the decision made ahead is then made again inside, and
    /// its replies sealed again, for nothing (issue 15: with two instances alternating, every turn decided twice). On
    /// SQLite, one instance, a decision ahead is off the writer's thread, the serial resource, so it always pays.
    /// </summary>
    protected virtual bool DecidesAheadOnlyWhileRight => false;

    /// <summary>
    /// How stale the kept states have been lately: each pure turn adds <see cref="StaleWeight"/> when what was kept for
    /// the person (a state, or nothing) did not match the locked row, and takes one off when it did, within 0 and
    /// <see cref="StaleScoreMax"/>. Above <see cref="StaleScoreLimit"/> (more than about one turn in five stale)
    /// turns are decided inside only; the score is kept either way, so deciding ahead comes back when the kept states
    /// are right again (one instance left, people staying on one instance).
    /// </summary>
    private int _staleScore;

    internal const int StaleWeight = 4;

    internal const int StaleScoreLimit = 16;

    internal const int StaleScoreMax = 32;

    /// <summary>Whether this instance's turns are decided ahead now (see <see cref="DecidesAheadOnlyWhileRight"/>).</summary>
    internal bool DecidingAhead => !DecidesAheadOnlyWhileRight || Volatile.Read(ref _staleScore) <= StaleScoreLimit;

    /// <summary>How many turns were decided ahead (tests).</summary>
    internal long DecidedAhead => Interlocked.Read(ref _decidedAhead);

    private long _decidedAhead;

    private void ScoreKept(bool right)
    {
        int before, after;
        do
        {
            before = Volatile.Read(ref _staleScore);
            after = Math.Clamp(before + (right ? -1 : StaleWeight), 0, StaleScoreMax);
        }
        while (before != after && Interlocked.CompareExchange(ref _staleScore, after, before) != before);
    }

    /// <summary>The state each recently active conversation's last turn left: see <see cref="LastStates"/>.</summary>
    internal LastStates LastStates { get; } = new(clock ?? TimeProvider.System);

    /// <summary>What <see cref="LastStates"/> holds for this person now (the warm-up's view; see <see cref="KeepAgain"/>).</summary>
    internal LastStates.Entry? KeptFor(ChannelAddress address) =>
        LastStates.Find(address.Channel, protector.Hash(address.Channel, address.Address));

    /// <summary>
    /// Puts back an entry taken earlier with <see cref="KeptFor"/> (null: nothing kept): the warm-up's twin so holds what
    /// one of several instances holds when another served the person's last message (Operations/WarmUp.cs).
    /// </summary>
    internal void KeepAgain(ChannelAddress address, LastStates.Entry? entry) =>
        LastStates.Restore(address.Channel, protector.Hash(address.Channel, address.Address), entry);

    /// <summary>
    /// Runs <paramref name="work"/> in one write transaction, given the transaction's statement batch. A provider that
    /// sends statements together may send its COMMIT with the batch's last flush (<see cref="StatementBatch.FlushLastAsync"/>),
    /// and commits itself otherwise.
    /// </summary>
    protected abstract Task<T> WriteAsync<T>(Func<StatementBatch, Task<T>> work, CancellationToken cancellationToken);

    /// <summary>
    /// As <see cref="WriteAsync{T}"/>, for a turn that sends its lock with its writes (<see cref="ExpectKeptAsync"/>): a
    /// provider may send it with other such turns (PostgreSQL's group commit).
    /// </summary>
    protected virtual Task<T> WriteLockedWithWritesAsync<T>(Func<StatementBatch, Task<T>> work, CancellationToken cancellationToken) =>
        WriteAsync(work, cancellationToken);

    /// <summary>How the provider stores times (for statements built ahead of the transaction).</summary>
    protected abstract SqlTime Time { get; }

    /// <summary>
    /// The conversation of <paramref name="hash"/> (id, state JSON and its latest message ids, or nulls for a first contact), locked until the
    /// transaction ends: no other turn for the same person can run meanwhile, a first contact included.
    /// </summary>
    /// <remarks>
    /// With <paramref name="inboundHash"/>, the replies kept for that message id by an earlier delivery are read too, after
    /// the lock (null when there is no record); with <paramref name="lookInQueue"/>, whether the person has messages
    /// waiting in the shared inbound queue (PostgreSQL's only). PostgreSQL sends the statements in one round trip.
    /// </remarks>
    protected abstract Task<LockedConversation> LockConversationAsync(DbConnection connection, DbTransaction transaction, string channel, byte[] hash, byte[]? inboundHash, bool lookInQueue);

    /// <summary>
    /// Whether a turn decided ahead on a kept state may send its lock with its writes (<see cref="ExpectKeptAsync"/>),
    /// one round trip for the whole turn, instead of locking first and reading the row back (PostgreSQL; issue 15).
    /// </summary>
    protected virtual bool LocksWithWrites => false;

    /// <summary>
    /// Adds to <paramref name="writes"/>, ahead of the turn's writes, the conversation's lock and a check that fails the
    /// transaction (<see cref="IsKeptStateChanged"/>) unless the locked row is exactly <paramref name="kept"/> (id, state,
    /// latest message ids), no earlier delivery of <paramref name="inboundHash"/> has a record, and, with
    /// <paramref name="lookInQueue"/>, the person has nothing waiting in the shared inbound queue: what the lock's own
    /// round trip would otherwise have read, checked where it is.
    /// </summary>
    /// <remarks>
    /// With <paramref name="noneHeld"/>, the check fails too should the person have replies held for a closed WhatsApp
    /// window: a turn that opens the window again then has only the waiting rows' window to extend, which goes with its
    /// writes (releasing held replies reads how many went, and notes it on the case, so that turn locks first).
    /// </remarks>
    private protected virtual Task ExpectKeptAsync(StatementBatch writes, string channel, byte[] hash, LastStates.Entry kept, byte[]? inboundHash, bool lookInQueue, bool noneHeld) =>
        throw new NotSupportedException();

    /// <summary>
    /// As <see cref="ExpectKeptAsync"/>, for a person who had no conversation when it was read ahead (a first contact):
    /// the address's lock, then a check that fails the transaction unless there is still none (nor a record of an
    /// earlier delivery, nor, as asked, anything queued or held).
    /// </summary>
    private protected virtual Task ExpectNoneAsync(StatementBatch writes, string channel, byte[] hash, byte[]? inboundHash, bool lookInQueue, bool noneHeld) =>
        throw new NotSupportedException();

    /// <summary>Whether <paramref name="exception"/> is the check of <see cref="ExpectKeptAsync"/> failing.</summary>
    protected virtual bool IsKeptStateChanged(Exception exception) => false;

    /// <summary>
    /// Whether a turn with no kept state this instance can trust (none, or kept states found stale lately: see
    /// <see cref="DecidesAheadOnlyWhileRight"/>) reads its conversation's row before its transaction
    /// (<see cref="ReadAheadAsync"/>) and goes as a turn on a kept state (<see cref="LocksWithWrites"/>).
    /// </summary>
    protected virtual bool ReadsAhead => false;

    /// <summary>The person's row as it is now, read without a lock, in the shape of a kept state, or that there is none; never throws.</summary>
    private protected virtual Task<AheadRead> ReadAheadAsync(string channel, byte[] hash) => Task.FromResult(default(AheadRead));

    /// <summary>How many turns were decided on a row read ahead (tests).</summary>
    internal long ReadAhead => Interlocked.Read(ref _readAhead);

    private long _readAhead;

    /// <summary>How many turns sent their lock with their writes (tests; see <see cref="LocksWithWrites"/>).</summary>
    internal long LockedWithWrites => Interlocked.Read(ref _lockedWithWrites);

    private long _lockedWithWrites;

    /// <summary>How many of those found the row changed and ran again, locking first (tests).</summary>
    internal long KeptStateChanges => Interlocked.Read(ref _keptStateChanges);

    private long _keptStateChanges;

    /// <summary>The conversation's columns a turn reads (all null for a first contact), and the repeated delivery's kept replies, if any.</summary>
    protected internal readonly record struct LockedConversation(string? Id, string? State, byte[]? RecentInbound, string? EarlierReplies)
    {
        /// <summary>The row as the locking SELECT reads it (<see cref="LockedColumns"/>).</summary>
        public LockedConversation(string? id, string? state, byte[]? recentInbound)
            : this(id, state, recentInbound, null)
        {
        }

        /// <summary>The person has messages waiting in the shared inbound queue (looked for only when asked).</summary>
        public bool Queued { get; init; }
    }

    /// <summary>The replies kept for a message id by its earlier delivery (<see cref="LockConversationAsync"/>).</summary>
    protected const string EarlierReplies = "SELECT replies FROM inbound_messages WHERE channel = @channel AND external_id_hash = @inbound";

    /// <summary>The locking SELECT's columns, in <see cref="LockedConversation"/>'s order.</summary>
    protected const string LockedColumns = "id AS Id, state AS State, recent_inbound AS RecentInbound";

    public async Task<TurnOutcome> RunTurnAsync(
        ChannelAddress from,
        string? inboundMessageId,
        DateTimeOffset now,
        Func<StoredConversation?, TurnDecision> decide,
        TurnOptions options,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(decide);
        var addressHash = protector.Hash(from.Channel, from.Address);
        var inboundHash = inboundMessageId is null ? null : protector.Hash($"{from.Channel}/message", inboundMessageId);

        // Sealed here, before the writer: on SQLite its thread is the service's one serial resource (issue 15).
        var sealedAddress = protector.Encrypt(from.Address);

        // The decision too, when it may be made twice: on the state this conversation's last turn left, checked against
        // the locked row inside (see LastStates).
        var pure = options.HasFlag(TurnOptions.PureDecision);
        var kept = pure ? LastStates.Find(from.Channel, addressHash) : null;

        // Nothing kept that can be trusted (another instance served the person last, or no one lately): the row as it
        // is now, read without a lock, serves as the kept state (see AheadReads). A first contact finds none.
        var basis = kept;
        var read = false;
        if (pure && ReadsAhead && (kept is null || !DecidingAhead) && await ReadAheadAsync(from.Channel, addressHash) is { Answered: true } found)
        {
            (basis, read) = (found.Row, true);
            Interlocked.Increment(ref _readAhead);
        }

        var ahead = pure && (DecidingAhead || read) ? DecideAhead(from, basis, decide) : null;

        // The row this turn claims for the dispatcher, if any (see QueueRepliesAsync); reset on each attempt, since a
        // provider may run the work again after a conflict.
        HandedRow? handed = null;
        void GiveBack()
        {
            if (handed is not null)
            {
                handOff!.Unreserve();
                handed = null;
            }
        }

        // The person's previous reply still being sent by this instance (they answered at once): its outcome is
        // usually a moment away, and until it is recorded this turn's reply could not be handed over (their order) and
        // would wait for a claim after it. Waiting for it, briefly, is cheaper.
        if (SettleWait > TimeSpan.Zero && handOff?.SettlingFor(from.Channel, from.Address) is { IsCompleted: false } settling)
        {
            Interlocked.Increment(ref _settleWaits);
            await settling.WaitAsync(SettleWait, _clock, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        // Decided ahead on a kept state or on the row read ahead: on PostgreSQL the lock goes with the writes and the
        // COMMIT, checked there (one round trip); should the row have changed, the transaction fails and the turn runs
        // again, locking first. A row read ahead as absent (a first contact) is checked to be still absent. Not with
        // nothing kept and nothing read: that is a first contact, but as often a person who wrote more than
        // LastStates.MaxAge ago, or to another instance, whose row the check would find (a failed round trip and a
        // rollback more). Nor when the message's id is among the row's latest: a repeated delivery, found inside.
        var withWrites = LocksWithWrites && ahead is not null
            && (basis is not null ? inboundHash is null || !RecentInbound.Contains(basis.RecentInbound, inboundHash) : read);
        TurnOutcome outcome;
        while (true)
        {
            try
            {
                var expect = withWrites ? new Expected(basis) : (Expected?)null;
                async Task<TurnOutcome> Work(StatementBatch writes)
                {
                    GiveBack();
                    return await TurnAsync(writes, from, addressHash, sealedAddress, inboundHash, options.HasFlag(TurnOptions.YieldToQueue), now, decide, ahead, pure ? Kept.Of(kept) : null, expect, row => handed = row);
                }

                outcome = await (expect is null ? WriteAsync(Work, cancellationToken) : WriteLockedWithWritesAsync(Work, cancellationToken));
                if (withWrites)
                {
                    // The check held: the row was as expected. Read ahead, what this instance kept (if anything: nothing
                    // kept tells nothing, since it reads ahead) is scored against it.
                    if (!read || kept is not null)
                    {
                        ScoreKept(right: !read || Kept.Of(kept) == Kept.Of(basis));
                    }
                }

                break;
            }
            catch (Exception ex) when (withWrites && IsKeptStateChanged(ex))
            {
                GiveBack();
                // What was kept before the attempt (which kept what it would have written) is kept again: the turn run
                // again keeps what it writes, and one that writes nothing (a repeated delivery, a message behind the
                // queue) found the row as kept.
                Interlocked.Increment(ref _keptStateChanges);
                LastStates.Restore(from.Channel, addressHash, kept);
                withWrites = false;
            }
            catch
            {
                GiveBack();
                throw;
            }
        }

        // Committed: only now may the reply go out.
        if (handed is not null)
        {
            handOff!.Hand(handed);
        }

        return outcome;
    }

    private async Task<TurnOutcome> TurnAsync(
        StatementBatch writes,
        ChannelAddress from,
        byte[] addressHash,
        byte[] sealedAddress,
        byte[]? inboundHash,
        bool yieldToQueue,
        DateTimeOffset now,
        Func<StoredConversation?, TurnDecision> decide,
        PreparedTurn? ahead,
        Kept? kept,
        Expected? expect,
        Action<HandedRow> claimed)
    {
        // The lock first, then the repeated-delivery check: two instances given the same message at once run it once.
        // An ordinary turn's id is in its conversation's row; a deleting turn's and the web chat's have records.
        // Expecting the kept state (or no row), the lock and the check of what it would have read go with the writes instead.
        LockedConversation row;
        if (expect is { Row: var expected })
        {
            var noneHeld = ReopensWindow(ahead!.Decision, now);
            if (expected is not null)
            {
                await ExpectKeptAsync(writes, from.Channel, addressHash, expected, inboundHash, yieldToQueue, noneHeld);
                row = new LockedConversation(expected.Id, expected.State, expected.RecentInbound);
            }
            else
            {
                await ExpectNoneAsync(writes, from.Channel, addressHash, inboundHash, yieldToQueue, noneHeld);
                row = default;
            }

            Interlocked.Increment(ref _lockedWithWrites);
        }
        else
        {
            row = await LockConversationAsync(writes.Connection, writes.Transaction, from.Channel, addressHash, inboundHash, yieldToQueue);
        }

        if (inboundHash is not null && RecentInbound.Contains(row.RecentInbound, inboundHash))
        {
            return new TurnOutcome(null, [], Duplicate: true);
        }

        if (kept is { } what && expect is null && (what.Id is not null || !ReadsAhead)) // expected, it is scored once the check has held (RunTurnAsync); nothing kept tells nothing to a store that reads ahead
        {
            ScoreKept(string.Equals(what.Id, row.Id, StringComparison.Ordinal) && string.Equals(what.State, row.State, StringComparison.Ordinal));
        }

        if (row.EarlierReplies is { } earlier)
        {
            return new TurnOutcome(null, JsonSerializer.Deserialize(earlier, StorageJson.Default.ListRenderedReply) ?? [], Duplicate: true);
        }

        // Messages of this person kept during an outage are still waiting in the shared queue: this one goes behind them.
        if (row.Queued)
        {
            return new TurnOutcome(null, [], Duplicate: false, LeftForClaim: false, Queued: true);
        }

        // The decision made ahead holds only if it was made on exactly the state locked now.
        // (A first contact's, made on no conversation, holds when there is still none.)
        var prepared = ahead is not null && string.Equals(ahead.Id, row.Id, StringComparison.Ordinal) && string.Equals(ahead.State, row.State, StringComparison.Ordinal)
            ? ahead
            : Prepare(row.Id, row.State, row.Id is null || row.State is null ? null : ReadState(row.Id, row.State), decide);
        var decision = prepared.Decision;

        // Where this message's id is remembered: in the conversation's row, unless the turn deletes the conversation or
        // its replies must be kept for a repeated request (the web chat answers a repeated POST with them).
        var inRow = inboundHash is not null && decision.State is not null && decision.Delivery.ThroughOutbox;
        var (recent, evicted) = inRow ? RecentInbound.Add(row.RecentInbound, inboundHash!) : (row.RecentInbound, null);

        // The turn's writes: on PostgreSQL one round trip for all of them and the commit (see StatementBatch).
        var conversationId = await SaveAsync(writes, from, addressHash, sealedAddress, row.Id, decision, prepared.NewState, recent, now);
        if (conversationId is not null && prepared.NewState is not null)
        {
            LastStates.Keep(from.Channel, addressHash, conversationId, prepared.NewState, decision.State, recent);
        }
        else
        {
            LastStates.Forget(from.Channel, addressHash);
        }

        var leftForClaim = false;
        await QueueRepliesAsync(writes, from, addressHash, sealedAddress, row.Id, conversationId, prepared, now, claimed, () => leftForClaim = true, noneHeld: expect is not null);

        var caseChanged = false;
        if (decision.CaseActions.Count > 0)
        {
            await writes.FlushAsync();
            caseChanged = await CaseTransactions.ApplyAsync(writes.Connection, writes.Transaction, protector, from, conversationId, decision.CaseActions, now);
        }

        await analytics.RecordAsync(writes, from, decision.Events, decision.Activity ?? [], prepared.Analytics);

        if (inboundHash is not null && !inRow)
        {
            await RememberAsync(writes, from.Channel, inboundHash, conversationId, now, RepliesToKeep(decision));
        }
        else if (evicted is not null)
        {
            // Older than the row keeps: a record of its own, kept for Storage:DedupeWindow from now.
            await RememberAsync(writes, from.Channel, evicted, conversationId, now, "[]");
        }

        await writes.FlushLastAsync();
        return new TurnOutcome(conversationId, decision.Replies, Duplicate: false, caseChanged, leftForClaim);
    }

    /// <summary>The person wrote on a channel with a window (WhatsApp): their held replies go out and waiting rows take the new window.</summary>
    private static bool ReopensWindow(TurnDecision decision, DateTimeOffset now) =>
        decision.State is not null && !decision.KeepHeld && decision.Delivery.WindowExpiresAt is { } window && window > now;

    private static Task RememberAsync(StatementBatch writes, string channel, byte[] hash, string? conversationId, DateTimeOffset now, string replies) =>
        writes.ExecuteAsync(
            "INSERT INTO inbound_messages (channel, external_id_hash, conversation_id, received_at, replies) VALUES (@channel, @hash, @conversationId, @at, @replies) ON CONFLICT DO NOTHING",
            new { channel, hash, conversationId, at = writes.Time.Write(now), replies });

    /// <param name="leftForClaim">called when a row is left for the dispatcher's claim (see <see cref="TurnOutcome.LeftForClaim"/>)</param>
    /// <param name="noneHeld">the turn's check holds only if the person has no held replies (<see cref="ExpectKeptAsync"/>)</param>
    private async Task QueueRepliesAsync(StatementBatch writes, ChannelAddress from, byte[] addressHash, byte[] sealedAddress, string? previousId, string? conversationId, PreparedTurn prepared, DateTimeOffset now, Action<HandedRow> claimed, Action leftForClaim, bool noneHeld)
    {
        var decision = prepared.Decision;
        if (decision.State is null && previousId is not null)
        {
            // BORRAR (R8): earlier replies to this conversation go too, sent or not.
            await writes.ExecuteAsync("DELETE FROM outbox WHERE conversation_id = @previousId", new { previousId });
        }

        if (decision.State is { Stopped: true })
        {
            // STOP (R7): nothing queued or held before it goes out; the confirmation below is the last message.
            await OutboxRows.CancelAsync(writes, from.Channel, addressHash, now);
        }
        else if (ReopensWindow(decision, now) && noneHeld)
        {
            // Nothing held (the turn's check makes sure): the waiting rows take the new window, with the writes.
            await writes.ExecuteAsync(OutboxRows.ExtendWindow, new { channel = from.Channel, hash = addressHash, window = writes.Time.Write(decision.Delivery.WindowExpiresAt) });
        }
        else if (ReopensWindow(decision, now) && decision.Delivery.WindowExpiresAt is { } window)
        {
            await writes.FlushAsync();
            if (await OutboxRows.ReopenWindowAsync(writes.Connection, writes.Transaction, protector, from.Channel, addressHash, conversationId, window, now) > 0)
            {
                leftForClaim(); // held replies go out
            }
        }

        if (!decision.Delivery.ThroughOutbox)
        {
            return;
        }

        // The first reply is claimed for this instance's dispatcher and handed to it after the commit, when the
        // dispatcher has room and nothing older waits for this person (their order holds): the usual reply then goes
        // out without a claim transaction. Later replies of the turn wait for the claim, behind the first.
        var callback = decision.Delivery.CallbackQueryId;
        var first = true;
        var sealedReplies = prepared.SealedReplies(protector);
        for (var i = 0; i < decision.Replies.Count; i++)
        {
            var reply = decision.Replies[i];
            var payload = sealedReplies[i];
            if (first && handOff is { IsOpen: true } && handOff.TryReserve())
            {
                var until = now + handOff.Lease;
                var signal = handOff;
                var callbackId = callback;
                await OutboxRows.InsertFirstAsync(
                    writes, payload, from.Channel, addressHash, sealedAddress, conversationId, callback, decision.Delivery.WindowExpiresAt, now, until,
                    inserted =>
                    {
                        if (inserted.Taken)
                        {
                            claimed(new HandedRow(new OutboxMessage(inserted.Id, from.Channel, from.Address, reply, callbackId, 0, decision.Delivery.WindowExpiresAt), until));
                        }
                        else
                        {
                            signal.Unreserve(); // an earlier row of this person still waits: this one goes after it, through the claim
                            leftForClaim();
                        }
                    },
                    ifNeverInserted: signal.Unreserve);
            }
            else
            {
                await OutboxRows.InsertSealedAsync(writes, payload, from.Channel, addressHash, sealedAddress, conversationId, callback, decision.Delivery.WindowExpiresAt, now);
                leftForClaim();
            }

            callback = null;
            first = false;
        }
    }


    private static async Task<string?> SaveAsync(StatementBatch writes, ChannelAddress from, byte[] addressHash, byte[] sealedAddress, string? existingId, TurnDecision decision, string? state, byte[]? recentInbound, DateTimeOffset now)
    {
        if (decision.State is null)
        {
            // BORRAR (R8): the conversation, its cases with their transcripts, and what its dedupe records kept go. The
            // message ids' keyed hashes stay, tied to nothing, for the dedupe window: a provider's repeat of an earlier
            // message must not start a new conversation the person has just deleted.
            if (existingId is not null)
            {
                await writes.ExecuteAsync("UPDATE inbound_messages SET conversation_id = NULL, replies = '[]' WHERE conversation_id = @id", new { id = existingId });
                foreach (var hash in RecentInbound.Each(recentInbound))
                {
                    await RememberAsync(writes, from.Channel, hash, null, now, "[]");
                }

                await writes.ExecuteAsync("DELETE FROM cases WHERE conversation_id = @id", new { id = existingId });
                await writes.ExecuteAsync("DELETE FROM conversations WHERE id = @id", new { id = existingId });
            }

            return null;
        }

        if (existingId is null)
        {
            var id = NewId(now);
            await writes.ExecuteAsync(
                "INSERT INTO conversations (id, channel, address_hash, address_cipher, state, content_version, created_at, updated_at, recent_inbound) VALUES (@id, @channel, @hash, @cipher, @state, @version, @at, @at, @recent)",
                new { id, channel = from.Channel, hash = addressHash, cipher = sealedAddress, state, version = decision.ContentVersion, at = writes.Time.Write(now), recent = recentInbound });
            return id;
        }

        await writes.ExecuteAsync(
            "UPDATE conversations SET state = @state, content_version = @version, updated_at = @at, recent_inbound = @recent WHERE id = @id",
            new { id = existingId, state, version = decision.ContentVersion, at = writes.Time.Write(now), recent = recentInbound });
        return existingId;
    }

    /// <summary>What a turn that sends its lock with its writes expects of the row: as <paramref name="Row"/> holds, or none (null).</summary>
    private readonly record struct Expected(LastStates.Entry? Row);

    /// <summary>What this instance kept for a person before their turn: the conversation's id and state JSON, or nulls for nothing kept.</summary>
    private readonly record struct Kept(string? Id, string? State)
    {
        public static Kept Of(LastStates.Entry? entry) => new(entry?.Id, entry?.State);
    }

    /// <summary>The decision on the state the conversation's last turn left (<paramref name="last"/>), or on none when none is kept (see inside).</summary>
    private PreparedTurn? DecideAhead(ChannelAddress from, LastStates.Entry? last, Func<StoredConversation?, TurnDecision> decide)
    {
        // No state kept: most often a first contact, whose locked "row" is then nothing, and this decision holds. When
        // the person has a row after all (this process restarted, the entry aged out, another instance served them), it
        // is dropped inside and made again on the row: a decision more, off the writer's thread (issue 15: a first
        // contact's decision, the longest of a conversation, took 7 % of SQLite's writer thread).
        ConversationState? state = null;
        // The state itself when the turn that kept it left it (issue 15: reading the JSON again was 2 % of the service's
        // CPU per message); its JSON only after a turn that did not.
        if (last is not null && (state = last.Decoded ?? ReadState(last.Id, last.State, quiet: true)) is null)
        {
            return null; // unreadable here: decided inside, where that is logged
        }

        try
        {
            var prepared = Prepare(last?.Id, last?.State, state, decide);

            // Sealed here too (the replies' encryption), and the analytics statements built, off the writer's thread.
            _ = prepared.SealedReplies(protector);
            prepared.Analytics = analytics.BuildAhead(Time, from, prepared.Decision.Events, prepared.Decision.Activity ?? []);
            Interlocked.Increment(ref _decidedAhead);
            return prepared;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return null; // decided again inside the transaction, where a failure counts
        }
    }

    /// <summary>The decision on a stored state (id, JSON and its reading; nulls for a first contact), with the new state's JSON.</summary>
    private static PreparedTurn Prepare(string? id, string? json, ConversationState? state, Func<StoredConversation?, TurnDecision> decide)
    {
        var decision = decide(state is null ? null : new StoredConversation(id!, state));
        var newState = decision.State is null ? null : JsonSerializer.Serialize(decision.State, StorageJson.Default.ConversationState);
        return new PreparedTurn(id, json, decision, newState);
    }

    /// <summary>A decision and what the transaction writes of it, computed before the writes.</summary>
    /// <param name="Id">the conversation it was decided on (null: a first contact)</param>
    /// <param name="State">the state JSON it was decided on</param>
    /// <param name="NewState">the decided state's JSON (null: the conversation is deleted)</param>
    private sealed class PreparedTurn(string? id, string? state, TurnDecision decision, string? newState)
    {
        private string[]? _sealed;

        public string? Id => id;

        public string? State => state;

        public TurnDecision Decision => decision;

        public string? NewState => newState;

        /// <summary>The turn's analytics statements, when they could be built ahead (null: built inside).</summary>
        public AnalyticsRecorder.Statements? Analytics { get; set; }

        /// <summary>Each reply sealed for the outbox, once.</summary>
        public string[] SealedReplies(AddressProtector protector) =>
            _sealed ??= Decision.Delivery.ThroughOutbox ? [.. Decision.Replies.Select(r => OutboxRows.Seal(protector, r))] : [];
    }

    /// <summary>
    /// What a repeated delivery is answered with: the replies themselves only where they travel in the response (the
    /// web chat answers a repeated POST with them). A messaging channel's replies are in the outbox already, and a
    /// repeat is only acknowledged, so its dedupe record stays a few bytes (a message's text would make it a kilobyte).
    /// </summary>
    private static string RepliesToKeep(TurnDecision decision) =>
        decision.Delivery.ThroughOutbox ? "[]" : JsonSerializer.Serialize(decision.Replies.ToList(), StorageJson.Default.ListRenderedReply);

    protected ConversationState? ReadState(string id, string json, bool quiet = false)
    {
        try
        {
            return JsonSerializer.Deserialize(json, StorageJson.Default.ConversationState);
        }
        catch (JsonException)
        {
            if (!quiet)
            {
                LogUnreadableState(logger, id);
            }

            return null; // the user starts again rather than being stuck
        }
    }

    internal static IEnumerable<(long Version, string Name, string Sql)> Migrations(string provider) => Storage.Migrations.Of(provider);

    internal static string NewId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    /// <summary>
    /// A conversation's id: the creation time's milliseconds, then 80 random bits (ordered as a UUIDv7 is). Dedupe
    /// records and outbox rows are indexed by conversation, and a turn's entries then go near other recent
    /// conversations' instead of onto a random page of an index that grows with the store (issue 15). It tells no
    /// more than the conversation's created_at already does.
    /// </summary>
    internal static string NewId(DateTimeOffset createdAt)
    {
        Span<byte> id = stackalloc byte[16];
        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(id, Math.Max(0, createdAt.ToUnixTimeMilliseconds()) << 16);
        RandomNumberGenerator.Fill(id[6..]);
        return Convert.ToHexStringLower(id);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Conversation {ConversationId} had a state this version cannot read; it starts again")]
    private static partial void LogUnreadableState(ILogger logger, string conversationId);
}
