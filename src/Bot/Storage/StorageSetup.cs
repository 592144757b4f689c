using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
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
        builder.Services.AddSingleton<ICaseStore, SqliteCaseStore>();
        builder.Services.AddSingleton<IUserStore, SqliteUserStore>();
        builder.Services.AddSingleton<IAuditLog, SqliteAuditLog>();
        builder.Services.AddHostedService<StorageMigrator>();
        builder.Services.AddHostedService<ConversationJanitor>();
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
    ILogger<ConversationJanitor> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(5);

    public async Task<int> PurgeOnceAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var purged = await store.PurgeAsync(now - dialogs.Value.SessionExpiry, now - storage.Value.DedupeWindow, now - storage.Value.OutboxRetention, cancellationToken);
        if (purged > 0)
        {
            LogPurged(logger, purged);
        }

        return purged;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, clock);
        try
        {
            do
            {
                try
                {
                    await PurgeOnceAsync(stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogPurgeFailed(logger, ex.GetType().Name);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // shutting down
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted {Count} inactive conversations")]
    private static partial void LogPurged(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Purging inactive conversations failed ({Error}); will retry")]
    private static partial void LogPurgeFailed(ILogger logger, string error);
}

internal sealed class StorageHealthCheck(IConversationStore store) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await store.CheckAsync(cancellationToken);
            return HealthCheckResult.Healthy("database ready");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy($"database unavailable ({ex.GetType().Name})");
        }
    }
}
