using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;
using OimBot.Bot.ContentHosting;

namespace OimBot.Bot;

internal static partial class Hosting
{
    /// <summary>
    /// appsettings.json ships beside the binary; relative paths in it (content/, seeds/, data/) are relative to the
    /// directory the service is started from (the repository root in the README).
    /// </summary>
    public static WebApplicationOptions Options(string[] args) => new()
    {
        Args = args,
        ContentRootPath = args.Any(a => a.StartsWith("--contentRoot", StringComparison.OrdinalIgnoreCase))
            ? null
            : AppContext.BaseDirectory,
    };

    /// <summary>
    /// Runs the service. Invalid content or configuration stops start-up with a plain message (file:line, or the
    /// missing key) instead of a stack trace, and exit code 1.
    /// </summary>
    public static async Task<int> RunOrExplainAsync(this WebApplication app)
    {
        try
        {
            // The same checks the host runs when it starts, run first so that a problem is one clear message.
            app.Services.GetService<IStartupValidator>()?.Validate();
            // Before the content is loaded, so that the twin's copy of it is gone by then (a lower peak of memory).
            // Content the twin cannot load is reported below, by the real service, as file:line.
            if (!await Operations.WarmUp.BeforeStartAsync(app))
            {
                return 0; // stopped during the warm-up, before listening
            }

            app.Services.GetRequiredService<ContentHost>().LoadOrThrow();
            app.Services.GetRequiredService<Channels.TemplateReadiness>().Check();

            Operations.WarmUp.AfterStart(app);
            await app.RunAsync();
            return 0;
        }
        catch (Exception ex) when (ex is ContentInvalidException or OptionsValidationException)
        {
            await Console.Error.WriteLineAsync(ex.Message);
            return 1;
        }
        catch (AggregateException ex) when (ex.InnerExceptions.All(e => e is OptionsValidationException))
        {
            foreach (var inner in ex.InnerExceptions)
            {
                await Console.Error.WriteLineAsync(inner.Message);
            }

            return 1;
        }
    }

    /// <summary>
    /// Request URLs can carry secrets (WhatsApp's verify handshake sends hub.verify_token in the query string), so the
    /// per-request hosting log stays off at every level; provider clients drop their own HttpClient logging.
    /// </summary>
    public static IHostApplicationBuilder AddSafeLogging(this IHostApplicationBuilder builder)
    {
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.AspNetCore.HttpLogging", LogLevel.None);
        return builder;
    }

    /// <summary>
    /// Server limits against floods and slow bodies: a request body is 1 MiB at most (each endpoint lowers it to what
    /// its provider sends), headers must arrive within 15 s, a body must keep coming at 240 bytes/s after a 5 s grace,
    /// and at most <c>Kestrel:Limits:MaxConcurrentConnections</c> (1000 unless configured) connections are open at once.
    /// </summary>
    public static WebApplicationBuilder AddServerLimits(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var configured = builder.Configuration.GetValue<long?>("Kestrel:Limits:MaxConcurrentConnections");
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = 1024 * 1024;
            kestrel.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(15);
            kestrel.Limits.MinRequestBodyDataRate = new Microsoft.AspNetCore.Server.Kestrel.Core.MinDataRate(240, TimeSpan.FromSeconds(5));
            kestrel.Limits.MaxConcurrentConnections = configured ?? 1000;
            kestrel.Limits.MaxConcurrentUpgradedConnections = configured ?? 1000;
        });
        return builder;
    }

    /// <summary>Prints where to open the chat once the server listens.</summary>
    public static void AnnounceWhereToGo(this WebApplication app)
    {
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("OimBot");
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
            foreach (var address in addresses)
            {
                var trimmed = address.TrimEnd('/');
                LogReady(logger, trimmed);
            }
        });
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "OimBot is running. Open {Address}/ to chat; health at {Address}/healthz")]
    private static partial void LogReady(ILogger logger, string address);
}

/// <summary>The one place the unexpected becomes a response: a ProblemDetails without internals.</summary>
internal sealed partial class UnexpectedErrorHandler(IProblemDetailsService problems, ILogger<UnexpectedErrorHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        // The type, the route and where it happened: exception messages may carry data from the request, stack frames do not.
        LogUnexpected(logger, exception.GetType().FullName ?? "exception", httpContext.Request.Path, Frames(exception));
        httpContext.Response.StatusCode = StatusCodes.Status500InternalServerError;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails = { Title = "Something went wrong on our side", Status = StatusCodes.Status500InternalServerError, Detail = "Nothing you sent was lost; please try again in a moment." },
        });
    }

    private static string Frames(Exception exception)
    {
        var frames = new System.Text.StringBuilder();
        for (var current = exception; current is not null; current = current.InnerException)
        {
            frames.Append(current.GetType().FullName).Append('\n').Append(current.StackTrace).Append('\n');
        }

        return frames.ToString();
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Unexpected {Exception} on {Path}\n{Frames}")]
    private static partial void LogUnexpected(ILogger logger, string exception, string path, string frames);
}
