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
    /// <c>week|channel|language|topic,people</c>, then a <c>total</c> row with the people reached. A person can be in
    /// several weeks, languages or topics, so those rows can add up to more than the total.
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
        var csv = new StringBuilder();
        Line(csv, by.ToString().ToLowerInvariant(), "people");
        foreach (var (key, cell) in series.Items)
        {
            Line(csv, key, cell.Shown);
        }

        Line(csv, "total", report.People.Shown);
        return csv.ToString();
    }

    /// <summary><c>topic,entered,information,prescreening,handoff</c>: people who reached each step.</summary>
    public static string Funnel(PublishedReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var csv = new StringBuilder();
        Line(csv, ["topic", .. Steps.Funnel]);
        for (var t = 0; t < report.Topics.Count; t++)
        {
            Line(csv, [report.Topics[t], .. Enumerable.Range(0, Steps.Funnel.Count).Select(s => report.Funnel[t, s].Shown)]);
        }

        return csv.ToString();
    }

    private static void Line(StringBuilder csv, params string[] values)
    {
        csv.AppendJoin(',', values.Select(Escape)).Append("\r\n");
    }

    /// <summary>RFC 4180 quoting, and a leading apostrophe for anything a spreadsheet would run as a formula.</summary>
    private static string Escape(string value)
    {
        if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@')
        {
            value = "'" + value;
        }

        return value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? $"\"{value.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : value;
    }
}

/// <summary>A short period summary in Spanish and English, ready to paste into a quarterly report.</summary>
public static class ReachSummary
{
    // Month names written out: the report reads the same whatever cultures the server has installed.
    private static readonly string[] Spanish = ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre"];
    private static readonly string[] English = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

    public static string Write(PublishedReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var channels = report.ByChannel.Items.Where(c => c.Cell.Value > 0).ToList();
        var topics = report.ByTopic.Items.Where(t => t.Cell.Value > 0).OrderByDescending(t => t.Cell.Hidden ? 0 : t.Cell.Value).ThenBy(t => t.Key, StringComparer.Ordinal).ToList();
        var text = new StringBuilder();

        var esChannels = Join([.. channels.Select(c => ReachNames.Es(c.Key)).Distinct()], "y");
        text.Append(CultureInfo.InvariantCulture, $"Del {Date(report.Range.From, Spanish, report.Range.From.Year != report.Range.To.Year)} al {Date(report.Range.To, Spanish)}, OimBot alcanzó a {report.People.Shown} personas");
        text.Append(channels.Count > 0 ? $" a través de {esChannels}" : string.Empty);
        text.Append(channels.Count > 1 ? $" ({string.Join("; ", channels.Select(c => $"{ReachNames.Es(c.Key)}: {c.Cell.Shown}"))})." : ".");
        text.Append(CultureInfo.InvariantCulture, $" Hubo {report.Conversations.Shown} conversaciones y {report.Messages.Shown} mensajes recibidos;");
        text.Append(CultureInfo.InvariantCulture, $" {report.Returning.Shown} personas volvieron otro día.");
        text.Append(CultureInfo.InvariantCulture, $" Se pidió hablar con una persona del equipo {report.HandoffsRequested.Shown} veces y el equipo atendió {report.HandoffsTaken.Shown} solicitudes.");
        if (topics.Count > 0)
        {
            text.Append(CultureInfo.InvariantCulture, $" Temas consultados: {string.Join("; ", topics.Select(t => $"{ReachNames.Es(t.Key)} ({t.Cell.Shown})"))}.");
        }

        text.AppendLine().Append(CultureInfo.InvariantCulture, $"Cifras anónimas: las personas se cuentan una vez por periodo ({PeriodsEs(report)}); los valores de 1 a 4 se muestran como «<5» (de 1 a 9 como «<10» en temas sensibles) y «•» oculta una cifra que permitiría deducirlos.");
        text.AppendLine().AppendLine();

        var enChannels = Join([.. channels.Select(c => ReachNames.En(c.Key)).Distinct()], "and");
        text.Append(CultureInfo.InvariantCulture, $"From {Date(report.Range.From, English, report.Range.From.Year != report.Range.To.Year)} to {Date(report.Range.To, English)}, OimBot reached {report.People.Shown} people");
        text.Append(channels.Count > 0 ? $" through {enChannels}" : string.Empty);
        text.Append(channels.Count > 1 ? $" ({string.Join("; ", channels.Select(c => $"{ReachNames.En(c.Key)}: {c.Cell.Shown}"))})." : ".");
        text.Append(CultureInfo.InvariantCulture, $" There were {report.Conversations.Shown} conversations and {report.Messages.Shown} messages received;");
        text.Append(CultureInfo.InvariantCulture, $" {report.Returning.Shown} people came back on another day.");
        text.Append(CultureInfo.InvariantCulture, $" People asked to talk to a team member {report.HandoffsRequested.Shown} times and the team took {report.HandoffsTaken.Shown} requests.");
        if (topics.Count > 0)
        {
            text.Append(CultureInfo.InvariantCulture, $" Topics: {string.Join("; ", topics.Select(t => $"{ReachNames.En(t.Key)} ({t.Cell.Shown})"))}.");
        }

        text.AppendLine().Append(CultureInfo.InvariantCulture, $"Anonymous figures: people are counted once per period ({PeriodsEn(report)}); values from 1 to 4 are shown as \"<5\" (1 to 9 as \"<10\" for sensitive topics) and \"•\" hides a figure that would reveal them.");
        return text.AppendLine().ToString();
    }

    private static string PeriodsEs(PublishedReport report) => report.Periods.Count == 0 ? "sin datos" : string.Join(", ", report.Periods);

    private static string PeriodsEn(PublishedReport report) => report.Periods.Count == 0 ? "no data" : string.Join(", ", report.Periods);

    private static string Date(DateOnly day, string[] months, bool withYear = true) => (months == Spanish, withYear) switch
    {
        (true, true) => $"{day.Day} de {months[day.Month - 1]} de {day.Year}",
        (true, false) => $"{day.Day} de {months[day.Month - 1]}",
        (false, true) => $"{day.Day} {months[day.Month - 1]} {day.Year}",
        _ => $"{day.Day} {months[day.Month - 1]}",
    };

    private static string Join(IReadOnlyList<string> items, string and) => items.Count switch
    {
        0 => string.Empty,
        1 => items[0],
        _ => $"{string.Join(", ", items.Take(items.Count - 1))} {and} {items[^1]}",
    };
}
