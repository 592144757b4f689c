namespace OimBot.Bot.Tests.TestHost;

public static class RepoPaths
{
    public static string Root { get; } = Find();

    public static string Content => Path.Combine(Root, "content");

    public static string Facts => Path.Combine(Root, "seeds", "facts.yaml");

    /// <summary>The service's own build output, in the configuration the tests were built with.</summary>
    public static string BotDll => Path.Combine(
        Root, "src", "Bot", "bin", AppContext.BaseDirectory.Contains("/Release/", StringComparison.Ordinal) ? "Release" : "Debug", "net10.0", "OimBot.Bot.dll");

    private static string Find()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "OimBot.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("OimBot.sln not found above the test output folder.");
    }

    /// <summary>A private copy of the shipped content and facts, for tests that edit files.</summary>
    public static string CopyContent(string into)
    {
        foreach (var file in Directory.EnumerateFiles(Content, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(into, "content", Path.GetRelativePath(Content, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }

        var seeds = Path.Combine(Root, "seeds");
        foreach (var file in Directory.EnumerateFiles(seeds, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(into, "seeds", Path.GetRelativePath(seeds, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }

        return Path.Combine(into, "content");
    }
}
