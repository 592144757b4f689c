using System.ComponentModel.DataAnnotations;

namespace OimBot.Bot.Storage;

public sealed class StorageOptions
{
    public const string Section = "Storage";

    /// <summary>sqlite (embedded, the default). PostgreSQL comes with its own issue.</summary>
    [Required]
    [RegularExpression("^(sqlite)$", ErrorMessage = "Storage:Provider must be 'sqlite' (PostgreSQL is not available yet).")]
    public string Provider { get; set; } = "sqlite";

    [Required(ErrorMessage = "Storage:ConnectionString is required, e.g. 'Data Source=data/oimbot.db'.")]
    public string ConnectionString { get; set; } = "Data Source=data/oimbot.db";

    /// <summary>How long an answered inbound message id is remembered to drop repeated deliveries.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "30.00:00:00", ErrorMessage = "Storage:DedupeWindow must be between 1 minute and 30 days.")]
    public TimeSpan DedupeWindow { get; set; } = TimeSpan.FromDays(2);

    /// <summary>How long settled outbox rows (sent, delivered, failed, dead…) are kept, for delivery reports and troubleshooting.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "90.00:00:00", ErrorMessage = "Storage:OutboxRetention must be between 1 minute and 90 days.")]
    public TimeSpan OutboxRetention { get; set; } = TimeSpan.FromDays(7);
}
