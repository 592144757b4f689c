using OimBot.Bot.ContentHosting;
using OimBot.Content;
using OimBot.Content.Matching;

namespace OimBot.Bot.Cli;

/// <summary>
/// <c>content evaluate [--lang xx] [--set tests/Evaluation] [--content content] [--facts seeds/facts.yaml] [--cross-validate]</c>: how well
/// the bot understands the labelled evaluation set (never used for training). Exit code 1 when content is invalid.
/// </summary>
internal static class EvaluateCommand
{
    public static int Run(IReadOnlyList<string> args, TextWriter output, TimeProvider clock)
    {
        const string Usage = "Usage: content evaluate [--lang xx] [--set tests/Evaluation] [--content content] [--facts seeds/facts.yaml] [--cross-validate | --sweep | --details]";
        var options = CommandOptions.Parse(args, ["--lang", "--set", "--content", "--facts"], ["--cross-validate", "--details", "--sweep"]);
        if (options.Problem is not null || options.Positional.Count > 0)
        {
            output.WriteLine($"{options.Problem ?? $"unexpected '{options.Positional[0]}'"}. {Usage}");
            return 2;
        }

        var language = options["--lang"];
        var set = options["--set"] ?? Path.Combine("tests", "Evaluation");
        var directory = options["--content"] ?? "content";
        var facts = options["--facts"] ?? Path.Combine("seeds", "facts.yaml");
        var crossValidate = options.Has("--cross-validate");
        var details = options.Has("--details");
        var sweep = options.Has("--sweep");

        var loaded = ContentLoader.Load(new ContentSources(directory, facts) { Models = ContentOptions.CommandLineModels() }, PanamaTime.Today(clock));
        if (loaded.Content is not { } content)
        {
            foreach (var error in loaded.Errors)
            {
                output.WriteLine(error);
            }

            return 1;
        }

        if (crossValidate)
        {
            // Where the thresholds come from: the content's own examples, five folds, never the evaluation set.
            var defaults = new UnderstandingThresholds();
            List<UnderstandingThresholds> grid = [defaults];
            foreach (var sure in new[] { 0.35, 0.45, 0.55, 0.65 })
            {
                foreach (var unsure in new[] { 0.2, 0.3, 0.4, 0.5 })
                {
                    grid.Add(defaults with { DangerSure = sure, DangerUnsure = unsure });
                }
            }

            foreach (var leading in new[] { 0.18, 0.22, 0.30, 1.0 })
            {
                grid.Add(defaults with { DangerInsteadOfNothing = leading });
            }

            foreach (var target in new[] { 0.4, 0.5, 0.6 })
            {
                grid.Add(defaults with { Target = target });
            }

            output.Write(CrossValidation.Format(CrossValidation.Run(content, grid)));
            return 0;
        }

        // The development set (tests/Evaluation/dev) shares the evaluation set's labels.
        var labels = Path.Combine(set, "labels.tsv");
        if (!File.Exists(labels) && Path.GetDirectoryName(Path.GetFullPath(set).TrimEnd(Path.DirectorySeparatorChar)) is { } parent)
        {
            labels = Path.Combine(parent, "labels.tsv");
        }

        if (!File.Exists(labels))
        {
            output.WriteLine($"no evaluation set at {set} (expected labels.tsv and understanding.LANG.tsv)");
            return 2;
        }

        var messages = UnderstandingEvaluation.ReadMessages(set, language);
        var followUps = Path.Combine(set, FollowUpEvaluation.FileName);
        if (messages.Count == 0 && File.Exists(followUps))
        {
            // A set of follow-ups only (tests/Evaluation/followups-dev): its expectations are beside labels.tsv.
            var expected = FollowUpEvaluation.ReadExpected(Path.Combine(Path.GetDirectoryName(labels)!, FollowUpEvaluation.ExpectedFileName));
            var asked = FollowUpEvaluation.Read(followUps).Where(f => language is null || f.Language == language).ToList();
            output.Write(FollowUpEvaluation.Format(FollowUpEvaluation.Evaluate(content, asked, expected), details));
            return 0;
        }

        if (messages.Count == 0)
        {
            output.WriteLine(language is null ? $"no messages in {set}" : $"no messages in '{language}' in {set}");
            return 2;
        }

        var labelSet = UnderstandingEvaluation.ReadLabels(labels);
        if (sweep)
        {
            // Thresholds are chosen here, on the development set (tests/Evaluation/dev), never on the evaluation set.
            var defaults = new UnderstandingThresholds();
            output.WriteLine("danger unsure  recall  false pos.  top-1  asked  not understood   (all languages)");
            foreach (var unsure in new[] { 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6 })
            {
                output.WriteLine($"{unsure,13:0.00}  {Measured(defaults with { DangerUnsure = unsure, DangerSure = Math.Max(unsure, defaults.DangerSure) })}");
            }

            output.WriteLine("danger instead of nothing  recall  false pos.  top-1  asked  not understood   (all languages)");
            foreach (var leading in new[] { 0.16, 0.18, 0.20, 0.22, 0.24, 0.26, 0.28, 0.30, 0.35 })
            {
                output.WriteLine($"{leading,25:0.00}  {Measured(defaults with { DangerInsteadOfNothing = leading })}");
            }

            string Measured(UnderstandingThresholds thresholds)
            {
                var all = UnderstandingEvaluation.Evaluate(content, messages, labelSet, new Understander(content, content.Understander.Classifier, thresholds));
                double Mean(Func<UnderstandingEvaluation.LanguageReport, double> f) => all.Average(f);
                return $"{Mean(r => r.DangerRecall),6:0.0%}  {Mean(r => r.FalsePositiveRate),9:0.0%}  {Mean(r => r.TopicTop1),5:0.0%}  {Mean(r => r.Clarified),5:0.0%}  {Mean(r => r.NotUnderstoodWithoutQuestion),6:0.0%}";
            }

            return 0;
        }

        var reports = UnderstandingEvaluation.Evaluate(content, messages, labelSet);
        output.Write(UnderstandingEvaluation.Format(reports, content.Understander.Classifier));
        if (Path.Combine(set, AnswerEvaluation.FileName) is var answers && File.Exists(answers))
        {
            var read = AnswerEvaluation.Read(answers).Where(a => language is null || a.Language == language).ToList();
            output.Write(AnswerEvaluation.Format(AnswerEvaluation.Evaluate(content, read, labelSet), details));
        }
        if (details)
        {
            foreach (var outcome in reports.SelectMany(r => r.Outcomes).Where(o => !UnderstandingEvaluation.IsRight(content, o, labelSet)))
            {
                output.WriteLine($"{outcome.Message.Language} {outcome.Message.Label} → {(outcome.Danger ? "danger:" : string.Empty)}{outcome.Target ?? "not understood"}: {outcome.Message.Text}");
                output.WriteLine("    " + string.Join("  ", content.Understander.Rank(TextNormalizer.WordsOf(outcome.Message.Text), outcome.Message.Language).Take(4).Select(r => $"{r.Label} {r.Probability:0.00}")));
            }
        }

        return 0;
    }
}
