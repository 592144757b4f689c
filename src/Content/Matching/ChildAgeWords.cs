namespace OimBot.Content.Matching;

/// <summary>
/// A child's age written in words, per language ("catorce", "dix-sept", "十四": content's <c>child_ages</c>), read as
/// its digits where an unsure keyword has <c>{age}</c>: "tengo catorce años y no tengo donde dormir" is "tengo 14 años…".
/// Each language's words are read only against that language's keywords ("once" is eleven in Spanish alone).
/// </summary>
public sealed class ChildAgeWords
{
    private static readonly int Count = Understander.ChildAges.To - Understander.ChildAges.From + 1;

    private readonly Dictionary<string, List<(string[] Words, string Digits)>> _byLanguage = new(StringComparer.Ordinal);

    /// <param name="lists">Per language, one entry per age from 8 to 17 in order, variants separated by "|".</param>
    public ChildAgeWords(IReadOnlyDictionary<string, IReadOnlyList<string>> lists)
    {
        ArgumentNullException.ThrowIfNull(lists);
        foreach (var (language, ages) in lists)
        {
            if (Problem(ages) is not null || ages.Count == 0)
            {
                continue; // the validator refuses it; digits still work
            }

            _byLanguage[language] = [.. ages
                .SelectMany((entry, i) => Variants(entry).Select(words => (words, (Understander.ChildAges.From + i).ToString(System.Globalization.CultureInfo.InvariantCulture))))
                .OrderByDescending(p => p.Item1.Length)];
        }
    }

    /// <summary>Why a language's list cannot be read, or null; an empty list is allowed (ages in digits only).</summary>
    public static string? Problem(IReadOnlyList<string> ages)
    {
        ArgumentNullException.ThrowIfNull(ages);
        if (ages.Count == 0)
        {
            return null;
        }

        if (ages.Count != Count)
        {
            return $"lists {ages.Count} ages; it needs the {Count} from {Understander.ChildAges.From} to {Understander.ChildAges.To}, in order";
        }

        return SpellingProblem(ages, Understander.ChildAges.From, "age");
    }

    /// <summary>
    /// Why a list of numbers in words (one entry per number from <paramref name="first"/>, variants separated by "|")
    /// cannot be read: an empty spelling, or digits, which are read already. Null when every entry is words.
    /// </summary>
    internal static string? SpellingProblem(IReadOnlyList<string> entries, int first, string what)
    {
        for (var i = 0; i < entries.Count; i++)
        {
            var spellings = entries[i].Split('|').Select(TextNormalizer.WordsOf).ToList();
            if (spellings.Any(w => w.Length == 0))
            {
                return $"the {what} {first + i} has an empty spelling";
            }

            if (spellings.SelectMany(w => w).FirstOrDefault(w => w.All(char.IsAsciiDigit)) is { } digits)
            {
                return $"the {what} {first + i} is written '{digits}': digits are read already, list words";
            }
        }

        return null;
    }

    /// <summary>
    /// <paramref name="words"/> with each age of <paramref name="language"/> written in words replaced by its digits
    /// (longest spelling first: "十四" before "十"); the same array when there is none.
    /// </summary>
    public string[] InDigits(string[] words, string language)
    {
        ArgumentNullException.ThrowIfNull(words);
        if (!_byLanguage.TryGetValue(language, out var phrases))
        {
            return words;
        }

        List<string>? result = null;
        for (var i = 0; i < words.Length;)
        {
            var found = phrases.FindIndex(p => Starts(words, i, p.Words));
            if (found < 0)
            {
                result?.Add(words[i]);
                i++;
                continue;
            }

            result ??= [.. words[..i]];
            result.Add(phrases[found].Digits);
            i += phrases[found].Words.Length;
        }

        return result is null ? words : [.. result];
    }

    private static bool Starts(string[] words, int at, string[] phrase)
    {
        if (at + phrase.Length > words.Length)
        {
            return false;
        }

        for (var k = 0; k < phrase.Length; k++)
        {
            if (!string.Equals(words[at + k], phrase[k], StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    private static List<string[]> Variants(string entry) =>
        [.. entry.Split('|').Select(TextNormalizer.WordsOf).Where(w => w.Length > 0)];
}
