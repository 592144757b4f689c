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
        // Only a phone number says where someone is from: a channel prefix and a '+' may come before its digits, never
        // letters (a WhatsApp business-scoped user id, US.1349…, is no number: its first digits are no country code).
        if (number is null)
        {
            return null;
        }

        var rest = number[(number.IndexOf(':', StringComparison.Ordinal) + 1)..].TrimStart('+');
        if (rest.Length == 0 || !char.IsAsciiDigit(rest[0]))
        {
            return null;
        }

        var digits = new string([.. rest.TakeWhile(char.IsAsciiDigit).Take(3)]);
        return digits.Length == 3 ? new LanguageHint(null, digits) : null;
    }
}
