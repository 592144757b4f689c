using System.Globalization;
using System.Text;

namespace OimBot.Content.Matching;

/// <summary>One labelled message of an evaluation set: its language, what it is (a danger category, a topic, or none).</summary>
public sealed record EvaluationMessage(string Language, string Label, string Text);

/// <summary>
/// What an evaluation label accepts: <c>danger:*</c> labels name the category node that should answer; topic labels
/// list node ids, <c>flow:x</c> (every node of a flow), <c>command:x</c>, and <c>-node</c> exclusions; <c>none</c>
/// accepts anything that is not a danger answer.
/// </summary>
public sealed record EvaluationLabel(string Name, IReadOnlyList<string> Accepts)
{
    public const string DangerPrefix = "danger:";

    public bool IsDanger => Name.StartsWith(DangerPrefix, StringComparison.Ordinal);

    public bool IsNone => Accepts.Count == 0;

    public bool Matches(ContentSet content, string target)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(target);
        if (Accepts.Contains("-" + target))
        {
            return false;
        }

        return Accepts.Contains(target) || (content.Find(target) is { } node && Accepts.Contains("flow:" + node.FlowId));
    }
}

/// <summary>
/// Measures the understanding step on a labelled evaluation set that is never used for training: danger recall and false
/// positives per category, topic top-1 accuracy, how often the bot asked, how often it did not understand, the
/// confusion pairs, and the language identifier's accuracy. Messages are sent as a user at the main menu would.
/// </summary>
public static class UnderstandingEvaluation
{
    /// <summary>What the bot did with one message.</summary>
    /// <param name="Target">The first destination: taken at once or offered first ("command:x" for commands; null when not understood).</param>
    public sealed record Outcome(EvaluationMessage Message, bool Danger, bool Asked, string? Target, string? DetectedLanguage)
    {
        public bool NotUnderstood => !Danger && !Asked && Target is null;
    }

    public sealed record LanguageReport(
        string Language,
        IReadOnlyList<Outcome> Outcomes,
        IReadOnlyList<(string Category, int Messages, double Recall, double Exact, double FalsePositives)> Categories,
        int DangerMessages,
        double DangerRecall,
        int NonDangerMessages,
        double FalsePositiveRate,
        int TopicMessages,
        double TopicTop1,
        double TopicDirect,
        double Clarified,
        double NotUnderstoodWithoutQuestion,
        double LanguageAccuracy,
        IReadOnlyList<(string Expected, string Got, int Count)> Confusions);

