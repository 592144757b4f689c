using System.Threading.Channels;

namespace OimBot.Bot.Channels;

/// <summary>A channel whose buttons wait to be acknowledged after a tap (Telegram: answerCallbackQuery).</summary>
public interface ITapAcknowledger
{
    string Channel { get; }

    /// <summary>Best effort, and short: an acknowledgement that fails or is slow is given up (the spinner stops by itself).</summary>
    Task AcknowledgeAsync(string tapId, CancellationToken cancellationToken);
}

/// <summary>
/// Acknowledges the button taps no reply acknowledges: a tap in a group chat, one without data, one whose turn sends
/// nothing (a set-aside turn whose apology failed too). A reply's first send acknowledges its own tap, as before. Kept in memory and
/// sent after the webhook has answered (a slow provider never holds a webhook); one lost in a restart costs a spinner
/// that Telegram's app stops by itself, never anything the person sent.
/// </summary>
public sealed partial class TapAcknowledgements(IEnumerable<ITapAcknowledger> acknowledgers, ILogger<TapAcknowledgements> logger) : BackgroundService
{
    /// <summary>Taps waiting at most: past it (a provider that does not answer, a flood of taps) new ones are dropped.</summary>
    public const int Capacity = 10_000;

    /// <summary>How many acknowledgements may be on their way at once.</summary>
    public const int InFlight = 4;

    private readonly Channel<(string Channel, string TapId)> _waiting = Channel.CreateBounded<(string, string)>(
        new BoundedChannelOptions(Capacity) { FullMode = BoundedChannelFullMode.DropWrite, SingleWriter = false, SingleReader = false });

    private readonly Dictionary<string, ITapAcknowledger> _byChannel = acknowledgers.ToDictionary(a => a.Channel, StringComparer.Ordinal);

    public void Acknowledge(string channel, string tapId)
    {
        if (!_byChannel.ContainsKey(channel))
        {
            return;
        }

        if (!_waiting.Writer.TryWrite((channel, tapId)))
        {
            LogDropped(logger, channel);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await Parallel.ForEachAsync(
                _waiting.Reader.ReadAllAsync(stoppingToken),
                new ParallelOptions { MaxDegreeOfParallelism = InFlight, CancellationToken = stoppingToken },
                (tap, cancellationToken) => new ValueTask(_byChannel[tap.Channel].AcknowledgeAsync(tap.TapId, cancellationToken)));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // stopping: taps still waiting stop spinning by themselves
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A {Channel} button tap was not acknowledged: too many are waiting")]
    private static partial void LogDropped(ILogger logger, string channel);
}
