using Microsoft.Extensions.Options;
using OimBot.Bot.Operations;
using OimBot.Analytics;
using OimBot.Bot.Channels;
using OimBot.Bot.Outbox;
using OimBot.Bot.ContentHosting;
using OimBot.Bot.Dialogs;
using OimBot.Bot.Storage;

namespace OimBot.Bot.Handoff;

/// <summary>
/// What caseworkers do to cases (claim, reply, note, transfer, close) and what the bot tells the user about it. Every
/// view of a transcript and every change is written to the audit log.
/// </summary>
public sealed partial class HandoffService(
    ICaseStore cases,
    IAuditLog audit,
    ConversationService dialogs,
    ContentHost content,
    CaseEvents events,
    OutboxSignal outbox,
    TimeProvider clock,
    ILogger<HandoffService> logger)
{
    /// <summary>
    /// The longest reply a caseworker writes for a channel: its longest message less the "👤 " the person reads first,
    /// in UTF-16 code units as the reply box's maxlength counts. The box and the server's check are this one number
    /// (the box had allowed 4096 and the server 4094, and "👤 " is three units, not two).
    /// </summary>
    public static int MaxReply(string channel) => LongestMessage(channel) - DialogEngine.CaseworkerPrefix.Length;

    private static int LongestMessage(string channel) => channel switch
    {
        ChannelNames.Twilio => Channels.Twilio.TwilioClient.MaxBody,
        ChannelNames.WhatsApp => Channels.WhatsApp.WhatsAppClient.MaxText,
        ChannelNames.Telegram => Channels.Telegram.TelegramClient.MaxText,
        ChannelNames.WebChat => Channels.WebChat.WebChatEndpoints.MaxTextLength,
        _ => Channels.Twilio.TwilioClient.MaxBody, // the least any channel carries
    };

    /// <summary>
    /// A text from an inbox form as it was typed: a browser posts each line break of a textarea as CR LF but counts it
    /// as one character against maxlength, so a reply that fitted the box had been refused by the server.
    /// </summary>
    public static string AsTyped(string? text) => (text ?? string.Empty).ReplaceLineEndings("\n").Trim();

    public Task<IReadOnlyList<CaseRow>> QueueAsync(CancellationToken cancellationToken) => cases.QueueAsync(cancellationToken);

    /// <summary>Every read of a case and its transcript, whatever the page or handler, leaves an audit line.</summary>
    /// <param name="how">null for the case page; "refresh" for the live update of the transcript.</param>
    /// <summary>Who holds a case (null: nobody yet, or no such case), read without showing the conversation to anyone (not audited).</summary>
    public async Task<string?> OwnerAsync(string reference, CancellationToken cancellationToken) =>
        (await cases.FindAsync(reference, cancellationToken))?.Row.Owner;

    public async Task<CaseDetail?> ViewAsync(string reference, string viewer, CancellationToken cancellationToken, string? how = null)
    {
        var detail = await cases.FindAsync(reference, cancellationToken);
        if (detail is not null)
        {
            await audit.AppendAsync(viewer, "view-transcript", reference, how, clock.GetUtcNow(), cancellationToken);
        }

        return detail;
    }

    public async Task<(ClaimResult Result, string? Owner)> ClaimAsync(string reference, string caseworker, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var set = content.Current;
        var result = await cases.ClaimAsync(reference, caseworker, state => DialogEngine.CaseClaimed(set, state), dialogs.Shape, Record(caseworker, "claim", null, EventKind.HandoffTaken), now, cancellationToken);
        if (result.Result == ClaimResult.Claimed)
        {
            Changed();
        }

        return result;
    }

    /// <summary>Null when sent; otherwise why not (shown to the caseworker with the form).</summary>
    /// <param name="sendUnvetted">
    /// The caseworker confirmed, on the form shown again, that the phone numbers, links or e-mails the registry does not
    /// hold were checked at their official source (<see cref="ReplyContacts"/>); the audit line says how many went.
    /// </param>
    public async Task<string?> ReplyAsync(string reference, string caseworker, string? text, CancellationToken cancellationToken, bool sendUnvetted = false)
    {
        var detail = await cases.FindAsync(reference, cancellationToken);
        if (detail is null || detail.Row.Status == CaseStatus.Closed)
        {
            return "El caso está cerrado o no existe.";
        }

        var trimmed = AsTyped(text);
        if (trimmed.Length == 0)
        {
            return "Escribe una respuesta.";
        }

        var max = MaxReply(detail.Row.Channel);
        if (trimmed.Length > max)
        {
            // The channel as the inbox names it everywhere else ("chat web", not "webchat").
            return $"La respuesta tiene {trimmed.Length} caracteres y un mensaje por {ReachNames.Es(detail.Row.Channel)} admite como máximo {max}. Acórtala o divídela en dos.";
        }

        var unvetted = Unvetted(trimmed);
        if (unvetted.Count > 0 && !sendUnvetted)
        {
            return $"La respuesta tiene {ReplyContacts.Describe(unvetted)} que no {(unvetted.Count == 1 ? "está" : "están")} en el registro de datos verificados: {string.Join(", ", unvetted)}. "
                + "Un número o un enlace sin verificar puede estar desactualizado o ser de otra entidad. Quítalo o usa una respuesta preparada; "
                + "si lo comprobaste hoy en la fuente oficial, marca la casilla y envía de nuevo.";
        }

        var now = clock.GetUtcNow();
        var said = unvetted.Count == 0 ? $"{trimmed.Length} caracteres" : $"{trimmed.Length} caracteres; con {ReplyContacts.Describe(unvetted)} sin verificar, confirmado";
        var record = Record(caseworker, "reply", said, null);
        if (!await cases.ReplyAsync(reference, caseworker, DialogEngine.CaseworkerSaid(trimmed), trimmed, dialogs.Shape, record, now, cancellationToken))
        {
            return "El caso está cerrado o no existe.";
        }

        Changed();
        return null;
    }

    /// <summary>The phone numbers, links and e-mails in a reply that the fact registry does not hold (R14).</summary>
    public IReadOnlyList<string> Unvetted(string? text) => ReplyContacts.Unvetted(content.Current.Facts, AsTyped(text));

    public async Task<bool> NoteAsync(string reference, string caseworker, string text, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var added = await cases.NoteAsync(reference, caseworker, AsTyped(text), Record(caseworker, "note", null, null), now, cancellationToken);
        if (added)
        {
            Changed();
        }

        return added;
    }

    public async Task<bool> TransferAsync(string reference, string caseworker, string to, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var moved = await cases.TransferAsync(reference, caseworker, to, Record(caseworker, "transfer", $"a {to}", null), now, cancellationToken);
        if (moved)
        {
            Changed();
        }

        return moved;
    }

    public async Task<bool> CloseAsync(string reference, string caseworker, string outcome, CancellationToken cancellationToken)
    {
        if (!CaseOutcomes.ForCaseworkers.Contains(outcome))
        {
            return false;
        }

        var now = clock.GetUtcNow();
        var set = content.Current;
        var closed = await cases.CloseAsync(reference, caseworker, outcome, state => DialogEngine.CaseClosed(set, state, now), dialogs.Shape, Record(caseworker, "close", outcome, EventKind.HandoffClosed, outcome), now, cancellationToken);
        if (closed)
        {
            Changed();
        }

        return closed;
    }

    /// <summary>
    /// The open cases <paramref name="owner"/> held go back to the queue (their account was disabled by
    /// <paramref name="actor"/>), audited, and each person is told once, in their language, through the outbox as a
    /// caseworker's reply is (STOP, a closed WhatsApp window and the rest are the outbox's as for any case message).
    /// </summary>
    /// <returns>The released cases' references.</returns>
    public async Task<IReadOnlyList<string>> ReleaseAsync(string owner, string actor, CancellationToken cancellationToken)
    {
        var set = content.Current;
        var released = await cases.ReleaseAsync(owner, actor, state => DialogEngine.CaseReleased(set, state), dialogs.Shape, clock.GetUtcNow(), cancellationToken);
        if (released.Count > 0)
        {
            Changed(); // every open queue shows them free at once, and the messages go
        }

        return released;
    }

    /// <summary>
    /// Cases nobody took in time: the user is told (once) and may keep waiting or go back to the menu. Only time on duty
    /// counts: a case opened at 22:00, already promised the next shift, is not told "nobody could take it" overnight.
    /// </summary>
    public async Task<int> TimeOutAsync(TimeSpan claimTimeout, HandoffSchedule schedule, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        var now = clock.GetUtcNow();
        var set = content.Current;
        var timedOut = await cases.TimeOutAsync(created => schedule.OnDutyBetween(created, now) >= claimTimeout, state => DialogEngine.CaseTimedOut(set, state, now), dialogs.Shape, Record("system", "timeout", null, EventKind.HandoffTimedOut), now, cancellationToken);
        foreach (var reference in timedOut)
        {
            LogTimedOut(logger, reference);
        }

        if (timedOut.Count > 0)
        {
            Changed();
        }

        return timedOut.Count;
    }

    /// <summary>
    /// Cases nobody wrote in for <paramref name="expiry"/>: closed as expired, and the conversation returns to the bot
    /// (silently: the person has not written for days, and a provider's window may be closed).
    /// </summary>
    public async Task<int> ExpireAsync(TimeSpan expiry, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var expired = await cases.ExpireAsync(now - expiry, DialogEngine.CaseExpired, dialogs.Shape, Record("system", "expire", CaseOutcomes.Expired, EventKind.HandoffClosed, CaseOutcomes.Expired), now, cancellationToken);
        if (expired.Count > 0)
        {
            Changed();
        }

        return expired.Count;
    }

    /// <summary>The audit line and the event a change commits with (content version and the day in Panama).</summary>
    private CaseRecord Record(string actor, string action, string? detail, EventKind? kind, string? value = null) =>
        new(actor, action, detail, kind, value, content.Current.VersionId, PanamaTime.Today(clock));

    private void Changed()
    {
        outbox.Notify();
        events.Publish();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Case {Reference} waited too long; the user was told")]
    private static partial void LogTimedOut(ILogger logger, string reference);
}

/// <summary>Every few seconds: tells users whose case nobody took, and deletes old transcripts of closed cases.</summary>
internal sealed partial class HandoffMonitor(HandoffService handoff, ICaseStore cases, ILeadership leadership, TimeProvider clock, IOptions<HandoffOptions> options, BotMetrics metrics, ILogger<HandoffMonitor> logger)
    : BackgroundLoop("handoff", clock, metrics, logger)
{
    protected override TimeSpan Interval => options.Value.MonitorInterval;

    protected override bool RunAtStart => false;

    /// <summary>On the leader only: a timed-out case is announced to the person once, not by every instance.</summary>
    protected override async Task RunRoundAsync(CancellationToken cancellationToken)
    {
        if (!leadership.IsLeader)
        {
            return;
        }

        await handoff.TimeOutAsync(options.Value.ClaimTimeout, options.Value.BuildSchedule(), cancellationToken);
        await handoff.ExpireAsync(options.Value.CaseExpiry, cancellationToken);
        var now = Clock.GetUtcNow();
        var purged = await cases.PurgeTranscriptsAsync(now - options.Value.TranscriptRetention, now, cancellationToken);
        if (purged > 0)
        {
            LogPurged(logger, purged);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted the transcripts of {Count} closed cases past retention")]
    private static partial void LogPurged(ILogger logger, int count);

}
