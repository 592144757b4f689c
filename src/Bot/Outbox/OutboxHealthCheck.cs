using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace OimBot.Bot.Outbox;

/// <summary>Healthy, or Degraded with the counts when messages are dead-lettered (visible in /healthz); held replies are normal.</summary>
internal sealed class OutboxHealthCheck(IOutboxStore store) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var report = await store.ReportAsync(cancellationToken);
            var dead = report.Counts.GetValueOrDefault(OutboxStatus.Dead);
            var held = report.Counts.GetValueOrDefault(OutboxStatus.Held);
            var pending = report.Counts.GetValueOrDefault(OutboxStatus.Pending) + report.Counts.GetValueOrDefault(OutboxStatus.Sending);
            var summary = $"{pending} waiting, {dead} dead-lettered, {held} held until the person writes (WhatsApp window)";
            return dead > 0 ? HealthCheckResult.Degraded(summary) : HealthCheckResult.Healthy(summary);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy($"outbox unavailable ({ex.GetType().Name})");
        }
    }
}
