using System.Diagnostics;
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Text;
using OimBot.Content;
using OimBot.Content.Matching;

/// <summary>
/// <c>understanding [--repo .]</c>: what the understanding step costs (training time, memory, time per message) and how
/// its classifier compares with ML.NET's text featurizer and SDCA maximum-entropy trainer on the same examples, judged
/// by the same decision rule on the development and evaluation sets.
/// </summary>
internal static class UnderstandingBench
{
    /// <summary>Holds the model being measured, so the collector cannot take it before its size is read.</summary>
    private static object? Kept;

    public static int Run(string[] args)
    {
        var repo = args.SkipWhile(a => a != "--repo").Skip(1).FirstOrDefault() ?? ".";
        var today = DateOnly.FromDateTime(TimeProvider.System.GetUtcNow().UtcDateTime);
        var load = Stopwatch.StartNew();
        var loaded = ContentLoader.Load(new ContentSources(Path.Combine(repo, "content"), Path.Combine(repo, "seeds", "facts.yaml"), repo), today);
        load.Stop();
        var content = loaded.Content ?? throw new InvalidOperationException(string.Join('\n', loaded.Errors));
        var understander = content.Understander;
        var examples = understander.TrainingSet;
        Console.WriteLine($"content load with training and validation (first, with JIT): {load.ElapsedMilliseconds} ms");

        // A hot reload after an edit: every file read, the classifier trained anew, every example checked.
        var examplesFile = Path.Combine(Path.GetTempPath(), $"oimbot-bench-{Environment.ProcessId}");
        CopyDirectory(Path.Combine(repo, "content"), Path.Combine(examplesFile, "content"));
        var main = Path.Combine(examplesFile, "content", "main.yaml");
        File.AppendAllText(main, "\n");
        var edited = File.ReadAllText(main).Replace("- \"necesito ayuda por favor\"", "- \"necesito ayuda por favor ya\"", StringComparison.Ordinal);
        File.WriteAllText(main, edited);
        var reload = Stopwatch.StartNew();
        var reloaded = ContentLoader.Load(new ContentSources(Path.Combine(examplesFile, "content"), Path.Combine(repo, "seeds", "facts.yaml"), repo), today);
        reload.Stop();
        Directory.Delete(examplesFile, recursive: true);
        Console.WriteLine($"hot reload after an example was edited (retrained, warm): {reload.ElapsedMilliseconds} ms ({(reloaded.IsValid ? "valid" : "invalid")})");

        // Training time: median of five, each trained anew (no cache).
        var times = new List<double>();
        long bytes = 0;
        for (var i = 0; i < 5; i++)
        {
            Kept = null;
            var before = GC.GetTotalMemory(forceFullCollection: true);
            var clock = Stopwatch.StartNew();
            Kept = TextClassifier.Train(examples, cache: false);
            times.Add(clock.Elapsed.TotalMilliseconds);
            bytes = GC.GetTotalMemory(forceFullCollection: true) - before;
        }

        Console.WriteLine($"OimBot classifier: {examples.Count} examples, {understander.Classifier.Labels.Count} labels, {understander.Classifier.FeatureCount} features");
        Console.WriteLine($"  training: median {Median(times):0} ms, min {times.Min():0} ms (five runs); model memory: {bytes / 1048576.0:0.0} MiB retained");

        var set = Path.Combine(repo, "tests", "Evaluation");
        var labels = UnderstandingEvaluation.ReadLabels(Path.Combine(set, "labels.tsv"));
        var dev = UnderstandingEvaluation.ReadMessages(Path.Combine(set, "dev"));
        var evaluation = UnderstandingEvaluation.ReadMessages(set);
        var all = dev.Concat(evaluation).Select(m => TextNormalizer.WordsOf(m.Text)).ToList();

        // Time per message through the whole understanding step (rules, classifier, decision), after a warm-up.
        var menu = content.Find(content.Common.MenuNode)!;
        var shown = menu.Choices.Select(c => ContentNode.ChoiceKey(menu.Id, c.Id)).ToList();
        foreach (var words in all)
        {
            understander.Understand(words, menu, shown);
        }

        var perMessage = new List<double>();
        for (var round = 0; round < 5; round++)
        {
            foreach (var words in all)
            {
                var clock = Stopwatch.StartNew();
                understander.Understand(words, menu, shown);
                perMessage.Add(clock.Elapsed.TotalMicroseconds);
            }
        }

        perMessage.Sort();
        void Time(string name, Action<string[]> action)
        {
            var clock = Stopwatch.StartNew();
            for (var r = 0; r < 3; r++)
            {
                foreach (var words in all)
                {
                    action(words);
                }
            }

            Console.WriteLine($"    {name}: {clock.Elapsed.TotalMicroseconds / (3.0 * all.Count):0.0} µs");
        }

        Console.WriteLine("  where the time goes, per message:");
        Time("classifier", w => understander.Classifier.Predict(w));
        Time("emergency rules", w => understander.Keywords.Emergency(w));
        Time("commands alone", w => understander.Keywords.Command(w));
        Time("commands in sentence", w => understander.Keywords.CommandInSentence(w));
        Time("node keywords (only when the classifier is unsure)", w => understander.Keywords.Keyword(w));
        Time("language (first messages only)", w => understander.Languages.Identify(w));
        Console.WriteLine($"  understanding one message: median {Median(perMessage):0} µs, p99 {perMessage[(int)(perMessage.Count * 0.99)]:0} µs");

        // The same examples through ML.NET, judged by the same decision rule as the model alone.
        var ml = TrainMlNet(examples);
        Console.WriteLine($"ML.NET FeaturizeText (word 1-2 grams, char 1-5 grams, L2) + SdcaMaximumEntropy:");
        Console.WriteLine($"  training: median {ml.TrainMs:0} ms; memory: {ml.Bytes / 1048576.0:0.0} MiB retained");
        var mlTimes = new List<double>();
        foreach (var words in all)
        {
            var clock = Stopwatch.StartNew();
            ml.Rank(words);
            mlTimes.Add(clock.Elapsed.TotalMicroseconds);
        }

        mlTimes.Sort();
        Console.WriteLine($"  one prediction (PredictionEngine, one thread): median {Median(mlTimes):0} µs, p99 {mlTimes[(int)(mlTimes.Count * 0.99)]:0} µs");

        var ours = new Func<string[], IReadOnlyList<(string Label, double Probability)>>(w => [.. understander.Rank(w)]);
        Console.WriteLine();
        Console.WriteLine("model alone (no phrase rules), danger when the danger categories together reach " + understander.Thresholds.DangerUnsure.ToString("0.00", CultureInfo.InvariantCulture));
        Console.WriteLine("set          model     danger recall  false positives  topic top-1");
        foreach (var (name, messages) in new[] { ("development", dev), ("evaluation", evaluation) })
        {
            foreach (var (model, rank) in new[] { ("OimBot", ours), ("ML.NET", ml.Rank) })
            {
                var (recall, falsePositives, top1) = Judge(content, understander, messages, labels, rank);
                Console.WriteLine($"{name,-12} {model,-8}  {recall,13:0.0%}  {falsePositives,15:0.0%}  {top1,11:0.0%}");
            }
        }

        return 0;
    }

