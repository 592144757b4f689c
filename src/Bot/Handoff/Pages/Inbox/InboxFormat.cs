using System.Globalization;
using OimBot.Bot.Storage;

namespace OimBot.Bot.Handoff.Pages.Inbox;

/// <summary>How times and states read in the inbox (Spanish, Panama time).</summary>
public static class InboxFormat
{
    public static string Ago(DateTimeOffset at, DateTimeOffset now)
    {
        var span = now - at;
        return span.TotalMinutes switch
        {
            < 1 => "ahora",
            < 60 => $"hace {(int)span.TotalMinutes} min",
            < 48 * 60 => $"hace {(int)span.TotalHours} h {span.Minutes} min",
            _ => $"hace {(int)span.TotalDays} días",
        };
    }

    public static string Local(DateTimeOffset at) => PanamaTime.Local(at).ToString("dd/MM HH:mm", CultureInfo.InvariantCulture);

    /// <summary>Time left in WhatsApp's 24-hour window (Cloud API and Twilio); null for channels without one.</summary>
    public static string? Window(CaseRow row, DateTimeOffset now)
    {
        if (row.Channel is not ("whatsapp" or "twilio"))
        {
            return null;
        }

        var left = row.LastInboundAt + TimeSpan.FromHours(24) - now;
        return left <= TimeSpan.Zero ? "cerrada" : $"{(int)left.TotalHours} h {left.Minutes} min";
    }

    public static string Status(CaseRow row) => row.Status switch
    {
        CaseStatus.Waiting => "en espera",
        CaseStatus.Claimed => $"con {row.Owner}",
        _ => "cerrado",
    };

    public static string Delivery(OutboxStatus? status) => status switch
    {
        OutboxStatus.Pending or OutboxStatus.Sending => "enviando…",
        OutboxStatus.Sent => "enviado",
        OutboxStatus.Delivered => "entregado",
        OutboxStatus.Read => "leído",
        OutboxStatus.Failed or OutboxStatus.Dead => "no se pudo entregar",
        OutboxStatus.NeedsTemplate => "no entregado: la ventana de 24 h de WhatsApp está cerrada",
        OutboxStatus.Cancelled => "cancelado (la persona pidió no recibir más)",
        OutboxStatus.Blocked => "no entregado: la persona bloqueó el bot",
        _ => string.Empty,
    };

    public static string Author(CaseEntry entry) => entry.Author switch
    {
        "migrant" => "Persona",
        "caseworker" => entry.AuthorName ?? "Equipo",
        "note" => $"Nota interna de {entry.AuthorName}",
        _ => "Sistema",
    };
}
