using OimBot.Content.Matching;

namespace OimBot.Bot.Channels;

/// <summary>What a channel's sender id says about a new user's language, for the first reply only (never stored).</summary>
public static class LanguageHints
{
    /// <summary>
    /// The first three digits of an international number (<c>50912345678</c>, <c>whatsapp:+8613…</c>): enough for any
    /// country calling code, far too few to identify anyone.
    /// </summary>
    public static LanguageHint? FromPhone(string? number)
    {
        if (number is null)
        {
            return null;
        }

        var digits = new string([.. number.SkipWhile(c => !char.IsAsciiDigit(c)).TakeWhile(char.IsAsciiDigit).Take(3)]);
        return digits.Length == 3 ? new LanguageHint(null, digits) : null;
    }
}
