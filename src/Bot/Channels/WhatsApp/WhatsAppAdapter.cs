using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using OimBot.Bot.Dialogs;
using OimBot.Bot.Storage;
using OimBot.Bot.Outbox;

namespace OimBot.Bot.Channels.WhatsApp;

/// <summary>
/// Translates WhatsApp Cloud API webhooks. Every POST is authenticated first: X-Hub-Signature-256 must be
/// "sha256=" + the hex HMAC-SHA256 of the raw body with the app secret, compared in constant time.
/// </summary>
public sealed partial class WhatsAppAdapter(IOptions<WhatsAppOptions> options, TimeProvider clock, ILogger<WhatsAppAdapter> logger)
{
    public const string SignatureHeader = "X-Hub-Signature-256";
    /// <summary>Meta may batch several changes in one payload, so this cap is the widest of the channels.</summary>
    public const int MaxBodyBytes = 1024 * 1024;

    /// <summary>The customer-service window: free-form replies only within 24 hours of the user's last message.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromHours(24);

    /// <summary>
    /// Message types that are Meta's events, not something the person wrote: a reaction (or its removal), a changed
    /// number, the chat opened for the first time, a disappearing-messages notice, a message the person deleted
    /// (<c>revoke</c>) or edited (<c>edit</c>; both sent for numbers also used in the WhatsApp Business app). 200 and
    /// nothing: an edit is treated as Telegram's are, and "I read text only" after a deleted message would answer
    /// something the person took back. Every other type
    /// (https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/messages) is
    /// something the person sent.
    /// </summary>
    private static readonly string[] Events = ["reaction", "system", "request_welcome", "ephemeral", "revoke", "edit"];

    /// <summary>
    /// The same events when Meta passes them on only as <c>"type": "unsupported"</c> with their kind in
    /// <c>unsupported.type</c>: an edit, a pinned message, a vote in a poll (the bot sends none). A poll the person
    /// created, and kinds not listed, are something they sent and get the polite reply.
    /// </summary>
    private static readonly string[] UnsupportedEvents = ["edit", "pin", "poll_update", "revoke", "reaction"];

    /// <summary>GET /webhooks/whatsapp: the subscription handshake (hub.mode, hub.verify_token, hub.challenge).</summary>
    public IResult Verify(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var query = request.Query;
        var challenge = query["hub.challenge"].FirstOrDefault();
        if (query["hub.mode"].FirstOrDefault() != "subscribe" || string.IsNullOrEmpty(challenge))
        {
            return TypedResults.Problem(detail: "expected hub.mode=subscribe and a hub.challenge", statusCode: StatusCodes.Status400BadRequest);
        }

        return WebhookRequest.FixedTimeEquals(query["hub.verify_token"].FirstOrDefault(), options.Value.VerifyToken ?? string.Empty)
            ? TypedResults.Text(challenge, "text/plain")
            : TypedResults.Problem(detail: "wrong verify token", statusCode: StatusCodes.Status401Unauthorized);
    }

