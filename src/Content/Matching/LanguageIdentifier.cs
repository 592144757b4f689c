namespace OimBot.Content.Matching;

/// <summary>
/// Guesses the language of a message from its letters: a naive Bayes model over 1- to 3-letter pieces of words, built
/// from everything the content says in each language (texts, labels, keywords, examples, the detect words). A language
/// is added by adding its content; nothing here names a language. Answers null when the message is too short or too
/// close to call, so the caller keeps its default.
/// </summary>
public sealed class LanguageIdentifier
{
    /// <summary>How much more likely (in nats) the best language must be than the next one.</summary>
    public const double Margin = 2.5;

    private const double Smoothing = 0.5;
    private readonly IReadOnlyList<string> _languages;
    private readonly Dictionary<ulong, double[]> _logProbabilities = [];
    private readonly double[] _unseen;
    private readonly HashSet<string> _words = new(StringComparer.Ordinal);

    /// <param name="corpus">Per language, the texts that show how it is written.</param>
    public LanguageIdentifier(IReadOnlyDictionary<string, IEnumerable<string>> corpus)
    {
        ArgumentNullException.ThrowIfNull(corpus);
        _languages = [.. corpus.Keys.Order(StringComparer.Ordinal)];
        var counts = new Dictionary<ulong, double[]>();
        var totals = new double[_languages.Count];
        for (var l = 0; l < _languages.Count; l++)
        {
            foreach (var text in corpus[_languages[l]])
            {
                var words = TextNormalizer.WordsOf(text);
                _words.UnionWith(words);
                foreach (var gram in Grams(words))
                {
                    if (!counts.TryGetValue(gram, out var perLanguage))
                    {
                        perLanguage = new double[_languages.Count];
                        counts[gram] = perLanguage;
                    }

                    perLanguage[l]++;
                    totals[l]++;
                }
            }
        }

        var vocabulary = Math.Max(1, counts.Count);
        _unseen = [.. totals.Select(t => Math.Log(Smoothing / (t + (Smoothing * vocabulary))))];
        foreach (var (gram, perLanguage) in counts)
        {
            _logProbabilities[gram] = [.. perLanguage.Select((c, l) => Math.Log((c + Smoothing) / (totals[l] + (Smoothing * vocabulary))))];
        }
    }

    public IReadOnlyList<string> Languages => _languages;

    /// <summary>The language of <paramref name="words"/>, or null when it cannot tell.</summary>
    public string? Identify(IReadOnlyList<string> words)
    {
        ArgumentNullException.ThrowIfNull(words);
        // Letters alone are not enough: "asdf" looks a little like every language. At least one real word must be known.
        if (_languages.Count == 0 || words.Sum(w => w.Count(char.IsLetter)) < 2 || !words.Any(_words.Contains))
        {
            return null;
        }

        var scores = Score(words);
        var best = 0;
        for (var l = 1; l < scores.Length; l++)
        {
            if (scores[l] > scores[best])
            {
                best = l;
            }
        }

        var second = scores.Where((_, l) => l != best).DefaultIfEmpty(double.NegativeInfinity).Max();
        return scores[best] - second >= Margin ? _languages[best] : null;
    }

    /// <summary>Log-likelihood of the message in each language, in <see cref="Languages"/> order.</summary>
    public double[] Score(IReadOnlyList<string> words)
    {
        ArgumentNullException.ThrowIfNull(words);
        var scores = new double[_languages.Count];
        foreach (var gram in Grams(words))
        {
            var perLanguage = _logProbabilities.TryGetValue(gram, out var known) ? known : null;
            for (var l = 0; l < scores.Length; l++)
            {
                scores[l] += perLanguage?[l] ?? _unseen[l];
            }
        }

        return scores;
    }

    /// <summary>1- to 3-letter pieces of each word with its edges marked, as stable hashes (digits carry no language).</summary>
    private static IEnumerable<ulong> Grams(IReadOnlyList<string> words)
    {
        foreach (var word in words)
        {
            if (word.All(char.IsDigit))
            {
                continue;
            }

            var padded = $"<{word}>";
            for (var n = 1; n <= 3; n++)
            {
                for (var start = 0; start + n <= padded.Length; start++)
                {
                    if (n == 1 && (start == 0 || start == padded.Length - 1))
                    {
                        continue; // a lone edge marker says nothing
                    }

                    var hash = 14695981039346656037UL ^ (ulong)n;
                    for (var i = start; i < start + n; i++)
                    {
                        hash = (hash ^ padded[i]) * 1099511628211UL;
                    }

                    yield return hash;
                }
            }
        }
    }
}
