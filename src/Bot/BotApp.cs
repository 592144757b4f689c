using OimBot.Bot.Channels;
using OimBot.Bot.Channels.WebChat;
using OimBot.Bot.ContentHosting;
using OimBot.Bot.Dialogs;
using OimBot.Bot.Handoff;
using OimBot.Bot.Operations;
using OimBot.Bot.Reporting;
using OimBot.Bot.Storage;

namespace OimBot.Bot;

/// <summary>
/// The service's composition, in one place: what Program runs, and what the start-up warm-up builds a throwaway twin
/// of (<see cref="WarmUp"/>), with its own configuration and one more endpoint.
/// </summary>
internal static class BotApp
{
    /// <param name="options">where the configuration and the content root come from</param>
    /// <param name="configure">runs before any feature is added (the warm-up replaces the configuration here)</param>
    /// <param name="adjustServices">runs after every feature is added (the warm-up removes what only the real service does)</param>
    /// <param name="mapMore">maps more endpoints after the service's own</param>
    public static WebApplication Build(
        WebApplicationOptions options,
        Action<WebApplicationBuilder>? configure = null,
        Action<IServiceCollection>? adjustServices = null,
        Action<WebApplication>? mapMore = null)
    {
        var builder = WebApplication.CreateBuilder(options);
        configure?.Invoke(builder);
        builder.AddSafeLogging();
        builder.AddServerLimits();
        builder.AddTrustedProxies();
        builder.AddStorage();
        builder.AddContentHosting();
        builder.AddDialogs();
        builder.AddChannels();
        builder.AddHandoff();
        builder.AddReporting();
        builder.AddOperations();
        builder.Services.AddProblemDetails();
        builder.Services.AddExceptionHandler<UnexpectedErrorHandler>();
        adjustServices?.Invoke(builder.Services);

        var app = builder.Build();
        app.UseTrustedProxies();
        app.MapOperations();
        app.UseExceptionHandler();
        app.UseStatusCodePages();

        // Routing here, after the middleware every request goes through (counts, errors, status pages), so that the
        // channels' endpoints, marked ShortCircuit, run at this point: a webhook or the web chat never goes through the
        // staff's cookie authentication, authorization and password check (about 3 % of the service's CPU per message,
        // issue 15). ShortCircuit refuses an endpoint that requires authorization, so none can skip it by mistake.
        app.UseRouting();
        app.MapWebChat();
        app.MapChannelWebhooks();
        app.MapInbox();
        app.MapReporting();
        app.MapHealthChecks("/healthz");
        mapMore?.Invoke(app);
        return app;
    }
}
