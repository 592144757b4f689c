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

    public void OnGet()
    {
        Today = PanamaTime.Today(clock);
        Result = ContentLoader.Load(new ContentSources(options.Value.Directory, options.Value.FactsPath), Today);
    }
}
