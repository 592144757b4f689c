using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using OimBot.Bot.ContentHosting;
using OimBot.Content;

namespace OimBot.Bot.Handoff.Pages.Inbox;

public sealed record CannedOption(string Id, string Title, string Text);

public sealed class CaseModel(HandoffService handoff, IUserStore users, ContentHost content, TimeProvider clock) : PageModel
{
    private string _reference = string.Empty;

    /// <summary>References are upper case ("C-7KQ4XM"); generated links are lower case, so either is accepted.</summary>
    [BindProperty(SupportsGet = true)]
    public string Reference
    {
        get => _reference;
        set => _reference = (value ?? string.Empty).ToUpperInvariant();
    }

    public CaseDetail? Detail { get; private set; }

    public DateTimeOffset Now { get; private set; }

    public IReadOnlyList<string> Path { get; private set; } = [];

    public IReadOnlyList<(string Question, string Answer)> Answers { get; private set; } = [];

    public IReadOnlyList<CannedOption> Canned { get; private set; } = [];

    public IReadOnlyList<string> Colleagues { get; private set; } = [];

    [TempData]
    public string? Message { get; set; }

    public string? Error { get; private set; }

    public string? Text { get; private set; }

    private string Me => User.Identity!.Name!;

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        Detail = await handoff.ViewAsync(Reference, Me, cancellationToken);
        return Detail is null ? NotFound() : await PageAsync(cancellationToken);
    }

    /// <summary>The transcript alone, for the live refresh: every read of a transcript is audited, this one too.</summary>
    public async Task<IActionResult> OnGetTranscriptAsync(CancellationToken cancellationToken)
    {
        // The live refresh can arrive between a form's redirect and the page it leads to: it must not use up the
        // confirmation ("Caso cerrado…") that page is about to show.
        TempData.Keep();
        Detail = await handoff.ViewAsync(Reference, Me, cancellationToken, how: "refresh");
        return Detail is null ? NotFound() : Partial("_Transcript", Detail);
    }

    public async Task<IActionResult> OnPostClaimAsync(CancellationToken cancellationToken)
    {
        var (result, owner) = await handoff.ClaimAsync(Reference, Me, cancellationToken);
        Message = result switch
        {
            ClaimResult.Claimed => "Tomaste el caso. La persona sabe que alguien está leyendo.",
            ClaimResult.AlreadyTaken => $"{owner} tomó este caso antes que tú.",
            ClaimResult.Closed => "El caso ya está cerrado.",
            _ => "El caso no existe.",
        };
        return RedirectToPage(new { reference = Reference });
    }

    public async Task<IActionResult> OnPostReplyAsync(string? text, CancellationToken cancellationToken)
    {
        if (await handoff.ReplyAsync(Reference, Me, text, cancellationToken) is { } problem)
        {
            Error = problem;
            Text = text;
            Detail = await handoff.ViewAsync(Reference, Me, cancellationToken);
            return Detail is null ? NotFound() : await PageAsync(cancellationToken);
        }

        Message = "Respuesta enviada.";
        return RedirectToPage(new { reference = Reference });
    }

    public async Task<IActionResult> OnPostNoteAsync(string? note, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(note))
        {
            Error = "La nota está vacía.";
            Detail = await handoff.ViewAsync(Reference, Me, cancellationToken);
            return Detail is null ? NotFound() : await PageAsync(cancellationToken);
        }

        await handoff.NoteAsync(Reference, Me, note, cancellationToken);
        Message = "Nota guardada.";
        return RedirectToPage(new { reference = Reference });
    }

    public async Task<IActionResult> OnPostTransferAsync(string? to, CancellationToken cancellationToken)
    {
        var target = to is null ? null : await users.FindAsync(to, cancellationToken);
        if (target is null || target.Disabled || target.Role == Roles.Analyst)
        {
            Error = "Elige una persona del equipo que atienda casos.";
            Detail = await handoff.ViewAsync(Reference, Me, cancellationToken);
            return Detail is null ? NotFound() : await PageAsync(cancellationToken);
        }

        Message = await handoff.TransferAsync(Reference, Me, target.Username, cancellationToken) ? $"Caso transferido a {target.Username}." : "El caso está cerrado.";
        return RedirectToPage(new { reference = Reference });
    }

    public async Task<IActionResult> OnPostCloseAsync(string? outcome, CancellationToken cancellationToken)
    {
        if (outcome is null || !CaseOutcomes.ForCaseworkers.Contains(outcome))
        {
            Error = "Elige un resultado.";
            Detail = await handoff.ViewAsync(Reference, Me, cancellationToken);
            return Detail is null ? NotFound() : await PageAsync(cancellationToken);
        }

        Message = await handoff.CloseAsync(Reference, Me, outcome, cancellationToken)
            ? "Caso cerrado. El bot se despidió y le hizo la pregunta de satisfacción."
            : "El caso ya estaba cerrado.";
        return RedirectToPage(new { reference = Reference });
    }

    private async Task<IActionResult> PageAsync(CancellationToken cancellationToken)
    {
        Now = clock.GetUtcNow();
        var set = content.Current;
        var language = Detail!.Row.Language;
        Path = [.. Detail.Path.Select(id => set.Find(id) is { } node ? $"{FirstLine(node.Text["es"])} ({id})" : id)];
        Answers = [.. Detail.Answers.Select(a => set.Find(a.Key) is { } question
            ? (FirstLine(question.Text["es"]), question.Choices.FirstOrDefault(c => c.Id == a.Value)?.Label["es"] ?? a.Value)
            : (a.Key, a.Value))];
        Canned = [.. set.Canned.Select(c => new CannedOption(c.Id, c.Title["es"], ContentRenderer.Fill(set, c.Text[set.Supports(language) ? language : "es"], language, [])))];
        Colleagues = [.. (await users.ListAsync(cancellationToken)).Where(u => !u.Disabled && u.Role != Roles.Analyst && u.Username != Me).Select(u => u.Username)];
        return Page();
    }

    private static string FirstLine(string text)
    {
        var line = text.Split('\n')[0].Trim();
        return line.Length <= 90 ? line : line[..89] + "…";
    }
}
