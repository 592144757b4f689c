using Npgsql;
using NpgsqlTypes;

namespace OimBot.Bot.Storage;

/// <summary>
/// A person's conversation row read before the turn's transaction, without a lock (PostgreSQL; issue 15). With several
/// instances behind a balancer that spreads a person's messages, the state an instance kept is usually another's last
/// but one, and such a turn locked its row first: two round trips in a transaction of its own, the row locked while
/// the turn was decided, never grouped. Read ahead, the turn is decided on the row as it was read and then goes as a
/// turn on a kept state does: its lock, the check that the row is still as read, its writes and its COMMIT in one
/// round trip, with other such turns (<see cref="TurnGroups"/>); a first contact, finding no row, goes so too, its
/// check that there is still none. Reads that arrive while one is on its way go together in the next, one statement per
/// channel. A read that fails is not answered (the turn locks first, as before).
/// </summary>
internal sealed class AheadReads
{
    /// <param name="open">Opens a pooled connection.</param>
    /// <param name="lanes">How many reads may be on their way at once.</param>
    /// <param name="max">At most this many people in one read.</param>
    public AheadReads(Func<CancellationToken, Task<NpgsqlConnection>> open, int lanes, int max)
    {
        _open = open;
        _lanes = new GroupLanes<Request>(RunAsync, static (group, _) => Nothing(group), lanes, max);
    }

    private readonly Func<CancellationToken, Task<NpgsqlConnection>> _open;

    private readonly GroupLanes<Request> _lanes;

    /// <summary>The rows of one channel's people, whichever of them have one (the table's key is channel and address hash).</summary>
    internal const string Rows = "SELECT address_hash, id, state, recent_inbound FROM conversations WHERE channel = $1 AND address_hash = ANY($2)";

    private sealed class Request(string channel, byte[] hash)
    {
        public string Channel => channel;

        public byte[] Hash => hash;

        public TaskCompletionSource<AheadRead> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>How many reads went to the database and for how many people (tests, the benchmark).</summary>
    internal (long Reads, long People) Counts => (_lanes.Groups, Interlocked.Read(ref _people));

    private long _people;

    /// <summary>The person's row as it is now, in the shape of a kept state, or that they have none; never throws.</summary>
    public Task<AheadRead> ReadAsync(string channel, byte[] hash)
    {
        var request = new Request(channel, hash);
        _lanes.Add(request);
        return request.Done.Task;
    }

    /// <summary>How many reads wait for a lane now (tests).</summary>
    internal int Waiting => _lanes.Waiting;

    /// <summary>Awaited before each read is sent (tests hold a lane with it).</summary>
    internal Func<Task>? BeforeEachRead { get; set; }

    private async Task RunAsync(IReadOnlyList<Request> group)
    {
        Interlocked.Add(ref _people, group.Count);
        var found = new List<LastStates.Entry>(group.Count);
        try
        {
            if (BeforeEachRead is { } before)
            {
                await before();
            }

            await using var connection = await _open(CancellationToken.None);
            await using var batch = new NpgsqlBatch(connection);
            var channels = group.Select(r => r.Channel).Distinct(StringComparer.Ordinal).ToArray();
            foreach (var channel in channels)
            {
                var command = new NpgsqlBatchCommand(Rows);
                command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = channel });
                command.Parameters.Add(new NpgsqlParameter
                {
                    NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea,
                    Value = group.Where(r => r.Channel == channel).Select(r => r.Hash).ToArray(),
                });
                batch.BatchCommands.Add(command);
            }

            await using var reader = await batch.ExecuteReaderAsync();
            foreach (var channel in channels)
            {
                while (await reader.ReadAsync())
                {
                    found.Add(new LastStates.Entry(
                        channel,
                        (byte[])reader.GetValue(0),
                        reader.GetString(1),
                        reader.GetString(2),
                        DateTimeOffset.MinValue,
                        RecentInbound: reader.IsDBNull(3) ? null : (byte[])reader.GetValue(3)));
                }

                await reader.NextResultAsync();
            }
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or TimeoutException or InvalidCastException)
        {
            Nothing(group); // unanswered: each turn locks first, where a failure counts
            return;
        }

        foreach (var request in group)
        {
            request.Done.TrySetResult(new AheadRead(Answered: true, found.Find(e => e.IsFor(request.Channel, request.Hash))));
        }
    }

    private static void Nothing(IReadOnlyList<Request> group)
    {
        foreach (var request in group)
        {
            request.Done.TrySetResult(default);
        }
    }
}

/// <summary>What a read ahead found: the person's row (null: they have none), once <paramref name="Answered"/>.</summary>
internal readonly record struct AheadRead(bool Answered, LastStates.Entry? Row);
