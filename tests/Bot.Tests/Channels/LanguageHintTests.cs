using OimBot.Bot.Tests.TestHost;
using OimBot.Content;

namespace OimBot.Bot.Tests.Channels;

/// <summary>
/// A first message that says nothing of its language ("ok", "👍") is answered in the language the channel hints:
/// Telegram's app language, the country code of a WhatsApp number (Cloud API and Twilio). The hint is used for that
/// reply only: nothing of it, nor of the number, is stored.
/// </summary>
public sealed class LanguageHintTests(ChannelHostFixture fixture) : IClassFixture<ChannelHostFixture>
{
    private ChannelHost Host => fixture.Host;

    private static string Welcome(string language) =>
        ShippedContent.Set.Nodes[ShippedContent.Set.Common.StartNode].Text[language].Split('\n')[0];

    public static TheoryData<string, string> TelegramTags => new()
    {
        { "pt-br", "pt" }, { "fr", "fr" }, { "zh-hans", "zh" }, { "ht", "ht" }, { "de", "es" },
    };

    [Theory]
    [MemberData(nameof(TelegramTags))]
    public async Task Telegram_TheAppsLanguage_ChoosesTheFirstReplysLanguage(string tag, string language)
    {
        Assert.Contains($"\"text\":\"{Welcome(language)}\n", await TelegramFirstReplyAsync(tag, "ok"), StringComparison.Ordinal);
        await AssertNothingOfTheHintIsStoredAsync(tag.Contains('-', StringComparison.Ordinal) ? tag : "no-tag"); // "fr" is the chosen language itself
    }

    /// <summary>
    /// Telegram's /start (the first message of every Telegram chat, with a deep link's payload or the bot's name) is the
    /// app's word, not the person's: it tells no language, so the app's language chooses (it had opened every chat in
    /// English, found in a new user's try).
    /// </summary>
    [Theory]
    [InlineData("/start", "es", "es")]
    [InlineData("/start campaign_x", "es", "es")]
    [InlineData("/start@OimBot", "fr", "fr")]
    [InlineData("/start", "ht", "ht")]
    [InlineData("/start", "zh-hans", "zh")]
    public async Task Telegram_Start_IsAnsweredInTheAppsLanguage(string text, string tag, string language)
    {
        Assert.Contains($"\"text\":\"{Welcome(language)}\n", await TelegramFirstReplyAsync(tag, text), StringComparison.Ordinal);
    }

    /// <summary>A new Telegram chat's first message from an app in <paramref name="tag"/>, and the bot's first reply to it.</summary>
    private async Task<string> TelegramFirstReplyAsync(string tag, string text)
    {
        var chat = ChannelHostFixture.Unique();
        var body = ChannelHost.TelegramText(ChannelHostFixture.Unique(), chat, text)
            .Replace("\"first_name\":\"Ana\"},\"chat\"", $"\"first_name\":\"Ana\",\"language_code\":\"{tag}\"}},\"chat\"", StringComparison.Ordinal);
        Assert.Contains("language_code", body, StringComparison.Ordinal);

        await Host.PostTelegramAsync(body);

        return (await Host.Fake.WaitForAsync(rs => rs.Any(r => r.Answered && r.Body.Contains($"\"chat_id\":{chat},", StringComparison.Ordinal))))
            .Last(r => r.Body.Contains($"\"chat_id\":{chat},", StringComparison.Ordinal)).Text;
    }

    [Theory]
    [InlineData("50937", "ht")]
    [InlineData("86138", "zh")]
    [InlineData("55119", "pt")]
    [InlineData("50761", "es")]
    public async Task WhatsApp_TheNumbersCountryCode_ChoosesTheFirstReplysLanguage(string prefix, string language)
    {
        var from = prefix + ChannelHostFixture.Unique().ToString(System.Globalization.CultureInfo.InvariantCulture);

        await Host.PostWhatsAppAsync(ChannelHost.WhatsAppText(from, "wamid.h" + ChannelHostFixture.Unique(), "👍"));

        var reply = (await Host.Fake.WaitForAsync(rs => rs.Any(r => r.Answered && r.Body.Contains(from, StringComparison.Ordinal)))).Last(r => r.Body.Contains(from, StringComparison.Ordinal));
        Assert.Contains(Welcome(language), reply.Text, StringComparison.Ordinal);
        await AssertNothingOfTheHintIsStoredAsync(prefix[..3]);
    }

    [Theory]
    [InlineData("+509", "ht")]
    [InlineData("+86", "zh")]
    public async Task Twilio_TheNumbersCountryCode_ChoosesTheFirstReplysLanguage(string code, string language)
    {
        var from = $"whatsapp:{code}3{ChannelHostFixture.Unique()}";

        await Host.PostTwilioAsync(ChannelHost.TwilioInbound(from, "SM" + Guid.NewGuid().ToString("N"), "ok"));

        var reply = (await Host.Fake.WaitForAsync(rs => rs.Any(r => r.Answered && r.Text.Contains(from, StringComparison.Ordinal)))).Last(r => r.Text.Contains(from, StringComparison.Ordinal));
        Assert.Contains(Welcome(language), reply.Text, StringComparison.Ordinal);
    }

    /// <summary>A sender id that is no phone number hints nothing (a BSUID's first digits had been read as a country code).</summary>
    [Theory]
    [InlineData("16505551234", "165")]
    [InlineData("whatsapp:+8613800000000", "861")]
    [InlineData("+50761234567", "507")]
    [InlineData("US.13491208655302741918", null)]
    [InlineData("whatsapp:US.1349120865530", null)]
    [InlineData("", null)]
    [InlineData("+", null)]
    [InlineData("12", null)]
    public void OnlyAPhoneNumber_HintsACountry(string sender, string? callingCode) =>
        Assert.Equal(callingCode, OimBot.Bot.Channels.LanguageHints.FromPhone(sender)?.CallingCode);

    /// <summary>Conversations keep a language and a pseudonymous address; never the hint, nor a tag or country code.</summary>
    private async Task AssertNothingOfTheHintIsStoredAsync(string hint)
    {
        Assert.Equal(0, await Host.CountAsync("SELECT COUNT(*) FROM conversations WHERE state LIKE '%Hint%' OR state LIKE '%CallingCode%' OR state LIKE @hint", new { hint = $"%\"{hint}%" }));
    }
}