    private static (double Recall, double FalsePositives, double Top1) Judge(ContentSet content, Understander understander, IReadOnlyList<EvaluationMessage> messages, IReadOnlyList<EvaluationLabel> labels, Func<string[], IReadOnlyList<(string Label, double Probability)>> rank)
    {
        int danger = 0, recalled = 0, safe = 0, falsePositives = 0, topics = 0, right = 0;
        foreach (var message in messages)
        {
            var label = labels.First(l => l.Name == message.Label);
            var ranked = rank(TextNormalizer.WordsOf(message.Text));
            var mass = ranked.Where(r => understander.IsDangerLabel(r.Label)).Sum(r => r.Probability);
            var flagged = mass >= understander.Thresholds.DangerUnsure;
            if (label.IsDanger)
            {
                danger++;
                recalled += flagged ? 1 : 0;
                continue;
            }

            safe++;
            falsePositives += flagged ? 1 : 0;
            if (!label.IsNone)
            {
                topics++;
                var top = ranked.First(r => !understander.IsDangerLabel(r.Label)).Label;
                var node = understander.NodeOf(top)?.Id ?? top;
                right += !flagged && (label.Matches(content, top) || label.Matches(content, node)) ? 1 : 0;
            }
        }

        return (recalled / (double)danger, falsePositives / (double)safe, right / (double)topics);
    }

    private sealed class Row
    {
        public string Text { get; set; } = string.Empty;

        public string Label { get; set; } = string.Empty;
    }

    private sealed class Scores
    {
        [ColumnName("Score")]
        public float[] Score { get; set; } = [];
    }

    private sealed record MlModel(double TrainMs, long Bytes, Func<string[], IReadOnlyList<(string Label, double Probability)>> Rank);

    private static MlModel TrainMlNet(IReadOnlyList<LabelledText> examples)
    {
        var rows = examples.Select(e => new Row { Text = string.Join(' ', e.Words), Label = e.Label }).ToList();
        var times = new List<double>();
        TransformerChain<MulticlassPredictionTransformer<Microsoft.ML.Trainers.MaximumEntropyModelParameters>>? model = null;
        MLContext? context = null;
        long bytes = 0;
        for (var i = 0; i < 3; i++)
        {
            model = null;
            context = null;
            var before = GC.GetTotalMemory(forceFullCollection: true);
            var clock = Stopwatch.StartNew();
            context = new MLContext(seed: 1);
            var data = context.Data.LoadFromEnumerable(rows);
            var featurizer = new TextFeaturizingEstimator.Options
            {
                WordFeatureExtractor = new WordBagEstimator.Options { NgramLength = 2, UseAllLengths = true },
                CharFeatureExtractor = new WordBagEstimator.Options { NgramLength = 5, UseAllLengths = true },
                Norm = TextFeaturizingEstimator.NormFunction.L2,
            };
            var pipeline = context.Transforms.Conversion.MapValueToKey("LabelKey", nameof(Row.Label))
                .Append(context.Transforms.Text.FeaturizeText("Features", featurizer, nameof(Row.Text)))
                .Append(context.MulticlassClassification.Trainers.SdcaMaximumEntropy("LabelKey", "Features"));
            model = pipeline.Fit(data);
            times.Add(clock.Elapsed.TotalMilliseconds);
            bytes = GC.GetTotalMemory(forceFullCollection: true) - before;
            GC.KeepAlive(model);
        }

        var schema = model!.GetOutputSchema(context!.Data.LoadFromEnumerable(rows).Schema);
        VBuffer<ReadOnlyMemory<char>> names = default;
        schema["Score"].GetSlotNames(ref names);
        var labels = names.DenseValues().Select(n => n.ToString()).ToArray();
        var engine = context.Model.CreatePredictionEngine<Row, Scores>(model);
        return new MlModel(Median(times), bytes, words =>
        {
            var scores = engine.Predict(new Row { Text = string.Join(' ', words) }).Score;
            return [.. labels.Select((l, i) => (l, (double)scores[i])).OrderByDescending(p => p.Item2)];
        });
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }
}
