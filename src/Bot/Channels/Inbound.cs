using OimBot.Bot.Dialogs;
using OimBot.Bot.Storage;
using OimBot.Bot.Outbox;

namespace OimBot.Bot.Channels;

public static class ChannelNames
{
    public const string Telegram = "telegram";
    public const string WhatsApp = "whatsapp";
    public const string Twilio = "twilio";
    public const string WebChat = "webchat";
}

/// <summary>What an authentic webhook (or a polled update) carried, already translated from the wire format.</summary>
public abstract record InboundEvent
{
    /// <param name="ExternalId">The provider's id for the message or update: the dedupe key.</param>
    public sealed record Message(ChannelAddress From, string? ExternalId, UserMessage Content, Delivery Delivery) : InboundEvent;

    /// <summary>A delivery report for a message the bot sent.</summary>
    public sealed record Status(string ProviderMessageId, OutboxStatus NewStatus, string? Error) : InboundEvent;

    /// <summary>
    /// A button tap no reply will acknowledge (Telegram: a tap in a group chat, or without data). The provider's app
    /// waits for the acknowledgement (answerCallbackQuery) with a spinner on the button.
    /// </summary>
    public sealed record TapToAcknowledge(string Channel, string TapId) : InboundEvent;
}

/// <summary>
/// An adapter's verdict on a request (courier style): accepted events, an authentic request with nothing to do
/// (answered 200 so the provider stops retrying), or a rejection with its HTTP status. Expected failures are values.
/// </summary>
public abstract record WebhookResult
{
    public static WebhookResult Accept(params InboundEvent[] events) => new Accepted(events);

    public static WebhookResult Accept(IReadOnlyList<InboundEvent> events) => events.Count == 0 ? new Ignored("nothing to handle") : new Accepted(events);

    public static WebhookResult Ignore(string why) => new Ignored(why);

    public static WebhookResult Reject(int status, string why) => new Rejected(status, why);

    public sealed record Accepted(IReadOnlyList<InboundEvent> Events) : WebhookResult;

    public sealed record Ignored(string Why) : WebhookResult;

    public sealed record Rejected(int Status, string Why) : WebhookResult;
}
