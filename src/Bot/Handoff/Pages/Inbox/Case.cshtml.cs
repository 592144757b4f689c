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

    /// <summary>
    /// What the last form did, carried in the redirect's query string (<c>?done=claimed</c>) rather than in TempData: a
    /// live refresh racing the redirect can neither swallow the confirmation nor bring back an old one.
    /// </summary>
    [BindProperty(SupportsGet = true, Name = "done")]
    public string? Done { get; set; }

    /// <summary>Who else the last form was about (the colleague who had taken the case, the one it was transferred to).</summary>
    [BindProperty(SupportsGet = true, Name = "who")]
    public string? Who { get; set; }

    /// <summary>A user name from the link, shown only when it looks like one (a crafted link cannot put words on the page).</summary>
    private string Colleague => Who is { Length: > 0 and <= 64 } who && who.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' or '@') ? who : "Otra persona";

    /// <summary>The confirmation for <see cref="Done"/>; unknown codes show nothing.</summary>
    public string? Message => Done switch
    {
        "claimed" => "Tomaste el caso. La persona sabe que alguien está leyendo.",
        "taken" => $"{Colleague} tomó este caso antes que tú.",
        "closed-already" => "El caso ya está cerrado.",
        "missing" => "El caso no existe.",
        "replied" => "Respuesta enviada.",
        "noted" => "Nota guardada.",
        "transferred" => $"Caso transferido a {Colleague}.",
        "closed" => "Caso cerrado. El bot se despidió y le hizo la pregunta de satisfacción.",
        _ => null,
    };

    public string? Error { get; private set; }

    /// <summary>The "reply waiting" template as the person would read it (in Spanish when their language has none).</summary>
    public string? TemplateText { get; private set; }

    public string? Text { get; private set; }

    /// <summary>
    /// The phone numbers, links and e-mails of a refused reply that the registry does not hold: the form shown again asks
    /// the caseworker to confirm they checked them before they go (R14).
    /// </summary>
    public IReadOnlyList<string> Unvetted { get; private set; } = [];

    private string Me => User.Identity!.Name!;

    /// <summary>The longest internal note (the form's limit too).</summary>
    public const int MaxNote = 4000;

    /// <summary>
    /// Where inbox.js keeps what is typed in a box of this case, in the tab's sessionStorage until it is sent or the
    /// person signs out, so a session that ended before Send loses nothing. Per person, per case, per box.
    /// </summary>
    public string DraftKey(string box) => $"{Me}/{Reference}/{box}";

    /// <summary>A note refused, shown again in its box.</summary>
    public string? NoteText { get; private set; }

    /// <summary>
    /// The colleague who holds this case when it is not the signed-in caseworker: only they (or a supervisor, covering
    /// an absence) answer, transfer or close it, so a frightened person never gets two people's answers at once (a second
    /// caseworker had answered and closed a colleague's case; a new user's try). Notes stay open to the team.
    /// </summary>
    public string? HeldBy => HeldByOther(Detail?.Row.Owner);

    private string? HeldByOther(string? owner) => owner is not null && owner != Me && !User.IsInRole(Roles.Supervisor) ? owner : null;

    private async Task<IActionResult?> HeldByAnotherAsync(CancellationToken cancellationToken)
    {
        if (HeldByOther(await handoff.OwnerAsync(Reference, cancellationToken)) is not { } owner)
        {
            return null;
        }

        Detail = await handoff.ViewAsync(Reference, Me, cancellationToken);
        if (Detail is null)
        {
            return NotFound();
        }

        Error = $"{owner} tiene este caso: solo quien lo tiene, o una persona supervisora, responde, transfiere o lo cierra. Deja una nota o pide que te lo transfieran.";
        return await PageAsync(cancellationToken);
    }

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        Detail = await handoff.ViewAsync(Reference, Me, cancellationToken);
        return Detail is null ? NotFound() : await PageAsync(cancellationToken);
    }

    /// <summary>The transcript alone, for the live refresh: every read of a transcript is audited, this one too.</summary>
    public async Task<IActionResult> OnGetTranscriptAsync(CancellationToken cancellationToken)
    {
        Detail = await handoff.ViewAsync(Reference, Me, cancellationToken, how: "refresh");
        return Detail is null ? NotFound() : Partial("_Transcript", Detail);
    }

    public async Task<IActionResult> OnPostClaimAsync(CancellationToken cancellationToken)
    {
        var (result, owner) = await handoff.ClaimAsync(Reference, Me, cancellationToken);
        var done = result switch
        {
            ClaimResult.Claimed => "claimed",
            ClaimResult.AlreadyTaken => "taken",
            ClaimResult.Closed => "closed-already",
            _ => "missing",
        };
        return After(done, result == ClaimResult.AlreadyTaken ? owner : null);
    }

    public async Task<IActionResult> OnPostReplyAsync(string? text, bool unvetted, CancellationToken cancellationToken)
    {
        if (await HeldByAnotherAsync(cancellationToken) is { } held)
        {
            Text = text;
            return held;
        }

        if (await handoff.ReplyAsync(Reference, Me, text, cancellationToken, sendUnvetted: unvetted) is { } problem)
        {
            Error = problem;
            Text = text;
            Unvetted = handoff.Unvetted(text);
            Detail = await handoff.ViewAsync(Reference, Me, cancellationToken);
            return Detail is null ? NotFound() : await PageAsync(cancellationToken);
        }

        return After("replied");
    }

    public async Task<IActionResult> OnPostNoteAsync(string? note, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(note) || HandoffService.AsTyped(note).Length > MaxNote)
        {
            // The form's maxlength is a hint a crafted post ignores: a 300,000-character note had been kept and shown.
            Error = string.IsNullOrWhiteSpace(note) ? "La nota está vacía." : $"La nota tiene {HandoffService.AsTyped(note).Length} caracteres; como máximo {MaxNote}.";
            NoteText = note?[..Math.Min(note.Length, MaxNote)];
            Detail = await handoff.ViewAsync(Reference, Me, cancellationToken);
            return Detail is null ? NotFound() : await PageAsync(cancellationToken);
        }

        await handoff.NoteAsync(Reference, Me, note, cancellationToken);
        return After("noted");
    }

    public async Task<IActionResult> OnPostTransferAsync(string? to, CancellationToken cancellationToken)
    {
        if (await HeldByAnotherAsync(cancellationToken) is { } held)
        {
            return held;
        }

        var target = to is null ? null : await users.FindAsync(to, cancellationToken);
        // To whoever holds it already (a crafted form; the list leaves oneself out) had been "transferred", audited as
        // "ana transfirió el caso a ana".
        var owner = target is null ? null : await handoff.OwnerAsync(Reference, cancellationToken);
        if (target is null || target.Disabled || target.Role == Roles.Analyst || target.Username == owner)
        {
            Error = target is not null && target.Username == owner ? $"El caso ya lo tiene {owner}." : "Elige una persona del equipo que atienda casos.";
            Detail = await handoff.ViewAsync(Reference, Me, cancellationToken);
            return Detail is null ? NotFound() : await PageAsync(cancellationToken);
        }

        return await handoff.TransferAsync(Reference, Me, target.Username, cancellationToken) ? After("transferred", target.Username) : After("closed-already");
    }

    public async Task<IActionResult> OnPostCloseAsync(string? outcome, CancellationToken cancellationToken)
    {
        if (await HeldByAnotherAsync(cancellationToken) is { } held)
        {
            return held;
        }

        if (outcome is null || !CaseOutcomes.ForCaseworkers.Contains(outcome))
        {
            Error = "Elige un resultado.";
            Detail = await handoff.ViewAsync(Reference, Me, cancellationToken);
            return Detail is null ? NotFound() : await PageAsync(cancellationToken);
        }

        return await handoff.CloseAsync(Reference, Me, outcome, cancellationToken) ? After("closed") : After("closed-already");
    }

    /// <summary>Post, redirect, get: the confirmation travels with the redirect.</summary>
    private RedirectToPageResult After(string done, string? who = null) => RedirectToPage(new { reference = Reference, done, who });

    private async Task<IActionResult> PageAsync(CancellationToken cancellationToken)
    {
        Now = clock.GetUtcNow();
        var set = content.Current;
        var language = Detail!.Row.Language;
        // A page by its title ("Engaños y trata"), not its first line, which for many pages is the emergency line, and
        // was shown with its facts' placeholders ("llama al {medical-911}").
        // A question by its first line: a question has no title, and the label of an option leading to it had read as an
        // answer ("No (avr-q-fear)" after the question on health was declined).
        Path = [.. Detail.Path.Select(id => set.Find(id) is { } node
            ? $"{(node.Kind == NodeKind.Question ? FirstLine(ContentRenderer.Fill(set, node.Text["es"], "es", [])) : set.TitleOf(node, "es"))} ({id})"
            : id)];
        // In the order the questions are asked (content order): the stored answers are a map, and a new user's try
        // showed a caseworker question 2, then 5, 1, 4 and 3.
        var order = set.NodeList.Select((node, index) => (node.Id, index)).ToDictionary(p => p.Id, p => p.index, StringComparer.Ordinal);
        Answers = [.. Detail.Answers.OrderBy(a => order.GetValueOrDefault(a.Key, int.MaxValue)).ThenBy(a => a.Key, StringComparer.Ordinal).Select(a => set.Find(a.Key) is { } question
            ? (FirstLine(ContentRenderer.Fill(set, question.Text["es"], "es", [])), question.Choices.FirstOrDefault(c => c.Id == a.Value)?.Label["es"] ?? a.Value)
            : (a.Key, a.Value))];
        Canned = [.. set.Canned.Select(c => new CannedOption(c.Id, c.Title["es"], ContentRenderer.Fill(set, c.Text[set.Supports(language) ? language : "es"], language, [])))];
        TemplateText = set.Templates.FirstOrDefault(t => t.Id == MessageTemplate.ReplyWaiting) is { } template
            ? template.For(set.Supports(language) ? language : set.Common.SourceLanguage, set.Common.SourceLanguage).Body
            : null;
        Colleagues = [.. (await users.ListAsync(cancellationToken)).Where(u => !u.Disabled && u.Role != Roles.Analyst && u.Username != Me).Select(u => u.Username)];
        return Page();
    }

    private static string FirstLine(string text)
    {
        var line = text.Split('\n')[0].Trim();
        return line.Length <= 90 ? line : line[..89] + "…";
    }
}
