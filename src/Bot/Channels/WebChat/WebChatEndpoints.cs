using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using OimBot.Bot.Dialogs;
using OimBot.Bot.Storage;
using OimBot.Bot.Outbox;

namespace OimBot.Bot.Channels.WebChat;

public sealed record WebChatRequest(string? ConversationId, string? Text, string? ChoiceId, string? MessageId);

public sealed record WebChatChoice(string Id, string Label);

public sealed record WebChatReply(string Text, IReadOnlyList<WebChatChoice> Choices);

public sealed record WebChatResponse(IReadOnlyList<WebChatReply> Replies);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(WebChatRequest))]
[JsonSerializable(typeof(WebChatResponse))]
internal sealed partial class WebChatJson : JsonSerializerContext;

/// <summary>
/// The web chat channel: the page at <c>/</c> and its API. The adapter only translates JSON to a
/// <see cref="UserMessage"/> and replies back; the conversation logic is the same as on every channel.
/// </summary>
public static partial class WebChatEndpoints
{
    public const string Channel = "webchat";
    public const int MaxTextLength = 4096;
    private const int MaxBodyBytes = 64 * 1024;
    private const string EmptyBody = "The request body is empty. Send JSON: {\"conversationId\": \"…\", \"text\": \"…\"} or {\"conversationId\": \"…\", \"choiceId\": \"…\"}.";

    public static IEndpointRouteBuilder MapWebChat(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        // Anonymous: run as soon as routing matched them, without the staff's authentication (see BotApp).
        app.MapPost("/api/webchat/messages", PostMessageAsync).DisableAntiforgery().ShortCircuit();
        app.MapGet("/api/webchat/messages", GetPendingAsync).ShortCircuit();
        WebChatAssets.Map(app);
        return app;
    }

    private static async Task<IResult> PostMessageAsync(HttpContext context, TurnGuard turns, WebChatLimits limits, CancellationToken cancellationToken)
    {
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = MaxBodyBytes;
        }

        if (context.Request.ContentLength > MaxBodyBytes)
        {
            return Invalid(StatusCodes.Status413PayloadTooLarge, "The message is too large.");
        }

        byte[] body;
        try
        {
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer, cancellationToken);
            body = buffer.ToArray();
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return Invalid(StatusCodes.Status413PayloadTooLarge, "The message is too large.");
        }

        if (body.AsSpan().Trim(" \t\r\n"u8).IsEmpty)
        {
            return Invalid(StatusCodes.Status400BadRequest, EmptyBody);
        }

        WebChatRequest? request;
        try
        {
            request = JsonSerializer.Deserialize(body, WebChatJson.Default.WebChatRequest);
        }
        catch (JsonException)
        {
            return Invalid(StatusCodes.Status400BadRequest, "The request body is not valid JSON.");
        }

        if (Validate(request) is { } problem)
        {
            return Invalid(StatusCodes.Status400BadRequest, problem);
        }

        var client = WebChatLimits.ClientOf(context);
        if (limits.CheckMessage(client, request!.ConversationId!) is { } wait)
        {
            return WebChatLimits.TooMany(wait);
        }

        var message = request.ChoiceId is { Length: > 0 } choice ? UserMessage.FromChoice(choice) : UserMessage.FromText(request.Text!);
        // The browser chooses its message ids, so they are unique only within its conversation.
        var messageId = request.MessageId is null ? null : $"{request.ConversationId}:{request.MessageId}";
        var outcome = await turns.HandleAsync(new InboundEvent.Message(new ChannelAddress(Channel, request.ConversationId!), messageId, message, Delivery.InResponse), cancellationToken, urgent => limits.TryOpenCase(client, urgent));
        limits.Known(request.ConversationId!);
        var replies = outcome.Replies
            .Select(r => new WebChatReply(r.Text, [.. r.Choices.Select(c => new WebChatChoice(c.Key, c.Label))]))
            .ToList();
        return TypedResults.Json(new WebChatResponse(replies), WebChatJson.Default.WebChatResponse);
    }

    /// <summary>
    /// Messages that were not the answer to a request (a caseworker's reply, "your case was taken", the closing
    /// question): the page asks every few seconds and gets each one once.
    /// </summary>
    private static async Task<IResult> GetPendingAsync(HttpContext context, string? conversationId, IWebChatMailbox mailbox, WebChatLimits limits, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (limits.CheckPoll(WebChatLimits.ClientOf(context)) is { } wait)
        {
            return WebChatLimits.TooMany(wait);
        }

        if (string.IsNullOrEmpty(conversationId) || !SafeId().IsMatch(conversationId))
        {
            return Invalid(StatusCodes.Status400BadRequest, "conversationId must be 8 to 100 letters, digits, '-' or '_'.");
        }

        var replies = await mailbox.TakeAsync(conversationId, clock.GetUtcNow(), cancellationToken);
        return TypedResults.Json(
            new WebChatResponse([.. replies.Select(r => new WebChatReply(r.Text, [.. r.Choices.Select(c => new WebChatChoice(c.Key, c.Label))]))]),
            WebChatJson.Default.WebChatResponse);
    }

    internal static string? Validate(WebChatRequest? request)
    {
        if (request is null)
        {
            return EmptyBody;
        }

        if (string.IsNullOrWhiteSpace(request.ConversationId))
        {
            return "conversationId is required.";
        }

        if (!SafeId().IsMatch(request.ConversationId))
        {
            return "conversationId must be 8 to 100 letters, digits, '-' or '_'.";
        }

        if (request.MessageId is not null && !SafeId().IsMatch(request.MessageId))
        {
            return "messageId must be 8 to 100 letters, digits, '-' or '_'.";
        }

        var hasText = !string.IsNullOrWhiteSpace(request.Text);
        var hasChoice = !string.IsNullOrWhiteSpace(request.ChoiceId);
        if (hasText == hasChoice)
        {
            return hasText ? "Send either text or choiceId, not both." : "The message is empty: send text or choiceId.";
        }

        if (request.Text is { Length: > MaxTextLength })
        {
            return $"The text is too long: at most {MaxTextLength} characters.";
        }

        return request.ChoiceId is { Length: > 200 } ? "choiceId is too long." : null;
    }

    private static ProblemHttpResult Invalid(int status, string detail) =>
        TypedResults.Problem(detail: detail, statusCode: status, title: status == StatusCodes.Status413PayloadTooLarge ? "Message too large" : "Invalid message");

    [GeneratedRegex("^[A-Za-z0-9_-]{8,100}$")]
    private static partial Regex SafeId();
}
