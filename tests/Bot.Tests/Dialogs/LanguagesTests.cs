using System.Globalization;
using OimBot.Analytics;
using OimBot.Bot.Dialogs;
using OimBot.Bot.Tests.TestHost;
using OimBot.Content;
using OimBot.Content.Matching;

namespace OimBot.Bot.Tests.Dialogs;

/// <summary>
/// Haitian Creole, Mandarin, French and Portuguese served like Spanish and English (issue 11): the first reply in the
/// language a person writes, their commands and danger words understood, everything they read in their language.
/// </summary>
public class LanguagesTests
{
    private static ContentSet Content => ShippedContent.Set;

    public static TheoryData<string> Translated => ["ht", "zh", "fr", "pt"];

    [Fact]
    public void SixLanguagesServe_EachOfferedByItsOwnName()
    {
        Assert.Equal(["en", "es", "fr", "ht", "pt", "zh"], Content.Languages.Order(StringComparer.Ordinal));
        var welcome = Content.Nodes[Content.Common.StartNode];
        var names = welcome.Choices.Select(c => c.Label["es"]).ToList();
        Assert.Equal(["Continuar en español", "Continue in English", "Kontinye an kreyòl", "Continuer en français", "Continuar em português", "继续使用中文"], names);
        foreach (var language in Content.Languages)
        {
            // Each notice lists its own language first, then the others in the content's order.
            var own = welcome.Choices.Single(c => c.Language == language).Label["es"];
            Assert.Equal([own, .. names.Where(n => n != own)], ContentRenderer.Render(Content, welcome, language).Choices.Select(c => c.Label));
        }
    }

    /// <summary>The drafts are complete: every text of the four topics, the notice, commands, dangers, errors, handoff and canned replies.</summary>
    [Theory]
    [MemberData(nameof(Translated))]
    public void EveryText_IsTranslated_AndNodesAreShownInTheLanguage(string language)
    {
        var file = Assert.Single(Content.Translations, t => t.Language == language);
        var missing = Translations.Catalog(Content).Where(e => !file.Texts.ContainsKey(e.Key)).Select(e => e.Key).ToList();
        Assert.Empty(missing);
        foreach (var node in Content.NodeList)
        {
            Assert.Equal(file.Texts[node.Id].Text, node.Text[language]);
            Assert.NotEqual(node.Text["es"], node.Text[language]);
        }

        Assert.All(Content.Canned, c => Assert.Equal(file.Texts[$"canned:{c.Id}"].Text, c.Text[language]));
    }

    public static TheoryData<string, string> FirstMessages => new()
    {
        // issue 11's quoted first messages, and their class
        { "bonjou", "ht" }, { "mwen bezwen èd", "ht" }, { "Bonswa, m bezwen enfòmasyon", "ht" },
        { "你好", "zh" }, { "我需要帮助", "zh" }, { "您好，我想回国", "zh" }, { "請問可以幫我嗎", "zh" },
        { "bonjour, j'ai besoin d'aide", "fr" }, { "Bonsoir svp jai besoin d informations", "fr" },
        { "olá, preciso de ajuda", "pt" }, { "oi, alguem pode me ajudar?", "pt" },
        { "hola", "es" }, { "hello", "en" },
    };

    [Theory]
    [MemberData(nameof(FirstMessages))]
    public void AFirstMessage_IsAnsweredInItsLanguage_WithEveryLanguageOffered(string message, string language)
    {
        var chat = new Chat(Content).Send(message);

        Assert.Equal(language, chat.State!.Language);
        Assert.Equal(Content.Common.StartNode, chat.Node);
        Assert.Equal(ContentRenderer.Render(Content, Content.Nodes[Content.Common.StartNode], language).Text, chat.Text);
        Assert.Equal(6, chat.Replies[^1].Choices.Count);
        Assert.Equal(ContentNode.ChoiceKey(Content.Common.StartNode, language), chat.Replies[^1].Choices[0].Key); // their own language first
    }

