using System.Data.Common;
using System.Globalization;
using OimBot.Bot.Reporting;

namespace OimBot.Bot.Storage;

/// <summary>
/// Turns on PostgreSQL, correct with any number of instances: the person's conversation row is locked
/// (<c>FOR UPDATE</c>) for the turn, after a transaction-scoped advisory lock on the person's address hash, which a
/// first contact, with no row yet, needs: two first messages arriving at two instances make one conversation.
/// </summary>
public sealed class PostgresConversationStore(
    PostgresDatabase database,
    AddressProtector protector,
    AnalyticsRecorder analytics,
    ILogger<PostgresConversationStore> logger,
    Outbox.OutboxSignal? handOff = null,
    TimeProvider? clock = null,
    Microsoft.Extensions.Options.IOptions<StorageOptions>? options = null,
    Operations.BotMetrics? metrics = null) : ConversationStore(protector, analytics, logger, handOff, clock, SettleWaitOnPostgres), IAsyncDisposable
{
    /// <summary>Group commit of the turns that go in one round trip (<see cref="StorageOptions.TurnGroupsInFlight"/>; null: off).</summary>
    internal TurnGroups? Groups { get; } = Observed(
        (options?.Value ?? new StorageOptions()) is { TurnGroupsInFlight: > 0 } settings
            ? new TurnGroups(database.OpenLaneAsync, settings.TurnGroupsInFlight, settings.GroupCommitMax)
            : null,
        metrics);

    /// <summary>Rows read ahead of their turns (<see cref="StorageOptions.ReadAhead"/>; null: off).</summary>
    internal AheadReads? Reads { get; } = Observed(
        (options?.Value ?? new StorageOptions()) is { ReadAhead: true } settings
            ? new AheadReads(database.OpenAsync, lanes: Math.Max(1, settings.TurnGroupsInFlight), settings.GroupCommitMax)
            : null,
        metrics);

    private static AheadReads? Observed(AheadReads? reads, Operations.BotMetrics? metrics)
    {
        if (reads is not null)
        {
            metrics?.ObserveReadsAhead(() => reads.Counts);
        }

        return reads;
    }

    protected override bool ReadsAhead => Reads is not null;

    private protected override Task<AheadRead> ReadAheadAsync(string channel, byte[] hash) =>
        Reads?.ReadAsync(channel, hash) ?? Task.FromResult(default(AheadRead));

    private static TurnGroups? Observed(TurnGroups? groups, Operations.BotMetrics? metrics)
    {
        if (groups is not null)
        {
            metrics?.ObserveTurnGroups(() => groups.Counts);
        }

        return groups;
    }

    public ValueTask DisposeAsync() => Groups?.DisposeAsync() ?? ValueTask.CompletedTask;

    /// <summary>
    /// A turn waits this long at most for the person's previous reply to be settled (<see cref="ConversationStore.SettleWait"/>;
    /// issue 15). On PostgreSQL a reply left for the claim costs a claim transaction of its own after that settle, and
    /// waiting for it measured faster and shorter (BENCHMARKS.md, tenth session). On SQLite the settle and the turn go
    /// through the one writer and share its commits, and waiting made the slowest replies slower: it does not wait.
    /// </summary>
    internal static readonly TimeSpan SettleWaitOnPostgres = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// Decided ahead only while this instance's kept states match the rows (<see cref="ConversationStore.DecidesAheadOnlyWhileRight"/>):
    /// here a decision made inside costs no more, and with several instances the kept state is often another's.
    /// </summary>
    protected override bool DecidesAheadOnlyWhileRight => true;

    /// <summary>A turn's COMMIT goes with its writes when it ends with them (the usual turn: two round trips in all, BEGIN going with the lock; issue 15).</summary>
    protected override SqlTime Time => SqlTime.Postgres;

    protected override Task<T> WriteAsync<T>(Func<StatementBatch, Task<T>> work, CancellationToken cancellationToken) =>
        database.WriteAsync(async (connection, transaction) =>
        {
            var writes = new StatementBatch(connection, transaction, commitWithLast: true);
            var result = await work(writes);
            if (!writes.Committed)
            {
                await transaction.CommitAsync(cancellationToken);
            }

            return result;
        }, cancellationToken, commit: false);

    /// <summary>
    /// A turn that sends its lock with its writes holds no connection of its own until it needs one: its statements go
    /// with other such turns' in a group (<see cref="TurnGroups"/>), or alone on a pooled connection should the group
    /// fail or the turn flush on its way (a case action).
    /// </summary>
    protected override async Task<T> WriteLockedWithWritesAsync<T>(Func<StatementBatch, Task<T>> work, CancellationToken cancellationToken)
    {
        if (Groups is null)
        {
            return await WriteAsync(work, cancellationToken);
        }

        await using var writes = new StatementBatch(database, Groups);
        var result = await work(writes);
        await writes.CommitAsync(cancellationToken);
        return result;
    }

    /// <summary>
    /// The address's advisory lock, the row locked, then the message's dedupe record read and (when asked) the person's
    /// messages looked for in the shared inbound queue, in one round trip. They are separate statements, so each after a
    /// lock takes its snapshot once that lock is granted and sees what the turn it waited for, or an instance's deposit,
    /// committed. The address's lock comes first so that a first contact, which has no row yet, is serialised on the
    /// address before it looks: two first messages arriving at two instances make one conversation, the second finding
    /// the row the first committed. A person with a row takes it too, in a round trip sent anyway. A group of turns
    /// may take an address's lock after rows' (a first contact read ahead goes after the turns on rows, <see cref="ExpectNoneAsync"/>):
    /// that waits only on a turn for the same address, which holds no row of the group's unless the same person has a
    /// turn with a row in that group too (three of one person's messages at once); PostgreSQL's deadlock detection then
    /// fails one of them, and the group's turns run again alone. Bound by position, as the turn's writes are (<see cref="StatementBatch.Command"/>):
    /// Npgsql sends the text as it is.
    /// </summary>
    protected override async Task<LockedConversation> LockConversationAsync(DbConnection connection, DbTransaction transaction, string channel, byte[] hash, byte[]? inboundHash, bool lookInQueue)
    {
        const string Select = $"SELECT {LockedColumns} FROM conversations WHERE channel = @channel AND address_hash = @hash FOR UPDATE";
        await using var batch = new Npgsql.NpgsqlBatch((Npgsql.NpgsqlConnection)connection, (Npgsql.NpgsqlTransaction)transaction);
        var person = new { channel, hash };
        batch.BatchCommands.Add(StatementBatch.Command(AddressLock, new { key = AdvisoryKey(channel, hash) }));
        batch.BatchCommands.Add(StatementBatch.Command(Select, person));
        if (inboundHash is not null)
        {
            batch.BatchCommands.Add(StatementBatch.Command(EarlierReplies, new { channel, inbound = inboundHash }));
        }

        if (lookInQueue)
        {
            batch.BatchCommands.Add(StatementBatch.Command(QueuedForPerson, person));
        }

        await using var reader = await batch.ExecuteReaderAsync();
        await reader.NextResultAsync(); // past the advisory lock's row
        var row = await reader.ReadAsync()
            ? new LockedConversation(reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.IsDBNull(2) ? null : (byte[])reader.GetValue(2))
            : default;
        if (inboundHash is not null)
        {
            await reader.NextResultAsync();
            row = row with { EarlierReplies = await reader.ReadAsync() && !reader.IsDBNull(0) ? reader.GetString(0) : null };
        }

        if (lookInQueue)
        {
            await reader.NextResultAsync();
            row = row with { Queued = await reader.ReadAsync() && reader.GetBoolean(0) };
        }

        return row;
    }

    /// <summary>The transaction-scoped advisory lock on a person's address (<see cref="AdvisoryKey"/>); one row, of no interest.</summary>
    private const string AddressLock = "SELECT pg_advisory_xact_lock(@key)";

    /// <summary>
    /// A turn decided ahead on the state this instance kept sends its lock with its writes and its COMMIT: one round
    /// trip for the whole turn instead of two (issue 15).
    /// </summary>
    protected override bool LocksWithWrites => true;

    /// <summary>
    /// The conversation's row locked, then checked by a separate statement, whose snapshot is taken once the lock is
    /// granted (as <see cref="LockConversationAsync"/>'s are): unless the row still holds the kept state and latest message
    /// ids, the message has no record of an earlier delivery and (when asked) the person nothing waiting in the shared
    /// inbound queue, <c>oimbot_expect</c> raises <see cref="KeptStateChanged"/>, and the statements after it, the COMMIT
    /// among them, do not run.
    /// </summary>
    private protected override async Task ExpectKeptAsync(StatementBatch writes, string channel, byte[] hash, LastStates.Entry kept, byte[]? inboundHash, bool lookInQueue, bool noneHeld)
    {
        // Nothing of the turn is read before its writes now: unless it must flush on the way (a case action), it may
        // go with other such turns (group commit).
        writes.MayGoWithOthers(kept.Id);
        await writes.QueryRowAsync<long>(LockById, new { id = kept.Id }, static _ => { });
        await writes.QueryRowAsync<bool>(
            KeptChecks[Check(lookInQueue, noneHeld)],
            new { id = kept.Id, state = kept.State, recent = kept.RecentInbound, channel, inbound = inboundHash, hash },
            static _ => { });
    }

    /// <summary>
    /// A first contact read ahead (no row then): the address's advisory lock, which a turn locking first takes too, then
    /// a check, whose snapshot is taken once the lock is granted, that there is still no row (nor a record of an earlier
    /// delivery, nor, as asked, anything queued or held); then the writes insert the row. In a group it goes by its
    /// address's key, after the turns on rows (ordered as they are, so two groups take their locks in one order).
    /// </summary>
    private protected override async Task ExpectNoneAsync(StatementBatch writes, string channel, byte[] hash, byte[]? inboundHash, bool lookInQueue, bool noneHeld)
    {
        var key = AdvisoryKey(channel, hash);
        writes.MayGoWithOthers(string.Create(CultureInfo.InvariantCulture, $"~{key:x16}"));
        await writes.QueryRowAsync<long>(AddressLocked, new { key }, static _ => { });
        await writes.QueryRowAsync<bool>(NoneChecks[Check(lookInQueue, noneHeld)], new { channel, hash, inbound = inboundHash }, static _ => { });
    }

    /// <summary>The address's advisory lock, as one row (a count) to read.</summary>
    internal const string AddressLocked = $"SELECT COUNT(*) FROM ({AddressLock}) AS locked";

    private static int Check(bool lookInQueue, bool noneHeld) => (lookInQueue ? 1 : 0) + (noneHeld ? 2 : 0);

    /// <summary>The checks of a kept state, by <see cref="Check"/>: the row as kept, and, as asked, nothing queued and nothing held.</summary>
    private static readonly string[] KeptChecks = Checks(KeptRowHolds);

    /// <summary>The checks of a first contact read ahead, by <see cref="Check"/>.</summary>
    private static readonly string[] NoneChecks = Checks(NoRowHolds);

    private static string[] Checks(string holds) =>
    [
        $"SELECT oimbot_expect({holds})",
        $"SELECT oimbot_expect({holds} AND NOT {PersonQueued})",
        $"SELECT oimbot_expect({holds} AND NOT {PersonHeld})",
        $"SELECT oimbot_expect({holds} AND NOT {PersonQueued} AND NOT {PersonHeld})",
    ];

    /// <summary>Still no row for the person, and no record of an earlier delivery of the message.</summary>
    private const string NoRowHolds =
        "NOT EXISTS (SELECT 1 FROM conversations WHERE channel = @channel AND address_hash = @hash)"
        + " AND NOT EXISTS (SELECT 1 FROM inbound_messages WHERE channel = @channel AND external_id_hash = @inbound)";

    protected override bool IsKeptStateChanged(Exception exception) =>
        exception is Npgsql.PostgresException { SqlState: KeptStateChanged };

    /// <summary>The SQLSTATE <c>oimbot_expect</c> raises (migration 0010).</summary>
    internal const string KeptStateChanged = "OB001";

    /// <summary>The conversation's row locked by its id; one row (a count) whether it is still there or not.</summary>
    internal const string LockById = "SELECT COUNT(*) FROM (SELECT 1 FROM conversations WHERE id = @id FOR UPDATE) AS locked";

    /// <summary>The row still as kept, and no record of an earlier delivery of the message.</summary>
    private const string KeptRowHolds =
        "EXISTS (SELECT 1 FROM conversations WHERE id = @id AND state = @state AND recent_inbound IS NOT DISTINCT FROM @recent)"
        + " AND NOT EXISTS (SELECT 1 FROM inbound_messages WHERE channel = @channel AND external_id_hash = @inbound)";

    /// <summary>A call of the check that holds: it compiles the function in the server process (the pool's prefill).</summary>
    internal const string CompileExpectation = "SELECT oimbot_expect(true)";

    /// <summary>Whether the person has replies held for a closed WhatsApp window (the partial index outbox_held).</summary>
    private const string PersonHeld = "EXISTS (SELECT 1 FROM outbox WHERE channel = @channel AND recipient_hash = @hash AND status = 'held')";

    /// <summary>Whether the person has messages waiting in the shared inbound queue (its index starts with channel and address hash).</summary>
    internal const string QueuedForPerson = $"SELECT {PersonQueued}";

    private const string PersonQueued = "EXISTS (SELECT 1 FROM inbound_queue WHERE channel = @channel AND address_hash = @hash)";

    /// <summary>A 64-bit lock key from the channel and the (already keyed) address hash.</summary>
    private static long AdvisoryKey(string channel, byte[] hash)
    {
        var key = System.Security.Cryptography.SHA256.HashData([.. System.Text.Encoding.UTF8.GetBytes(channel), 0, .. hash]);
        return BitConverter.ToInt64(key, 0);
    }
}
