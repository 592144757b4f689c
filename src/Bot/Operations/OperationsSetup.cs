using System.ComponentModel.DataAnnotations;
using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.Extensions.Options;
using OimBot.Bot.Channels;
using OimBot.Bot.Outbox;
using OimBot.Bot.ContentHosting;
using OimBot.Bot.Handoff;
using OimBot.Bot.Storage;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace OimBot.Bot.Operations;

/// <summary>/metrics (Prometheus text format). Off unless enabled; with a token, only a scraper that sends it is served.</summary>
public sealed class MetricsOptions
{
    public const string Section = "Metrics";

    public bool Enabled { get; set; }

    /// <summary>
    /// The bearer token the scraper sends (Prometheus: <c>authorization: credentials</c>). Without one, only clients on
    /// this machine (loopback) are served.
    /// </summary>
    public string? Token { get; set; }

    /// <summary>How often the gauges read from the database (outbox depth, open cases) are refreshed.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00", ErrorMessage = "Metrics:SampleInterval must be between 1 second and 1 hour.")]
    public TimeSpan SampleInterval { get; set; } = TimeSpan.FromSeconds(15);
}

internal sealed class MetricsOptionsValidator : IValidateOptions<MetricsOptions>
{
    public ValidateOptionsResult Validate(string? name, MetricsOptions options) =>
        options.Token is { Length: > 0 } token && token.Length < 16
            ? ValidateOptionsResult.Fail("Metrics:Token must be at least 16 characters (or left empty to serve /metrics to this machine only).")
            : ValidateOptionsResult.Success;
}

/// <summary>The state the gauges show, read every <see cref="MetricsOptions.SampleInterval"/> (a scrape never waits on the database).</summary>
public sealed class OperationsSnapshot
{
    public IReadOnlyDictionary<OutboxStatus, int> Outbox { get; set; } = new Dictionary<OutboxStatus, int>();

    public IReadOnlyList<(string Priority, string Status, string Age, int Count)> OpenCases { get; set; } = [];

    public bool DatabaseAnswered { get; set; } = true;
}

/// <summary>Refreshes <see cref="OperationsSnapshot"/>.</summary>
internal sealed class OperationsSampler(OperationsSnapshot snapshot, IOutboxStore outbox, ICaseStore cases, IOptions<MetricsOptions> options, TimeProvider clock, BotMetrics metrics, ILogger<OperationsSampler> logger)
    : BackgroundLoop("metrics", clock, metrics, logger)
{
    protected override TimeSpan Interval => options.Value.SampleInterval;

    public static string AgeBucket(TimeSpan age) => age switch
    {
        _ when age < TimeSpan.FromMinutes(10) => "under_10m",
        _ when age < TimeSpan.FromHours(1) => "10m_to_1h",
        _ when age < TimeSpan.FromDays(1) => "1h_to_1d",
        _ => "over_1d",
    };

    protected override async Task RunRoundAsync(CancellationToken cancellationToken)
    {
        try
        {
            var report = await outbox.ReportAsync(cancellationToken);
            var now = Clock.GetUtcNow();
            var open = await cases.QueueAsync(cancellationToken);
            snapshot.Outbox = report.Counts;
            snapshot.OpenCases = [.. open
                .GroupBy(c => (Priority: c.Priority.ToString().ToLowerInvariant(), Status: c.Status.ToString().ToLowerInvariant(), Age: AgeBucket(now - c.CreatedAt)))
                .Select(g => (g.Key.Priority, g.Key.Status, g.Key.Age, g.Count()))];
            snapshot.DatabaseAnswered = true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            snapshot.DatabaseAnswered = false;
            throw;
        }
    }
}

