using OimBot.Analytics;
using OimBot.Bot.Tests.TestHost;
using OimBot.Content;
using OimBot.Content.Matching;

namespace OimBot.Bot.Tests.Dialogs;

/// <summary>
/// A short question typed at the offer of a person that follows an emergency page (2026-12-07): "y si voy a la policía
/// me deportan?" had got a question between "if asked for money", "it is not deportation" and this chat; "cuánto tarda
/// en llegar alguien" got "No entendí" and the offer again; "是免费的吗" a question between topics. It is now read as a
/// follow-up about the page (the emergency's <c>follow_ups</c>): its numbers and lines are the page again, fear of the
/// police the page on speaking up safely, what no vetted fact answers "a person can help". A new danger is danger still
/// (R11), a yes is still the only way to a person (R4). Rows of the blind writer's development set
/// (tests/Evaluation/followups-emergency-dev) are samples of each class, not the whole of it.
/// </summary>
public class EmergencyFollowUpTests
{
    private static ContentSet Content => ShippedContent.Set;

    /// <summary>The page itself again: the emergency page shown anew, with the offer after it.</summary>
    private const string Self = "self";

    private static Chat AtTheOffer(string language, string danger, string page)
    {
        var chat = Chat.Started(Content, language).Send(danger);
        Assert.True(chat.Node == Content.Common.HandoffConsentNode && chat.State!.History[^1] == page, $"\"{danger}\": {chat.State!.History[^1]} then {chat.Node}");
        return chat;
    }

    public static TheoryData<string, string, string, string, string> Answered => new()
    {
        // language, the first message (danger), its page, the follow-up, where it goes
        { "es", "me tienen encerrada y no me dejan salir", "emergency-held", "y si voy a la policia me deportan?", "trafficking-safety" },
        { "es", "me tienen encerrada y no me dejan salir", "emergency-held", "cual era el numero?", Self },
        { "es", "me tienen encerrada y no me dejan salir", "emergency-held", "cuanto tiempo tarda en responder alguien?", "follow-up-unknown" },
        { "es", "me tienen encerrada y no me dejan salir", "emergency-held", "es gratis llamar?", "follow-up-unknown" },
        { "es", "me tienen encerrada y no me dejan salir", "emergency-held", "y donde denuncio?", "trafficking-report" },
        { "es", "me tienen encerrada y no me dejan salir", "emergency-held", "me ayudan aunque sea ilegal?", Self },
        { "es", "me tienen encerrada y no me dejan salir", "emergency-held", "no tengo saldo", "follow-up-unknown" },
        { "en", "i want to kill myself", "emergency-suicide", "is that line free?", Self },
        { "en", "i want to kill myself", "emergency-suicide", "will they tell my family?", Self },
        { "en", "i want to kill myself", "emergency-suicide", "is the line open at night?", Self },
        { "en", "they locked me in and won't let me leave", "emergency-held", "will immigration find out?", "trafficking-safety" },
        { "en", "they locked me in and won't let me leave", "emergency-held", "what was the number again", Self },
        { "fr", "ils m'ont enfermée et ne me laissent pas sortir", "emergency-held", "c'est gratuit d'appeler ?", "follow-up-unknown" },
        { "fr", "ils m'ont enfermée et ne me laissent pas sortir", "emergency-held", "ils vont m'expulser si j'appelle la police ?", "trafficking-safety" },
        { "pt", "fui estuprada ontem", "emergency-sexual-violence", "quanto tempo eu tenho pra ir no medico?", Self },
        { "pt", "fui estuprada ontem", "emergency-sexual-violence", "o hospital cobra?", "health" },
        { "zh", "我想自杀", "emergency-suicide", "热线是免费的吗", Self },
        { "zh", "我想自杀", "emergency-suicide", "半夜打也有人接吗", Self },
        { "zh", "他们把我关起来不让我走", "emergency-held", "怎么办", Self }, // a blind tester (2026-12-07): had got the work permit
        // Asking that nothing be told to anyone: what this service keeps, and that it tells no authority on its own (a
        // blind tester's 14-year-old alone, 2026-12-07: "no le digas a nadie porfa" had got the page on self-harm).
        { "es", "tengo 14 años y estoy solo, mi mama se quedo en la selva", "emergency-child", "no le digas a nadie porfa", "about-service" },
        { "en", "they locked me in and won't let me leave", "emergency-held", "please don't tell anyone", "about-service" },
        { "fr", "ils m'ont enfermée et ne me laissent pas sortir", "emergency-held", "ne dis rien à personne s'il te plaît", "about-service" },
        { "pt", "fui estuprada ontem", "emergency-sexual-violence", "não conta pra ninguém, tá?", "about-service" },
        { "ht", "yo fèmen m nan yon chanm, yo pa kite m soti", "emergency-held", "tanpri pa di pesonn", "about-service" },
        { "zh", "他们把我关起来不让我走", "emergency-held", "不要告诉任何人", "about-service" },
    };

