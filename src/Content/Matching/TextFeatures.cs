namespace OimBot.Content.Matching;

/// <summary>
/// The features the classifier reads from a normalized message: its words, its word pairs, and the 3- to 6-letter
/// pieces of each word with its edges marked ("&lt;pap", "apel", "les&gt;"), so that "nesesito" still shares most of
/// its pieces with "necesito" and an unseen wording shares them with the examples. Each feature is a stable 64-bit
/// hash (FNV-1a), computed without allocating strings: the same text gives the same features on every machine.
/// </summary>
public static class TextFeatures
{
    public const int MinGram = 3;
    public const int MaxGram = 6;

    private const ulong Offset = 14695981039346656037UL;
    private const ulong Prime = 1099511628211UL;
    private const char Start = '<';
    private const char End = '>';

    /// <summary>The distinct features of <paramref name="words"/>, appended to <paramref name="into"/> (cleared first).</summary>
    public static void Extract(IReadOnlyList<string> words, List<ulong> into)
    {
        ArgumentNullException.ThrowIfNull(words);
        ArgumentNullException.ThrowIfNull(into);
        into.Clear();
        for (var w = 0; w < words.Count; w++)
        {
            var word = words[w];
            into.Add(Mix(Mix(Offset, 'w'), word));
            if (w > 0)
            {
                into.Add(Mix(Mix(Mix(Mix(Offset, 'b'), words[w - 1]), ' '), word));
            }

            // Pieces of the word with its edges: "<word>" has length + 2 characters.
            var padded = word.Length + 2;
            for (var n = MinGram; n <= MaxGram; n++)
            {
                for (var start = 0; start + n <= padded; start++)
                {
                    if (n == padded && n > MinGram)
                    {
                        break; // the whole padded word is already its own piece at a shorter length or its word feature
                    }

                    var hash = Mix(Offset, 'c');
                    for (var i = start; i < start + n; i++)
                    {
                        hash = Mix(hash, i == 0 ? Start : i == padded - 1 ? End : word[i - 1]);
                    }

                    into.Add(hash);
                }
            }
        }

        into.Sort();
        var distinct = 0;
        for (var i = 0; i < into.Count; i++)
        {
            if (i == 0 || into[i] != into[i - 1])
            {
                into[distinct++] = into[i];
            }
        }

        into.RemoveRange(distinct, into.Count - distinct);
    }

    /// <summary>A word feature's hash, to ask whether a message has any word the examples know.</summary>
    public static ulong WordFeature(string word) => Mix(Mix(Offset, 'w'), word);

    private static ulong Mix(ulong hash, char c)
    {
        hash ^= c;
        return hash * Prime;
    }

    private static ulong Mix(ulong hash, string text)
    {
        foreach (var c in text)
        {
            hash = Mix(hash, c);
        }

        return Mix(hash, '\u0001'); // end of the word, so "ab"+"c" differs from "a"+"bc"
    }
}
