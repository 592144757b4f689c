using System.Globalization;
using OimBot.Content;

namespace OimBot.Bot.Channels;

/// <summary>
/// Cuts text for providers with a length limit: at a paragraph, then a line, then the end of a sentence (also Chinese
/// 。！？), then a word, and only as a last resort anywhere; never inside a character (a surrogate pair) or a grapheme
/// (an emoji with its modifiers, a letter with its accents).
/// </summary>
public static class ReplyShaper
{
    /// <summary>Where a part may end right after these marks (kept with the part before).</summary>
    private static readonly string[] SentenceEnds = ["。", "！", "？", "；", ". ", "! ", "? "];

    public static IReadOnlyList<string> Split(string text, int max)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = new List<string>();
        var rest = text.Trim();
        while (rest.Length > max)
        {
            var cut = LastBreak(rest, max, "\n\n") ?? LastBreak(rest, max, "\n") ?? LastSentenceEnd(rest, max) ?? LastBreak(rest, max, " ") ?? Boundary(rest, max);
            parts.Add(rest[..cut].TrimEnd());
            rest = rest[cut..].TrimStart();
        }

        if (rest.Length > 0 || parts.Count == 0)
        {
            parts.Add(rest);
        }

        return parts;
    }

    /// <summary>The text split to <paramref name="max"/>, with the choices on the last part.</summary>
    public static IReadOnlyList<RenderedReply> SplitKeepingChoices(RenderedReply reply, int max)
    {
        ArgumentNullException.ThrowIfNull(reply);
        var parts = Split(reply.Text, max);
        return [.. parts.Select((part, i) => i == parts.Count - 1 ? reply with { Text = part } : RenderedReply.Plain(part))];
    }

    /// <summary>Shortens a label to a provider's limit (in UTF-16 units, as providers count) without cutting a grapheme.</summary>
    public static string Truncate(string text, int max)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.Length <= max ? text : text[..Boundary(text, max - 1)] + "…";
    }

    /// <summary>The longest prefix of whole graphemes within <paramref name="max"/> UTF-16 units (at least one grapheme).</summary>
    public static int Boundary(string text, int max)
    {
        ArgumentNullException.ThrowIfNull(text);
        var end = 0;
        while (end < text.Length)
        {
            var next = end + StringInfo.GetNextTextElementLength(text, end);
            if (next > max)
            {
                break;
            }

            end = next;
        }

        return end > 0 ? end : Math.Min(text.Length, StringInfo.GetNextTextElementLength(text, 0));
    }

    private static int? LastSentenceEnd(string text, int max)
    {
        var best = -1;
        foreach (var mark in SentenceEnds)
        {
            var index = text.LastIndexOf(mark, Math.Max(0, max - mark.Length), StringComparison.Ordinal);
            best = Math.Max(best, index >= 0 ? index + mark.Length : -1);
        }

        return best > max / 3 ? best : null;
    }

    private static int? LastBreak(string text, int max, string separator)
    {
        var index = text.LastIndexOf(separator, max, StringComparison.Ordinal);
        return index > max / 3 ? index : null;
    }
}
