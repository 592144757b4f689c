using OimBot.Analytics;
using OimBot.Bot.Tests.TestHost;
using OimBot.Content;
using OimBot.Content.Matching;

namespace OimBot.Bot.Tests.Dialogs;

/// <summary>
/// Leaving the chat (2026-12-06): a goodbye is a goodbye ("ya me voy" had got the self-harm page, "nos vemos" the one on
/// being lost on the route, "adios" "No entendí"); a goodbye beside other words, which the classifier cannot tell from a
/// last farewell said indirectly, comes with the channels and the way to a person; after an emergency answer every
/// goodbye does; a last farewell stays an emergency (UnderstandingEngineTests' danger rows).
/// </summary>
public class FarewellTests
{
    private static ContentSet Content => ShippedContent.Set;

    private static string Farewell => Content.Common.FarewellNode!;

    private static string Safe => Content.Common.FarewellAfterDangerNode!;

    public static TheoryData<string, string> Goodbyes => new()
    {
        { "ya me voy", "es" },
        { "chao", "es" },
        { "chaooo", "es" },
        { "bueno adiós, gracias", "es" },
        { "nos vemos mañana, gracias", "es" },
        { "hasta luego amigo", "es" },
        { "me tengo que ir", "es" },
        { "ok bye thanks", "en" },
        { "byeee", "en" },
        { "see ya", "en" },
        { "gotta go now", "en" },
        { "take care sir", "en" },
        { "au revoir merci", "fr" },
        { "bon je file", "fr" },
        { "babay", "ht" },
        { "ok mwen prale", "ht" },
        { "tchau gente", "pt" },
        { "obrigado, até mais", "pt" },
        { "拜拜", "zh" },
        { "好的 再见", "zh" },
        { "88", "zh" },
    };

    [Theory]
    [MemberData(nameof(Goodbyes))]
    public void AGoodbye_AsTheWholeMessage_GetsTheGoodbye_AtTheMenuAndOnATopicsPage(string message, string language)
    {
        foreach (var chat in new[] { Chat.Started(Content, language).Send(message), Chat.At(Content, "avr-what", language).Send(message) })
        {
            Assert.True(chat.Node == Farewell, $"\"{message}\" went to {chat.Node}");
            Assert.DoesNotContain(EventKind.EmergencyShown, chat.Events);
            Assert.Equal(ContentRenderer.Render(Content, Content.Nodes[Farewell], language).Text, chat.Replies[^1].Text);
        }
    }

    public static TheoryData<string, string> GoodbyesWithTheirReason => new()
    {
        { "se me esta muriendo el celular, chao", "es" },
        { "tengo que hacer la cena, hablamos luego", "es" },
        { "my data is finishing, bye", "en" },
        { "the kids need me, talk later", "en" },
        { "mon bus arrive, a plus tard", "fr" },
        { "m ap al kwit manje, n a pale pita", "ht" },
        { "vou jantar, depois falo", "pt" },
        { "要做饭了，回头聊", "zh" },
    };

    /// <summary>
    /// A blind set (tests/Evaluation/farewells' first version, 2026-12-06): "thanks for trying but it's too late for me,
    /// bye" and "帮我跟我妈说声对不起，再见" read to the classifier as a goodbye with its reason does. So a goodbye beside
    /// other words gets the goodbye with the emergency lines, MIDES's line and the way to a person, its first line neutral
    /// and how to leave discreetly at its end (R9, R10); never a danger page, since nothing says there is one.
    /// </summary>
    [Theory]
    [MemberData(nameof(GoodbyesWithTheirReason))]
    public void AGoodbyeBesideOtherWords_ComesWithTheChannelsAndAPerson(string message, string language)
    {
        var chat = Chat.Started(Content, language).Send(message);

        Assert.True(chat.Node == Safe, $"\"{message}\" went to {chat.Node}");
        Assert.DoesNotContain(EventKind.EmergencyShown, chat.Events);
        var text = chat.Replies[0].Text;
        Assert.Contains("911", text, StringComparison.Ordinal);
        Assert.Contains("104", text, StringComparison.Ordinal);
        Assert.Contains("147", text, StringComparison.Ordinal);
        Assert.Contains(chat.Replies.SelectMany(r => r.Choices), c => c.Key == ContentNode.ChoiceKey(Safe, Content.Common.HandoffNode));
        Assert.EndsWith(ContentRenderer.Common(Content, "discreet-exit", language), chat.Replies[^1].Text, StringComparison.Ordinal);
    }

    /// <summary>Its "talk to a person" asks first (R4), as every way to a person does.</summary>
    [Fact]
    public void TheWayToAPerson_OnTheGoodbye_AsksFirst()
    {
        var chat = Chat.Started(Content, "es").Send("se me acaba la pila, nos vemos").TapKey(ContentNode.ChoiceKey(Safe, Content.Common.HandoffNode));

        Assert.Equal(Content.Common.HandoffConsentNode, chat.Node);
    }

