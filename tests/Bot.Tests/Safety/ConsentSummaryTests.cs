using OimBot.Bot.Dialogs;
using OimBot.Bot.Tests.TestHost;
using OimBot.Content;

namespace OimBot.Bot.Tests.Safety;

/// <summary>
/// R4, informed consent (issue 12): the question before a person reads the conversation names everything the case
/// page shows them. Every path through the bot to the question is walked, the case it opens is built, and each field
/// the caseworker will see must be named by the question, in every language.
/// </summary>
public class ConsentSummaryTests
{
    private static ContentSet Content => ShippedContent.Set;

    public static TheoryData<string> Languages => [.. ShippedContent.Languages];

    /// <summary>What the case page shows, and the words that name it in the consent question of each language.</summary>
    private static readonly Dictionary<string, Dictionary<string, string>> Named = new(StringComparer.Ordinal)
    {
        ["topic"] = new() { ["es"] = "el tema", ["en"] = "the topic", ["fr"] = "le sujet", ["ht"] = "sijè a", ["pt"] = "o tema", ["zh"] = "话题" },
        ["path"] = new() { ["es"] = "las páginas que abriste", ["en"] = "the pages you opened", ["fr"] = "les pages que vous avez ouvertes", ["ht"] = "paj ou louvri", ["pt"] = "as páginas que você abriu", ["zh"] = "打开的页面" },
        ["answers"] = new() { ["es"] = "tus respuestas a las preguntas cortas", ["en"] = "your answers to the short questions", ["fr"] = "vos réponses aux questions courtes", ["ht"] = "repons ou bay nan ti kesyon yo", ["pt"] = "suas respostas às perguntas rápidas", ["zh"] = "对简短问题的回答" },
        ["language"] = new() { ["es"] = "tu idioma", ["en"] = "your language", ["fr"] = "votre langue", ["ht"] = "lang ou", ["pt"] = "seu idioma", ["zh"] = "你的语言" },
        ["channel"] = new() { ["es"] = "el canal por el que escribes", ["en"] = "the channel you write from", ["fr"] = "le canal par lequel vous écrivez", ["ht"] = "kanal w ap ekri a", ["pt"] = "o canal pelo qual você escreve", ["zh"] = "聊天渠道" },
        ["messages"] = new() { ["es"] = "lo que escribas desde ahora", ["en"] = "what you write from now on", ["fr"] = "ce que vous écrirez à partir de maintenant", ["ht"] = "sa w ap ekri apati kounye a", ["pt"] = "o que você escrever a partir de agora", ["zh"] = "你从现在起写的内容" },
    };

    [Theory]
    [MemberData(nameof(Languages))]
    public void EveryFieldOfEveryCaseSummary_IsNamedByTheConsentQuestion(string language)
    {
        var consent = ContentRenderer.Render(Content, Content.Nodes[Content.Common.HandoffConsentNode], language).Text;
        var summaries = 0;
        foreach (var open in CasesOpenedOnEveryPath(language))
        {
            summaries++;
            // The case page shows the topic, the language and the channel always, then the pages opened and the answers
            // when there are any, and the messages from the yes on.
            var shown = new List<string> { "topic", "language", "channel", "messages" };
            if (open.Path.Count > 0)
            {
                shown.Add("path");
            }

            if (open.Answers.Count > 0)
            {
                shown.Add("answers");
            }

            Assert.All(shown, field => Assert.Contains(Named[field][language], consent, StringComparison.Ordinal));
        }

        Assert.True(summaries >= 5, $"{summaries} paths reached the question");
        Assert.Null(ContentValidator.PreviewWord(Content, consent, language)); // R10: a neutral first line even when shown after danger
    }

    /// <summary>Breadth-first over taps from the main menu: at every consent question reached, "yes" and the case it opens.</summary>
    private static IEnumerable<CaseAction.Open> CasesOpenedOnEveryPath(string language)
    {
        var visited = new HashSet<string>(StringComparer.Ordinal);
        var queue = new Queue<List<string>>([[]]);
        while (queue.TryDequeue(out var path))
        {
            var chat = Chat.Started(Content, language);
            foreach (var key in path)
            {
                chat.TapKey(key);
            }

            if (chat.Node == Content.Common.HandoffConsentNode && !chat.State!.InCase)
            {
                var yes = chat.TapKey(ContentNode.ChoiceKey(Content.Common.HandoffConsentNode, "yes"));
                if (yes.Last!.CaseActions.OfType<CaseAction.Open>().FirstOrDefault() is { } open)
                {
                    yield return open;
                }

                continue;
            }

            if (chat.State is null || chat.State.InCase || !visited.Add($"{chat.Node}|{string.Join(',', chat.State.Answers.Keys)}"))
            {
                continue;
            }

            foreach (var choice in chat.Replies.SelectMany(r => r.Choices))
            {
                queue.Enqueue([.. path, choice.Key]);
            }
        }
    }
}
