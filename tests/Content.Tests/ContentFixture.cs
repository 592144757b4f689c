using OimBot.Content;

namespace OimBot.Content.Tests;

/// <summary>A throw-away copy of the small valid baseline content in a temp folder, with files added or changed per test.</summary>
public sealed class ContentFixture : IDisposable
{
    public static readonly DateOnly Today = new(2026, 11, 22);

    public ContentFixture()
    {
        Root = Directory.CreateTempSubdirectory("oimbot-content-").FullName;
        Copy(Path.Combine(AppContext.BaseDirectory, "Baseline"), Root);
    }

    public string Root { get; }

    public string FactsPath => Path.Combine(Root, "seeds", "facts.yaml");

    public int FactsLines => File.ReadAllLines(FactsPath).Length;

    public ContentFixture Write(string relativePath, string text)
    {
        var path = Path.Combine(Root, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return this;
    }

    public ContentFixture AppendFacts(string entries)
    {
        File.AppendAllText(FactsPath, entries);
        return this;
    }

    public ContentLoadResult Load(DateOnly? today = null) =>
        ContentLoader.Load(new ContentSources(Path.Combine(Root, "content"), FactsPath, Root), today ?? Today);

    public void Dispose() => Directory.Delete(Root, recursive: true);

    private static void Copy(string from, string to)
    {
        foreach (var directory in Directory.EnumerateDirectories(from, "*", SearchOption.AllDirectories))
        {
            Directory.CreateDirectory(directory.Replace(from, to, StringComparison.Ordinal));
        }

        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            File.Copy(file, file.Replace(from, to, StringComparison.Ordinal));
        }
    }
}
