using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace OimBot.Bot.Handoff.Pages.Inbox;

public sealed class IndexModel(HandoffService handoff, ICaseStore cases, TimeProvider clock) : PageModel
{
    public IReadOnlyList<CaseRow> Queue { get; private set; } = [];

    public IReadOnlyList<CaseRow> Closed { get; private set; } = [];

    public DateTimeOffset Now { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken) => await LoadAsync(cancellationToken);

    /// <summary>The queue alone, for the live refresh.</summary>
    public async Task<IActionResult> OnGetQueueAsync(CancellationToken cancellationToken)
    {
        await LoadAsync(cancellationToken);
        return Partial("_Queue", this);
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        Now = clock.GetUtcNow();
        Queue = await handoff.QueueAsync(cancellationToken);
        Closed = await cases.RecentlyClosedAsync(10, cancellationToken);
    }
}
