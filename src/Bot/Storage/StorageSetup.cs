using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using OimBot.Bot.Operations;
using OimBot.Bot.Dialogs;
using OimBot.Bot.Handoff;
using OimBot.Bot.Reporting;

namespace OimBot.Bot.Storage;

public static class StorageSetup
{
    public static IHostApplicationBuilder AddStorage(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddOptions<StorageOptions>().BindConfiguration(StorageOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<PrivacyOptions>().BindConfiguration(PrivacyOptions.Section);
        builder.Services.AddSingleton(sp => AddressProtector.FromOptions(sp.GetRequiredService<IOptions<PrivacyOptions>>()));
        builder.Services.AddSingleton<SqliteDatabase>();
        builder.Services.AddAnalyticsRecording();
        builder.Services.AddSingleton<IConversationStore, SqliteConversationStore>();
        builder.Services.AddSingleton<Outbox.IOutboxStore, Outbox.SqliteOutboxStore>();
        builder.Services.AddMetrics();
        builder.Services.TryAddSingleton<BotMetrics>();
        builder.Services.AddSingleton<ICaseStore, SqliteCaseStore>();
        builder.Services.AddSingleton<IUserStore, SqliteUserStore>();
        builder.Services.AddSingleton<IAuditLog, SqliteAuditLog>();
        builder.Services.AddHostedService<StorageMigrator>();
        builder.Services.AddHostedService<ConversationJanitor>();
        builder.Services.AddSingleton<StorageStatus>();
        builder.Services.AddHealthChecks().AddCheck<StorageHealthCheck>("storage");
        return builder;
    }
}

/// <summary>Applies pending migrations before the server starts listening.</summary>
internal sealed class StorageMigrator(IConversationStore store) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => store.MigrateAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>Deletes sessions after inactivity (R5) and old dedupe records, every few minutes.</summary>
internal sealed partial class ConversationJanitor(
    IConversationStore store,
    TimeProvider clock,
    IOptions<DialogOptions> dialogs,
    IOptions<StorageOptions> storage,
    BotMetrics metrics,
    ILogger<ConversationJanitor> logger) : BackgroundLoop("cleanup", clock, metrics, logger)
{
    public static readonly TimeSpan Every = TimeSpan.FromMinutes(5);

    public async Task<int> PurgeOnceAsync(CancellationToken cancellationToken)
    {
        var now = Clock.GetUtcNow();
        var purged = await store.PurgeAsync(now - dialogs.Value.SessionExpiry, now - storage.Value.DedupeWindow, now - storage.Value.OutboxRetention, cancellationToken);
        if (purged > 0)
        {
            LogPurged(logger, purged);
        }

        return purged;
    }

    protected override TimeSpan Interval => Every;

    protected override Task RunRoundAsync(CancellationToken cancellationToken) => PurgeOnceAsync(cancellationToken);

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted {Count} inactive conversations")]
    private static partial void LogPurged(ILogger logger, int count);

}

internal sealed class StorageHealthCheck(IConversationStore store, StorageStatus status) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await store.CheckAsync(cancellationToken);
            if (status.WritesRefused is { } refused)
            {
                return HealthCheckResult.Unhealthy($"the database refuses writes since {refused.Since:u} ({StorageStatus.Describe(refused.Code)}): messages wait on disk");
            }

            return HealthCheckResult.Healthy("database ready");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy($"database unavailable ({ex.GetType().Name})");
        }
    }
}
