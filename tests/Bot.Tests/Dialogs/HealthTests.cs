using OimBot.Bot.Tests.TestHost;
using OimBot.Content;
using OimBot.Content.Matching;

namespace OimBot.Bot.Tests.Dialogs;

/// <summary>
/// Health and how one feels (2026-12-06): "i feel very sad all the time since we arrived" had got "No entendí", "no
/// puedo dormir, tengo mucha ansiedad" the page on food and a bed, a dentist or a wheelchair "out of scope". They now
/// get `health`: 911 for an emergency first, the right to health care whatever one's status, MIDES's Line 147 for
/// sadness, fear or sleeplessness, and a person who can look for care (no health centre is verified). Pills held to be
/// taken all at once stay the danger: the page's medicine words must not take them.
/// </summary>
public class HealthTests
{
    private const string Page = "health";

    private static ContentSet Content => ShippedContent.Set;

    public static TheoryData<string, string> HealthAndDistress => new()
    {
        { "desde que llegué no duermo y lloro casi todos los días", "es" },
        { "my son needs his vaccines and we have no papers, where can we go", "en" },
        { "je suis enceinte de 4 mois et personne ne m'a examinée", "fr" },
        { "medikaman tansyon m fini, ki kote m ka jwenn lòt", "ht" },
        { "to muito ansiosa e triste desde a travessia", "pt" },
        { "我最近心情很差，晚上老是睡不着", "zh" },
    };

    [Theory]
    [MemberData(nameof(HealthAndDistress))]
    public void HealthOrDistress_GetsThePage_With911The147LineAndAPerson(string message, string language)
    {
        var chat = Chat.Started(Content, language).Send(message);

        // The page, or (the model unsure) the page first among those the bot asks between.
        if (chat.Node != Page)
        {
            var offered = chat.Replies.SelectMany(r => r.Choices).Select(c => c.Key).FirstOrDefault();
            Assert.True(offered?.EndsWith("/" + Page, StringComparison.Ordinal) ?? false, $"\"{message}\" went to {chat.Node} ({offered})");
            chat.TapKey(offered!);
        }

        Assert.Equal(Page, chat.Node);
        Assert.Contains("911", chat.Replies[0].Text.Split('\n')[1], StringComparison.Ordinal);
        Assert.Contains("147", chat.Text, StringComparison.Ordinal);
        Assert.Contains(chat.Replies.SelectMany(r => r.Choices), c => c.Key == ContentNode.ChoiceKey(Page, Content.Common.HandoffNode));
        Assert.False(chat.State!.DangerSignalled, "the page is not an emergency");
    }

    /// <summary>
    /// How one feels, in words the classifier does not place (content <c>fallback_keywords</c>, not training data): the
    /// page, where "No entendí" or a question between topics had been the answer (blind writers, 2026-12-06).
    /// </summary>
    [Theory]
    [InlineData("últimamente estoy muy triste y no sé por qué", "es")]
    [InlineData("我最近一直很焦虑 睡不着", "zh")]
    [InlineData("feeling depressed lately", "en")]
    [InlineData("je suis angoissée tout le temps", "fr")]
    [InlineData("muita ansiedade esses dias", "pt")]
    [InlineData("m gen depresyon", "ht")]
    public void HowOneFeels_InWordsTheModelDoesNotPlace_IsThePage(string message, string language)
    {
        var read = Content.Understander.UnderstandText(message, Content.Nodes[Content.Common.MenuNode], [], language);
        Assert.True(read is Understanding.Destination { Node.Id: Page }, $"\"{message}\": {read.GetType().Name} {read.Why}");
    }

    /// <summary>Never before danger (R11) or a goodbye: a fallback keyword only settles what nothing else did.</summary>
    [Theory]
    [InlineData("estoy triste y quiero morirme", "es", "emergency-suicide")]
    [InlineData("chao, estoy triste", "es", "farewell-safe")]
    public void AFallbackKeyword_NeverBeforeDangerOrAGoodbye(string message, string language, string expected)
    {
        var read = Content.Understander.UnderstandText(message, Content.Nodes[Content.Common.MenuNode], [], language);
        var node = read switch
        {
            Understanding.Danger danger => danger.Node.Id,
            Understanding.Destination destination => destination.Node.Id,
            _ => read.GetType().Name,
        };
        Assert.True(expected == node, $"\"{message}\": {node} ({read.Why})");
        Assert.NotEqual(Understander.FallbackKeywordWhy, read.Why);
    }

    /// <summary>Overdose held ready is suicide, not a question about medicine (a development row had gone to the page).</summary>
    [Theory]
    [InlineData("plus rien compte, j ai les medicaments dans la main pour tout prendre", "fr")]
    [InlineData("tengo las pastillas de mi mamá en la mano, me las voy a tomar todas", "es")]
    public void PillsHeldToTakeAllAtOnce_AreTheDanger(string message, string language)
    {
        var chat = Chat.Started(Content, language).Send(message);
        Assert.True(chat.State!.DangerSignalled, $"\"{message}\" went to {chat.Node}");
        Assert.Contains("147", chat.Replies[0].Text, StringComparison.Ordinal);
    }

    /// <summary>
    /// Feeling empty, in a few words, was an unsure guess of self-harm (the question, with the 147 line); it now reads as
    /// how one feels, or (English since 2026-12-07, at the threshold's edge) surely as self-harm: the page and the offer of
    /// a person. Either way the 147 line is in the answer, and 911 before any question.
    /// </summary>
    [Theory]
    [InlineData("me siento vacío", "es")]
    [InlineData("i feel empty", "en")]
    public void FeelingEmpty_GetsThe147Line_EitherWay(string message, string language)
    {
        var chat = Chat.Started(Content, language).Send(message);
        Assert.True(chat.Node is Page || chat.Node == Content.Common.DangerCheckNode || (chat.State!.DangerSignalled && chat.Node == Content.Common.HandoffConsentNode), $"\"{message}\" went to {chat.Node}");
        Assert.Contains("147", chat.Text, StringComparison.Ordinal);
        UnderstandingEngineTests.AssertNumbersBeforeAnyQuestion(chat.Replies[0].Text, "emergency-medical");
    }

    /// <summary>The main menu and "Necesito ayuda" offer it by a button, in every language the service speaks.</summary>
    [Theory]
    [InlineData("main-menu")]
    [InlineData("need-help")]
    public void TheMenus_OfferIt(string menu)
    {
        foreach (var language in Content.Common.Languages.Select(l => l.Code))
        {
            var chat = Chat.At(Content, menu, language).TapKey(ContentNode.ChoiceKey(menu, Page));
            Assert.Equal(Page, chat.Node);
        }
    }
}
