using OimBot.Bot.Tests.TestHost;
using OimBot.Content;
using OimBot.Content.Matching;

namespace OimBot.Bot.Tests.Dialogs;

/// <summary>
/// Short follow-ups about the page one is reading (2026-12-06): "y cuánto cuesta?" on the page about return had shown
/// the return's menu again, "does it cost anything?" the chat's own cost, "y si no tengo pasaporte?" the page on having
/// no papers in Panama, "c'est où ?" "No entendí". They now go where the page says it is answered (content
/// <c>follow_ups</c>), or to the honest "no verified information on that here, a person can help", or, for whether
/// one's case qualifies, to "only the institution can say" (R12). Rows of the blind writers' development set
/// (tests/Evaluation/followups-dev) are samples of each class, not the whole of it.
/// </summary>
public class FollowUpTests
{
    private static ContentSet Content => ShippedContent.Set;

    public static TheoryData<string, string, string, string> AnsweredWhereThePageSays => new()
    {
        // page, language, message, where it goes
        { "avr-what", "es", "y cuanto cuesta?", "avr-free" },
        { "avr-what", "es", "¿y cómo lo pido?", "avr-steps" },
        { "avr-what", "es", "me pueden deportar?", "avr-not" },
        { "avr-steps", "es", "y si no tengo pasaporte?", "avr-steps" },
        { "avr-what", "en", "does it cost anything?", "avr-free" },
        { "avr-what", "fr", "c'est gratuit ?", "avr-free" },
        { "avr-what", "ht", "konbyen li koute?", "avr-free" },
        { "avr-what", "pt", "qto custa?", "avr-free" },
        { "avr-what", "zh", "要多少钱", "avr-free" },
        { "trafficking-signs", "es", "cual es el numero?", "trafficking-report" },
        { "trafficking-signs", "es", "es confidencial?", "trafficking-safety" },
        { "trafficking-signs", "en", "any phone number?", "trafficking-report" },
        { "regularisation-work-permit", "es", "y como lo saco?", "regularisation-work-permit-how" },
        { "regularisation-refugee", "pt", "tem que pagar?", "regularisation-refugee" },
        { "about-service", "en", "is it confidential?", "about-service" },
        { "dangers-darien", "es", "y donde esta la policia?", "follow-up-unknown" },
        { "regularisation-ppsh", "es", "y yo califico?", "follow-up-eligible" },
        { "regularisation-ppsh", "fr", "même si je suis entré sans papiers?", "follow-up-eligible" },
        { "regularisation-institutions", "es", "donde queda la oficina?", "follow-up-unknown" },
        { "regularisation-institutions", "zh", "办公室在哪里", "follow-up-unknown" },
        { "avr-steps", "en", "how long does it take?", "avr-unknown" },
        { "dangers-closed", "es", "no entendi", "follow-up-unknown" },
        { "dangers-nature", "pt", "ok entendi", "thanks" },

        // Only a follow-up's words, however the model reads them (it had guessed self-harm or a generic emergency).
        { "regularisation-institutions", "pt", "explica de novo mais simples pfv", "follow-up-unknown" },
        { "dangers-closed", "zh", "什么意思", "follow-up-unknown" },
        { "regularisation-refugee", "fr", "faut la carte d'identité?", "follow-up-unknown" },

        // Whether it is for one's nationality, or for every country: whether one's case can (never promised, R12).
        { "avr-what", "es", "aplica para venezolanos?", "avr-steps" },
        { "avr-what", "es", "sirve si soy haitiano?", "avr-steps" },
        { "regularisation-ppsh", "es", "eso es para todos los paises?", "follow-up-eligible" },
        { "regularisation-ppsh", "en", "does it work for nigerians?", "follow-up-eligible" },
        { "dangers-alternatives", "pt", "serve pra haitiano?", "follow-up-eligible" },
        { "avr-fear", "es", "y si me da miedo volver igual me ayudan?", "follow-up-eligible" },

        // Read as the page one has just read: the page again was no answer, unless the page says it answers.
        { "dangers-help", "es", "donde esta la cruz roja mas cerca", "follow-up-unknown" },
        { "basic-needs", "es", "a q hora dan la comida", "follow-up-unknown" },
        { "dangers-darien", "en", "how many days to walk the darien?", "dangers-darien" },

        // "ou" is French "or" as much as "where"; "能看到我" asks what the service sees.
        { "about-service", "fr", "c gratuit ou ça consomme mon crédit", "about-service" },
        { "about-service", "zh", "你们能看到我现在在哪吗", "about-service" },
        // "and if I have no passport?" after the return's pages (a blind tester, 2026-12-07): no papers in Panama, and in
        // Portuguese papers someone took, surely; as in Spanish, where documents are answered.
        { "avr-menu", "fr", "et si je n'ai pas de passeport ?", "avr-steps" },
        { "avr-what", "fr", "et si j'ai pas de passeport", "avr-steps" },
        { "avr-menu", "pt", "e se eu não tiver passaporte?", "avr-steps" },
        { "avr-what", "pt", "e se eu não tenho passaporte", "avr-steps" },
        { "avr-menu", "es", "y si no tengo pasaporte?", "avr-steps" },
        // Fear of the police after the page on the missing (a blind tester, 2026-12-07: the page about this chat): how to
        // tell the authorities safely, with fear for one's papers.
        { "dangers-missing", "es", "y si llamo a la policía me van a deportar?", "trafficking-safety" },
        { "dangers-missing", "en", "will they deport me if i go to the police?", "trafficking-safety" },
        // What return costs, read as this chat's own cost in Creole, French and Portuguese; whether one's children can come
        // (a blind tester's multi-turn conversations, 2026-12-07: "No entendí" or the main menu in all six languages).
        { "avr-menu", "ht", "konbyen sa koute", "avr-free" },
        { "avr-menu", "fr", "ça coûte combien ?", "avr-free" },
        { "avr-menu", "pt", "quanto custa?", "avr-free" },
        { "avr-free", "es", "y mis hijos pueden ir conmigo?", "avr-steps" },
        { "avr-free", "en", "can my children come with me?", "avr-steps" },
        { "avr-free", "ht", "pitit mwen yo ka vini avè m?", "avr-steps" },
        { "avr-free", "pt", "e meus filhos podem ir comigo?", "avr-steps" },
        { "avr-free", "zh", "孩子可以跟我一起回去吗", "avr-steps" },
        // The same asked in words the model reads alone as a danger (a blind tester, 2026-12-07: "and my kids, they come
        // with me?" had got the page on threats, "je peux emmener mes enfants?" the question on a child alone): a word or
        // two left beside the follow-up's phrases that lean to no danger at all.
        { "avr-free", "en", "and my kids, they come with me?", "avr-steps" },
        { "avr-steps", "fr", "je peux emmener mes enfants?", "avr-steps" },
        { "avr-what", "es", "mis hijos vienen conmigo?", "avr-steps" },
        { "avr-what", "es", "y los chamos?", "avr-steps" },
        { "avr-what", "ht", "m ka mennen pitit mwen?", "avr-steps" },
        { "avr-what", "zh", "能带孩子吗", "avr-steps" },
        { "avr-what", "pt", "posso levar minha familia?", "avr-steps" },
        // Asking that nothing be told to anyone, read by the model as self-harm or being held: this service's page.
        { "trafficking-signs", "es", "porfa no se lo cuentes a nadie", "about-service" },
        { "avr-what", "en", "dont tell anybody ok?", "about-service" },
        { "health", "fr", "c'est un secret, ne le dites à personne", "about-service" },
        { "dangers-darien", "pt", "não fala pra ninguém", "about-service" },
        { "avr-what", "ht", "pa di okenn moun sa", "about-service" },
        { "health", "zh", "请帮我保密", "about-service" },
    };

