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
public sealed class WhatsAppAdapter(IOptions<WhatsAppOptions> options, TimeProvider clock)
{
    public const string SignatureHeader = "X-Hub-Signature-256";
    /// <summary>Meta may batch several changes in one payload, so this cap is the widest of the channels.</summary>
    public const int MaxBodyBytes = 1024 * 1024;

    /// <summary>The customer-service window: free-form replies only within 24 hours of the user's last message.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromHours(24);

    private static readonly string[] Unsupported = ["image", "audio", "voice", "video", "document", "sticker", "location", "contacts", "unsupported"];

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

        WaEnvelope? envelope;
        try
        {
            envelope = JsonSerializer.Deserialize(body, WhatsAppJson.Default.WaEnvelope);
        }
        catch (JsonException)
        {
            return WebhookResult.Reject(StatusCodes.Status400BadRequest, "the body is not a JSON webhook payload");
        }

        if (envelope is null)
        {
            return WebhookResult.Reject(StatusCodes.Status400BadRequest, "the body is empty");
        }

        return envelope.Kind == "whatsapp_business_account"
            ? WebhookResult.Accept(Translate(envelope))
            : WebhookResult.Ignore($"not a WhatsApp payload ({envelope.Kind})");
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

            foreach (var message in (value.Messages ?? []).OfType<WaMessage>())
            {
                if (message is { Id: { Length: > 0 } id, From: { Length: > 0 } from } && seen.Add(id) && Content(message) is { } content)
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

    private static UserMessage? Content(WaMessage message) => message.Type switch
    {
        "text" when !string.IsNullOrEmpty(message.Text?.Body) => UserMessage.FromText(message.Text.Body),
        "interactive" when (message.Interactive?.ButtonReply ?? message.Interactive?.ListReply)?.Id is { Length: > 0 } choice => UserMessage.FromChoice(choice),
        "button" when !string.IsNullOrEmpty(message.Button?.Text) => UserMessage.FromText(message.Button.Text),
        // A caption is read as the message ("necesito ayuda" under a photo); the media itself never is.
        { } type when Unsupported.Contains(type) => (message.Image ?? message.Video ?? message.Document)?.Caption is { } caption && !string.IsNullOrWhiteSpace(caption)
            ? UserMessage.FromText(caption)
            : UserMessage.Unsupported(),
        _ => null, // reactions, system messages: nothing to answer
    };

    private static OutboxStatus? Status(string? status) => status switch
    {
        "sent" => OutboxStatus.Sent,
        "delivered" => OutboxStatus.Delivered,
        "read" => OutboxStatus.Read,
        "failed" => OutboxStatus.Failed,
        _ => null, // "deleted" and future values
    };
}
