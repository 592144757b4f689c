using OimBot.Content;

namespace OimBot.Bot.Channels;

/// <summary>Cuts text for providers with a length limit, at paragraph, then line, then word boundaries.</summary>
public static class ReplyShaper
{
    public static IReadOnlyList<string> Split(string text, int max)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = new List<string>();
        var rest = text.Trim();
        while (rest.Length > max)
        {
            var cut = LastBreak(rest, max, "\n\n") ?? LastBreak(rest, max, "\n") ?? LastBreak(rest, max, " ") ?? max;
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

    /// <summary>Shortens a label to a provider's limit without cutting a character in two.</summary>
    public static string Truncate(string text, int max)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length <= max)
        {
            return text;
        }

        var cut = max - 1;
        if (char.IsHighSurrogate(text[cut - 1]))
        {
            cut--;
        }

        return text[..cut] + "…";
    }

    private static int? LastBreak(string text, int max, string separator)
    {
        var index = text.LastIndexOf(separator, max, StringComparison.Ordinal);
        return index > max / 3 ? index : null;
    }
}
