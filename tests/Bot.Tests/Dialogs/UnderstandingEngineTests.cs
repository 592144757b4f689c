using OimBot.Analytics;
using OimBot.Bot.Dialogs;
using OimBot.Bot.Tests.TestHost;
using OimBot.Content;

namespace OimBot.Bot.Tests.Dialogs;

/// <summary>What people type, as a new user would type it, and where the bot takes them (issue 9's quoted failures and their class).</summary>
public class UnderstandingEngineTests
{
    private static ContentSet Content => ShippedContent.Set;

    private static CommonSettings Common => Content.Common;

    /// <summary>
    /// Where a message landed: for danger, the category whose first lines were sent (or, when the bot was not sure,
    /// the one the danger check offers first); otherwise the node the user is at.
    /// </summary>
    private static string Landed(Chat chat)
    {
        var shown = chat.Last!.Events.FirstOrDefault(e => e.Kind == EventKind.EmergencyShown)?.NodeId;
        if (shown == Common.DangerCheckNode)
        {
            return chat.State!.Candidates[0];
        }

        return shown ?? chat.Node!;
    }

    public static TheoryData<string, string, string> Danger => new()
    {
        // message, language, category: numbers first, whatever node the user was at
        { "me tienen secuestrada", "es", "emergency-held" },
        { "no puedo salir", "es", "emergency-held" },
        { "mi patrón no me deja salir", "es", "emergency-held" },
        { "me pegan", "es", "emergency-threatened" },
        { "me pegan y tengo miedo de salir", "es", "emergency-threatened" }, // "miedo" had led to the fear of going back
        { "mi esposo me golpea cuando toma", "es", "emergency-threatened" },
        { "me están amenazando", "es", "emergency-threatened" },
        { "tengo 15 años y estoy sola", "es", "emergency-child" },
        { "mi hijo se perdió en la selva", "es", "emergency-child" },
        { "estoy perdido en la selva", "es", "emergency-route" },
        { "me quiero morir", "es", "emergency-suicide" },
        { "quiero suicidarme", "es", "emergency-suicide" },
        { "me quitaron mis papeles", "es", "emergency-documents" },
        { "me tienen encerrada", "es", "emergency-held" },
        { "estoy en peligro", "es", "emergency" },
        { "me violaron", "es", "emergency-sexual-violence" },
        { "I am being held", "en", "emergency-held" },
        { "I can't leave the house", "en", "emergency-held" },
        { "I'm in danger", "en", "emergency" },
        { "I was raped", "en", "emergency-sexual-violence" },
        { "I want to kill myself", "en", "emergency-suicide" },
        { "they force me to work for free", "en", "emergency-held" }, // "force" had led to the answer to sexual violence
        { "somebody is forcing me to work without pay and keeps my documents", "en", "emergency-held" }, // had got a topic question
        { "me ponen a trabajar todo el dia y no me pagan, no puedo irme", "es", "emergency-held" }, // had got a topic question
        // with a phone number: identifying data had read as "here are my details" and hidden the danger (found in a try)
        { "my boss beats me every day, my number is 6123 4567", "en", "emergency-threatened" },
        { "me quitaron el pasaporte, mi numero es 6123-4567", "es", "emergency-documents" },
        { "mon patron me frappe tous les jours, mon numero est 6123 4567", "fr", "emergency-threatened" },
        { "patwon m bat mwen chak jou, nimewo m se 6123 4567", "ht", "emergency-threatened" },
        { "meu patrão me bate todo dia, meu numero é 6123 4567", "pt", "emergency-threatened" },
        { "老板每天打我 我的电话是 61234567", "zh", "emergency-threatened" },
        // kept papers in a sentence beside a phone number: had got the menu (en) or a topic question (fr)
        { "the boss kept my passport, my phone is 6123 4567", "en", "emergency-documents" },
        { "le patron garde mon passeport, mon numéro 6123 4567", "fr", "emergency-documents" },
        { "el patrón se quedó con mi pasaporte, mi número es 6123-4567", "es", "emergency-documents" },
        // Danger beside hunger or a bed: danger, never the answer about food and a place to sleep.
        { "tengo 13 años, estoy solo y no he comido nada", "es", "emergency-child" },
        { "the man who lets us sleep at his place locked us in and we cannot leave", "en", "emergency-held" },
        { "j'ai 14 ans je suis seule ici et j'ai pas mangé depuis hier", "fr", "emergency-child" },
        { "m gen 13 an, m poukont mwen, m pa gen kote pou m dòmi", "ht", "emergency-child" },
        { "o patrão só me dá comida e não me deixa sair da fazenda", "pt", "emergency-held" },
        { "他们把我关在饭店后面 不让我走 只给一点饭", "zh", "emergency-held" },
        // forced labour, found in a new user's try (2026-12-05): it had got the answer to sexual violence (ht, zh, pt),
        // thanks ("obrigada") or the signs of trafficking without the emergency answer (es), workers' rights (fr)
        { "me obligan a trabajar sin pagarme", "es", "emergency-held" },
        { "yon nonm fòse m travay gratis", "ht", "emergency-held" },
        { "um homem esta me obrigando a trabalhar sem pagar", "pt", "emergency-held" },
        { "sou obrigada a trabalhar de graça", "pt", "emergency-held" },
        { "他们强迫我工作", "zh", "emergency-held" },
        { "on me force à travailler sans salaire", "fr", "emergency-held" },
        { "je suis forcée de bosser pour eux sans être payée", "fr", "emergency-held" }, // "forcée" had read as sexual violence
        { "ils nous obligent à travailler jour et nuit et on peut pas partir", "fr", "emergency-held" },
        // a blind tester's (2026-12-05): written into a case nobody had taken yet, it had been read as a question about the service
        { "él está aquí ahora", "es", "emergency" },
        // despair a blind tester wrote (2026-12-05); read unsure before, sure since the session's examples
        { "what's the point of anything", "en", "emergency-suicide" },
        // a watcher's threat, from a blind tester (2026-12-06): "si ve esto me mata" had got the page about the service
        // (and at the notice, only "choose your language"); content untrained_keywords
        { "si ve esto me mata", "es", "emergency-threatened" },
        { "borra todo, si me ve escribiendo me mata", "es", "emergency-threatened" },
        { "if he sees this he will kill me", "en", "emergency-threatened" },
        { "s'il voit ça il me tue", "fr", "emergency-threatened" },
        { "si l wè sa l ap touye m", "ht", "emergency-threatened" },
        { "se ele ver isso me mata", "pt", "emergency-threatened" },
        { "被他看到我就死定了", "zh", "emergency-threatened" },
        // fear of one's partner without what he does (unsure keywords): had got the page on the fear of going home
        { "tengo miedo de mi esposo", "es", "emergency-threatened" },
        { "i am scared of my husband, what can i do", "en", "emergency-threatened" },
        // a phone kept from someone: had got the page on sexual violence (es) or "not understood" (en), 2026-12-06
        { "el señor con el q viajo no me deja usar el telefono y tengo miedo", "es", "emergency-held" },
        { "my husband doesnt let me use the phone", "en", "emergency-held" },
        // a last farewell (content untrained_keywords; tests/Evaluation/goodbyes, a development set, 2026-12-06): "this
        // is my last message… i'm ending it" had got the page about the service, "demain je serai plus là" the answer to
        // small talk; the phrases are checked in other sentences than the set's
        { "ya me voy de este mundo, perdonen todo", "es", "emergency-suicide" },
        { "i want to leave this world", "en", "emergency-suicide" },
        { "ok this is my last message to anyone", "en", "emergency-suicide" },
        { "i'm ending it tonight", "en", "emergency-suicide" },
        { "je ne serai plus là demain matin", "fr", "emergency-suicide" },
        { "amanhã não vou estar mais aqui pra ninguém", "pt", "emergency-suicide" },
        { "永别了 大家", "zh", "emergency-suicide" },
        { "sa se dènye mesaj mwen", "ht", "emergency-suicide" },
        // a goodbye said with a last farewell or a danger is never the goodbye (FarewellTests; blind sets, 2026-12-06):
        // vetted phrases in six languages, despair after thanks, a danger before "chao"
        { "chao para siempre a todos", "es", "emergency-suicide" },
        { "perdonen lo que voy a hacer esta noche", "es", "emergency-suicide" },
        { "forgive me for what i'm about to do tonight", "en", "emergency-suicide" },
        { "bye forever everyone", "en", "emergency-suicide" },
        { "pardonnez-moi pour ce que je vais faire ce soir", "fr", "emergency-suicide" },
        { "babay pou toujou tout moun", "ht", "emergency-suicide" },
        { "tchau pra sempre galera", "pt", "emergency-suicide" },
        { "下辈子再见了各位", "zh", "emergency-suicide" },
        { "gracias por todo pero ya no puedo mas", "es", "emergency-suicide" },
        { "thanks for trying, its too late for me now", "en", "emergency-suicide" },
        { "me tienen encerrada, chao", "es", "emergency-held" },
        { "me quiero morir, adios", "es", "emergency-suicide" },
    };

    [Theory]
    [MemberData(nameof(Danger))]
    public void DangerInOrdinaryWords_GetsItsEmergencyAnswerFirst_FromTheMenuAndMidQuestion(string message, string language, string category)
    {
        var question = Content.NodeList.First(n => n.Kind == NodeKind.Question).Id;
        foreach (var chat in new[] { Chat.Started(Content, language).Send(message), Chat.At(Content, question, language).Send(message) })
        {
            Assert.Equal(category, Landed(chat));
            AssertNumbersBeforeAnyQuestion(chat.Replies[0].Text, category);
            Assert.True(chat.State!.DangerSignalled);
            Assert.EndsWith(ContentRenderer.Common(Content, "discreet-exit", language), chat.Replies[^1].Text, StringComparison.Ordinal);
        }
    }

    /// <summary>
    /// A blind tester (2026-12-05): "i took some pills", "i drink poison" got "If you are thinking of hurting yourself
    /// now, call 911": words for someone who has not yet. The self-harm answer says, before anything else after its
    /// neutral first line, that pills or poison already taken is an emergency for 911 now.
    /// </summary>
    [Theory]
    [InlineData("i took some pills", "en")]
    [InlineData("i drink poison", "en")]
    [InlineData("me tome todas las pastillas", "es")]
    [InlineData("tome veneno", "es")]
    [InlineData("j'ai avalé tous mes médicaments", "fr")]
    [InlineData("m bwè pwazon", "ht")]
    [InlineData("tomei todos os remedios", "pt")]
    [InlineData("我喝了农药", "zh")]
    // blind testers (2026-12-06): "tome cloro" had got a question between topics, "i overdose" "not understood"
    // (content untrained_keywords: sure, and not taught to the classifier)
    [InlineData("tome cloro", "es")]
    [InlineData("me tomé el cloro hace rato", "es")]
    [InlineData("i overdose", "en")]
    [InlineData("i overdosed on my meds", "en")]
    [InlineData("i drank bleach", "en")]
    [InlineData("j'ai fait une overdose", "fr")]
    [InlineData("j'ai bu de la javel", "fr")]
    [InlineData("mwen bwè klowòks", "ht")]
    [InlineData("tive uma overdose", "pt")]
    [InlineData("tomei chumbinho", "pt")]
    [InlineData("我刚喝了漂白水", "zh")]
    [InlineData("m fin bwè klowòks", "ht")] // a blind re-test's (2026-12-06): had been not understood
    [InlineData("i drink bleach", "en")]
    [InlineData("tomei uns remedios pra dormir e nao acordar", "pt")] // a blind tester's (2026-12-06): had got the question
    [InlineData("quiero dormir y no despertar", "es")]
    public void PillsOrPoisonAlreadyTaken_GetsTheAmbulanceNow_BeforeTheListeningLine(string message, string language)
    {
        var chat = Chat.Started(Content, language).Send(message);
        Assert.Equal("emergency-suicide", Landed(chat));
        var lines = Content.Nodes["emergency-suicide"].Text[language].Split('\n');
        var already = ContentRenderer.Fill(Content, lines[1], language, []);
        Assert.Contains("911", already, StringComparison.Ordinal);
        var text = chat.Replies[0].Text;
        Assert.StartsWith(ContentRenderer.Fill(Content, lines[0], language, []) + "\n" + already, text, StringComparison.Ordinal);
        Assert.True(text.IndexOf(already, StringComparison.Ordinal) < text.IndexOf("147", StringComparison.Ordinal));
    }

    /// <summary>
    /// Three blind testers (2026-12-05): "si denuncio a mi jefe me deportan?", "if i report him will they deport me",
    /// "se eu denunciar o patrão vão me deportar?" got the page on speaking up safely, which said nothing about papers.
    /// It now says, without promising anything, that the chat sends nothing to any authority on its own and that a
    /// person can talk it through first; and it offers that person (R13).
    /// </summary>
    [Theory]
    [InlineData("si denuncio a mi jefe me deportan?", "es")]
    [InlineData("si denuncio a mi marido me deportan?", "es")]
    [InlineData("if i report him will they deport me", "en")]
    [InlineData("se eu denunciar o patrão vão me deportar?", "pt")]
    [InlineData("si m denonse l, èske y ap depòte m?", "ht")]
    public void TheFearOfDeportationForReporting_GetsTheLineOnPapers_AndAPerson(string message, string language)
    {
        var chat = Chat.Started(Content, language).Send(message);
        Assert.Equal("trafficking-safety", Landed(chat));
        var lines = Content.Nodes["trafficking-safety"].Text[language].Split('\n');
        Assert.Contains(ContentRenderer.Fill(Content, lines[^2], language, []), chat.Text, StringComparison.Ordinal);
        Assert.Contains(chat.Replies[^1].Choices, c => c.Key == ContentNode.ChoiceKey("trafficking-safety", Content.Nodes["trafficking-safety"].Choices.First(x => x.Target == Content.Common.HandoffNode).Id));
    }

