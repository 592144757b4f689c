using System.Collections.Concurrent;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace OimBot.Content.Matching;

/// <summary>One labelled phrasing: normalized words and the target they lead to.</summary>
public sealed record LabelledText(string[] Words, string Label);

/// <summary>How the classifier is trained. The defaults were chosen on the development set (tests/Evaluation/dev) and cross-validation.</summary>
public sealed record TrainingOptions
{
    public int Epochs { get; init; } = 30;

    public double LearningRate { get; init; } = 1.5;

    /// <summary>L2 penalty on the weights a step touches (keeps rare features from deciding alone).</summary>
    public double L2 { get; init; } = 1e-5;

    /// <summary>Fixed, so the same examples always give the same model.</summary>
    public int Seed { get; init; } = 20231;

    /// <summary>Weigh each example by the inverse of its label's size, so every label weighs the same in total.</summary>
    public bool BalanceLabels { get; init; }

    /// <summary>Weigh features by their inverse document frequency (TF-IDF with binary term frequency).</summary>
    public bool Idf { get; init; } = true;
}

/// <summary>
/// A multinomial logistic regression over word and character n-grams (<see cref="TextFeatures"/>), trained in process
/// from the content's examples with plain stochastic gradient descent in a seeded order: deterministic, a fraction of a
/// second for a few thousand examples, thread-safe once trained (immutable weights), and a prediction is one sparse
/// dot product per class with no allocation beyond the message's feature list.
/// </summary>
public sealed class TextClassifier
{
    private static readonly ConcurrentDictionary<string, TextClassifier> Cache = new(StringComparer.Ordinal);

    private readonly Dictionary<ulong, int> _vocabulary;
    private readonly Half[] _weights; // feature-major: _weights[feature * classes + class], half precision once trained
    private readonly int _stride;
    private readonly float[] _idf;
    private readonly float _unseen;
    private readonly float[] _bias;

    private static long _built;

    /// <summary>How many models this process has trained or read from a <see cref="ModelStore"/> (none when the memory cache answered).</summary>
    public static long Built => Interlocked.Read(ref _built);

    private TextClassifier(IReadOnlyList<string> labels, Dictionary<ulong, int> vocabulary, Half[] weights, float[] bias, float[] idf, float unseen, TimeSpan trainingTime, IReadOnlyList<LabelledText> examples)
    {
        Interlocked.Increment(ref _built);
        _idf = idf;
        _unseen = unseen;
        TrainedOn = examples;
        _stride = StrideOf(labels.Count);
        Labels = labels;
        _vocabulary = vocabulary;
        _weights = weights;
        _bias = bias;
        TrainingTime = trainingTime;
        Examples = examples.Count;
    }

    /// <summary>What a trained model is made of, as <see cref="ModelStore"/> keeps it: the features in the order of their index.</summary>
    internal sealed record ModelParts(string[] Labels, ulong[] Features, float[] Idf, float Unseen, float[] Bias, Half[] Weights, TimeSpan TrainingTime);

    public IReadOnlyList<string> Labels { get; }

    public int FeatureCount => _vocabulary.Count;

    /// <summary>How long the training took (when read from a <see cref="ModelStore"/>, the training that made the file).</summary>
    public TimeSpan TrainingTime { get; }

    /// <summary>How long reading the model from a <see cref="ModelStore"/> took; null when it was trained in this process.</summary>
    public TimeSpan? ReadTime { get; private init; }

    public int Examples { get; }

    /// <summary>The examples the model was trained on.</summary>
    public IReadOnlyList<LabelledText> TrainedOn { get; }

    /// <summary>Approximate bytes the trained model holds (weights, biases and the feature table).</summary>
    public long ModelBytes => (_weights.LongLength * 2) + (_bias.LongLength * sizeof(float)) + (_vocabulary.Count * 24L);

