using Microsoft.Extensions.Options;
using OimBot.Bot.Operations;
using OimBot.Analytics;
using OimBot.Bot.Handoff;
using OimBot.Bot.Storage;

namespace OimBot.Bot.Reporting;

public static class ReportingSetup
{
    /// <summary>What recording events needs (the store writes them in each turn's transaction): options, the pseudonymiser, the recorder.</summary>
    public static IServiceCollection AddAnalyticsRecording(this IServiceCollection services)
    {
        services.AddOptions<AnalyticsOptions>().BindConfiguration(AnalyticsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<AnalyticsOptions>, AnalyticsOptionsValidator>();
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<AnalyticsOptions>>().Value;
            return new Pseudonymiser(SecretKeys.LoadOrCreate(options.PseudonymKey, "Analytics:PseudonymKey", options.PseudonymKeyFile, AnalyticsOptions.Section, typeof(AnalyticsOptions)));
        });
        services.AddSingleton<AnalyticsRecorder>();
        services.AddSingleton<AnalyticsStore>();
        return services;
    }

    /// <summary>Reports for the communications team, and the job that rolls up raw events and destroys ended periods' salts.</summary>
    public static IHostApplicationBuilder AddReporting(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton<ReachService>();
        builder.Services.AddHostedService<AnalyticsMaintenance>();
        return builder;
    }

    public static WebApplication MapReporting(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGet("/api/analytics/reach.csv", ReachCsvAsync).RequireAuthorization(InboxSetup.AnalyticsPolicy);
        app.MapGet("/api/analytics/funnel.csv", FunnelCsvAsync).RequireAuthorization(InboxSetup.AnalyticsPolicy);
        return app;
    }

    private static async Task<IResult> ReachCsvAsync(string? from, string? to, string? by, ReachService reach, CancellationToken cancellationToken)
    {
        var (range, error) = ReportRange.Parse(from, to);
        if (range is null)
        {
            return BadRequest(error!, ReportRange.ParseEs(from, to).Error!);
        }

        if (!ReachCsv.TryParseBreakdown(by, out var breakdown))
        {
            var shown = string.IsNullOrEmpty(by) ? null : by.Length > 20 ? by[..20] + "…" : by;
            return BadRequest(
                $"'by' must be week, channel, language or topic{(shown is null ? string.Empty : $"; '{shown}' is not one of them")}.",
                $"«by» debe ser week, channel, language o topic{(shown is null ? string.Empty : $"; «{shown}» no es ninguno de ellos")}.");
        }

        var report = await reach.ReportAsync(range, cancellationToken);
        return Csv(ReachCsv.Reach(report, breakdown), $"oimbot-reach-{breakdown.ToString().ToLowerInvariant()}-{FileDays(report)}.csv");
    }

    private static async Task<IResult> FunnelCsvAsync(string? from, string? to, ReachService reach, CancellationToken cancellationToken)
    {
        var (range, error) = ReportRange.Parse(from, to);
        if (range is null)
        {
            return BadRequest(error!, ReportRange.ParseEs(from, to).Error!);
        }

        var report = await reach.ReportAsync(range, cancellationToken);
        return Csv(ReachCsv.Funnel(report), $"oimbot-funnel-{FileDays(report)}.csv");
    }

    /// <summary>The whole months the file's figures are for (dates asked for are widened to them), never the dates asked.</summary>
    private static string FileDays(PublishedReport report) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{report.Range.From:yyyy-MM-dd}-{report.Range.To:yyyy-MM-dd}");

    /// <summary>
    /// The reason in English for API clients, and in Spanish (<see cref="InboxErrors.SpanishDetail"/>) for the page a
    /// browser is shown when a staff member opens a bad export link.
    /// </summary>
    private static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult BadRequest(string message, string spanish) =>
        TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid report request", detail: message, extensions: new Dictionary<string, object?> { [InboxErrors.SpanishDetail] = spanish });

    private static Microsoft.AspNetCore.Http.HttpResults.FileContentHttpResult Csv(string body, string fileName) =>
        TypedResults.File(OimBot.Analytics.Csv.Utf8WithBom(body), "text/csv; charset=utf-8", fileName);
}

/// <summary>Every <see cref="AnalyticsOptions.MaintenanceInterval"/>: roll up old raw events, destroy ended periods' salts.</summary>
internal sealed partial class AnalyticsMaintenance(AnalyticsStore store, ILeadership leadership, TimeProvider clock, IOptions<AnalyticsOptions> options, BotMetrics metrics, ILogger<AnalyticsMaintenance> logger)
    : BackgroundLoop("analytics", clock, metrics, logger)
{
    protected override TimeSpan Interval => options.Value.MaintenanceInterval;

    /// <summary>On the leader only: the roll-up and salt destruction run once, not once per instance.</summary>
    protected override Task RunRoundAsync(CancellationToken cancellationToken) => leadership.IsLeader ? RunOnceAsync(cancellationToken) : Task.CompletedTask;

    public async Task<MaintenanceResult> RunOnceAsync(CancellationToken cancellationToken)
    {
        var result = await store.MaintainAsync(PanamaTime.Today(Clock), options.Value.RawRetention, cancellationToken);
        foreach (var period in result.PeriodsFrozen)
        {
            LogFrozen(logger, period);
        }

        if (result.EventsRolledUp > 0)
        {
            LogRolledUp(logger, result.EventsRolledUp);
        }

        return result;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Analytics period {Period} has ended: its pseudonym salt was destroyed")]
    private static partial void LogFrozen(ILogger logger, string period);

    [LoggerMessage(Level = LogLevel.Information, Message = "Rolled {Count} raw analytics events into daily counts")]
    private static partial void LogRolledUp(ILogger logger, int count);

}
