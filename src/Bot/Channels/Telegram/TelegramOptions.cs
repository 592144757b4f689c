using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace OimBot.Bot.Channels.Telegram;

public sealed class TelegramOptions
{
    public const string Section = "Channels:Telegram";

    public bool Enabled { get; set; }

    /// <summary>webhook (Telegram calls POST /webhooks/telegram) or polling (the bot calls getUpdates; for a machine with no public URL).</summary>
    public string Mode { get; set; } = "webhook";

    public string? BotToken { get; set; }

    /// <summary>The secret_token given to setWebhook; Telegram sends it back in X-Telegram-Bot-Api-Secret-Token.</summary>
    public string? WebhookSecret { get; set; }

    public string ApiBaseUrl { get; set; } = "https://api.telegram.org";

    /// <summary>Long-polling wait, in seconds (polling mode).</summary>
    public int PollingTimeoutSeconds { get; set; } = 25;

    /// <summary>Telegram's FAQ: about 30 messages per second overall and one per second in a chat.</summary>
    public double MessagesPerSecond { get; set; } = 30;

    public double PerChatPerSecond { get; set; } = 1;

    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    public bool IsPolling => string.Equals(Mode, "polling", StringComparison.OrdinalIgnoreCase);
}

/// <summary>Enabling Telegram without what it needs stops start-up with the missing key's name.</summary>
internal sealed partial class TelegramOptionsValidator : IValidateOptions<TelegramOptions>
{
    public ValidateOptionsResult Validate(string? name, TelegramOptions options)
    {
        if (!options.Enabled)
        {
            return ValidateOptionsResult.Success;
        }

        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(options.BotToken))
        {
            problems.Add("Channels:Telegram:BotToken is required when Channels:Telegram:Enabled is true.");
        }

        if (options.Mode is not ("webhook" or "polling"))
        {
            problems.Add("Channels:Telegram:Mode must be 'webhook' or 'polling'.");
        }
        else if (!options.IsPolling && (string.IsNullOrEmpty(options.WebhookSecret) || !SecretToken().IsMatch(options.WebhookSecret)))
        {
            problems.Add("Channels:Telegram:WebhookSecret is required in webhook mode: 1-256 characters of A-Z, a-z, 0-9, _ and - (the secret_token given to setWebhook).");
        }

        if (!Uri.TryCreate(options.ApiBaseUrl, UriKind.Absolute, out _))
        {
            problems.Add("Channels:Telegram:ApiBaseUrl must be an absolute URL.");
        }

        if (options.MessagesPerSecond <= 0 || options.PerChatPerSecond <= 0 || options.PollingTimeoutSeconds is < 0 or > 50)
        {
            problems.Add("Channels:Telegram:MessagesPerSecond and PerChatPerSecond must be positive; PollingTimeoutSeconds 0-50.");
        }

        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }

    [GeneratedRegex("^[A-Za-z0-9_-]{1,256}$")]
    private static partial Regex SecretToken();
}
