using System.Globalization;
using System.Text;

namespace OimBot.Content.Matching;

/// <summary>
/// Turns what a user typed into comparable words: lower case, no accents, no punctuation, emoji keycaps ("2️⃣")
/// as plain digits. Keywords and commands go through the same function, so "Menú", "MENU" and "menu." all match.
/// </summary>
public static class TextNormalizer
{
    public static string Normalize(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return string.Empty;
        }

        var decomposed = text.Normalize(NormalizationForm.FormD);
        var builder = new StringBuilder(decomposed.Length);
        var lastWasSpace = true;
        foreach (var c in decomposed)
        {
            var category = CharUnicodeInfo.GetUnicodeCategory(c);
            if (category is UnicodeCategory.NonSpacingMark or UnicodeCategory.EnclosingMark or UnicodeCategory.Format)
            {
                continue; // accents, the keycap mark U+20E3, zero-width joiners
            }

            if (c is '\'' or '’' or '\uFE0F')
            {
                continue; // "i'm" and "im" are the same word; U+FE0F is the emoji presentation selector
            }

            if (char.IsLetterOrDigit(c))
            {
                builder.Append(char.ToLowerInvariant(c));
                lastWasSpace = false;
            }
            else if (!lastWasSpace)
            {
                builder.Append(' ');
                lastWasSpace = true;
            }
        }

        return builder.ToString().Trim();
    }

    public static string[] Words(string normalized) =>
        normalized.Length == 0 ? [] : normalized.Split(' ', StringSplitOptions.RemoveEmptyEntries);
}
