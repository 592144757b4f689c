using OimBot.Analytics;
using OimBot.Bot.Dialogs;
using OimBot.Bot.Tests.TestHost;
using OimBot.Content;
using OimBot.Content.Matching;

namespace OimBot.Bot.Tests.Dialogs;

/// <summary>
/// Someone says another person checks their phone (2026-12-06): "mi esposo revisa mi celular" had got "No entendí" and
/// "he reads all my messages" the page about the service. They now get a page that opens with the emergency channels,
/// says how to keep this chat from being found (true to the channel), that a person's answer may come later, and that
/// being controlled is not their fault; sensitive (neutral first line, the discreet exit, a person at high priority,
/// a goodbye after it with the lines). Being hit, said beside it, is read as the danger first; a question about what
/// the service keeps stays the page about the service.
/// </summary>
public class PhoneSafetyTests
{
    private const string Page = "phone-safety";

    private static ContentSet Content => ShippedContent.Set;

    public static TheoryData<string, string> Watched => new()
    {
        { "mi pareja siempre revisa mi celular cuando llego", "es" },
        { "my husband goes through my phone every day", "en" },
        { "mon mari fouille mon portable tous les soirs", "fr" },
        { "mari m toujou ap fouye telefòn mwen", "ht" },
        { "meu marido mexe no meu celular todo dia", "pt" },
        { "我老公每天都查我手机", "zh" },
        // Someone listening or reading over one's shoulder now, said with being unable to talk (a blind tester, 2026-12-07:
        // "alguien me esta escuchando, no puedo hablar" had got a question about a person, "someone is reading over my
        // shoulder" "I did not understand"). In French, Portuguese and Creole the model still reads "I cannot talk" as
        // asking for a person or as a likely danger, which the rule leaves as they are.
        { "alguien me esta escuchando, no puedo hablar", "es" },
        { "someone is reading over my shoulder", "en" },
        { "hes listening, cant talk now", "en" },
        { "有人在偷听，我不方便说话", "zh" },
    };

    [Theory]
    [MemberData(nameof(Watched))]
    public void AWatchedPhone_GetsThePage_WithTheChannelsFirst_AndTheDiscreetExit(string message, string language)
    {
        var chat = Chat.Started(Content, language).Send(message);

        Assert.True(chat.Node == Page, $"\"{message}\" went to {chat.Node}");
        var firstLine = chat.Replies[0].Text.Split('\n')[0];
        Assert.Contains("104", firstLine, StringComparison.Ordinal);
        Assert.Contains("911", firstLine, StringComparison.Ordinal);
        Assert.EndsWith(ContentRenderer.Common(Content, "discreet-exit", language), chat.Replies[^1].Text, StringComparison.Ordinal);
        Assert.Contains(chat.Replies.SelectMany(r => r.Choices), c => c.Key == ContentNode.ChoiceKey(Page, Content.Common.HandoffNode));
        Assert.True(chat.State!.DangerSignalled);
    }

    /// <summary>Its way to a person asks first (R4) and opens the case at high priority; a goodbye after it comes with the lines.</summary>
    [Fact]
    public void ThePersonAsksFirst_TheCaseIsUrgent_AndAGoodbyeAfterItComesWithTheLines()
    {
        var chat = Chat.Started(Content, "es").Send("mi pareja siempre revisa mi celular cuando llego").TapKey(ContentNode.ChoiceKey(Page, Content.Common.HandoffNode));
        Assert.Equal(Content.Common.HandoffConsentNode, chat.Node);
        chat.TapKey(ContentNode.ChoiceKey(Content.Common.HandoffConsentNode, "yes"));
        Assert.True(Assert.Single(chat.Last!.CaseActions.OfType<CaseAction.Open>()).HighPriority);

        var goodbye = Chat.Started(Content, "en").Send("my husband goes through my phone every day").Send("ok bye");
        Assert.Equal(Content.Common.FarewellAfterDangerNode, goodbye.Node);
    }

