using System.Buffers.Binary;
using OimBot.Bot.Dialogs;

namespace OimBot.Bot.Storage;

/// <summary>
/// The state the last turn of each recently active conversation left, by the person's address hash (issue 15), so that
/// the next turn's decision can be made before the turn's transaction, off SQLite's single writer. Only a hint: the
/// decision made ahead is used only when the row the transaction locks still holds exactly this state (and id);
/// otherwise it is made again inside. Bounded: a fixed table of <see cref="Slots"/> entries in sets of <see cref="Ways"/>,
/// each address hash in one set, where a person kept anew takes the place of the set's least recently kept entry (so two
/// people writing at once whose hashes share a set are both kept; a table of single slots lost one of them at each
/// message, and on PostgreSQL each such turn costs a round trip more); entries older than <see cref="MaxAge"/> count as
/// absent and are cleared within a <see cref="SweepEvery"/> after, even if no one writes any more; BORRAR clears the
/// person's entry at once. Holds nothing the row does not: the keyed address hash (never the address), the
/// conversation's id and its state (its JSON, which the locked row is compared with, and the state itself, read from
/// that JSON by no one: the next turn is decided on it without reading the JSON again), and the keyed hashes of its
/// latest message ids. Writers race only for the same set and a lost race loses a hint, never a wrong one: an entry is
/// found only for its own person, and the newest of a person's is the one found.
/// </summary>
internal sealed class LastStates(TimeProvider clock)
{
    public const int Slots = 1024;

    /// <summary>The entries of one set: an address hash may be kept in any of them.</summary>
    public const int Ways = 4;

    /// <summary>How many sets the address hashes are spread over.</summary>
    public const int Sets = Slots / Ways;

    /// <summary>A hint pays only while a person is writing; after this it is not used, and it is cleared.</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromMinutes(5);

    /// <summary>How often old entries are cleared.</summary>
    public static readonly TimeSpan SweepEvery = TimeSpan.FromMinutes(1);

    private readonly Entry?[] _slots = new Entry?[Slots];
    private long _sequence;
    private Sweeper? _sweeper;

    /// <param name="Decoded">the state <paramref name="State"/> is the JSON of, when the turn that kept it had it (it is immutable)</param>
    /// <param name="RecentInbound">the row's latest message ids as the turn wrote them (see <see cref="Storage.RecentInbound"/>)</param>
    /// <param name="Sequence">the order entries were kept in: a set gives up its lowest first</param>
    internal sealed record Entry(string Channel, byte[] AddressHash, string Id, string State, DateTimeOffset KeptAt, ConversationState? Decoded = null, byte[]? RecentInbound = null, long Sequence = 0)
    {
        public bool IsFor(string channel, byte[] addressHash) => Channel == channel && AddressHash.AsSpan().SequenceEqual(addressHash);
    }

    /// <summary>The state last kept for this person, if it is recent.</summary>
    public Entry? Find(string channel, byte[] addressHash)
    {
        var first = Set(addressHash);
        Entry? found = null;
        for (var way = first; way < first + Ways; way++)
        {
            if (Volatile.Read(ref _slots[way]) is { } entry && entry.IsFor(channel, addressHash) && (found is null || entry.Sequence > found.Sequence))
            {
                found = entry;
            }
        }

        return found is not null && !Stale(found, clock.GetUtcNow()) ? found : null;
    }

    /// <summary>The state a turn is committing (kept before the commit: should it fail, the next turn finds another state in the row and decides again).</summary>
    /// <param name="decoded">the state whose JSON <paramref name="state"/> is (null: the next turn reads the JSON)</param>
    /// <param name="recentInbound">the row's latest message ids as the turn wrote them</param>
    public void Keep(string channel, byte[] addressHash, string id, string state, ConversationState? decoded = null, byte[]? recentInbound = null)
    {
        Put(new Entry(channel, addressHash, id, state, clock.GetUtcNow(), decoded, recentInbound, Interlocked.Increment(ref _sequence)));
        if (Volatile.Read(ref _sweeper) is null)
        {
            var sweeper = new Sweeper(new WeakReference<LastStates>(this));
            if (Interlocked.CompareExchange(ref _sweeper, sweeper, null) is null)
            {
                sweeper.Start(clock);
            }
        }
    }