public static class OperationsSetup
{
    /// <summary>The service's meter exported with OpenTelemetry, the gauges that read state, and /metrics when enabled.</summary>
    public static IHostApplicationBuilder AddOperations(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptions<MetricsOptions>().BindConfiguration(MetricsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<WarmUpOptions>().BindConfiguration(WarmUpOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<WarmUpState>();
        services.AddSingleton<IValidateOptions<MetricsOptions>, MetricsOptionsValidator>();
        services.AddSingleton<OperationsSnapshot>();
        services.AddHostedService<OperationsSampler>();
        services.AddSingleton<ObservedState>();
        services.AddHostedService(sp => sp.GetRequiredService<ObservedState>()); // the gauges exist from the start
        services.AddOpenTelemetry().ConfigureResource(resource => resource.AddService("oimbot")).WithMetrics(metrics => metrics
            .AddMeter(BotMetrics.MeterName, ObservedState.MeterName)
            .AddMeter("Microsoft.AspNetCore.Hosting")
            .AddMeter("System.Runtime") // .NET's own: GC heap, working set, CPU time, thread pool
            .AddPrometheusExporter());
        return builder;
    }

    /// <summary>Counts webhook answers per channel and status, and serves /metrics to those allowed.</summary>
    public static WebApplication MapOperations(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.Use(CountWebhooks);
        app.Use(GuardMetrics);
        app.MapPrometheusScrapingEndpoint("/metrics");
        return app;
    }

    private static async Task CountWebhooks(HttpContext context, RequestDelegate next)
    {
        var path = context.Request.Path;
        await next(context);
        if (path.StartsWithSegments("/webhooks", out var rest) && rest.Value is { Length: > 1 } channel && KnownChannel(channel[1..]) is { } name)
        {
            context.RequestServices.GetRequiredService<BotMetrics>().Webhook(name, context.Response.StatusCode);
        }
    }

    /// <summary>Only the four channel names, never what a caller put in the path.</summary>
    private static string? KnownChannel(string segment) => segment switch
    {
        ChannelNames.Telegram => ChannelNames.Telegram,
        ChannelNames.WhatsApp => ChannelNames.WhatsApp,
        ChannelNames.Twilio => ChannelNames.Twilio,
        _ => null,
    };

    private static Task GuardMetrics(HttpContext context, RequestDelegate next)
    {
        if (!context.Request.Path.StartsWithSegments("/metrics"))
        {
            return next(context);
        }

        var options = context.RequestServices.GetRequiredService<IOptions<MetricsOptions>>().Value;
        if (!options.Enabled)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        }

        if (options.Token is { Length: > 0 } token)
        {
            var header = context.Request.Headers.Authorization.ToString();
            var sent = header.StartsWith("Bearer ", StringComparison.Ordinal) ? header[7..] : string.Empty;
            if (!WebhookRequest.FixedTimeEquals(sent, token))
            {
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                context.Response.Headers.WWWAuthenticate = "Bearer";
                return Task.CompletedTask;
            }
        }
        else if (context.Connection.RemoteIpAddress is { } remote && !IPAddress.IsLoopback(remote))
        {
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            return Task.CompletedTask;
        }

        return next(context);
    }
}

/// <summary>Gauges over state: outbox rows by status, open cases by priority, status and age, the spool, content.</summary>
internal sealed class ObservedState : IHostedService, IDisposable
{
    public const string MeterName = "OimBot.State";

    private readonly Meter _meter;

    public ObservedState(IMeterFactory meters, OperationsSnapshot snapshot, InboundSpool spool, OutboxDispatcher dispatcher, ContentHost content)
    {
        _meter = meters.Create(MeterName);
        _meter.CreateObservableGauge("oimbot.outbox.rows", () => Enum.GetValues<OutboxStatus>().Select(s => new Measurement<int>(snapshot.Outbox.GetValueOrDefault(s), new KeyValuePair<string, object?>("status", StatusName(s)))), "{row}", "Outbox rows by status (pending and sending are still to go; dead needs `outbox retry-dead`).");
        _meter.CreateObservableGauge("oimbot.outbox.unrecorded", () => dispatcher.Unrecorded, "{outcome}", "Send outcomes waiting for the database to record them.");
        _meter.CreateObservableGauge("oimbot.cases.open", () => snapshot.OpenCases.Select(c => new Measurement<int>(c.Count, new("priority", c.Priority), new("status", c.Status), new("age", c.Age))), "{case}", "Open cases by priority, status (waiting, claimed) and age.");
        _meter.CreateObservableGauge("oimbot.spool.files", () => new[]
        {
            new Measurement<int>(spool.Pending().Count, new KeyValuePair<string, object?>("state", "waiting")),
            new Measurement<int>(Directory.Exists(spool.FailedDirectory) ? Directory.EnumerateFiles(spool.FailedDirectory, "*.msg").Count() : 0, new KeyValuePair<string, object?>("state", "set_aside")),
        }, "{message}", "Messages on disk: waiting for the database, or set aside after failing every attempt.");
        _meter.CreateObservableGauge("oimbot.spool.writable", () => spool.WriteFailedAt is null ? 1 : 0, null, "0 when the spool could not be written (disk full or unwritable).");
        _meter.CreateObservableGauge("oimbot.database.up", () => snapshot.DatabaseAnswered ? 1 : 0, null, "0 when the last sample could not read the database.");
        _meter.CreateObservableGauge("oimbot.content.info", () => content.IsLoaded ? [new Measurement<int>(1, new KeyValuePair<string, object?>("version", content.Current.VersionId))] : Array.Empty<Measurement<int>>(), null, "1, labelled with the content version that serves.");
    }

    private static string StatusName(OutboxStatus status) => status.ToString().ToLowerInvariant();

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose() => _meter.Dispose();
}
