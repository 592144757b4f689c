using OimBot.Bot.Tests.TestHost;
using OimBot.Content;

namespace OimBot.Bot.Tests.Dialogs;

/// <summary>
/// "你是真人吗" (are you a real person?) had got the offer of a person and nothing more: whoever asks who is answering
/// is told it is an automated assistant (R6), on the page about the service or, read as asking for a person, in the
/// offer's first line (2026-12-07).
/// </summary>
public class WhoAnswersTests
{
    private static ContentSet Content => ShippedContent.Set;

    public static TheoryData<string, string, string> Questions => new()
    {
        { "eres un robot?", "es", "automático" },
        { "hay alguien real ahí?", "es", "automático" },
        { "humano", "es", "automático" },
        { "are you a real person?", "en", "automated" },
        { "i want to talk to a human", "en", "automated" },
        { "c'est un humain qui répond ?", "fr", "automatique" },
        { "ou se yon moun tout bon?", "ht", "otomatik" },
        { "eske se yon robo?", "ht", "otomatik" },
        { "você é uma pessoa de verdade?", "pt", "automático" },
        { "你是真人吗", "zh", "自动" },
        { "你是机器人吗", "zh", "自动" },
    };

    [Theory]
    [MemberData(nameof(Questions))]
    public void AskingWhoAnswers_IsToldItIsAnAutomatedAssistant(string message, string language, string automated)
    {
        var chat = Chat.Started(Content, language).Send(message);

        var text = string.Join('\n', chat.Replies.Select(r => r.Text));
        Assert.True(text.Contains(automated, StringComparison.Ordinal), $"\"{message}\" went to {chat.Node}: {text}");
    }

    [Theory]
    [InlineData("es")]
    [InlineData("en")]
    [InlineData("fr")]
    [InlineData("ht")]
    [InlineData("pt")]
    [InlineData("zh")]
    public void TheOfferOfAPerson_SaysFirstWhoAnswersNow_InANeutralLine(string language)
    {
        var chat = Chat.Started(Content, language).TapKey(ContentNode.ChoiceKey(Content.Common.MenuNode, Content.Common.HandoffNode));

        Assert.Equal(Content.Common.HandoffConsentNode, chat.Node);
        var lines = chat.Replies[0].Text.Split('\n');
        Assert.True(lines.Length >= 3, chat.Replies[0].Text);
        Assert.DoesNotContain("?", lines[0], StringComparison.Ordinal);
        Assert.DoesNotContain("？", lines[0], StringComparison.Ordinal);
    }
}
