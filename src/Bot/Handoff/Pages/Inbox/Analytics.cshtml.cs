using Microsoft.AspNetCore.Mvc.RazorPages;
using OimBot.Bot.Storage;

namespace OimBot.Bot.Handoff.Pages.Inbox;

public sealed record CountRow(string Kind, string Channel, string Shown);

/// <summary>A first, small view of anonymous counts for analysts and supervisors; it never reads a case or a transcript.</summary>
public sealed class AnalyticsModel(IConversationStore store, TimeProvider clock) : PageModel
{
    public IReadOnlyList<CountRow> Rows { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        var today = PanamaTime.Today(clock);
        var counts = await store.EventCountsAsync(today.AddDays(-29), today, cancellationToken);
        Rows = [.. counts.Select(c => new CountRow(c.Kind, c.Channel, c.Count switch { 0 => "0", < 5 => "<5", _ => c.Count.ToString(System.Globalization.CultureInfo.InvariantCulture) }))];
    }
}