    [Theory]
    [MemberData(nameof(Answered))]
    public void AFollowUpAtTheOffer_IsAnsweredAboutThePage(string language, string danger, string page, string followUp, string expected)
    {
        var chat = AtTheOffer(language, danger, page).Send(followUp);
        if (expected == Self)
        {
            Assert.True(chat.Node == Content.Common.HandoffConsentNode && chat.State!.History[^1] == page, $"\"{followUp}\": {chat.State!.History[^1]} then {chat.Node}");
            Assert.StartsWith(ContentRenderer.Render(Content, Content.Nodes[page], language).Text.Split('\n')[0], chat.Replies[0].Text, StringComparison.Ordinal);
        }
        else
        {
            Assert.True(expected == chat.Node, $"\"{followUp}\" after {page} went to {chat.Node}");
        }

        Assert.False(chat.State!.InCase); // a question is no "yes" (R4)
        Assert.Equal(language, chat.State.Language);
    }

    /// <summary>
    /// A new danger beside a question's words, at the offer, is that danger with its own lines (R11): the page for someone
    /// held had been shown again for "ya no quiero vivir, qué hago" (without the 147 line) in a first version of the rule.
    /// </summary>
    [Theory]
    [InlineData("es", "me tienen encerrada y no me dejan salir", "emergency-held", "ya no quiero vivir, que hago", "emergency-suicide")]
    [InlineData("es", "me tienen encerrada y no me dejan salir", "emergency-held", "estoy sangrando mucho que hago", "emergency-medical")]
    [InlineData("en", "they locked me in and won't let me leave", "emergency-held", "he is hitting me what do i do", "emergency-threatened")]
    [InlineData("es", "me tienen encerrada y no me dejan salir", "emergency-held", "me quiere matar, donde voy", "emergency")]
    public void ANewDangerAtTheOffer_GetsItsOwnPage(string language, string danger, string page, string message, string expected)
    {
        var chat = AtTheOffer(language, danger, page).Send(message);
        Assert.True(chat.State!.History[^1] == expected && chat.Node == Content.Common.HandoffConsentNode, $"\"{message}\": {chat.State.History[^1]} then {chat.Node}");
    }

    /// <summary>
    /// A story holding a question word ("un lugar donde dormir") is no question about the page when what is left tells a
    /// topic of its own: a minor offered a job and a bed by a man, after the page for a child alone, had got the page on
    /// searching for family ("donde" read as where to go). Read as written: a likely danger, numbers first, then the question.
    /// </summary>
    [Theory]
    [InlineData("es", "tengo 15 años y viajo sola", "emergency-child", "un señor me ofreció trabajo y un lugar donde dormir", "danger-check")]
    public void AStoryWithAQuestionWord_IsReadAsWritten(string language, string danger, string page, string message, string expected)
    {
        var chat = AtTheOffer(language, danger, page).Send(message);
        Assert.True(chat.Node == expected, $"\"{message}\": {chat.State!.History[^1]} then {chat.Node}");
        Assert.Contains("911", chat.Replies[0].Text.Split('\n')[0], StringComparison.Ordinal);
    }

