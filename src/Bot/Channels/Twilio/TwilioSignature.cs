using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Primitives;

namespace OimBot.Bot.Channels.Twilio;

/// <summary>
/// X-Twilio-Signature (https://www.twilio.com/docs/usage/webhooks/webhooks-security): Base64 HMAC-SHA1, keyed by the
/// auth token, of the full URL followed by every POST parameter name and value, names in ordinal order (the values of a
/// repeated name sorted). Like Twilio's own SDKs, the URL is accepted with or without its default port.
/// </summary>
public static class TwilioSignature
{
    public static string Compute(string authToken, string url, IEnumerable<KeyValuePair<string, StringValues>> parameters)
    {
        ArgumentNullException.ThrowIfNull(authToken);
        ArgumentNullException.ThrowIfNull(url);
        ArgumentNullException.ThrowIfNull(parameters);
        var data = new StringBuilder(url);
        foreach (var (name, values) in parameters.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            foreach (var value in values.Order(StringComparer.Ordinal))
            {
                data.Append(name).Append(value);
            }
        }

#pragma warning disable CA5350 // Twilio defines the signature as HMAC-SHA1; we verify it, we do not choose it.
        return Convert.ToBase64String(HMACSHA1.HashData(Encoding.UTF8.GetBytes(authToken), Encoding.UTF8.GetBytes(data.ToString())));
#pragma warning restore CA5350
    }

    public static bool IsValid(string authToken, string url, IReadOnlyCollection<KeyValuePair<string, StringValues>> parameters, string? signature)
    {
        if (string.IsNullOrEmpty(signature) || string.IsNullOrEmpty(authToken))
        {
            return false;
        }

        var valid = false;
        foreach (var variant in UrlVariants(url))
        {
            // every variant is checked, so the time taken does not depend on which one matched
            valid |= WebhookRequest.FixedTimeEquals(signature, Compute(authToken, variant, parameters));
        }

        return valid;
    }

    /// <summary>The URL as given, without its port, and with the scheme's default port (host case is kept, as Twilio signs it).</summary>
    public static IEnumerable<string> UrlVariants(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        var schemeEnd = url.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd < 0)
        {
            return [url];
        }

        var scheme = url[..schemeEnd];
        var authorityStart = schemeEnd + 3;
        var pathStart = url.IndexOfAny(['/', '?'], authorityStart);
        var authority = pathStart < 0 ? url[authorityStart..] : url[authorityStart..pathStart];
        var rest = pathStart < 0 ? string.Empty : url[pathStart..];
        var colon = authority.LastIndexOf(':');
        var host = colon < 0 ? authority : authority[..colon];
        var defaultPort = scheme.Equals("https", StringComparison.OrdinalIgnoreCase) ? "443" : "80";
        return new[] { url, $"{scheme}://{host}{rest}", $"{scheme}://{host}:{defaultPort}{rest}" }.Distinct(StringComparer.Ordinal);
    }
}
