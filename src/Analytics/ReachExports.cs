using System.Globalization;
using System.Text;

namespace OimBot.Analytics;

/// <summary>How a breakdown of people reached is cut in the CSV export.</summary>
public enum ReachBreakdown
{
    Week,
    Channel,
    Language,
    Topic,
}

/// <summary>Names people read: channels, languages and topics in Spanish and English (ids as they are otherwise).</summary>
public static class ReachNames
{
    private static readonly Dictionary<string, (string Es, string En)> Names = new(StringComparer.Ordinal)
    {
        ["whatsapp"] = ("WhatsApp", "WhatsApp"),
        ["telegram"] = ("Telegram", "Telegram"),
        ["twilio"] = ("WhatsApp (Twilio)", "WhatsApp (Twilio)"),
        ["webchat"] = ("chat web", "web chat"),
        ["es"] = ("español", "Spanish"),
        ["en"] = ("inglés", "English"),
        ["fr"] = ("francés", "French"),
        ["ht"] = ("criollo haitiano", "Haitian Creole"),
        ["pt"] = ("portugués", "Portuguese"),
        ["zh"] = ("chino mandarín", "Mandarin Chinese"),
        ["general"] = ("general", "general"),
        ["avr"] = ("retorno voluntario", "voluntary return"),
        ["dangers"] = ("peligros de la ruta", "dangers of the route"),
        ["trafficking"] = ("trata y tráfico", "trafficking and smuggling"),
        ["regularisation"] = ("documentos y permisos", "papers and permits"),
        ["emergency"] = ("emergencias", "emergencies"),
    };

    public static string Es(string id) => Names.TryGetValue(id, out var name) ? name.Es : id;

    public static string En(string id) => Names.TryGetValue(id, out var name) ? name.En : id;
}

/// <summary>The CSV exports: aggregated and suppressed, one row per group, never a row per person or event.</summary>
public static class ReachCsv
{
    public static bool TryParseBreakdown(string? value, out ReachBreakdown breakdown)
    {
        breakdown = default;
        return value is not null
            && value.Length > 0
            && value.All(char.IsAsciiLetterLower)
            && Enum.TryParse(value, ignoreCase: true, out breakdown);
    }

    /// <summary>
    /// <c>week|channel|language|topic,people,from,to</c>, then a <c>total</c> row with the people reached. A person can be
    /// in several weeks, languages or topics, so those rows can add up to more than the total. <c>from</c> and
    /// <c>to</c> are the days each row counts: the report's whole months (dates asked for are widened to them), and for
    /// a week its Monday and Sunday, also where it runs past the months. They come after the figures, so a spreadsheet
    /// reading the first two columns reads what it did before they were added.
    /// </summary>
    public static string Reach(PublishedReport report, ReachBreakdown by)
    {
        ArgumentNullException.ThrowIfNull(report);
        var series = by switch
        {
            ReachBreakdown.Week => report.ByWeek,
            ReachBreakdown.Channel => report.ByChannel,
            ReachBreakdown.Language => report.ByLanguage,
            _ => report.ByTopic,
        };
        var weeks = report.Weeks;
        var csv = new StringBuilder();
        Line(csv, by.ToString().ToLowerInvariant(), "people", "from", "to");
        for (var i = 0; i < series.Items.Count; i++)
        {
            var (key, cell) = series.Items[i];
            var days = by == ReachBreakdown.Week ? weeks[i] : report.Range;
            Line(csv, key, cell.Exported, Day(days.From), Day(days.To));
        }

        Line(csv, "total", report.People.Exported, Day(report.Range.From), Day(report.Range.To));
        return csv.ToString();
    }

    /// <summary><c>topic,entered,information,prescreening,handoff,from,to</c>: people who reached each step in the report's whole months.</summary>
    public static string Funnel(PublishedReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var csv = new StringBuilder();
        Line(csv, ["topic", .. Steps.Funnel, "from", "to"]);
        for (var t = 0; t < report.Topics.Count; t++)
        {
            Line(csv, [report.Topics[t], .. Enumerable.Range(0, Steps.Funnel.Count).Select(s => report.Funnel[t, s].Exported), Day(report.Range.From), Day(report.Range.To)]);
        }

        return csv.ToString();
    }

    private static string Day(DateOnly day) => day.ToString(ReportRange.DateFormat, CultureInfo.InvariantCulture);

    private static void Line(StringBuilder csv, params string[] values) => Csv.Line(csv, values);
}

