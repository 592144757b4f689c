using OimBot.Content;

namespace OimBot.Bot.Tests.TestHost;

/// <summary>The repository's own content/ and seeds/facts.yaml, loaded once.</summary>
public static class ShippedContent
{
    public static readonly DateOnly Today = new(2026, 11, 22);

    private static readonly Lazy<ContentLoadResult> Loaded = new(() =>
        ContentLoader.Load(new ContentSources(RepoPaths.Content, RepoPaths.Facts, RepoPaths.Root), Today));

    public static ContentLoadResult Result => Loaded.Value;

    public static ContentSet Set => Loaded.Value.Content
        ?? throw new InvalidOperationException("Shipped content is invalid:\n" + string.Join('\n', Loaded.Value.Errors));

    public static IReadOnlyList<string> Languages => Set.Languages;
}
