using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;
using OimBot.Bot.Outbox;
using OimBot.Bot.Storage;
using OimBot.Content;

namespace OimBot.Bot.Channels.Twilio;

/// <summary>The fields read from a Messages answer (its "status" is a string on success and a number on errors, so it is not read).</summary>
public sealed record TwilioMessageResponse(string? Sid, int? Code, string? Message);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(TwilioMessageResponse))]
public sealed partial class TwilioJson : JsonSerializerContext;

/// <summary>
/// A thin client of Twilio's Messages resource (POST /2010-04-01/Accounts/{AccountSid}/Messages.json, basic auth).
/// Choices become a numbered list, since users answer by number; Body holds at most 1600 characters.
/// </summary>
public sealed class TwilioClient(IHttpClientFactory httpFactory, IOptions<TwilioOptions> options, ContentHosting.ContentHost content) : IChannelSender
{
    public const int MaxBody = 1600;

    /// <summary>A client from the factory per call (handlers rotate); its logging is removed at registration.</summary>
    private HttpClient Http => httpFactory.CreateClient(nameof(TwilioClient));

    public string Channel => ChannelNames.Twilio;

    public bool Enabled => options.Value.Enabled;

    public SendLimits Limits => new(options.Value.MessagesPerSecond, null, options.Value.Timeout);

    public IReadOnlyList<RenderedReply> Shape(RenderedReply reply)
    {
        ArgumentNullException.ThrowIfNull(reply);
        var list = string.Join('\n', reply.Choices.Select((c, i) => $"{i + 1}. {c.Label}"));
        var text = list.Length == 0 ? reply.Text : $"{reply.Text}\n\n{list}";
        return [.. ReplyShaper.Split(text, MaxBody).Select(RenderedReply.Plain)];
    }

    /// <summary>
    /// The sender for one recipient. Someone who wrote by SMS to the same Twilio number has an address without a
    /// channel prefix (<c>+5076…</c>); the configured sender is a WhatsApp one (<c>whatsapp:+1415…</c>), and Twilio
    /// refuses a WhatsApp sender with an SMS recipient (21910, "Invalid From and To pair"), so the reply goes from the
    /// same number by SMS. Every other recipient gets the configured sender.
    /// </summary>
    public static string Sender(string configured, string recipient)
    {
        ArgumentNullException.ThrowIfNull(configured);
        ArgumentNullException.ThrowIfNull(recipient);
        var prefix = configured.IndexOf(':', StringComparison.Ordinal);
        return prefix > 0 && recipient.StartsWith('+') ? configured[(prefix + 1)..] : configured;
    }

    public async Task<SendResult> SendAsync(OutboxMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var settings = options.Value;
        var form = new Dictionary<string, string>
        {
            ["To"] = message.Address,
            ["From"] = Sender(settings.From ?? string.Empty, message.Address),
            ["StatusCallback"] = $"{settings.PublicBaseUrl?.TrimEnd('/')}/webhooks/twilio",
        };
        if (message.Template is { } wanted)
        {
            // Outside the window Twilio sends only a Content API template, by ContentSid, with no Body (error 63016 otherwise).
            if (ContentSid(wanted, content.Current, settings) is not { } sid)
            {
                return new SendResult.TemplateRefused($"twilio: no Channels:Twilio:ContentSids for template '{wanted.Id}' in '{wanted.Language}'", Paused: false);
            }

            form["ContentSid"] = sid;
        }
        else
        {
            form["Body"] = ReplyShaper.Truncate(message.Reply.Text, MaxBody);
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, $"{settings.ApiBaseUrl.TrimEnd('/')}/2010-04-01/Accounts/{settings.AccountSid}/Messages.json")
        {
            Content = new FormUrlEncodedContent(form),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{settings.AccountSid}:{settings.AuthToken}")));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        using var response = await Http.SendAsync(request, cancellationToken);
        TwilioMessageResponse? body;
        try
        {
            body = await response.Content.ReadFromJsonAsync(TwilioJson.Default.TwilioMessageResponse, cancellationToken);
        }
        catch (JsonException)
        {
            body = null;
        }

        return Classify(response, body);
    }

    /// <summary>The ContentSid configured for the template language the person's language is sent in (Creole: French).</summary>
    internal static string? ContentSid(OutboxTemplate wanted, ContentSet content, TwilioOptions settings)
    {
        if (content.Templates.FirstOrDefault(t => t.Id == wanted.Id) is not { } template || !settings.ContentSids.TryGetValue(wanted.Id, out var sids))
        {
            return null;
        }

        return sids.GetValueOrDefault(template.For(wanted.Language, content.Common.SourceLanguage).Code);
    }

    /// <summary>Twilio's errors (https://www.twilio.com/docs/api/errors), classified like courier.</summary>
    internal static SendResult Classify(HttpResponseMessage response, TwilioMessageResponse? body)
    {
        var status = (int)response.StatusCode;
        if (response.IsSuccessStatusCode && body?.Sid is { } sid)
        {
            return new SendResult.Sent(sid);
        }

        var error = $"twilio {body?.Code?.ToString(CultureInfo.InvariantCulture) ?? status.ToString(CultureInfo.InvariantCulture)}: {SendResult.Safe(body?.Message)}";
        return body?.Code switch
        {
            21610 => new SendResult.UserBlocked(error),   // the user replied STOP
            63016 => new SendResult.NeedsTemplate(error), // outside the WhatsApp window
            63041 => new SendResult.TemplateRefused(error, Paused: true), // the template is paused by WhatsApp
            63040 or 63042 or 63028 or 21656 => new SendResult.TemplateRefused(error, Paused: false), // rejected, disabled, wrong parameter count, invalid ContentVariables
            20429 or 63018 => new SendResult.Throttled(error, response.Headers.RetryAfter?.Delta),
            _ when status == (int)HttpStatusCode.TooManyRequests => new SendResult.Throttled(error, response.Headers.RetryAfter?.Delta),
            _ when status >= 500 || status == (int)HttpStatusCode.Unauthorized => new SendResult.Retryable(error),
            _ when response.IsSuccessStatusCode => new SendResult.Retryable("twilio: an answer without a message sid"),
            _ => new SendResult.Permanent(error),
        };
    }
}
