using OimBot.Bot.Tests.TestHost;
using OimBot.Content;

namespace OimBot.Bot.Tests.Dialogs;

/// <summary>
/// A numbered list's numbers typed in words (content <c>number_words</c>): "tres" at the main menu had got a medical
/// emergency in French, "two" one in Creole, "uno", "deux", "dois", "二" "not understood" (a new user's try). They pick
/// the option their digit would, in the conversation's language, which does not change.
/// </summary>
public class NumberWordsTests
{
    private static ContentSet Content => ShippedContent.Set;

    [Theory]
    [InlineData("es", "tres", 3)]
    [InlineData("es", "la dos", 2)]
    [InlineData("es", "opción cuatro", 4)]
    [InlineData("es", "uno", 1)]
    [InlineData("en", "two", 2)]
    [InlineData("en", "the second one", 2)]
    [InlineData("fr", "deux", 2)]
    [InlineData("fr", "quatre", 4)]
    [InlineData("ht", "twa", 3)]
    [InlineData("ht", "de", 2)]
    [InlineData("pt", "dois", 2)]
    [InlineData("pt", "três", 3)]
    [InlineData("zh", "二", 2)]
    [InlineData("zh", "第三个", 3)]
    public void ANumberInWords_PicksItsOption_InTheConversationsLanguage(string language, string typed, int number)
    {
        var chat = Chat.Started(Content, language);
        var expected = chat.Last!.State!.Shown[number - 1];

        chat.Send(typed);

        Assert.Equal(expected[(expected.IndexOf('/', StringComparison.Ordinal) + 1)..], chat.Node);
        Assert.Equal(language, chat.State!.Language);
        Assert.DoesNotContain(Analytics.EventKind.EmergencyShown, chat.Events);
    }

    /// <summary>A number word in a phrase that means something else picks nothing: "a second" is a moment, "dos personas" two people.</summary>
    [Theory]
    [InlineData("en", "a second")]
    [InlineData("en", "one second")]
    [InlineData("en", "no one")]
    [InlineData("es", "dos personas")]
    [InlineData("es", "un segundo")]
    public void ANumberWordInAPhrase_PicksNothing(string language, string typed)
    {
        var menu = Content.Nodes[Content.Common.MenuNode];
        var shown = menu.Choices.Select(c => ContentNode.ChoiceKey(menu.Id, c.Id)).ToList();
        Assert.IsNotType<OimBot.Content.Matching.Understanding.Picked>(Content.Understander.UnderstandText(typed, menu, shown, language));
    }
}
