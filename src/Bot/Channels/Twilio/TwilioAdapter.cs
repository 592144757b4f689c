using System.Text;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using OimBot.Bot.Dialogs;
using OimBot.Bot.Storage;
using OimBot.Bot.Outbox;

namespace OimBot.Bot.Channels.Twilio;

/// <summary>
/// Translates Twilio's WhatsApp webhooks (form-encoded messages and status callbacks). The signature is checked over
/// Channels:Twilio:PublicBaseUrl + the path and query, and every parameter received, before anything is read.
/// </summary>
public sealed class TwilioAdapter(IOptions<TwilioOptions> options, TimeProvider clock)
{
    public const string SignatureHeader = "X-Twilio-Signature";
    public const int MaxBodyBytes = 64 * 1024;

    /// <summary>The empty TwiML answer: replies go through the outbox and the REST API, not in the webhook response.</summary>
    public static IResult EmptyTwiml() => TypedResults.Text("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response/>", "text/xml", Encoding.UTF8);

    public async Task<WebhookResult> ParseAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);

        // No signature, no reading: an unsigned body is refused before a byte of it is buffered. The signature itself
        // (base64 of an HMAC-SHA1, 28 characters) is checked over the form once it is read.
        if (request.Headers[SignatureHeader].FirstOrDefault() is not { Length: 28 })
        {
            return WebhookResult.Reject(StatusCodes.Status401Unauthorized, "missing X-Twilio-Signature");
        }

        var body = await WebhookRequest.ReadBodyAsync(request, MaxBodyBytes, cancellationToken);
        if (body is null)
        {
            return WebhookResult.Reject(StatusCodes.Status413PayloadTooLarge, "the request is too large");
        }

        Dictionary<string, StringValues> form;
        try
        {
            form = new FormReader(Encoding.UTF8.GetString(body)).ReadForm();
        }
        catch (InvalidDataException)
        {
            return WebhookResult.Reject(StatusCodes.Status400BadRequest, "the body is not form-encoded");
        }

        var url = PublicUrl(request);
        if (!TwilioSignature.IsValid(options.Value.AuthToken ?? string.Empty, url, form, request.Headers[SignatureHeader].FirstOrDefault()))
        {
            return WebhookResult.Reject(StatusCodes.Status401Unauthorized, "missing or wrong X-Twilio-Signature");
        }

        return Translate(form);
    }

    /// <summary>The URL Twilio called: the configured public base, then this request's path and query string.</summary>
    public string PublicUrl(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return $"{options.Value.PublicBaseUrl?.TrimEnd('/')}{request.PathBase}{request.Path}{request.QueryString}";
    }

    private WebhookResult Translate(Dictionary<string, StringValues> form)
    {
        string? Field(string name) => form.TryGetValue(name, out var value) ? value.ToString() : null;

        var sid = Field("MessageSid") ?? Field("SmsSid");
        if (string.IsNullOrEmpty(sid))
        {
            return WebhookResult.Reject(StatusCodes.Status400BadRequest, "MessageSid is missing");
        }

        // A status callback carries MessageStatus. "received" (and "receiving") are the statuses of an incoming
        // message (https://www.twilio.com/docs/messaging/api/message-resource#message-status-values): such a request is
        // read as the message it is, never dropped as a report.
        if (Field("MessageStatus") is { } messageStatus && messageStatus is not ("received" or "receiving"))
        {
            return Status(messageStatus) is { } status
                ? WebhookResult.Accept(new InboundEvent.Status(sid, status, Field("ErrorCode") is { Length: > 0 } code ? $"twilio {code}" : null))
                : WebhookResult.Ignore($"status '{messageStatus}' needs nothing");
        }

        var from = Field("From");
        if (string.IsNullOrEmpty(from))
        {
            return WebhookResult.Reject(StatusCodes.Status400BadRequest, "From is missing");
        }

        var text = Field("Body");
        var hasMedia = int.TryParse(Field("NumMedia"), out var media) && media > 0;
        UserMessage content;
        if (!string.IsNullOrWhiteSpace(text))
        {
            content = UserMessage.FromText(text); // a caption is read; the media itself never is
        }
        else if (hasMedia || Field("Latitude") is not null)
        {
            content = UserMessage.Unsupported();
        }
        else if (Field("ButtonText") is { Length: > 0 } button)
        {
            content = UserMessage.FromText(button);
        }
        else
        {
            return WebhookResult.Ignore("an empty message");
        }

        var delivery = Delivery.Outbox(windowExpiresAt: clock.GetUtcNow() + WhatsApp.WhatsAppAdapter.Window);
        content = content with { Hint = LanguageHints.FromPhone(from) };
        return WebhookResult.Accept(new InboundEvent.Message(new ChannelAddress(ChannelNames.Twilio, from), sid, content, delivery));
    }

    private static OutboxStatus? Status(string status) => status switch
    {
        "sent" or "queued" or "accepted" or "sending" => OutboxStatus.Sent,
        "delivered" => OutboxStatus.Delivered,
        "read" => OutboxStatus.Read,
        "failed" or "undelivered" => OutboxStatus.Failed,
        _ => null,
    };
}