    /// <summary>
    /// How to hide the chat is the channel's own: disappearing messages on WhatsApp (Meta's or Twilio's); on Telegram
    /// deleting it for the bot too, and muting it (a bot has no number to save under a name); on the web chat the tab,
    /// a private window and the browser's history.
    /// </summary>
    [Theory]
    [InlineData("whatsapp", "mensajes temporales", "Telegram")]
    [InlineData("twilio", "mensajes temporales", "Telegram")]
    [InlineData("whatsapp", "Eliminar chat", "pestaña")]
    [InlineData("telegram", "para el bot", "WhatsApp")]
    [InlineData("telegram", "silenciar este chat", "este número")]
    [InlineData("webchat", "ventana privada", "Eliminar chat")]
    [InlineData("webchat", "llega a esta pestaña", "este número")]
    public void WhatItSaysAboutHidingTheChat_IsTrueToTheChannel(string channel, string says, string never)
    {
        var read = Content.ForChannel(channel);
        var text = ContentRenderer.Render(read, read.Nodes[Page], "es").Text;

        Assert.Contains(says, text, StringComparison.Ordinal);
        Assert.DoesNotContain(never, text, StringComparison.Ordinal);
    }

    /// <summary>
    /// Being hit, said beside the phone, is the danger first: the channels and the question, not only this page (R11).
    /// Read clearly as this page, or first among the pages the bot would ask between, alike; and in a longer message read
    /// as nothing (the last row), which had got "No entendí".
    /// </summary>
    [Theory]
    [InlineData("mi esposo revisa mi celular y anoche me pego", "es")]
    [InlineData("he checks my phone and he hit me yesterday", "en")]
    [InlineData("he saw i called my mom and slapped me, he still has my phone", "en")]
    [InlineData("he found out i texted my friend and he hit me, he took my phone", "en")]
    // 13 words read as nothing: an act does not dilute in a longer message as despair does (unsure_keywords_undiluted)
    [InlineData("se entero que hable con mi tia y me pego, me quito el cel", "es")]
    public void BeingHit_BesideThePhone_IsTheDangerFirst(string message, string language)
    {
        var chat = Chat.Started(Content, language).Send(message);

        Assert.Contains(EventKind.EmergencyShown, chat.Events);
        Assert.NotEqual(Page, chat.Node);
        Assert.Contains("104", chat.Replies[0].Text, StringComparison.Ordinal);
    }

    /// <summary>A question about what the service keeps, with nobody watching, is still answered by the page about the service.</summary>
    [Theory]
    [InlineData("ustedes guardan lo que escribo?", "es")]
    [InlineData("quien puede ver mis mensajes", "es")]
    [InlineData("do you keep my messages?", "en")]
    public void AQuestionAboutTheService_StaysTheServicesPage(string message, string language)
    {
        Assert.Equal("about-service", Chat.Started(Content, language).Send(message).Node);
    }

    /// <summary>
    /// Someone else at the phone, asked as a question about the service, deleting, or read as nothing (common.yaml
    /// <c>watched</c>, <c>watchers</c>, <c>watching</c>): "can he see I wrote here?" had got the page about the service,
    /// "how do I clear this chat so she won't find it" the question about deleting one's data (blind writers, 2026-12-06).
    /// </summary>
    [Theory]
    [InlineData("how do i clear this chat so she wont find it", "en")]
    [InlineData("el puede ver q les escribi aqui??", "es")]
    [InlineData("can she see the messages i send here?", "en")]
    [InlineData("si il voit cette conversation je suis mal", "fr")]
    [InlineData("eske li ka wè mesaj m ekri isit la?", "ht")]
    [InlineData("oi, ele consegue ver q eu mandei msg aqui?", "pt")]
    [InlineData("我老公能看到我在这里发的消息吗", "zh")]
    public void SomeoneElseAtThePhone_IsThePage_NotTheServicesOwn(string message, string language)
    {
        var read = AtTheMenu(message, language);
        Assert.True(read is Understanding.Destination { Node.Id: Page }, $"\"{message}\": {read.GetType().Name} {read.Why}");
        Assert.Equal(Understander.WatchedWhy, read.Why); // the classifier had read it as the service's own page, deleting, or nothing
    }

