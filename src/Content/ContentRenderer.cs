using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace OimBot.Content;

public sealed record RenderedChoice(string Key, string Label);

/// <summary>One message as the bot sends it, before any channel formatting.</summary>
/// <param name="ChoicesPrompt">A short line that can carry the choices on their own ("Elige una opción:"), for channels that cut long texts.</param>
/// <param name="ChoicesButton">The label of the button that opens a list of choices ("Ver opciones"), for WhatsApp lists.</param>
public sealed record RenderedReply(string Text, IReadOnlyList<RenderedChoice> Choices, string? ChoicesPrompt = null, string? ChoicesButton = null)
{
    public static RenderedReply Plain(string text) => new(text, []);
}

/// <summary>
/// Turns a node into the message a user reads: facts filled in from the registry, programme status added, the flow's
/// footers, the sources line, and the discreet-exit block last in sensitive flows (R9).
/// </summary>
public static partial class ContentRenderer
{
    /// <summary>Placeholders that common texts use for the renderer's own values, not facts.</summary>
    /// <summary>
    /// Where the danger question (common.yaml's <c>danger_check</c>) places the lines of the emergencies it guesses: the
    /// common texts <c>unsure-&lt;node&gt;</c>, each on a line of its own; nothing when none of them is guessed.
    /// </summary>
    public const string UnsureLines = "{unsure-lines}";

    public static readonly IReadOnlySet<string> SystemPlaceholders = new HashSet<string>(StringComparer.Ordinal)
    {
        "date", "since", "sources", "d", "m", "y", "wait", "next", "weekday", "time",
    };

    /// <param name="prefix">A short note on top (not understood, help…).</param>
    /// <param name="appendix">Text right after the node's own (the handoff's availability), before footers and sources.</param>
    /// <param name="sensitive">Treat the node as sensitive even outside a sensitive flow (a handoff after a danger cue).</param>
    /// <param name="choices">The options to show instead of the node's own (none, or ones worked out for this message).</param>
    /// <param name="unsureLines">What the danger question's <c>{unsure-lines}</c> stands for: the guessed emergencies' own lines.</param>
    /// <param name="body">A text to show instead of the node's own (the offer of a person asked again: its question alone).</param>
    public static RenderedReply Render(ContentSet content, ContentNode node, string language, string? prefix = null, string? appendix = null, bool sensitive = false, IReadOnlyList<RenderedChoice>? choices = null, string? unsureLines = null, string? body = null)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(node);
        var used = new List<Fact>();
        var parts = new List<string>();
        if (!string.IsNullOrWhiteSpace(prefix))
        {
            parts.Add(prefix);
        }

        parts.Add(Fill(content, (body ?? node.Text[language]).Replace(UnsureLines, unsureLines ?? string.Empty, StringComparison.Ordinal), language, used));
        if (!string.IsNullOrWhiteSpace(appendix))
        {
            parts.Add(Fill(content, appendix, language, used));
        }

        if (used.Any(f => f.Kind == FactKind.Programme))
        {
            parts.Add(content.Common.Text("confirm-official", language));
        }

        if (node.Kind != NodeKind.Question)
        {
            foreach (var footer in content.FlowOf(node).Footers.Concat(node.Footers).Distinct(StringComparer.Ordinal))
            {
                parts.Add(Fill(content, content.Common.Text(footer, language), language, used));
            }
        }

        foreach (var id in node.Facts)
        {
            if (content.Facts.Find(id) is { } fact && !used.Contains(fact))
            {
                used.Add(fact);
            }
        }

        var sources = SourcesLine(content, used, language);
        if (sources is not null)
        {
            parts.Add(sources);
        }

        if (sensitive || content.IsSensitive(node))
        {
            parts.Add(content.Common.Text("discreet-exit", language));
        }

