using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
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
        builder.Services.AddSingleton<IValidateOptions<StorageOptions>, StorageOptionsValidator>();
        builder.Services.AddAnalyticsRecording();
        // Migrations first: hosted services start in order, and the provider's own jobs below (the shared inbound queue's
        // drainer, leadership, the checkpointer) and Data Protection's key ring read tables the migrations create.
        builder.Services.AddHostedService<StorageMigrator>();
        if (string.Equals(builder.Configuration[$"{StorageOptions.Section}:{nameof(StorageOptions.Provider)}"], StorageOptions.Postgres, StringComparison.OrdinalIgnoreCase))
        {
            // Any number of instances against one PostgreSQL database: no in-process gate, the database's own locks.
            builder.Services.AddSingleton(sp => new PostgresDatabase(
                sp.GetRequiredService<IOptions<StorageOptions>>().Value.ConnectionString, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<PostgresDatabase>>()));
            builder.Services.AddSingleton<IStoreDatabase>(sp => sp.GetRequiredService<PostgresDatabase>());
            builder.Services.AddSingleton<IConversationStore, PostgresConversationStore>();
            builder.Services.AddSingleton<Outbox.IOutboxStore, Outbox.PostgresOutboxStore>();
            builder.Services.AddSingleton<Outbox.ISharedSendRate, Outbox.PostgresSendRate>();
            builder.Services.AddSingleton<Channels.OutageBacklog>();
            builder.Services.AddHostedService<Channels.OutageBacklogDrainer>();
            builder.Services.AddSingleton<PostgresLeadership>();
            builder.Services.AddSingleton<ILeadership>(sp => sp.GetRequiredService<PostgresLeadership>());
            builder.Services.AddHostedService(sp => sp.GetRequiredService<PostgresLeadership>());
            builder.Services.AddHostedService<PostgresCaseEventsBridge>();
        }
        else
        {
            builder.Services.AddSingleton<SqliteDatabase>();
            builder.Services.AddSingleton<IStoreDatabase>(sp => sp.GetRequiredService<SqliteDatabase>());
            builder.Services.AddSingleton<IConversationStore, SqliteConversationStore>();
            builder.Services.AddSingleton<Outbox.IOutboxStore, Outbox.SqliteOutboxStore>();
            builder.Services.AddSingleton<ILeadership, SingleInstance>();
            builder.Services.AddHostedService<SqliteCheckpointer>();
        }

        // The Data Protection key ring (inbox cookies, antiforgery) lives in the database, each key sealed with the
        // address key: shared by every instance, kept across restarts and containers.
        builder.Services.AddDataProtection().SetApplicationName("OimBot");
        builder.Services.AddSingleton<IConfigureOptions<KeyManagementOptions>>(sp => new ConfigureOptions<KeyManagementOptions>(
            options =>
            {
                options.XmlRepository = new DatabaseKeyRepository(sp.GetRequiredService<IStoreDatabase>, sp.GetRequiredService<TimeProvider>());
                options.XmlEncryptor = new KeyRingEncryptor(sp.GetRequiredService<AddressProtector>);
            }));

        builder.Services.AddMetrics();
        builder.Services.TryAddSingleton<BotMetrics>();
        builder.Services.AddSingleton<ICaseStore, CaseStore>();
        builder.Services.AddSingleton<IUserStore, UserStore>();
        builder.Services.AddSingleton<IAuditLog, AuditLog>();
        builder.Services.AddSingleton<IRetentionStore, RetentionStore>();
        builder.Services.AddSingleton<IChannelCursors, ChannelCursors>();
        builder.Services.AddHostedService<ConversationJanitor>();
        builder.Services.AddSingleton<StorageStatus>();
        builder.Services.AddHealthChecks().AddCheck<StorageHealthCheck>("storage");
        return builder;
    }
}

/// <summary>
/// Applies pending migrations before the server starts listening; then, on SQLite, reserves the write-ahead log's space,
/// and on PostgreSQL opens the pool's connections ahead of the first messages (<see cref="StorageOptions.PoolPrefill"/>).
/// </summary>
internal sealed partial class StorageMigrator(IStoreDatabase database, IOptions<StorageOptions> options, ILogger<StorageMigrator> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await database.MigrateAsync(cancellationToken);
        if (database is SqliteDatabase sqlite)
        {
            await sqlite.ReserveLogAsync(cancellationToken);
        }

        if (database is PostgresDatabase postgres && options.Value.PoolPrefill > 0)
        {
            // Only a head start for the first messages: a failure here is the database's, and the turns will say so.
            try
            {
                if (await postgres.PrefillAsync(options.Value.PoolPrefill, cancellationToken) is > 0 and var opened)
                {
                    LogPrefilled(logger, opened);
                }
            }
            catch (Exception ex) when (ex is Npgsql.NpgsqlException or TimeoutException)
            {
                LogPrefillFailed(logger, ex is Npgsql.PostgresException pg ? $"SQLSTATE {pg.SqlState}" : ex.GetType().Name);
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Opened {Count} database connections ahead of the first messages (Storage:PoolPrefill)")]
    private static partial void LogPrefilled(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not open the database connections ahead of the first messages ({Reason}); starting anyway (Storage:PoolPrefill)")]
    private static partial void LogPrefillFailed(ILogger logger, string reason);
}

internal sealed class StorageHealthCheck(IStoreDatabase database, StorageStatus status) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await database.CheckAsync(cancellationToken);
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
