using OimBot.Bot.Tests.TestHost;
using OimBot.Content;

namespace OimBot.Bot.Tests.ContentHosting;

/// <summary>
/// WhatsApp templates as content (issue 13): a name Meta accepts, a Meta language code and a body for every language
/// the bot serves, and a body that says only that a reply is waiting: a template can be read on any screen.
/// </summary>
public sealed class TemplatesTests : IDisposable
{
    private readonly TempContent _temp = new();

    public void Dispose() => _temp.Dispose();

    public static TheoryData<string> Languages => [.. ShippedContent.Languages];

    [Theory]
    [MemberData(nameof(Languages))]
    public void TheShippedTemplate_PassesTheValidator_InEveryLanguage(string language)
    {
        var content = ShippedContent.Set;
        var template = Assert.Single(content.Templates);
        var (code, body) = template.For(language, content.Common.SourceLanguage);

        Assert.Equal(("reply-waiting", "oimbot_reply_waiting", "utility"), (template.Id, template.Name, template.Category));
        Assert.Contains(code, Templates.MetaLanguageCodes);
        Assert.False(string.IsNullOrWhiteSpace(body));
        Assert.Null(Templates.Problem(content, body));
        Assert.Contains("OIM", body.Replace("IOM", "OIM", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public void CreoleSpeakers_AreSentTheFrenchTemplate_MetaHasNoCreoleTemplateLanguage()
    {
        var content = ShippedContent.Set;
        var (code, body) = content.Templates[0].For("ht", content.Common.SourceLanguage);

        Assert.Equal("fr", code);
        Assert.StartsWith("Vous avez une réponse de l'OIM", body, StringComparison.Ordinal);
    }

    private const string Good = "  - id: reply-waiting\n    name: oimbot_reply_waiting\n    category: utility\n    languages: { es: es, en: en, fr: fr, ht: fr, pt: pt_BR, zh: zh_CN }\n    text:\n      es: \"Una persona de la OIM tiene una respuesta para ti. Responde a este mensaje para verla.\"\n      en: \"A person from IOM has a reply for you. Reply to this message to see it.\"\n      fr: \"Une personne de l'OIM a une réponse pour vous.\"\n      pt: \"Uma pessoa da OIM tem uma resposta para você.\"\n      zh: \"国际移民组织的工作人员给你回复了。\"\n";

    /// <summary>label, what is changed in a good template, the words of the refusal.</summary>
    public static TheoryData<string, string, string, string> Bad => new()
    {
        { "a variable", "tiene una respuesta para ti.", "tiene una respuesta para {{1}}.", "a variable or placeholder" },
        { "a sensitive word (es)", "tiene una respuesta para ti.", "tiene una respuesta sobre tu denuncia de trata.", "no sensitive word anywhere" },
        { "a sensitive word (en)", "has a reply for you.", "has a reply about the police report.", "no sensitive word anywhere" },
        { "a sensitive word (zh)", "给你回复了。", "就人口贩卖问题给你回复了。", "no sensitive word anywhere" },
        { "a figure", "Responde a este mensaje", "Llama al 104 o responde a este mensaje", "a figure, link or personal data" },
        { "a link", "has a reply for you.", "has a reply for you at www.example.org", "a figure, link or personal data" },
        { "a name Meta refuses", "name: oimbot_reply_waiting", "name: OimBot Reply", "is not a name WhatsApp accepts" },
        { "marketing", "category: utility", "category: marketing", "is a 'utility' template" },
        { "a code Meta does not have", "ht: fr", "ht: ht", "'ht' is not a template language code" },
        { "a language without template", ", zh: zh_CN }", " }", "no template language for 'zh'" },
        { "a code without text", "      pt: \"Uma pessoa da OIM tem uma resposta para você.\"\n", string.Empty, "no text in 'pt'" },
    };

    [Theory]
    [MemberData(nameof(Bad))]
    public void ABadTemplate_IsRefusedWithItsLine(string label, string find, string replace, string expected)
    {
        var yaml = "templates:\n" + Good;
        Assert.Contains(find, yaml, StringComparison.Ordinal);
        File.WriteAllText(Path.Combine(_temp.ContentDirectory, Templates.File), yaml.Replace(find, replace, StringComparison.Ordinal));

        var result = ContentLoader.Load(new ContentSources(_temp.ContentDirectory, _temp.FactsPath, _temp.Root), ShippedContent.Today);

        Assert.True(result.Content is null, label);
        Assert.Contains(result.Errors, e => e.Message.Contains(expected, StringComparison.Ordinal) && e.File.EndsWith(Templates.File, StringComparison.Ordinal) && e.Line > 0);
    }
}
