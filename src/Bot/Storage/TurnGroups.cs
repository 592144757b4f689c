using System.Collections.Concurrent;
using Npgsql;

namespace OimBot.Bot.Storage;

/// <summary>
/// Group commit on PostgreSQL (issue 15). A turn decided ahead on the state this instance kept is one round trip: its
/// lock, the check that the row is still as kept, its writes and its COMMIT (<see cref="ConversationStore"/>). What a
/// round trip costs the service is mostly fixed (the socket, the wake-ups; BENCHMARKS.md, thirty-second session), so
/// such turns that arrive while one group is on its way go together in the next: one transaction, one round trip, one
/// commit for all of them, on a connection the lane keeps (outside the pool, with the turns' statements prepared on it);
/// a turn waiting for a lane holds no connection (<see cref="StatementBatch(PostgresDatabase, TurnGroups)"/>). Nothing
/// waits for company: a turn that finds a lane free goes at once. Each turn's statements run as they would alone,
/// ordered by the conversation each locks (a first contact by its address's key, after them), so two groups (two
/// lanes, two instances) lock rows in one order and cannot deadlock. Should a turn's check fail (its kept state no
/// longer holds), nothing of the group commits, that turn is answered with the failure and the others go again
/// together, once; should anything else fail (or a second check), each of its turns runs again alone, on its own
/// connection, to its own outcome.
/// </summary>
public sealed class TurnGroups : IAsyncDisposable
{
    /// <param name="open">Opens a lane's connection (unpooled; kept while it works).</param>
    /// <param name="lanes">How many groups may be on their way at once (<see cref="StorageOptions.TurnGroupsInFlight"/>).</param>
    /// <param name="max">At most this many turns in one group (<see cref="StorageOptions.GroupCommitMax"/>).</param>
    public TurnGroups(Func<CancellationToken, Task<NpgsqlConnection>> open, int lanes, int max)
    {
        _open = open;
        _lanes = new GroupLanes<Member>(RunAsync, static (group, _) => AloneEach(group), lanes, max);
    }

    private readonly Func<CancellationToken, Task<NpgsqlConnection>> _open;

    private readonly GroupLanes<Member> _lanes;

    /// <summary>A transaction waiting to go with others: its statements, and once they committed, the rows they read.</summary>
    internal sealed class Member(string key, StatementBatch.Pending[] statements)
    {
        public string Key => key;

        public StatementBatch.Pending[] Statements => statements;

        /// <summary>Each statement's row (null for those that return none), once committed.</summary>
        public object?[] Rows { get; set; } = [];

        /// <summary>True: committed with the group; false: the group failed, run alone.</summary>
        public TaskCompletionSource<bool> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>Lane connections not in use now.</summary>
    private readonly ConcurrentBag<NpgsqlConnection> _idle = [];

    private int _disposed;

    /// <summary>How many groups went to the database (a group sent again without a failed turn counts again), how many turns went in them, and how many groups failed (tests, the benchmark).</summary>
    internal (long Groups, long Turns, long Failed) Counts => (Interlocked.Read(ref _groups), Interlocked.Read(ref _turns), Interlocked.Read(ref _failed));

    private long _groups;
    private long _turns;
    private long _failed;

    /// <summary>How many groups went again without a turn whose check failed (tests).</summary>
    internal long Regrouped => Interlocked.Read(ref _regrouped);

    private long _regrouped;

    /// <summary>How many turns wait for a lane now (tests).</summary>
    internal int Waiting => _lanes.Waiting;

    /// <summary>Awaited before each group is sent (tests hold a lane with it).</summary>
    internal Func<Task>? BeforeEachGroup { get; set; }

    /// <summary>Sends <paramref name="member"/>'s statements with any that queue meanwhile; true once committed, false to run alone.</summary>
    internal Task<bool> CommitAsync(Member member)
    {
        _lanes.Add(member);
        return member.Done.Task;
    }

    /// <summary>
    /// One group: its turns' statements in one transaction, ordered by what each locks, and one COMMIT. Should one turn's
    /// check fail (its row is no longer as it expected), that turn alone is answered with the failure (it runs again,
    /// locking first) and the others go again together, once: a round trip more for all of them, not one for each.
    /// Should a second fail then, it too is answered with the failure and the rest run alone.
    /// </summary>
    private async Task RunAsync(IReadOnlyList<Member> group)
    {
        List<Member> ordered = group.Count == 1 ? [group[0]] : [.. group.OrderBy(m => m.Key, StringComparer.Ordinal)]; // stable: one person's turns keep their order
        var again = false;
        while (ordered.Count > 0)
        {
            Interlocked.Increment(ref _groups); // each attempt a group sent
            Interlocked.Add(ref _turns, ordered.Count);
            var statements = new List<StatementBatch.Pending>(ordered.Sum(m => m.Statements.Length) + 1);
            foreach (var member in ordered)
            {
                statements.AddRange(member.Statements);
            }

            statements.Add(StatementBatch.CommitStatement);
            var connection = _idle.TryTake(out var idle) ? idle : null;
            try
            {
                if (BeforeEachGroup is { } before)
                {
                    await before();
                }

                connection ??= await _open(CancellationToken.None);
                object?[] rows;
                await using (var transaction = await connection.BeginTransactionAsync())
                {
                    rows = await StatementBatch.RunAsync(connection, transaction, statements);
                }

                var at = 0;
                foreach (var member in ordered)
                {
                    member.Rows = rows[at..(at + member.Statements.Length)];
                    at += member.Statements.Length;
                }

                Keep(connection);
                foreach (var member in ordered)
                {
                    member.Done.TrySetResult(true);
                }

                return;
            }
            catch (Exception ex)
            {
                Interlocked.Increment(ref _failed);
                if (connection is not null)
                {
                    if (connection.FullState == System.Data.ConnectionState.Open)
                    {
                        Keep(connection); // the transaction was rolled back as it was disposed
                    }
                    else
                    {
                        await connection.DisposeAsync();
                    }
                }

                if (ex is PostgresException { SqlState: PostgresConversationStore.KeptStateChanged } changed
                    && changed.Data[StatementBatch.FailedStatement] is int index
                    && MemberAt(ordered, index) is { } failed)
                {
                    failed.Done.TrySetException(changed);
                    ordered.Remove(failed);
                    if (!again)
                    {
                        // Once: should another turn fail too, the group's turns were decided on states gone stale
                        // together, and one after another would each cost the rest a round trip.
                        again = true;
                        Interlocked.Increment(ref _regrouped);
                        continue;
                    }
                }

                AloneEach(ordered);
                return;
            }
        }
    }

    /// <summary>The member whose statements hold the group's statement <paramref name="index"/> (null: none, the COMMIT).</summary>
    private static Member? MemberAt(List<Member> ordered, int index)
    {
        foreach (var member in ordered)
        {
            if (index < member.Statements.Length)
            {
                return index >= 0 ? member : null;
            }

            index -= member.Statements.Length;
        }

        return null;
    }

    private static void AloneEach(IReadOnlyList<Member> group)
    {
        foreach (var member in group)
        {
            member.Done.TrySetResult(false);
        }
    }

    private void Keep(NpgsqlConnection connection)
    {
        _idle.Add(connection);
        if (Volatile.Read(ref _disposed) != 0 && _idle.TryTake(out var late))
        {
            late.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        Interlocked.Exchange(ref _disposed, 1);
        while (_idle.TryTake(out var connection))
        {
            await connection.DisposeAsync();
        }
    }
}