    [Theory]
    [MemberData(nameof(AnsweredWhereThePageSays))]
    public void AFollowUp_GoesWhereThePageSaysItIsAnswered(string page, string language, string message, string expected)
    {
        var chat = Chat.At(Content, page, language).Send(message);
        Assert.True(expected == chat.Node, $"\"{message}\" on {page} went to {chat.Node}");
        Assert.NotEqual(NodeKind.Emergency, Content.Nodes[chat.Node!].Kind);
    }

    /// <summary>A message with words of its own is read as what it says, on any page: never a question about the page.</summary>
    public static TheoryData<string, string, string, string> ReadAsWhatTheySay => new()
    {
        { "avr-what", "es", "hola como estas", "main-menu" },
        { "avr-what", "es", "donde duermo esta noche", "basic-needs" },
        { "avr-what", "es", "cuanto cuesta el bus a costa rica", "out-of-scope" },
        { "trafficking-signs", "es", "como consigo permiso de trabajo", "regularisation-work-permit" },
        { "avr-what", "es", "ok gracias", "thanks" },
    };

    [Theory]
    [MemberData(nameof(ReadAsWhatTheySay))]
    public void AMessageAboutSomethingElse_IsReadAsWhatItSays(string page, string language, string message, string expected)
    {
        var read = Content.Understander.UnderstandText(message, Content.Nodes[page], [], language);
        Assert.False(Understander.IsFollowUpAsked(read.Why), $"\"{message}\" on {page}: {read.Why}");
        var chat = Chat.At(Content, page, language).Send(message);
        Assert.True(expected == chat.Node, $"\"{message}\" on {page} went to {chat.Node}");
    }

