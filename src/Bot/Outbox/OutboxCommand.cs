using OimBot.Bot.Storage;

namespace OimBot.Bot.Outbox;

/// <summary>
/// <c>outbox status</c> lists how many messages wait, were sent, failed or are dead-lettered (ids, channels and error
/// codes only: no address, no text); <c>outbox retry-dead</c> puts dead-lettered messages back in the queue.
/// </summary>
internal static class OutboxCommand
{
    public static async Task<int> RunAsync(string[] args, TextWriter output)
    {
        var verb = args.Length > 1 ? args[1] : "status";
        if (verb is not ("status" or "retry-dead"))
        {
            await output.WriteLineAsync("Usage: outbox status | outbox retry-dead");
            return 2;
        }

        var builder = WebApplication.CreateBuilder(Hosting.Options([.. args.Skip(2)]));
        builder.Logging.ClearProviders();
        builder.AddStorage();
        await using var app = builder.Build();
        await app.Services.GetRequiredService<IStoreDatabase>().MigrateAsync(CancellationToken.None);
        var store = app.Services.GetRequiredService<IOutboxStore>();
        if (verb == "retry-dead")
        {
            var requeued = await store.RequeueDeadAsync(TimeProvider.System.GetUtcNow(), CancellationToken.None);
            await output.WriteLineAsync($"{requeued} dead-lettered messages are back in the queue; the running service sends them.");
            return 0;
        }

        var report = await store.ReportAsync(CancellationToken.None);
        foreach (var status in Enum.GetValues<OutboxStatus>())
        {
            await output.WriteLineAsync($"{OutboxStatuses.Name(status),-15} {report.Counts.GetValueOrDefault(status),8}");
        }

        foreach (var problem in report.Problems)
        {
            await output.WriteLineAsync($"#{problem.Id} {problem.Channel} {OutboxStatuses.Name(problem.Status)} after {problem.Attempts} attempts, {problem.UpdatedAt:yyyy-MM-dd HH:mm} UTC: {problem.LastError}");
        }

        return 0;
    }
}
