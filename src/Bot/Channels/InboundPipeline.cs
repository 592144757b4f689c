using Microsoft.Extensions.Options;
using OimBot.Bot.Operations;
using OimBot.Bot.Storage;
using OimBot.Bot.Outbox;

namespace OimBot.Bot.Channels;

/// <summary>
/// Runs what an adapter accepted: each message through the conversation service (state and outbox rows committed
/// together), each delivery report onto its outbox row. Only then does the webhook answer 200. If the database fails,
/// the message is kept on disk (<see cref="InboundSpool"/>) and answered when it is back; a delivery report is not
/// kept (the webhook answers 500 and the provider sends it again, or it is lost, which loses nothing the user sent).
/// </summary>
public sealed partial class InboundPipeline(TurnGuard turns, TapAcknowledgements taps, IOutboxStore outbox, InboundSpool spool, ConversationSequencer sequencer, BotMetrics metrics, IOptions<StorageOptions> storage, TimeProvider clock, ILogger<InboundPipeline> logger, OutageBacklog? backlog = null)
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
                try
                {
                    await ProcessAsync(channel, accepted.Events, cancellationToken);
                }
                catch (SpoolUnavailableException)
                {
                    // Neither the database nor the disk can keep the message: the provider is asked to send it again
                    // (messages already answered in the same payload are recognised by their ids then).
                    return new RetryLater(RetryAfterSeconds);
                }

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
                case InboundEvent.Message message when message.Delivery.ThroughOutbox:
                    // One person's messages one at a time, in arrival order: the spool check below then sees an earlier
                    // message that fell back to disk, and this one goes behind it.
                    using (await sequencer.EnterAsync($"{message.From.Channel}\n{message.From.Address}"))
                    {
                        await HandleInOrderAsync(channel, message);
                    }

                    break;
                case InboundEvent.Message message:
                    await turns.HandleAsync(message, cancellationToken);
                    break;
                case InboundEvent.Status status:
                    var known = await outbox.ApplyDeliveryStatusAsync(channel, status.ProviderMessageId, status.NewStatus, status.Error, clock.GetUtcNow(), cancellationToken);
                    LogStatus(logger, channel, status.NewStatus, known);
                    break;
                case InboundEvent.TapToAcknowledge tap:
                    taps.Acknowledge(tap.Channel, tap.TapId);
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(events), inbound.GetType().Name, "unknown inbound event");
            }
        }
    }

    private async Task HandleInOrderAsync(string channel, InboundEvent.Message message)
    {
        if (spool.HasPending)
        {
            // Older messages wait on disk: this one goes behind them, so nobody's messages change order.
            await spool.SaveAsync(message, CancellationToken.None);
            metrics.Spooled(channel);
            return;
        }

        // The turn gets a budget of its own, not the request's token: a provider that hangs up must not cancel a
        // message half-way. Past the budget (a locked or failing database) the message is kept on disk; if the turn
        // still commits later, the replay is recognised by its message id and answered once.
        using var budget = new CancellationTokenSource(storage.Value.WebhookBudget, clock);
        try
        {
            // Several instances (PostgreSQL): when this person's messages kept during an outage are still being answered
            // in order from the shared queue, the turn does nothing (it looks, after the conversation's lock, in the
            // lock's round trip) and this message goes behind them.
            var outcome = await turns.HandleAsync(message, budget.Token, yieldToQueue: backlog is not null);
            if (outcome.Queued)
            {
                await backlog!.DepositAsync(SpooledMessage.From(message, clock.GetUtcNow()), TimeSpan.Zero, budget.Token);
            }
        }
        catch (Exception ex) when (InboundSpool.IsStorageFailure(ex) || (ex is OperationCanceledException && budget.IsCancellationRequested))
        {
            await spool.SaveAsync(message, CancellationToken.None);
            metrics.Spooled(channel);
        }
    }

    /// <summary>How long the provider is asked to wait before it sends a message the service could not keep.</summary>
    public const int RetryAfterSeconds = 30;

    /// <summary>503 with Retry-After: Telegram and Meta send the webhook again; Twilio does with connection overrides (README).</summary>
    private sealed class RetryLater(int seconds) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return TypedResults.Problem(detail: "The service cannot keep messages right now; send it again later.", statusCode: StatusCodes.Status503ServiceUnavailable, title: "Try again later").ExecuteAsync(httpContext);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rejected a {Channel} webhook with {Status}: {Reason}")]
    private static partial void LogRejected(ILogger logger, string channel, int status, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Ignored a {Channel} webhook: {Reason}")]
    private static partial void LogIgnored(ILogger logger, string channel, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Delivery report on {Channel}: {Status} (known message: {Known})")]
    private static partial void LogStatus(ILogger logger, string channel, OutboxStatus status, bool known);
}
