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
public sealed partial class TelegramAdapter(IOptions<TelegramOptions> options, ILogger<TelegramAdapter> logger)
{
    public const string SecretHeader = "X-Telegram-Bot-Api-Secret-Token";
    /// <summary>One update: a 4096-character message (and the one it replies to), escaped, fits many times over.</summary>
    public const int MaxBodyBytes = 256 * 1024;

    /// <summary>
    /// Message fields that mean "not text": answered politely, never downloaded (a location is personal data, R2). A
    /// checklist, a game or an invoice sent through an inline bot and a forwarded giveaway are things a person sent
    /// too (https://core.telegram.org/bots/api#message); the other fields without text are Telegram's service messages.
    /// </summary>
    private static readonly string[] MediaFields =
    [
        "photo", "voice", "audio", "video", "video_note", "document", "sticker", "animation", "location", "venue", "contact", "poll", "dice",
        "story", "paid_media", "checklist", "game", "invoice", "giveaway", "giveaway_winners",
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
            // A field of a shape the models cannot bind: read the update piece by piece (a 400 is repeated for ever).
            try
            {
                using var document = JsonDocument.Parse(body);
                update = ReadUpdate(document.RootElement, logger);
            }
            catch (JsonException)
            {
                return WebhookResult.Reject(StatusCodes.Status400BadRequest, "the body is not JSON");
            }
        }

        return update is null || update.UpdateId <= 0
            ? WebhookResult.Reject(StatusCodes.Status400BadRequest, "the body is not a Telegram update (no update_id)")
            : Translate(update);
    }

    /// <summary>
    /// One update as the models read it (from the webhook or from getUpdates), or null when it is not an object. When a
    /// field is of a shape they cannot bind, the message, the edit and the button tap are each read on their own, and
    /// one that still cannot be bound keeps what says who sent it and where (its chat, its tap id, its text if it is
    /// one): the person is answered (politely, when what they sent cannot be read) and a tap is acknowledged.
    /// </summary>
    public TelegramUpdate? Read(JsonElement update) => ReadUpdate(update, logger);

    private static TelegramUpdate? ReadUpdate(JsonElement update, ILogger logger)
    {
        try
        {
            return update.Deserialize(TelegramJson.Default.TelegramUpdate);
        }
        catch (JsonException ex)
        {
            LogUnreadable(logger, ex.Path);
        }

        if (update.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        return new TelegramUpdate
        {
            UpdateId = LenientJson.WholeNumber(update, "update_id") ?? 0,
            Message = LenientJson.Child(update, "message") is { } message ? ReadMessage(message) : null,
            EditedMessage = LenientJson.Child(update, "edited_message") is { } edited ? ReadMessage(edited) : null,
            CallbackQuery = LenientJson.Child(update, "callback_query") is { } callback ? ReadCallback(callback) : null,
        };
    }

    private static TelegramMessage ReadMessage(JsonElement message)
    {
        try
        {
            return message.Deserialize(TelegramJson.Default.TelegramMessage) ?? new TelegramMessage { Unreadable = true };
        }
        catch (JsonException)
        {
            return new TelegramMessage
            {
                MessageId = LenientJson.WholeNumber(message, "message_id") ?? 0,
                Chat = ReadChat(LenientJson.Child(message, "chat")),
                From = ReadUser(LenientJson.Child(message, "from")),
                Text = LenientJson.Text(message, "text"),
                Caption = LenientJson.Text(message, "caption"),
                Unreadable = true,
            };
        }
    }

    private static TelegramCallbackQuery ReadCallback(JsonElement callback)
    {
        try
        {
            if (callback.Deserialize(TelegramJson.Default.TelegramCallbackQuery) is { } read)
            {
                return read;
            }
        }
        catch (JsonException)
        {
            // what identifies the tap, below
        }

        var message = LenientJson.Child(callback, "message") is { } m ? new TelegramMessage { Chat = ReadChat(LenientJson.Child(m, "chat")) } : null;
        return new TelegramCallbackQuery(LenientJson.Text(callback, "id") ?? string.Empty, ReadUser(LenientJson.Child(callback, "from")), message, LenientJson.Text(callback, "data"));
    }

    private static TelegramChat? ReadChat(JsonElement? chat) =>
        chat is { } c && LenientJson.WholeNumber(c, "id") is { } id ? new TelegramChat(id, LenientJson.Text(c, "type")) : null;

    private static TelegramUser? ReadUser(JsonElement? user) =>
        user is { } u && LenientJson.WholeNumber(u, "id") is { } id ? new TelegramUser(id, LenientJson.Text(u, "language_code")) : null;

    /// <summary>One update (from the webhook or from getUpdates) as events. The update id is the dedupe key.</summary>
    public static WebhookResult Translate(TelegramUpdate update)
    {
        ArgumentNullException.ThrowIfNull(update);
        var externalId = update.UpdateId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (update.CallbackQuery is { } callback)
        {
            // Telegram's app shows a spinner on the button until answerCallbackQuery, so a tap the bot does not
            // answer is still acknowledged (https://core.telegram.org/bots/api#answercallbackquery).
            var chat = callback.Message?.Chat;
            if (chat is not null && chat.Type is not (null or "private"))
            {
                return Acknowledge(callback, "a button in a group chat");
            }

            var chatId = chat?.Id ?? callback.From?.Id;
            if (chatId is null || string.IsNullOrEmpty(callback.Data))
            {
                return Acknowledge(callback, "a callback query without data");
            }

            return WebhookResult.Accept(new InboundEvent.Message(
                Address(chatId.Value),
                externalId,
                UserMessage.FromChoice(callback.Data) with { Hint = Hint(callback.From) },
                Delivery.Outbox(callbackQueryId: callback.Id is { Length: > 0 } ? callback.Id : null)));
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
        else if (message.Unreadable || message.Other?.Keys.Any(MediaFields.Contains) == true)
        {
            content = UserMessage.Unsupported() with { Hint = Hint(message.From) };
        }
        else
        {
            return WebhookResult.Ignore("a service message");
        }

        return WebhookResult.Accept(new InboundEvent.Message(Address(messageChat.Id), externalId, content, Delivery.Outbox()));
    }

    /// <summary>A tap nothing answers: only acknowledged (a tap without an id cannot be, and is only ignored).</summary>
    private static WebhookResult Acknowledge(TelegramCallbackQuery callback, string why) =>
        callback.Id is { Length: > 0 } id
            ? WebhookResult.Accept(new InboundEvent.TapToAcknowledge(ChannelNames.Telegram, id))
            : WebhookResult.Ignore(why);

    private static LanguageHint? Hint(TelegramUser? user) =>
        user?.LanguageCode is { Length: > 0 } tag ? new LanguageHint(tag, null) : null;

    private static ChannelAddress Address(long chatId) =>
        new(ChannelNames.Telegram, chatId.ToString(System.Globalization.CultureInfo.InvariantCulture));

    [LoggerMessage(Level = LogLevel.Warning, Message = "A Telegram update could not be read at {Path}; what can be read of it is handled")]
    private static partial void LogUnreadable(ILogger logger, string? path);
}
