using OimBot.Bot.ContentHosting;
using OimBot.Content;

namespace OimBot.Bot.Cli;

/// <summary><c>content validate [dir] [--facts path]</c>: prints file:line for every problem; exit code 1 on errors.</summary>
internal static class ValidateCommand
{
    public static int Run(IReadOnlyList<string> args, TextWriter output, TimeProvider clock)
    {
        string? directory = null;
        string? facts = null;
        for (var i = 0; i < args.Count; i++)
        {
            if (args[i] == "--facts" && i + 1 < args.Count)
            {
                facts = args[++i];
            }
            else if (args[i].StartsWith("--", StringComparison.Ordinal))
            {
                output.WriteLine($"unknown option '{args[i]}'. Usage: content validate [dir] [--facts seeds/facts.yaml]");
                return 2;
            }
            else
            {
                directory ??= args[i];
            }
        }

        directory ??= "content";
        facts ??= DefaultFactsPath(directory);
        var result = ContentLoader.Load(new ContentSources(directory, facts) { Models = ContentOptions.CommandLineModels() }, PanamaTime.Today(clock));
        foreach (var problem in result.Diagnostics)
        {
            output.WriteLine(problem);
        }

        var errors = result.Errors.Count();
        var warnings = result.Warnings.Count();
        output.WriteLine(result.IsValid
            ? $"content is valid: {result.Content!.NodeList.Count} nodes in {result.Content.Flows.Count} flows, {result.Content.Facts.ById.Count} facts, version {result.Content.VersionId} ({warnings} warnings)"
            : $"{errors} errors, {warnings} warnings");
        return result.IsValid ? 0 : 1;
    }

    /// <summary><c>seeds/facts.yaml</c> beside the content folder's parent, as in this repository's layout.</summary>
    private static string DefaultFactsPath(string directory)
    {
        var beside = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(directory).TrimEnd(Path.DirectorySeparatorChar)) ?? ".", "seeds", "facts.yaml");
        return File.Exists(beside) ? beside : Path.Combine("seeds", "facts.yaml");
    }
}
