using System.Net;
using OimBot.Bot.Handoff;
using OimBot.Bot.Tests.TestHost;

namespace OimBot.Bot.Tests.Handoff;

/// <summary>Supervisors see in the content health page which languages await review, and how far each is translated.</summary>
public sealed class ContentHealthTranslationTests
{
    [Fact]
    public async Task TheContentHealthPage_ListsEachTranslatedLanguage_WithItsReviewAndWhatItStillLacks()
    {
        using var temp = new TempContent();
        Directory.CreateDirectory(Path.Combine(temp.ContentDirectory, "translations"));
        temp.Write("translations/ht.yaml", "language: ht\nname: \"Kreyòl ayisyen\"\nstatus: draft\ntexts:\n  \"text:resumed\": \"Bonjou ankò.\"\n");
        temp.Write("translations/fr.yaml", "language: fr\nname: \"Français\"\nstatus: reviewed\nreviewer: \"Claire Dupont\"\nreviewed_on: 2026-11-28\ntexts:\n  \"text:resumed\": \"Rebonjour.\"\n  \"text:stopped\": \"C'est fait, vous ne recevrez plus de messages. Si vous écrivez à nouveau, nous vous répondrons.\"\n");
        await using var factory = await new BotFactory(temp.ContentDirectory, temp.FactsPath).WithStaffAsync(("sara", Roles.Supervisor));
        using var client = await InboxClient.SignedInAsync(factory, "sara", BotFactory.StaffPassword);

        var response = await client.Http.GetAsync("/inbox/contenthealth");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("Kreyòl ayisyen (ht)", html, StringComparison.Ordinal);
        Assert.Contains("borrador: espera revisión", html, StringComparison.Ordinal);
        Assert.Contains("Claire Dupont, 2026-11-28", html, StringComparison.Ordinal);
        Assert.Contains("1 de ", html, StringComparison.Ordinal);
        Assert.Contains("2 de ", html, StringComparison.Ordinal);
        Assert.Contains(": emergency, emergency/", html, StringComparison.Ordinal); // the emergency answer is a safety text still to translate
        Assert.Matches("data-language=\"zh\">\\s*<td>[^<]*</td>\\s*<td data-served=\"yes\"", html); // the shipped Mandarin draft serves
        Assert.Matches("data-language=\"ht\">\\s*<td>[^<]*</td>\\s*<td data-served=\"no\">no \\(enabled: false\\)", html);
    }
}
