using OimBot.Bot.Tests.TestHost;
using OimBot.Content;
using OimBot.Content.Matching;

namespace OimBot.Bot.Tests.Dialogs;

/// <summary>
/// The floors answers in words to the yes/no questions of the way must keep on the held-out set
/// (tests/Evaluation/answers.tsv): written blind by someone who never saw the content, and never used for training,
/// answer words or answer examples. Tuning is done on tests/Evaluation/dev/answers.tsv. Figures in BENCHMARKS.md.
/// </summary>
public class AnswerEvaluationTests
{
    private static readonly string Set = Path.Combine(RepoPaths.Root, "tests", "Evaluation");

    private static ContentSet Content => ShippedContent.Set;

    private static readonly Lazy<IReadOnlyList<AnswerEvaluation.Report>> Reports = new(() =>
        AnswerEvaluation.Evaluate(Content, AnswerEvaluation.Read(Path.Combine(Set, AnswerEvaluation.FileName)), UnderstandingEvaluation.ReadLabels(Path.Combine(Set, "labels.tsv"))));

    private static AnswerEvaluation.Report All => Reports.Value[^1];

    [Fact]
    public void TheSet_CoversEveryLanguageAndEveryQuestion()
    {
        Assert.Equal([.. ShippedContent.Languages.Order(StringComparer.Ordinal), "all"], Reports.Value.Select(r => r.Language));
        var questions = All.Outcomes.Select(o => o.Message.Node).Distinct(StringComparer.Ordinal).ToList();
        Assert.All(Content.NodeList.Where(n => n.AnswerExamples.Count > 0), n => Assert.Contains(n.Id, questions));
        Assert.All(Reports.Value, r => Assert.True(r.Answers >= 15 && r.Dangers >= 5, $"{r.Language}: {r.Answers} answers, {r.Dangers} dangers"));
    }

    /// <summary>A danger slipped into an answer ("no, el coyote se lo quedó") gets the emergency channels (R11).</summary>
    [Fact]
    public void DangerInAnAnswer_GetsTheEmergencyChannels()
    {
        Assert.True(All.DangerRecall >= DangerRecallFloor, $"danger recall {All.DangerRecall:P1}; missed: {Wrong(danger: true)}");
    }

    [Fact]
    public void AnswersInWords_AreTheirAnswer_AndRarelyTheEmergencyPage()
    {
        Assert.True(All.AnswersRight >= AnswersRightFloor, $"answers right {All.AnswersRight:P1}; {Wrong(danger: false)}");
        Assert.True(All.AnswersAlarmed <= AnswersAlarmedCeiling, $"answers given the emergency page {All.AnswersAlarmed:P1}");
    }

    /// <summary>No answer example or answer word is a message of the held-out or the development set.</summary>
    [Fact]
    public void TheAnswerSets_AreNeverTrainedOn()
    {
        var taught = Content.NodeList.SelectMany(n => n.AnswerExamples.Values.SelectMany(e => e.Values.SelectMany(p => p)))
            .Concat(Content.Common.AnswerWords.Values.SelectMany(w => w.Values.SelectMany(p => p)))
            .Select(TextNormalizer.Normalize).ToHashSet(StringComparer.Ordinal);
        var messages = AnswerEvaluation.Read(Path.Combine(Set, AnswerEvaluation.FileName)).Concat(AnswerEvaluation.Read(Path.Combine(Set, "dev", AnswerEvaluation.FileName)));
        Assert.Empty(messages.Where(m => taught.Contains(TextNormalizer.Normalize(m.Text))).Select(m => m.Text));
    }

    // Measured 2026-12-06 (fortieth session): danger recall 94.9 % (91.5 % before the questions' own models), answers
    // right 90.1 % (58.3 %), answers given the emergency page 6.6 % (15.2 %). The floors keep a row or two of slack.
    private const double DangerRecallFloor = 0.93;
    private const double AnswersRightFloor = 0.87;
    private const double AnswersAlarmedCeiling = 0.09;

    private static string Wrong(bool danger) =>
        string.Join(" | ", All.Outcomes
            .Where(o => !o.Right && o.Message.Expected.StartsWith(EvaluationLabel.DangerPrefix, StringComparison.Ordinal) == danger)
            .Select(o => $"{o.Message.Node} {o.Message.Language} {o.Message.Expected} → {o.Got}: {o.Message.Text}"));
}