    /// <summary>
    /// A partner, a pronoun or a phone beside other things is no watcher (the first versions of the rule, measured):
    /// sight lost, a pregnancy check-up, a joke about a phone at dinner, a rumour about the service stay what they are.
    /// </summary>
    [Theory]
    [InlineData("mon mari a perdu ses lunettes dans la riviere il voit plus rien de loin", "fr")]
    [InlineData("我老婆怀孕五个月了 一路上都没做过产检 哪里可以检查", "zh")]
    [InlineData("my girlfriend confiscated my phone at dinner lol, any nice cheap restaurant for date night", "en")]
    [InlineData("你们会把我的信息给移民局吗？我怕被遣返", "zh")]
    [InlineData("ustedes pueden ver mis mensajes?", "es")]
    // "Is anyone listening?" asked of the bot is no one at the phone.
    [InlineData("alguien me esta escuchando?", "es")]
    [InlineData("is someone listening?", "en")]
    [InlineData("quelqu'un m'écoute ?", "fr")]
    [InlineData("eske gen yon moun ki ka koute m?", "ht")]
    [InlineData("tem alguém me escutando?", "pt")]
    [InlineData("有人在听吗", "zh")]
    public void NoWatcher_IsNotThePhone(string message, string language)
    {
        var read = AtTheMenu(message, language);
        Assert.NotEqual(Understander.WatchedWhy, read.Why);
    }

    /// <summary>Danger said beside someone at the phone stays the danger (R11): the rule only takes what was read as no topic.</summary>
    [Fact]
    public void Danger_BesideSomeoneAtThePhone_StaysTheDanger()
    {
        var read = AtTheMenu("si mi esposo ve este chat me mata, ya me pegó ayer", "es");
        Assert.IsType<Understanding.Danger>(read);
    }

