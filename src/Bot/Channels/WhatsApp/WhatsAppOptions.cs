using Microsoft.Extensions.Options;

namespace OimBot.Bot.Channels.WhatsApp;

public sealed class WhatsAppOptions
{
    public const string Section = "Channels:WhatsApp";

    public bool Enabled { get; set; }

    /// <summary>The Verify Token set in the app dashboard; Meta sends it back in hub.verify_token.</summary>
    public string? VerifyToken { get; set; }

    /// <summary>The app secret that signs every webhook (X-Hub-Signature-256).</summary>
    public string? AppSecret { get; set; }

    /// <summary>The bearer token for the Graph API.</summary>
    public string? AccessToken { get; set; }

    /// <summary>The business phone number's id: the sending endpoint, and the only number whose webhooks are handled.</summary>
    public string? PhoneNumberId { get; set; }

    public string ApiVersion { get; set; } = "v23.0";

    public string GraphApiBaseUrl { get; set; } = "https://graph.facebook.com";

    /// <summary>Cloud API's default throughput is 80 messages per second per number.</summary>
    public double MessagesPerSecond { get; set; } = 80;

    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Channels:WhatsApp:TemplateNames:&lt;template id&gt;: the name a template was approved under in WhatsApp Manager,
    /// when it differs from the name in content/templates.yaml (a rejected name cannot be reused for 30 days).
    /// </summary>
    public Dictionary<string, string> TemplateNames { get; set; } = new(StringComparer.Ordinal);
}

internal sealed class WhatsAppOptionsValidator : IValidateOptions<WhatsAppOptions>
{
    public ValidateOptionsResult Validate(string? name, WhatsAppOptions options)
    {
        if (!options.Enabled)
        {
            return ValidateOptionsResult.Success;
        }

        var problems = new List<string>();
        foreach (var (key, value) in new[]
        {
            ("VerifyToken", options.VerifyToken), ("AppSecret", options.AppSecret), ("AccessToken", options.AccessToken), ("PhoneNumberId", options.PhoneNumberId),
        })
        {
            if (string.IsNullOrWhiteSpace(value))
            {
                problems.Add($"Channels:WhatsApp:{key} is required when Channels:WhatsApp:Enabled is true.");
            }
        }

        if (!Uri.TryCreate(options.GraphApiBaseUrl, UriKind.Absolute, out _))
        {
            problems.Add("Channels:WhatsApp:GraphApiBaseUrl must be an absolute URL.");
        }

        if (options.MessagesPerSecond <= 0)
        {
            problems.Add("Channels:WhatsApp:MessagesPerSecond must be positive.");
        }

        foreach (var (id, templateName) in options.TemplateNames)
        {
            if (!OimBot.Content.Templates.IsName(templateName))
            {
                problems.Add($"Channels:WhatsApp:TemplateNames:{id} must be a WhatsApp template name (lower-case letters, digits and '_'), not '{templateName}'.");
            }
        }

        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
