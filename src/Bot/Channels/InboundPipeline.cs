using OimBot.Bot.Dialogs;
using OimBot.Bot.Storage;

namespace OimBot.Bot.Channels;

/// <summary>
/// Runs what an adapter accepted: each message through the conversation service (state and outbox rows committed
/// together), each delivery report onto its outbox row. Only then does the webhook answer 200.
/// </summary>
public sealed partial class InboundPipeline(ConversationService conversations, IConversationStore store, TimeProvider clock, ILogger<InboundPipeline> logger)
{
    public async Task<IResult> RespondAsync(string channel, WebhookResult result, Func<IResult> acknowledge, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(acknowledge);
        switch (result)
        {
            case WebhookResult.Rejected rejected:
                LogRejected(logger, channel, rejected.Status, rejected.Why);
                return TypedResults.Problem(detail: rejected.Why, statusCode: rejected.Status, title: "Webhook rejected");
            case WebhookResult.Ignored ignored:
                LogIgnored(logger, channel, ignored.Why);
                return acknowledge();
            case WebhookResult.Accepted accepted:
                await ProcessAsync(channel, accepted.Events, cancellationToken);
                return acknowledge();
            default:
                throw new ArgumentOutOfRangeException(nameof(result), result.GetType().Name, "unknown webhook result");
        }
    }

    public async Task ProcessAsync(string channel, IReadOnlyList<InboundEvent> events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(events);
        foreach (var inbound in events)
        {
            switch (inbound)
            {
                case InboundEvent.Message message:
                    await conversations.HandleAsync(message.From, message.ExternalId, message.Content, message.Delivery, cancellationToken);
                    break;
                case InboundEvent.Status status:
                    var known = await store.ApplyDeliveryStatusAsync(channel, status.ProviderMessageId, status.NewStatus, status.Error, clock.GetUtcNow(), cancellationToken);
                    LogStatus(logger, channel, status.NewStatus, known);
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(events), inbound.GetType().Name, "unknown inbound event");
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rejected a {Channel} webhook with {Status}: {Reason}")]
    private static partial void LogRejected(ILogger logger, string channel, int status, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Ignored a {Channel} webhook: {Reason}")]
    private static partial void LogIgnored(ILogger logger, string channel, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Delivery report on {Channel}: {Status} (known message: {Known})")]
    private static partial void LogStatus(ILogger logger, string channel, OutboxStatus status, bool known);
}
