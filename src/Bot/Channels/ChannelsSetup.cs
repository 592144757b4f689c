using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using OimBot.Bot.Outbox;
using OimBot.Bot.Channels.Telegram;
using OimBot.Bot.Channels.Twilio;
using OimBot.Bot.Channels.WhatsApp;
using OimBot.Bot.Operations;
using OimBot.Bot.Storage;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace OimBot.Bot.Channels;

public static class ChannelsSetup
{
    /// <summary>Options, adapters, clients and the outbox dispatcher for Telegram, WhatsApp (Cloud API) and Twilio.</summary>
    public static IHostApplicationBuilder AddChannels(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptions<OutboxOptions>().BindConfiguration(OutboxOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<OutboxSignal>();
        services.AddSingleton<SendPipelines>();
        services.AddSingleton<InboundPipeline>();
        services.AddSingleton<TurnGuard>();
        services.AddSingleton<TapAcknowledgements>();
        services.AddHostedService(sp => sp.GetRequiredService<TapAcknowledgements>());
        services.AddSingleton<ConversationSequencer>();
        services.AddOptions<WebChat.WebChatOptions>().BindConfiguration(WebChat.WebChatOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<WebChat.WebChatLimits>();
        services.AddSingleton<WebChat.IWebChatMailbox, WebChat.WebChatMailbox>();
        services.AddHostedService<WebChat.WebChatRefusals>();
        services.TryAddSingleton<BotMetrics>();
        services.AddSingleton<InboundSpool>();
        services.TryAddSingleton<SpoolDisk>();
        services.AddHostedService<SpoolReplayer>();
        services.AddHealthChecks().AddCheck<SpoolHealthCheck>("spool");
        services.AddSingleton<OutboxDispatcher>();
        services.AddHostedService(sp => sp.GetRequiredService<OutboxDispatcher>());
        services.AddHealthChecks().AddCheck<OutboxHealthCheck>("outbox");

        services.AddOptions<TelegramOptions>().BindConfiguration(TelegramOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<TelegramOptions>, TelegramOptionsValidator>();
        services.AddSingleton<TelegramAdapter>();
        services.AddSingleton<TelegramClient>();
        services.AddSingleton<IChannelSender>(sp => sp.GetRequiredService<TelegramClient>());
        services.AddSingleton<ITapAcknowledger>(sp => sp.GetRequiredService<TelegramClient>());
        services.AddHostedService<TelegramPollingHost>();

        services.AddOptions<WhatsAppOptions>().BindConfiguration(WhatsAppOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<WhatsAppOptions>, WhatsAppOptionsValidator>();
        services.AddSingleton<WhatsAppAdapter>();
        services.AddSingleton<IChannelSender, WhatsAppClient>();

        services.AddOptions<TwilioOptions>().BindConfiguration(TwilioOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<TwilioOptions>, TwilioOptionsValidator>();
        services.AddSingleton<TwilioAdapter>();
        services.AddSingleton<IChannelSender, TwilioClient>();

        // Secrets must never reach a log: Telegram's token is in the URL path, and the others carry bearer or basic
        // credentials in headers. HttpClient's own request logging is removed for every provider client.
        services.AddSingleton<TemplateReadiness>();
        services.AddHostedService(sp => sp.GetRequiredService<TemplateReadiness>());

        services.AddHttpClient(nameof(TelegramClient)).RemoveAllLoggers();
        services.AddHttpClient(nameof(WhatsAppClient)).RemoveAllLoggers();
        services.AddHttpClient(nameof(TwilioClient)).RemoveAllLoggers();
        return builder;
    }

    /// <summary>
    /// The webhooks. A disabled channel answers 404; every enabled one authenticates before reading (its provider's
    /// signature or secret). They run as soon as routing has matched them (<c>ShortCircuit</c>, see BotApp): the staff's
    /// authentication is not theirs.
    /// </summary>
    public static IEndpointRouteBuilder MapChannelWebhooks(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapPost("/webhooks/telegram", async (HttpContext context, IOptions<TelegramOptions> options, TelegramAdapter adapter, InboundPipeline pipeline, CancellationToken cancellationToken) =>
            !options.Value.Enabled || options.Value.IsPolling
                ? Results.NotFound()
                : await pipeline.RespondAsync(ChannelNames.Telegram, await adapter.ParseAsync(context.Request, cancellationToken), () => Results.Ok(), cancellationToken))
            .DisableAntiforgery()
            .ShortCircuit();

        app.MapGet("/webhooks/whatsapp", (HttpContext context, IOptions<WhatsAppOptions> options, WhatsAppAdapter adapter) =>
            options.Value.Enabled ? adapter.Verify(context.Request) : Results.NotFound())
            .ShortCircuit();
        app.MapPost("/webhooks/whatsapp", async (HttpContext context, IOptions<WhatsAppOptions> options, WhatsAppAdapter adapter, InboundPipeline pipeline, CancellationToken cancellationToken) =>
            !options.Value.Enabled
                ? Results.NotFound()
                : await pipeline.RespondAsync(ChannelNames.WhatsApp, await adapter.ParseAsync(context.Request, cancellationToken), () => Results.Ok(), cancellationToken))
            .DisableAntiforgery()
            .ShortCircuit();

        app.MapPost("/webhooks/twilio", async (HttpContext context, IOptions<TwilioOptions> options, TwilioAdapter adapter, InboundPipeline pipeline, CancellationToken cancellationToken) =>
            !options.Value.Enabled
                ? Results.NotFound()
                : await pipeline.RespondAsync(ChannelNames.Twilio, await adapter.ParseAsync(context.Request, cancellationToken), TwilioAdapter.EmptyTwiml, cancellationToken))
            .DisableAntiforgery()
            .ShortCircuit();
        return app;
    }
}

/// <summary>Runs the Telegram poller only when Telegram is enabled in polling mode.</summary>
internal sealed class TelegramPollingHost(IOptions<TelegramOptions> options, IServiceProvider services) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled || !options.Value.IsPolling)
        {
            return Task.CompletedTask;
        }

        var poller = ActivatorUtilities.CreateInstance<TelegramPoller>(services);
        return poller.StartAsync(stoppingToken).ContinueWith(_ => poller.ExecuteTask ?? Task.CompletedTask, TaskScheduler.Default).Unwrap();
    }
}