    /// <summary>Puts back what was kept for this person before a turn that did not commit (<paramref name="entry"/> null: nothing).</summary>
    public void Restore(string channel, byte[] addressHash, Entry? entry)
    {
        if (entry is null)
        {
            Forget(channel, addressHash);
        }
        else
        {
            Put(entry);
        }
    }

    /// <summary>
    /// The entry in its set: in the place of the person's own entry, else of an empty or old one, else of the least
    /// recently kept. Should another writer change that place meanwhile, the choice is made again (a few times, then
    /// the hint is given up: the next turn locks first).
    /// </summary>
    private void Put(Entry entry)
    {
        var first = Set(entry.AddressHash);
        var now = clock.GetUtcNow();
        for (var attempt = 0; attempt < Ways; attempt++)
        {
            // The place, by rank: 0 the person's own, 1 empty or old, 2 the least recently kept so far.
            var (rank, target, expected) = (3, first, (Entry?)null);
            for (var way = first; way < first + Ways; way++)
            {
                var held = Volatile.Read(ref _slots[way]);
                if (held is not null && held.IsFor(entry.Channel, entry.AddressHash))
                {
                    if (rank == 0)
                    {
                        Interlocked.CompareExchange(ref _slots[way], null, held); // the person twice (a lost race): once is enough
                        continue;
                    }

                    (rank, target, expected) = (0, way, held);
                }
                else if (held is null || Stale(held, now))
                {
                    if (rank > 1)
                    {
                        (rank, target, expected) = (1, way, held);
                    }
                }
                else if (rank > 2 || (rank == 2 && held.Sequence < expected!.Sequence))
                {
                    (rank, target, expected) = (2, way, held);
                }
            }

            if (ReferenceEquals(Interlocked.CompareExchange(ref _slots[target], entry, expected), expected))
            {
                return;
            }
        }
    }

    /// <summary>Clears every entry older than <see cref="MaxAge"/> (every <see cref="SweepEvery"/>, once anything has been kept).</summary>
    internal void Sweep()
    {
        var now = clock.GetUtcNow();
        for (var slot = 0; slot < Slots; slot++)
        {
            if (Volatile.Read(ref _slots[slot]) is { } entry && Stale(entry, now))
            {
                Interlocked.CompareExchange(ref _slots[slot], null, entry);
            }
        }
    }

    /// <summary>The person's conversation is gone (BORRAR): nothing of it stays here.</summary>
    public void Forget(string channel, byte[] addressHash)
    {
        var first = Set(addressHash);
        for (var way = first; way < first + Ways; way++)
        {
            if (Volatile.Read(ref _slots[way]) is { } entry && entry.IsFor(channel, addressHash))
            {
                Interlocked.CompareExchange(ref _slots[way], null, entry);
            }
        }
    }

    /// <summary>How many entries are held (for tests).</summary>
    internal int Count => _slots.Count(e => e is not null);

    private static bool Stale(Entry entry, DateTimeOffset now) => (now - entry.KeptAt).Duration() > MaxAge;

    /// <summary>The first slot of the hash's set. The address hash is a keyed hash (HMAC): its first bytes are as good as random.</summary>
    private static int Set(byte[] addressHash) =>
        addressHash.Length >= sizeof(uint) ? (int)(BinaryPrimitives.ReadUInt32LittleEndian(addressHash) % Sets) * Ways : 0;

    /// <summary>
    /// The sweep timer holds its table only weakly: a timer is rooted by the runtime until disposed, and a table no one
    /// else holds (a stopped host's, the start-up warm-up's twin's) must not stay in memory with it. The first tick
    /// after the table is gone disposes the timer.
    /// </summary>
    private sealed class Sweeper(WeakReference<LastStates> table)
    {
        private ITimer? _timer;

        public void Start(TimeProvider clock) =>
            Volatile.Write(ref _timer, clock.CreateTimer(static self => ((Sweeper)self!).Tick(), this, SweepEvery, SweepEvery));

        private void Tick()
        {
            if (table.TryGetTarget(out var states))
            {
                states.Sweep();
            }
            else
            {
                Volatile.Read(ref _timer)?.Dispose();
            }
        }
    }
}
