using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using OimBot.Bot.Outbox;
using OimBot.Bot.Storage;
using OimBot.Content;

namespace OimBot.Bot.Channels.Telegram;

/// <summary>
/// A thin Bot API client (https://core.telegram.org/bots/api). The bot token sits in the URL path, so this client's
/// HttpClient logging is removed at registration: a token must never reach a log.
/// </summary>
public sealed partial class TelegramClient(IHttpClientFactory httpFactory, IOptions<TelegramOptions> options) : IChannelSender, ITapAcknowledger
{
    public const int MaxText = 4096;
    public const int MaxButtonText = 64;

    /// <summary>A client from the factory per call (handlers rotate); its logging is removed at registration.</summary>
    private HttpClient Http => httpFactory.CreateClient(nameof(TelegramClient));

    public string Channel => ChannelNames.Telegram;

    public bool Enabled => options.Value.Enabled;

    public SendLimits Limits => new(options.Value.MessagesPerSecond, options.Value.PerChatPerSecond, options.Value.Timeout);

    public IReadOnlyList<RenderedReply> Shape(RenderedReply reply) => ReplyShaper.SplitKeepingChoices(reply, MaxText);

    public async Task<SendResult> SendAsync(OutboxMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.CallbackQueryId is { } callback && message.Attempts == 0)
        {
            // Stops the button's progress spinner. Best effort: the reply itself is what matters.
            await TryAnswerCallbackAsync(callback, cancellationToken);
        }

        if (!long.TryParse(message.Address, NumberStyles.Integer, CultureInfo.InvariantCulture, out var chatId))
        {
            return new SendResult.Permanent("not a Telegram chat id");
        }