    public static IReadOnlyList<EvaluationLabel> ReadLabels(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return [.. File.ReadAllLines(path)
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l => l.Split('\t'))
            .Select(p => new EvaluationLabel(p[0], p.Length > 1 ? p[1].Split(' ', StringSplitOptions.RemoveEmptyEntries) : []))];
    }

    /// <summary>Reads <c>understanding.LANG.tsv</c> files (<c>label&lt;TAB&gt;message</c>) from a folder.</summary>
    public static IReadOnlyList<EvaluationMessage> ReadMessages(string directory, string? language = null)
    {
        ArgumentNullException.ThrowIfNull(directory);
        var messages = new List<EvaluationMessage>();
        foreach (var file in Directory.EnumerateFiles(directory, "understanding.*.tsv").Order(StringComparer.Ordinal))
        {
            var code = Path.GetFileNameWithoutExtension(file)["understanding.".Length..];
            if (language is not null && code != language)
            {
                continue;
            }

            foreach (var line in File.ReadAllLines(file, Encoding.UTF8).Where(l => l.Contains('\t', StringComparison.Ordinal)))
            {
                var tab = line.IndexOf('\t', StringComparison.Ordinal);
                messages.Add(new EvaluationMessage(code, line[..tab], line[(tab + 1)..]));
            }
        }

        return messages;
    }

    public static Outcome Run(ContentSet content, EvaluationMessage message, Understander? understander = null)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(message);
        understander ??= content.Understander;
        var words = TextNormalizer.WordsOf(PersonalData.ForMatching(message.Text)); // as the dialog engine reads it (R2)
        var menu = content.Find(content.Common.MenuNode);
        var shown = menu is null ? [] : menu.Choices.Select(c => ContentNode.ChoiceKey(menu.Id, c.Id)).ToList();
        var understood = understander.UnderstandText(message.Text, menu, shown, message.Language); // the user reads the menu in their language
        var language = understander.Languages.Identify(words);
        return understood switch
        {
            Understanding.Danger danger => new Outcome(message, true, !danger.Sure, danger.Node.Id, language),
            Understanding.Destination destination => new Outcome(message, false, false, destination.Node.Id, language),
            Understanding.Unsure unsure => new Outcome(message, false, true, unsure.Candidates[0].Id, language),
            Understanding.Command command => new Outcome(message, false, false, Understander.CommandPrefix + command.Value.ToString().ToLowerInvariant(), language),
            Understanding.Picked picked => new Outcome(message, false, false, Target(content, picked.Key), language),
            _ => new Outcome(message, false, false, null, language),
        };
    }

    private static string Target(ContentSet content, string key)
    {
        var slash = key.LastIndexOf('/');
        var node = content.Find(key[..slash]);
        var choice = node?.Choices.FirstOrDefault(c => c.Id == key[(slash + 1)..]);
        return choice?.Target ?? key;
    }

    /// <summary>True when the bot did what the message's label asks for.</summary>
    public static bool IsRight(ContentSet content, Outcome outcome, IReadOnlyList<EvaluationLabel> labels)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        ArgumentNullException.ThrowIfNull(labels);
        var label = labels.First(l => l.Name == outcome.Message.Label);
        return label.IsDanger ? outcome.Danger && label.Matches(content, outcome.Target!)
            : label.IsNone ? !outcome.Danger
            : !outcome.Danger && outcome.Target is not null && label.Matches(content, outcome.Target);
    }

    /// <param name="understander">Another understander (other thresholds) than the content's own.</param>
    public static IReadOnlyList<LanguageReport> Evaluate(ContentSet content, IReadOnlyList<EvaluationMessage> messages, IReadOnlyList<EvaluationLabel> labels, Understander? understander = null)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(messages);
        ArgumentNullException.ThrowIfNull(labels);
        var byName = labels.ToDictionary(l => l.Name, StringComparer.Ordinal);
        var unknown = messages.Select(m => m.Label).Distinct(StringComparer.Ordinal).Where(l => !byName.ContainsKey(l)).ToList();
        if (unknown.Count > 0)
        {
            throw new ArgumentException($"Labels not in the label file: {string.Join(", ", unknown)}", nameof(messages));
        }

        var reports = new List<LanguageReport>();
        foreach (var group in messages.GroupBy(m => m.Language).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var outcomes = group.Select(m => Run(content, m, understander)).ToList();
            EvaluationLabel LabelOf(Outcome o) => byName[o.Message.Label];
            var danger = outcomes.Where(o => LabelOf(o).IsDanger).ToList();
            var safe = outcomes.Where(o => !LabelOf(o).IsDanger).ToList();
            var topics = safe.Where(o => !LabelOf(o).IsNone).ToList();
            var categories = labels.Where(l => l.IsDanger).Select(l =>
            {
                var node = l.Accepts[0];
                var mine = danger.Where(o => o.Message.Label == l.Name).ToList();
                return (l.Name[EvaluationLabel.DangerPrefix.Length..], mine.Count,
                    Share(mine, o => o.Danger),
                    Share(mine, o => o.Danger && o.Target == node),
                    Share(outcomes.Where(o => o.Message.Label != l.Name).ToList(), o => o.Danger && o.Target == node));
            }).ToList();
            var confusions = outcomes
                .Where(o => !IsRight(content, o, labels))
                .GroupBy(o => (o.Message.Label, Got: o.Danger ? $"danger:{o.Target}" : o.Target ?? "not understood"))
                .Select(g => (g.Key.Label, g.Key.Got, g.Count()))
                .OrderByDescending(c => c.Item3).ThenBy(c => c.Label, StringComparer.Ordinal).ThenBy(c => c.Got, StringComparer.Ordinal)
                .ToList();
            reports.Add(new LanguageReport(
                group.Key,
                outcomes,
                categories,
                danger.Count,
                Share(danger, o => o.Danger),
                safe.Count,
                Share(safe, o => o.Danger),
                topics.Count,
                Share(topics, o => !o.Danger && o.Target is not null && LabelOf(o).Matches(content, o.Target)),
                Share(topics, o => !o.Danger && !o.Asked && o.Target is not null && LabelOf(o).Matches(content, o.Target)),
                Share(topics, o => o.Asked && !o.Danger),
                Share(topics, o => o.NotUnderstood),
                Share(outcomes, o => (o.DetectedLanguage ?? content.Common.SourceLanguage) == group.Key),
                confusions));
        }

        return reports;
    }

    public static string Format(IReadOnlyList<LanguageReport> reports, TextClassifier model)
    {
        ArgumentNullException.ThrowIfNull(reports);
        ArgumentNullException.ThrowIfNull(model);
        var text = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        text.AppendLine(c, $"model: {model.Examples} examples, {model.Labels.Count} labels, {model.FeatureCount} features, trained in {model.TrainingTime.TotalMilliseconds:0} ms{(model.ReadTime is { } read ? $" (read from the model cache in {read.TotalMilliseconds:0} ms)" : string.Empty)}, about {model.ModelBytes / 1024.0 / 1024.0:0.0} MB");
        foreach (var r in reports)
        {
            text.AppendLine();
            text.AppendLine(c, $"== {r.Language}: {r.Outcomes.Count} messages");
            text.AppendLine(c, $"danger recall (emergency channels shown): {P(r.DangerRecall)} of {r.DangerMessages}");
            text.AppendLine(c, $"false positives on non-danger messages: {P(r.FalsePositiveRate)} of {r.NonDangerMessages}");
            text.AppendLine(c, $"topic top-1 accuracy: {P(r.TopicTop1)} of {r.TopicMessages} (taken at once and right: {P(r.TopicDirect)})");
            text.AppendLine(c, $"clarifying question asked: {P(r.Clarified)}; not understood without a question: {P(r.NotUnderstoodWithoutQuestion)}");
            text.AppendLine(c, $"language identified: {P(r.LanguageAccuracy)}");
            text.AppendLine("category                 messages  recall  exact  false positives");
            foreach (var (category, messages, recall, exact, falsePositives) in r.Categories)
            {
                text.AppendLine(c, $"{category,-24} {messages,8}  {P(recall),6}  {P(exact),5}  {P(falsePositives),6}");
            }

            text.AppendLine("confusions (expected → got: count)");
            foreach (var (expected, got, count) in r.Confusions.Take(15))
            {
                text.AppendLine(c, $"  {expected} → {got}: {count}");
            }
        }

        return text.ToString();
    }

    private static double Share(List<Outcome> outcomes, Func<Outcome, bool> predicate) =>
        outcomes.Count == 0 ? 0 : outcomes.Count(predicate) / (double)outcomes.Count;

    private static string P(double share) => share.ToString("0.0%", CultureInfo.InvariantCulture);
}