    /// <summary>
    /// A few words after an emergency page that the bot would answer with nothing of it (blind testers, 2026-12-07:
    /// "nadie me puede ayudar" after the page on self-harm had got the topics, "tenho vergonha" after the page on sexual
    /// violence "Não entendi", "help" the command list, "no se" at the offer a question on a medical emergency or a child
    /// alone): that emergency's own lines again, then the offer of a person. Rows written from the testers' messages.
    /// </summary>
    [Theory]
    [InlineData("es", "ya no quiero seguir viviendo, no tiene sentido nada", new[] { "no se" }, "147")]
    [InlineData("es", "ya no quiero seguir viviendo, no tiene sentido nada", new[] { "no", "nadie me puede ayudar" }, "147")]
    [InlineData("fr", "je veux mourir, je n'en peux plus", new[] { "non", "je sais pas" }, "147")]
    [InlineData("zh", "我不想活了", new[] { "不用", "没用的" }, "147")]
    [InlineData("pt", "fui estuprada ontem", new[] { "tenho vergonha" }, "911")]
    [InlineData("en", "i was raped last night", new[] { "no", "help" }, "911")]
    public void AFewWordsAfterACrisis_GetItsLinesAgain_AndTheOffer(string language, string crisis, string[] then, string line)
    {
        var chat = Chat.Started(Content, language).Send(crisis);
        var page = chat.State!.History[^1];
        foreach (var message in then)
        {
            chat.Send(message);
        }

        Assert.True(chat.Node == Content.Common.HandoffConsentNode, $"{string.Join(" | ", then)} after {page}: {chat.Node} ({string.Join(",", chat.State!.History)})");
        Assert.Contains(line, chat.Replies[0].Text, StringComparison.Ordinal);
        Assert.False(chat.State!.InCase);
    }

    /// <summary>
    /// A cry for help both languages share keeps the conversation's language: "socorro" in Portuguese had been read by
    /// the Spanish keywords and moved a blind tester's conversation to Spanish, and "ninguem atende" got "No entendí".
    /// </summary>
    [Theory]
    [InlineData("pt", "socorro")]
    [InlineData("es", "socorro")]
    public void ACryForHelpBothLanguagesShare_KeepsTheLanguage(string language, string cry)
    {
        var chat = Chat.Started(Content, language).Send(cry);
        Assert.Equal(language, chat.State!.Language);
        Assert.Contains("911", chat.Replies[0].Text, StringComparison.Ordinal);
    }

    /// <summary>Yes and no at the offer mean what they meant: a case for a yes, the channels again for a no.</summary>
    [Theory]
    [InlineData("es", "sí")]
    [InlineData("en", "yes please")]
    [InlineData("ht", "wi")]
    public void AYes_StillOpensTheCase(string language, string yes)
    {
        var danger = language switch { "en" => "i want to kill myself", "ht" => "m vle touye tet mwen", _ => "me quiero matar" };
        var chat = Chat.Started(Content, language).Send(danger).Send(yes);
        Assert.True(chat.State!.InCase);
    }

