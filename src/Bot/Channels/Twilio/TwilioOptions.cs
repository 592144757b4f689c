using Microsoft.Extensions.Options;

namespace OimBot.Bot.Channels.Twilio;

public sealed class TwilioOptions
{
    public const string Section = "Channels:Twilio";

    public bool Enabled { get; set; }

    public string? AccountSid { get; set; }

    public string? AuthToken { get; set; }

    /// <summary>The sender, e.g. whatsapp:+14155238886.</summary>
    public string? From { get; set; }

    /// <summary>
    /// The public URL Twilio calls, without the path (e.g. https://bot.example.org): signatures are computed over it,
    /// never over the Host header, so they validate behind a proxy.
    /// </summary>
    public string? PublicBaseUrl { get; set; }

    public string ApiBaseUrl { get; set; } = "https://api.twilio.com";

    public double MessagesPerSecond { get; set; } = 50;

    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Channels:Twilio:ContentSids:&lt;template id&gt;:&lt;template language&gt; = HX…: the Content API template (approved
    /// by WhatsApp) for each template language in content/templates.yaml (es, en, fr, pt_BR, zh_CN). Required for
    /// every language the bot serves when Twilio is enabled: outside WhatsApp's window Twilio sends nothing else.
    /// </summary>
    public Dictionary<string, Dictionary<string, string>> ContentSids { get; set; } = new(StringComparer.Ordinal);
}

internal sealed partial class TwilioOptionsValidator : IValidateOptions<TwilioOptions>
{
    public static bool IsContentSid(string? sid) => sid is not null && ContentSid().IsMatch(sid);

    [System.Text.RegularExpressions.GeneratedRegex("^HX[0-9a-fA-F]{32}$")]
    private static partial System.Text.RegularExpressions.Regex ContentSid();

    public ValidateOptionsResult Validate(string? name, TwilioOptions options)
    {
        if (!options.Enabled)
        {
            return ValidateOptionsResult.Success;
        }

        var problems = new List<string>();
        foreach (var (key, value) in new[] { ("AccountSid", options.AccountSid), ("AuthToken", options.AuthToken), ("From", options.From), ("PublicBaseUrl", options.PublicBaseUrl) })
        {
            if (string.IsNullOrWhiteSpace(value))
            {
                problems.Add($"Channels:Twilio:{key} is required when Channels:Twilio:Enabled is true.");
            }
        }

        if (options.PublicBaseUrl is { Length: > 0 } url && !Uri.TryCreate(url, UriKind.Absolute, out _))
        {
            problems.Add("Channels:Twilio:PublicBaseUrl must be an absolute URL such as https://bot.example.org.");
        }

        if (!Uri.TryCreate(options.ApiBaseUrl, UriKind.Absolute, out _) || options.MessagesPerSecond <= 0)
        {
            problems.Add("Channels:Twilio:ApiBaseUrl must be an absolute URL and MessagesPerSecond positive.");
        }

        foreach (var (id, languages) in options.ContentSids)
        {
            foreach (var (language, sid) in languages)
            {
                if (!IsContentSid(sid))
                {
                    problems.Add($"Channels:Twilio:ContentSids:{id}:{language} must be a Content SID (HX followed by 32 hexadecimal digits), not '{sid}'.");
                }
            }
        }

        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
