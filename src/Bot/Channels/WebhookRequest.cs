using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http.Features;

namespace OimBot.Bot.Channels;

/// <summary>Reading a webhook safely: the raw bytes (signatures are computed on them), with a size cap.</summary>
public static class WebhookRequest
{
    private const int SmallBody = 64 * 1024;

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

        if (request.ContentLength is { } length and <= SmallBody)
        {
            // The usual case: read exactly what was announced into one array (no doubling buffers, no copy). Larger
            // announced bodies grow with what actually arrives, so a false Content-Length reserves nothing.
            var exact = GC.AllocateUninitializedArray<byte>((int)length);
            try
            {
                var filled = 0;
                while (filled < exact.Length)
                {
                    var got = await request.Body.ReadAsync(exact.AsMemory(filled), cancellationToken);
                    if (got == 0)
                    {
                        return exact[..filled];
                    }

                    filled += got;
                }
            }
            catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
            {
                return null;
            }

            return exact;
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