    /// <summary>
    /// Never read as a follow-up about the page: a language asked for, a nationality in a question about something else,
    /// a long message about what the page is about, "por" that is no "por favor".
    /// </summary>
    [Theory]
    [InlineData("avr-what", "en", "do you speak haitian")]
    [InlineData("avr-what", "es", "hablan haitiano?")]
    [InlineData("about-service", "fr", "vous connaissez un bon coiffeur africain ici?")]
    [InlineData("dangers-darien", "ht", "eske wout Nikaragwa a pi an sekirite pase Darien")]
    [InlineData("avr-what", "es", "me pueden deportar por escribir aqui??")]
    public void NotAFollowUp(string page, string language, string message)
    {
        var read = Content.Understander.UnderstandText(message, Content.Nodes[page], [], language);
        Assert.False(Understander.IsFollowUpAsked(read.Why), $"\"{message}\" on {page}: {read.Why}");
    }

    /// <summary>
    /// Asked about one's own safety or whereabouts in a follow-up's words only, and read by the model as danger, it is
    /// danger (R11): "me van a detener?", "saben donde estoy?" may be a threat being told.
    /// </summary>
    [Theory]
    [InlineData("avr-what", "es", "me detienen?")]
    [InlineData("avr-what", "es", "saben donde estoy?")]
    [InlineData("avr-what", "en", "lock me up?")]
    public void ASafetyFollowUp_ReadAsDanger_StaysDanger(string page, string language, string message)
    {
        var chat = Chat.At(Content, page, language).Send(message);
        Assert.True(chat.State!.DangerSignalled, $"\"{message}\" went to {chat.Node}");
    }

    /// <summary>
    /// Beside a follow-up's phrases, a word or two that tell a danger, or read alone as another page, keep the model's
    /// reading of the whole message: only what leans to no danger is left out of it.
    /// </summary>
    [Theory]
    [InlineData("avr-free", "es", "y mi familia? nos quieren matar", "emergency")]
    [InlineData("avr-free", "es", "es gratis? me pegan", "emergency-threatened")]
    [InlineData("avr-steps", "fr", "et mes enfants? disparus", "emergency-child")]
    [InlineData("avr-free", "en", "can i bring my kids? he hits them", "emergency-threatened")]
    public void ADangerBesideAFollowUp_StaysDanger(string page, string language, string message, string emergency)
    {
        var chat = Chat.At(Content, page, language).Send(message);
        Assert.True(chat.State!.DangerSignalled, $"\"{message}\" went to {chat.Node}");
        UnderstandingEngineTests.AssertNumbersBeforeAnyQuestion(chat.Replies[0].Text, emergency);
    }

    /// <summary>Danger said in a follow-up's words is danger first (R11): the channels, never a page about the page.</summary>
    [Theory]
    [InlineData("avr-what", "el coyote nos pide mas plata o nos deja en la selva", "emergency-route")]
    [InlineData("trafficking-signs", "tengo 13 y no tengo donde dormir", "emergency-child")]
    [InlineData("avr-what", "me van a matar, donde me escondo", "emergency")]
    public void DangerInAFollowUp_GetsTheChannelsFirst(string page, string message, string emergency)
    {
        var chat = Chat.At(Content, page).Send(message);
        Assert.True(chat.State!.DangerSignalled, $"\"{message}\" went to {chat.Node}");
        UnderstandingEngineTests.AssertNumbersBeforeAnyQuestion(chat.Replies[0].Text, emergency);
    }

