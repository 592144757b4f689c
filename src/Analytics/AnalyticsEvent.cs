namespace OimBot.Analytics;

/// <summary>The allow-list of what analytics may record (R3). Adding a kind is a reviewed change, not a free string.</summary>
public enum EventKind
{
    ConversationStarted,
    ConsentGiven,
    LanguageChosen,
    NodeReached,
    TopicEntered,
    NotUnderstood,
    HandoffRequested,
    PrescreeningCompleted,
    EmergencyShown,
    PersonalDataWithheld,
    UnsupportedMessage,
    SessionExpired,
    DeleteRequested,
    Stopped,
    Resumed,

    /// <summary>The optional 1-5 answer after a case was closed.</summary>
    SatisfactionGiven,

    HandoffTaken,
    HandoffClosed,
    HandoffTimedOut,

    /// <summary>One per message a user sent (counts messages; never the text).</summary>
    MessageReceived,

    /// <summary>The bot was unsure and asked which of a few destinations the user meant (node: where the user was).</summary>
    ClarificationAsked,

    /// <summary>A caseworker's first written answer in a case; the value is the whole minutes since the request.</summary>
    FirstCaseworkerReply,

    /// <summary>A web chat request refused by a rate limit (flooding, automated traffic); never a person.</summary>
    WebChatRefused,
}

/// <summary>
/// One anonymous event: what happened, on which channel, in which language, where in the content, and the day.
/// No person, no message text, no time finer than the day.
/// </summary>
/// <param name="Value">A small allow-listed value: the satisfaction score (1-5) or a case outcome code; never text.</param>
public sealed record AnalyticsEvent(
    EventKind Kind,
    string Channel,
    string Language,
    string? NodeId,
    string? Topic,
    string ContentVersion,
    DateOnly Day,
    string? Value = null);
