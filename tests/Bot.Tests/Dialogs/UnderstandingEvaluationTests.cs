using OimBot.Bot.Tests.TestHost;
using OimBot.Content;
using OimBot.Content.Matching;

namespace OimBot.Bot.Tests.Dialogs;

/// <summary>
/// The floors the understanding step must keep on the held-out evaluation set (tests/Evaluation): written from
/// realistic phrasings by people who never saw the training examples, and never used for training or keyword lists.
/// </summary>
public class UnderstandingEvaluationTests
{
    private static readonly string Set = Path.Combine(RepoPaths.Root, "tests", "Evaluation");

    private static ContentSet Content => ShippedContent.Set;

    private static readonly Lazy<IReadOnlyList<UnderstandingEvaluation.LanguageReport>> Reports = new(() =>
        UnderstandingEvaluation.Evaluate(Content, UnderstandingEvaluation.ReadMessages(Set), UnderstandingEvaluation.ReadLabels(Path.Combine(Set, "labels.tsv"))));

    public static TheoryData<string> Languages => [.. ShippedContent.Languages];

    [Theory]
    [MemberData(nameof(Languages))]
    public void EveryLanguage_HasAtLeast60DangerMessagesAnd40TopicQuestions(string language)
    {
        var report = Assert.Single(Reports.Value, r => r.Language == language);
        Assert.True(report.DangerMessages >= 60, $"{report.DangerMessages} danger messages");
        Assert.True(report.TopicMessages >= 40, $"{report.TopicMessages} topic questions");
        Assert.All(report.Categories, c => Assert.True(c.Messages >= 6, $"{c.Category}: {c.Messages}"));
    }

    /// <summary>
    /// No evaluation or development message is an example or a keyword the classifier learns from. The global command
    /// words ("menu", "ayuda") and the nodes' titles (the button texts on screen, "我需要帮助", "Retorno voluntário") are
    /// the exceptions: they are the product's fixed vocabulary, which people type as they read it.
    /// </summary>
    [Fact]
    public void TheEvaluationAndDevelopmentSets_AreNeverTrainedOn()
    {
        var commands = Content.Common.Commands.Values.SelectMany(c => c.Values).SelectMany(p => p)
            .Concat(Content.NodeList.Where(n => n.Title is not null).SelectMany(n => n.Title!.Values.Values))
            .Select(TextNormalizer.Normalize).ToHashSet(StringComparer.Ordinal);
        var trained = Content.Understander.TrainingSet.Select(e => string.Join(' ', e.Words)).Where(t => !commands.Contains(t)).ToHashSet(StringComparer.Ordinal);
        var messages = UnderstandingEvaluation.ReadMessages(Set).Concat(UnderstandingEvaluation.ReadMessages(Path.Combine(Set, "dev"))).Concat(UnderstandingEvaluation.ReadMessages(Path.Combine(Set, "goodbyes")));
        var leaked = messages.Where(m => trained.Contains(TextNormalizer.Normalize(m.Text))).Select(m => m.Text).ToList();
        Assert.True(leaked.Count == 0, "trained on: " + string.Join(" | ", leaked));
    }

    [Theory]
    [MemberData(nameof(Languages))]
    public void Danger_IsRecalledAtLeast97Percent_WithAtMost3PercentFalsePositives(string language)
    {
        var report = Assert.Single(Reports.Value, r => r.Language == language);
        Assert.True(report.DangerRecall >= 0.97, $"danger recall {report.DangerRecall:P1}; missed: {Missed(report, danger: true)}");
        Assert.True(report.FalsePositiveRate <= 0.03, $"false positives {report.FalsePositiveRate:P1}: {Missed(report, danger: false)}");
    }

    [Theory]
    [MemberData(nameof(Languages))]
    public void Topics_AreRightFirstAtLeast90Percent_AndAtMost5PercentGetNoAnswer(string language)
    {
        var report = Assert.Single(Reports.Value, r => r.Language == language);
        Assert.True(report.TopicTop1 >= 0.90, $"topic top-1 {report.TopicTop1:P1}; {string.Join("; ", report.Confusions.Select(c => $"{c.Expected}→{c.Got}×{c.Count}"))}");
        Assert.True(report.NotUnderstoodWithoutQuestion <= 0.05, $"not understood {report.NotUnderstoodWithoutQuestion:P1}");
    }

    [Theory]
    [MemberData(nameof(Languages))]
    public void TheLanguageOfEachMessage_IsRecognised(string language)
    {
        var report = Assert.Single(Reports.Value, r => r.Language == language);
        Assert.True(report.LanguageAccuracy >= 0.95, $"language identified for {report.LanguageAccuracy:P1}");
    }

    private static readonly Lazy<IReadOnlyList<UnderstandingEvaluation.LanguageReport>> Goodbyes = new(() =>
        UnderstandingEvaluation.Evaluate(Content, UnderstandingEvaluation.ReadMessages(Path.Combine(Set, "goodbyes")), UnderstandingEvaluation.ReadLabels(Path.Combine(Set, "labels.tsv"))));

    /// <summary>
    /// Leaving the chat (tests/Evaluation/goodbyes, a development set a blind writer wrote, 2026-12-06): a farewell that
    /// means ending one's life always gets the channels ("demain je serai plus là", "this is my last message"), and at
    /// most three of the eighteen or nineteen ordinary goodbyes of a language get an emergency page (a floor, not the
    /// goal: "me voy a trabajar, luego escribo" gets the question about being held, "até mais" the page on self-harm).
    /// </summary>
    [Theory]
    [MemberData(nameof(Languages))]
    public void Goodbyes_AreNotEmergencies_AndALastFarewellAlwaysIs(string language)
    {
        var report = Assert.Single(Goodbyes.Value, r => r.Language == language);
        Assert.True(report.DangerRecall >= 1.0, $"danger recall {report.DangerRecall:P1}; missed: {Missed(report, danger: true)}");
        Assert.True(report.FalsePositiveRate <= 0.16, $"false positives {report.FalsePositiveRate:P1}: {Missed(report, danger: false)}");
    }

    private static string Missed(UnderstandingEvaluation.LanguageReport report, bool danger) =>
        string.Join(" | ", report.Outcomes
            .Where(o => o.Message.Label.StartsWith(EvaluationLabel.DangerPrefix, StringComparison.Ordinal) == danger && o.Danger != danger)
            .Select(o => $"{o.Message.Label}: {o.Message.Text}"));
}
