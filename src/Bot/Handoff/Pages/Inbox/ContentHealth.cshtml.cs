using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;
using OimBot.Bot.ContentHosting;
using OimBot.Content;

namespace OimBot.Bot.Handoff.Pages.Inbox;

public sealed class ContentHealthModel(ContentHost host, IOptions<ContentOptions> options, TimeProvider clock) : PageModel
{
    public ContentSet Current => host.Current;

    public ContentLoadResult Result { get; private set; } = null!;

    public DateOnly Today { get; private set; }

    /// <summary>Each translated language: its review, how much is translated, and the safety texts it still lacks.</summary>
    public IReadOnlyList<(TranslationFile File, int Translated, int Total, IReadOnlyList<string> SafetyMissing)> Translated { get; private set; } = [];

    /// <summary>Per language, the texts whose Spanish source changed since they were translated.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Outdated { get; private set; } = new Dictionary<string, IReadOnlyList<string>>();

    public void OnGet()
    {
        Today = PanamaTime.Today(clock);
        Result = ContentLoader.Load(new ContentSources(options.Value.Directory, options.Value.FactsPath) { Models = options.Value.Models() }, Today);
        var content = Result.Content ?? Current;
        var catalog = Translations.Catalog(content);
        Translated = [.. content.Translations.OrderBy(t => t.Language, StringComparer.Ordinal).Select(t => (
            t,
            catalog.Count(e => t.Texts.ContainsKey(e.Key)),
            catalog.Count,
            (IReadOnlyList<string>)[.. catalog.Where(e => e.Safety && !t.Texts.ContainsKey(e.Key)).Select(e => e.Key)]))];
        Outdated = content.Translations.ToDictionary(t => t.Language, t => t.Outdated(catalog), StringComparer.Ordinal);
    }
}