    /// <summary>"I have no verified information on that" offers a person and the way back to the page read.</summary>
    [Fact]
    public void NoVerifiedAnswer_OffersAPerson_AndBackToThePage()
    {
        var chat = Chat.At(Content, "regularisation-institutions").Send("donde queda la oficina?");
        Assert.Equal("follow-up-unknown", chat.Node);
        Assert.StartsWith("No tengo información verificada sobre eso aquí.", chat.Replies[0].Text, StringComparison.Ordinal);
        Assert.Contains(chat.Replies[0].Choices, c => c.Key == ContentNode.ChoiceKey("follow-up-unknown", Content.Common.HandoffNode));

        chat.Tap("Volver");
        Assert.Equal("regularisation-institutions", chat.Node);
    }

    /// <summary>
    /// A second follow-up, asked on the answer to the first ("no verified information on that here", "only the
    /// institution can say", "you're welcome"), is about the page read before it, not about a page of no topic.
    /// </summary>
    [Theory]
    [InlineData("trafficking-signs", "es", "y cuanto tiempo tarda?", "follow-up-unknown", "es confidencial?", "trafficking-safety")]
    [InlineData("trafficking-signs", "es", "y cuanto tiempo tarda?", "follow-up-unknown", "y a que numero llamo?", "trafficking-report")]
    [InlineData("trafficking-signs", "en", "how long does it take?", "follow-up-unknown", "is it confidential?", "trafficking-safety")]
    [InlineData("regularisation-work-permit", "es", "cuanto tarda?", "follow-up-unknown", "y como lo saco?", "regularisation-work-permit-how")]
    [InlineData("regularisation-work-permit", "fr", "ça prend combien de temps ?", "follow-up-unknown", "et comment je le demande ?", "regularisation-work-permit-how")]
    [InlineData("regularisation-ppsh", "es", "y yo califico?", "follow-up-eligible", "cuanto tarda?", "follow-up-unknown")]
    [InlineData("dangers-darien", "pt", "ok entendi", "thanks", "e o numero?", "dangers-help")]
    public void ASecondFollowUp_IsAboutThePageBefore(string page, string language, string first, string answer, string second, string expected)
    {
        var chat = Chat.At(Content, page, language).Send(first);
        Assert.True(answer == chat.Node, $"\"{first}\" on {page} went to {chat.Node}");
        chat.Send(second);
        Assert.True(expected == chat.Node, $"\"{second}\" after {answer} went to {chat.Node}");
    }

