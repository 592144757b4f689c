using OimBot.Content;

namespace OimBot.Bot.Tests.TestHost;

/// <summary>A private copy of the shipped content in a temp folder, to add or break files in one test.</summary>
public sealed class TempContent : IDisposable
{
    public TempContent()
    {
        Root = Directory.CreateTempSubdirectory("oimbot-test-").FullName;
        ContentDirectory = RepoPaths.CopyContent(Root);
    }

    public string Root { get; }

    public string ContentDirectory { get; }

    public string FactsPath => Path.Combine(Root, "seeds", "facts.yaml");

    /// <summary>Removes the shipped translations, as before a translator's first import.</summary>
    public TempContent WithoutTranslations()
    {
        var folder = Path.Combine(ContentDirectory, Translations.Folder);
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }

        return this;
    }

    /// <summary>Adds a file without loading (when a test adds several).</summary>
    public void Write(string file, string yaml) => File.WriteAllText(Path.Combine(ContentDirectory, file), yaml);

    public ContentSet With(string file, string yaml)
    {
        File.WriteAllText(Path.Combine(ContentDirectory, file), yaml);
        var result = ContentLoader.Load(new ContentSources(ContentDirectory, FactsPath, Root), ShippedContent.Today);
        return result.Content ?? throw new InvalidOperationException(string.Join('\n', result.Errors));
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // a host still closing its files; the temp folder is cleaned by the OS
        }
    }
}
