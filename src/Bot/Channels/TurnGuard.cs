using System.Diagnostics;
using Microsoft.Extensions.Options;
using OimBot.Bot.Dialogs;
using OimBot.Bot.Operations;
using OimBot.Bot.Storage;

namespace OimBot.Bot.Channels;

/// <summary>
/// Runs one inbound message's turn so that a bug can never make a provider redeliver it for ever (a poison message):
/// a turn that throws is tried again up to <see cref="StorageOptions.TurnAttempts"/> times; then the message is set
/// aside, sealed, in the spool's failed folder (counted in /healthz and /metrics), the user gets a short apology in
/// their language, and its id is recorded as answered, so the webhook answers 200 and redeliveries are dropped.
/// Storage failures are not poison: they go up to the caller, which keeps the message on disk for later.
/// </summary>
public sealed partial class TurnGuard(
    ConversationService conversations,
    InboundSpool spool,
    BotMetrics metrics,
    StorageStatus storage,
    TapAcknowledgements taps,
    IOptions<StorageOptions> options,
    ILogger<TurnGuard> logger)
{
    /// <param name="mayOpenCase">See <see cref="ConversationService.HandleAsync"/>.</param>
    /// <param name="yieldToQueue">See <see cref="ConversationService.HandleAsync"/>: a queued outcome is no turn, and not counted as one.</param>
    public async Task<TurnOutcome> HandleAsync(InboundEvent.Message message, CancellationToken cancellationToken, Func<bool, bool>? mayOpenCase = null, bool yieldToQueue = false)
    {
        ArgumentNullException.ThrowIfNull(message);
        var outcome = await RunAsync(message, mayOpenCase, yieldToQueue, cancellationToken);
        if (message.Delivery.CallbackQueryId is { } tap && outcome is { Queued: false, Duplicate: false, Replies.Count: 0 })
        {
            // A tap answered with silence (today only a set-aside turn whose apology failed too; a tap inside a case
            // gets the case's help line): no reply row acknowledges it, so it is acknowledged on its own. A repeat was
            // acknowledged the first time.
            taps.Acknowledge(message.From.Channel, tap);
        }

        return outcome;
    }

    private async Task<TurnOutcome> RunAsync(InboundEvent.Message message, Func<bool, bool>? mayOpenCase, bool yieldToQueue, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var outcome = await conversations.HandleAsync(message.From, message.ExternalId, message.Content, message.Delivery, cancellationToken, mayOpenCase, yieldToQueue);
                storage.Succeeded();
                if (outcome.Queued)
                {
                    return outcome;
                }

                metrics.Turn(message.From.Channel, outcome.Duplicate ? "repeat" : "answered", Stopwatch.GetElapsedTime(started));
                return outcome;
            }
            catch (Exception ex) when (StorageStatus.RefusesWrites(ex))
            {
                storage.Failed(ex); // /healthz says so; the caller keeps the message on disk
                throw;
            }
            catch (Exception ex) when (IsPoison(ex) && attempt < options.Value.TurnAttempts)
            {
                LogRetry(logger, message.From.Channel, ex.GetType().Name, attempt);
            }
            catch (Exception ex) when (IsPoison(ex))
            {
                // Never the exception's message: it could quote what the person wrote. The type and where it was thrown suffice.
                LogPoison(logger, message.From.Channel, ex.GetType().Name, $"{ex.TargetSite?.DeclaringType?.Name}.{ex.TargetSite?.Name}", attempt);
                return await SetAsideAsync(message, started, cancellationToken);
            }
        }
    }

    /// <summary>A failure of the turn itself; the database failing or the caller giving up are not.</summary>
    public static bool IsPoison(Exception exception) =>
        !InboundSpool.IsStorageFailure(exception) && exception is not OperationCanceledException;

    private async Task<TurnOutcome> SetAsideAsync(InboundEvent.Message message, long started, CancellationToken cancellationToken)
    {
        TurnOutcome outcome;
        try
        {
            // First the apology (it also marks the id as answered); a storage failure here goes up and the whole
            // message waits on disk, to be tried again and set aside then.
            outcome = await conversations.ApologizeAsync(message.From, message.ExternalId, message.Delivery, cancellationToken);
        }
        catch (Exception ex) when (IsPoison(ex))
        {
            LogApologyFailed(logger, message.From.Channel, ex.GetType().Name);
            outcome = new TurnOutcome(null, [], Duplicate: false);
        }

        try
        {
            await spool.SaveAsync(message, CancellationToken.None, quarantine: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogNotKept(logger, message.From.Channel, ex.GetType().Name);
        }

        metrics.Quarantined(message.From.Channel);
        metrics.Turn(message.From.Channel, "failed", Stopwatch.GetElapsedTime(started));
        return outcome;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A {Channel} turn failed with {Error} (attempt {Attempt}); trying again")]
    private static partial void LogRetry(ILogger logger, string channel, string error, int attempt);

    [LoggerMessage(Level = LogLevel.Error, Message = "A {Channel} message failed with {Error} in {Where} on all {Attempts} attempts: set aside in the spool's failed folder and answered with an apology")]
    private static partial void LogPoison(ILogger logger, string channel, string error, string where, int attempts);

    [LoggerMessage(Level = LogLevel.Error, Message = "The apology for a failed {Channel} message failed too ({Error}); the message is set aside without a reply")]
    private static partial void LogApologyFailed(ILogger logger, string channel, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "A failed {Channel} message could not be set aside on disk ({Error})")]
    private static partial void LogNotKept(ILogger logger, string channel, string error);
}
