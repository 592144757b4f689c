namespace OimBot.Content.Matching;

/// <summary>
/// A numbered list's numbers in words, per language ("tres", "two", "deux", "de", "dois", "二": content's
/// <c>number_words</c>): the whole message, or its last word after "la", "opción", "number"…, picks the option its
/// digit would. "tres" had been read as French for a medical emergency and "two" as Creole (a new user's try). Each
/// language's words are read in conversations in that language, and Spanish and English everywhere (written in the flows).
/// </summary>
public sealed class NumberWords
{
    /// <summary>The most numbers a list of words may have: the longest numbered list shown.</summary>
    public const int Most = 12;

    private readonly Dictionary<string, Dictionary<string, int>> _byLanguage = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _everywhere = new(StringComparer.Ordinal);

    /// <param name="lists">Per language, one entry per number from one up, variants separated by "|".</param>
    /// <param name="everywhere">The languages whose words are read in every conversation.</param>
    public NumberWords(IReadOnlyDictionary<string, IReadOnlyList<string>> lists, IEnumerable<string> everywhere)
    {
        ArgumentNullException.ThrowIfNull(lists);
        ArgumentNullException.ThrowIfNull(everywhere);
        var shared = everywhere.ToHashSet(StringComparer.Ordinal);
        foreach (var (language, numbers) in lists)
        {
            if (Problem(numbers) is not null)
            {
                continue; // the validator refuses it; digits still work
            }

            var map = new Dictionary<string, int>(StringComparer.Ordinal);
            for (var i = 0; i < numbers.Count; i++)
            {
                foreach (var spelling in numbers[i].Split('|').Select(s => string.Join(' ', TextNormalizer.WordsOf(s))))
                {
                    map.TryAdd(spelling, i + 1);
                    if (shared.Contains(language))
                    {
                        _everywhere.TryAdd(spelling, i + 1);
                    }
                }
            }

            _byLanguage[language] = map;
        }
    }

    /// <summary>Why a language's list cannot be read, or null; an empty list is allowed (numbers in digits only).</summary>
    public static string? Problem(IReadOnlyList<string> numbers)
    {
        ArgumentNullException.ThrowIfNull(numbers);
        if (numbers.Count > Most)
        {
            return $"lists {numbers.Count} numbers; at most {Most}, from one up";
        }

        return ChildAgeWords.SpellingProblem(numbers, 1, "number");
    }

    /// <summary>The number these words spell in <paramref name="language"/> (or in a language read everywhere), or null.</summary>
    public int? Read(string text, string? language)
    {
        ArgumentNullException.ThrowIfNull(text);
        return language is not null && _byLanguage.TryGetValue(language, out var own) && own.TryGetValue(text, out var number) ? number
            : _everywhere.TryGetValue(text, out var shared) ? shared
            : null;
    }
}