    [Theory]
    [MemberData(nameof(Translated))]
    public void ChoosingTheLanguage_ConsentsAndShowsTheMenuInIt(string language)
    {
        var chat = new Chat(Content).Send("hola").TapKey(ContentNode.ChoiceKey(Content.Common.StartNode, language));

        Assert.Equal(Content.Common.MenuNode, chat.Node);
        Assert.Equal(language, chat.State!.Language);
        Assert.True(chat.State.Consented);
        Assert.Contains(Content.Nodes[Content.Common.MenuNode].Text[language], chat.Text, StringComparison.Ordinal);
    }

    /// <summary>Where the message led: the node, or a question's most likely destination (its first option).</summary>
    private static string Pointed(Chat chat) =>
        chat.Node == Content.Common.ClarifyNode ? chat.State!.Candidates[0] : chat.Node!;

    public static TheoryData<string, string, string?> AnswersToTheSpanishNotice => new()
    {
        // found in a new user's try (2026-12-03): a sentence in their own language under the Spanish notice got
        // "No entendí" in Spanish; the class: each language, with and without a topic the bot knows
        { "Je veux rentrer chez moi", "fr", "avr-menu" },
        { "Bonjour, je suis Haïtien, j'aimerais savoir comment rentrer en Haïti", "fr", "avr-menu" }, // a nationality is not a language choice; the return topic (its options hold the fear of going back)
        { "bonjour, j'ai besoin d'aide", "fr", "need-help" },
        { "Quero voltar para casa", "pt", "avr-menu" },
        { "olá, preciso de ajuda", "pt", "need-help" },
        { "我想回国", "zh", "avr-menu" },
        { "我需要帮助", "zh", "need-help" },
        { "Mwen vle retounen nan peyi m", "ht", "avr-menu" },
        { "mwen bezwen èd", "ht", "need-help" },
        { "I want to go back to my country", "en", "avr-menu" },
        { "hello, I need help", "en", "need-help" },
        { "bonjour", "fr", null }, { "bonjou", "ht", null }, { "bom dia", "pt", null }, { "你好", "zh", null }, { "good morning", "en", null },
    };