    /// <summary>
    /// "ok gracias" at the offer is thanks or a yes: no case is opened on it (R4), the question is asked again, or it is
    /// thanks. Two blind testers (2026-12-07) had theirs open a case. "sí gracias", a bare "ok" are still a yes.
    /// </summary>
    [Theory]
    [InlineData("es", "me tienen encerrada y no me dejan salir", "ok gracias", false)]
    [InlineData("en", "they locked me in and won't let me leave", "ok thank you", false)]
    [InlineData("en", "they locked me in and won't let me leave", "okay thanks a lot", false)]
    [InlineData("pt", "fui estuprada ontem", "ta bom obrigada", false)]
    [InlineData("zh", "我想自杀", "好的 谢谢", false)]
    [InlineData("es", "me tienen encerrada y no me dejan salir", "si gracias", true)]
    [InlineData("es", "me tienen encerrada y no me dejan salir", "ok", true)]
    [InlineData("es", "me tienen encerrada y no me dejan salir", "ok por favor", true)]
    [InlineData("en", "they locked me in and won't let me leave", "yes thanks", true)]
    [InlineData("en", "they locked me in and won't let me leave", "ok sir", true)]
    [InlineData("pt", "eles me trancam num quarto a noite", "tá bom, obrigado", false)] // a blind re-test had wanted a yes: ambiguous, so asked again
    [InlineData("en", "they locked me in and won't let me leave", "ok, thank you", false)]
    public void OkAndThanks_IsNoConsent(string language, string danger, string message, bool opens)
    {
        var chat = Chat.Started(Content, language).Send(danger).Send(message);
        Assert.Equal(opens, chat.State!.InCase);
    }

    [Fact]
    public void OkAndThanks_AsksTheQuestionAgain()
    {
        var chat = AtTheOffer("es", "me tienen encerrada y no me dejan salir", "emergency-held").Send("ok gracias");
        Assert.Equal(Content.Common.HandoffConsentNode, chat.Node);
        Assert.Contains("¿Quieres que una persona", chat.Text, StringComparison.Ordinal);
        Assert.True(chat.Send("1").State!.InCase);
    }

    /// <summary>
    /// The offer of a person asked again while it is on the screen is its question alone (common text
    /// <c>offer-again</c>): blind testers (2026-12-07) had got the lines on who answers and what the person will see
    /// (R4, given whole the first time) in every reply of a danger conversation. The way out discreetly stays (R9), and a
    /// typed "1" is still the yes.
    /// </summary>
    [Theory]
    [InlineData("es", "me tienen encerrada y no me dejan salir", "ok gracias")]
    [InlineData("es", "ya no quiero seguir viviendo, no tiene sentido nada", "nadie me puede ayudar")]
    [InlineData("en", "i want to kill myself", "help")]
    [InlineData("en", "they are holding us in a house and ask our families for money", "there are 10 of us")]
    [InlineData("fr", "je veux mourir, je n'en peux plus", "je sais pas")]
    [InlineData("pt", "fui estuprada ontem", "tenho vergonha")]
    [InlineData("ht", "m vle touye tet mwen", "pesonn pa ka ede m")]
    [InlineData("zh", "我想自杀", "没用的")]
    public void TheOfferAskedAgain_IsItsQuestionAlone(string language, string danger, string message)
    {
        var consent = Content.Nodes[Content.Common.HandoffConsentNode];
        var whoSees = consent.Text[language].Split('\n')[^1];
        var chat = Chat.Started(Content, language).Send(danger);
        Assert.Contains(whoSees, chat.Text, StringComparison.Ordinal);

        chat.Send(message);
        Assert.True(chat.Node == consent.Id, $"\"{message}\": {chat.Node}");
        Assert.DoesNotContain(whoSees, chat.Text, StringComparison.Ordinal);
        Assert.Contains(Content.Common.Text("offer-again", language), chat.Replies[^1].Text, StringComparison.Ordinal);
        Assert.EndsWith(ContentRenderer.Common(Content, "discreet-exit", language), chat.Replies[^1].Text, StringComparison.Ordinal);
        Assert.True(chat.Send("1").State!.InCase);
    }