    /// <summary>
    /// Blind testers (2026-12-05): a mother whose son went missing in Darién and a woman separated from her husband opened
    /// the page on deaths and the missing and read the death figures first, the Red Cross's tracing last. Where to search
    /// comes first, in every language, before any figure; and before it (a blind tester, 2026-12-07: "mi esposo se perdió
    /// en la selva hace 5 dias" got tracing and figures, no number), the line for someone in danger now: 911 and 104, and
    /// that a disappearance is reported without waiting.
    /// </summary>
    [Fact]
    public void ThePageOnTheMissing_SaysWhereToSearchBeforeAnyFigure()
    {
        foreach (var language in Content.Common.Languages.Select(l => l.Code))
        {
            var text = Content.Nodes["dangers-missing"].Text[language];
            Assert.True(text.IndexOf("{rfl-panama}", StringComparison.Ordinal) is > 0 and var at && at < text.IndexOf("{missing-migrants-americas-2023}", StringComparison.Ordinal), language);
            var lines = text.Split('\n');
            Assert.Contains("{medical-911}", lines[1], StringComparison.Ordinal); // the line after the title
            Assert.Contains("{police-104}", lines[1], StringComparison.Ordinal);
            Assert.Contains("{missing-report-no-wait}", lines[1], StringComparison.Ordinal);
            Assert.Contains("{rfl-panama}", lines[2], StringComparison.Ordinal);
        }
    }

    /// <summary>R11/R13: the channels each category needs, before any question mark.</summary>
    internal static void AssertNumbersBeforeAnyQuestion(string text, string category)
    {
        ArgumentNullException.ThrowIfNull(text);
        string[] numbers = category switch
        {
            "emergency-suicide" => ["911", "147"],
            "emergency-medical" => ["911"],
            _ => ["911", "104"],
        };
        var question = text.IndexOfAny(['?', '¿']);
        foreach (var number in numbers)
        {
            var at = text.IndexOf(number, StringComparison.Ordinal);
            Assert.True(at >= 0, $"{number} missing from: {text}");
            Assert.True(question < 0 || question > at, $"a question comes before {number}: {text}");
        }
    }

    public static TheoryData<string, string, string> Topics => new()
    {
        // message, language, where it leads (a node, or the first node of a flow: "flow:avr")
        { "quiero volver a venezuela, qué hago", "es", "flow:avr" },
        { "me quiero regresar a venezuela", "es", "flow:avr" },
        { "quiero volver a mi país", "es", "avr-menu" },
        { "es peligroso cruzar la selva?", "es", "flow:dangers" },
        { "cuánto cuesta el retorno", "es", "flow:avr" },
        { "necesito hablar con alguien", "es", "handoff-consent" },
        // a blind tester's girl of 16 (2026-12-05): an adult offering to pay her way had got the menu on smugglers' deceptions
        { "un señor del grupo dice q me paga el resto del viaje si me voy con el", "es", "trafficking-signs" },
        { "quiero hablar con una persona", "es", "handoff-consent" },
        { "nesesito ayuda", "es", "need-help" },
        { "volver al menú", "es", "main-menu" },
        { "cambiar idioma", "es", "language-menu" },
        { "how do I get a work permit", "en", "flow:regularisation" },
        { "can I talk to a real person", "en", "handoff-consent" },
        { "I want to go back to my country", "en", "avr-menu" },
        // found in a new user's try (2026-12-04): "not understood" and "another question"
        { "my kids were born here, can they come home with me", "en", "avr-menu" },
        { "mis hijos nacieron en panama, pueden volver conmigo?", "es", "avr-menu" },
        { "someone wants to charge me 300 to get me on a bus to costa rica", "en", "dangers-smugglers" },
        // pay withheld without force is a matter of workers' rights, not an emergency
        { "my boss has not paid me for two months", "en", "regularisation-labour-rights" },
        { "mi jefe no me ha pagado la quincena", "es", "regularisation-labour-rights" },
        { "老板两个月没发工资", "zh", "regularisation-labour-rights" },
        { "mon patron me doit deux mois de salaire", "fr", "regularisation-labour-rights" },
        // someone who controls the user is beside them and reads their phone (a blind tester's, 2026-12-05): the page on
        // staying safe had answered it (reporting safely); since 2026-12-06 the page on a watched phone, channels first
        { "él está a mi lado y revisa mi teléfono", "es", "phone-safety" },
        // blind testers' (2026-12-05): being forced back had got the answer to sexual violence; asking whether anyone is
        // there, the emergency page
        { "IOM fit force me go back?", "en", "avr-not" },
        { "hay alguien?", "es", "main-menu" },
        { "respondan bien", "es", "main-menu" },
    };

    /// <summary>The node a chat is at, or for "flow:x" any node of that flow.</summary>
    private static void AssertLanded(Chat chat, string expected)
    {
        if (expected.StartsWith("flow:", StringComparison.Ordinal))
        {
            Assert.Equal(expected[5..], Content.Nodes[chat.Node!].FlowId);
        }
        else
        {
            Assert.Equal(expected, chat.Node);
        }
    }

    [Theory]
    [MemberData(nameof(Topics))]
    public void NaturalQuestions_LeadToTheirTopic(string message, string language, string expected)
    {
        var chat = Chat.Started(Content, language).Send(message);

        Assert.DoesNotContain(EventKind.EmergencyShown, chat.Events);
        Assert.DoesNotContain(EventKind.NotUnderstood, chat.Events);
        AssertLanded(chat, expected);
    }

    /// <summary>A greeting in another language is the menu in the chosen one ("hello" had switched a Mandarin conversation to English).</summary>
    [Theory]
    [InlineData("zh", "hello")]
    [InlineData("ht", "hello")]
    [InlineData("pt", "hello")]
    public void AGreetingInAnotherLanguage_KeepsTheConversationsLanguage(string language, string greeting)
    {
        var chat = Chat.Started(Content, language).Send("1").Send(greeting);
        Assert.Equal(language, chat.State!.Language);
        Assert.Equal(Content.Common.MenuNode, chat.Node);
        Assert.DoesNotContain(chat.History.SelectMany(t => t.Events), e => e.Kind == EventKind.LanguageChosen && e.Language != language);
    }

    /// <summary>Asking for another language inside a topic (a blind tester's "can u speak english" in Mandarin had got the topic again).</summary>
    [Theory]
    [InlineData("zh", "3", "can u speak english")]
    [InlineData("ht", "3", "can you speak english")]
    [InlineData("zh", "1", "english please")]
    public void AskingForAnotherLanguage_InsideATopic_OpensTheLanguages(string language, string topic, string message)
    {
        var chat = Chat.Started(Content, language).Send("1").Send(topic);
        Assert.NotEqual(Content.Common.MenuNode, chat.Node);
        chat.Send(message);
        Assert.Equal(Content.Common.LanguageMenuNode, chat.Node);
    }

    [Theory]
    [InlineData("avr-menu", "es", "¿cuánto cuesta?", "avr")]
    [InlineData("avr-steps", "es", "y cuanto tarda?", "avr")]
    [InlineData("regularisation-work-permit", "es", "que documentos necesito", "main")] // none verified: a person (follow-up-unknown)
    [InlineData("avr-menu", "en", "how long does it take?", "avr")]
    [InlineData("avr-menu", "fr", "c est combien de temps", "avr")] // a blind tester's (2026-12-05): the page about the service
    [InlineData("avr-menu", "fr", "ca coute combien", "avr")]
    [InlineData("dangers-darien", "es", "quiero volver a mi país", "avr")]   // a clear new topic is taken
    [InlineData("avr-menu", "en", "tell me a joke", "main")]                // not a question about the topic
    public void AShortQuestionInsideATopic_IsAboutThatTopic(string at, string language, string message, string flow)
    {
        var chat = Chat.At(Content, at, language).Send(message);
        Assert.Equal(flow, Content.Nodes[chat.Node!].FlowId);
    }

