using System.Globalization;
using Microsoft.Extensions.Options;
using OimBot.Bot.Channels.Outbox;
using OimBot.Bot.Storage;

namespace OimBot.Bot.Channels.Telegram;

/// <summary>
/// Polling mode (Channels:Telegram:Mode=polling): asks getUpdates for new updates, handles each through the same
/// translation and pipeline as the webhook, and only then moves the saved offset past it, so an update is confirmed
/// to Telegram after it is committed (https://core.telegram.org/bots/api#getupdates).
/// </summary>
public sealed partial class TelegramPoller(
    TelegramClient client,
    InboundPipeline pipeline,
    IConversationStore store,
    TimeProvider clock,
    ILogger<TelegramPoller> logger) : BackgroundService
{
    public const string Cursor = "telegram:next-update-id";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var offset = long.TryParse(await store.GetCursorAsync(Cursor, stoppingToken), NumberStyles.Integer, CultureInfo.InvariantCulture, out var saved) ? saved : 0;
                var (updates, error) = await client.GetUpdatesAsync(offset, stoppingToken);
                if (error is not null)
                {
                    throw new HttpRequestException(error is SendResult.Throttled or SendResult.Retryable ? "telegram unavailable" : "telegram refused getUpdates");
                }

                foreach (var update in updates.OrderBy(u => u.UpdateId))
                {
                    if (TelegramAdapter.Translate(update) is WebhookResult.Accepted accepted)
                    {
                        await pipeline.ProcessAsync(ChannelNames.Telegram, accepted.Events, stoppingToken);
                    }

                    await store.SetCursorAsync(Cursor, (update.UpdateId + 1).ToString(CultureInfo.InvariantCulture), clock.GetUtcNow(), stoppingToken);
                }

                failures = 0;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or System.Text.Json.JsonException)
            {
                failures++;
                LogPollFailed(logger, ex is HttpRequestException { HttpRequestError: not HttpRequestError.Unknown } http ? http.HttpRequestError.ToString() : ex.GetType().Name, failures);
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(60, Math.Pow(2, failures))), clock, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Telegram polling failed ({Reason}), attempt {Failures}; retrying with backoff")]
    private static partial void LogPollFailed(ILogger logger, string reason, int failures);
}
