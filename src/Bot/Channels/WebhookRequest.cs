using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http.Features;

namespace OimBot.Bot.Channels;

/// <summary>Reading a webhook safely: the raw bytes (signatures are computed on them), with a size cap.</summary>
public static class WebhookRequest
{
    /// <summary>The raw body, or null when it is larger than <paramref name="maxBytes"/> (answer 413).</summary>
    public static async Task<byte[]?> ReadBodyAsync(HttpRequest request, int maxBytes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.ContentLength > maxBytes)
        {
            return null;
        }

        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = maxBytes;
        }

        var buffer = new byte[Math.Min(maxBytes + 1, 16 * 1024)];
        using var body = new MemoryStream();
        try
        {
            int read;
            while ((read = await request.Body.ReadAsync(buffer, cancellationToken)) > 0)
            {
                if (body.Length + read > maxBytes)
                {
                    return null;
                }

                body.Write(buffer, 0, read);
            }
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return null;
        }

        return body.ToArray();
    }

    /// <summary>Compares a secret or signature without leaking where it differs (timing).</summary>
    public static bool FixedTimeEquals(string? given, string expected)
    {
        ArgumentNullException.ThrowIfNull(expected);
        return given is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), Encoding.UTF8.GetBytes(expected));
    }
}
