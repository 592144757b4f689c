using OimBot.Analytics;
using OimBot.Bot.ContentHosting;
using OimBot.Bot.Reporting;
using OimBot.Bot.Storage;

namespace OimBot.Bot.Cli;

/// <summary>
/// <c>report --from YYYY-MM-DD --to YYYY-MM-DD</c>: the period summary in Spanish and English, suppressed like every
/// figure, for the whole months that hold the dates (R19; a note says when they were widened).
/// </summary>
internal static class ReportCommand
{
    private const string Usage = "Usage: report --from YYYY-MM-DD --to YYYY-MM-DD (widened to whole months)";

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        string? from = null, to = null;
        for (var i = 1; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--from" when i + 1 < args.Length:
                    from = args[++i];
                    break;
                case "--to" when i + 1 < args.Length:
                    to = args[++i];
                    break;
                default:
                    await error.WriteLineAsync($"Unknown argument '{args[i]}'. {Usage}");
                    return 2;
            }
        }

        var (range, problem) = ReportRange.Parse(from, to);
        if (range is null)
        {
            await error.WriteLineAsync($"{problem} {Usage}");
            return 2;
        }

        var builder = WebApplication.CreateBuilder(Hosting.Options([]));
        builder.Logging.ClearProviders();
        builder.AddStorage();
        builder.AddContentHosting();
        builder.AddReporting();
        await using var app = builder.Build();
        await app.Services.GetRequiredService<IStoreDatabase>().MigrateAsync(CancellationToken.None);
        try
        {
            app.Services.GetRequiredService<ContentHost>().LoadOrThrow();
        }
        catch (ContentInvalidException ex)
        {
            await error.WriteLineAsync(ex.Message);
            return 1;
        }

        var report = await app.Services.GetRequiredService<ReachService>().ReportAsync(range, CancellationToken.None);
        if (report.Widened)
        {
            // On the error stream, so the summary stays ready to paste; its own dates are the widened ones.
            await error.WriteLineAsync($"Note: figures are published for whole calendar months only, so {report.Asked} was widened to {report.Range}; quote these dates.");
        }

        await output.WriteAsync(ReachSummary.Write(report));
        return 0;
    }
}