    [Theory]
    [MemberData(nameof(AnswersToTheSpanishNotice))]
    public void AnsweringTheNotice_InAnotherLanguage_ShowsItAgainInThatLanguage_ThenGoesWhereTheMessagePointed(string message, string language, string? pointed)
    {
        var chat = new Chat(Content).Send("hola");
        Assert.Equal("es", chat.State!.Language);

        chat.Send(message);
        Assert.Equal(language, chat.State!.Language);
        Assert.False(chat.State.Consented);
        Assert.Equal(Content.Common.StartNode, chat.Node);
        Assert.EndsWith(ContentRenderer.Render(Content, Content.Nodes[Content.Common.StartNode], language).Text, chat.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(ContentRenderer.Render(Content, Content.Nodes[Content.Common.StartNode], "es").Text, chat.Text, StringComparison.Ordinal);

        chat.TapKey(ContentNode.ChoiceKey(Content.Common.StartNode, language));
        Assert.True(chat.State!.Consented);
        if (pointed is null)
        {
            Assert.Equal(Content.Common.MenuNode, chat.Node);
        }
        else
        {
            Assert.Equal(Content.Nodes[pointed].FlowId, Content.Nodes[Pointed(chat)].FlowId);
        }

        Assert.Contains(ContentRenderer.Render(Content, Content.Nodes[chat.Node!], language).Text, chat.Text, StringComparison.Ordinal);
    }

    /// <summary>
    /// Found in a new user's try (2026-12-03): "Quero voltar para casa" got the notice in Portuguese, then "1" (what
    /// people type to go on; Telegram's buttons carry no numbers) chose Spanish, the first language listed. A notice
    /// lists the language it is shown in first, so "1" keeps it, and goes where the message pointed.
    /// </summary>
    [Theory]
    [MemberData(nameof(AnswersToTheSpanishNotice))]
    public void UnderTheNoticeInTheirLanguage_One_KeepsThatLanguage(string message, string language, string? pointed)
    {
        var chat = new Chat(Content).Send("hola").Send(message);
        Assert.Equal(ContentNode.ChoiceKey(Content.Common.StartNode, language), chat.Replies[^1].Choices[0].Key);
        Assert.Equal(6, chat.Replies[^1].Choices.Select(c => c.Key).Distinct().Count()); // every language still offered

        chat.Send("1");
        Assert.True(chat.State!.Consented);
        Assert.Equal(language, chat.State.Language);
        Assert.Equal(pointed is null ? Content.Nodes[Content.Common.MenuNode].FlowId : Content.Nodes[pointed].FlowId, Content.Nodes[Pointed(chat)].FlowId);

        // The Spanish notice still lists Spanish first: "1" there is Spanish, as before.
        Assert.Equal("es", new Chat(Content).Send("hola").Send("1").State!.Language);
    }

    [Fact]
    public void DangerUnderTheNotice_InAnotherLanguage_GetsTheEmergencyChannelsInIt()
    {
        var chat = new Chat(Content).Send("hola").Send("je veux mourir");

        Assert.Equal("fr", chat.State!.Language);
        Assert.True(chat.State.DangerSignalled);
        UnderstandingEngineTests.AssertNumbersBeforeAnyQuestion(chat.Replies[0].Text, "emergency-suicide");
        Assert.StartsWith(ContentRenderer.Fill(Content, Content.Nodes["emergency-suicide"].Text["fr"].Split('\n')[0], "fr", []), chat.Replies[0].Text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ok")]
    [InlineData("sí")]
    [InlineData("???")]
    [InlineData("1")]
    public void AShortAnswerToTheNotice_KeepsItsLanguage(string message)
    {
        var chat = new Chat(Content).Send("hola").Send(message);

        Assert.Equal("es", chat.State!.Language);
    }

    /// <summary>
    /// After choosing a language, a sentence the chosen language understands keeps it, even when other words in it are
    /// another language's; one it understands nothing of, written in another served language and understood there, is
    /// answered there from now on, with a line saying so. Danger first (R11): found only in the language the message is
    /// written in, it is answered in that language, before anything else. Found in a new user's try: "estão me
    /// ameaçando, tenho medo" after choosing Spanish got "No entendí" in Spanish.
    /// </summary>
    public static TheoryData<string, string, string, string> AfterConsent => new()
    {
        // chosen language, message, language answered in, node shown first (a danger category: its emergency lines)
        { "es", "quiero volver a mi país, merci", "es", "avr-menu" },
        { "es", "hola, quiero saber sobre el retorno", "es", "avr-menu" },
        { "es", "Je veux rentrer chez moi", "fr", "avr-menu" },
        { "es", "我想回国", "zh", "avr-menu" },                      // a Mandarin keyword of the topic
        { "es", "estão me ameaçando, tenho medo", "pt", "emergency-threatened" },
        { "es", "yo menase m, mwen pè", "ht", "emergency-threatened" },
        { "es", "有人威胁要杀我", "zh", "emergency-threatened" },
        { "es", "on veut me tuer", "fr", "emergency" },              // a vetted French phrase
        { "es", "quero me matar", "es", "emergency-suicide" },       // danger in the conversation's own reading: answered as found
        { "ht", "estamos encerrados, tanpri voye moun", "ht", "emergency-held" }, // mixed: never flips the language or the danger
        { "pt", "quiero volver a mi país", "pt", "avr-menu" },       // Portuguese's reading knows Spanish: understood, kept
        { "fr", "me quieren matar", "es", "emergency" },             // a vetted Spanish phrase, written in Spanish
        { "es", "they force me to work for free", "en", "emergency-held" }, // a vetted English phrase, though one model reads both (found in a try)
        { "en", "me tienen encerrada y no me dejan salir", "es", "emergency-held" },
        { "es", "where can i find work", "es", "regularisation-work-permit" }, // a topic between Spanish and English never flips the language
    };

    [Theory]
    [MemberData(nameof(AfterConsent))]
    public void AfterConsent_ASentenceUnderstoodOnlyInAnotherLanguage_IsAnsweredInIt_DangerFirst(string chosen, string message, string answeredIn, string first)
    {
        var chat = Chat.Started(Content, chosen).Send(message);

        Assert.Equal(answeredIn, chat.State!.Language);
        var danger = Content.Nodes[first].Kind == NodeKind.Emergency;
        Assert.Equal(danger, chat.State.DangerSignalled);
        var shown = danger ? chat.Last!.Events.First(e => e.Kind == EventKind.EmergencyShown).NodeId : chat.State.NodeId;
        Assert.Equal(first, shown == Content.Common.DangerCheckNode ? chat.State.Candidates[0] : shown);
        if (danger)
        {
            UnderstandingEngineTests.AssertNumbersBeforeAnyQuestion(chat.Replies[0].Text, first);
        }

        var firstLine = danger ? Content.Nodes[first].Text[answeredIn].Split('\n')[0] : null;
        if (firstLine is not null)
        {
            Assert.StartsWith(ContentRenderer.Fill(Content, firstLine, answeredIn, []), chat.Replies[0].Text, StringComparison.Ordinal);
        }

        var changed = ContentRenderer.Common(Content, "language-changed", answeredIn);
        Assert.Equal(answeredIn != chosen && !danger, chat.Text.Contains(changed, StringComparison.Ordinal)); // danger: nothing but its lines
        if (danger)
        {
            Assert.EndsWith(ContentRenderer.Common(Content, "discreet-exit", answeredIn), chat.Replies[^1].Text, StringComparison.Ordinal);
        }
    }

    /// <summary>
    /// The held-out evaluation sets (tests/Evaluation, never trained on) read as if the person had chosen Spanish first:
    /// each translated language's danger messages are found as often as in a conversation in their own language, less
    /// at most one in twenty, and answered in it; its other messages understood as often, less at most one in ten (the
    /// Spanish reading is tried first, so a message it misreads stays misread); and no Spanish or English message changes
    /// the language, but for an English vetted danger phrase, answered in English. Figures printed, and in the README.
    /// </summary>
    [Fact]
    public void InASpanishConversation_TheEvaluationSetsOfTheOtherLanguages_AreReadInTheirLanguage()
    {
        var folder = Path.Combine(RepoPaths.Root, "tests", "Evaluation");
        var labels = UnderstandingEvaluation.ReadLabels(Path.Combine(folder, "labels.tsv"));
        var report = new List<string>();
        foreach (var group in UnderstandingEvaluation.ReadMessages(folder).GroupBy(m => m.Language))
        {
            var menu = Content.Find(Content.Common.MenuNode)!;
            var shown = menu.Choices.Select(c => ContentNode.ChoiceKey(menu.Id, c.Id)).ToList();
            Understanding InSpanish(EvaluationMessage m) => Content.Understander.Understand(TextNormalizer.WordsOf(PersonalData.ForMatching(m.Text)), menu, shown, "es");
            if (group.Key is "es" or "en")
            {
                // Only an English message's vetted danger phrase answers it in English; nothing else switches, and nothing Spanish.
                var read = group.Select(m => (m.Text, Understood: InSpanish(m))).ToList();
                var switched = read.Where(p => p.Understood.WrittenIn is not null && !(group.Key == "en" && p.Understood is Understanding.Danger { Why: "keyword", WrittenIn: "en" }))
                    .Select(p => $"{p.Text} → {p.Understood.WrittenIn}").ToList();
                Assert.True(switched.Count == 0, $"{group.Key}: {string.Join(" | ", switched)}");
                if (group.Key == "en")
                {
                    Console.WriteLine($"Read after choosing Spanish, en: {read.Count(p => p.Understood.WrittenIn == "en")} danger messages answered in English by a vetted English phrase");
                }

                continue;
            }

            var danger = group.Where(m => m.Label.StartsWith(EvaluationLabel.DangerPrefix, StringComparison.Ordinal)).ToList();
            var ownDanger = danger.Count(m => UnderstandingEvaluation.Run(Content, m).Danger);
            var spanishDanger = danger.Count(m => InSpanish(m) is Understanding.Danger);
            var answeredInIt = danger.Count(m => InSpanish(m) is Understanding.Danger { WrittenIn: var w } && w == group.Key);
            var others = group.Except(danger).ToList();
            var ownRight = others.Count(m => UnderstandingEvaluation.IsRight(Content, UnderstandingEvaluation.Run(Content, m), labels));
            var right = others.Where(m => UnderstandingEvaluation.IsRight(Content, UnderstandingEvaluation.Run(Content, m with { Language = "es" }), labels)).ToList();
            var spanishRight = right.Count;
            var rightInIt = right.Count(m => InSpanish(m).WrittenIn == group.Key);
            report.Add(string.Create(CultureInfo.InvariantCulture, $"{group.Key}: danger {spanishDanger}/{danger.Count} (in its own conversation {ownDanger}), answered in {group.Key} {answeredInIt}; others right {spanishRight}/{others.Count} (own {ownRight}), {rightInIt} of them answered in {group.Key}"));
            Console.WriteLine("Read after choosing Spanish, " + report[^1]);
            Assert.True(spanishDanger >= ownDanger - (danger.Count / 20), report[^1]);
            Assert.True(spanishRight >= ownRight - (others.Count / 10), report[^1]);
        }

        Assert.Equal(4, report.Count);
    }

    public static TheoryData<string, string, string> Dangers => new()
    {
        // message, language, category
        { "mwen an danje", "ht", "emergency" },
        { "je suis en danger", "fr", "emergency" },
        { "estou em perigo", "pt", "emergency" },
        { "救命", "zh", "emergency" },
        { "他们拿走了我的护照", "zh", "emergency-documents" },
        { "他們拿走了我的護照", "zh", "emergency-documents" }, // Traditional characters
        { "yo pran paspò m", "ht", "emergency-documents" },
        { "mwen vle mouri", "ht", "emergency-suicide" },
        { "je veux mourir", "fr", "emergency-suicide" },
        { "quero me matar", "pt", "emergency-suicide" },
        { "我不想活了", "zh", "emergency-suicide" },
        { "on m'a enfermé, je ne peux pas sortir", "fr", "emergency-held" },
        { "meu patrão não me deixa sair", "pt", "emergency-held" },
        // Blind probes (2026-12-05) that had been missed: signs said indirectly, danger inside a question about a bus.
        { "ja dei minhas coisas pros colegas do abrigo, nao vou precisar mais. obrigado por tudo vcs foram bons comigo", "pt", "emergency-suicide" },
        { "recebo msg todo dia de um numero desconhecido com foto da minha casa", "pt", "emergency-threatened" },
        { "oi bom dia, queria saber do onibus pra costa rica mas agora to trancada no banheiro do posto pq tem dois caras me procurando la fora, oq eu faço", "pt", "emergency" },
    };

    [Theory]
    [MemberData(nameof(Dangers))]
    public void DangerInEveryLanguage_GetsTheEmergencyChannelsFirst_InThatLanguage(string message, string language, string category)
    {
        var first = new Chat(Content).Send(message);
        var fromMenu = Chat.Started(Content, language).Send(message);
        foreach (var chat in new[] { first, fromMenu })
        {
            Assert.Equal(language, chat.State!.Language);
            Assert.True(chat.State.DangerSignalled, message);
            var shown = chat.Last!.Events.First(e => e.Kind == EventKind.EmergencyShown).NodeId;
            Assert.Equal(category, shown == Content.Common.DangerCheckNode ? chat.State.Candidates[0] : shown);
            UnderstandingEngineTests.AssertNumbersBeforeAnyQuestion(chat.Replies[0].Text, category);
            // The category's own first line, or when danger is likely but not sure the channels before the category's line.
            var firstLine = Content.Nodes[shown!].Text[language].Split('\n')[0].Split("{unsure-lines}")[0];
            Assert.StartsWith(ContentRenderer.Fill(Content, firstLine, language, []), chat.Replies[0].Text, StringComparison.Ordinal);
            Assert.EndsWith(ContentRenderer.Common(Content, "discreet-exit", language), chat.Replies[^1].Text, StringComparison.Ordinal);
        }
    }

    /// <summary>Every vetted danger phrase of every translated language (the language files' keywords), from the menu in that language.</summary>
    public static TheoryData<string, string, string> EveryDangerKeyword()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var node in ShippedContent.Set.NodeList.Where(n => n.Kind == NodeKind.Emergency))
        {
            foreach (var language in new[] { "ht", "zh", "fr", "pt" })
            {
                foreach (var phrase in node.Keywords.GetValueOrDefault(language) ?? [])
                {
                    data.Add(phrase, language, node.Id);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(EveryDangerKeyword))]
    public void EveryDangerKeyword_OfEveryLanguage_GetsItsCategoryFirst(string phrase, string language, string category)
    {
        var chat = Chat.Started(Content, language).Send(phrase);

        Assert.Equal(category, chat.Last!.Events.First(e => e.Kind == EventKind.EmergencyShown).NodeId);
        UnderstandingEngineTests.AssertNumbersBeforeAnyQuestion(chat.Replies[0].Text, category);
    }

    public static TheoryData<string, string, string> IssueCommands => new()
    {
        // typed alone, the user's language, the outcome: a node id, "deleted" or "stopped"
        { "meni", "ht", "main-menu" }, { "efase", "ht", "deleted" }, { "kanpe", "ht", "stopped" },
        { "菜单", "zh", "main-menu" }, { "删除", "zh", "deleted" }, { "停止", "zh", "stopped" }, { "刪除", "zh", "deleted" },
        { "sair", "pt", "stopped" }, { "apagar", "pt", "deleted" }, { "parar", "pt", "stopped" },
        { "arrêter", "fr", "stopped" }, { "supprimer", "fr", "deleted" }, { "menu", "fr", "main-menu" },
    };

    [Theory]
    [MemberData(nameof(IssueCommands))]
    public void TheIssuesCommands_Work(string typed, string language, string expected)
    {
        var chat = Chat.At(Content, "avr-what", language).Send(typed);
        AssertOutcome(chat, language, expected);
    }

    /// <summary>Every command word of every translated language, typed alone anywhere, is that command, answered in the language.</summary>
    public static TheoryData<string, string, string> EveryCommandWord()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var (command, perLanguage) in ShippedContent.Set.Common.Commands)
        {
            foreach (var language in new[] { "ht", "zh", "fr", "pt" })
            {
                foreach (var word in perLanguage.GetValueOrDefault(language) ?? [])
                {
                    data.Add(word, language, command.ToString());
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(EveryCommandWord))]
    public void EveryCommandWord_OfEveryLanguage_IsItsCommand(string word, string language, string command)
    {
        var chat = Chat.At(Content, "avr-what", language).Send(word);
        AssertOutcome(chat, language, OutcomeAtAvrWhat(Enum.Parse<GlobalCommand>(command)));
        if (Enum.Parse<GlobalCommand>(command) == GlobalCommand.Help)
        {
            Assert.StartsWith(ContentRenderer.Common(Content, "help", language), chat.Text, StringComparison.Ordinal);
        }
    }

    /// <summary>What a command typed alone at <c>avr-what</c> (reached from the main menu, in <see cref="Chat.At"/>) leads to, for <see cref="AssertOutcome"/>.</summary>
    internal static string OutcomeAtAvrWhat(GlobalCommand command) => command switch
    {
        GlobalCommand.Menu or GlobalCommand.Back => Content.Common.MenuNode,
        GlobalCommand.Language => Content.Common.LanguageMenuNode,
        GlobalCommand.Help => "avr-what",
        GlobalCommand.Human => Content.Common.HandoffConsentNode,
        GlobalCommand.Delete => "deleted",
        _ => "stopped",
    };

    /// <summary>A command's outcome: everything deleted, stopped, or the node it leads to, answered in the user's language.</summary>
    internal static void AssertOutcome(Chat chat, string language, string expected)
    {
        switch (expected)
        {
            case "deleted":
                Assert.Null(chat.State);
                Assert.Equal(ContentRenderer.Common(Content, "deleted", language), chat.Text);
                break;
            case "stopped":
                Assert.True(chat.State!.Stopped);
                Assert.Equal(ContentRenderer.Common(Content, "stopped", language), chat.Text);
                break;
            default:
                Assert.Equal(expected, chat.Node);
                Assert.Equal(language, chat.State!.Language);
                break;
        }
    }

    [Theory]
    [MemberData(nameof(Translated))]
    public void AYesOrNo_InTheLanguage_AnswersTheConsentQuestion(string language)
    {
        var yes = Content.Nodes[Content.Common.HandoffConsentNode].Choices.Single(c => c.Id == "yes").Keywords[language][0];
        var no = Content.Nodes[Content.Common.HandoffConsentNode].Choices.Single(c => c.Id == "no").Keywords[language][0];

        Assert.True(Chat.At(Content, "avr-what", language).Send(Content.Common.Commands[GlobalCommand.Human][language][0]).Send(yes).State!.InCase);
        Assert.False(Chat.At(Content, "avr-what", language).Send(Content.Common.Commands[GlobalCommand.Human][language][0]).Send(no).State!.InCase);
    }

    public static TheoryData<string, string?, string?, string> Hints => new()
    {
        // message, app language tag, calling code digits, detected
        { "ok", "pt-BR", null, "pt" },
        { "ok", "fr", null, "fr" },
        { "ok", "zh-hans", null, "zh" },
        { "ok", null, "509", "ht" },
        { "👍", null, "861", "zh" },
        { "ok", null, "551", "pt" },
        { "ok", null, "507", "es" },
        { "ok", "de", null, "es" },          // a language the bot does not speak: the source language
        { "hola", null, "509", "es" },      // what is written beats where the number is from
        { "bonjou", "es", null, "ht" },
        { "我想回国", "en", null, "zh" },    // the script first
    };

    [Theory]
    [MemberData(nameof(Hints))]
    public void TheChannelsHint_DecidesOnlyWhenTheTextCannot(string message, string? tag, string? callingCode, string expected)
    {
        var result = DialogEngine.Step(Content, null, UserMessage.FromText(message) with { Hint = new LanguageHint(tag, callingCode) }, new FakeClock().GetUtcNow(), Chat.Options);

        Assert.Equal(expected, result.State!.Language);
        Assert.Equal(ContentRenderer.Render(Content, Content.Nodes[Content.Common.StartNode], expected).Text, result.Replies[0].Text);
    }

    /// <summary>The held-out first messages (tests/Evaluation/first-messages.tsv): language, message.</summary>
    private static List<string[]> FirstMessageRows() =>
        [.. File.ReadAllLines(Path.Combine(RepoPaths.Root, "tests", "Evaluation", "first-messages.tsv"))
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l => l.Split('\t', 2))];

    /// <summary>
    /// Language detection on realistic first messages (tests/Evaluation/first-messages.tsv: greetings, questions,
    /// misspellings, Creole mixed with Spanish), never trained on. The floor is 95 % per language (two misses in 40): a
    /// wrong guess costs one tap, since every language is offered by its own name in the first reply, while a floor of
    /// 100 % would make a shared short greeting ("bonjou"/"bonjour", "oi"/"hola") fail the build. Measured: 97.5–100 %.
    /// </summary>
    [Fact]
    public void FirstMessages_AreRecognised_AtLeast95PercentPerLanguage()
    {
        var rows = FirstMessageRows();
        var report = new List<string>();
        foreach (var group in rows.GroupBy(r => r[0]))
        {
            var wrong = group.Where(r => Content.Understander.DetectLanguage(TextNormalizer.WordsOf(PersonalData.ForMatching(r[1]))) != group.Key).Select(r => r[1]).ToList();
            var accuracy = 1 - ((double)wrong.Count / group.Count());
            report.Add(string.Create(CultureInfo.InvariantCulture, $"{group.Key}: {accuracy:P1} of {group.Count()}"));
            Assert.True(accuracy >= 0.95, $"{group.Key}: {accuracy:P1}; missed: {string.Join(" | ", wrong)}");
        }

        Assert.Equal(6, report.Count);
        Console.WriteLine("Language detection on first messages: " + string.Join(", ", report));
    }

    /// <summary>
    /// The same held-out messages written under the Spanish notice instead of first (2026-12-03): read by the message
    /// alone (no hint, no default), a message in another language should switch the notice to it, and none may switch
    /// it to a language it is not written in; a Spanish one keeps it. Unsure is not wrong here: the notice stays Spanish
    /// and offers every language by name, as before. Measured 97.5–100 % (BENCHMARKS.md); the floor is the first messages' one.
    /// </summary>
    [Fact]
    public void UnderTheSpanishNotice_MessagesSwitchToTheirLanguage_AndNeverToAnother()
    {
        var rows = FirstMessageRows();
        var report = new List<string>();
        foreach (var group in rows.GroupBy(r => r[0]))
        {
            var landed = group.Select(r => (Text: r[1], Language: new Chat(Content).Send("hola").Send(r[1]).State!.Language)).ToList();
            var right = landed.Count(l => l.Language == group.Key);
            var wrong = landed.Where(l => l.Language != group.Key && l.Language != "es").Select(l => $"{l.Text} → {l.Language}").ToList();
            var share = (double)right / landed.Count;
            report.Add(string.Create(CultureInfo.InvariantCulture, $"{group.Key}: {share:P1} of {landed.Count}"));
            Assert.True(wrong.Count == 0, $"{group.Key}: switched to another language: {string.Join(" | ", wrong)}");
            Assert.True(share >= (group.Key == "es" ? 1.0 : 0.95), $"{group.Key}: {share:P1}; stayed Spanish: {string.Join(" | ", landed.Where(l => l.Language != group.Key).Select(l => l.Text))}");
        }

        Assert.Equal(6, report.Count);
        Console.WriteLine("Under the Spanish notice, in their own language: " + string.Join(", ", report));
    }

    [Theory]
    [InlineData("護照", "护照")]
    [InlineData("幫助", "帮助")]
    [InlineData("刪除", "删除")]
    [InlineData("語言", "语言")]
    public void TraditionalCharacters_MatchTheirSimplifiedForms(string traditional, string simplified) =>
        Assert.Equal(TextNormalizer.Normalize(simplified), TextNormalizer.Normalize(traditional));

    [Theory]
    [MemberData(nameof(Translated))]
    public void DatesAndProgrammeStatus_AreWrittenInTheLanguage(string language)
    {
        var months = Content.Common.Months[language];
        var date = ContentRenderer.FormatDate(Content.Common, new DateOnly(2025, 3, 11), language);

        Assert.Equal(12, months.Count);
        Assert.Contains(months[2], date, StringComparison.Ordinal);
        Assert.DoesNotContain("marzo", date, StringComparison.Ordinal);
        var closed = Content.Facts.ById.Values.First(f => f.IsNoLongerOpen && f.StatusSince is not null);
        Assert.Contains(ContentRenderer.FormatDate(Content.Common, closed.StatusSince!.Value, language), ContentRenderer.Status(Content, closed, language), StringComparison.Ordinal);
    }
}