        choices ??= Choices(node, language);
        return choices.Count == 0
            ? RenderedReply.Plain(string.Join("\n\n", parts.Where(p => p.Length > 0)))
            : new RenderedReply(
                string.Join("\n\n", parts.Where(p => p.Length > 0)),
                choices,
                content.Common.Text("choices-prompt", language),
                content.Common.Text("choices-button", language));
    }

    /// <summary>
    /// A node's own options, as buttons. A choice of languages lists the one it is shown in first: the notice shown in
    /// Portuguese to someone who wrote in Portuguese offers "Continuar em português" as 1, since people type "1" to go
    /// on, and Telegram's buttons carry no numbers (a Portuguese sentence, then "1", chose Spanish). A number then
    /// means what was shown: the state remembers the list in its order.
    /// </summary>
    public static IReadOnlyList<RenderedChoice> Choices(ContentNode node, string language)
    {
        ArgumentNullException.ThrowIfNull(node);
        var choices = node.Choices;
        var rendered = new RenderedChoice[choices.Count];
        var own = -1;
        for (var i = 0; i < choices.Count && own < 0; i++)
        {
            own = choices[i].Language == language ? i : -1;
        }

        // Every render of a reply with buttons comes here: a loop, no delegate per call.
        var next = 0;
        if (own > 0)
        {
            rendered[next++] = Rendered(node, choices[own], language);
        }

        for (var i = 0; i < choices.Count; i++)
        {
            if (own <= 0 || i != own)
            {
                rendered[next++] = Rendered(node, choices[i], language);
            }
        }

        return rendered;
    }

    private static RenderedChoice Rendered(ContentNode node, Choice choice, string language) =>
        new(ContentNode.ChoiceKey(node.Id, choice.Id), choice.Label[language]);

    /// <summary>
    /// A text outside any node (already joined from common texts), with its facts filled in and their sources line;
    /// with <paramref name="sensitive"/>, the discreet-exit block last (R9).
    /// </summary>
    public static RenderedReply Text(ContentSet content, string text, string language, bool sensitive)
    {
        ArgumentNullException.ThrowIfNull(content);
        var used = new List<Fact>();
        var parts = new List<string> { Fill(content, text, language, used) };
        if (SourcesLine(content, used, language) is { } sources)
        {
            parts.Add(sources);
        }

        if (sensitive)
        {
            parts.Add(content.Common.Text("discreet-exit", language));
        }

        return RenderedReply.Plain(string.Join("\n\n", parts.Where(p => p.Length > 0)));
    }

    /// <summary>A common text (by id) with its facts filled in.</summary>
    public static string Common(ContentSet content, string id, string language)
    {
        ArgumentNullException.ThrowIfNull(content);
        return Fill(content, content.Common.Text(id, language), language, []);
    }

    /// <summary>A common text for a sensitive context: the discreet-exit block goes last (R9).</summary>
    public static string CommonSensitive(ContentSet content, string id, string language) =>
        Common(content, id, language) + "\n\n" + Common(content, "discreet-exit", language);

    /// <summary>Replaces every <c>{fact-id}</c> with what the registry says, recording the facts used.</summary>
    public static string Fill(ContentSet content, string text, string language, List<Fact> used)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(used);
        return Placeholder().Replace(text, match =>
        {
            var fact = content.Facts.Find(match.Groups[1].Value);
            if (fact is null)
            {
                return match.Value; // the validator refuses unknown facts; system placeholders pass through
            }

            if (!used.Contains(fact))
            {
                used.Add(fact);
            }

            return fact.Kind == FactKind.Programme ? $"{fact.Say(language)} {Status(content, fact, language)}".TrimEnd() : fact.Say(language);
        });
    }

    public static IEnumerable<string> Placeholders(string text) =>
        Placeholder().Matches(text).Select(m => m.Groups[1].Value);

    public static string WithoutPlaceholders(string text) => Placeholder().Replace(text, " ");

    public static string Status(ContentSet content, Fact fact, string language)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(fact);
        var template = content.Common.Text($"status-{(fact.Status ?? ProgrammeStatus.Active).ToString().ToLowerInvariant()}", language);
        var since = fact.StatusSince is { } date
            ? content.Common.Text("since", language).Replace("{date}", FormatDate(content.Common, date, language), StringComparison.Ordinal)
            : string.Empty;
        return template.Replace("{since}", since, StringComparison.Ordinal);
    }

    public static string FormatDate(CommonSettings common, DateOnly date, string language)
    {
        ArgumentNullException.ThrowIfNull(common);
        return common.Text("date-day", language)
            .Replace("{d}", date.Day.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("{m}", Month(common, date.Month, language), StringComparison.Ordinal)
            .Replace("{y}", date.Year.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);
    }

    /// <summary>A source's own date as written (YYYY, YYYY-MM or YYYY-MM-DD), in words.</summary>
    public static string FormatSourceDate(CommonSettings common, string date, string language)
    {
        ArgumentNullException.ThrowIfNull(common);
        ArgumentNullException.ThrowIfNull(date);
        var parts = date.Split('-');
        if (parts.Length == 1)
        {
            return parts[0];
        }

        var month = int.Parse(parts[1], CultureInfo.InvariantCulture);
        return common.Text("date-month", language)
            .Replace("{m}", Month(common, month, language), StringComparison.Ordinal)
            .Replace("{y}", parts[0], StringComparison.Ordinal);
    }

    private static string Month(CommonSettings common, int month, string language) =>
        common.Months.TryGetValue(language, out var names) && names.Count == 12 ? names[month - 1] : month.ToString(CultureInfo.InvariantCulture);

    private static string? SourcesLine(ContentSet content, List<Fact> used, string language)
    {

        var sources = used
            .Where(f => f.Kind != FactKind.Period)
            .Select(f => f.Source.Date is null ? f.Source.Name : $"{f.Source.Name}, {FormatSourceDate(content.Common, f.Source.Date, language)}")
            .Distinct(StringComparer.Ordinal)
            .ToList();
        if (sources.Count == 0)
        {
            return null;
        }

        var builder = new StringBuilder(content.Common.Text("sources", language));
        builder.Replace("{sources}", string.Join("; ", sources));
        return builder.ToString();
    }

    [GeneratedRegex(@"\{([a-z0-9]+(?:-[a-z0-9]+)*)\}")]
    private static partial Regex Placeholder();
}
