using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Net.Http.Headers;
using OimBot.Analytics;

namespace OimBot.Bot.Handoff.Pages.Inbox;

/// <summary>
/// The audit log for supervisors, for whole days in Panama ("Desde", "Hasta"; the last 30 by default): the newest
/// <see cref="Shown"/> lines on the page, and every line of the same days in «Descargar CSV» (<see cref="OnGetCsvAsync"/>,
/// the page's own handler, so the same authorization).
/// </summary>
public sealed class AuditModel(IAuditLog audit, TimeProvider clock) : PageModel
{
    /// <summary>The most lines the page shows; the export has every line of the days.</summary>
    public const int Shown = 500;

    /// <summary>The days shown when none are chosen: the last 30, today included.</summary>
    public const int DefaultDays = 30;

    /// <summary>Lines read from the store at a time by the export, written out before the next are read.</summary>
    private const int ExportPage = 1000;

    public IReadOnlyList<AuditEntry> Entries { get; private set; } = [];

    /// <summary>How many lines the chosen days hold (more than <see cref="Entries"/> when over <see cref="Shown"/>).</summary>
    public long Total { get; private set; }

    public string From { get; private set; } = string.Empty;

    public string To { get; private set; } = string.Empty;

    public string? Error { get; private set; }

    /// <summary>The chosen days as the export link carries them.</summary>
    public string Query => $"from={Uri.EscapeDataString(From)}&to={Uri.EscapeDataString(To)}";

    public async Task OnGetAsync(string? from, string? to, CancellationToken cancellationToken)
    {
        if (Choose(from, to) is not var (start, until))
        {
            return;
        }

        Entries = await audit.ListAsync(start, until, Shown, cancellationToken);
        Total = Entries.Count < Shown ? Entries.Count : await audit.CountAsync(start, until, cancellationToken);
    }

    /// <summary>
    /// «Descargar CSV»: every line of the chosen days, oldest first, written page by page as it is read (a year of live
    /// refreshes is many lines). The columns are the page's, with the stored code beside its Spanish label.
    /// </summary>
    public async Task<IActionResult> OnGetCsvAsync(string? from, string? to, CancellationToken cancellationToken)
    {
        if (Choose(from, to) is not var (start, until))
        {
            return Page(); // the page, saying what is wrong with the dates (400)
        }

        Response.ContentType = "text/csv; charset=utf-8";
        Response.Headers.ContentDisposition = new ContentDispositionHeaderValue("attachment") { FileNameStar = $"oimbot-auditoria-{From}-{To}.csv" }.ToString();
        await Response.Body.WriteAsync(Csv.Preamble.ToArray(), cancellationToken);
        var csv = Csv.Line(new StringBuilder(), "Fecha y hora (Panamá)", "Quién", "Código", "Acción", "Caso", "Detalle");
        var after = 0L;
        while (true)
        {
            var lines = await audit.ReadAsync(start, until, after, ExportPage, cancellationToken);
            foreach (var entry in lines)
            {
                Csv.Line(csv, Row(entry));
            }

            await Response.Body.WriteAsync(Encoding.UTF8.GetBytes(csv.ToString()), cancellationToken);
            csv.Clear();
            if (lines.Count < ExportPage)
            {
                return new EmptyResult();
            }

            after = lines[^1].Id;
        }
    }

    /// <summary>
    /// One line of the export: the time in Panama, who (as stored: a user name, "system", "command line"), the stored
    /// code and its Spanish label, the case, and the detail as stored (no more than the page shows).
    /// </summary>
    public static string?[] Row(AuditEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return
        [
            PanamaTime.Local(entry.At).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
            entry.Actor,
            entry.Action,
            InboxFormat.AuditAction(entry.Action),
            entry.CaseReference,
            entry.Detail,
        ];
    }

    /// <summary>The chosen days (the last <see cref="DefaultDays"/> when none) as moments; null, with the reason in Spanish and a 400, when they are not days.</summary>
    private (DateTimeOffset Start, DateTimeOffset Until)? Choose(string? from, string? to)
    {
        if (string.IsNullOrEmpty(from) && string.IsNullOrEmpty(to))
        {
            var today = PanamaTime.Today(clock);
            (from, to) = (Day(today.AddDays(1 - DefaultDays)), Day(today));
        }

        From = from ?? string.Empty;
        To = to ?? string.Empty;
        var (range, error) = ReportRange.ParseEs(from, to);
        if (range is null)
        {
            Error = error;
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return null;
        }

        return (PanamaTime.StartOf(range.From), PanamaTime.StartOf(range.To.AddDays(1)));
    }

    private static string Day(DateOnly day) => day.ToString(ReportRange.DateFormat, CultureInfo.InvariantCulture);
}
