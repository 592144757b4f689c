using System.Net.Http.Json;
using System.Text.Json;
using OimBot.Bot.Dialogs;
using OimBot.Bot.Tests.TestHost;
using OimBot.Content;

namespace OimBot.Bot.Tests.Dialogs;

/// <summary>
/// Texts true to the channel (issue 12): the notice and the discreet-exit block say what is true where the person
/// reads them. On the web chat that is the browser and the site, and how to leave fast; on the apps, nothing the
/// research has not verified (disappearing messages, deleting a bot chat for both sides: domain-facts §7 item 10).
/// </summary>
public class ChannelVariantsTests
{
    private static ContentSet Content => ShippedContent.Set;

    private static TurnResult First(string channel, string text) =>
        DialogEngine.Step(Content, null, UserMessage.FromText(text) with { Channel = channel }, new FakeClock().GetUtcNow(), Chat.Options);

    /// <summary>channel, first message, what the first reply must say, what it must not.</summary>
    public static TheoryData<string, string, string, string> Rows => new()
    {
        { "webchat", "hola", "Tu navegador guarda esta visita", "WhatsApp o Telegram" },
        { "whatsapp", "hola", "WhatsApp o Telegram pueden ver", "navegador" },
        { "telegram", "hola", "WhatsApp o Telegram pueden ver", "navegador" },
        { "twilio", "hola", "WhatsApp o Telegram pueden ver", "navegador" },
        { "webchat", "hello", "Your browser keeps this visit", "WhatsApp or Telegram" },
        { "webchat", "estoy en peligro", "toca Salir o cierra la pestaña", "No guardes este número" },
        { "whatsapp", "estoy en peligro", "No guardes este número", "Salir" },
        { "twilio", "I am in danger", "Do not save this number", "close the tab" },
        // a Telegram bot has no number to save under a name (2026-12-06): muting keeps its messages off the lock screen
        { "telegram", "I am in danger", "mute it so that its messages do not show on the lock screen", "Do not save this number" },
        { "telegram", "estoy en peligro", "silenciarlo", "No guardes este número" },
        { "webchat", "je suis en danger", "fermez l'onglet", "N'enregistrez pas ce numéro" },
        { "webchat", "救命", "关闭标签页", "保存这个号码" },
    };

    [Theory]
    [MemberData(nameof(Rows))]
    public void EachChannel_ReadsItsOwnVariant(string channel, string message, string says, string never)
    {
        var result = First(channel, message);
        var text = string.Join("\n", result.Replies.Select(r => r.Text));

        Assert.Contains(says, text, StringComparison.Ordinal);
        Assert.DoesNotContain(never, text, StringComparison.Ordinal);
        Assert.Equal(channel, result.State!.Channel);
    }

    /// <summary>What the service says about itself is true to the channel too: a browser's history on the web chat.</summary>
    [Theory]
    [InlineData("webchat", "Tu navegador guarda esta visita", "WhatsApp o Telegram")]
    [InlineData("whatsapp", "WhatsApp o Telegram pueden ver", "navegador")]
    public void AboutTheService_ReadsItsChannelsVariant(string channel, string says, string never)
    {
        var first = First(channel, "hola");
        var consented = DialogEngine.Step(Content, first.State, UserMessage.FromChoice(ContentNode.ChoiceKey(Content.Common.StartNode, "es")), new FakeClock().GetUtcNow(), Chat.Options);
        var about = DialogEngine.Step(Content, consented.State, UserMessage.FromText("quien puede ver mis mensajes"), new FakeClock().GetUtcNow(), Chat.Options);

        Assert.Equal("about-service", about.State!.NodeId);
        Assert.Contains(says, about.Replies[0].Text, StringComparison.Ordinal);
        Assert.DoesNotContain(never, about.Replies[0].Text, StringComparison.Ordinal);
        Assert.EndsWith(ContentRenderer.Common(Content.ForChannel(channel), "discreet-exit", "es"), about.Replies[0].Text, StringComparison.Ordinal);
        Assert.False(about.State.DangerSignalled);
    }

    /// <summary>A later turn, a caseworker's claim or a timeout read the variant of the conversation's own channel.</summary>
    [Fact]
    public void TheChannelIsKept_ForEveryLaterReply()
    {
        var first = First("webchat", "hola");
        var later = DialogEngine.Step(Content, first.State, UserMessage.FromText("me quiero morir"), new FakeClock().GetUtcNow(), Chat.Options);

        Assert.EndsWith(ContentRenderer.Common(Content.ForChannel("webchat"), "discreet-exit", "es"), later.Replies[^1].Text, StringComparison.Ordinal);
        Assert.Contains("Salir", later.Replies[^1].Text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("es")]
    [InlineData("en")]
    [InlineData("fr")]
    [InlineData("ht")]
    [InlineData("pt")]
    [InlineData("zh")]
    public void EveryVariant_ExistsInEveryLanguage_AndTheAppsAreToldNothingUnverified(string language)
    {
        var web = Content.ForChannel("webchat");
        Assert.NotEqual(Content.Common.Text("discreet-exit", language), web.Common.Text("discreet-exit", language));
        Assert.NotEqual(Content.Nodes["welcome"].Text[language], web.Nodes["welcome"].Text[language]);
        Assert.True(Content.Nodes["welcome"].Variants["webchat"].Has(language));
        foreach (var unverified in new[] { "temporales", "disappearing", "éphémères", "tanporè", "temporárias", "限时消息" })
        {
            Assert.DoesNotContain(unverified, Content.Common.Text("discreet-exit", language), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task TheWebChat_ShowsTheBrowserNotice_OverHttp()
    {
        await using var factory = new BotFactory();
        using var client = factory.CreateClient();

        var response = await client.PostAsJsonAsync("/api/webchat/messages", new { conversationId = Guid.NewGuid().ToString("N"), text = "hola" });

        response.EnsureSuccessStatusCode();
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.ToString();
        Assert.Contains("Tu navegador guarda esta visita", body, StringComparison.Ordinal);
    }
}