    /// <summary>
    /// The trained weights as kept: half precision and without the SIMD padding training uses (issue 15: the service
    /// keeps one model per language, and in single precision they took about 90 MiB). Half precision keeps three
    /// significant digits, far finer than the differences between labels that decide anything.
    /// </summary>
    private static Half[] Stored(float[] weights, int classes, int stride)
    {
        var features = weights.Length / stride;
        var stored = new Half[features * classes];
        for (var f = 0; f < features; f++)
        {
            for (var c = 0; c < classes; c++)
            {
                stored[(f * classes) + c] = (Half)weights[(f * stride) + c];
            }
        }

        return stored;
    }

    /// <summary>
    /// Trains on <paramref name="examples"/>, or returns the model already trained on exactly these examples and
    /// options (content reloads and tests load the same examples many times).
    /// </summary>
    /// <param name="cache">False trains anew even when the same examples were trained before (tests of determinism).</param>
    /// <param name="store">Models kept on disk between processes: read from there when this training was done before, written there when not.</param>
    public static TextClassifier Train(IReadOnlyList<LabelledText> examples, TrainingOptions? options = null, bool cache = true, ModelStore? store = null)
    {
        ArgumentNullException.ThrowIfNull(examples);
        options ??= new TrainingOptions();
        if (!cache)
        {
            return TrainNew(examples, options);
        }

        var key = KeyOf(examples, options);
        if (Cache.TryGetValue(key, out var cached))
        {
            return cached;
        }

        var trained = store?.TryRead(key, examples);
        if (trained is null)
        {
            trained = TrainNew(examples, options);
            store?.TryWrite(key, trained);
        }

        if (Cache.Count > 16)
        {
            Cache.Clear(); // a few versions at most are in use at once; the next load trains again
        }

        return Cache.GetOrAdd(key, trained);
    }

    private static TextClassifier TrainNew(IReadOnlyList<LabelledText> examples, TrainingOptions options)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var labels = examples.Select(e => e.Label).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var classOf = labels.Select((l, i) => (l, i)).ToDictionary(p => p.l, p => p.i, StringComparer.Ordinal);
        var classes = labels.Count;

        var vocabulary = new Dictionary<ulong, int>();
        var rows = new int[examples.Count][];
        var targets = new int[examples.Count];
        var buffer = new List<ulong>(128);
        for (var e = 0; e < examples.Count; e++)
        {
            TextFeatures.Extract(examples[e].Words, buffer);
            var row = new int[buffer.Count];
            for (var f = 0; f < buffer.Count; f++)
            {
                if (!vocabulary.TryGetValue(buffer[f], out var index))
                {
                    index = vocabulary.Count;
                    vocabulary[buffer[f]] = index;
                }

                row[f] = index;
            }

            rows[e] = row;
            targets[e] = classOf[examples[e].Label];
        }

        var stride = StrideOf(classes);
        var weights = new float[vocabulary.Count * stride];
        var bias = new float[classes];
        var sizes = new int[classes];
        foreach (var target in targets)
        {
            sizes[target]++;
        }

        var weightOf = sizes.Select(n => options.BalanceLabels && n > 0 ? (float)(examples.Count / (double)(classes * n)) : 1f).ToArray();

        // Inverse document frequency: words in many examples of every kind ("está", "me", "the") weigh less than the
        // ones that tell a meaning apart ("encerrada", "pasaporte").
        var frequency = new int[vocabulary.Count];
        foreach (var row in rows)
        {
            foreach (var feature in row)
            {
                frequency[feature]++;
            }
        }

        var idf = frequency.Select(df => options.Idf ? (float)(Math.Log((examples.Count + 1.0) / (df + 1.0)) + 1) : 1f).ToArray();
        var unseen = options.Idf ? (float)(Math.Log(examples.Count + 1.0) + 1) : 1f;
        var order = Enumerable.Range(0, examples.Count).ToArray();
        var random = new Random(options.Seed);
        var scores = new float[stride];
        for (var epoch = 0; epoch < options.Epochs; epoch++)
        {
            Shuffle(order, random);
            var rate = (float)(options.LearningRate / (1 + (0.1 * epoch)));
            var decay = new Vector<float>((float)(1 - (rate * options.L2)));
            foreach (var e in order)
            {
                var row = rows[e];
                if (row.Length == 0)
                {
                    continue;
                }

                var norm = Norm(row, idf, 0, unseen);
                Scores(row, idf, norm, weights, bias, classes, stride, scores);
                Softmax(scores, classes);
                scores[targets[e]] -= 1; // the gradient of the log loss: p - y
                var step = rate * weightOf[targets[e]];
                for (var c = 0; c < classes; c++)
                {
                    bias[c] -= step * scores[c] * 0.1f;
                    scores[c] *= step * norm;
                }

                var gradient = MemoryMarshal.Cast<float, Vector<float>>(scores.AsSpan());
                foreach (var feature in row)
                {
                    var w = MemoryMarshal.Cast<float, Vector<float>>(weights.AsSpan(feature * stride, stride));
                    var value = idf[feature];
                    for (var v = 0; v < w.Length; v++)
                    {
                        w[v] = (w[v] * decay) - (gradient[v] * value);
                    }
                }
            }
        }