/// <summary>
/// K-fold cross-validation over the content's own examples: the model is trained on the other folds and decides each
/// held-out example with given thresholds. A check of the model and its thresholds that needs no labelled set at all.
/// </summary>
public static class CrossValidation
{
    public sealed record Result(UnderstandingThresholds Thresholds, int Danger, double DangerRecall, int Safe, double FalsePositives, double Top1, double Clarified, double NotUnderstood);

    public static IReadOnlyList<Result> Run(ContentSet content, IReadOnlyList<UnderstandingThresholds> grid, int folds = 5)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(grid);
        var examples = content.Understander.TrainingSet;
        var order = Enumerable.Range(0, examples.Count).ToArray();
        var random = new Random(7);
        for (var i = order.Length - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }

        var decisions = grid.Select(_ => new List<(LabelledText Example, Understanding Decision)>()).ToList();
        for (var fold = 0; fold < folds; fold++)
        {
            var test = order.Where((_, i) => i % folds == fold).Select(i => examples[i]).ToList();
            var train = order.Where((_, i) => i % folds != fold).Select(i => examples[i]).ToList();
            var model = TextClassifier.Train(train);
            for (var g = 0; g < grid.Count; g++)
            {
                var understander = new Understander(content, model, grid[g]);
                decisions[g].AddRange(test.Select(e => (e, understander.Classify(e.Words))));
            }
        }

        return [.. grid.Select((thresholds, g) => Summarise(content, thresholds, decisions[g]))];
    }

    private static Result Summarise(ContentSet content, UnderstandingThresholds thresholds, List<(LabelledText Example, Understanding Decision)> decisions)
    {
        var understander = content.Understander;
        var danger = decisions.Where(d => understander.IsDangerLabel(d.Example.Label)).ToList();
        var safe = decisions.Where(d => !understander.IsDangerLabel(d.Example.Label)).ToList();
        bool Right(LabelledText example, Understanding decision) => decision switch
        {
            Understanding.Destination destination => destination.Node.Id == example.Label || understander.NodeOf(example.Label)?.Id == destination.Node.Id,
            Understanding.Unsure unsure => unsure.Candidates[0].Id == example.Label || understander.NodeOf(example.Label)?.Id == unsure.Candidates[0].Id,
            Understanding.Command command => Understander.CommandPrefix + command.Value.ToString().ToLowerInvariant() == example.Label,
            _ => false,
        };
        double Share<T>(List<T> list, Func<T, bool> predicate) => list.Count == 0 ? 0 : list.Count(predicate) / (double)list.Count;

        return new Result(
            thresholds,
            danger.Count,
            Share(danger, d => d.Decision is Understanding.Danger),
            safe.Count,
            Share(safe, d => d.Decision is Understanding.Danger),
            Share(safe, d => Right(d.Example, d.Decision)),
            Share(safe, d => d.Decision is Understanding.Unsure),
            Share(safe, d => d.Decision is Understanding.Unknown));
    }

    public static string Format(IReadOnlyList<Result> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        var text = new StringBuilder("cross-validation (5 folds over the content's examples)\n");
        text.AppendLine("danger sure/unsure/instead of nothing  target/margin  recall   false pos.  top-1   asked  not understood");
        foreach (var r in results)
        {
            var t = r.Thresholds;
            text.AppendLine(CultureInfo.InvariantCulture, $"{t.DangerSure,6:0.00} / {t.DangerUnsure,4:0.00} / {t.DangerInsteadOfNothing,-18:0.00}  {t.Target,5:0.00} / {t.TargetMargin,-5:0.00}  {r.DangerRecall,6:0.0%}  {r.FalsePositives,9:0.0%}  {r.Top1,6:0.0%}  {r.Clarified,5:0.0%}  {r.NotUnderstood,6:0.0%}");
        }

        return text.ToString();
    }
}