        var markup = message.Reply.Choices.Count == 0
            ? null
            : new TelegramReplyMarkup([.. message.Reply.Choices.Select(c => (IReadOnlyList<TelegramInlineButton>)[new TelegramInlineButton(ReplyShaper.Truncate(c.Label, MaxButtonText), c.Key)])]);
        var request = new TelegramSendMessage(chatId, ReplyShaper.Truncate(message.Reply.Text, MaxText), markup);
        using var response = await Http.PostAsJsonAsync(_sendMessage ??= Url("sendMessage"), request, TelegramJson.Default.TelegramSendMessage, cancellationToken);
        return await ClassifyAsync(response, chatId, cancellationToken);
    }

    /// <summary>Stops the spinner of a tap no reply answers (<see cref="TapAcknowledgements"/>).</summary>
    public Task AcknowledgeAsync(string tapId, CancellationToken cancellationToken) => TryAnswerCallbackAsync(tapId, cancellationToken);

    /// <summary>
    /// getUpdates for polling mode; the HTTP wait is longer than the long-poll timeout. Each update comes back as it
    /// was sent, to be read on its own (<see cref="TelegramAdapter.Read(JsonElement)"/>): one update with a field of an
    /// unexpected shape had failed the whole answer, and the poll asked for the same updates for ever.
    /// </summary>
    public async Task<(IReadOnlyList<JsonElement> Updates, SendResult? Error)> GetUpdatesAsync(long offset, CancellationToken cancellationToken)
    {
        var request = new TelegramGetUpdates(offset, options.Value.PollingTimeoutSeconds, ["message", "callback_query"]);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(options.Value.PollingTimeoutSeconds + 15));
        using var response = await Http.PostAsJsonAsync(Url("getUpdates"), request, TelegramJson.Default.TelegramGetUpdates, timeout.Token);
        var body = await ReadAsync(response, TelegramJson.Default.TelegramResponseListJsonElement, timeout.Token);
        if (response.IsSuccessStatusCode && body is { Ok: true, Result: { } updates })
        {
            return (updates, null);
        }

        return ([], Classify(response, body));
    }

    /// <summary>
    /// How long stopping a button's spinner may hold up the reply: a slow answerCallbackQuery had taken the whole send's
    /// timeout and sent the reply 10 seconds late, as a retry (found in a new user's try).
    /// </summary>
    public static readonly TimeSpan CallbackAnswerTimeout = TimeSpan.FromSeconds(2);

    private async Task TryAnswerCallbackAsync(string callbackQueryId, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(CallbackAnswerTimeout);
        try
        {
            using var response = await Http.PostAsJsonAsync(_answerCallbackQuery ??= Url("answerCallbackQuery"), new TelegramAnswerCallbackQuery(callbackQueryId), TelegramJson.Default.TelegramAnswerCallbackQuery, timeout.Token);
        }
        catch (HttpRequestException)
        {
            // the spinner stops by itself after a while
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // too slow: the reply goes now, and the spinner stops by itself
        }
    }

    private Uri Url(string method) => new($"{options.Value.ApiBaseUrl.TrimEnd('/')}/bot{options.Value.BotToken}/{method}");

    /// <summary>The methods' addresses, made once (the options are read at start-up): not a string and a parsed Uri per send.</summary>
    private Uri? _sendMessage;
    private Uri? _answerCallbackQuery;

    /// <summary>
    /// A message id is unique only inside its chat (https://core.telegram.org/bots/api#message), so the provider id
    /// the outbox records is the chat and the message together: "chat:message".
    /// </summary>
    private static async Task<SendResult> ClassifyAsync(HttpResponseMessage response, long chatId, CancellationToken cancellationToken)
    {
        var body = await ReadAsync(response, TelegramJson.Default.TelegramResponseTelegramSentMessage, cancellationToken);
        if (response.IsSuccessStatusCode && body is { Ok: true })
        {
            return new SendResult.Sent(body.Result is { } sent ? ProviderId(chatId, sent.MessageId) : null);
        }

        return Classify(response, body);
    }

    public static string ProviderId(long chatId, long messageId) =>
        $"{chatId.ToString(CultureInfo.InvariantCulture)}:{messageId.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>Telegram's errors (https://core.telegram.org/bots/api#making-requests), classified like courier.</summary>
    internal static SendResult Classify(HttpResponseMessage response, TelegramResponse? body)
    {
        var status = (int)response.StatusCode;
        var description = body?.Description ?? string.Empty;
        var error = SendResult.Safe($"telegram {body?.ErrorCode ?? status}: {description}");
        if (status == (int)HttpStatusCode.TooManyRequests || body?.ErrorCode == 429)
        {
            return new SendResult.Throttled(error, RetryAfter(response, body));
        }

        if (status == (int)HttpStatusCode.Forbidden
            && (description.Contains("blocked by the user", StringComparison.OrdinalIgnoreCase) || description.Contains("user is deactivated", StringComparison.OrdinalIgnoreCase)))
        {
            return new SendResult.UserBlocked(error);
        }

        if (status >= 500 || status is (int)HttpStatusCode.Unauthorized or (int)HttpStatusCode.NotFound)
        {
            // 5xx: Telegram trouble. 401/404: a wrong token or base URL, fixed by configuration: keep the row.
            return new SendResult.Retryable(error);
        }

        return new SendResult.Permanent(error);
    }

    /// <summary>parameters.retry_after, or "retry after N" in older descriptions, or the HTTP Retry-After header.</summary>
    private static TimeSpan? RetryAfter(HttpResponseMessage response, TelegramResponse? body)
    {
        if (body?.Parameters?.RetryAfter is { } seconds)
        {
            return TimeSpan.FromSeconds(seconds);
        }

        if (body?.Description is { } description && RetryAfterText().Match(description) is { Success: true } match)
        {
            return TimeSpan.FromSeconds(int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture));
        }

        return response.Headers.RetryAfter?.Delta;
    }

    private static async Task<TelegramResponse<T>?> ReadAsync<T>(HttpResponseMessage response, System.Text.Json.Serialization.Metadata.JsonTypeInfo<TelegramResponse<T>> type, CancellationToken cancellationToken)
    {
        try
        {
            return await response.Content.ReadFromJsonAsync(type, cancellationToken);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    [GeneratedRegex(@"retry after (\d+)", RegexOptions.IgnoreCase)]
    private static partial Regex RetryAfterText();
}
