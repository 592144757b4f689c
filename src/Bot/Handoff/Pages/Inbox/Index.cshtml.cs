using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace OimBot.Bot.Handoff.Pages.Inbox;

public sealed class IndexModel(HandoffService handoff, ICaseStore cases, TimeProvider clock) : PageModel
{
    public IReadOnlyList<CaseRow> Queue { get; private set; } = [];

    public IReadOnlyList<CaseRow> Closed { get; private set; } = [];

    public DateTimeOffset Now { get; private set; }

    /// <summary>Closed cases per page: the newest on the first, older ones a link away (only the last ten had been listed).</summary>
    public const int ClosedPerPage = 20;

    /// <summary>Which page of closed cases (1: the newest), from <c>?cerrados=2</c>.</summary>
    [BindProperty(SupportsGet = true, Name = "cerrados")]
    public int ClosedPage { get; set; } = 1;

    /// <summary>Whether older closed cases than this page's exist.</summary>
    public bool MoreClosed { get; private set; }

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
        ClosedPage = Math.Clamp(ClosedPage, 1, 10_000);
        var closed = await cases.RecentlyClosedAsync(ClosedPerPage + 1, cancellationToken, (ClosedPage - 1) * ClosedPerPage);
        MoreClosed = closed.Count > ClosedPerPage;
        Closed = [.. closed.Take(ClosedPerPage)];
    }
}
