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

    /// <summary>Where messages wait, encrypted, while the database is unavailable (created when first needed).</summary>
    [Required(ErrorMessage = "Storage:SpoolDirectory is required, e.g. 'data/spool'.")]
    public string SpoolDirectory { get; set; } = "data/spool";

    /// <summary>How often waiting messages are tried again while the database is unavailable.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:10:00", ErrorMessage = "Storage:SpoolRetryInterval must be between 50 ms and 10 minutes.")]
    public TimeSpan SpoolRetryInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How long a webhook waits for the database before it keeps the message on disk and answers (providers time out at 10-15 s).</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:00:10", ErrorMessage = "Storage:WebhookBudget must be between 100 ms and 10 seconds.")]
    public TimeSpan WebhookBudget { get; set; } = TimeSpan.FromSeconds(4);

    /// <summary>How many times a message whose turn throws (a bug) is tried before it is set aside and answered with an apology.</summary>
    [Range(1, 10, ErrorMessage = "Storage:TurnAttempts must be between 1 and 10.")]
    public int TurnAttempts { get; set; } = 3;
}
