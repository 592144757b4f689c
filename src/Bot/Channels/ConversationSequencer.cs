namespace OimBot.Bot.Channels;

/// <summary>
/// Runs one person's messages one at a time, in the order they arrived in this process. Without it, a message that waits
/// for a locked database and then falls back to the spool could be overtaken by the same person's next message (which
/// found the spool still empty). Different people never wait for each other.
/// </summary>
public sealed class ConversationSequencer
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, (Task Tail, int Waiting)> _tails = new(StringComparer.Ordinal);

    /// <summary>Waits for the earlier messages of <paramref name="key"/>; dispose the result when this one is done.</summary>
    public async Task<IDisposable> EnterAsync(string key)
    {
        var mine = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task previous;
        lock (_lock)
        {
            previous = _tails.TryGetValue(key, out var tail) ? tail.Tail : Task.CompletedTask;
            _tails[key] = (mine.Task, (tail.Waiting) + 1);
        }

        // Every earlier message finishes (commits, is spooled or is set aside) within its own budget, so this ends.
        await previous.ConfigureAwait(false);
        return new Turn(this, key, mine);
    }

    /// <summary>People with a message in progress or waiting (for tests and metrics).</summary>
    public int Active
    {
        get
        {
            lock (_lock)
            {
                return _tails.Count;
            }
        }
    }

    private void Leave(string key, TaskCompletionSource mine)
    {
        lock (_lock)
        {
            if (_tails.TryGetValue(key, out var tail))
            {
                if (tail.Waiting <= 1)
                {
                    _tails.Remove(key);
                }
                else
                {
                    _tails[key] = (tail.Tail, tail.Waiting - 1);
                }
            }
        }

        mine.TrySetResult();
    }

    private sealed class Turn(ConversationSequencer owner, string key, TaskCompletionSource mine) : IDisposable
    {
        private int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0)
            {
                owner.Leave(key, mine);
            }
        }
    }
}
