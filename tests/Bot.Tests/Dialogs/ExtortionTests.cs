using OimBot.Bot.Tests.TestHost;
using OimBot.Content;

namespace OimBot.Bot.Tests.Dialogs;

/// <summary>
/// Money asked to let someone through (2026-12-06): "la policía me pidió plata para dejarme pasar" had got the page on
/// sexual violence, sure; a shelter's bed or a "free" bus sold, "No entendí" or the page on food and a bed. They now get
/// a sensitive page (`dangers-extortion`) that says it is not their fault and asks nothing about who or where, gives the
/// vetted channels for a threat or a danger now, offers a person, and ends with the scam warning (IOM's and UNHCR's help
/// is free) and the discreet exit. Money asked with a threat is the danger first; a permit sold inside an office stays
/// the page on paid procedures.
/// </summary>
public class ExtortionTests
{
    private const string Page = "dangers-extortion";

    private static ContentSet Content => ShippedContent.Set;

    public static TheoryData<string, string> MoneyAskedToPass => new()
    {
        { "un policía en el retén nos quiere cobrar 40 dólares por persona para dejarnos seguir", "es" },
        { "the police at the checkpoint want 40 dollars each to let us continue", "en" },
        { "les policiers du barrage veulent 40 dollars chacun pour nous laisser continuer", "fr" },
        { "polis yo nan baraj la vle 40 dola pou chak moun pou yo kite nou kontinye", "ht" },
        { "os policiais da barreira querem 40 dolares de cada um pra deixar a gente seguir", "pt" },
        { "检查站的警察要我们每人40美元才让我们继续走", "zh" },
    };

    [Theory]
    [MemberData(nameof(MoneyAskedToPass))]
    public void MoneyAskedToLetThemThrough_GetsThePage_WithTheChannels_TheScamWarning_AndTheDiscreetExit(string message, string language)
    {
        var chat = Chat.Started(Content, language).Send(message);

        Assert.True(chat.Node == Page, $"\"{message}\" went to {chat.Node}");
        Assert.Contains("104", chat.Text, StringComparison.Ordinal);
        Assert.Contains(ContentRenderer.Common(Content, "scam-warning", language), chat.Text, StringComparison.Ordinal);
        Assert.EndsWith(ContentRenderer.Common(Content, "discreet-exit", language), chat.Replies[^1].Text, StringComparison.Ordinal);
        Assert.Contains(chat.Replies.SelectMany(r => r.Choices), c => c.Key == ContentNode.ChoiceKey(Page, Content.Common.HandoffNode));
        // It asks nothing: not who asked, not where (R1).
        Assert.DoesNotContain('?', chat.Text.Replace(ContentRenderer.Common(Content, "discreet-exit", language), string.Empty, StringComparison.Ordinal));
        Assert.DoesNotContain('？', chat.Text);
    }

    /// <summary>Rows that had gone wrong before the page (issue-style samples of the class, not its whole list).</summary>
    [Theory]
    [InlineData("la policía me pidió plata para dejarme pasar", "es", Page)] // had been the page on sexual violence, sure
    [InlineData("the cops at the border want a bribe", "en", Page)] // had been "not understood"
    [InlineData("en el albergue cobran 25 por una colchoneta, no era gratis?", "es", Page)]
    [InlineData("el de migración me dijo que si le pago 300 me saca el carnet en una semana", "es", "regularisation-scams")]
    public void WhatHadGoneWrong_GoesToItsPage(string message, string language, string expected)
    {
        var chat = Chat.Started(Content, language).Send(message);

        // The page itself, or (the model unsure) the first of the pages the bot asks between.
        var offered = chat.Replies.SelectMany(r => r.Choices).Select(c => c.Key).FirstOrDefault();
        Assert.True(chat.Node == expected || (offered?.EndsWith("/" + expected, StringComparison.Ordinal) ?? false), $"\"{message}\" went to {chat.Node} ({offered})");
        Assert.False(Content.Nodes[chat.Node!].Kind == NodeKind.Emergency, $"\"{message}\" got an emergency page");
    }

