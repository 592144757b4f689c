using System.Text.Json;
using System.Text.RegularExpressions;
using OimBot.Analytics;
using OimBot.Bot.Dialogs;
using OimBot.Bot.Tests.TestHost;
using OimBot.Content;
using OimBot.Content.Matching;

namespace OimBot.Bot.Tests.Safety;

/// <summary>The safety rules of domain-facts.md §5.2 that the bot enforces, each checked on the shipped content.</summary>
public partial class SafetyRuleTests
{
    private static ContentSet Content => ShippedContent.Set;

    /// <summary>Every node as a user reads it, in every language.</summary>
    public static IEnumerable<(ContentNode Node, string Language, string Text)> Rendered() =>
        from node in Content.NodeList
        from language in Content.Languages
        select (node, language, ContentRenderer.Render(Content, node, language).Text);

    [Fact]
    public void ShippedContent_LoadsWithoutErrors()
    {
        var result = ShippedContent.Result;
        Assert.True(result.IsValid, string.Join('\n', result.Errors));
        Assert.Empty(result.Warnings.Select(w => w.ToString())); // every fact is within its review date on the test's day
    }

    // ---------------------------------------------------------------- R2: do not echo, and redact

    [Theory]
    [InlineData("mi pasaporte es 123456789 y vivo cerca del parque")]
    [InlineData("mi número es +507 6123-4567")]
    [InlineData("escríbeme a maria.perez@example.com")]
    [InlineData("estoy en 8.98245, -79.51973")]
    [InlineData("my passport is AB 1234567")]
    public void R2_IdentifyingDataIsNeverEchoedNorStored(string message)
    {
        var chat = Chat.Started(Content).Send("1").Send(message);

        // The warning goes on top of the answer, except above the emergency channels (numbers first, R11).
        if (!chat.Events.Contains(EventKind.EmergencyShown))
        {
            Assert.Contains(ContentRenderer.Common(Content, "personal-data", "es"), chat.Text, StringComparison.Ordinal);
        }

        Assert.Contains(EventKind.PersonalDataWithheld, chat.Events);
        var state = JsonSerializer.Serialize(chat.State);
        foreach (var piece in Identifying().Matches(message).Select(m => m.Value))
        {
            Assert.DoesNotContain(piece, chat.Text, StringComparison.Ordinal);
            Assert.DoesNotContain(piece, state, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void R2_NoReplyEverContainsWhatTheUserWrote()
    {
        var chat = Chat.Started(Content);
        foreach (var text in new[] { "zanahoria azul", "me llamo Xiomara Quintero", "vivo en Calle Quinta" })
        {
            chat.Send(text);
            Assert.DoesNotContain(text, chat.Text, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("Xiomara", chat.Text, StringComparison.Ordinal);
        }
    }

    // ---------------------------------------------------------------- R6: first-contact notice

    public static TheoryData<string, string[]> NoticeElements => new()
    {
        // automated IOM service; what is stored; platform metadata; how to delete; not an emergency service
        { "es", ["asistente automático de la OIM", "no tus mensajes", "WhatsApp o Telegram pueden ver", "BORRAR", "No es un servicio de emergencias", "104", "911"] },
        { "en", ["automated assistant of IOM", "not your messages", "WhatsApp or Telegram can see", "DELETE", "not an emergency service", "104", "911"] },
    };

    [Theory]
    [MemberData(nameof(NoticeElements))]
    public void R6_FirstReplyCarriesTheFiveElementsOfTheNotice(string language, string[] elements)
    {
        var chat = new Chat(Content).Send(language == "en" ? "hello" : "hola");
        foreach (var element in elements)
        {
            Assert.Contains(element, chat.Replies[0].Text, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("humano")]
    [InlineData("menu")]
    [InlineData("1")]
    [InlineData("atras")]
    public void R6_NoTopicContentBeforeTheNoticeIsConfirmed(string attempt)
    {
        var chat = new Chat(Content).Send("hola").Send(attempt);
        Assert.Equal(Content.Common.StartNode == chat.Node || chat.State!.Consented ? chat.Node : null, chat.Node);
        if (!chat.State!.Consented)
        {
            Assert.Equal(Content.Common.StartNode, chat.Node);
            Assert.DoesNotContain(EventKind.TopicEntered, chat.History.SelectMany(t => t.Events).Select(e => e.Kind));
            Assert.DoesNotContain(EventKind.HandoffRequested, chat.History.SelectMany(t => t.Events).Select(e => e.Kind));
        }
    }

    /// <summary>
    /// A topic's keyword as the first message gets the notice first (R6), the topic kept for after it. Written again under
    /// the notice in its language it answers the notice's question (2026-12-07), so the topic comes after the notice,
    /// never before it.
    /// </summary>
    [Fact]
    public void R6_TopicKeywordsBeforeConsent_ShowTheNoticeFirst()
    {
        var keyword = Content.NodeList.First(n => n.Kind != NodeKind.Emergency && n.Keywords.Count > 0 && Content.TopicOf(n) != "general");
        var chat = new Chat(Content).Send(keyword.Keywords["es"][0]);
        Assert.Equal(Content.Common.StartNode, chat.Node);
        Assert.False(chat.State!.Consented);
        Assert.DoesNotContain(EventKind.TopicEntered, chat.Events);

        chat.Send(keyword.Keywords["es"][0]);
        Assert.True(chat.State!.Consented);
        Assert.Equal(EventKind.ConsentGiven, chat.Events.First(e => e is EventKind.ConsentGiven or EventKind.TopicEntered));
    }

    /// <summary>
    /// Writing again under the notice already shown in that language (found in new users' tries: every question got the
    /// eight lines again), in words that are no topic (a greeting): one line on how to go on, with the emergency numbers and the
    /// languages; where the first message pointed is kept for after the choice (a topic written in the notice's language
    /// chooses it: DialogEngineTests). In another language the notice is shown whole.
    /// </summary>
    [Fact]
    public void R6_WritingAgainUnderTheNotice_GetsOneLineAndTheLanguages_ThenTheQuestionAfterTheChoice()
    {
        var chat = new Chat(Content).Send("quero voltar para o meu país");
        Assert.Equal("pt", chat.State!.Language);
        chat.Send("olá, bom dia, tudo bem?");
        Assert.Equal(Content.Common.StartNode, chat.Node);
        var again = Assert.Single(chat.Replies);
        Assert.StartsWith(ContentRenderer.Common(Content, "notice-again", "pt"), again.Text, StringComparison.Ordinal);
        Assert.Contains("104", again.Text, StringComparison.Ordinal);
        Assert.Contains("911", again.Text, StringComparison.Ordinal);
        Assert.Equal(ContentRenderer.Choices(Content.Nodes[Content.Common.StartNode], "pt").Select(c => c.Key), again.Choices.Select(c => c.Key));

        chat.Send("1");
        Assert.True(chat.State!.Consented);
        Assert.Equal("avr", Content.TopicOf(Content.Nodes[chat.Node!]));

        var other = new Chat(Content).Send("olá, bom dia, tudo bem?").Send("je veux rentrer chez moi");
        Assert.Equal("fr", other.State!.Language);
        Assert.Equal(ContentRenderer.Render(Content, Content.Nodes[Content.Common.StartNode], "fr").Text, other.Replies[0].Text);
    }

    /// <summary>
    /// A bare yes or no where no question was asked answers nothing: the notice, never danger ("non" got sexual violence),
    /// in the language of the answer when only one language says it so ("wi" had got the notice in English, "sim" in Spanish);
    /// a one-word greeting too.
    /// </summary>
    [Theory]
    [InlineData("non", "ht")]
    [InlineData("no", "es")]
    [InlineData("oui", "fr")]
    [InlineData("nope", "en")] // English only (the letters had said Spanish)
    [InlineData("wi", "ht")]
    [InlineData("Wi!", "ht")]
    [InlineData("sim", "pt")]
    [InlineData("是的", "zh")]
    [InlineData("yes", "en")]
    [InlineData("ok", "es")] // Spanish and English both: the source language
    [InlineData("oye", "es")] // one word of one language's own: "oye" and "epa" had got the notice in Creole
    [InlineData("epa", "es")]
    [InlineData("oi", "pt")]
    [InlineData("bonjou", "ht")]
    [InlineData("salut", "fr")]
    public void R6_AOneWordFirstMessage_GetsTheNoticeInItsLanguage_NotDanger(string message, string language)
    {
        var chat = new Chat(Content).Send(message);
        Assert.Equal(Content.Common.StartNode, chat.Node);
        Assert.Equal(language, chat.State!.Language);
        Assert.False(chat.State.DangerSignalled);
        Assert.DoesNotContain(EventKind.EmergencyShown, chat.Events);
    }

    // ---------------------------------------------------------------- R7: stop

    [Fact]
    public void R7_AfterStopTheBotSendsOnlyTheConfirmation()
    {
        var chat = Chat.Started(Content).Send("BAJA");
        Assert.Single(chat.Replies);
        Assert.True(chat.State!.Stopped);
        Assert.Contains(EventKind.Stopped, chat.Events);
    }

    // ---------------------------------------------------------------- R8: borrar

    public static TheoryData<string, string, string[]> DeleteReplies => new()
    {
        { "es", "borrar", ["borramos todo", "Eliminar chat", "mensajes temporales", "capturas de pantalla", "copias de seguridad", "vistas previas"] },
        { "en", "delete", ["we deleted everything", "Delete chat", "disappearing messages", "screenshots", "backups", "notification previews"] },
    };

    [Theory]
    [MemberData(nameof(DeleteReplies))]
    public void R8_DeleteErasesTheStateAndExplainsHowToClearThePhone(string language, string command, string[] elements)
    {
        var chat = Chat.Started(Content, language).Send("1").Send(command);
        Assert.Null(chat.State);
        Assert.Contains(EventKind.DeleteRequested, chat.Events);
        foreach (var element in elements)
        {
            Assert.Contains(element, chat.Text, StringComparison.Ordinal);
        }
    }

    // ---------------------------------------------------------------- R9, R10: sensitive flows

    [Fact]
    public void R9_EverySensitiveReplyEndsWithTheDiscreetExitBlock()
    {
        var sensitive = Rendered().Where(r => Content.IsSensitive(r.Node)).ToList();
        Assert.Contains(sensitive, r => r.Node.FlowId == "trafficking");
        Assert.Contains(sensitive, r => r.Node.Kind == NodeKind.Emergency);
        foreach (var (node, language, text) in sensitive)
        {
            Assert.True(text.EndsWith(ContentRenderer.Common(Content, "discreet-exit", language), StringComparison.Ordinal), $"{node.Id} ({language})");
        }
    }

    [Fact]
    public void R9_EngineRepliesInsideASensitiveFlowAlsoEndWithIt()
    {
        var chat = Chat.At(Content, "trafficking-menu").Send("zzzz qqqq");
        Assert.EndsWith(ContentRenderer.Common(Content, "discreet-exit", "es"), chat.Text, StringComparison.Ordinal);
    }

    private static readonly string[] PreviewWordsEs = ["trata", "trafico", "violencia", "violacion", "denuncia", "policia", "explotacion"];
    private static readonly string[] PreviewWordsEn = ["trafficking", "smuggling", "violence", "rape", "report", "police", "exploitation"];

    [Fact]
    public void R10_NoSensitiveReplyShowsASensitiveWordInItsPreview()
    {
        var notes = new[] { "not-understood", "help", "unsupported-media", "personal-data", "resumed", "language-changed", "session-expired", "turn-failed" };
        foreach (var (node, language, text) in Rendered().Where(r => Content.IsSensitive(r.Node)))
        {
            var words = language == "en" ? PreviewWordsEn : PreviewWordsEs;
            AssertNeutralPreview(text, words, $"{node.Id} ({language})");
            foreach (var note in notes)
            {
                // the engine may put a short note on top of a sensitive reply: the preview must stay neutral
                AssertNeutralPreview(ContentRenderer.Render(Content, node, language, ContentRenderer.Common(Content, note, language)).Text, words, $"{note} + {node.Id}");
            }
        }
    }

    private static void AssertNeutralPreview(string text, string[] words, string where)
    {
        var preview = TextNormalizer.Words(TextNormalizer.Normalize(text[..Math.Min(60, text.Length)]));
        foreach (var word in words)
        {
            Assert.False(preview.Any(p => p.StartsWith(word, StringComparison.Ordinal)), $"'{word}' in the preview of {where}: {text[..Math.Min(60, text.Length)]}");
        }
    }

    // ---------------------------------------------------------------- R11: emergency first

    public static TheoryData<string, string> EmergencyPhrases()
    {
        var data = new TheoryData<string, string>();
        foreach (var node in ShippedContent.Set.NodeList.Where(n => n.Kind == NodeKind.Emergency))
        {
            foreach (var phrase in node.Keywords.Values.SelectMany(k => k).Distinct(StringComparer.Ordinal))
            {
                data.Add(phrase, node.Id);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(EmergencyPhrases))]
    public void R11_DangerPhrasesGetTheEmergencyChannelsOnTheFirstTurn_BeforeAnyQuestion(string phrase, string node)
    {
        var chat = new Chat(Content).Send($"por favor {phrase} ahora");
        Assert.Equal(WithoutDiscreetExit(ContentRenderer.Render(Content, Content.Nodes[node], chat.State!.Language, sensitive: true, choices: []).Text, chat.State.Language), chat.Replies[0].Text);
        Dialogs.UnderstandingEngineTests.AssertNumbersBeforeAnyQuestion(chat.Replies[0].Text, node);
        Assert.Equal(Content.Common.HandoffConsentNode, chat.Node); // then, and only then, the offer of a person
    }

    /// <summary>
    /// A message the bot does not understand may be a danger it missed (an evaluation set's "not understood" rows are
    /// 1–4 %, a few of them dangers): the note that says so ends with the channels, in every language, from the main
    /// menu and from inside a sensitive page, whose preview stays neutral (R10).
    /// </summary>
    [Theory]
    [InlineData("es", "main-menu")]
    [InlineData("en", "main-menu")]
    [InlineData("fr", "main-menu")]
    [InlineData("ht", "main-menu")]
    [InlineData("pt", "main-menu")]
    [InlineData("zh", "main-menu")]
    [InlineData("es", "trafficking-menu")]
    [InlineData("es", "avr-q-panama")]
    public void R11_AMessageNotUnderstood_StillGetsTheChannels(string language, string node)
    {
        var chat = Chat.At(Content, node, language).Send("zzzz qqqq");
        var note = ContentRenderer.Common(Content, "not-understood", language);

        Assert.StartsWith(note, chat.Replies[0].Text, StringComparison.Ordinal);
        Assert.Contains("104", note, StringComparison.Ordinal);
        Assert.Contains("911", note, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("me tienen encerrada", "emergency-held")]
    [InlineData("ME TIENEN ENCERADA!!", "emergency-held")]
    [InlineData("estoy en peligro", "emergency")]
    [InlineData("help, I'm in danger", "emergency")]
    [InlineData("I'm in danger", "emergency")]
    [InlineData("me violaron", "emergency-sexual-violence")]
    [InlineData("I was raped", "emergency-sexual-violence")]
    [InlineData("quiero suicidarme", "emergency-suicide")]
    public void R11_GoldenConversations_FromAnywhere(string phrase, string node)
    {
        var fresh = new Chat(Content).Send(phrase);
        var midQuestion = Chat.At(Content, Content.NodeList.First(n => n.Kind == NodeKind.Question).Id).Send(phrase);
        foreach (var chat in new[] { fresh, midQuestion })
        {
            Assert.Equal(2, chat.Replies.Count);
            Assert.Equal(WithoutDiscreetExit(ContentRenderer.Render(Content, Content.Nodes[node], chat.State!.Language, sensitive: true, choices: []).Text, chat.State.Language), chat.Replies[0].Text);
            Dialogs.UnderstandingEngineTests.AssertNumbersBeforeAnyQuestion(chat.Replies[0].Text, node);
            if (node == "emergency-sexual-violence")
            {
                Assert.Contains("72", chat.Replies[0].Text, StringComparison.Ordinal);
            }

            Assert.Contains(EventKind.EmergencyShown, chat.Events);
            Assert.Equal(Content.Common.HandoffConsentNode, chat.Node);
            Assert.EndsWith(ContentRenderer.Common(Content, "discreet-exit", chat.State.Language), chat.Replies[1].Text, StringComparison.Ordinal);
            Assert.DoesNotContain(ContentRenderer.Common(Content, "discreet-exit", chat.State.Language), chat.Replies[0].Text, StringComparison.Ordinal); // once a turn, last
        }
    }

    /// <summary>A turn's messages carry the discreet-exit block (R9) once, at the end of the last one.</summary>
    private static string WithoutDiscreetExit(string text, string language)
    {
        var block = "\n\n" + ContentRenderer.Common(Content, "discreet-exit", language);
        Assert.EndsWith(block, text, StringComparison.Ordinal);
        return text[..^block.Length];
    }

    // ---------------------------------------------------------------- R12: no determinations, no promises

    [GeneratedRegex(@"calificas|eres elegible|eres v[ií]ctima de trata|te van a dar|cumples (con )?los requisitos|you qualify|you are eligible|you are a (trafficking )?victim|you will get (a|the|your) (permit|visa|status)", RegexOptions.IgnoreCase)]
    private static partial Regex Promise();

    [Fact]
    public void R12_NoReplyPromisesOrDecides()
    {
        foreach (var (node, language, text) in Rendered())
        {
            Assert.False(Promise().IsMatch(text), $"{node.Id} ({language}): {Promise().Match(text).Value}");
        }

        foreach (var (id, text) in Content.Common.Texts)
        {
            Assert.All(Content.Languages, l => Assert.False(Promise().IsMatch(text[l]), id));
        }
    }

    // ---------------------------------------------------------------- R14: numbers and URLs only from the registry

    [GeneratedRegex(@"\d[\d,.]*\d|\d")]
    private static partial Regex Numbers();

    // Links are ASCII: in Chinese a link is followed by full-width punctuation without a space.
    [GeneratedRegex(@"https?://[!-~]+|www\.[!-~]+|[\w-]+\.(org|com|net|int|gob|pa)\b|[!-~]+@[!-~]+")]
    private static partial Regex Links();

    [GeneratedRegex(@"(\+?\d[\s.\-]?){6,}|[\w.+-]+@[\w-]+\.[\w.-]+")]
    private static partial Regex Identifying();

    [Fact]
    public void R14_EveryNumberAndLinkInAReplyComesFromTheRegistry()
    {
        var registry = string.Join("\n", Content.Facts.ById.Values.SelectMany(f => Content.Languages.Select(l => f.Say(l) + " " + ContentRenderer.Status(Content, f, l))))
            + string.Join("\n", Content.Facts.ById.Values.Select(f => $"{f.Source.Name} {f.Source.Date}"));
        foreach (var (node, language, text) in Rendered())
        {
            foreach (var number in Numbers().Matches(text).Select(m => m.Value.TrimEnd('.', ',')).Where(n => n.Length >= 2))
            {
                Assert.True(registry.Contains(number, StringComparison.Ordinal), $"{node.Id} ({language}) says '{number}', which is not in seeds/facts.yaml");
            }

            foreach (var link in Links().Matches(text).Select(m => m.Value.TrimEnd('.', ',', ')', ':', ';')))
            {
                Assert.True(registry.Contains(link, StringComparison.Ordinal), $"{node.Id} ({language}) links '{link}', which is not in seeds/facts.yaml");
            }
        }
    }

    [Fact]
    public void R14_EveryFactHasASourceAndAVerifiedOnDate()
    {
        foreach (var fact in Content.Facts.ById.Values)
        {
            Assert.False(string.IsNullOrWhiteSpace(fact.Source.Name), fact.Id);
            Assert.True(fact.Source.Url is not null || fact.Source.Seed is not null, fact.Id);
            Assert.True(fact.VerifiedOn > new DateOnly(2020, 1, 1), fact.Id);
        }

        Assert.Equal("104", Content.Facts.Find("police-104")!.Value);
        Assert.Equal("911", Content.Facts.Find("medical-911")!.Value);
    }

    // ---------------------------------------------------------------- R15: closed programmes are never open

    [Fact]
    public void R15_EveryMentionOfAClosedProgrammeCarriesItsStatusAndTheAdviceToConfirm()
    {
        var closed = Content.Facts.ById.Values.Where(f => f.IsNoLongerOpen).ToList();
        Assert.Contains(closed, f => f.Id == "ptp-2023");
        Assert.Contains(closed, f => f.Id == "cbp-one");
        var mentions = 0;
        foreach (var (node, language, text) in Rendered())
        {
            foreach (var fact in closed.Where(f => text.Contains(f.Say(language), StringComparison.Ordinal)))
            {
                mentions++;
                Assert.Contains(fact.Say(language) + " " + ContentRenderer.Status(Content, fact, language), text, StringComparison.Ordinal);
                Assert.Contains(ContentRenderer.Common(Content, "confirm-official", language), text, StringComparison.Ordinal);
            }
        }

        Assert.True(mentions >= 4, $"closed programmes are mentioned {mentions} times");
    }

    [Theory]
    [InlineData("¿cómo pido cita en CBP One?", "es", "20 de enero de 2025")]
    [InlineData("how do I get a CBP One appointment", "en", "20 January 2025")]
    [InlineData("quiero el PTP", "es", "19 de julio de 2024")]
    public void R15_AskingForAClosedProgramme_AnswersThatItEnded(string question, string language, string date)
    {
        var chat = Chat.Started(Content, language).Send(question);
        Assert.Contains(date, chat.Text, StringComparison.Ordinal);
        Assert.Contains(language == "es" ? "cerrado" : "closed", chat.Text, StringComparison.Ordinal);
    }

    // ---------------------------------------------------------------- R16: AVR framing

    [Fact]
    public void R16_EveryAvrAnswerSaysVoluntaryFreeWithdrawAnyTimeNotDeportation()
    {
        var elements = new Dictionary<string, string[]>
        {
            ["es"] = ["voluntario", "gratuito", "retirarte en cualquier etapa", "no es deportación"],
            ["en"] = ["voluntary", "free", "withdraw at any stage", "not deportation"],
            ["fr"] = ["volontaire", "gratuit", "renoncer à tout moment", "pas une expulsion"],
            ["ht"] = ["volontè", "gratis", "kite pwosesis la nan nenpòt etap", "pa depòtasyon"],
            ["pt"] = ["voluntário", "gratuito", "desistir em qualquer etapa", "não é deportação"],
            ["zh"] = ["自愿", "免费", "在任何阶段退出", "不是驱逐出境"],
        };
        Assert.Equal(Content.Languages.Order(StringComparer.Ordinal), elements.Keys.Order(StringComparer.Ordinal));
        var answers = Rendered().Where(r => r.Node.FlowId == "avr" && r.Node.Kind != NodeKind.Question).ToList();
        Assert.NotEmpty(answers);
        foreach (var (node, language, text) in answers)
        {
            // Issue 12: someone afraid to go back reads about protection, not a reminder about returning.
            var reminder = ContentRenderer.Common(Content, "avr-principles", language);
            if (node.Id == "avr-fear")
            {
                Assert.DoesNotContain(reminder, text, StringComparison.Ordinal);
                continue;
            }

            Assert.All(elements[language], e => Assert.Contains(e, text, StringComparison.Ordinal));
        }
    }

    [Theory]
    [InlineData("tengo miedo de volver", "es")]
    [InlineData("me matan si vuelvo", "es")]
    [InlineData("I am afraid to go back", "en")]
    public void R16_FearOfReturnLeadsToRefugeeInformation_NotToAvr(string message, string language)
    {
        var chat = Chat.Started(Content, language).Send("1").Send(message);
        Assert.Contains("ONPAR", chat.Text, StringComparison.Ordinal);
        Assert.NotEqual("avr-handoff", chat.Node);
    }

    [Fact]
    public void R16_AThreatToLife_GetsTheEmergencyAnswerFirst_WithOneTapToRefugeeInformation()
    {
        var chat = Chat.Started(Content).Send("1").Send("me van a matar si vuelvo");
        Assert.Contains("911", chat.Replies[0].Text, StringComparison.Ordinal);
        chat.Tap("Miedo de volver");
        Assert.Equal("avr-fear", chat.Node);
        Assert.Contains("ONPAR", chat.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void R16_AnsweringYesToFearInThePrescreening_LeadsToRefugeeInformation()
    {
        var fear = Content.NodeList.Single(n => n.Kind == NodeKind.Question && n.Choices.Any(c => c.Id == "yes" && c.Target == "avr-fear"));
        var chat = Chat.At(Content, fear.Id).TapKey(ContentNode.ChoiceKey(fear.Id, "yes"));
        Assert.Equal("avr-fear", chat.Node);
        Assert.Contains("ONPAR", chat.Text, StringComparison.Ordinal);
    }

    // ---------------------------------------------------------------- R18: scam warning

    private static readonly Dictionary<string, string> NobodyCanSell = new(StringComparer.Ordinal)
    {
        ["es"] = "Nadie puede venderte",
        ["en"] = "Nobody can sell you",
        ["fr"] = "Personne ne peut vous vendre",
        ["ht"] = "Pesonn pa ka vann ou",
        ["pt"] = "Ninguém pode vender a você",
        ["zh"] = "没有人可以向你出售",
    };

    [Fact]
    public void R18_AnswersAboutPermitsAndReturnSayNobodyCanSellThem()
    {
        var answers = Rendered().Where(r => r.Node.FlowId is "avr" or "regularisation" && r.Node.Kind != NodeKind.Question).ToList();
        Assert.NotEmpty(answers);
        foreach (var (node, language, text) in answers)
        {
            Assert.Contains(NobodyCanSell[language], text, StringComparison.Ordinal);
        }
    }

    // ---------------------------------------------------------------- R13: a person is always offered in sensitive flows

    [Fact]
    public void R13_TraffickingNodesOfferAPerson_AndEmergencyAnswersAreFollowedByTheOffer()
    {
        foreach (var node in Content.NodeList.Where(n => n.FlowId is "trafficking"))
        {
            Assert.Contains(node.Choices, c => c.Target == Content.Common.HandoffNode || Content.Find(c.Target)?.Kind == NodeKind.Handoff);
        }

        foreach (var node in Content.NodeList.Where(n => n.Kind == NodeKind.Emergency))
        {
            var chat = Chat.Started(Content).Send(node.Keywords["es"][0]);
            Assert.Contains(chat.Replies[1].Choices, c => c.Key == ContentNode.ChoiceKey(Content.Common.HandoffConsentNode, "yes"));
            chat.Send("1");
            Assert.True(Assert.Single(chat.Last!.CaseActions.OfType<CaseAction.Open>()).HighPriority, node.Id);
        }
    }

    // ---------------------------------------------------------------- R1: never ask for identifying data

    [GeneratedRegex(@"\b(tu|su|your)\s+(nombre|pasaporte|c[ée]dula|direcci[oó]n|ubicaci[oó]n|n[uú]mero de (documento|tel[eé]fono)|name|passport number|address|location|phone number)\b\s*\?", RegexOptions.IgnoreCase)]
    private static partial Regex AsksForIdentity();

    [Fact]
    public void R1_NoQuestionAsksForIdentifyingData()
    {
        foreach (var (node, language, text) in Rendered())
        {
            Assert.False(AsksForIdentity().IsMatch(text), $"{node.Id} ({language}): {AsksForIdentity().Match(text).Value}");
        }
    }
}
