using System.ComponentModel.DataAnnotations;
using OimBot.Content.Matching;

namespace OimBot.Bot.ContentHosting;

public sealed class ContentOptions
{
    public const string Section = "Content";

    [Required(ErrorMessage = "Content:Directory is required (the folder of flow files, e.g. 'content').")]
    public string Directory { get; set; } = "content";

    [Required(ErrorMessage = "Content:FactsPath is required (the fact registry, e.g. 'seeds/facts.yaml').")]
    public string FactsPath { get; set; } = "seeds/facts.yaml";

    /// <summary>How often the files are checked for edits (hot reload).</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00", ErrorMessage = "Content:ReloadInterval must be between 100 ms and 1 hour.")]
    public TimeSpan ReloadInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The folder where trained understanding models are kept between starts (a restart on the same content reads them
    /// instead of training for several seconds): empty for the user's cache (<see cref="ModelStore.DefaultDirectory"/>;
    /// none for an account without a home), <c>none</c> to train at every start.
    /// </summary>
    public string? ModelCache { get; set; }

    /// <summary>The model store <see cref="ModelCache"/> names; null for <c>none</c>.</summary>
    public ModelStore? Models() => StoreAt(ModelCache);

    /// <summary>The commands (content validate, chat…) read the same setting from the environment: <c>Content__ModelCache</c>.</summary>
    public static ModelStore? CommandLineModels() => StoreAt(Environment.GetEnvironmentVariable("Content__ModelCache"));

    private static ModelStore? StoreAt(string? setting) => setting?.Trim() switch
    {
        null or "" => ModelStore.DefaultDirectory() is { } folder ? new ModelStore(folder) : null,
        var folder when string.Equals(folder, "none", StringComparison.OrdinalIgnoreCase) => null,
        var folder => new ModelStore(folder),
    };
}
