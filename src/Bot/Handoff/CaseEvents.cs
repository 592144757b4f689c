using System.Threading.Channels;

namespace OimBot.Bot.Handoff;

/// <summary>
/// Tells every open inbox page that the queue changed (a new case, a message, a claim): the page then fetches the queue
/// again. Carries no data, so nothing personal travels through it.
/// </summary>
public sealed class CaseEvents
{
    private readonly Lock _lock = new();
    private readonly List<Channel<long>> _subscribers = [];
    private long _version;

    public long Version => Interlocked.Read(ref _version);

    /// <summary>Raised by <see cref="Publish"/> (a change made here), for other instances to hear of it.</summary>
    public event Action? Published;

    public void Publish()
    {
        PublishFromElsewhere();
        Published?.Invoke();
    }

    /// <summary>A change made here or on another instance: every inbox page connected here refreshes.</summary>
    public void PublishFromElsewhere()
    {
        var version = Interlocked.Increment(ref _version);
        lock (_lock)
        {
            foreach (var subscriber in _subscribers)
            {
                subscriber.Writer.TryWrite(version);
            }
        }
    }

    public ChannelReader<long> Subscribe(CancellationToken cancellationToken)
    {
        var channel = Channel.CreateBounded<long>(new BoundedChannelOptions(16) { FullMode = BoundedChannelFullMode.DropOldest });
        lock (_lock)
        {
            _subscribers.Add(channel);
        }

        cancellationToken.Register(() =>
        {
            lock (_lock)
            {
                _subscribers.Remove(channel);
            }

            channel.Writer.TryComplete();
        });
        return channel.Reader;
    }
}
