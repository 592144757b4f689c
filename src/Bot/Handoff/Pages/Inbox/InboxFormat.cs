using System.Globalization;
using OimBot.Bot.Storage;
using OimBot.Bot.Outbox;

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
        if (WindowOpen(row, now) is not { } open)
        {
            return null;
        }

        var left = row.LastInboundAt + Outbox.Delivery.WhatsAppWindow - now;
        return open ? $"abierta {(int)left.TotalHours} h {left.Minutes} min más" : "cerrada: primero irá una plantilla";
    }

    /// <summary>Whether a reply reaches the person directly now: null for channels without a window.</summary>
    public static bool? WindowOpen(CaseRow row, DateTimeOffset now) =>
        row.Channel is "whatsapp" or "twilio" ? row.LastInboundAt + Outbox.Delivery.WhatsAppWindow > now : null;

    /// <summary>What the reply box says when WhatsApp's window is closed, with the template the person will get.</summary>
    public static string ClosedWindowNote(string? templateText) =>
        "La ventana de 24 h de WhatsApp está cerrada (la persona escribió por última vez hace más de un día). Al enviar, la persona recibe primero "
        + (templateText is null ? "una plantilla aprobada" : $"la plantilla «{templateText}»")
        + "; tu respuesta queda retenida y le llega en cuanto responda. Si escribe STOP o BORRAR, no le llega.";

    /// <summary>
    /// What a screen reader is told when a case arrives: its priority, topic and language, never the reference, the
    /// channel or anything the person wrote.
    /// </summary>
    public static string Arrival(CaseRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        return $"prioridad {(row.Priority == CasePriority.High ? "alta" : "normal")}, tema {Analytics.ReachNames.Es(row.Topic)}, idioma {Analytics.ReachNames.Es(row.Language)}";
    }

    public static string Status(CaseRow row) => row.Status switch
    {
        CaseStatus.Waiting => "en espera",
        CaseStatus.Claimed => $"con {row.Owner}",
        _ => "cerrado",
    };

    /// <summary>
    /// What an audit line's action code means, in Spanish (the audit log had shown "view-transcript", "claim"…). The code
    /// is what is stored and stays on the page in the cell's title; an unknown code shows as itself, never as nothing.
    /// </summary>
    public static string AuditAction(string action) => action switch
    {
        "view-transcript" => "Vio la conversación",
        "claim" => "Tomó el caso",
        "reply" => "Respondió",
        "note" => "Añadió una nota interna",
        "transfer" => "Transfirió el caso",
        "close" => "Cerró el caso",
        "timeout" => "Nadie tomó el caso a tiempo; se avisó a la persona",
        "expire" => "El caso caducó sin actividad",
        "sign-in" => "Entró en la bandeja",
        "sign-in-failed" => "Intento de entrada fallido",
        "sign-out" => "Salió (todas sus sesiones)",
        "user-added" => "Añadió un usuario",
        "password-changed" => "Cambió su contraseña",
        "user-disabled" => "Desactivó un usuario",
        "user-enabled" => "Activó un usuario",
        "release" => "Devolvió el caso a la cola (cuenta desactivada)",
        _ => action,
    };

    /// <summary>An audit line's detail in Spanish: an outcome by its label, a role by its name, a live refresh said so.</summary>
    public static string? AuditDetail(AuditEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return (entry.Action, entry.Detail) switch
        {
            (_, null) => null,
            ("close" or "expire", var outcome) => CaseOutcomes.Label(outcome) is var label && label != "—" ? label : outcome,
            ("view-transcript", "refresh") => "actualización automática de la página",
            ("user-added", var detail) when detail.LastIndexOf(" (", StringComparison.Ordinal) is var at and > 0 && detail.EndsWith(')')
                => $"{detail[..at]} ({Roles.Label(detail[(at + 2)..^1])})",
            (_, var detail) => detail,
        };
    }

    /// <summary>Who did it: "Sistema" for the service itself (timeouts, expiry).</summary>
    public static string AuditActor(string actor) => actor == "system" ? "Sistema" : actor;

    /// <summary>A delivery status, with the provider's reason when a message could not go (a template paused or rejected…).</summary>
    public static string Delivery(CaseEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var status = Delivery(entry.Delivery);
        return entry.Delivery is OutboxStatus.Failed or OutboxStatus.Dead or OutboxStatus.Pending && entry.DeliveryError is { Length: > 0 } error
            ? $"{status} ({Reason(error)})"
            : status;
    }

    /// <summary>Provider errors as a caseworker reads them (the provider's code leads the stored error: "whatsapp 132015: …").</summary>
    public static string Reason(string error)
    {
        ArgumentNullException.ThrowIfNull(error);
        var code = error.Split(' ', ':') is [_, var number, ..] ? number : string.Empty;
        return code switch
        {
            "132015" or "63041" => $"WhatsApp pausó la plantilla por su calidad; se reintenta sola; {error}",
            "132000" or "132001" or "132005" or "132007" or "132012" or "132016" or "63040" or "63042" or "63028" or "21656"
                => $"WhatsApp no aceptó la plantilla (no aprobada, desactivada o con otros datos); avise a quien administra WhatsApp; {error}",
            _ when error.Contains("ContentSids", StringComparison.Ordinal) || error.Contains("templates.yaml", StringComparison.Ordinal)
                => $"la plantilla no está configurada; avise a quien administra WhatsApp; {error}",
            _ => error,
        };
    }

    public static string Delivery(OutboxStatus? status) => status switch
    {
        OutboxStatus.Pending or OutboxStatus.Sending => "enviando…",
        OutboxStatus.Sent => "enviado",
        OutboxStatus.Delivered => "entregado",
        OutboxStatus.Read => "leído",
        OutboxStatus.Failed or OutboxStatus.Dead => "no se pudo entregar",
        OutboxStatus.Held => "retenido: la ventana de 24 h de WhatsApp está cerrada; sale en cuanto la persona escriba",
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
