using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using OimBot.Analytics;

namespace OimBot.Bot.Reporting;

public sealed class AnalyticsOptions
{
    public const string Section = "Analytics";

    /// <summary>
    /// Base64 of 32 random bytes that keys the people pseudonyms (with a random salt per period). When empty,
    /// <see cref="PseudonymKeyFile"/> is used (and created). Keep it apart from the database: with both, a period that
    /// is still open could be tested against phone numbers.
    /// </summary>
    public string? PseudonymKey { get; set; }

    public string PseudonymKeyFile { get; set; } = "data/analytics.key";

    /// <summary>People are counted once per period; its salt is destroyed when it ends. Quarter (IOM reports quarterly) or Month.</summary>
    [RegularExpression("^(Quarter|Month)$", ErrorMessage = "Analytics:PeriodLength must be Quarter or Month.")]
    public string PeriodLength { get; set; } = nameof(Analytics.PeriodLength.Quarter);

    /// <summary>The parsed length (validation at start-up refuses anything else).</summary>
    public PeriodLength Period => Enum.TryParse<PeriodLength>(PeriodLength, out var length) ? length : Analytics.PeriodLength.Quarter;

    /// <summary>How long raw events are kept before they become anonymous daily counts.</summary>
    [Range(typeof(TimeSpan), "1.00:00:00", "730.00:00:00", ErrorMessage = "Analytics:RawRetention must be between 1 and 730 days.")]
    public TimeSpan RawRetention { get; set; } = TimeSpan.FromDays(90);

    /// <summary>How often raw events are rolled up and ended periods' salts destroyed.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00", ErrorMessage = "Analytics:MaintenanceInterval must be between 1 second and 1 day.")]
    public TimeSpan MaintenanceInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Topics whose counts are suppressed below 10 instead of 5, besides those the content marks sensitive.</summary>
    public IList<string> SensitiveTopics { get; set; } = ["trafficking", "dangers", "emergency"];
}

/// <summary>A configured key must be usable, so a typo stops start-up with the key's name instead of failing a turn.</summary>
internal sealed class AnalyticsOptionsValidator : IValidateOptions<AnalyticsOptions>
{
    public ValidateOptionsResult Validate(string? name, AnalyticsOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.PseudonymKey))
        {
            return ValidateOptionsResult.Success;
        }

        Span<byte> buffer = stackalloc byte[64];
        return Convert.TryFromBase64String(options.PseudonymKey, buffer, out var length) && length == 32
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail("Analytics:PseudonymKey must be the base64 of 32 random bytes (e.g. `openssl rand -base64 32`).");
    }
}