        return new TextClassifier(labels, vocabulary, Stored(weights, classes, stride), bias, idf, unseen, clock.Elapsed, examples);
    }

    /// <summary>Rows padded to a whole number of SIMD vectors, so the update of one feature's weights is a few vector operations.</summary>
    private static int StrideOf(int classes) => (classes + Vector<float>.Count - 1) / Vector<float>.Count * Vector<float>.Count;

    internal ModelParts Parts()
    {
        var features = new ulong[_vocabulary.Count];
        foreach (var (feature, index) in _vocabulary)
        {
            features[index] = feature;
        }

        return new ModelParts([.. Labels], features, _idf, _unseen, _bias, _weights, TrainingTime);
    }

    /// <summary>A model from the parts a <see cref="ModelStore"/> kept; refuses parts that do not fit together.</summary>
    internal static TextClassifier FromParts(ModelParts parts, IReadOnlyList<LabelledText> examples, TimeSpan readTime)
    {
        var classes = parts.Labels.Length;
        if (classes == 0 || parts.Bias.Length != classes || parts.Idf.Length != parts.Features.Length || parts.Weights.Length != parts.Features.Length * classes)
        {
            throw new InvalidDataException("the model's parts do not fit together");
        }

        var vocabulary = new Dictionary<ulong, int>(parts.Features.Length);
        for (var i = 0; i < parts.Features.Length; i++)
        {
            if (!vocabulary.TryAdd(parts.Features[i], i))
            {
                throw new InvalidDataException("a feature twice");
            }
        }

        return new TextClassifier(parts.Labels, vocabulary, parts.Weights, parts.Bias, parts.Idf, parts.Unseen, parts.TrainingTime, examples) { ReadTime = readTime };
    }

    /// <summary>The model's parameters as bytes, to compare two trainings.</summary>
    public byte[] Fingerprint()
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(MemoryMarshal.AsBytes(_weights.AsSpan()));
        hash.AppendData(MemoryMarshal.AsBytes(_bias.AsSpan()));
        return hash.GetHashAndReset();
    }

    /// <summary>The probability of every label for a message, and how many of its features the examples knew.</summary>
    public Prediction Predict(IReadOnlyList<string> words)
    {
        ArgumentNullException.ThrowIfNull(words);
        var buffer = new List<ulong>(128);
        TextFeatures.Extract(words, buffer);
        var known = new List<int>(buffer.Count);
        foreach (var feature in buffer)
        {
            if (_vocabulary.TryGetValue(feature, out var index))
            {
                known.Add(index);
            }
        }

        var knownWords = words.Count(w => _vocabulary.ContainsKey(TextFeatures.WordFeature(w)));
        var classes = Labels.Count;
        var scores = new float[_stride];
        if (known.Count == 0)
        {
            return new Prediction(this, new double[classes], 0, 0, buffer.Count);
        }

        // Unknown features count in the norm: a message made mostly of words the examples never saw is less certain.
        int[] row = [.. known];
        StoredScores(row, Norm(row, _idf, buffer.Count - known.Count, _unseen), classes, scores);
        Softmax(scores, classes);
        return new Prediction(this, [.. scores.Take(classes).Select(p => (double)p)], known.Count, knownWords, buffer.Count);
    }

    /// <summary>Fisher-Yates with the seeded generator, written out so the order never depends on a library's version.</summary>
    private static void Shuffle(int[] order, Random random)
    {
        for (var i = order.Length - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
    }

    /// <summary>1 / the length of the message's weighted feature vector (unknown features at the highest weight).</summary>
    private static float Norm(int[] row, float[] idf, int unknown, float unseen)
    {
        var sum = (double)unknown * unseen * unseen;
        foreach (var feature in row)
        {
            sum += idf[feature] * idf[feature];
        }

        return sum == 0 ? 0 : (float)(1 / Math.Sqrt(sum));
    }

    private static void Scores(int[] row, float[] idf, float norm, float[] weights, float[] bias, int classes, int stride, float[] scores)
    {
        Array.Clear(scores);
        var sum = MemoryMarshal.Cast<float, Vector<float>>(scores.AsSpan());
        foreach (var feature in row)
        {
            var w = MemoryMarshal.Cast<float, Vector<float>>(weights.AsSpan(feature * stride, stride));
            var value = idf[feature];
            for (var v = 0; v < sum.Length; v++)
            {
                sum[v] += w[v] * value;
            }
        }

        for (var c = 0; c < classes; c++)
        {
            scores[c] = (scores[c] * norm) + bias[c];
        }
    }

    /// <summary>A message's scores from the stored (half precision) weights, summed in single precision.</summary>
    private void StoredScores(int[] row, float norm, int classes, float[] scores)
    {
        Array.Clear(scores);
        foreach (var feature in row)
        {
            var w = _weights.AsSpan(feature * classes, classes);
            var value = _idf[feature];
            for (var c = 0; c < classes; c++)
            {
                scores[c] += (float)w[c] * value;
            }
        }

        for (var c = 0; c < classes; c++)
        {
            scores[c] = (scores[c] * norm) + _bias[c];
        }
    }

    /// <summary>Probabilities over the first <paramref name="classes"/> scores (the rest is padding, left at zero).</summary>
    private static void Softmax(float[] scores, int classes)
    {
        var max = float.MinValue;
        for (var c = 0; c < classes; c++)
        {
            max = Math.Max(max, scores[c]);
        }

        var sum = 0.0;
        for (var c = 0; c < classes; c++)
        {
            scores[c] = MathF.Exp(scores[c] - max);
            sum += scores[c];
        }

        for (var c = 0; c < classes; c++)
        {
            scores[c] = (float)(scores[c] / sum);
        }

        Array.Clear(scores, classes, scores.Length - classes);
    }

    /// <summary>What a training is known by (in memory and in a <see cref="ModelStore"/>): a hash of the options and the examples in order.</summary>
    public static string KeyOf(IReadOnlyList<LabelledText> examples, TrainingOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(examples);
        options ??= new TrainingOptions();
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes(options.ToString()));
        foreach (var example in examples)
        {
            hash.AppendData(Encoding.UTF8.GetBytes(example.Label));
            hash.AppendData([0]);
            hash.AppendData(Encoding.UTF8.GetBytes(string.Join(' ', example.Words)));
            hash.AppendData([1]);
        }

        return Convert.ToHexString(hash.GetHashAndReset());
    }
}

/// <summary>A message's probabilities over the classifier's labels.</summary>
/// <param name="KnownFeatures">Features of the message that appear in the examples.</param>
/// <param name="KnownWords">Whole words of the message that appear in the examples.</param>
/// <param name="Features">All the message's features.</param>
public sealed record Prediction(TextClassifier Model, double[] Probabilities, int KnownFeatures, int KnownWords, int Features)
{
    public double this[string label]
    {
        get
        {
            for (var i = 0; i < Model.Labels.Count; i++)
            {
                if (Model.Labels[i] == label)
                {
                    return Probabilities[i];
                }
            }

            return 0;
        }
    }

    private (string Label, double Probability)[]? _ranked;

    /// <summary>The labels from most to least likely (sorted once).</summary>
    public IReadOnlyList<(string Label, double Probability)> Ranked() =>
        _ranked ??= [.. Model.Labels.Select((label, i) => (label, Probabilities[i]))
            .OrderByDescending(p => p.Item2)
            .ThenBy(p => p.label, StringComparer.Ordinal)];
}
