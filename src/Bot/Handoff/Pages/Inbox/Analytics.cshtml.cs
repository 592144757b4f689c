using System.Globalization;
using Microsoft.AspNetCore.Mvc.RazorPages;
using OimBot.Analytics;
using OimBot.Bot.Reporting;

namespace OimBot.Bot.Handoff.Pages.Inbox;

/// <summary>
/// Anonymous reach for analysts and supervisors: headline figures, charts and exports, all suppressed. It reads only the
/// analytics tables, never a case or a transcript. Dates that are not whole months are widened to them (R19), and the
/// page says so above the figures.
/// </summary>
public sealed class AnalyticsModel(ReachService reach) : PageModel
{
    public PublishedReport? Report { get; private set; }

    public string? Error { get; private set; }

    public string From { get; private set; } = string.Empty;

    public string To { get; private set; } = string.Empty;

    /// <summary>The reporting periods offered in the picker, newest first.</summary>
    public IReadOnlyList<ReportingPeriod> Periods { get; private set; } = [];

    public string Query => $"from={From}&to={To}";

    public async Task OnGetAsync(string? from, string? to, string? period, CancellationToken cancellationToken)
    {
        var current = reach.CurrentPeriod();
        var periods = new List<ReportingPeriod> { current };
        while (periods.Count < 8)
        {
            periods.Add(ReportingPeriod.Of(periods[^1].First.AddDays(-1), reach.PeriodLength));
        }

        Periods = periods;
        if (period is not null && periods.FirstOrDefault(p => p.Id == period) is { } chosen)
        {
            (from, to) = (Day(chosen.First), Day(chosen.Last));
        }
        else if (string.IsNullOrEmpty(from) && string.IsNullOrEmpty(to))
        {
            (from, to) = (Day(current.First), Day(current.Last));
        }

        From = from ?? string.Empty;
        To = to ?? string.Empty;
        var (range, error) = ReportRange.ParseEs(from, to);
        if (range is null)
        {
            Error = error;
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        Report = await reach.ReportAsync(range, cancellationToken);

        // The form and the export links carry the whole months shown, so an export is for the dates on the page.
        (From, To) = (Day(Report.Range.From), Day(Report.Range.To));
    }

    public bool IsPeriod(ReportingPeriod period) => From == Day(period.First) && To == Day(period.Last);

    public static string Day(DateOnly day) => day.ToString(ReportRange.DateFormat, CultureInfo.InvariantCulture);

    public static string Minutes(double? minutes) => minutes switch
    {
        null => "—",
        < 90 => $"{minutes.Value.ToString("0.#", CultureInfo.InvariantCulture)} min",
        _ => $"{(minutes.Value / 60).ToString("0.#", CultureInfo.InvariantCulture)} h",
    };

    public static string Average(double? value) => value is null ? "—" : value.Value.ToString("0.0", CultureInfo.InvariantCulture) + " / 5";

    public static string StepName(string step) => step switch
    {
        Steps.Entered => "Entró al tema",
        Steps.Information => "Leyó una respuesta",
        Steps.Prescreening => "Hizo la preevaluación",
        Steps.Handoff => "Pidió una persona",
        _ => step,
    };
}