    /// <summary>
    /// Safe now, said at the offer after an emergency page (a fourth blind tester, 2026-12-07: "ya estoy bien, me metí en
    /// una tienda con gente" had been asked which danger it was): acknowledged (common text <c>safe-now</c>, the channels
    /// for if it comes back), the offer asked again, no case opened, nothing read as a new danger. After a negation, or
    /// beside a danger read surely, it is read as before.
    /// </summary>
    [Theory]
    [InlineData("es", "me estan siguiendo unos hombres desde la terminal", "ya estoy bien, me meti en una tienda con gente")]
    [InlineData("es", "me tienen encerrada y no me dejan salir", "ya estoy a salvo, me escape")]
    [InlineData("en", "they locked me in and won't let me leave", "im safe now, they left")]
    [InlineData("pt", "eles me trancam num quarto a noite", "mas agora estou segura, estou na casa da minha irma")]
    [InlineData("fr", "ils m'ont enfermée et ne me laissent pas sortir", "je suis en securite maintenant")]
    [InlineData("ht", "yo fèmen m nan yon chanm", "m an sekirite kounya")]
    [InlineData("zh", "他们把我关起来不让我走", "我现在安全了")]
    public void SafeNow_AtTheOffer_IsAcknowledged(string language, string danger, string message)
    {
        var chat = Chat.Started(Content, language).Send(danger);
        Assert.Equal(Content.Common.HandoffConsentNode, chat.Node);
        chat.Send(message);
        Assert.True(chat.Node == Content.Common.HandoffConsentNode, $"\"{message}\": {chat.Node}");
        Assert.StartsWith(ContentRenderer.Common(Content, "safe-now", language), chat.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(EventKind.EmergencyShown, chat.Events);
        Assert.False(chat.State!.InCase);
        Assert.True(chat.Send("1").State!.InCase);
    }

    [Theory]
    [InlineData("es", "me tienen encerrada y no me dejan salir", "todavia no estoy a salvo")]
    [InlineData("en", "they locked me in and won't let me leave", "i am not safe now")]
    [InlineData("es", "me tienen encerrada y no me dejan salir", "ya estoy a salvo pero me quiero matar")]
    [InlineData("en", "they locked me in and won't let me leave", "im safe now but my leg is bleeding a lot")]
    public void NotSafe_OrANewDanger_IsNotAcknowledgedAsSafe(string language, string danger, string message)
    {
        var chat = Chat.Started(Content, language).Send(danger).Send(message);
        Assert.DoesNotContain(ContentRenderer.Common(Content, "safe-now", language), chat.Text, StringComparison.Ordinal);
    }

    /// <summary>An offer reached anew (not on the screen before) says whole who answers and what the person sees (R4).</summary>
    [Theory]
    [InlineData("es", "quiero hablar con una persona")]
    [InlineData("en", "i want to talk to a person")]
    public void AnOfferReachedAnew_IsWhole(string language, string message)
    {
        var consent = Content.Nodes[Content.Common.HandoffConsentNode];
        var chat = Chat.Started(Content, language).Send(message);
        Assert.Equal(consent.Id, chat.Node);
        Assert.Contains(consent.Text[language].Split('\n')[^1], chat.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(Content.Common.Text("offer-again", language), chat.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void ANo_GetsTheLinesAgain_NotAFollowUp()
    {
        var chat = AtTheOffer("es", "me tienen encerrada y no me dejan salir", "emergency-held").Send("no gracias");
        Assert.False(chat.State!.InCase);
        Assert.Contains("104", chat.Text, StringComparison.Ordinal);
    }

    /// <summary>The follow-ups of every emergency page name the page itself or pages that answer; never another emergency.</summary>
    [Fact]
    public void EveryEmergencyPage_NamesItsFollowUps()
    {
        foreach (var page in Content.NodeList.Where(n => n.Kind == NodeKind.Emergency))
        {
            Assert.True(Content.Understander.IsFollowUpPage(page), page.Id);
            Assert.All(page.FollowUps.Values, target => Assert.True(target == page.Id || Content.Nodes[target].Kind != NodeKind.Emergency, $"{page.Id} → {target}"));
        }
    }
}
