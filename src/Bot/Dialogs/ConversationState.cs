using System.Collections.Immutable;

namespace OimBot.Bot.Dialogs;

/// <summary>
/// Where one conversation stands. Holds no message text and nothing the user typed: only the node, the language,
/// the path back, and pre-screening answers as choice ids ("yes", "no", "skip").
/// </summary>
public sealed record ConversationState
{
    public const int MaxHistory = 20;

    public required string Language { get; init; }

    /// <summary>The channel the conversation is on (whatsapp, telegram, twilio, webchat): which variant of a text it reads.</summary>
    public string? Channel { get; init; }

    public required string NodeId { get; init; }

    public ImmutableList<string> History { get; init; } = [];

    /// <summary>The user confirmed the first-contact notice (R6); no topic content before that.</summary>
    public bool Consented { get; init; }

    /// <summary>The user wrote STOP (R7): nothing is sent until they write again.</summary>
    public bool Stopped { get; init; }

    /// <summary>Messages in a row that the bot did not understand; the second one offers a person.</summary>
    public int Misses { get; init; }

    /// <summary>The last topic the user entered (avr, dangers, …), for handoff and analytics.</summary>
    public string? Topic { get; init; }

    /// <summary>
    /// A handoff node waiting for the user's "yes" (R4: no case without consent); while the notice waits to be confirmed
    /// (<see cref="PendingTarget"/> is the same node), one the user already said yes to.
    /// </summary>
    public string? PendingHandoff { get; init; }

    /// <summary>A person owns the conversation: the bot is silent and the user's messages go to the case.</summary>
    public bool InCase { get; init; }

    /// <summary>
    /// The user typed MENU during a case: the bot answers again, and the case stays open for the caseworker, whose
    /// answer brings the conversation back to them. The session does not end under it (R5), as under <see cref="InCase"/>.
    /// </summary>
    public bool CaseHidden { get; init; }

    /// <summary>A caseworker took the case or answered in it: the user's messages are no longer acknowledged by the bot.</summary>
    public bool CaseClaimed { get; init; }

    /// <summary>When the bot last told the user, in a case nobody has taken yet, that their messages are kept and when someone will answer.</summary>
    public DateTimeOffset? CaseAcknowledgedAt { get; init; }

    /// <summary>The last emergency page the user was shown in this session: the context of the next few messages.</summary>
    public string? LastEmergency { get; init; }

    /// <summary>Messages the user sent since <see cref="LastEmergency"/> was shown (not stored while 0, as most states are).</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingDefault)]
    public int SinceEmergency { get; init; }

    /// <summary>The user saw the emergency answer or a sensitive topic in this session: a case they open is high priority.</summary>
    public bool DangerSignalled { get; init; }

    /// <summary>The choice keys (<c>node/choice</c>) of the last numbered list the user saw, in order: a typed number
    /// picks from it, so "1" answers only the list on the screen (R4 needs an unambiguous yes).</summary>
    public ImmutableList<string> Shown { get; init; } = [];

    /// <summary>Where the first message pointed before the notice was confirmed: the user lands there after it (R6).</summary>
    public string? PendingTarget { get; init; }

    /// <summary>The destinations a clarifying question offered (node ids, most likely first).</summary>
    public ImmutableList<string> Candidates { get; init; } = [];

    /// <summary>Pre-screening answers: question node id → choice id. Never free text.</summary>
    public ImmutableDictionary<string, string> Answers { get; init; } = ImmutableDictionary<string, string>.Empty;

    public required DateTimeOffset StartedAt { get; init; }

    public required DateTimeOffset LastActivityAt { get; init; }

    public static ConversationState Start(string language, string startNode, DateTimeOffset now) => new()
    {
        Language = language,
        NodeId = startNode,
        StartedAt = now,
        LastActivityAt = now,
    };
}
