using System.Globalization;
using System.Text;

namespace OimBot.Content.Matching;

/// <summary>One held-out answer in words to a yes/no question: the question, its language, what it is (a choice id or a danger label).</summary>
public sealed record AnswerMessage(string Node, string Language, string Expected, string Text);

/// <summary>
/// Measures how answers in words to the yes/no questions of the way are read (<c>tests/Evaluation/answers.tsv</c>,
/// written blind and never trained on): an answer should pick its choice without the emergency page; a danger slipped
/// into an answer ("no, el coyote me lo quitó") should get the emergency channels, sure or asking.
/// </summary>
public static class AnswerEvaluation
{
    /// <summary>The file of held-out answers in an evaluation folder.</summary>
    public const string FileName = "answers.tsv";

    /// <summary>What the bot did with one answer.</summary>
    /// <param name="Got">The choice picked on the question, "danger:node", another node's id, "command:x" or "not understood".</param>
    public sealed record Outcome(AnswerMessage Message, string Got, bool Danger, bool Right);

    /// <param name="Language">A language's code, or "all".</param>
    /// <param name="AnswersRight">Answers that picked their choice and showed no emergency page.</param>
    /// <param name="AnswersAlarmed">Answers that got the emergency page (sure or asking).</param>
    /// <param name="DangerRecall">Dangers that got the emergency channels, of whatever category.</param>
    /// <param name="DangerExact">Dangers that got their own category.</param>
    public sealed record Report(string Language, IReadOnlyList<Outcome> Outcomes, int Answers, double AnswersRight, double AnswersAlarmed, int Dangers, double DangerRecall, double DangerExact);

    public static IReadOnlyList<AnswerMessage> Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return [.. File.ReadAllLines(path, Encoding.UTF8)
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l => l.Split('\t', 4))
            .Select(p => p.Length == 4 ? new AnswerMessage(p[0], p[1], p[2], p[3]) : throw new FormatException($"{path}: '{string.Join('\t', p)}' is not node<TAB>language<TAB>expected<TAB>message"))];
    }

    public static Outcome Run(ContentSet content, AnswerMessage message, IReadOnlyList<EvaluationLabel> labels, Understander? understander = null)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(labels);
        understander ??= content.Understander;
        var question = content.Find(message.Node) ?? throw new ArgumentException($"'{message.Node}' is not a node", nameof(message));
        var shown = question.Choices.Select(c => ContentNode.ChoiceKey(question.Id, c.Id)).ToList();
        var understood = understander.UnderstandText(message.Text, question, shown, message.Language); // the question on the screen, in the user's language
        var (got, danger) = understood switch
        {
            Understanding.Danger d => ($"{EvaluationLabel.DangerPrefix}{d.Node.Id}", true),
            Understanding.Picked p when p.Key.StartsWith(question.Id + "/", StringComparison.Ordinal) => (p.Key[(question.Id.Length + 1)..], false),
            Understanding.Picked p => (p.Key, false),
            Understanding.Destination d => (d.Node.Id, false),
            Understanding.Unsure u => ($"asked:{u.Candidates[0].Id}", false),
            Understanding.Command c => (Understander.CommandPrefix + c.Value.ToString().ToLowerInvariant(), false),
            _ => ("not understood", false),
        };
        var right = message.Expected.StartsWith(EvaluationLabel.DangerPrefix, StringComparison.Ordinal)
            ? danger && labels.First(l => l.Name == message.Expected).Accepts.Contains(got[EvaluationLabel.DangerPrefix.Length..])
            : !danger && got == message.Expected;
        return new Outcome(message, got, danger, right);
    }

    /// <summary>One report per language, then one for all of them.</summary>
    public static IReadOnlyList<Report> Evaluate(ContentSet content, IReadOnlyList<AnswerMessage> messages, IReadOnlyList<EvaluationLabel> labels, Understander? understander = null)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(messages);
        ArgumentNullException.ThrowIfNull(labels);
        var unknown = messages.Where(m => m.Expected.StartsWith(EvaluationLabel.DangerPrefix, StringComparison.Ordinal) && !labels.Any(l => l.Name == m.Expected)).Select(m => m.Expected).Distinct(StringComparer.Ordinal).ToList();
        if (unknown.Count > 0)
        {
            throw new ArgumentException($"Danger labels not in the label file: {string.Join(", ", unknown)}", nameof(messages));
        }

        var outcomes = messages.Select(m => Run(content, m, labels, understander)).ToList();
        return [.. outcomes.GroupBy(o => o.Message.Language).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => Summarise(g.Key, [.. g])), Summarise("all", outcomes)];
    }

    private static Report Summarise(string language, List<Outcome> outcomes)
    {
        var dangers = outcomes.Where(o => o.Message.Expected.StartsWith(EvaluationLabel.DangerPrefix, StringComparison.Ordinal)).ToList();
        var answers = outcomes.Except(dangers).ToList();
        return new Report(language, outcomes, answers.Count, Share(answers, o => o.Right), Share(answers, o => o.Danger), dangers.Count, Share(dangers, o => o.Danger), Share(dangers, o => o.Right));
    }

    public static string Format(IReadOnlyList<Report> reports, bool details = false)
    {
        ArgumentNullException.ThrowIfNull(reports);
        var text = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        text.AppendLine();
        text.AppendLine("== answers in words to the yes/no questions of the way (answers.tsv)");
        text.AppendLine("language  answers  right  emergency page  dangers  recall  exact");
        foreach (var r in reports)
        {
            text.AppendLine(c, $"{r.Language,-8}  {r.Answers,7}  {P(r.AnswersRight),5}  {P(r.AnswersAlarmed),14}  {r.Dangers,7}  {P(r.DangerRecall),6}  {P(r.DangerExact),5}");
        }

        foreach (var wrong in reports[^1].Outcomes.Where(o => !o.Right && (details || o.Message.Expected.StartsWith(EvaluationLabel.DangerPrefix, StringComparison.Ordinal) || o.Danger)))
        {
            text.AppendLine(c, $"  {wrong.Message.Node} {wrong.Message.Language} {wrong.Message.Expected} → {wrong.Got}: {wrong.Message.Text}");
        }

        return text.ToString();
    }

    private static double Share(List<Outcome> outcomes, Func<Outcome, bool> predicate) =>
        outcomes.Count == 0 ? 0 : outcomes.Count(predicate) / (double)outcomes.Count;

    private static string P(double share) => share.ToString("0.0%", CultureInfo.InvariantCulture);
}
