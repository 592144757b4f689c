using OimBot.Bot.Storage;
using OimBot.Content;

namespace OimBot.Bot.Outbox;

/// <summary>How fast, and how long each try may take, when sending on one channel.</summary>
/// <param name="PerRecipientPerSecond">A limit per chat (Telegram: about one message per second), or null.</param>
public sealed record SendLimits(double MessagesPerSecond, double? PerRecipientPerSecond, TimeSpan Timeout);

/// <summary>
/// The outbound half of a channel: a thin, typed client of the provider's API. It translates one outbox row into
/// one provider message and classifies the answer; the dispatcher decides what happens next.
/// </summary>
public interface IChannelSender
{
    string Channel { get; }

    /// <summary>Channels:&lt;Name&gt;:Enabled. Rows for a disabled channel wait in the outbox.</summary>
    bool Enabled { get; }

    SendLimits Limits { get; }

    /// <summary>Cuts a reply into the messages this provider accepts (text limits, buttons), one outbox row each.</summary>
    IReadOnlyList<RenderedReply> Shape(RenderedReply reply);

    Task<SendResult> SendAsync(OutboxMessage message, CancellationToken cancellationToken);
}