    /// <summary>
    /// Blind testers (2026-12-06): "cuanto cuesta", "how much e cost", "konbyen li koute" on the return's menu showed that
    /// menu again, and again. A follow-up question never lands on the page the person is on: what it costs has its answer
    /// (free), how long it takes has none verified (a person), each with the return's reminders (R16).
    /// </summary>
    [Theory]
    [InlineData("es", "cuanto cuesta", "avr-free")]
    [InlineData("en", "how much e cost", "avr-free")]
    [InlineData("ht", "konbyen li koute", "avr-free")]
    [InlineData("pt", "quanto custa", "avr-free")]
    [InlineData("es", "cuanto tiempo tarda", "avr-unknown")]
    public void AFollowUpQuestion_OnATopicsMenu_IsNeverThatMenuAgain(string language, string message, string page)
    {
        var chat = Chat.At(Content, "avr-menu", language).Send(message);
        Assert.Equal(page, chat.Node);
        Assert.Contains(ContentRenderer.Common(Content, "avr-principles", language), chat.Replies[^1].Text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ayuda", "es")]
    [InlineData("help", "en")]
    [InlineData("nesesito ayuda", "es")]
    [InlineData("i need help", "en")]
    public void AskingForHelp_ShowsTheEmergencyNumbersFirst(string message, string language)
    {
        var chat = Chat.Started(Content, language).Send(message);
        AssertNumbersBeforeAnyQuestion(chat.Replies[0].Text, "emergency");
        Assert.StartsWith(language == "es" ? "Si estás en peligro" : "If you are in danger", chat.Replies[0].Text.Replace("Estoy aquí para ayudarte.\n", string.Empty, StringComparison.Ordinal).Replace("I am here to help you.\n", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
    }

    /// <summary>
    /// R2: someone who only shares their details gets the warning and stays where they were, with no danger read into a
    /// document's name: the message without its data is read for danger only when enough of it is left.
    /// </summary>
    [Theory]
    [InlineData("es", "mi pasaporte es el 112233445")]
    [InlineData("es", "mi pasaporte es AB1234567")]
    [InlineData("en", "my passport number is A12345678")]
    [InlineData("en", "passport 998877665, I was born in 1990")]
    [InlineData("es", "les dejo mi celular 6777-3344 por si me llaman")]
    [InlineData("fr", "mon numero c'est le 6777 3344, appelez moi")]
    [InlineData("pt", "meu passaporte é 123456789")] // these three had got the answer to kept papers
    [InlineData("pt", "o numero do meu passaporte é FG123456")]
    [InlineData("zh", "我的护照号码是E12345678")]
    [InlineData("ht", "nimewo paspò m se 123456789")]
    [InlineData("zh", "我的证件号码是 123456789")]
    [InlineData("pt", "aqui vai meu documento 8-123-4567")]
    public void SharingDetailsOnly_GetsTheWarning_AndNoDanger(string language, string message)
    {
        var chat = Chat.Started(Content, language).Send(message);

        Assert.DoesNotContain(EventKind.EmergencyShown, chat.Events);
        Assert.Contains(EventKind.PersonalDataWithheld, chat.Events);
        Assert.Equal(Content.Common.MenuNode, chat.Node);
    }

    /// <summary>
    /// R2 with a question (found in a new user's try, 2026-12-05): "my passport number is …, I want to go home" got the
    /// warning and the menu, the question lost. The warning comes first, then the answer; the data is never repeated.
    /// </summary>
    [Theory]
    [InlineData("en", "my passport number is A1234567, I want to go home", "avr-menu")]
    [InlineData("es", "me llamo Carlos y mi pasaporte es 123456789, quiero volver a Venezuela", "avr-menu")]
    [InlineData("es", "mi pasaporte es 123456789 quiero volver a venezuela", "avr-menu")] // no comma: the parts around the data
    [InlineData("es", "tengo 3 hijos, mi telefono 6123-4567, necesito comida", "basic-needs")] // "tengo 3 hijos" alone is no child in danger
    [InlineData("es", "hola soy maria, cedula 8-765-4321, como saco el permiso de trabajo", "flow:regularisation")]
    [InlineData("en", "my number is 6123 4567, is the darien dangerous?", "dangers-darien")]
    [InlineData("fr", "mon numéro c'est le 6777 3344, je veux rentrer chez moi", "avr-menu")]
    [InlineData("ht", "nimewo telefòn mwen se 6123 4567, m vle retounen lakay", "avr-menu")]
    [InlineData("zh", "我的护照号码是E12345678，我想回国", "avr-menu")]
    [InlineData("es", "estoy en 8.9934, -79.5201, quiero volver a mi pais", "avr-menu")] // a point inside a number is no sentence break
    public void SharingDetailsWithAQuestion_GetsTheWarning_ThenTheAnswer(string language, string message, string expected)
    {
        var chat = Chat.Started(Content, language).Send(message);

        Assert.DoesNotContain(EventKind.EmergencyShown, chat.Events);
        Assert.Contains(EventKind.PersonalDataWithheld, chat.Events);
        AssertLanded(chat, expected);

        var warning = ContentRenderer.Common(Content, "personal-data", language);
        var text = string.Join("\n", chat.Replies.Select(r => r.Text));
        Assert.StartsWith(warning, text, StringComparison.Ordinal);
        foreach (var digits in System.Text.RegularExpressions.Regex.Matches(message, @"\d{4,}").Select(m => m.Value))
        {
            Assert.DoesNotContain(digits, text, StringComparison.Ordinal);
        }
    }

    /// <summary>
    /// Found in a new user's try (2026-12-04): "where can i find work" led to "Where to find help" (health, emergency
    /// numbers). Looking for work leads to the work permit, at once or as the question's first option; never to danger.
    /// </summary>
    [Theory]
    [InlineData("where can i find work", "en")]
    [InlineData("estoy buscando trabajo aqui, que necesito?", "es")]
    [InlineData("donde puedo conseguir trabajo siendo extranjero", "es")]
    public void LookingForWork_LeadsToTheWorkPermit(string message, string language)
    {
        var chat = Chat.Started(Content, language).Send(message);

        Assert.DoesNotContain(EventKind.EmergencyShown, chat.Events);
        var first = chat.Node == Content.Common.ClarifyNode ? chat.State!.Candidates[0] : chat.Node;
        Assert.Equal("regularisation-work-permit", first);
    }

    /// <summary>
    /// Found in a new user's try (2026-12-04): "necesito un lugar donde dormir esta noche con mis hijos" got "No entendí"
    /// and "where can i sleep tonight" the answer to sexual violence. Food, water, a bed or clothes lead to their own answer:
    /// the emergency numbers right after its heading, no service named (none is verified), and a person offered first.
    /// </summary>
    [Theory]
    [InlineData("necesito un lugar donde dormir esta noche con mis hijos", "es")]
    [InlineData("where can i sleep tonight", "en")]
    [InlineData("on a rien à manger ce soir avec les enfants", "fr")]
    [InlineData("nou pa gen manje", "ht")]
    [InlineData("não temos onde dormir hoje", "pt")]
    [InlineData("今晚没地方住", "zh")]
    public void FoodOrABedForTheNight_LeadToTheirAnswer_TheEmergencyNumbersFirst(string message, string language)
    {
        var chat = Chat.Started(Content, language).Send(message);

        Assert.DoesNotContain(EventKind.EmergencyShown, chat.Events);
        Assert.Equal("basic-needs", chat.Node);
        var text = chat.Replies[0].Text;
        AssertNumbersBeforeAnyQuestion(text, "emergency");
        Assert.True(text.IndexOf("911", StringComparison.Ordinal) < text.IndexOf('\n', text.IndexOf('\n') + 1), $"the numbers are not on the second line: {text}");
        Assert.Equal("handoff", Content.Nodes["basic-needs"].Choices[0].Target);
    }

    /// <summary>
    /// Found in a new user's try (2026-12-04): "es esto de verdad la OIM? como se que no es una estafa" got a question
    /// about permit scams, "quien puede ver mis mensajes" the offer to stop all messages. Questions about the service
    /// itself get what it keeps, that it passes nothing to any authority on its own (R4), who reads it after a handoff,
    /// how to delete everything (R8) and that IOM's services are free (R18), with a person and deleting as options.
    /// </summary>
    [Theory]
    [InlineData("es esto de verdad la OIM? como se que no es una estafa", "es", "BORRAR", "migración")]
    [InlineData("quien puede ver mis mensajes", "es", "BORRAR", "migración")]
    [InlineData("will you tell immigration about me?", "en", "DELETE", "immigration")]
    [InlineData("who can see these messages", "en", "DELETE", "immigration")]
    [InlineData("c'est vraiment l'OIM ou c'est un piège ?", "fr", "EFFACER", "migration")]
    [InlineData("eske nou bay imigrasyon non mwen?", "ht", "EFASE", "imigrasyon")]
    [InlineData("vcs guardam o que eu escrevo?", "pt", "APAGAR", "migração")]
    [InlineData("你们会把我的信息给移民局吗", "zh", "输入“删除”", "移民局")]
    public void QuestionsAboutTheServiceItself_AreAnsweredTruly(string message, string language, string delete, string immigration)
    {
        var chat = Chat.Started(Content, language).Send(message);

        Assert.DoesNotContain(EventKind.EmergencyShown, chat.Events);
        Assert.Equal("about-service", chat.Node);
        var text = chat.Replies[0].Text;
        Assert.Contains(delete, text, StringComparison.Ordinal);
        Assert.Contains(immigration, text, StringComparison.Ordinal);
        Assert.Contains(ContentRenderer.Common(Content, "scam-warning", language), text, StringComparison.Ordinal);
        Assert.Equal(["handoff", Content.Common.ConfirmDeleteNode, Content.Common.MenuNode], Content.Nodes["about-service"].Choices.Select(c => c.Target));
    }

    /// <summary>
    /// Found in a new user's try (2026-12-04): "tienen un numero de telefono para llamar?" got the main menu. No phone of
    /// IOM's is verified (domain-facts.md section 7), so asking for one offers a person who answers here: as the answer,
    /// or among the options of the question the bot asks.
    /// </summary>
    [Theory]
    [InlineData("hay algun telefono donde pueda llamarlos?", "es")]
    [InlineData("is there a number i can ring?", "en")]
    [InlineData("vous avez un téléphone où vous appeler ?", "fr")]
    [InlineData("nou gen nimewo pou m rele nou?", "ht")]
    [InlineData("tem algum telefone pra eu ligar pra vcs?", "pt")]
    [InlineData("有没有电话可以打给你们", "zh")]
    public void AskingForAPhoneNumber_OffersAPersonHere(string message, string language)
    {
        var chat = Chat.Started(Content, language).Send(message);

        var offered = chat.Node == Common.ClarifyNode ? chat.State!.Candidates : [chat.Node!];
        Assert.True(offered.Contains(Common.HandoffConsentNode) || offered.Contains(Common.HandoffNode), $"{message} → {string.Join(", ", offered)}");
    }

    /// <summary>
    /// "Is it safe to write here?" asks about the service; "I am not safe here" is danger. The service's answer shares
    /// its words (found while building it: "no estoy seguro aqui, manden a alguien" read as a question about the
    /// service), so it yields to danger and the danger categories learned the difference.
    /// </summary>
    [Theory]
    [InlineData("no estoy seguro aqui, manden a alguien", "es")]
    [InlineData("i dont feel safe here, somebody help", "en")]
    [InlineData("je suis pas en securite la ou je suis", "fr")]
    [InlineData("m pa santi m an sekirite kote m ye a", "ht")]
    [InlineData("não me sinto segura aqui, me ajudem", "pt")]
    [InlineData("我在这里不安全", "zh")]
    public void NotSafeHere_IsDanger_NotAQuestionAboutTheService(string message, string language)
    {
        var chat = Chat.Started(Content, language).Send(message);

        Assert.Contains(EventKind.EmergencyShown, chat.Events);
        AssertNumbersBeforeAnyQuestion(chat.Replies[0].Text, "emergency");
        Assert.True(Content.Nodes["about-service"].YieldsToDanger);
    }

    /// <summary>
    /// R11 beside a need: a topic people name beside danger (<c>yields_to_danger</c>: food, a bed) never hides a danger
    /// category that would be the most likely meaning without it. Checked on every development message the need leads.
    /// </summary>
    [Fact]
    public void ATopicNamedBesideDanger_NeverHidesTheDangerBehindIt()
    {
        var yielding = Content.NodeList.Where(n => n.YieldsToDanger).Select(n => n.Id).ToHashSet(StringComparer.Ordinal);
        Assert.Contains("basic-needs", yielding);
        var menu = Content.Find(Content.Common.MenuNode)!;
        var shown = menu.Choices.Select(c => ContentNode.ChoiceKey(menu.Id, c.Id)).ToList();
        var leading = new OimBot.Content.Matching.UnderstandingThresholds().DangerLeading;
        var led = 0;
        var behind = 0;
        foreach (var message in OimBot.Content.Matching.UnderstandingEvaluation.ReadMessages(Path.Combine(RepoPaths.Root, "tests", "Evaluation", "dev")))
        {
            var words = OimBot.Content.Matching.TextNormalizer.WordsOf(OimBot.Content.Matching.PersonalData.ForMatching(message.Text));
            var ranked = Content.Understander.Rank(words, message.Language).ToList();
            if (!yielding.Contains(ranked[0].Label))
            {
                continue;
            }

            led++;
            var next = ranked.First(r => !yielding.Contains(r.Label));
            if (Content.Understander.IsDangerLabel(next.Label) && next.Probability >= leading)
            {
                behind++;
                Assert.IsType<OimBot.Content.Matching.Understanding.Danger>(Content.Understander.Understand(words, menu, shown, message.Language));
            }
        }

        Assert.True(led >= 100, $"only {led} development messages led by a need");
        Assert.True(behind > 0, "no development message with danger behind a need: the check checked nothing");
    }

    /// <summary>
    /// A yes or a no to a yes/no question (the offer of a person, the confirmations), written as a whole message, answers
    /// it in every language: "si por favor" to the offer of a person had been read as a cry for help (the emergency
    /// lines and the same offer again) and "ya" as despair (found in a new user's try, 2026-12-05). Every keyword of
    /// every such option is checked.
    /// </summary>
    [Fact]
    public void EveryYesAndNo_AsAWholeMessage_AnswersItsQuestion()
    {
        var checkedPhrases = 0;
        foreach (var node in Content.NodeList.Where(OimBot.Content.Matching.Understander.IsYesNoQuestion))
        {
            var shown = node.Choices.Select(c => ContentNode.ChoiceKey(node.Id, c.Id)).ToList();
            foreach (var choice in node.Choices.Where(c => c.Id is "yes" or "no"))
            {
                foreach (var (language, phrases) in choice.Keywords)
                {
                    foreach (var phrase in phrases)
                    {
                        var understood = Content.Understander.UnderstandText(phrase, node, shown, language);
                        var picked = Assert.IsType<OimBot.Content.Matching.Understanding.Picked>(understood, exactMatch: false);
                        Assert.True(picked.Key == ContentNode.ChoiceKey(node.Id, choice.Id), $"{node.Id}, {language} '{phrase}' → {picked.Key}");
                        checkedPhrases++;
                    }
                }
            }
        }

        Assert.True(checkedPhrases > 100, $"only {checkedPhrases} phrases checked");
    }

    [Theory]
    [InlineData("es", "si por favor", true)]
    [InlineData("es", "ya", true)]
    [InlineData("es", "sí, gracias", true)]
    [InlineData("es", "ahorita no", false)]
    [InlineData("es", "no, mejor no", false)] // "mejor no" had been read as thoughts of suicide
    [InlineData("en", "better not", false)]
    [InlineData("fr", "mieux vaut pas", false)]
    [InlineData("pt", "melhor não", false)]
    [InlineData("ht", "pito non", false)]
    [InlineData("pt", "sim, obrigada", true)]
    [InlineData("ht", "wi tanpri", true)]
    [InlineData("zh", "好的谢谢", false)] // thanks, or a yes? no case by guess (2026-12-07: two blind testers' "ok thanks")
    public void AYesOrNoWithACourtesy_ToTheOfferOfAPerson_IsTheAnswer_NeverAnEmergency(string language, string message, bool opens)
    {
        var chat = Chat.At(Content, "avr-what", language).Send(Content.Common.Commands[GlobalCommand.Human][language][0]).Send(message);

        Assert.Equal(opens, chat.State!.InCase);
        Assert.DoesNotContain(EventKind.EmergencyShown, chat.Last!.Events.Select(e => e.Kind));
    }

    /// <summary>
    /// After a guessed danger ("Is it one of these situations?"), "no, I'm fine" leads to the menu: "estoy bien" had got
    /// the emergency answer again, "no estoy en peligro" too (its vetted phrase "estoy en peligro"), "ninguna" a guess of a
    /// child alone (found in a new user's try, 2026-12-05). Every keyword of the option, in every language, is checked.
    /// "no estoy bien" ("I am not well", and "no, estoy bien" once normalized) stays danger: the safe side.
    /// </summary>
    [Fact]
    public void NoneOfTheseToAGuessedDanger_LeadsToTheMenu_InEveryLanguage()
    {
        var check = Content.Nodes[Content.Common.DangerCheckNode];
        var none = check.Choices.Single(c => c.Target == Content.Common.MenuNode);
        Assert.Equal(6, none.Keywords.Count);
        foreach (var (language, phrases) in none.Keywords)
        {
            foreach (var phrase in phrases)
            {
                var chat = Chat.At(Content, check.Id, language).Send(phrase);
                Assert.Equal(Content.Common.MenuNode, chat.Node);
                Assert.DoesNotContain(EventKind.EmergencyShown, chat.Last!.Events.Select(e => e.Kind));
            }
        }

        var unwell = Chat.At(Content, check.Id, "es").Send("no estoy bien");
        Assert.Contains(EventKind.EmergencyShown, unwell.Last!.Events.Select(e => e.Kind));
    }

    /// <summary>
    /// A bare "no" where nothing on the screen asks one ("mejor no", "better not", "melhor não" at the menu) got the
    /// self-harm answer, sure (found in a new user's try, 2026-12-05). Every "no" word of the offer of a person, in every
    /// language, now gets a plain "all right" at the menu and is the "no" of a yes/no question elsewhere; a danger
    /// phrase that starts like one ("no quiero vivir") is still danger.
    /// </summary>
    [Fact]
    public void ABareNo_IsARefusal_AtTheMenu_AndTheNoOfAYesNoQuestion_InEveryLanguage()
    {
        var declined = Content.Common.DeclinedNode!;
        var consent = Content.Nodes[Content.Common.HandoffConsentNode];
        var no = consent.Choices.Single(c => c.Id == "no");
        Assert.Equal(6, no.Keywords.Count);
        foreach (var (language, phrases) in no.Keywords)
        {
            foreach (var phrase in phrases)
            {
                var atMenu = Chat.At(Content, Content.Common.MenuNode, language).Send(phrase);
                Assert.True(declined == atMenu.Node, $"{language} \"{phrase}\": {atMenu.Node}");
                Assert.Equal(ContentRenderer.Render(Content, Content.Nodes[declined], language).Text, atMenu.Replies[^1].Text);
                Assert.DoesNotContain(EventKind.EmergencyShown, atMenu.Last!.Events.Select(e => e.Kind));

                // Declining to talk ("prefiero no decir", "prefiro não dizer") is the offer's "no", and a question's "prefer not
                // to say" where it offers one (common.yaml answer_words skip).
                var question = Content.Nodes["avr-q-health"];
                var skips = (Content.Common.AnswerWords["skip"].GetValueOrDefault(language) ?? []).Select(OimBot.Content.Matching.TextNormalizer.Normalize);
                string[] answers = skips.Contains(OimBot.Content.Matching.TextNormalizer.Normalize(phrase)) ? ["skip"] : ["no", "skip"];
                var read = Content.Understander.UnderstandText(phrase, question, [.. question.Choices.Select(c => ContentNode.ChoiceKey(question.Id, c.Id))], language);
                var key = Assert.IsType<OimBot.Content.Matching.Understanding.Picked>(read).Key;
                Assert.True(answers.Any(a => ContentNode.ChoiceKey(question.Id, a) == key), $"{language} \"{phrase}\": {key}");
                var asked = Chat.At(Content, question.Id, language).Send(phrase);
                Assert.Equal("avr-q-fear", asked.Node);
                Assert.DoesNotContain(EventKind.EmergencyShown, asked.Last!.Events.Select(e => e.Kind));
            }
        }

        foreach (var (language, danger) in new[] { ("es", "no quiero vivir"), ("en", "i do not want to live") })
        {
            Assert.Contains(EventKind.EmergencyShown, Chat.At(Content, Content.Common.MenuNode, language).Send(danger).Last!.Events.Select(e => e.Kind));
        }
    }

    /// <summary>
    /// Blind testers (2026-12-05/06): "con mis dos niños" and "no, estoy sola" to the return's question on children got
    /// the page on a child alone, sure, and the questions were lost; "claro que si" went to the return's menu. An answer
    /// in words is the question's answer: a yes or a no that opens it (with 2 to 8 words after it), a whole yes of any
    /// language, or a short answer naming what the question asks (content <c>answer_names</c>). Danger after it is still
    /// danger: a vetted phrase (a child gone missing, being locked in), or words read surely as a danger the question does
    /// not ask about (a passport taken).
    /// </summary>
    [Theory]
    [InlineData("avr-q-children", "es", "si, con mis dos niños", "yes")]
    [InlineData("avr-q-children", "es", "con mis dos niños", "yes")]
    [InlineData("avr-q-children", "es", "no, estoy sola", "no")]
    [InlineData("avr-q-children", "es", "claro que si", "yes")]
    [InlineData("avr-q-children", "en", "yes my 3 kids", "yes")]
    [InlineData("avr-q-children", "en", "with my two kids", "yes")]
    [InlineData("avr-q-children", "ht", "wi, ak de pitit mwen", "yes")]
    [InlineData("avr-q-children", "pt", "sim, com meus dois filhos", "yes")]
    [InlineData("avr-q-children", "fr", "oui avec mes deux enfants", "yes")]
    [InlineData("avr-q-children", "zh", "是的 带着两个孩子", "yes")]
    [InlineData("avr-q-health", "es", "si, mi hijo es asmatico", "yes")]
    [InlineData("avr-q-health", "es", "no, todos bien", "no")]
    [InlineData("avr-q-health", "en", "yes my son has fever", "yes")]
    [InlineData("avr-q-fear", "es", "si, alla me amenazaron de muerte", "yes")]
    [InlineData("avr-q-fear", "es", "no, quiero volver ya", "no")]
    [InlineData("avr-q-panama", "es", "si, estoy en la ciudad de panama", "yes")]
    // a second round of blind testers (2026-12-06): the classifier's sure reading of a few words after the answer
    [InlineData("avr-q-fear", "es", "no, kiero irme ya", "no")] // had got the self-harm page
    [InlineData("avr-q-document", "en", "yes i get passport", "yes")] // papers taken
    [InlineData("avr-q-children", "en", "no pikin with me", "no")] // a medical emergency
    [InlineData("avr-q-fear", "zh", "不怕", "no")] // "not afraid": the 911 page
    [InlineData("avr-q-fear", "zh", "不害怕", "no")]
    [InlineData("avr-q-fear", "zh", "没有", "no")]
    [InlineData("avr-q-children", "es", "si, mi hija se perdió en la selva", "emergency-child")]
    [InlineData("avr-q-children", "en", "yes but my son is missing", "emergency-child")]
    [InlineData("avr-q-children", "es", "si, pero me quitaron el pasaporte", "emergency-documents")]
    [InlineData("avr-q-children", "es", "no, me tienen encerrada", "emergency-held")]
    [InlineData("avr-q-health", "es", "si, mi hijo no respira", "emergency-medical")]
    // the fortieth session: a held-out set of answers (tests/Evaluation/answers.tsv) got 58 % of its answers right
    [InlineData("avr-q-document", "es", "no, me lo quitaron", "emergency-documents")] // papers taken, read with the passport in front
    [InlineData("avr-q-document", "pt", "não, tomaram de mim", "emergency-documents")]
    [InlineData("avr-q-document", "es", "no, lo tiene el patron", "emergency-documents")]
    [InlineData("avr-q-document", "es", "lo perdí cruzando el río", "no")] // had been a child lost
    [InlineData("avr-q-document", "es", "solo tengo la cedula", "yes")]
    [InlineData("avr-q-document", "es", "nop", "no")] // a whole answer word with nothing after it had thrown
    [InlineData("avr-q-panama", "es", "siii", "yes")]
    [InlineData("avr-q-panama", "es", "todavia estoy en colombia", "no")]
    [InlineData("avr-q-panama", "pt", "ainda estou no mexico", "no")]
    [InlineData("avr-q-health", "es", "prefiero no decir eso", "skip")]
    [InlineData("avr-q-fear", "en", "why do you ask", "skip")]
    [InlineData("avr-q-fear", "fr", "pas du tout", "no")]
    [InlineData("avr-q-children", "zh", "不想回答", "skip")]
    [InlineData("avr-q-children", "es", "viajo solita", "no")]
    [InlineData("avr-q-children", "ht", "non, m vwayaje pou kont mwen", "no")]
    [InlineData("avr-q-children", "es", "no, mi hijo se me perdio en el campamento y no lo encuentro", "emergency-child")] // a danger the question names, after a no
    [InlineData("avr-q-children", "en", "my daughter is missing since this morning", "emergency-child")]
    [InlineData("avr-q-fear", "en", "a man in this shelter will stab me tonight", "emergency-threatened")] // a threat here, to the question on fear of going back
    [InlineData("avr-q-fear", "es", "ya no aguanto mas", "emergency-suicide")] // despair (an unsure keyword) had been the yes
    [InlineData("avr-q-fear", "es", "no aguanto mas", "emergency-suicide")] // … and the no
    [InlineData("avr-q-panama", "es", "ya no quiero seguir viviendo", "emergency-suicide")] // "ya no" is a no; the whole message is read too
    [InlineData("avr-q-fear", "es", "un poco", "yes")]
    [InlineData("avr-q-fear", "en", "a little", "yes")]
    [InlineData("avr-q-document", "en", "of course not", "no")] // "of course" alone is a yes
    [InlineData("avr-q-fear", "es", "mucho", "yes")] // one word the question's model knows: the classifier had read it as a medical emergency
    [InlineData("avr-q-health", "es", "mi esposo se desmayo", "emergency-medical")] // fainting had been "not understood"
    [InlineData("avr-q-health", "en", "my wife passed out", "emergency-medical")]
    // one of the question's own answers, whole (content answer_examples): "就我自己" (just me) had been self-harm,
    // "nobody" and "ninguém" a child alone, "personne" a request for a person, "在" (here) lost on the route, all sure
    [InlineData("avr-q-children", "zh", "就我自己", "no")]
    [InlineData("avr-q-children", "zh", "我一个人", "no")]
    [InlineData("avr-q-children", "en", "nobody", "no")]
    [InlineData("avr-q-children", "es", "nadie", "no")]
    [InlineData("avr-q-children", "fr", "personne", "no")]
    [InlineData("avr-q-children", "ht", "pesonn", "no")]
    [InlineData("avr-q-children", "pt", "ninguém", "no")]
    [InlineData("avr-q-health", "en", "no one", "no")]
    [InlineData("avr-q-panama", "zh", "在", "yes")]
    public void AnAnswerInWords_ToAQuestionOfTheWay_IsItsAnswer_AndDangerAfterItStillDanger(string node, string language, string message, string expected)
    {
        var question = Content.Nodes[node];
        var chat = Chat.At(Content, node, language).Send(message);
        if (expected.StartsWith("emergency", StringComparison.Ordinal))
        {
            Assert.Equal(expected, Landed(chat));
            return;
        }

        var choice = question.Choices.Single(c => c.Id == expected);
        Assert.Equal(choice.Target, chat.Node);
        Assert.DoesNotContain(EventKind.EmergencyShown, chat.Last!.Events.Select(e => e.Kind));
    }

    /// <summary>
    /// The common answer words are the return's questions' (kind question): "ya no" is a no there, but to "do you want to
    /// stop receiving messages?" "ya no quiero mensajes" is the yes, and the confirmation keeps its own words.
    /// </summary>
    [Fact]
    public void AConfirmation_KeepsItsOwnWords_NotTheQuestionsAnswerWords()
    {
        Assert.True(Chat.At(Content, Content.Common.ConfirmStopNode, "es").Send("ya no quiero mensajes").State!.Stopped);
        Assert.Equal("avr-q-children", Chat.At(Content, "avr-q-document", "es").Send("ya no, se me vencio hace meses").Node);
    }

    /// <summary>A blind re-test (2026-12-06): "si", "ok", "dale", "yes" before the return's questions had got the return's menu, "you are welcome" or "not understood".</summary>
    [Theory]
    [InlineData("es", "si")]
    [InlineData("es", "dale")]
    [InlineData("es", "ok")]
    [InlineData("en", "yes")]
    [InlineData("en", "ok start")]
    [InlineData("pt", "sim")]
    [InlineData("fr", "d'accord")]
    [InlineData("ht", "dakò")]
    [InlineData("zh", "好的，开始吧")]
    public void BeforeTheReturnsQuestions_AYesStartsThem(string language, string message)
    {
        var chat = Chat.At(Content, "avr-screen-intro", language).Send(message);
        Assert.Equal("avr-q-panama", chat.Node);
    }

    /// <summary>The offer of a person takes only a whole-message yes (R4): "yes, my two kids are with me" there is no consent.</summary>
    [Fact]
    public void TheOfferOfAPerson_TakesNoOpeningYes()
    {
        var chat = Chat.At(Content, Content.Common.HandoffConsentNode, "en").Send("yes, my two kids are with me");
        Assert.False(chat.State!.InCase);
        Assert.DoesNotContain(EventKind.HandoffRequested, chat.Events);
    }

    /// <summary>
    /// R11 instead of "I did not understand": a message nothing else makes understood, whose most likely meaning is a
    /// danger category at <see cref="OimBot.Content.Matching.UnderstandingThresholds.DangerInsteadOfNothing"/> or more,
    /// gets the emergency numbers first, then the question between the likely situations. Checked on every development
    /// message; below the threshold a message stays not understood.
    /// </summary>
    [Fact]
    public void AMessageNotOtherwiseUnderstood_WhoseMostLikelyMeaningIsDanger_GetsTheNumbersFirst()
    {
        var menu = Content.Find(Content.Common.MenuNode)!;
        var shown = menu.Choices.Select(c => ContentNode.ChoiceKey(menu.Id, c.Id)).ToList();
        var yielding = Content.NodeList.Where(n => n.YieldsToDanger).Select(n => n.Id).ToHashSet(StringComparer.Ordinal);
        var threshold = new OimBot.Content.Matching.UnderstandingThresholds().DangerInsteadOfNothing;
        Assert.InRange(threshold, 0.1, new OimBot.Content.Matching.UnderstandingThresholds().DangerLeading);
        var rescued = 0;
        var notUnderstood = 0;
        foreach (var message in OimBot.Content.Matching.UnderstandingEvaluation.ReadMessages(Path.Combine(RepoPaths.Root, "tests", "Evaluation", "dev")))
        {
            var words = OimBot.Content.Matching.TextNormalizer.WordsOf(OimBot.Content.Matching.PersonalData.ForMatching(message.Text));
            var understood = Content.Understander.Understand(words, menu, shown, message.Language);
            var top = Content.Understander.Rank(words, message.Language).First(r => !yielding.Contains(r.Label));
            if (understood is OimBot.Content.Matching.Understanding.Unknown)
            {
                notUnderstood++;
                Assert.False(Content.Understander.IsDangerLabel(top.Label) && top.Probability >= threshold, $"not understood, though {top.Label} {top.Probability:0.00}: {message.Text}");
            }

            if (understood is OimBot.Content.Matching.Understanding.Danger { Why: "model, nothing else understood" } danger)
            {
                rescued++;
                Assert.False(danger.Sure);
                Assert.True(Content.Understander.IsDangerLabel(top.Label) && top.Probability >= threshold && top.Probability < new OimBot.Content.Matching.UnderstandingThresholds().DangerLeading, message.Text);
                var chat = Chat.Started(Content, message.Language).Send(message.Text);
                Assert.Contains(EventKind.EmergencyShown, chat.Events);
                AssertNumbersBeforeAnyQuestion(chat.Replies[0].Text, "emergency"); // the general lines, then the situations
                Assert.Equal(Content.Common.DangerCheckNode, chat.Node);
            }
        }

        Assert.True(rescued > 0, "no development message read as danger instead of nothing: the check checked nothing");
        Assert.True(notUnderstood > 0, "no development message left not understood: the threshold was not checked");
    }

    /// <summary>
    /// R11, R13: an unsure guess gives, before its question, the channels of each emergency it guesses, not only 911 and
    /// 104: a guessed self-harm the MIDES line 147 (found in a new user's try: "mejor no" at the menu, and unsure
    /// self-harm messages, got 911 and 104 and a question), a guessed sexual assault the 72 hours. A line shows exactly
    /// when its emergency is among the options. Checked on every development message in every language.
    /// </summary>
    [Theory]
    [InlineData("en", "i feel so empty")] // "i feel empty" alone is read surely since 2026-12-07 (the self-harm page, 147 first)
    [InlineData("es", "todo está oscuro")]
    public void AnUnsureGuessOfSelfHarm_GivesTheMidesLine_BeforeTheQuestion(string language, string message)
    {
        var chat = Chat.Started(Content, language).Send(message);

        Assert.Equal(Content.Common.DangerCheckNode, chat.Node);
        Assert.Equal("emergency-suicide", chat.State!.Candidates[0]);
        var text = chat.Replies.Last(r => r.Choices.Count > 0).Text;
        AssertNumbersBeforeAnyQuestion(text, "emergency-suicide");
        Assert.Contains(ContentRenderer.Common(Content, "unsure-emergency-suicide", language), text, StringComparison.Ordinal);
        Assert.Equal(ContentRenderer.Common(Content, "discreet-exit", language), text.Split("\n\n")[^1]);
    }

    /// <summary>
    /// An emergency's untrained keywords ("tomé cloro", "si ve esto me mata") are its danger at once, alone or in a
    /// sentence, in every language that has them, like its keywords; and, unlike them, never the classifier's training
    /// examples: taught to it, "j'ai bu de la javel" and "tive uma overdose" had pulled "j'ai faim" and "vai chover hoje a
    /// tarde?" to self-harm (2026-12-06).
    /// </summary>
    [Fact]
    public void UntrainedKeywords_AreTheirDangerAtOnce_AndNotTrainingExamples()
    {
        var trained = Content.Understander.TrainingSet.Select(e => string.Join(' ', e.Words)).ToHashSet(StringComparer.Ordinal);
        var nodes = Content.NodeList.Where(n => n.UntrainedKeywords.Count > 0).ToList();
        Assert.Equal(["emergency-child", "emergency-held", "emergency-medical", "emergency-suicide", "emergency-threatened"], nodes.Select(n => n.Id).Order(StringComparer.Ordinal));
        foreach (var node in nodes)
        {
            Assert.Equal(6, node.UntrainedKeywords.Count);
            foreach (var (language, phrases) in node.UntrainedKeywords)
            {
                foreach (var phrase in phrases)
                {
                    Assert.DoesNotContain(string.Join(' ', OimBot.Content.Matching.TextNormalizer.WordsOf(phrase)), trained);
                    foreach (var message in new[] { phrase, $"{phrase} 🙏" })
                    {
                        var chat = Chat.At(Content, Content.Common.MenuNode, language).Send(message);
                        Assert.Equal(node.Id, Landed(chat));
                        Assert.True(chat.State!.DangerSignalled, $"{language} '{message}'");
                    }
                }
            }
        }

        Assert.Contains(string.Join(' ', OimBot.Content.Matching.TextNormalizer.WordsOf("quiero suicidarme")), trained);
    }

    /// <summary>
    /// Despair in a few words ("ya no aguanto más", "I give up", "je n'en peux plus") had got a topic's question, "No
    /// entendí" or a guess of being held (found in a new user's try, 2026-12-05): every unsure keyword of every emergency,
    /// in every language, alone or in a short message, now gets the danger question with that emergency first and its
    /// line (the MIDES line for self-harm) before the question. A message whose topic is clear stays that topic.
    /// </summary>
    [Fact]
    public void DespairInAFewWords_GetsTheDangerQuestion_WithItsLine_InEveryLanguage()
    {
        var nodes = Content.NodeList.Where(n => n.UnsureKeywords.Count > 0).ToList();
        Assert.Contains(nodes, n => n.Id == "emergency-suicide");
        foreach (var node in nodes)
        {
            Assert.Equal(6, node.UnsureKeywords.Count);
            foreach (var (language, phrases) in node.UnsureKeywords)
            {
                foreach (var phrase in phrases)
                {
                    // The classifier may be sure of some ("ya no doy más"): then an emergency's own answer, as before (being
                    // left in the woods alone, "kite nou nan bwa", it reads as being held: a danger answered either way).
                    var message = phrase.Replace(OimBot.Content.Matching.Understander.AgePlaceholder, "14", StringComparison.Ordinal); // a child's age where it stands
                    var chat = Chat.At(Content, Content.Common.MenuNode, language).Send(message);
                    Assert.True(chat.Events.Contains(EventKind.EmergencyShown), $"{language} '{message}' reached {chat.Node}");
                    AssertNumbersBeforeAnyQuestion(chat.Replies[0].Text.Replace('？', '?'), node.Id);
                    if (chat.Node == Content.Common.DangerCheckNode)
                    {
                        Assert.Equal(node.Id, chat.State!.Candidates[0]);
                        Assert.Contains(ContentRenderer.Common(Content, ContentValidator.UnsureTextPrefix + node.Id, language), chat.Replies[0].Text, StringComparison.Ordinal);
                    }
                    else
                    {
                        // An emergency's page whole; followed by the offer of a person, without the discreet-exit block, which closes the turn.
                        var exit = "\n\n" + ContentRenderer.Common(Content, "discreet-exit", language);
                        var emergencies = Content.NodeList.Where(n => n.Kind == NodeKind.Emergency).Select(n => ContentRenderer.Render(Content, n, language).Text).ToList();
                        Assert.Contains(chat.Replies, r => emergencies.Contains(r.Text) || emergencies.Contains(r.Text + exit));
                        if (node.Id == "emergency-suicide")
                        {
                            Assert.Contains(chat.Replies, r => r.Text.StartsWith(ContentRenderer.Render(Content, node, language).Text[..20], StringComparison.Ordinal));
                        }
                    }
                }
            }
        }
    }

    [Theory]
    [InlineData("es", "ya no aguanto más", "emergency-suicide")]
    [InlineData("es", "la verdad ya no doy más, estoy sola aquí", "emergency-suicide")]
    [InlineData("en", "honestly I can't take it anymore", "emergency-suicide")]
    [InlineData("fr", "j'en peux plus de cette vie", "emergency-suicide")]
    [InlineData("pt", "não consigo mais, sério", "emergency-suicide")]
    [InlineData("zh", "我真的撑不下去了", "emergency-suicide")]
    [InlineData("es", "no aguanto más aquí, quiero volver a Colombia", "avr-menu")] // the topic is clear
    [InlineData("es", "me rindo, cómo saco el permiso de trabajo", "regularisation-work-permit-how")]
    public void AShortMessageOfDespair_IsALikelyDanger_ButAClearTopicStaysThatTopic(string language, string message, string expected)
    {
        Assert.Equal(expected, ReadAtTheMenu(language, message));
    }

    /// <summary>
    /// Illness in a few words ("pitit mwen malad", "mon fils est malade", "my son is sick") had got "I have no verified
    /// information on that", "No entendí" or the dangers of nature (found in a new user's try, 2026-12-05): now the danger
    /// question with the medical emergency first, and its line (health care is for everyone in Panama) before it. The
    /// jokes that teach what we have no information on stay that ("je suis malade d'amour haha"), and a clear topic stays
    /// that topic; illness with despair gives both, self-harm first.
    /// </summary>
    [Theory]
    [InlineData("ht", "pitit mwen malad", "emergency-medical")]
    [InlineData("ht", "mwen malad", "emergency-medical")]
    [InlineData("ht", "pitit mwen gen dyare", "emergency-medical")]
    [InlineData("fr", "mon fils est malade", "emergency-medical")]
    [InlineData("fr", "je suis malade", "emergency-medical")]
    [InlineData("pt", "estou doente", "emergency-medical")]
    [InlineData("es", "mi hijo está enfermo", "emergency-medical")]
    [InlineData("en", "my son is sick", "emergency-medical")]
    [InlineData("fr", "je suis malade d'amour haha", "out-of-scope")]
    [InlineData("zh", "猫生病了 哪里有宠物医院", "out-of-scope")]
    [InlineData("es", "mi hijo está enfermo, cómo saco el permiso de trabajo", "regularisation-work-permit-how")]
    [InlineData("es", "estoy enfermo y ya no aguanto más", "emergency-suicide")]
    public void IllnessInAFewWords_IsALikelyMedicalDanger_ButAJokeOrAClearTopicStaysSo(string language, string message, string expected)
    {
        Assert.Equal(expected, ReadAtTheMenu(language, message));
    }

    /// <summary>
    /// Where an IOM office is or when it opens (a blind tester, 2026-12-07: a question between the institutions' page and
    /// "no verified information"): no address or hours are vetted, so the plain "no verified information on that" and a
    /// person (out-of-scope's fallback keywords). Another institution's office stays the institutions' page.
    /// </summary>
    [Theory]
    [InlineData("es", "donde queda la oficina de la oim en panama", "out-of-scope")]
    [InlineData("es", "cual es el horario de la oficina de la oim", "out-of-scope")]
    [InlineData("en", "what time does the iom office open", "out-of-scope")]
    [InlineData("pt", "onde fica o escritório da OIM?", "out-of-scope")]
    [InlineData("zh", "国际移民组织办公室在哪里", "out-of-scope")]
    [InlineData("es", "donde queda la oficina de migracion", "regularisation-institutions")]
    public void AnIomOfficesAddressOrHours_IsNoVerifiedInformation(string language, string message, string expected)
    {
        Assert.Equal(expected, ReadAtTheMenu(language, message));
    }

    /// <summary>
    /// A work permit, a residence card or a refugee card an employer took is kept papers as a passport is (a sign of
    /// trafficking), not the page on permits: "my boss took my work permit" and "o patrão ficou com minha permissão de
    /// trabalho" had got the permit's page (a new user's try, 2026-12-05). The card a work permit is ("carnet de
    /// trabajo", "carteira de trabalho", "kat travay") is the permit's how; a permit lost or expired stays the permit's page.
    /// </summary>
    [Theory]
    [InlineData("en", "my boss took my work permit", "emergency-documents")]
    [InlineData("es", "el jefe se quedó con mi permiso de trabajo", "emergency-documents")]
    [InlineData("es", "la empresa tiene mi carnet de refugiado y no me lo devuelve", "emergency-documents")]
    [InlineData("fr", "mon patron a pris mon permis de travail", "emergency-documents")]
    [InlineData("ht", "patwon an pran pèmi travay mwen", "emergency-documents")]
    [InlineData("pt", "o patrão ficou com minha permissão de trabalho e não devolve", "emergency-documents")]
    [InlineData("zh", "老板拿走了我的工作许可", "emergency-documents")]
    [InlineData("en", "how do I get a work card?", "regularisation-work-permit-how")]
    [InlineData("es", "cómo saco el carnet de trabajo?", "regularisation-work-permit-how")]
    [InlineData("fr", "comment obtenir une carte de travail ?", "regularisation-work-permit-how")]
    [InlineData("ht", "kijan pou m jwenn kat travay", "regularisation-work-permit-how")]
    [InlineData("pt", "como tiro a carteira de trabalho?", "regularisation-work-permit-how")]
    [InlineData("zh", "怎么办工卡", "regularisation-work-permit-how")]
    [InlineData("en", "my work permit expired", "regularisation-work-permit")]
    [InlineData("es", "perdí mi permiso de trabajo", "regularisation-work-permit")]
    [InlineData("pt", "minha permissão de trabalho venceu", "regularisation-work-permit")]
    public void APermitOrCardAnEmployerTook_IsKeptPapers_AndTheWorkCardIsThePermit(string language, string message, string expected)
    {
        Assert.Equal(expected, ReadAtTheMenu(language, message));
    }

    /// <summary>
    /// A guide who asks for more money or leaves the group (a new user's try, 2026-12-05): "the smuggler wants more money
    /// or he leaves us in the jungle" and "o coiote quer mais dinheiro senão deixa a gente na mata" got the pages on
    /// smuggling (their word "smuggler", "coiote" settled what the model was unsure of), and "le passeur demande plus
    /// d'argent sinon il nous abandonne" the self-harm line (a slip of "j'abandonne"). Being left behind is
    /// <c>emergency-route</c>'s unsure keyword now, and a topic a keyword settled may yield to it; a clear question about
    /// smugglers stays that question.
    /// </summary>
    [Theory]
    [InlineData("en", "the smuggler wants more money or he leaves us in the jungle", "emergency-route")]
    [InlineData("pt", "o coiote quer mais dinheiro senão deixa a gente na mata", "emergency-route")]
    [InlineData("fr", "le passeur demande plus d'argent sinon il nous abandonne", "emergency-route")]
    [InlineData("es", "el coyote nos pide mas plata o nos deja en la selva", "emergency-route")]
    [InlineData("es", "es cierto que los coyotes abandonan a la gente?", "dangers-smugglers")]
    public void AGuideWhoLeavesTheGroup_IsALikelyDangerOnTheRoute(string language, string message, string expected)
    {
        Assert.Equal(expected, ReadAtTheMenu(language, message));
    }

    /// <summary>
    /// Someone who has one's papers, in a few words (a blind tester, 2026-12-07): "i cant leave, he keeps my papers" after
    /// the page on being hit got the papers menu (the word "papers" settled what the model was unsure of). Keeping
    /// someone's papers is <c>emergency-documents</c>' unsure keyword now: the channels, then the question, with the topic
    /// among the options. A question about one's papers stays that question.
    /// </summary>
    [Theory]
    [InlineData("en", "i cant leave, he keeps my papers", "emergency-documents")]
    [InlineData("en", "he keeps my papers", "emergency-documents")]
    [InlineData("es", "no me puedo ir, el tiene mis papeles", "emergency-documents")]
    [InlineData("ht", "m pa ka ale, li pran papye m", "emergency-documents")]
    [InlineData("fr", "mon patron ne me rend pas mon passeport", "emergency-documents")]
    [InlineData("pt", "meu patrao ta com meus documentos", "emergency-documents")]
    [InlineData("zh", "老板扣着我的护照", "emergency-documents")]
    [InlineData("en", "how do i get my papers in panama", "regularisation-menu")]
    [InlineData("es", "como arreglo mis papeles", "regularisation-menu")]
    public void SomeoneKeepingOnesPapers_IsALikelyDanger(string language, string message, string expected)
    {
        Assert.Equal(expected, ReadAtTheMenu(language, message));
    }

    /// <summary>
    /// A fourth blind tester (2026-12-07): "🆘🆘🆘" got "No entendí" (the picture is the word "sos"); someone listening got
    /// a question between a person and the menu: the page on keeping the phone safe (its keywords in Mandarin; in the
    /// other languages each tried moved other rows, and is left open).
    /// </summary>
    [Theory]
    [InlineData("es", "🆘🆘🆘", "emergency")]
    [InlineData("en", "🆘", "emergency")]
    [InlineData("zh", "有人在偷听，我不能说话", "phone-safety")]
    public void ASosPicture_AndSomeoneListening_AreUnderstood(string language, string message, string expected)
    {
        Assert.Equal(expected, ReadAtTheMenu(language, message));
    }

    /// <summary>
    /// Turned back at a border (a new user's try, 2026-12-05): "no me dejaron pasar a costa rica" got the answer to sexual
    /// violence, sure, and "me devolvieron de la frontera de costa rica, que hago" "No entendí". Going back south is what
    /// <c>dangers-sea</c> answers (the reverse flow, its dangers, and voluntary return or refugee protection instead).
    /// </summary>
    [Theory]
    [InlineData("es", "no me dejaron pasar a costa rica")]
    [InlineData("es", "me devolvieron de la frontera de costa rica, que hago")]
    [InlineData("en", "they didn't let me cross into costa rica")]
    public void TurnedBackAtABorder_IsGoingBackSouth_NotADanger(string language, string message)
    {
        Assert.Equal("dangers-sea", ReadAtTheMenu(language, message));
    }

    /// <summary>
    /// A child who says their age beside a need (a new user's try, 2026-12-05): "tengo 13 y no tengo donde dormir" and
    /// "I am 14 and I have nowhere to sleep" got the page on food and a bed, with nothing for a child. An age of 8 to 17
    /// written after "tengo", "I am", "j'ai", "mwen gen", "tenho", "我" (<c>emergency-child</c>'s unsure keywords, with
    /// {age}) makes it a likely child alone: the channels first, then the question with food and a bed among its
    /// options. An adult's age, a number of children or of days stays the need.
    /// </summary>
    [Theory]
    [InlineData("es", "tengo 14 y tengo mucha hambre", "emergency-child")]
    [InlineData("es", "hola tengo 15 años, hay algun albergue?", "emergency-child")]
    [InlineData("en", "i'm 15 and i have nowhere to stay", "emergency-child")]
    [InlineData("fr", "j'ai 12 ans et je n'ai pas mangé", "emergency-child")]
    [InlineData("ht", "m gen 13 an, m grangou", "emergency-child")]
    [InlineData("pt", "tenho 16 anos e preciso de comida", "emergency-child")]
    [InlineData("zh", "我15岁，没有饭吃", "emergency-child")]
    [InlineData("es", "tengo 20 años y no tengo donde dormir", "basic-needs")]
    [InlineData("es", "tengo 3 hijos y no tenemos comida", "basic-needs")]
    [InlineData("en", "i am 30 and need food", "basic-needs")]
    [InlineData("es", "tengo 15 dias aqui, donde dan comida", "basic-needs")]
    // Ages in words (content's child_ages), each language's own.
    [InlineData("es", "tengo catorce años y no tengo donde dormir", "emergency-child")]
    [InlineData("en", "i am fifteen and i have nowhere to sleep", "emergency-child")]
    [InlineData("ht", "mwen gen katòz an, m grangou", "emergency-child")]
    [InlineData("pt", "tenho quatorze anos e preciso de comida", "emergency-child")]
    [InlineData("zh", "我十四岁，没有饭吃", "emergency-child")]
    [InlineData("es", "tengo veinte años y no tengo donde dormir", "basic-needs")]
    public void AChildWhoSaysTheirAge_BesideANeed_IsALikelyChildAlone(string language, string message, string expected)
    {
        Assert.Equal(expected, ReadAtTheMenu(language, message));
    }

    /// <summary>
    /// A child's age in a longer message (held-out rows, 2026-12-05): "m gen 12 an, m pa jwenn papa m, m pa gen anyen pou
    /// m manje" (15 words) and "I AM 15 I DONT HAVE ANY FAMILY WITH ME WHERE DO I GO" (14) got the page on food and a bed
    /// and "No entendí": an unsure keyword counted only in a message of at most 12 words. A keyword with a child's age, or
    /// any written exactly beside a need read clearly, counts up to 24; despair in a longer message still does not.
    /// </summary>
    [Theory]
    [InlineData("en", "I AM 15 I DONT HAVE ANY FAMILY WITH ME WHERE DO I GO", "emergency-child")]
    [InlineData("ht", "mwen gen 14 an, manman m pa la, m pa manje depi yè e m pa gen kote pou m dòmi aswè a", "emergency-child")]
    [InlineData("es", "tengo 35 años, estoy con mis dos hijos de 4 y 6 y no tenemos donde dormir esta noche, donde hay albergue", "basic-needs")]
    [InlineData("es", "ya no aguanto mas el calor de esta ciudad, alguien sabe donde venden ventiladores baratos por aqui", "out-of-scope")]
    public void AChildsAge_InALongerMessage_IsStillALikelyChildAlone(string language, string message, string expected)
    {
        Assert.Equal(expected, ReadAtTheMenu(language, message));
    }

    /// <summary>
    /// Taking something back as the whole message, outside a waiting case (a blind tester, 2026-12-07): "deixa pra lá",
    /// "kite sa", "leave it" had got the page for someone held, surely; "never mind" a question between topics. They are a
    /// refusal. Despair read in the same words stays despair, and a danger told beside them stays the danger.
    /// </summary>
    [Theory]
    [InlineData("pt", "deixa pra lá", "declined")]
    [InlineData("pt", "deixa quieto", "declined")]
    [InlineData("ht", "kite sa", "declined")]
    [InlineData("en", "leave it", "declined")]
    [InlineData("en", "never mind pls", "declined")]
    [InlineData("fr", "laisse tomber", "declined")]
    [InlineData("es", "olvidalo", "declined")]
    [InlineData("fr", "deixa pra lá", "declined")] // in another language's conversation too (a new user's try, 2026-12-07)
    [InlineData("es", "leave it", "declined")]
    [InlineData("en", "i dont want to talk anymore", "emergency-suicide")]
    [InlineData("pt", "deixa pra lá, eles não me deixam sair daqui", "emergency-held")]
    public void TakingSomethingBack_AsTheWholeMessage_IsARefusal(string language, string message, string expected)
    {
        Assert.Equal(expected, ReadAtTheMenu(language, message));
    }

    /// <summary>
    /// Robbed or out of money, where nothing else was understood or the bot would ask between topics (a blind tester,
    /// 2026-12-07): "No entendí", a question on violence, and in Portuguese a goodbye ("fui" opening "fui roubado"). The
    /// page on food and a bed, by its fallback keywords; a question that names its topic stays that topic, and "fui" alone
    /// or beside thanks is still a goodbye.
    /// </summary>
    [Theory]
    [InlineData("fr", "on m'a tout volé, je n'ai plus d'argent et je suis bloqué à Panama", "basic-needs")]
    [InlineData("zh", "钱都被抢了，身无分文", "basic-needs")]
    [InlineData("pt", "fui roubado, to sem dinheiro nenhum, sem nada", "basic-needs")]
    [InlineData("es", "me robaron todo en el camino", "basic-needs")]
    [InlineData("es", "quiero volver a mi pais pero no tengo plata", "avr-menu")]
    [InlineData("pt", "fui", "farewell")]
    [InlineData("pt", "fui, valeu", "farewell-safe")]
    public void RobbedOrOutOfMoney_IsThePageOnFoodAndABed(string language, string message, string expected)
    {
        Assert.Equal(expected, ReadAtTheMenu(language, message));
    }

    /// <summary>
    /// A number followed by a time span is no child's age (a blind tester, 2026-12-07): "I'm 8 months pregnant, can I still
    /// go through the Darien" had got the page for a child alone, by the keyword "im {age}". The age itself still counts.
    /// </summary>
    [Theory]
    [InlineData("en", "I'm 8 months pregnant, can I still go through the Darien", "dangers-darien")]
    [InlineData("en", "im 15 and alone here", "emergency-child")]
    [InlineData("en", "i am 15 years old and alone here", "emergency-child")]
    public void ANumberBeforeATimeSpan_IsNoChildsAge(string language, string message, string expected)
    {
        Assert.Equal(expected, ReadAtTheMenu(language, message));
    }

    /// <summary>
    /// Death said as a manner of speaking is no danger (common.yaml <c>figures_of_speech</c>; a blind tester, 2026-12-07:
    /// "essa espera tá me matando" got the page for threats, surely). Read again without the figure, a message says what
    /// is left ("me muero de ganas de volver a mi país": going home). Rows written before the lists.
    /// </summary>
    [Theory]
    [InlineData("pt", "essa espera tá me matando")]
    [InlineData("es", "esta espera me está matando")]
    [InlineData("en", "this wait is killing me")]
    [InlineData("fr", "cette attente me tue")]
    [InlineData("ht", "m ap mouri ri")]
    [InlineData("zh", "笑死我了")]
    [InlineData("pt", "to morrendo de saudade da minha mae")]
    public void AFigureOfSpeech_IsNoDanger(string language, string message)
    {
        var menu = Content.Nodes[Content.Common.MenuNode];
        var understood = Content.Understander.UnderstandText(message, menu, [], language);
        Assert.False(understood is OimBot.Content.Matching.Understanding.Danger, $"\"{message}\": {understood}");
    }

    /// <summary>
    /// "Golpe" is a scam in Brazilian Portuguese and a blow in Spanish: "é golpe?" (a blind tester, 2026-12-07, about a job
    /// offer) got the page for threats and beatings, surely. Three Portuguese examples of asking whether something is a
    /// scam lead it to the page on scams; a blow is still a blow.
    /// </summary>
    [Theory]
    [InlineData("pt", "é golpe?", "regularisation-scams")]
    [InlineData("pt", "meu marido me bate todo dia", "emergency-threatened")]
    public void AScamInPortuguese_IsNoBlow(string language, string message, string expected)
    {
        Assert.Equal(expected, ReadAtTheMenu(language, message));
    }

    /// <summary>What is left of a message without its figure of speech is read; danger with who does it, or a vetted phrase, stays danger (R11).</summary>
    [Theory]
    [InlineData("es", "me muero de ganas de volver a mi pais", "avr-menu")]
    [InlineData("fr", "je meurs d'envie de rentrer chez moi", "avr-menu")]
    [InlineData("es", "mi marido me esta matando", "emergency-threatened")]
    [InlineData("es", "la espera me esta matando y mi marido me pega", "emergency-threatened")]
    [InlineData("en", "this wait is killing me and i want to kill myself", "emergency-suicide")]
    [InlineData("pt", "essa espera tá me matando, quero me matar", "emergency-suicide")]
    public void WithoutTheFigure_TheRestIsRead(string language, string message, string expected)
    {
        Assert.Equal(expected, ReadAtTheMenu(language, message));
    }

    /// <summary>
    /// Someone who can no longer walk, said beside a topic, gets the medical emergency's channels and question (a blind
    /// tester, 2026-12-07: "please help my friend is very sick in the jungle he cannot walk" got the page on the jungle's
    /// dangers, no 911; emergency-medical <c>warning_signs</c>). A disability told to ask about the route stays a question.
    /// </summary>
    [Theory]
    [InlineData("en", "please help my friend is very sick in the jungle he cannot walk")]
    [InlineData("es", "ayuda mi compañero esta en la selva y ya no puede caminar")]
    [InlineData("pt", "meu amigo ta na mata e não consegue mais andar")]
    public void SomeoneWhoCanNoLongerWalk_GetsTheMedicalChannels(string language, string message)
    {
        // The medical emergency, or someone hurt on the way: both open with 911.
        Assert.Contains(ReadAtTheMenu(language, message), new[] { "emergency-medical", "emergency-route" });
    }

    [Theory]
    [InlineData("ht", "m pa ka mache byen, m andikape, ki wout mwen ka pran")]
    [InlineData("es", "no puedo caminar bien porque uso silla de ruedas, hay otra ruta?")]
    public void ADisabilityToldToAskAboutTheRoute_IsNoEmergency(string language, string message)
    {
        Assert.DoesNotContain("emergency", ReadAtTheMenu(language, message), StringComparison.Ordinal);
    }

    /// <summary>
    /// A passport lost, expired or damaged (rows written first, 2026-12-05): "perdí mi pasaporte", "j'ai perdu mon
    /// passeport", "mwen pèdi paspò mwen", "我的护照过期了" got the answer for papers someone keeps (a trafficking sign),
    /// sure, with the emergency numbers. They are a question about papers; someone keeping them stays a danger.
    /// </summary>
    [Theory]
    [InlineData("es", "perdí mi pasaporte", "regularisation-no-papers")]
    [InlineData("es", "mi pasaporte está vencido", "regularisation-no-papers")]
    [InlineData("en", "i lost my passport", "regularisation-no-papers")]
    [InlineData("en", "my passport expired", "regularisation-no-papers")]
    [InlineData("fr", "j'ai perdu mon passeport", "regularisation-no-papers")]
    [InlineData("fr", "mon passeport est périmé, je suis haïtien", "regularisation-no-papers")]
    [InlineData("ht", "mwen pèdi paspò mwen", "regularisation-no-papers")]
    [InlineData("ht", "paspò mwen ekspire", "regularisation-no-papers")]
    [InlineData("pt", "perdi meu passaporte", "regularisation-no-papers")]
    [InlineData("pt", "meu passaporte venceu", "regularisation-no-papers")]
    [InlineData("zh", "我的护照过期了", "regularisation-no-papers")]
    [InlineData("es", "el patron se quedo con mi pasaporte", "emergency-documents")]
    [InlineData("en", "my boss took my passport and won't give it back", "emergency-documents")]
    [InlineData("pt", "meu patrão pegou meu passaporte", "emergency-documents")]
    public void APassportLostExpiredOrDamaged_IsAQuestionAboutPapers_NotPapersSomeoneKeeps(string language, string message, string expected)
    {
        Assert.Equal(expected, ReadAtTheMenu(language, message));
    }

    /// <summary>
    /// "chui à bout, jveux me donner la mort" (a held-out row, 2026-12-05) got "No entendí": French for taking one's own
    /// life ("me donner la mort", "m'ôter la vie") is a vetted phrase now, "je suis à bout" an unsure one.
    /// </summary>
    [Theory]
    [InlineData("fr", "chui à bout, jveux me donner la mort", true)]
    [InlineData("fr", "je vais m'ôter la vie", true)]
    [InlineData("fr", "chui à bout", false)]
    public void TakingOnesOwnLife_InFrench_IsSuicide(string language, string message, bool sure)
    {
        var menu = Content.Nodes[Content.Common.MenuNode];
        var understood = Content.Understander.UnderstandText(message, menu, [.. menu.Choices.Select(c => ContentNode.ChoiceKey(menu.Id, c.Id))], language);
        var danger = Assert.IsType<OimBot.Content.Matching.Understanding.Danger>(understood);
        Assert.Equal(("emergency-suicide", sure), (danger.Node.Id, danger.Sure));
    }

    /// <summary>
    /// A greeting before "are you a robot?" or "who are you?" (2026-12-05): "hola, eres un robot?", "olá, você é um
    /// robô?", "你好，你是机器人吗" got the main menu, since some of the menu's examples asked it. They are questions about the
    /// service; a greeting alone or "what can you do" is the menu.
    /// </summary>
    [Theory]
    [InlineData("es", "hola, eres un robot?", "about-service")]
    [InlineData("es", "hola quien eres", "about-service")]
    [InlineData("en", "hello who are you", "about-service")]
    [InlineData("ht", "bonjou, ou se yon robo?", "about-service")]
    [InlineData("zh", "你好，你是机器人吗", "about-service")]
    [InlineData("es", "hola", "main-menu")]
    [InlineData("en", "hi, what can you do", "main-menu")]
    public void AGreetingBeforeAQuestionAboutTheService_IsThatQuestion(string language, string message, string expected)
    {
        Assert.Equal(expected, ReadAtTheMenu(language, message));
    }

    [Fact]
    public void AChildWhoSaysTheirAge_GetsTheChannelsFirst_ThenTheQuestionWithTheirNeedAmongTheOptions()
    {
        var menu = Content.Nodes[Content.Common.MenuNode];
        var understood = Content.Understander.UnderstandText("i am 14 and i have nowhere to sleep", menu, [.. menu.Choices.Select(c => ContentNode.ChoiceKey(menu.Id, c.Id))], "en");

        var danger = Assert.IsType<OimBot.Content.Matching.Understanding.Danger>(understood);
        Assert.Equal(("emergency-child", false), (danger.Node.Id, danger.Sure));
        Assert.Contains(danger.Alternatives, n => n.Id == "basic-needs");
        var chat = Chat.At(Content, Content.Common.MenuNode, "en").Send("i am 14 and i have nowhere to sleep");
        AssertNumbersBeforeAnyQuestion(chat.Replies[0].Text, "emergency-child");
    }

    [Theory]
    [InlineData("ht", "pitit mwen malad", new[] { "unsure-emergency-medical" })]
    [InlineData("es", "estoy enfermo y ya no aguanto más", new[] { "unsure-emergency-suicide", "unsure-emergency-medical" })]
    public void IllnessOnTheScreen_ShowsHealthCareForEveryone_BeforeTheQuestion(string language, string message, string[] lines)
    {
        var chat = Chat.At(Content, Content.Common.MenuNode, language).Send(message);

        Assert.Equal(Content.Common.DangerCheckNode, chat.Node);
        Assert.Contains("emergency-medical", chat.State!.Candidates);
        var text = chat.Replies.Last(r => r.Choices.Count > 0).Text;
        AssertNumbersBeforeAnyQuestion(text, chat.State.Candidates[0]);
        var question = text.IndexOfAny(['?', '¿', '？']);
        foreach (var line in lines)
        {
            var shown = ContentRenderer.Common(Content, line, language);
            Assert.False(string.IsNullOrEmpty(shown));
            var at = text.IndexOf(shown, StringComparison.Ordinal);
            Assert.True(at >= 0 && (question < 0 || at < question), $"{line} before the question in: {text}");
        }

        Assert.Equal(ContentRenderer.Common(Content, "discreet-exit", language), text.Split("\n\n")[^1]);
    }

    /// <summary>Where a message typed at the main menu leads: the danger's or the destination's node, else what it was read as.</summary>
    private static string ReadAtTheMenu(string language, string message)
    {
        var menu = Content.Nodes[Content.Common.MenuNode];
        var understood = Content.Understander.UnderstandText(message, menu, [.. menu.Choices.Select(c => ContentNode.ChoiceKey(menu.Id, c.Id))], language);
        return understood switch
        {
            OimBot.Content.Matching.Understanding.Danger danger => danger.Node.Id,
            OimBot.Content.Matching.Understanding.Destination destination => destination.Node.Id,
            _ => understood.ToString(),
        };
    }

    [Fact]
    public void AnUnsureGuess_GivesEachGuessedEmergencysOwnChannels_BeforeTheQuestion()
    {
        var lines = Content.Common.Texts.Keys.Where(k => k.StartsWith(ContentValidator.UnsureTextPrefix, StringComparison.Ordinal)).ToList();
        Assert.Contains("unsure-emergency-suicide", lines);
        Assert.Contains("unsure-emergency-sexual-violence", lines);
        var seen = new HashSet<(string Node, string Language)>();
        foreach (var message in OimBot.Content.Matching.UnderstandingEvaluation.ReadMessages(Path.Combine(RepoPaths.Root, "tests", "Evaluation", "dev")))
        {
            var chat = Chat.Started(Content, message.Language).Send(message.Text);
            if (chat.Node != Content.Common.DangerCheckNode)
            {
                continue;
            }

            var language = chat.State!.Language;
            var text = chat.Replies.Last(r => r.Choices.Count > 0).Text;
            var question = text.IndexOfAny(['?', '¿', '？']);
            foreach (var id in lines)
            {
                var node = id[ContentValidator.UnsureTextPrefix.Length..];
                var line = ContentRenderer.Common(Content, id, language);
                if (!chat.State.Candidates.Contains(node))
                {
                    Assert.DoesNotContain(line, text, StringComparison.Ordinal);
                    continue;
                }

                seen.Add((node, language));
                var at = text.IndexOf(line, StringComparison.Ordinal);
                Assert.True(at > 0 && at < question, $"{id} missing or after the question ({message.Language}): {text}");
                if (node == "emergency-suicide")
                {
                    AssertNumbersBeforeAnyQuestion(text.Replace('？', '?'), node);
                }
            }
        }

        Assert.Contains(seen, s => s.Node == "emergency-suicide");
        Assert.Contains(seen, s => s.Node == "emergency-sexual-violence");
        Assert.True(seen.Select(s => s.Language).Distinct().Count() >= 3, string.Join(", ", seen));
    }

    /// <summary>
    /// The same after choosing Spanish, for a message written in another served language: read by the model of the
    /// language it is written in, and answered in that language, emergency numbers first.
    /// </summary>
    [Fact]
    public void ALikelyDangerInAnotherLanguage_NotOtherwiseUnderstood_IsAnsweredInIt_NumbersFirst()
    {
        var menu = Content.Find(Content.Common.MenuNode)!;
        var shown = menu.Choices.Select(c => ContentNode.ChoiceKey(menu.Id, c.Id)).ToList();
        var rescued = 0;
        foreach (var message in OimBot.Content.Matching.UnderstandingEvaluation.ReadMessages(Path.Combine(RepoPaths.Root, "tests", "Evaluation", "dev")).Where(m => m.Language is not ("es" or "en")))
        {
            var words = OimBot.Content.Matching.TextNormalizer.WordsOf(OimBot.Content.Matching.PersonalData.ForMatching(message.Text));
            if (Content.Understander.Understand(words, menu, shown, "es") is not OimBot.Content.Matching.Understanding.Danger { Why: "model, nothing else understood", WrittenIn: { } written })
            {
                continue;
            }

            rescued++;
            Assert.Equal(message.Language, written);
            var chat = Chat.Started(Content, "es").Send(message.Text);
            Assert.Equal(written, chat.State!.Language);
            Assert.Contains(EventKind.EmergencyShown, chat.Events);
            AssertNumbersBeforeAnyQuestion(chat.Replies[0].Text, "emergency");
        }

        Assert.True(rescued > 0, "no development message in another language read as danger instead of nothing");
    }

    // ------------------------------------------------------------------------------------------------ the first message

    [Theory]
    [InlineData("quiero volver a mi país", "es", "avr-menu")]
    [InlineData("hola, necesito un permiso de trabajo", "es", "flow:regularisation")]
    [InlineData("I want to talk to a person", "en", "handoff-consent")]
    [InlineData("hi", "en", "main-menu")] // found in a new user's try (2026-12-04): a question whose only topic was the menu
    public void FirstMessage_NoticeFirst_ThenWhereTheMessagePointed(string first, string language, string expected)
    {
        var chat = new Chat(Content).Send(first);
        Assert.Equal(Common.StartNode, chat.Node);
        Assert.Equal(language, chat.State!.Language);
        Assert.DoesNotContain(EventKind.TopicEntered, chat.Events);

        chat.Tap(language == "en" ? "Continue in English" : "Continuar en español");

        Assert.True(chat.State!.Consented);
        AssertLanded(chat, expected);

        Assert.Null(chat.State.PendingTarget);
    }

    /// <summary>
    /// A question typed as the first message is kept, and the notice comes first (R6); one typed under the notice in its
    /// language is answered (2026-12-07: it had been kept while the notice asked again for a language).
    /// </summary>
    [Fact]
    public void AQuestionTypedAtTheNotice_IsKept_TheNoticeComesFirst()
    {
        var chat = new Chat(Content).Send("necesito un permiso de trabajo");
        Assert.Equal(Common.StartNode, chat.Node);
        Assert.NotNull(chat.State!.PendingTarget);

        chat.Tap("Continuar en español");
        Assert.Equal("regularisation", Content.Nodes[chat.Node!].FlowId);

        chat = new Chat(Content).Send("hola").Send("necesito un permiso de trabajo");
        Assert.True(chat.State!.Consented);
        Assert.Equal("regularisation", Content.Nodes[chat.Node!].FlowId);
    }

    /// <summary>A greeting whose only likely meaning is the menu gets the menu, never a question offering only the menu.</summary>
    [Fact]
    public void AGreetingMidConversation_GetsTheMenu_NotAQuestionAboutIt()
    {
        var chat = Chat.At(Content, "avr-what", "en").Send("hi");

        Assert.Equal(Common.MenuNode, chat.Node);
        Assert.DoesNotContain(EventKind.ClarificationAsked, chat.Events);
    }

    // A language's or a nationality's word beside a question (found in a new user's try, 2026-12-04: "sou brasileira …
    // quero voltar pro brasil" chose Portuguese at the notice and the question was lost to the main menu).
    [Theory]
    [InlineData("oi, sou brasileira e estou no panamá com meu filho de 3 anos, quero voltar pro brasil mas não tenho dinheiro", "pt", "avr")]
    [InlineData("bonjou, mwen se ayisyen, mwen vle retounen Ayiti ak fanmi m, kijan pou m fè", "ht", "avr")]
    [InlineData("hola, en español por favor, quiero volver a mi país y no tengo plata para el pasaje", "es", "avr")]
    [InlineData("hi, english please, how can i get a work permit in panama", "en", "regularisation")]
    [InlineData("bonjour, en français svp, je veux rentrer dans mon pays avec mes enfants", "fr", "avr")]
    [InlineData("你好，我说中文，我想回中国，你们能帮我回国吗", "zh", "avr")]
    public void ALanguageWordBesideAQuestion_AtTheNotice_KeepsTheQuestion(string text, string language, string flow)
    {
        // Under the English notice ("hi"), a question in English is answered at once (DialogEngineTests); one in
        // another language shows the notice in it.
        foreach (var chat in language == "en" ? [new Chat(Content).Send(text)] : new[] { new Chat(Content).Send(text), new Chat(Content).Send("hi").Send(text) })
        {
            Assert.Equal(Common.StartNode, chat.Node);
            Assert.Equal(language, chat.State!.Language);
            Assert.False(chat.State.Consented);
            Assert.NotNull(chat.State.PendingTarget);

            chat.Send("1"); // the notice lists the language the message was written in first

            Assert.True(chat.State!.Consented);
            Assert.Equal(language, chat.State.Language);
            var node = Content.Nodes[chat.Node!];
            var offered = node.Id == Common.ClarifyNode ? chat.Replies[^1].Choices.Select(c => c.Key[(c.Key.LastIndexOf('/') + 1)..]) : [node.Id];
            Assert.Contains(offered, id => Content.Find(id)?.FlowId == flow);
        }
    }

    [Theory]
    [InlineData("en español por favor", "es")]
    [InlineData("hola, prefiero que me escribas en español por favor", "es")]
    [InlineData("obrigado, em portugues por favor", "pt")]
    [InlineData("an kreyòl tanpri", "ht")]
    [InlineData("mwen pale kreyòl, an kreyòl souple", "ht")]
    public void ALanguageAskedFor_AtTheNotice_IsChosen(string text, string language)
    {
        var chat = new Chat(Content).Send("hello").Send(text);
        Assert.True(chat.State!.Consented);
        Assert.Equal(language, chat.State.Language);
        Assert.Equal(Common.MenuNode, chat.Node);
    }

    [Theory]
    [InlineData("I am being held", "en")]
    [InlineData("help, they locked me in", "en")]
    [InlineData("me tienen secuestrada", "es")]
    public void DangerAsAFirstMessage_IsAnsweredAtOnce_InItsLanguage(string first, string language)
    {
        var chat = new Chat(Content).Send(first);
        Assert.Equal(language, chat.State!.Language);
        Assert.Contains(EventKind.EmergencyShown, chat.Events);
        AssertNumbersBeforeAnyQuestion(chat.Replies[0].Text, "emergency");
        Assert.Contains(language == "en" ? "danger" : "peligro", chat.Replies[0].Text, StringComparison.Ordinal);
    }

    // ------------------------------------------------------------------------------------------------ digits and lists

    [Theory]
    [InlineData("２")]   // full-width (Chinese keyboards)
    [InlineData("٢")]   // Arabic-Indic
    [InlineData("२")]   // Devanagari
    [InlineData("2️⃣")]
    [InlineData("𝟐")]
    public void AnyScriptsDigit_PicksThatOption(string two)
    {
        var chat = Chat.Started(Content).Send(two);
        Assert.Equal(Content.Nodes[Common.MenuNode].Choices[1].Target, chat.Node);
    }

    [Fact]
    public void EveryTurn_ShowsAtMostOneNumberedList()
    {
        var turns = new List<TurnResult>();
        foreach (var (message, language, _) in Danger.Select(r => ((string)r[0], (string)r[1], (string)r[2])))
        {
            turns.Add(Chat.Started(Content, language).Send(message).Last!);
            turns.Add(new Chat(Content).Send(message).Last!);
        }

        foreach (var node in Content.NodeList)
        {
            foreach (var choice in node.Choices)
            {
                turns.Add(Chat.At(Content, node.Id).TapKey(ContentNode.ChoiceKey(node.Id, choice.Id)).Last!);
            }
        }

        Assert.All(turns, t => Assert.True(t.Replies.Count(r => r.Choices.Count > 0) <= 1, string.Join("\n---\n", t.Replies.Select(r => r.Text))));
    }

    [Fact]
    public void AfterAnEmergencyAnswer_TheOnlyListIsTheOfferOfAPerson_SoOneMeansYes()
    {
        var chat = Chat.Started(Content).Send("me tienen encerrada");
        Assert.Empty(chat.Replies[0].Choices);
        var offer = Assert.Single(chat.Replies, r => r.Choices.Count > 0);
        Assert.Equal(ContentNode.ChoiceKey(Common.HandoffConsentNode, "yes"), offer.Choices[0].Key);

        chat.Send("1");

        var open = Assert.Single(chat.Last!.CaseActions.OfType<CaseAction.Open>());
        Assert.True(open.HighPriority);
    }

    [Fact]
    public void ANumber_AnswersConsentOnlyWhenTheConsentListIsTheLastOneShown()
    {
        // The user is at the consent question, but the last list on the screen is the main menu's: "1" is its first option.
        var chat = Chat.Started(Content).Send("humano");
        Assert.Equal(Common.HandoffConsentNode, chat.Node);
        var menu = Content.Nodes[Common.MenuNode];
        var state = chat.State! with { Shown = [.. menu.Choices.Select(c => ContentNode.ChoiceKey(menu.Id, c.Id))] };
        var result = DialogEngine.Step(Content, state, UserMessage.FromText("1"), chat.Clock.GetUtcNow(), Chat.Options);

        Assert.Empty(result.CaseActions);
        Assert.Equal(menu.Choices[0].Target, result.State!.NodeId);
    }

    [Theory]
    [InlineData("sí", true)]
    [InlineData("Si quiero", true)]
    [InlineData("claro", true)]
    [InlineData("yes", true)]
    [InlineData("no", false)]
    [InlineData("no quiero", false)]
    [InlineData("ahora no", false)]
    [InlineData("no sé si quiero", false)]
    public void TheConsentQuestion_AcceptsItsOwnWords_AndNeverReadsAYesInsideANo(string answer, bool opens)
    {
        var chat = Chat.Started(Content).Send("humano").Send(answer);
        Assert.Equal(opens, chat.Last!.CaseActions.OfType<CaseAction.Open>().Any());
    }

    // ------------------------------------------------------------------------------------------------ commands in sentences

    [Theory]
    [InlineData("no quiero borrar nada", "es", "confirm-delete")]
    [InlineData("quiero borrar todo lo que saben de mi", "es", "confirm-delete")]
    [InlineData("please delete my data", "en", "confirm-delete")]
    [InlineData("ya no me manden mensajes", "es", "confirm-stop")]
    [InlineData("stop sending me messages", "en", "confirm-stop")]
    public void DestructiveCommandsInsideASentence_AskFirst_AndNeverAct(string message, string language, string confirmation)
    {
        var chat = Chat.Started(Content, language).Send("1").Send(message);

        Assert.NotNull(chat.State);
        Assert.False(chat.State.Stopped);
        Assert.Equal(confirmation, chat.Node);
        Assert.DoesNotContain(EventKind.DeleteRequested, chat.Events);

        var topic = Content.Nodes[Common.MenuNode].Choices[0].Target;
        chat.Tap(language == "es" ? (confirmation == "confirm-delete" ? "No borrar" : "No, seguir") : (confirmation == "confirm-delete" ? "Do not delete" : "No, continue"));
        Assert.NotNull(chat.State);
        Assert.Equal(topic, chat.Node);
    }

    [Theory]
    [InlineData("sí")]
    [InlineData("1")]
    [InlineData("Sí, borrar todo")]
    public void TheDeleteConfirmation_DeletesOnAClearYes(string answer)
    {
        var chat = Chat.Started(Content).Send("no quiero borrar nada");
        Assert.Equal(Common.ConfirmDeleteNode, chat.Node);

        chat.Send(answer);

        Assert.Null(chat.State);
        Assert.Contains(EventKind.DeleteRequested, chat.Events);
    }

    [Theory]
    [InlineData("borar")]
    [InlineData("BORRAR")]
    [InlineData("delete")]
    public void DestructiveCommandsTypedAlone_ActAtOnce(string command)
    {
        Assert.Null(Chat.Started(Content).Send(command).State);
    }

    // ------------------------------------------------------------------------------------------------ when unsure, ask

    [Fact]
    public void WhenUnsure_TheLikelyDestinationsAreOffered_AndANumberPicksOne()
    {
        var chat = Chat.At(Content, "avr-menu");
        var clarify = Content.Nodes[Common.ClarifyNode];
        var offered = new[] { "avr-what", "regularisation-work-permit" };

        // The engine's own path: an unsure message offers candidates; here the candidates are placed directly.
        var state = chat.State! with { NodeId = clarify.Id, Candidates = [.. offered], Shown = [.. offered.Select(o => ContentNode.ChoiceKey(clarify.Id, o)), .. clarify.Choices.Select(c => ContentNode.ChoiceKey(clarify.Id, c.Id))] };
        var typed = DialogEngine.Step(Content, state, UserMessage.FromText("2"), chat.Clock.GetUtcNow(), Chat.Options);
        var tapped = DialogEngine.Step(Content, state, UserMessage.FromChoice(ContentNode.ChoiceKey(clarify.Id, "avr-what")), chat.Clock.GetUtcNow(), Chat.Options);
        var forged = DialogEngine.Step(Content, state, UserMessage.FromChoice(ContentNode.ChoiceKey(clarify.Id, Common.StartNode)), chat.Clock.GetUtcNow(), Chat.Options);

        Assert.Equal("regularisation-work-permit", typed.State!.NodeId);
        Assert.Equal("avr-what", tapped.State!.NodeId);
        Assert.Contains(forged.Events, e => e.Kind == EventKind.NotUnderstood); // a key naming a node the bot never offers
    }

    [Fact]
    public void AnUnsureMessage_GetsAClarifyingQuestion_CountedByNodeAndLanguage()
    {
        // Three topics (in three flows) that the examples cannot tell apart: the bot asks which, with buttons, and
        // records where (never what).
        using var temp = new TempContent();
        temp.Write("xa.yaml", Topic("xa", "rojo", "red"));
        temp.Write("xb.yaml", Topic("xb", "azul", "blue"));
        var content = temp.With("xc.yaml", Topic("xc", "verde", "green"));
        var chat = Chat.Started(content).Send("1");
        var at = chat.Node!;

        chat.Send("quiero ver el tema zeta");

        Assert.Equal(content.Common.ClarifyNode, chat.Node);
        var asked = Assert.Single(chat.Last!.Events, e => e.Kind == EventKind.ClarificationAsked);
        Assert.Equal(at, asked.NodeId);
        Assert.Equal("es", asked.Language);
        Assert.Equal(["xa-topic", "xb-topic", "xc-topic"], chat.State!.Candidates.Order(StringComparer.Ordinal));
        var reply = Assert.Single(chat.Replies);
        Assert.Equal(chat.State.Candidates.Select(c => ContentNode.ChoiceKey(content.Common.ClarifyNode, c)), reply.Choices.Take(3).Select(c => c.Key));
        Assert.Contains(reply.Choices, c => c.Label == "Tema rojo");
        Assert.DoesNotContain(ContentRenderer.Common(content, "not-understood", "es"), reply.Text, StringComparison.Ordinal);

        var first = chat.State.Candidates[0];
        chat.Send("1");
        Assert.Equal(first, chat.Node);
    }

    private static string Topic(string flow, string es, string en) => $$"""
        flow: {{flow}}
        topic: general
        nodes:
          - id: {{flow}}-topic
            kind: message
            title: { es: "Tema {{es}}", en: "{{en}} topic" }
            text: { es: "El tema {{es}}.", en: "The {{en}} topic." }
            examples:
              es: [quiero ver el tema zeta {{es}}, el tema zeta {{es}} por favor, informacion del tema zeta {{es}}]
              en: [show me the zeta {{en}} topic, the zeta {{en}} topic please, zeta {{en}} topic information]
            choices:
              - label: { es: "Menú principal", en: "Main menu" }
                goto: main-menu
        """;

    [Fact]
    public void SuicideAndSelfHarm_WarmNumbersFirst_ThenAPerson_HighPriority()
    {
        var chat = Chat.Started(Content).Send("ya no quiero vivir, me quiero morir");
        var text = chat.Replies[0].Text;

        Assert.StartsWith("Gracias por escribirme", text, StringComparison.Ordinal);
        AssertNumbersBeforeAnyQuestion(text, "emergency-suicide");
        Assert.Contains("Línea 147 del MIDES", text, StringComparison.Ordinal);
        Assert.Contains(chat.Replies[1].Choices, c => c.Key == ContentNode.ChoiceKey(Common.HandoffConsentNode, "yes"));
        Assert.EndsWith(ContentRenderer.Common(Content, "discreet-exit", "es"), chat.Replies[1].Text, StringComparison.Ordinal);

        chat.Tap("Sí, quiero");
        Assert.True(Assert.Single(chat.Last!.CaseActions.OfType<CaseAction.Open>()).HighPriority);
    }
}