/// <summary>A short period summary in Spanish and English, ready to paste into a quarterly report.</summary>
public static class ReachSummary
{
    /// <summary>One language's sentences; the figures are filled in the same way for both.</summary>
    private sealed record Phrases(
        string[] Months,
        Func<string, string> Name,
        string And,
        Func<string, string, string> Dates,
        string Reached,
        string Through,
        string Activity,
        string Returning,
        string Handoffs,
        string Topics,
        string Refused,
        string NoData,
        string Footnote);

    // Month names written out: the report reads the same whatever cultures the server has installed.
    private static readonly Phrases Spanish = new(
        ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre"],
        ReachNames.Es,
        "y",
        (from, to) => $"Del {from} al {to}",
        ", OimBot alcanzó a {0} personas",
        " a través de {0}",
        " Hubo {0} conversaciones y {1} mensajes recibidos;",
        " {0} personas volvieron otro día.",
        " Se pidió hablar con una persona del equipo {0} veces y el equipo atendió {1} solicitudes.",
        " Temas consultados: {0}.",
        " El chat web rechazó {0} solicitudes que superaban sus límites (tráfico automático o abusivo, que no se cuenta como personas).",
        "sin datos",
        "Cifras anónimas: las personas se cuentan una vez por periodo ({0}); los valores de 1 a 4 se muestran como «<5» (de 1 a 9 como «<10» en temas sensibles) y «•» oculta una cifra que permitiría deducirlos.");

    private static readonly Phrases English = new(
        ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"],
        ReachNames.En,
        "and",
        (from, to) => $"From {from} to {to}",
        ", OimBot reached {0} people",
        " through {0}",
        " There were {0} conversations and {1} messages received;",
        " {0} people came back on another day.",
        " People asked to talk to a team member {0} times and the team took {1} requests.",
        " Topics: {0}.",
        " The web chat refused {0} requests over its limits (automated or abusive traffic, not counted as people).",
        "no data",
        "Anonymous figures: people are counted once per period ({0}); values from 1 to 4 are shown as \"<5\" (1 to 9 as \"<10\" for sensitive topics) and \"•\" hides a figure that would reveal them.");

    public static string Write(PublishedReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        return $"{Paragraph(report, Spanish)}{Environment.NewLine}{Paragraph(report, English)}";
    }

    private static string Paragraph(PublishedReport report, Phrases words)
    {
        var channels = report.ByChannel.Items.Where(c => c.Cell.Value > 0).ToList();
        var topics = report.ByTopic.Items.Where(t => t.Cell.Value > 0).OrderByDescending(t => t.Cell.Hidden ? 0 : t.Cell.Value).ThenBy(t => t.Key, StringComparer.Ordinal).ToList();
        var text = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        text.Append(words.Dates(Date(report.Range.From, words, report.Range.From.Year != report.Range.To.Year), Date(report.Range.To, words)));
        text.AppendFormat(c, words.Reached, report.People.Shown);
        if (channels.Count > 0)
        {
            text.AppendFormat(c, words.Through, Join([.. channels.Select(ch => words.Name(ch.Key)).Distinct()], words.And));
        }

        text.Append(channels.Count > 1 ? $" ({string.Join("; ", channels.Select(ch => $"{words.Name(ch.Key)}: {ch.Cell.Shown}"))})." : ".");
        text.AppendFormat(c, words.Activity, report.Conversations.Shown, report.Messages.Shown);
        text.AppendFormat(c, words.Returning, report.Returning.Shown);
        text.AppendFormat(c, words.Handoffs, report.HandoffsRequested.Shown, report.HandoffsTaken.Shown);
        if (topics.Count > 0)
        {
            text.AppendFormat(c, words.Topics, string.Join("; ", topics.Select(t => $"{words.Name(t.Key)} ({t.Cell.Shown})")));
        }

        if (report.WebChatRefused > 0)
        {
            text.AppendFormat(c, words.Refused, report.WebChatRefused.ToString("#,0", c));
        }

        text.AppendLine().AppendFormat(c, words.Footnote, report.Periods.Count == 0 ? words.NoData : string.Join(", ", report.Periods));
        return text.AppendLine().ToString();
    }

    private static string Date(DateOnly day, Phrases words, bool withYear = true)
    {
        var month = words.Months[day.Month - 1];
        return (words == Spanish, withYear) switch
        {
            (true, true) => $"{day.Day} de {month} de {day.Year}",
            (true, false) => $"{day.Day} de {month}",
            (false, true) => $"{day.Day} {month} {day.Year}",
            _ => $"{day.Day} {month}",
        };
    }

    private static string Join(IReadOnlyList<string> items, string and) => items.Count switch
    {
        0 => string.Empty,
        1 => items[0],
        _ => $"{string.Join(", ", items.Take(items.Count - 1))} {and} {items[^1]}",
    };
}