    /// <summary>After the self-harm page, or any emergency answer, "chao" is never only "take care": the channels come with it.</summary>
    [Theory]
    [InlineData("me quiero morir", "chao", "es")]
    [InlineData("ya no aguanto mas", "ya me voy", "es")]
    [InlineData("i want to kill myself", "ok bye", "en")]
    [InlineData("me tienen encerrada", "adios", "es")]
    [InlineData("mwen vle touye tèt mwen", "babay", "ht")]
    public void AfterAnEmergencyAnswer_AGoodbye_ComesWithTheChannels(string danger, string goodbye, string language)
    {
        var chat = Chat.Started(Content, language).Send(danger);
        Assert.True(chat.State!.DangerSignalled);

        chat.Send(goodbye);

        Assert.Equal(Safe, chat.Node);
        Assert.Contains("147", chat.Replies[0].Text, StringComparison.Ordinal);
    }

    /// <summary>"88" is bye-bye in Chinese chat; to someone writing Spanish it is a number, never a goodbye.</summary>
    [Fact]
    public void AGoodbyeInDigits_IsOneOnlyInItsOwnLanguage()
    {
        Assert.Equal(Farewell, Chat.Started(Content, "zh").Send("886").Node);
        foreach (var number in new[] { "88", "886" })
        {
            var chat = Chat.Started(Content, "es").Send(number);
            Assert.NotEqual(Farewell, chat.Node);
            Assert.NotEqual(Safe, chat.Node);
        }
    }

    /// <summary>
    /// What only looks like a goodbye stays what it is: a greeting with a question (the menu), thanks read clearly, a
    /// topic read clearly with a goodbye after it, and a sickness that is over said with thanks.
    /// </summary>
    [Theory]
    [InlineData("bonne journée, vous parlez de quels sujets", "fr", "main-menu")]
    [InlineData("muchas gracias por toda la informacion, me sirvio muchisimo", "es", "thanks")]
    [InlineData("quiero volver a mi pais con la oim, chao", "es", "avr-menu")]
    [InlineData("my son had a fever last week but he is fine now, thank you", "en", "thanks")]
    public void WhatOnlyLooksLikeAGoodbye_StaysWhatItIs(string message, string language, string node)
    {
        var chat = Chat.Started(Content, language).Send(message);

        Assert.True(Content.Find(chat.Node!)?.FlowId == Content.Find(node)?.FlowId, $"\"{message}\" went to {chat.Node}");
        Assert.NotEqual(Farewell, chat.Node);
        Assert.NotEqual(Safe, chat.Node);
        Assert.DoesNotContain(EventKind.EmergencyShown, chat.Events);
    }

    /// <summary>
    /// A last farewell that names nothing (emergency.yaml <c>warning_signs</c>; a blind set, 2026-12-06): giving one's place
    /// away, love said in the past, "don't look for me", "you won't hear from me again", "it doesn't matter anymore" had
    /// got the return's steps, thanks or "No entendí". They get the channels and the 147 line before the question, even
    /// where the message also reads clearly as a topic, which stays among the options.
    /// </summary>
    [Theory]
    [InlineData("ya no voy a necesitar el retorno, denle mi cupo a otro", "es")]
    [InlineData("thank you for everything but it doesnt matter anymore", "en")]
    [InlineData("dites à ma famille que je les aimais", "fr")]
    [InlineData("pa chèche m ankò, mèsi pou tout", "ht")]
    [InlineData("rezem pela minha alma, é só isso", "pt")]
    [InlineData("以后你们不会再收到我的消息了", "zh")]
    public void AWarningSign_GetsTheChannelsAndTheLine_BeforeTheQuestion(string message, string language)
    {
        var chat = Chat.Started(Content, language).Send(message);

        Assert.True(chat.Node == Content.Common.DangerCheckNode, $"\"{message}\" went to {chat.Node}");
        Assert.Equal("emergency-suicide", chat.State!.Candidates[0]);
        var first = chat.Replies[0].Text;
        Assert.Contains("911", first, StringComparison.Ordinal);
        Assert.Contains("147", first, StringComparison.Ordinal);
    }

    /// <summary>Beside a topic read clearly, a warning sign leads and the topic stays among the options; without one the topic is answered.</summary>
    [Fact]
    public void AWarningSign_BesideATopic_KeepsTheTopicAmongTheOptions()
    {
        var menu = Content.Nodes[Content.Common.MenuNode];
        var read = Content.Understander.UnderstandText("ya no voy a necesitar el retorno, denle mi cupo a otro", menu, [], "es");
        var danger = Assert.IsType<Understanding.Danger>(read);
        Assert.False(danger.Sure);
        Assert.Equal("emergency-suicide", danger.Node.Id);
        Assert.Contains(danger.Alternatives, n => n.FlowId == "avr");

        Assert.IsNotType<Understanding.Danger>(Content.Understander.UnderstandText("ya no voy a necesitar el retorno, conseguí trabajo aquí", menu, [], "es"));
        Assert.IsNotType<Understanding.Danger>(Content.Understander.UnderstandText("no aguanto más aquí, quiero volver a Colombia", menu, [], "es"));
    }
}
