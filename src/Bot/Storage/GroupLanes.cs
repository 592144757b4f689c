namespace OimBot.Bot.Storage;

/// <summary>
/// Group commit's queue (issue 15): items that arrive while every lane has a group on its way to the database go
/// together in the next one, as SQLite's writer shares one commit among the writes that queue behind it. Nothing waits
/// for company: an item that finds a free lane goes at once, alone. <paramref name="run"/> answers each item of a group
/// (each carries its own completion); should it throw, <paramref name="failed"/> answers them instead.
/// </summary>
/// <param name="lanes">How many groups may be on their way at once (at least 1).</param>
/// <param name="max">At most this many items in one group.</param>
internal sealed class GroupLanes<T>(Func<IReadOnlyList<T>, Task> run, Action<IReadOnlyList<T>, Exception> failed, int lanes = 1, int max = 256)
{
    private readonly Lock _gate = new();
    private List<T> _waiting = [];
    private int _running;

    /// <summary>How many groups went to the database (for tests and the benchmark's reading of it).</summary>
    public long Groups => Interlocked.Read(ref _groups);

    private long _groups;

    /// <summary>How many items wait for a lane now (tests).</summary>
    internal int Waiting
    {
        get
        {
            lock (_gate)
            {
                return _waiting.Count;
            }
        }
    }

    /// <summary>Queues <paramref name="item"/>; when a lane is free, its group (this item and any queued) starts on this thread.</summary>
    public void Add(T item)
    {
        lock (_gate)
        {
            _waiting.Add(item);
            if (_running >= Math.Max(1, lanes))
            {
                return;
            }

            _running++;
        }

        _ = RunAsync();
    }

    private async Task RunAsync()
    {
        while (true)
        {
            List<T> group;
            lock (_gate)
            {
                if (_waiting.Count == 0)
                {
                    _running--;
                    return;
                }

                if (_waiting.Count <= max)
                {
                    group = _waiting;
                    _waiting = [];
                }
                else
                {
                    group = _waiting.GetRange(0, max);
                    _waiting.RemoveRange(0, max);
                }
            }

            Interlocked.Increment(ref _groups);
            try
            {
                await run(group);
            }
            catch (Exception ex)
            {
                failed(group, ex);
            }
        }
    }
}
