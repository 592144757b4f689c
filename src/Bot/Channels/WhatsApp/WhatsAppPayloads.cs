using System.Text.Json.Serialization;

namespace OimBot.Bot.Channels.WhatsApp;

// Webhook shapes from https://developers.facebook.com/docs/whatsapp/cloud-api/webhooks (messages and statuses).

public sealed record WaEnvelope([property: JsonPropertyName("object")] string? Kind, IReadOnlyList<WaEntry>? Entry);

public sealed record WaEntry(string? Id, IReadOnlyList<WaChange>? Changes);

public sealed record WaChange(string? Field, WaValue? Value);

public sealed record WaValue(string? MessagingProduct, WaMetadata? Metadata, IReadOnlyList<WaMessage>? Messages, IReadOnlyList<WaStatus>? Statuses, IReadOnlyList<WaError>? Errors);

public sealed record WaMetadata(string? DisplayPhoneNumber, string? PhoneNumberId);

/// <param name="FromUserId">The sender's business-scoped user id (BSUID, <c>US.1349…</c>): since 2026 the only sender id of
/// someone with a WhatsApp username who has not written lately (channel-apis.md §2.8).</param>
/// <param name="GroupId">Set when the message was written in a group the business number belongs to
/// (https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/messages/group/).</param>
public sealed record WaMessage(string? From, string? Id, string? Timestamp, string? Type, WaText? Text, WaInteractive? Interactive, WaButton? Button, WaMedia? Image = null, WaMedia? Video = null, WaMedia? Document = null, string? GroupId = null, string? FromUserId = null, WaUnsupported? Unsupported = null)
{
    /// <summary>Its content could not be bound (a field of a shape never seen): only who sent it, its id, time and type are known.</summary>
    [JsonIgnore]
    public bool Unreadable { get; init; }
}

/// <summary>What Meta could not pass on (<c>"type": "unsupported"</c>): its kind, such as <c>poll_creation</c>, <c>edit</c> or <c>pin</c>.</summary>
public sealed record WaUnsupported(string? Type);

/// <summary>A photo, video or document: only the words typed with it are read (the media is never downloaded).</summary>
public sealed record WaMedia(string? Caption);

public sealed record WaText(string? Body);

public sealed record WaInteractive(string? Type, WaReply? ButtonReply, WaReply? ListReply);

public sealed record WaReply(string? Id, string? Title);

public sealed record WaButton(string? Payload, string? Text);

public sealed record WaStatus(string? Id, string? Status, string? Timestamp, string? RecipientId, IReadOnlyList<WaError>? Errors);

public sealed record WaError(int? Code, string? Title);

// Sending: https://developers.facebook.com/docs/whatsapp/cloud-api/messages

public sealed record WaSend(string MessagingProduct, string RecipientType, string To, string Type, WaSendText? Text, WaSendInteractive? Interactive, WaSendTemplate? Template = null);

/// <summary>https://developers.facebook.com/docs/whatsapp/cloud-api/guides/send-message-templates: no components, since OimBot's templates have no variables.</summary>
public sealed record WaSendTemplate(string Name, WaSendLanguage Language);

public sealed record WaSendLanguage(string Policy, string Code);

public sealed record WaSendText(bool PreviewUrl, string Body);

public sealed record WaSendInteractive(string Type, WaSendBody Body, WaSendAction Action);

public sealed record WaSendBody(string Text);

public sealed record WaSendAction(IReadOnlyList<WaSendButton>? Buttons, string? Button, IReadOnlyList<WaSendSection>? Sections);

public sealed record WaSendButton(string Type, WaSendReply Reply);

public sealed record WaSendReply(string Id, string Title);

public sealed record WaSendSection(string? Title, IReadOnlyList<WaSendRow> Rows);

public sealed record WaSendRow(string Id, string Title);

public sealed record WaSendResponse(IReadOnlyList<WaSentMessage>? Messages, WaGraphError? Error);

public sealed record WaSentMessage(string? Id);

public sealed record WaGraphError(string? Message, int? Code, string? Type);

// Webhooks are read leniently: a number where Meta documents a string ("timestamp": 1700000000) is its text, a string
// where it documents a number ("code": "131047") its value. What still cannot be bound is read piece by piece
// (WhatsAppAdapter.Read), never refused as a whole.
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.AllowReadingFromString,
    Converters = [typeof(LenientStringConverter)])]
[JsonSerializable(typeof(WaEnvelope))]
[JsonSerializable(typeof(WaSend))]
[JsonSerializable(typeof(WaSendResponse))]
public sealed partial class WhatsAppJson : JsonSerializerContext;
