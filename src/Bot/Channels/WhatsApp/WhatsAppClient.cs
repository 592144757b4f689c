using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Options;
using OimBot.Bot.Outbox;
using OimBot.Bot.Storage;
using OimBot.Content;

namespace OimBot.Bot.Channels.WhatsApp;

/// <summary>
/// A thin Cloud API client: POST {GraphApiBaseUrl}/{ApiVersion}/{PhoneNumberId}/messages with a bearer token.
/// Choices become reply buttons (at most 3, titles up to 20) or a list (up to 10 rows, titles up to 24).
/// </summary>
public sealed class WhatsAppClient(IHttpClientFactory httpFactory, IOptions<WhatsAppOptions> options, ContentHosting.ContentHost content) : IChannelSender
{
    public const int MaxText = 4096;
    public const int MaxInteractiveBody = 1024;
    public const int MaxButtons = 3;
    public const int MaxButtonTitle = 20;
    public const int MaxRows = 10;
    public const int MaxRowTitle = 24;

    /// <summary>Meta's throttling codes (https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes), as courier lists them.</summary>
    private static readonly int[] ThrottlingCodes = [4, 80007, 130429, 131048, 131056, 133016];

    /// <summary>A client from the factory per call (handlers rotate); its logging is removed at registration.</summary>
    private HttpClient Http => httpFactory.CreateClient(nameof(WhatsAppClient));

    public string Channel => ChannelNames.WhatsApp;

    public bool Enabled => options.Value.Enabled;

    public SendLimits Limits => new(options.Value.MessagesPerSecond, null, options.Value.Timeout);

    /// <summary>An interactive body holds 1024 characters: a longer text goes first as its own message, then the choices.</summary>
    public IReadOnlyList<RenderedReply> Shape(RenderedReply reply)
    {
        ArgumentNullException.ThrowIfNull(reply);
        if (reply.Choices.Count == 0)
        {
            return [.. ReplyShaper.Split(reply.Text, MaxText).Select(RenderedReply.Plain)];
        }

        if (reply.Text.Length <= MaxInteractiveBody)
        {
            return [reply];
        }

        return [.. ReplyShaper.Split(reply.Text, MaxText).Select(RenderedReply.Plain), reply with { Text = reply.ChoicesPrompt ?? "…" }];
    }

    public async Task<SendResult> SendAsync(OutboxMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var settings = options.Value;
        WaSend payload;
        if (message.Template is { } wanted)
        {
            if (BuildTemplate(message.Address, wanted, content.Current, settings) is not { } template)
            {
                return new SendResult.TemplateRefused($"whatsapp: template '{wanted.Id}' is not in content/templates.yaml", Paused: false);
            }

            payload = template;
        }
        else
        {
            payload = Build(message.Address, message.Reply);
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, $"{settings.GraphApiBaseUrl.TrimEnd('/')}/{settings.ApiVersion}/{settings.PhoneNumberId}/messages")
        {
            Content = JsonContent.Create(payload, WhatsAppJson.Default.WaSend),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", settings.AccessToken);
        using var response = await Http.SendAsync(request, cancellationToken);
        WaSendResponse? body;
        try
        {
            body = await response.Content.ReadFromJsonAsync(WhatsAppJson.Default.WaSendResponse, cancellationToken);
        }
        catch (JsonException)
        {
            body = null;
        }

        return Classify(response, body);
    }

    internal static WaSend Build(string to, RenderedReply reply)
    {
        if (reply.Choices.Count == 0)
        {
            return new WaSend("whatsapp", "individual", to, "text", new WaSendText(false, ReplyShaper.Truncate(reply.Text, MaxText)), null);
        }

        var body = new WaSendBody(ReplyShaper.Truncate(reply.Text, MaxInteractiveBody));
        var asButtons = reply.Choices.Count <= MaxButtons && reply.Choices.All(c => c.Label.Length <= MaxButtonTitle);
        var action = asButtons
            ? new WaSendAction([.. reply.Choices.Select(c => new WaSendButton("reply", new WaSendReply(c.Key, c.Label)))], null, null)
            : new WaSendAction(
                null,
                ReplyShaper.Truncate(reply.ChoicesButton ?? "☰", MaxButtonTitle),
                [new WaSendSection(null, [.. reply.Choices.Take(MaxRows).Select(c => new WaSendRow(c.Key, ReplyShaper.Truncate(c.Label, MaxRowTitle)))])]);
        return new WaSend("whatsapp", "individual", to, "interactive", null, new WaSendInteractive(asButtons ? "button" : "list", body, action));
    }

    /// <summary>
    /// A template message: the approved name (Channels:WhatsApp:TemplateNames overrides the content's) and the template
    /// language for the person's language (Creole speakers get French). No components: the templates have no variables.
    /// </summary>
    internal static WaSend? BuildTemplate(string to, OutboxTemplate wanted, ContentSet content, WhatsAppOptions settings)
    {
        if (content.Templates.FirstOrDefault(t => t.Id == wanted.Id) is not { } template)
        {
            return null;
        }

        var (code, _) = template.For(wanted.Language, content.Common.SourceLanguage);
        var name = settings.TemplateNames.GetValueOrDefault(wanted.Id) ?? template.Name;
        return new WaSend("whatsapp", "individual", to, "template", null, null, new WaSendTemplate(name, new WaSendLanguage("deterministic", code)));
    }

    internal static SendResult Classify(HttpResponseMessage response, WaSendResponse? body)
    {
        var status = (int)response.StatusCode;
        if (response.IsSuccessStatusCode && body?.Messages is [{ Id: { } id }, ..])
        {
            return new SendResult.Sent(id);
        }

        var code = body?.Error?.Code;
        // The code first, outside the cleaning: Meta's codes have six digits, which the cleaning takes for a phone number.
        var error = $"whatsapp {code?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? status.ToString(System.Globalization.CultureInfo.InvariantCulture)}: {SendResult.Safe(body?.Error?.Message)}";
        return code switch
        {
            _ when status == (int)HttpStatusCode.TooManyRequests || (code is { } c && ThrottlingCodes.Contains(c)) => new SendResult.Throttled(error, response.Headers.RetryAfter?.Delta),
            131047 => new SendResult.NeedsTemplate(error), // re-engagement: the 24-hour window has closed
            132015 => new SendResult.TemplateRefused(error, Paused: true), // template paused for low quality (lifted after 3 or 6 hours)
            132000 or 132001 or 132005 or 132007 or 132012 or 132016 => new SendResult.TemplateRefused(error, Paused: false), // parameters, missing or unapproved name/language, too long, policy, format, disabled
            131053 => new SendResult.Retryable(error),     // media upload/download: transient
            190 => new SendResult.Retryable(error),        // expired access token: fixed by configuration, keep the row
            _ when status >= 500 || status == (int)HttpStatusCode.Unauthorized => new SendResult.Retryable(error),
            _ when response.IsSuccessStatusCode => new SendResult.Retryable("whatsapp: an answer without a message id"),
            _ => new SendResult.Permanent(error),
        };
    }
}
