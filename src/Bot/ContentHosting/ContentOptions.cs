using System.ComponentModel.DataAnnotations;

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
}