    /// <summary>R12: whether one's case qualifies is never answered yes or no here; the institution decides, a person guides.</summary>
    [Theory]
    [InlineData("es")]
    [InlineData("en")]
    [InlineData("fr")]
    [InlineData("ht")]
    [InlineData("pt")]
    [InlineData("zh")]
    public void WhetherOnesCaseQualifies_IsNeverPromised(string language)
    {
        var text = ContentRenderer.Render(Content, Content.Nodes["follow-up-eligible"], language).Text;
        foreach (var institution in new[] { "SNM", "MITRADEL", "ONPAR" })
        {
            Assert.Contains(institution, text, StringComparison.Ordinal);
        }

        var english = ContentRenderer.Render(Content, Content.Nodes["follow-up-eligible"], "en").Text;
        Assert.StartsWith("I cannot tell you here whether your case can use this.", english, StringComparison.Ordinal);
        Assert.DoesNotContain("you qualify", english, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("you are eligible", english, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>R9: after a page on trafficking, even "I have no verified information on that" ends with the discreet exit.</summary>
    [Fact]
    public void AfterASensitivePage_TheAnswerKeepsTheDiscreetExit()
    {
        var chat = Chat.Started(Content).Send("cuales son las señales de trata de personas");
        Assert.True(Content.IsSensitive(Content.Nodes[chat.Node!]), $"went to {chat.Node}");
        chat.Send("y cuanto tiempo tarda?");
        Assert.Equal("follow-up-unknown", chat.Node);
        Assert.EndsWith(ContentRenderer.Common(Content, "discreet-exit", "es"), chat.Text, StringComparison.Ordinal);
    }

    /// <summary>Return's cost is its own short answer, with return's four elements (R16) and the scam warning (R18).</summary>
    [Fact]
    public void ReturnsCost_IsFree_WithTheFourElementsAndTheScamWarning()
    {
        var chat = Chat.At(Content, "avr-steps").Send("y eso cuanto cuesta?");
        Assert.Equal("avr-free", chat.Node);
        Assert.Contains(ContentRenderer.Common(Content, "avr-principles", "es"), chat.Text, StringComparison.Ordinal);
        Assert.Contains(ContentRenderer.Common(Content, "scam-warning", "es"), chat.Text, StringComparison.Ordinal);
    }
}

/// <summary>
/// The floors on the blind writers' follow-ups (tests/Evaluation/followups-dev, 60 per language, read while the
/// follow-up words were tuned; followups-held, 50 per language, never read). Expectations by page and intent are in
/// tests/Evaluation/followup-expected.tsv, written from the pages' texts. Before follow-ups were read by what they ask:
/// 27.8 % right of the development set, 20.0 % of the held-out one; 78.3 % and 66.0 % on 2026-12-06 (BENCHMARKS.md, "Short follow-ups about a page").
/// </summary>
public class FollowUpEvaluationTests
{
    private static readonly string Set = Path.Combine(RepoPaths.Root, "tests", "Evaluation");

    private static ContentSet Content => ShippedContent.Set;

    private static readonly Lazy<IReadOnlyDictionary<string, IReadOnlySet<string>>> Expected = new(() =>
        FollowUpEvaluation.ReadExpected(Path.Combine(Set, FollowUpEvaluation.ExpectedFileName)));

    private static IReadOnlyList<FollowUpEvaluation.Report> Evaluate(string name) =>
        FollowUpEvaluation.Evaluate(Content, FollowUpEvaluation.Read(Path.Combine(Set, name, FollowUpEvaluation.FileName)), Expected.Value);

    private static readonly Lazy<IReadOnlyList<FollowUpEvaluation.Report>> Development = new(() => Evaluate("followups-dev"));

    private static readonly Lazy<IReadOnlyList<FollowUpEvaluation.Report>> HeldOut = new(() => Evaluate("followups-held"));

    public static TheoryData<string> Languages => [.. ShippedContent.Languages];

    /// <summary>Measured 63–82 % per language (73.1 % in all); no more emergency pages than before (5.6 %). With 25 rows on one's family coming along on the return (2026-12-07, evening): 71.2–87.3 % (80.1 % in all).</summary>
    [Theory]
    [MemberData(nameof(Languages))]
    public void Development_FollowUpsAreAnswered(string language)
    {
        var report = Assert.Single(Development.Value, r => r.Language == language);
        Assert.True(report.Right >= 0.65, $"right {report.Right:P1}: {string.Join(" | ", report.Outcomes.Where(o => !o.Right).Select(o => $"{o.Message.Node} {o.Message.Intent} → {o.Got}: {o.Message.Text}"))}");
        Assert.True(report.Alarmed <= 0.09, $"emergency page {report.Alarmed:P1}");
        Assert.True(report.NotUnderstood <= 0.05, $"not understood {report.NotUnderstood:P1}");
    }

    /// <summary>
    /// Held out: measured 48–66 % per language (59.7 % in all), emergency pages 0–6 % as before. No row is printed. With
    /// 14 rows on one's family coming along on the return, written before that change and never used for it (2026-12-07,
    /// evening): 63.5–71.2 % per language (67.7 % in all, 66.1 % before the change); one new Creole row gets an emergency
    /// page (7.7 % there, 4 of 52), hence the bound of 8 %.
    /// </summary>
    [Theory]
    [MemberData(nameof(Languages))]
    public void HeldOut_FollowUpsAreAnswered(string language)
    {
        var report = Assert.Single(HeldOut.Value, r => r.Language == language);
        Assert.True(report.Right >= 0.50, $"right {report.Right:P1}");
        Assert.True(report.Alarmed <= 0.08, $"emergency page {report.Alarmed:P1}");
        Assert.True(report.NotUnderstood <= 0.07, $"not understood {report.NotUnderstood:P1}");
    }

    private static readonly Lazy<IReadOnlyList<FollowUpEvaluation.Report>> EmergencyDevelopment = new(() => Evaluate("followups-emergency-dev"));

    private static readonly Lazy<IReadOnlyList<FollowUpEvaluation.Report>> EmergencyHeldOut = new(() => Evaluate("followups-emergency-held"));

    /// <summary>
    /// Asked at the offer of a person after an emergency page (tests/Evaluation/followups-emergency-dev, 40 per language,
    /// a blind writer, 2026-12-07; read while the rules and follow-up words were written). Before: 14.6 % right, 16.3 %
    /// another emergency page, 12.1 % not understood. Measured 67.5–87.5 % per language (76.7 % in all).
    /// </summary>
    [Theory]
    [MemberData(nameof(Languages))]
    public void EmergencyDevelopment_FollowUpsAtTheOfferAreAnswered(string language)
    {
        var report = Assert.Single(EmergencyDevelopment.Value, r => r.Language == language);
        Assert.True(report.Right >= 0.65, $"right {report.Right:P1}: {string.Join(" | ", report.Outcomes.Where(o => !o.Right).Select(o => $"{o.Message.Node} {o.Message.Intent} → {o.Got}: {o.Message.Text}"))}");
        Assert.True(report.Alarmed <= 0.08, $"another emergency page {report.Alarmed:P1}");
        Assert.True(report.NotUnderstood <= 0.05, $"not understood {report.NotUnderstood:P1}");
    }

    /// <summary>Held out (measured once, 2026-12-07): 21.8 % right before, 61.1 % after (55–67.5 % per language); another emergency page 7.1 → 4.2 %, not understood 15.5 → 5.9 %. No row is printed.</summary>
    [Theory]
    [MemberData(nameof(Languages))]
    public void EmergencyHeldOut_FollowUpsAtTheOfferAreAnswered(string language)
    {
        var report = Assert.Single(EmergencyHeldOut.Value, r => r.Language == language);
        Assert.True(report.Right >= 0.52, $"right {report.Right:P1}");
        Assert.True(report.Alarmed <= 0.12, $"another emergency page {report.Alarmed:P1}");
        Assert.True(report.NotUnderstood <= 0.12, $"not understood {report.NotUnderstood:P1}");
    }

    private static readonly string[] SetNames = ["followups-dev", "followups-held", "followups-emergency-dev", "followups-emergency-held"];

    /// <summary>
    /// No follow-up of any set is an example the classifier learns from (the sets are never training data); the global
    /// command words ("转人工") are the product's fixed vocabulary, as in the understanding sets' test.
    /// </summary>
    [Fact]
    public void TheFollowUpSets_AreNeverTrainedOn()
    {
        var commands = Content.Common.Commands.Values.SelectMany(c => c.Values).SelectMany(p => p).Select(TextNormalizer.Normalize).ToHashSet(StringComparer.Ordinal);
        var trained = Content.Understander.TrainingSet.Select(e => string.Join(' ', e.Words)).Where(t => !commands.Contains(t)).ToHashSet(StringComparer.Ordinal);
        var leaked = SetNames.SelectMany(name => FollowUpEvaluation.Read(Path.Combine(Set, name, FollowUpEvaluation.FileName)))
            .Where(r => trained.Contains(TextNormalizer.Normalize(r.Text))).Select(r => r.Text).ToList();
        Assert.True(leaked.Count == 0, "trained on: " + string.Join(" | ", leaked));
    }

    /// <summary>Every page and intent of the sets has an expectation, and every expected answer is a node of the content.</summary>
    [Fact]
    public void TheExpectations_CoverTheSets_AndNameRealNodes()
    {
        var rows = SetNames.SelectMany(name => FollowUpEvaluation.Read(Path.Combine(Set, name, FollowUpEvaluation.FileName))).ToList();
        Assert.All(rows, r => Assert.NotNull(Content.Find(r.Node)));
        Assert.All(rows, r => Assert.True(Expected.Value.ContainsKey($"*\t{r.Intent}"), r.Intent));
        Assert.All(rows.Where(r => Content.Nodes[r.Node].Kind == NodeKind.Emergency), r => Assert.True(Expected.Value.ContainsKey($"{r.Node}\t{r.Intent}"), $"{r.Node} {r.Intent}"));
        foreach (var accepted in Expected.Value.Values.SelectMany(a => a).Distinct())
        {
            Assert.True(accepted == FollowUpEvaluation.Self || accepted.StartsWith(Understander.CommandPrefix, StringComparison.Ordinal) || Content.Find(accepted) is not null, accepted);
        }
    }
}
