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
}

/// <summary>
/// One anonymous event: what happened, on which channel, in which language, where in the content, and the day.
/// No person, no message text, no time finer than the day.
/// </summary>
public sealed record AnalyticsEvent(
    EventKind Kind,
    string Channel,
    string Language,
    string? NodeId,
    string? Topic,
    string ContentVersion,
    DateOnly Day);
