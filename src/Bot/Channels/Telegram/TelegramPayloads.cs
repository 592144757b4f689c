using System.Text.Json;
using System.Text.Json.Serialization;

namespace OimBot.Bot.Channels.Telegram;

// Shapes from https://core.telegram.org/bots/api#update (only the fields the bot reads or sends). Read leniently: a
// number where a string is documented is its text, digits in a string where a number is, its value; what still cannot
// be bound is read one part at a time (TelegramAdapter.Read), never refused as a whole (a 400 is repeated for ever).

// Classes with init properties, not positional records: System.Text.Json cannot bind extension data through a constructor.
public sealed class TelegramUpdate
{
    public long UpdateId { get; init; }

    public TelegramMessage? Message { get; init; }

    public TelegramMessage? EditedMessage { get; init; }

    public TelegramCallbackQuery? CallbackQuery { get; init; }

    /// <summary>Every other kind of update (channel posts, chat member changes, polls…): authentic but not for the bot.</summary>
    [JsonExtensionData]
#pragma warning disable CA2227 // System.Text.Json sets extension data; an init-only one is treated as a constructor parameter.
    public Dictionary<string, JsonElement>? Other { get; set; }
#pragma warning restore CA2227
}

public sealed class TelegramMessage
{
    public long MessageId { get; init; }

    public TelegramChat? Chat { get; init; }

    public TelegramUser? From { get; init; }

    public long Date { get; init; }

    public string? Text { get; init; }

    /// <summary>The words typed under a photo, video or document: read as the message (the media never is).</summary>
    public string? Caption { get; init; }

    /// <summary>Photos, voice notes, stickers, locations, documents…: only their presence is read, never their content.</summary>
    [JsonExtensionData]
#pragma warning disable CA2227 // System.Text.Json sets extension data; an init-only one is treated as a constructor parameter.
    public Dictionary<string, JsonElement>? Other { get; set; }
#pragma warning restore CA2227

    /// <summary>A field of it could not be bound: only what was read of it one field at a time is known (TelegramAdapter.Read).</summary>
    [JsonIgnore]
    public bool Unreadable { get; init; }
}

public sealed record TelegramChat(long Id, string? Type);

/// <param name="LanguageCode">The user's app language (IETF tag), a hint for the first reply; never stored.</param>
public sealed record TelegramUser(long Id, string? LanguageCode = null);

public sealed record TelegramCallbackQuery(string Id, TelegramUser? From, TelegramMessage? Message, string? Data);

public sealed record TelegramSendMessage(long ChatId, string Text, TelegramReplyMarkup? ReplyMarkup);

public sealed record TelegramReplyMarkup(IReadOnlyList<IReadOnlyList<TelegramInlineButton>> InlineKeyboard);

public sealed record TelegramInlineButton(string Text, string CallbackData);

public sealed record TelegramAnswerCallbackQuery(string CallbackQueryId);

public sealed record TelegramGetUpdates(long Offset, int Timeout, IReadOnlyList<string> AllowedUpdates);

/// <summary>
/// Every Bot API answer: ok, or an error code, a description and sometimes parameters.retry_after. Classes with init
/// properties rather than a positional record: a constructor of five parameters made System.Text.Json read each answer
/// through its "large object" path, with an argument buffer per read (issue 15).
/// </summary>
public class TelegramResponse
{
    public bool Ok { get; init; }

    public int? ErrorCode { get; init; }

    public string? Description { get; init; }

    public TelegramResponseParameters? Parameters { get; init; }
}

/// <summary>An answer whose result the bot reads, typed: read straight, without a copy of the result as a JSON element.</summary>
public sealed class TelegramResponse<T> : TelegramResponse
{
    public T? Result { get; init; }
}

public sealed record TelegramResponseParameters(int? RetryAfter);

public sealed record TelegramSentMessage(long MessageId);

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.AllowReadingFromString,
    Converters = [typeof(LenientStringConverter)])]
[JsonSerializable(typeof(TelegramUpdate))]
[JsonSerializable(typeof(List<TelegramUpdate>))]
[JsonSerializable(typeof(TelegramSendMessage))]
[JsonSerializable(typeof(TelegramAnswerCallbackQuery))]
[JsonSerializable(typeof(TelegramGetUpdates))]
[JsonSerializable(typeof(TelegramResponse<TelegramSentMessage>))]
[JsonSerializable(typeof(TelegramResponse<List<JsonElement>>))]
[JsonSerializable(typeof(TelegramSentMessage))]
public sealed partial class TelegramJson : JsonSerializerContext;