    /// <summary>
    /// Someone arriving, said after the page on a watched phone or an emergency answer (blind testers, 2026-12-07: "ya
    /// viene", "he is coming", "ele tá do meu lado agora", "他来了" had got an emergency page, in Mandarin the one on sexual
    /// violence, on the screen he was about to see): the main menu, as MENU shows it, with no danger, no discreet-exit
    /// block naming the phone, no case opened. Rows written before the lists.
    /// </summary>
    [Theory]
    [InlineData("es", "mi esposo me revisa el celular y me pega", "ya viene")]
    [InlineData("es", "me tienen encerrada y no me dejan salir", "ahí viene, rápido")]
    [InlineData("en", "my husband goes through my phone every day", "he is coming")]
    [InlineData("en", "my boyfriend hits me when he is drunk", "hes back")]
    [InlineData("fr", "mon mari fouille mon portable tous les soirs", "il arrive")]
    [InlineData("ht", "mari m toujou ap fouye telefòn mwen", "li vini")]
    [InlineData("pt", "meu marido mexe no meu celular todo dia", "ele tá do meu lado agora")]
    [InlineData("zh", "我老公每天都查我手机", "他来了")]
    // A fourth blind tester (2026-12-07): watching said as it happens, and a goodbye beside the words, had got the page on
    // violence or on being held, whole, in front of him.
    [InlineData("es", "mi esposo me pega", "shh el esta aqui viendo")]
    [InlineData("fr", "mon mari regarde mon téléphone", "il arrive, je dois partir")]
    [InlineData("en", "my husband goes through my phone every day", "he is here i have to go")]
    [InlineData("pt", "meu marido mexe no meu celular todo dia", "ele tá vendo")]
    public void SomeoneArriving_AfterASensitivePage_GetsTheMainMenu(string language, string before, string arriving)
    {
        var chat = Chat.Started(Content, language).Send(before);
        Assert.True(chat.State!.DangerSignalled, before);
        chat.Send(arriving);
        Assert.True(chat.Node == Content.Common.MenuNode, $"\"{arriving}\" went to {chat.Node}");
        Assert.DoesNotContain(EventKind.EmergencyShown, chat.Events);
        Assert.DoesNotContain("104", chat.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("🔒", chat.Text, StringComparison.Ordinal);
        Assert.False(chat.State!.InCase);
    }

    /// <summary>
    /// Not a quick exit: the same words with a vetted danger phrase (R11), with more to say, or where nothing sensitive
    /// came before (a first "ya viene" is read as it always was).
    /// </summary>
    [Theory]
    [InlineData("es", "mi esposo me revisa el celular y me pega", "ya viene, me quiere matar")]
    [InlineData("en", "my husband goes through my phone every day", "he is coming back tonight, how do i delete this chat")]
    public void SomeoneArriving_WithMoreToSay_IsReadAsWritten(string language, string before, string message)
    {
        var chat = Chat.Started(Content, language).Send(before).Send(message);
        Assert.NotEqual(Content.Common.MenuNode, chat.Node);
    }

    /// <summary>
    /// The same words in the case that followed ("ya viene" after "mi esposo me revisa el celular y me pega", a yes to a
    /// person): as MENU in a case, the screen clears and the case stays open; the caseworker reads the words and that the
    /// screen was cleared. They had gone to the caseworker with an acknowledgement naming 104 and 911 on the screen.
    /// </summary>
    [Theory]
    [InlineData("es", "mi esposo me revisa el celular y me pega", "ya viene")]
    [InlineData("en", "my boyfriend hits me when he is drunk", "he is coming")]
    [InlineData("fr", "mon mari fouille mon portable tous les soirs", "il arrive")]
    [InlineData("pt", "meu marido mexe no meu celular todo dia", "ele tá chegando")]
    [InlineData("ht", "mari m toujou ap fouye telefòn mwen", "li vini")]
    [InlineData("zh", "我老公每天都查我手机", "他来了")]
    public void SomeoneArriving_InTheCaseThatFollowed_ClearsTheScreen_AndKeepsTheCase(string language, string before, string arriving)
    {
        var chat = Chat.Started(Content, language).Send(before);
        chat.TapKey(ContentNode.ChoiceKey(chat.Node!, Content.Common.HandoffNode)).TapKey(ContentNode.ChoiceKey(Content.Common.HandoffConsentNode, "yes"));
        Assert.True(chat.State!.InCase, before);

        chat.Send(arriving);
        Assert.True(chat.Node == Content.Common.MenuNode, $"\"{arriving}\" went to {chat.Node}");
        Assert.True(chat.State!.CaseHidden);
        Assert.False(chat.State.InCase);
        Assert.Equal(arriving, Assert.Single(chat.Last!.CaseActions.OfType<CaseAction.Forward>()).Text);
        Assert.Contains(chat.Last.CaseActions, a => a is CaseAction.Hide);
        Assert.DoesNotContain(chat.Last.CaseActions, a => a is CaseAction.Leave or CaseAction.Escalate);
        Assert.DoesNotContain(EventKind.EmergencyShown, chat.Events);
        Assert.DoesNotContain("104", chat.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("911", chat.Text, StringComparison.Ordinal);
    }

    /// <summary>In a case where nothing sensitive came before, the words are read as they were (a likely danger: the channels, the case raised).</summary>
    [Fact]
    public void SomeoneArriving_InACaseWithNoDangerBefore_IsNotTheCover()
    {
        var chat = Chat.Started(Content, "es").Send("1").Send("humano").Send("1");
        Assert.True(chat.State!.InCase);
        Assert.False(chat.State.DangerSignalled);
        chat.Send("ya viene");
        Assert.True(chat.State!.InCase);
        Assert.DoesNotContain(chat.Last!.CaseActions, a => a is CaseAction.Hide);
    }

    [Fact]
    public void SomeoneArriving_AsAFirstTopic_IsNotTheCover()
    {
        Assert.False(Chat.Started(Content, "es").State!.DangerSignalled);
        var chat = Chat.Started(Content, "es").Send("ya viene");
        Assert.Contains("104", chat.Text, StringComparison.Ordinal); // read as it always was: a likely danger, the channels first
    }

    /// <summary>How a message is read at the main menu.</summary>
    private static Understanding AtTheMenu(string message, string language) =>
        Content.Understander.UnderstandText(message, Content.Nodes[Content.Common.MenuNode], [], language);
}