    /// <summary>Money asked with a threat on one's life is read as the threat: the channels and the danger question first.</summary>
    [Theory]
    [InlineData("la policia me pidio plata y me amenazó con matarme", "es")]
    [InlineData("they want money at the checkpoint and said they will kill us if we dont pay", "en")]
    public void MoneyAskedWithAThreat_IsTheDangerFirst(string message, string language)
    {
        var chat = Chat.Started(Content, language).Send(message);
        var firstLine = chat.Replies[0].Text.Split('\n')[0];
        Assert.Contains("104", firstLine, StringComparison.Ordinal);
        Assert.True(chat.State!.DangerSignalled, $"\"{message}\" went to {chat.Node}");
    }

    /// <summary>
    /// Threats told by phone to make one pay (a blind tester, 2026-12-07: "me llamaron diciendo que tienen a mi hermano y
    /// que si no pago lo matan" had got the page on threats alone; "que son de migración y que si no pago me deportan" a
    /// question between pages that never said it may be a trick): the threat is the danger first, with the channels; its
    /// page and the page on being held offer the page on money asked, which says it may be a trick, to reach the relative
    /// another way before paying and to give no details; the page on paid procedures says to distrust threats by message.
    /// </summary>
    [Theory]
    [InlineData("me llamaron diciendo que tienen a mi hermano y que si no pago lo matan", "es")]
    [InlineData("me llamaron que tienen secuestrado a mi hijo y piden 500 dolares", "es")]
    [InlineData("someone called saying they kidnapped my sister and want money", "en")]
    public void AThreatToMakeOnePay_IsTheDangerFirst_ThenThePageOnMoneyAsked(string message, string language)
    {
        var chat = Chat.Started(Content, language).Send(message);
        Assert.True(chat.State!.DangerSignalled, $"\"{message}\" went to {chat.Node}");
        Assert.Contains("104", chat.Replies[0].Text.Split('\n')[0], StringComparison.Ordinal);
        var emergency = chat.State.History[^1];
        var money = Assert.Single(chat.Replies.SelectMany(r => r.Choices), c => c.Key == ContentNode.ChoiceKey(emergency, Page));

        chat.TapKey(money.Key);
        Assert.Equal(Page, chat.Node);
        Assert.Contains(language == "es" ? "puede ser un engaño" : "it may be a trick", chat.Text, StringComparison.Ordinal);
        Assert.Contains(language == "es" ? "intenta hablar con tu familiar por otro medio" : "try to reach your relative another way", chat.Text, StringComparison.Ordinal);
        Assert.EndsWith(ContentRenderer.Common(Content, "discreet-exit", language), chat.Replies[^1].Text, StringComparison.Ordinal);
    }

    /// <summary>The pages on threats and on being held offer the page on money asked in every language, translated.</summary>
    [Fact]
    public void ThePagesOnThreatsAndOnBeingHeld_OfferIt_InEveryLanguage()
    {
        foreach (var language in Content.Common.Languages.Select(l => l.Code))
        {
            foreach (var emergency in new[] { "emergency-threatened", "emergency-held" })
            {
                var page = ContentRenderer.Render(Content, Content.Nodes[emergency], language);
                var choice = Assert.Single(page.Choices, c => c.Key == ContentNode.ChoiceKey(emergency, Page));
                Assert.Equal(ContentRenderer.Render(Content, Content.Nodes["dangers-violence"], language).Choices.Single(c => c.Key == ContentNode.ChoiceKey("dangers-violence", Page)).Label, choice.Label);
            }

            var scams = ContentRenderer.Render(Content, Content.Nodes["regularisation-scams"], language).Text;
            var extortion = ContentRenderer.Render(Content, Content.Nodes[Page], language).Text;
            Assert.Equal(6, scams.Split('\n').Count(l => l.StartsWith('•')));
            Assert.Equal(4, extortion.Split('\n').Count(l => l.StartsWith('•')));
        }
    }

    /// <summary>The page on attacks on the route offers it by a button, in every language the service speaks.</summary>
    [Fact]
    public void ThePageOnAttacksOnTheRoute_OffersIt()
    {
        foreach (var language in Content.Common.Languages.Select(l => l.Code))
        {
            var chat = Chat.At(Content, "dangers-violence", language).TapKey(ContentNode.ChoiceKey("dangers-violence", Page));
            Assert.Equal(Page, chat.Node);
        }
    }
}
