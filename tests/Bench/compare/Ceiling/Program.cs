using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;

// The machine's ceiling for the comparison bench (issue 15): the least a Telegram webhook bot can do, with no state.
// Each POST /webhooks/telegram checks the secret header (constant time; 401 otherwise), reads the chat id, sends one
// sendMessage with a fixed text (https://core.telegram.org/bots/api#sendmessage) and then answers 200. GET /healthz.
//
//   PORT=5203 BOT_API_ROOT=http://127.0.0.1:5123 BOT_TOKEN=123:bench WEBHOOK_SECRET=s \
//   dotnet tests/Bench/compare/Ceiling/bin/Release/net10.0/Ceiling.dll

var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Services.AddOptions<CeilingOptions>().Bind(builder.Configuration).ValidateDataAnnotations().ValidateOnStart();
// Loopback only, on PORT (also over any ASPNETCORE_URLS); a missing PORT stops the start with the options' message.
builder.WebHost.UseUrls($"http://127.0.0.1:{builder.Configuration[CeilingOptions.PortKey]}");
// The bot token sits in the URL path: no HttpClient logging.
builder.Services.AddHttpClient(nameof(CeilingOptions)).RemoveAllLoggers();

var app = builder.Build();
app.MapGet("/healthz", () => TypedResults.Ok());
app.MapPost("/webhooks/telegram", CeilingWebhook.HandleAsync);
app.Run();

internal static class CeilingWebhook
{
    private const string Text = "Hola.";

    public static async Task<IResult> HandleAsync(HttpRequest request, IHttpClientFactory clients, IOptions<CeilingOptions> options, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var given = Encoding.UTF8.GetBytes(request.Headers["X-Telegram-Bot-Api-Secret-Token"].ToString());
        if (!CryptographicOperations.FixedTimeEquals(given, Encoding.UTF8.GetBytes(settings.WebhookSecret)))
        {
            return TypedResults.Unauthorized();
        }

        long chatId;
        try
        {
            using var update = await JsonDocument.ParseAsync(request.Body, cancellationToken: cancellationToken);
            if (!update.RootElement.TryGetProperty("message", out var message)
                || !message.TryGetProperty("chat", out var chat)
                || !chat.TryGetProperty("id", out var id)
                || !id.TryGetInt64(out chatId))
            {
                return TypedResults.Ok(); // not a message: acknowledged, nothing to answer
            }
        }
        catch (JsonException)
        {
            return TypedResults.BadRequest();
        }

        var url = $"{settings.BotApiRoot.TrimEnd('/')}/bot{settings.BotToken}/sendMessage";
        using var response = await clients.CreateClient(nameof(CeilingOptions))
            .PostAsJsonAsync(url, new SendMessage(chatId, Text), CeilingJson.Default.SendMessage, cancellationToken);
        return response.IsSuccessStatusCode ? TypedResults.Ok() : TypedResults.StatusCode(StatusCodes.Status502BadGateway);
    }
}

/// <summary>The bench's environment variables, the same for every peer.</summary>
internal sealed class CeilingOptions
{
    public const string PortKey = "PORT";

    [ConfigurationKeyName(PortKey)]
    [Range(1, 65535, ErrorMessage = "PORT is required: the loopback port to listen on")]
    public int Port { get; init; }

    [ConfigurationKeyName("BOT_API_ROOT")]
    [Required(ErrorMessage = "BOT_API_ROOT is required, e.g. http://127.0.0.1:5123")]
    public string BotApiRoot { get; init; } = string.Empty;

    [ConfigurationKeyName("BOT_TOKEN")]
    [Required(ErrorMessage = "BOT_TOKEN is required, e.g. 123:bench")]
    public string BotToken { get; init; } = string.Empty;

    [ConfigurationKeyName("WEBHOOK_SECRET")]
    [Required(ErrorMessage = "WEBHOOK_SECRET is required")]
    public string WebhookSecret { get; init; } = string.Empty;
}

internal sealed record SendMessage(long ChatId, string Text);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(SendMessage))]
internal sealed partial class CeilingJson : JsonSerializerContext;
