using OimBot.Content.Matching;

namespace OimBot.Bot.Dialogs;

public enum UserMessageKind
{
    Text,
    Choice,

    /// <summary>Voice, photo, sticker, location, document: never downloaded, never stored.</summary>
    Unsupported,
}

/// <summary>What a user sent, already translated from the channel's wire format by its adapter.</summary>
public sealed record UserMessage(UserMessageKind Kind, string? Text = null, string? ChoiceKey = null)
{
    /// <summary>What the channel says about the user's language (first contact only; never stored).</summary>
    public LanguageHint? Hint { get; init; }

    /// <summary>The channel it came through: texts whose truth differs per channel are read in its variant.</summary>
    public string? Channel { get; init; }

    public static UserMessage FromText(string text) => new(UserMessageKind.Text, Text: text);

    public static UserMessage FromChoice(string choiceKey) => new(UserMessageKind.Choice, ChoiceKey: choiceKey);

    public static UserMessage Unsupported() => new(UserMessageKind.Unsupported);
}
