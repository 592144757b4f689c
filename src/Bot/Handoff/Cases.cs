using OimBot.Bot.Dialogs;
using OimBot.Bot.Storage;
using OimBot.Content;
using OimBot.Bot.Outbox;

namespace OimBot.Bot.Handoff;

public enum CasePriority
{
    Normal,
    High,
}

public enum CaseStatus
{
    /// <summary>Nobody has taken it yet.</summary>
    Waiting,

    /// <summary>A caseworker owns it; the bot is silent.</summary>
    Claimed,

    Closed,
}

/// <summary>How a case ended. The first five are the caseworker's choice; the rest are set by what the user did.</summary>
public static class CaseOutcomes
{
    public const string InformationGiven = "information_given";
    public const string Referred = "referred";
    public const string AvrApplicationStarted = "avr_application_started";
    public const string NoAnswer = "no_answer";
    public const string Other = "other";
    public const string UserLeft = "user_left";
    public const string UserStopped = "user_stopped";
    public const string UserWithdrew = "user_withdrew";
    public const string Expired = "expired";

    public static readonly IReadOnlyList<string> ForCaseworkers = [InformationGiven, Referred, AvrApplicationStarted, NoAnswer, Other];

    /// <summary>The outcome of a case the person left (<see cref="Dialogs.CaseAction.Leave"/>'s reason).</summary>
    public static string OfLeave(string reason) => reason switch
    {
        Dialogs.CaseAction.Stopped => UserStopped,
        Dialogs.CaseAction.Withdrawn => UserWithdrew,
        _ => UserLeft,
    };

    public static string Label(string? outcome) => outcome switch
    {
        InformationGiven => "Información dada",
        Referred => "Referido a una institución",
        AvrApplicationStarted => "Solicitud de RVA iniciada",
        NoAnswer => "Sin respuesta",
        Other => "Otro",
        UserLeft => "La persona volvió al bot",
        UserStopped => "La persona escribió STOP",
        UserWithdrew => "La persona canceló su pedido",
        Expired => "Caducó sin actividad",
        _ => "—",
    };
}

/// <summary>A case in the queue: never the phone number or chat id, only a short reference.</summary>
public sealed record CaseRow(
    string Reference,
    string Channel,
    string Topic,
    string Language,
    CasePriority Priority,
    CaseStatus Status,
    string? Owner,
    DateTimeOffset CreatedAt,
    DateTimeOffset LastInboundAt,
    DateTimeOffset? ClaimedAt,
    DateTimeOffset? ClosedAt,
    string? Outcome);

/// <summary>One line of a transcript. <see cref="Delivery"/> is the outbox status of a caseworker's reply.</summary>
/// <param name="Delivery">The status of the message it sent (a caseworker's reply, a template), if it sent one.</param>
/// <param name="DeliveryError">The provider's reason when that message could not go.</param>
public sealed record CaseEntry(long Id, string Author, string? AuthorName, string Text, DateTimeOffset At, OutboxStatus? Delivery, string? DeliveryError = null);

/// <summary>A case with what the user agreed to share: the path through the bot, the pre-screening answers, and the transcript.</summary>
public sealed record CaseDetail(CaseRow Row, IReadOnlyList<string> Path, IReadOnlyDictionary<string, string> Answers, IReadOnlyList<CaseEntry> Transcript, bool TranscriptDeleted);

public enum ClaimResult
{
    Claimed,
    AlreadyTaken,
    NotFound,
    Closed,
}

/// <summary>A change to the conversation that the bot makes outside a user's turn (claimed, timed out, closed).</summary>
public delegate TurnResult CaseTransition(ConversationState state);

/// <summary>
/// What a change to a case leaves behind, committed in the same transaction as the change itself: the audit line (who
/// did what) and, when the change is one, the anonymous analytics event (with the case's channel, language and topic).
/// </summary>
/// <param name="Event">The analytics event, if any; <see cref="EventKind.FirstCaseworkerReply"/> is added by the store itself.</param>
public sealed record CaseRecord(string Actor, string Action, string? Detail, Analytics.EventKind? Event, string? EventValue, string ContentVersion, DateOnly Day);

/// <summary>Cuts a reply into the messages a channel accepts (the same shaping as turns).</summary>
public delegate IReadOnlyList<RenderedReply> ReplyShape(string channel, RenderedReply reply);

/// <summary>Cases, transcripts and their changes. Every change that reaches the user commits together with its outbox rows.</summary>
public interface ICaseStore
{
    Task<IReadOnlyList<CaseRow>> QueueAsync(CancellationToken cancellationToken);

    /// <summary>Closed cases, newest first: <paramref name="count"/> of them after the newest <paramref name="skip"/>.</summary>
    Task<IReadOnlyList<CaseRow>> RecentlyClosedAsync(int count, CancellationToken cancellationToken, int skip = 0);

    Task<CaseDetail?> FindAsync(string reference, CancellationToken cancellationToken);

    /// <summary>Only one caseworker wins a race: the claim is a single conditional update.</summary>
    Task<(ClaimResult Result, string? Owner)> ClaimAsync(string reference, string caseworker, CaseTransition tell, ReplyShape shape, CaseRecord record, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>
    /// Queues a caseworker's words for the user and adds them to the transcript. False when the case is not open. The
    /// first caseworker reply of a case is counted (minutes since the request) once, even when two replies race.
    /// </summary>
    Task<bool> ReplyAsync(string reference, string caseworker, RenderedReply reply, string transcriptText, ReplyShape shape, CaseRecord record, DateTimeOffset now, CancellationToken cancellationToken);

    Task<bool> NoteAsync(string reference, string caseworker, string text, CaseRecord record, DateTimeOffset now, CancellationToken cancellationToken);

    Task<bool> TransferAsync(string reference, string fromCaseworker, string toCaseworker, CaseRecord record, DateTimeOffset now, CancellationToken cancellationToken);

    Task<bool> CloseAsync(string reference, string caseworker, string outcome, CaseTransition tell, ReplyShape shape, CaseRecord record, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>
    /// Puts the open cases <paramref name="owner"/> holds back in the queue, nobody's, in their place by when they were
    /// opened (their account was disabled), each with a transcript line and an audit line by <paramref name="actor"/>,
    /// and each user told what <paramref name="tell"/> says (through the outbox, in the same transaction). Returns their references.
    /// </summary>
    Task<IReadOnlyList<string>> ReleaseAsync(string owner, string actor, CaseTransition tell, ReplyShape shape, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Tells the users of cases nobody took whose wait <paramref name="due"/> says is too long (given when the case was opened); returns their references.</summary>
    Task<IReadOnlyList<string>> TimeOutAsync(Func<DateTimeOffset, bool> due, CaseTransition tell, ReplyShape shape, CaseRecord record, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Closes, as <c>expired</c>, open cases where nothing happened since <paramref name="idleSince"/>; returns their references.</summary>
    Task<IReadOnlyList<string>> ExpireAsync(DateTimeOffset idleSince, CaseTransition tell, ReplyShape shape, CaseRecord record, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Deletes the transcripts (and summaries) of cases closed before <paramref name="closedBefore"/>; the outcome stays.</summary>
    Task<int> PurgeTranscriptsAsync(DateTimeOffset closedBefore, DateTimeOffset now, CancellationToken cancellationToken);
}
