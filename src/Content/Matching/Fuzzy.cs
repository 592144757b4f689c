namespace OimBot.Content.Matching;

/// <summary>Typo tolerance: words match when they differ by a small number of edits, scaled by the word's length.</summary>
public static class Fuzzy
{
    /// <summary>Short words must match exactly (so "baja" is never "bajo"); longer words forgive one or two slips.</summary>
    public static int Tolerance(int length) => length switch
    {
        <= 5 => 0,
        <= 9 => 1,
        _ => 2,
    };

    /// <summary>
    /// <paramref name="typed"/> is <paramref name="expected"/> or a slip of it. A slip never falls on the first letter:
    /// people rarely mistype it, and French glues an elided pronoun to its verb ("j'abandonne", "I give up", is one word
    /// without the apostrophe), which must not match the verb of someone else ("le passeur nous abandonne").
    /// </summary>
    public static bool WordMatches(string typed, string expected)
    {
        if (string.Equals(typed, expected, StringComparison.Ordinal))
        {
            return true;
        }

        var tolerance = Tolerance(expected.Length);
        return tolerance > 0
            && Math.Abs(typed.Length - expected.Length) <= tolerance
            && typed[0] == expected[0] && !char.IsDigit(expected[0])
            && Distance(typed, expected, tolerance) <= tolerance;
    }

    /// <summary>True when <paramref name="phrase"/> appears as consecutive words of <paramref name="words"/>.</summary>
    public static bool ContainsPhrase(string[] words, string[] phrase) => ContainsPhrase(words, phrase, WordMatches);

    /// <summary>True when <paramref name="phrase"/> appears as consecutive words of <paramref name="words"/>, each typed word matching its phrase word by <paramref name="matches"/>.</summary>
    public static bool ContainsPhrase(string[] words, string[] phrase, Func<string, string, bool> matches) => IndexOfPhrase(words, phrase, matches) >= 0;

    /// <summary>Where <paramref name="phrase"/> first appears as consecutive words of <paramref name="words"/> (typos tolerated), or -1.</summary>
    public static int IndexOfPhrase(string[] words, string[] phrase) => IndexOfPhrase(words, phrase, WordMatches);

    private static int IndexOfPhrase(string[] words, string[] phrase, Func<string, string, bool> matches)
    {
        ArgumentNullException.ThrowIfNull(matches);
        if (phrase.Length == 0 || phrase.Length > words.Length)
        {
            return -1;
        }

        for (var start = 0; start <= words.Length - phrase.Length; start++)
        {
            var all = true;
            for (var i = 0; i < phrase.Length && all; i++)
            {
                all = matches(words[start + i], phrase[i]);
            }

            if (all)
            {
                return start;
            }
        }

        return -1;
    }

    /// <summary>True when the whole message is the phrase, word for word.</summary>
    public static bool EqualsPhrase(string[] words, string[] phrase) =>
        words.Length == phrase.Length && ContainsPhrase(words, phrase);

    /// <summary>Optimal string alignment distance (Damerau-Levenshtein with adjacent swaps), stopping early past <paramref name="limit"/>.</summary>
    public static int Distance(string a, string b, int limit = int.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var width = b.Length + 1;
        Span<int> rows = width * 3 <= 512 ? stackalloc int[width * 3] : new int[width * 3];
        var previous2 = rows[..width];
        var previous = rows.Slice(width, width);
        var current = rows.Slice(width * 2, width);
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            var rowMin = current[0];
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                var value = Math.Min(Math.Min(previous[j] + 1, current[j - 1] + 1), previous[j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    value = Math.Min(value, previous2[j - 2] + 1);
                }

                current[j] = value;
                rowMin = Math.Min(rowMin, value);
            }

            if (rowMin > limit)
            {
                return rowMin;
            }

            // Rotate the three rows without allocating: previous2 <- previous <- current <- previous2.
            var spare = previous2;
            previous2 = previous;
            previous = current;
            current = spare;
        }

        return previous[b.Length];
    }
}
