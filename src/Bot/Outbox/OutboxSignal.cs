using System.Collections.Concurrent;

namespace OimBot.Bot.Outbox;

/// <summary>A reply a turn committed already claimed for this instance, with the lease it was claimed until.</summary>
public sealed record HandedRow(OutboxMessage Message, DateTimeOffset LeaseUntil);

/// <summary>
/// Between turns and the dispatcher. Wakes the dispatcher as soon as a turn queued replies, instead of waiting for the
/// next poll; and hands it the rows a turn claimed itself, so that the usual reply is sent without a claim transaction
/// (one write on the send path: its outcome). A turn may claim a row only while the dispatcher has room for it
/// (<see cref="TryReserve"/>): a running dispatcher opens that room (<see cref="Open"/>), so without one every row waits
/// in the outbox for a claim as before. It also knows which person's row the dispatcher is sending, until its outcome is
/// recorded (<see cref="SettlingFor"/>), so that a turn may wait for it rather than leave its reply to a claim.
/// </summary>
public sealed class OutboxSignal : IDisposable
{
    /// <summary>
    /// Counts wake-ups; no maximum, so that two turns pulsing at the same moment never throw (with a maximum of one, the
    /// second's release threw SemaphoreFullException under load). A wake-up more costs the dispatcher one empty turn of
    /// its loop, and the count stays at most the number of threads pulsing at once.
    /// </summary>
    private readonly SemaphoreSlim _pulse = new(0);
    private readonly ConcurrentQueue<HandedRow> _handed = new();
    private int _capacity;
    private int _reserved;

    /// <summary>How long a handed row is claimed for (the dispatcher's lease); meaningful once <see cref="IsOpen"/>.</summary>
    public TimeSpan Lease { get; private set; }

    /// <summary>True while a dispatcher takes handed rows.</summary>
    public bool IsOpen => Volatile.Read(ref _capacity) > 0;

    /// <summary>Handed rows not yet sent (queued or in flight).</summary>
    public int Reserved => Volatile.Read(ref _reserved);

    /// <summary>Rows may be waiting for the claim (a turn or a caseworker queued one the dispatcher was not handed, or a sent row's person has another): the dispatcher claims at its next turn.</summary>
    public void Notify()
    {
        Volatile.Write(ref _claimWanted, 1);
        Pulse();
    }

    /// <summary>Whether a claim was asked for since the last call (and forgets the request).</summary>
    public bool TakeClaimRequest() => Interlocked.Exchange(ref _claimWanted, 0) == 1;

    private int _claimWanted;

    /// <summary>Wakes the dispatcher (a handed row to take, or a claim asked for).</summary>
    private void Pulse()
    {
        if (_pulse.CurrentCount == 0)
        {
            _pulse.Release();
        }
    }

    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _pulse.WaitAsync(timeout, cancellationToken);

    /// <summary>The dispatcher starts taking handed rows: at most <paramref name="capacity"/> at a time, claimed for <paramref name="lease"/>.</summary>
    public void Open(int capacity, TimeSpan lease)
    {
        Lease = lease;
        Volatile.Write(ref _capacity, capacity);
    }

    /// <summary>The dispatcher stops: turns no longer claim rows.</summary>
    public void Close() => Volatile.Write(ref _capacity, 0);

    /// <summary>Takes room for one handed row; false when the dispatcher is not running or is full.</summary>
    public bool TryReserve()
    {
        while (true)
        {
            var reserved = Volatile.Read(ref _reserved);
            if (reserved >= Volatile.Read(ref _capacity))
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _reserved, reserved + 1, reserved) == reserved)
            {
                return true;
            }
        }
    }

    /// <summary>Gives back room that was reserved (the turn was rolled back, or the row was not claimed after all).</summary>
    public void Unreserve() => Interlocked.Decrement(ref _reserved);

    /// <summary>A committed turn hands over a row it claimed with a reservation.</summary>
    public void Hand(HandedRow row)
    {
        _handed.Enqueue(row);
        Pulse(); // taken as it is: no claim needed
    }

    /// <summary>The dispatcher takes the next handed row; it calls <see cref="Unreserve"/> once the row's outcome is recorded.</summary>
    public bool TryTake(out HandedRow row) => _handed.TryDequeue(out row!);

    /// <summary>Handed rows waiting for a free send slot.</summary>
    public int Waiting => _handed.Count;

    /// <summary>Each person's row this instance's dispatcher is sending, until its outcome is recorded (once <see cref="WatchSends"/> was called).</summary>
    private readonly ConcurrentDictionary<(string Channel, string Address), TaskCompletionSource> _sending = new();

    private volatile bool _watchingSends;

    /// <summary>
    /// From now on the dispatcher's sends are kept by recipient for <see cref="SettlingFor"/>: called by a store whose turns
    /// wait for them (PostgreSQL). Until then a send costs nothing more.
    /// </summary>
    public void WatchSends() => _watchingSends = true;

    /// <summary>
    /// The dispatcher starts sending a row to this person; it calls <see cref="Settled"/> with what this returns once the
    /// row's outcome is recorded. Null while no one watches sends.
    /// </summary>
    public TaskCompletionSource? Sending(string channel, string address)
    {
        if (!_watchingSends)
        {
            return null;
        }

        var settled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _sending[(channel, address)] = settled;
        return settled;
    }

    /// <summary>The row's outcome is recorded (or could not be): turns waiting for it go on.</summary>
    public void Settled(string channel, string address, TaskCompletionSource? settled)
    {
        if (settled is null)
        {
            return;
        }

        _sending.TryRemove(new KeyValuePair<(string, string), TaskCompletionSource>((channel, address), settled));
        settled.TrySetResult();
    }

    /// <summary>
    /// Completes when the row this instance is sending to the person, if any, has its outcome recorded (null when none
    /// is being sent). A turn waits for it briefly: until then its reply could not be handed over (the person's order),
    /// and would wait for a claim after that record.
    /// </summary>
    public Task? SettlingFor(string channel, string address) =>
        _sending.TryGetValue((channel, address), out var settled) ? settled.Task : null;

    public void Dispose() => _pulse.Dispose();
}
