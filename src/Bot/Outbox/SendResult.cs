using System.Text.RegularExpressions;

namespace OimBot.Bot.Outbox;

/// <summary>How a provider answered one send, classified like courier's error taxonomy.</summary>
public abstract partial record SendResult
{
    public sealed record Sent(string? ProviderMessageId) : SendResult;

    /// <summary>A network error, a timeout or a 5xx: try again.</summary>
    public sealed record Retryable(string Error, TimeSpan? RetryAfter = null) : SendResult;

    /// <summary>The provider asked us to slow down (429, Telegram retry_after, Meta 130429/131056…).</summary>
    public sealed record Throttled(string Error, TimeSpan? RetryAfter) : SendResult;

    /// <summary>The provider refused the message for good (a 4xx that retrying cannot fix).</summary>
    public sealed record Permanent(string Error) : SendResult;

    /// <summary>The user blocked the bot (Telegram 403 "bot was blocked", Twilio 21610): stop writing to them.</summary>
    public sealed record UserBlocked(string Error) : SendResult;

    /// <summary>The WhatsApp 24-hour window is closed (Meta 131047, Twilio 63016): only a template may be sent.</summary>
    public sealed record NeedsTemplate(string Error) : SendResult;

    /// <summary>
    /// The provider refused a template: paused for low quality (Meta lifts a pause after hours, so it is tried again
    /// later), or rejected, disabled, missing or sent with the wrong parameters (fixed only by a person). The reply
    /// the template announced stays held either way and goes out when the person writes.
    /// </summary>
    public sealed record TemplateRefused(string Error, bool Paused) : SendResult;

    /// <summary>
    /// Error text that may be stored and logged: provider codes and short descriptions, with any long digit run
    /// (chat ids, phone numbers) removed and the length capped.
    /// </summary>
    public static string Safe(string? text)
    {
        var cleaned = LongDigits().Replace(text ?? string.Empty, "…");
        return cleaned.Length <= 120 ? cleaned : cleaned[..120];
    }

    [GeneratedRegex(@"\+?\d[\d\s-]{4,}\d")]
    private static partial Regex LongDigits();
}
