using System.Collections.Frozen;
using System.Globalization;
using System.Text;

namespace OimBot.Content.Matching;

/// <summary>
/// Turns what a user typed into comparable words: lower case, no accents, no punctuation, emoji keycaps ("2️⃣"),
/// full-width forms ("２") and every script's decimal digits ("٢", "२") as plain ASCII digits. Scripts written without
/// spaces (Chinese, Japanese, Thai…) become one word per character, so phrases match inside a sentence. Keywords,
/// commands and examples go through the same function, so "Menú", "MENU" and "menu." all match.
/// Total on any input: lone surrogates, control characters and 4,096-character messages never throw.
/// </summary>
public static class TextNormalizer
{
    public static string Normalize(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return string.Empty;
        }

        // NFKC folds full-width letters and digits, ligatures and compatibility forms; it throws on ill-formed UTF-16
        // and on code points Unicode does not assign, so those are taken out first.
        var compatible = WellFormed(text).Normalize(NormalizationForm.FormKC).Normalize(NormalizationForm.FormD);
        var builder = new StringBuilder(compatible.Length);
        var lastWasSpace = true;
        foreach (var rune in compatible.EnumerateRunes())
        {
            var category = Rune.GetUnicodeCategory(rune);
            if (category is UnicodeCategory.NonSpacingMark or UnicodeCategory.EnclosingMark or UnicodeCategory.Format or UnicodeCategory.SpacingCombiningMark)
            {
                continue; // accents, the keycap mark U+20E3, zero-width joiners, vowel signs
            }

            if (rune.Value is '\'' or '’' or '`' or 0xFE0F)
            {
                continue; // "i'm" and "im" are the same word; U+FE0F is the emoji presentation selector
            }

            if (rune.Value == SosEmoji)
            {
                // "🆘🆘🆘" is a cry for help, said in a picture: the word it shows (a blind tester's got "No entendí").
                if (!lastWasSpace)
                {
                    builder.Append(' ');
                }

                builder.Append("sos ");
                lastWasSpace = true;
                continue;
            }

            if (category == UnicodeCategory.DecimalDigitNumber)
            {
                // Any script's digit is the ASCII digit of the same value ("٢", "२", "２" → "2").
                AppendWordRune(builder, new Rune('0' + (int)Rune.GetNumericValue(rune)), ref lastWasSpace);
            }
            else if (Rune.IsLetterOrDigit(rune))
            {
                var lower = Rune.ToLowerInvariant(rune);
                if (IsUnspacedScript(lower.Value))
                {
                    lower = Simplified(lower); // 護照 and 护照 are the same word
                    // One word per character: "我想回国" → "我 想 回 国".
                    if (!lastWasSpace)
                    {
                        builder.Append(' ');
                    }

                    builder.Append(lower.ToString()).Append(' ');
                    lastWasSpace = true;
                }
                else
                {
                    AppendWordRune(builder, lower, ref lastWasSpace);
                }
            }
            else if (!lastWasSpace)
            {
                builder.Append(' ');
                lastWasSpace = true;
            }
        }

        return builder.ToString().Trim();
    }

    /// <summary>🆘 (U+1F198, SQUARED SOS): read as the word "sos".</summary>
    private const int SosEmoji = 0x1F198;

    public static string[] Words(string normalized) =>
        normalized.Length == 0 ? [] : normalized.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>Normalize, then split: the words a message is matched on.</summary>
    public static string[] WordsOf(string? text) => Words(Normalize(text));

    /// <summary>Chinese, Japanese kana, Thai, Lao, Khmer, Myanmar, Tibetan: written without spaces between words.</summary>
    public static bool IsUnspacedScript(int codePoint) => codePoint switch
    {
        >= 0x2E80 and <= 0x2FDF => true,   // CJK radicals
        >= 0x3040 and <= 0x30FF => true,   // hiragana, katakana
        >= 0x3400 and <= 0x4DBF => true,   // CJK extension A
        >= 0x4E00 and <= 0x9FFF => true,   // CJK unified ideographs
        >= 0xF900 and <= 0xFAFF => true,   // CJK compatibility ideographs
        >= 0x20000 and <= 0x3FFFF => true, // CJK extensions B and later
        >= 0x0E00 and <= 0x0EFF => true,   // Thai, Lao
        >= 0x0F00 and <= 0x0FFF => true,   // Tibetan
        >= 0x1000 and <= 0x109F => true,   // Myanmar
        >= 0x1780 and <= 0x17FF => true,   // Khmer
        _ => false,
    };

    /// <summary>Traditional Chinese characters and their Simplified forms (ICU's Hant-Hans, one character each).</summary>
    private static readonly FrozenDictionary<int, int> TraditionalToSimplified = LoadHanVariants();

    /// <summary>A Traditional Chinese character as its Simplified form; any other character as it is.</summary>
    public static Rune Simplified(Rune rune) =>
        TraditionalToSimplified.TryGetValue(rune.Value, out var simple) ? new Rune(simple) : rune;

    private static FrozenDictionary<int, int> LoadHanVariants()
    {
        using var stream = typeof(TextNormalizer).Assembly.GetManifestResourceStream("OimBot.Content.Matching.HantHans.txt")
            ?? throw new InvalidOperationException("the Traditional-Simplified table is not embedded");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var pairs = new Dictionary<int, int>();
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var runes = line.EnumerateRunes().ToArray();
            if (runes.Length == 2)
            {
                pairs[runes[0].Value] = runes[1].Value;
            }
        }

        return pairs.ToFrozenDictionary();
    }

    private static void AppendWordRune(StringBuilder builder, Rune rune, ref bool lastWasSpace)
    {
        Span<char> buffer = stackalloc char[2];
        var length = rune.EncodeToUtf16(buffer);
        builder.Append(buffer[..length]);
        lastWasSpace = false;
    }

    /// <summary>
    /// Lone surrogates, noncharacters (U+FFFE…) and unassigned code points become spaces: Unicode normalization refuses
    /// them, and they carry no word.
    /// </summary>
    private static string WellFormed(string text)
    {
        var clean = true;
        foreach (var rune in text.EnumerateRunes())
        {
            if (rune == Rune.ReplacementChar || Rune.GetUnicodeCategory(rune) == UnicodeCategory.OtherNotAssigned)
            {
                clean = false;
                break;
            }
        }

        if (clean)
        {
            return text;
        }

        var builder = new StringBuilder(text.Length);
        foreach (var rune in text.EnumerateRunes())
        {
            builder.Append(rune == Rune.ReplacementChar || Rune.GetUnicodeCategory(rune) == UnicodeCategory.OtherNotAssigned ? " " : rune.ToString());
        }

        return builder.ToString();
    }
}