    public async Task<WebhookResult> ParseAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);

        // No well-formed signature header, no reading: an unsigned body is refused before a byte of it is buffered.
        var signature = request.Headers[SignatureHeader].FirstOrDefault();
        if (string.IsNullOrEmpty(options.Value.AppSecret) || signature is not { Length: 71 } || !signature.StartsWith("sha256=", StringComparison.Ordinal))
        {
            return WebhookResult.Reject(StatusCodes.Status401Unauthorized, "missing or wrong X-Hub-Signature-256");
        }

        var body = await WebhookRequest.ReadBodyAsync(request, MaxBodyBytes, cancellationToken);
        if (body is null)
        {
            return WebhookResult.Reject(StatusCodes.Status413PayloadTooLarge, "the payload is too large");
        }

        if (!IsSigned(body, signature, options.Value.AppSecret))
        {
            return WebhookResult.Reject(StatusCodes.Status401Unauthorized, "missing or wrong X-Hub-Signature-256");
        }

        var envelope = Read(body);
        if (envelope is null)
        {
            return WebhookResult.Reject(StatusCodes.Status400BadRequest, "the body is not a JSON object");
        }

        return envelope.Kind == "whatsapp_business_account"
            ? WebhookResult.Accept(Translate(envelope))
            : WebhookResult.Ignore($"not a WhatsApp payload ({envelope.Kind})");
    }

    /// <summary>
    /// The payload as typed records, or null when it is not a JSON object at all. Usually one pass; when a field is of a
    /// shape the records cannot bind (Meta adds fields and types; a test tool sends numbers for strings), each entry,
    /// change, message and status is read on its own, so one that cannot be read never refuses the others with it.
    /// </summary>
    private WaEnvelope? Read(byte[] body)
    {
        try
        {
            return JsonSerializer.Deserialize(body, WhatsAppJson.Default.WaEnvelope);
        }
        catch (JsonException)
        {
            // read piece by piece below
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body);
        }
        catch (JsonException)
        {
            return null;
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            var entries = LenientJson.Children(root, "entry").Select(entry => new WaEntry(
                LenientJson.Text(entry, "id"),
                [.. LenientJson.Children(entry, "changes").Select(change => new WaChange(LenientJson.Text(change, "field"), LenientJson.Child(change, "value") is { } value ? ReadValue(value) : null))]));
            return new WaEnvelope(LenientJson.Text(root, "object"), [.. entries]);
        }
    }

    private WaValue ReadValue(JsonElement value)
    {
        var metadata = LenientJson.Child(value, "metadata") is { } m ? new WaMetadata(LenientJson.Text(m, "display_phone_number"), LenientJson.Text(m, "phone_number_id")) : null;
        var messages = LenientJson.Children(value, "messages").Select(ReadMessage).OfType<WaMessage>().ToList();
        var statuses = LenientJson.Children(value, "statuses").Select(ReadStatus).OfType<WaStatus>().ToList();
        var errors = LenientJson.Children(value, "errors").Select(e => new WaError(LenientJson.WholeNumber(e, "code") is { } code and >= int.MinValue and <= int.MaxValue ? (int)code : null, LenientJson.Text(e, "title"))).ToList();
        return new WaValue(LenientJson.Text(value, "messaging_product"), metadata, messages, statuses, errors);
    }

    /// <summary>
    /// One message; one the records cannot bind keeps what identifies it (who, which id, when, its type) and is marked
    /// unreadable: the person gets the polite "I read text only" rather than silence (what they sent is not guessed at).
    /// </summary>
    private WaMessage? ReadMessage(JsonElement message)
    {
        try
        {
            return message.Deserialize(WhatsAppJson.Default.WaMessage);
        }
        catch (JsonException ex)
        {
            LogUnreadable(logger, "message", ex.Path);
            return new WaMessage(LenientJson.Text(message, "from"), LenientJson.Text(message, "id"), LenientJson.Text(message, "timestamp"), LenientJson.Text(message, "type"), null, null, null, GroupId: LenientJson.Has(message, "group_id") ? LenientJson.Text(message, "group_id") ?? string.Empty : null, FromUserId: LenientJson.Text(message, "from_user_id")) { Unreadable = true };
        }
    }

    private WaStatus? ReadStatus(JsonElement status)
    {
        try
        {
            return status.Deserialize(WhatsAppJson.Default.WaStatus);
        }
        catch (JsonException ex)
        {
            // A delivery report of a shape never seen: the outbox row stays as it is (nothing the person sent is lost).
            LogUnreadable(logger, "status", ex.Path);
            return null;
        }
    }

    /// <summary>The signature over the raw bytes: re-serialising the JSON would change it (Meta escapes non-ASCII).</summary>
    public static bool IsSigned(byte[] body, string? header, string appSecret)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (string.IsNullOrEmpty(appSecret) || header is not { Length: 71 } || !header.StartsWith("sha256=", StringComparison.Ordinal))
        {
            return false;
        }

        var expected = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(appSecret), body));
        return WebhookRequest.FixedTimeEquals(header[7..].ToLowerInvariant(), expected);
    }

    /// <summary>
    /// Every entry is read on its own: a null entry, change, message or status, or a timestamp out of range, is skipped
    /// and never sinks the valid messages in the same payload (Meta would redeliver all of it for ever).
    /// </summary>
    private List<InboundEvent> Translate(WaEnvelope envelope)
    {
        var events = new List<InboundEvent>();
        var seen = new HashSet<string>(StringComparer.Ordinal); // one payload may repeat a message id
        var now = clock.GetUtcNow();
        var values = (envelope.Entry ?? []).OfType<WaEntry>()
            .SelectMany(e => e.Changes ?? [])
            .OfType<WaChange>()
            .Where(c => c.Field == "messages")
            .Select(c => c.Value)
            .OfType<WaValue>();
        foreach (var value in values)
        {
            if (value.Metadata?.PhoneNumberId is { } number && number != options.Value.PhoneNumberId)
            {
                continue; // another number of the same business account
            }

            foreach (var error in (value.Errors ?? []).OfType<WaError>())
            {
                LogProviderError(logger, error.Code); // Meta's errors webhook: for the operator, nothing to answer
            }

            foreach (var message in (value.Messages ?? []).OfType<WaMessage>())
            {
                // The phone number when Meta gives it, else the business-scoped user id: a person with a username may
                // come with the latter only, and was dropped in silence. Replies go to the same id.
                var sender = message.From is { Length: > 0 } phone ? phone : message.FromUserId;
                if (message.Id is { Length: > 0 } id && sender is { Length: > 0 } from && seen.Add(id) && Content(message) is { } content)
                {
                    var sentAt = SentAt(message.Timestamp, now);
                    events.Add(new InboundEvent.Message(new ChannelAddress(ChannelNames.WhatsApp, from), id, content with { Hint = LanguageHints.FromPhone(from) }, Delivery.Outbox(windowExpiresAt: sentAt + Window)));
                }
            }

            foreach (var status in (value.Statuses ?? []).OfType<WaStatus>())
            {
                if (status.Id is { Length: > 0 } id && Status(status.Status) is { } newStatus)
                {
                    var error = status.Errors is [{ Code: { } code }, ..] ? $"whatsapp {code}" : null;
                    events.Add(new InboundEvent.Status(id, newStatus, error));
                }
            }
        }

        return events;
    }

    /// <summary>
    /// When the user wrote (it opens the 24-hour window). A missing, unreadable, out-of-range or future timestamp counts
    /// as now: the window can never be made to look longer than it is.
    /// </summary>
    internal static DateTimeOffset SentAt(string? timestamp, DateTimeOffset now)
    {
        const long maxSeconds = 253_402_300_799; // 9999-12-31T23:59:59Z, the last second DateTimeOffset holds
        return long.TryParse(timestamp, NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds) && seconds is >= 0 and <= maxSeconds
            ? DateTimeOffset.FromUnixTimeSeconds(Math.Min(seconds, now.ToUnixTimeSeconds()))
            : now;
    }

    /// <summary>
    /// What the person sent, as the dialog reads it. Everything a person sends gets an answer: words and choices are
    /// read, anything else (media, a location, contacts, a type Meta adds later, a message that could not be read) gets
    /// the polite "I read text only" in their language. Only Meta's events in <c>messages</c> get nothing.
    /// </summary>
    private static UserMessage? Content(WaMessage message) => message switch
    {
        // Written in a group: never answered, nor read into the person's own conversation (Telegram's groups neither).
        { GroupId: not null } => null,
        { Type: { } type } when Events.Contains(type) => null,
        { Type: "unsupported", Unsupported.Type: { } kind } when UnsupportedEvents.Contains(kind) => null,
        { Unreadable: true } => UserMessage.Unsupported(),
        { Type: "text" } => string.IsNullOrEmpty(message.Text?.Body) ? UserMessage.Unsupported() : UserMessage.FromText(message.Text.Body),
        { Type: "interactive" } => (message.Interactive?.ButtonReply ?? message.Interactive?.ListReply)?.Id is { Length: > 0 } choice
            ? UserMessage.FromChoice(choice)
            : UserMessage.Unsupported(), // a reply to a form or a kind of button the bot never sends
        { Type: "button" } => string.IsNullOrEmpty(message.Button?.Text) ? UserMessage.Unsupported() : UserMessage.FromText(message.Button.Text),
        // A caption is read as the message ("necesito ayuda" under a photo); the media itself never is.
        _ => (message.Image ?? message.Video ?? message.Document)?.Caption is { } caption && !string.IsNullOrWhiteSpace(caption)
            ? UserMessage.FromText(caption)
            : UserMessage.Unsupported(),
    };

    [LoggerMessage(Level = LogLevel.Warning, Message = "WhatsApp reported error {Code} in a webhook")]
    private static partial void LogProviderError(ILogger logger, int? code);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A WhatsApp {Part} could not be read at {Path}; the rest of the payload is handled")]
    private static partial void LogUnreadable(ILogger logger, string part, string? path);

    private static OutboxStatus? Status(string? status) => status switch
    {
        "sent" => OutboxStatus.Sent,
        "delivered" => OutboxStatus.Delivered,
        "read" => OutboxStatus.Read,
        "failed" => OutboxStatus.Failed,
        _ => null, // "deleted" and future values
    };
}
