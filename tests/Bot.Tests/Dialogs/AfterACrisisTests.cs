using OimBot.Bot.Tests.TestHost;
using OimBot.Content;

namespace OimBot.Bot.Tests.Dialogs;

/// <summary>
/// Blind testers (2026-12-06) said "no" to the offer of a person after "me quiero morir", or "mèsi", and got the main menu
/// or "Con gusto" with no line at all. Declining the offer that follows an emergency page, or thanking for it, gets the
/// emergency channels again first, with the emergency's own line (the 147 line for self-harm); elsewhere, nothing
/// changes.
/// </summary>
public class AfterACrisisTests
{
    private static ContentSet Content => ShippedContent.Set;

    [Theory]
    [InlineData("es", "me quiero morir", "no")]
    [InlineData("es", "me quiero morir", "gracias")]
    [InlineData("es", "me quiero morir", "2")]
    [InlineData("en", "i want to kill myself", "no thanks")]
    [InlineData("en", "i want to kill myself", "thank you")]
    [InlineData("fr", "je veux mourir", "non merci")]
    [InlineData("ht", "mwen vle mouri", "mèsi")]
    [InlineData("ht", "mwen vle mouri", "non")]
    [InlineData("pt", "quero morrer", "obrigada")]
    [InlineData("zh", "我想自杀", "谢谢")]
    public void DecliningOrThankingAfterAnEmergencyPage_GetsTheLinesAgainFirst(string language, string crisis, string answer)
    {
        var chat = Chat.Started(Content, language).Send(crisis);
        Assert.Equal(Content.Common.HandoffConsentNode, chat.Node);
        Assert.Contains("emergency-suicide", chat.State!.History);

        chat.Send(answer);
        Assert.False(chat.State!.InCase);
        var first = chat.Replies[0].Text.Split('\n')[0];
        Assert.True(first.Contains("911", StringComparison.Ordinal) && first.Contains("104", StringComparison.Ordinal), $"\"{answer}\": {chat.Text}");
        Assert.Contains("147", chat.Text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("es", "no")]
    [InlineData("es", "gracias")]
    [InlineData("en", "no thanks")]
    public void DecliningOrThankingAtAnOfferAskedForItself_GetsNoLines(string language, string answer)
    {
        var chat = Chat.Started(Content, language).Send("1").Send(Content.Common.Commands[OimBot.Content.GlobalCommand.Human][language][0]);
        Assert.Equal(Content.Common.HandoffConsentNode, chat.Node);

        chat.Send(answer);
        Assert.DoesNotContain("911", chat.Text, StringComparison.Ordinal);
    }
}
