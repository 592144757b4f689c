using System.Globalization;
using Microsoft.Extensions.Options;
using OimBot.Bot.Outbox;
using OimBot.Bot.Operations;
using OimBot.Bot.Storage;

namespace OimBot.Bot.Channels.Telegram;

/// <summary>
/// Polling mode (Channels:Telegram:Mode=polling): asks getUpdates for new updates, handles each through the same
/// translation and pipeline as the webhook, and only then moves the saved offset past it, so an update is confirmed
/// to Telegram after it is committed (https://core.telegram.org/bots/api#getupdates).
/// </summary>
public sealed class TelegramPoller(
    TelegramClient client,
    TelegramAdapter adapter,
    InboundPipeline pipeline,
    IChannelCursors cursors,
    ILeadership leadership,
    TimeProvider clock,
    BotMetrics metrics,
    ILogger<TelegramPoller> logger) : BackgroundLoop("telegram-poller", clock, metrics, logger)
{
    public const string Cursor = "telegram:next-update-id";

    /// <summary>getUpdates itself waits (long polling), so a round follows the last one at once.</summary>
    protected override TimeSpan Interval => TimeSpan.Zero;

    protected override TimeSpan FirstBackoff => TimeSpan.FromSeconds(2);

    protected override TimeSpan MaxBackoff => TimeSpan.FromSeconds(60);

    /// <summary>
    /// One getUpdates and its updates, each handled (a failing turn is set aside by the pipeline) before the offset
    /// moves past it. Any failure ends the round; the base logs it and backs off, and the saved offset makes the next
    /// round ask for the same updates again.
    /// </summary>
    protected override async Task RunRoundAsync(CancellationToken cancellationToken)
    {
        if (!leadership.IsLeader)
        {
            // Telegram allows one getUpdates at a time per bot: on several instances only the leader polls.
            await Task.Delay(PostgresLeadership.Every, Clock, cancellationToken);
            return;
        }

        var offset = long.TryParse(await cursors.GetAsync(Cursor, cancellationToken), NumberStyles.Integer, CultureInfo.InvariantCulture, out var saved) ? saved : 0;
        var (updates, error) = await client.GetUpdatesAsync(offset, cancellationToken);
        if (error is not null)
        {
            throw new HttpRequestException(error is SendResult.Throttled or SendResult.Retryable ? "telegram unavailable" : "telegram refused getUpdates");
        }

        // An update whose update_id cannot be read is passed over (the offset moves past it with the next one).
        foreach (var update in updates.Select(adapter.Read).OfType<TelegramUpdate>().Where(u => u.UpdateId > 0).OrderBy(u => u.UpdateId))
        {
            if (TelegramAdapter.Translate(update) is WebhookResult.Accepted accepted)
            {
                await pipeline.ProcessAsync(ChannelNames.Telegram, accepted.Events, cancellationToken);
            }

            await cursors.SetAsync(Cursor, (update.UpdateId + 1).ToString(CultureInfo.InvariantCulture), Clock.GetUtcNow(), cancellationToken);
        }
    }
}
