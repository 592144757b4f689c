using OimBot.Content.Matching;
using System.Text.Json;
using Microsoft.Extensions.Options;
using OimBot.Bot.Dialogs;
using OimBot.Bot.Storage;
using OimBot.Bot.Outbox;

namespace OimBot.Bot.Channels.Telegram;

/// <summary>
/// Translates Telegram updates into inbound events. The webhook is authenticated first, in constant time, by the
/// secret token Telegram echoes in X-Telegram-Bot-Api-Secret-Token (https://core.telegram.org/bots/api#setwebhook).
/// </summary>
public sealed class TelegramAdapter(IOptions<TelegramOptions> options)
{
    public const string SecretHeader = "X-Telegram-Bot-Api-Secret-Token";
    /// <summary>One update: a 4096-character message (and the one it replies to), escaped, fits many times over.</summary>
    public const int MaxBodyBytes = 256 * 1024;

    /// <summary>Message fields that mean "not text": answered politely, never downloaded (a location is personal data, R2).</summary>
    private static readonly string[] MediaFields =
    [
        "photo", "voice", "audio", "video", "video_note", "document", "sticker", "animation", "location", "venue", "contact", "poll", "dice",
    ];

    public async Task<WebhookResult> ParseAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!WebhookRequest.FixedTimeEquals(request.Headers[SecretHeader].FirstOrDefault(), options.Value.WebhookSecret ?? string.Empty) || string.IsNullOrEmpty(options.Value.WebhookSecret))
        {
            return WebhookResult.Reject(StatusCodes.Status401Unauthorized, "missing or wrong secret token");
        }

        var body = await WebhookRequest.ReadBodyAsync(request, MaxBodyBytes, cancellationToken);
        if (body is null)
        {
            return WebhookResult.Reject(StatusCodes.Status413PayloadTooLarge, "the update is too large");
        }

        TelegramUpdate? update;
        try
        {
            update = JsonSerializer.Deserialize(body, TelegramJson.Default.TelegramUpdate);
        }
        catch (JsonException)
        {
            return WebhookResult.Reject(StatusCodes.Status400BadRequest, "the body is not a JSON Telegram update");
        }

        return update is null || update.UpdateId <= 0
            ? WebhookResult.Reject(StatusCodes.Status400BadRequest, "the body is not a Telegram update (no update_id)")
            : Translate(update);
    }

    /// <summary>One update (from the webhook or from getUpdates) as events. The update id is the dedupe key.</summary>
    public static WebhookResult Translate(TelegramUpdate update)
    {
        ArgumentNullException.ThrowIfNull(update);
        var externalId = update.UpdateId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (update.CallbackQuery is { } callback)
        {
            var chat = callback.Message?.Chat;
            if (chat is not null && chat.Type is not (null or "private"))
            {
                return WebhookResult.Ignore("a button in a group chat");
            }

            var chatId = chat?.Id ?? callback.From?.Id;
            if (chatId is null || string.IsNullOrEmpty(callback.Data))
            {
                return WebhookResult.Ignore("a callback query without data");
            }

            return WebhookResult.Accept(new InboundEvent.Message(
                Address(chatId.Value),
                externalId,
                UserMessage.FromChoice(callback.Data) with { Hint = Hint(callback.From) },
                Delivery.Outbox(callbackQueryId: callback.Id)));
        }

        if (update.Message is not { } message)
        {
            return WebhookResult.Ignore(update.EditedMessage is not null ? "an edited message" : "an update that is not a message");
        }

        if (message.Chat is not { } messageChat || messageChat.Type is not (null or "private"))
        {
            return WebhookResult.Ignore("not a private chat");
        }

        UserMessage content;
        if (!string.IsNullOrEmpty(message.Text))
        {
            content = UserMessage.FromText(message.Text) with { Hint = Hint(message.From) };
        }
        else if (!string.IsNullOrWhiteSpace(message.Caption))
        {
            content = UserMessage.FromText(message.Caption) with { Hint = Hint(message.From) }; // the media itself is never read
        }
        else if (message.Other?.Keys.Any(MediaFields.Contains) == true)
        {
            content = UserMessage.Unsupported() with { Hint = Hint(message.From) };
        }
        else
        {
            return WebhookResult.Ignore("a service message");
        }

        return WebhookResult.Accept(new InboundEvent.Message(Address(messageChat.Id), externalId, content, Delivery.Outbox()));
    }

    private static LanguageHint? Hint(TelegramUser? user) =>
        user?.LanguageCode is { Length: > 0 } tag ? new LanguageHint(tag, null) : null;

    private static ChannelAddress Address(long chatId) =>
        new(ChannelNames.Telegram, chatId.ToString(System.Globalization.CultureInfo.InvariantCulture));
}
