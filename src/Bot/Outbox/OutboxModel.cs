using OimBot.Content;

namespace OimBot.Bot.Outbox;

/// <summary>Where an outbox row stands. Only <see cref="Pending"/> and <see cref="Sending"/> rows are still to be sent.</summary>
public enum OutboxStatus
{
    Pending,
    Sending,
    Sent,
    Delivered,
    Read,

    /// <summary>The provider refused it for good, or reported it undeliverable.</summary>
    Failed,

    /// <summary>Every retry was used up: kept and listed by <c>outbox status</c>, re-queued by <c>outbox retry-dead</c>.</summary>
    Dead,

    /// <summary>
    /// WhatsApp's 24-hour window had closed: the row waits, a template asks the person to write, and the row is sent as
    /// soon as they do (which reopens the window). Cancelled by STOP, deleted by BORRAR.
    /// </summary>
    Held,

    /// <summary>The user wrote STOP, or asked to delete everything, before it was sent.</summary>
    Cancelled,

    /// <summary>The user blocked the bot on the channel; the conversation is marked stopped.</summary>
    Blocked,
}

/// <summary>How statuses are stored: the enum's name in lower case ('pending', 'held'…).</summary>
public static class OutboxStatuses
{
    public static string Name(OutboxStatus status) => status.ToString().ToLowerInvariant();

    public static OutboxStatus Parse(string name) => Enum.Parse<OutboxStatus>(name, ignoreCase: true);
}

/// <summary>How a turn's replies are delivered: in the HTTP response (web chat) or through the outbox (messaging channels).</summary>
public sealed record Delivery(bool ThroughOutbox, DateTimeOffset? WindowExpiresAt = null, string? CallbackQueryId = null)
{
    public static readonly Delivery InResponse = new(ThroughOutbox: false);

    /// <summary>WhatsApp's customer-service window (Cloud API and Twilio): 24 hours from the person's last message.</summary>
    public static readonly TimeSpan WhatsAppWindow = TimeSpan.FromHours(24);

    public static Delivery Outbox(DateTimeOffset? windowExpiresAt = null, string? callbackQueryId = null) =>
        new(ThroughOutbox: true, windowExpiresAt, callbackQueryId);
}

/// <summary>A row the dispatcher claimed: what to send, to whom (decrypted only here), and how many tries it took so far.</summary>
/// <param name="Template">Set for a WhatsApp template row: which template, in the person's language. <see cref="Reply"/> then holds its body.</param>
public sealed record OutboxMessage(
    long Id,
    string Channel,
    string Address,
    RenderedReply Reply,
    string? CallbackQueryId,
    int Attempts,
    DateTimeOffset? WindowExpiresAt,
    OutboxTemplate? Template = null);

/// <summary>A template to send instead of free text: its id in content/templates.yaml and the person's bot language.</summary>
public sealed record OutboxTemplate(string Id, string Language);

/// <summary>What happened to one send, as the store records it.</summary>
public abstract record OutboxOutcome
{
    public sealed record Sent(string? ProviderMessageId) : OutboxOutcome;

    public sealed record RetryLater(string Error, DateTimeOffset NotBefore) : OutboxOutcome;

    /// <summary>Not tried: the channel is disabled, or the service is shutting down. Waits without using up an attempt.</summary>
    public sealed record Deferred(string Reason, DateTimeOffset NotBefore) : OutboxOutcome;

    public sealed record Failed(string Error) : OutboxOutcome;

    public sealed record Dead(string Error) : OutboxOutcome;

    /// <summary>
    /// Outside the window: the row is held, and the template <paramref name="TemplateId"/> is queued in the person's
    /// language unless one already asked them to write since their last message. <paramref name="CaseNote"/> is what the
    /// case page says about it.
    /// </summary>
    public sealed record Held(string Error, string TemplateId, string CaseNote) : OutboxOutcome;

    public sealed record Blocked(string Error) : OutboxOutcome;
}

/// <summary>Counts per status, and the rows that need a person's attention (no address, no text).</summary>
public sealed record OutboxReport(IReadOnlyDictionary<OutboxStatus, int> Counts, IReadOnlyList<OutboxProblem> Problems);

public sealed record OutboxProblem(long Id, string Channel, OutboxStatus Status, int Attempts, string? LastError, DateTimeOffset UpdatedAt);
