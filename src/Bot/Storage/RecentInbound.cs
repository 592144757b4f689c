namespace OimBot.Bot.Storage;

/// <summary>
/// The ids (keyed hashes) of the last messages a conversation answered through the outbox, kept in the conversation's
/// own row (issue 15): a repeated delivery is recognised from the row the turn locks anyway, and the ordinary turn
/// writes no dedupe record of its own, whose key (a hash) put it on a page at random in an index that grows with every
/// message. Hashes are concatenated, oldest first, at most <see cref="Capacity"/> of them; an older one becomes a
/// dedupe record, so only the turns of long conversations write one.
/// </summary>
internal static class RecentInbound
{
    /// <summary>How many of a conversation's latest messages are remembered in its row.</summary>
    public const int Capacity = 32;

    /// <summary>The length of a message id's keyed hash (HMAC-SHA256).</summary>
    public const int HashLength = 32;

    public static bool Contains(byte[]? recent, byte[] hash)
    {
        ArgumentNullException.ThrowIfNull(hash);
        if (!IsValid(recent) || hash.Length != HashLength)
        {
            return false;
        }

        for (var at = 0; at < recent!.Length; at += HashLength)
        {
            if (recent.AsSpan(at, HashLength).SequenceEqual(hash))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The list with <paramref name="hash"/> added last and, past <see cref="Capacity"/>, the oldest taken out
    /// (<c>Evicted</c>: the caller keeps it as a dedupe record, so a long conversation's ids are remembered as long as
    /// anyone's).
    /// </summary>
    public static (byte[] Recent, byte[]? Evicted) Add(byte[]? recent, byte[] hash)
    {
        ArgumentNullException.ThrowIfNull(hash);
        if (hash.Length != HashLength)
        {
            throw new ArgumentException($"a message id's hash is {HashLength} bytes", nameof(hash));
        }

        ReadOnlySpan<byte> kept = IsValid(recent) ? recent : [];
        byte[]? evicted = null;
        if (kept.Length >= Capacity * HashLength)
        {
            evicted = kept[..HashLength].ToArray();
            kept = kept[(kept.Length - ((Capacity - 1) * HashLength))..];
        }

        var added = new byte[kept.Length + HashLength];
        kept.CopyTo(added);
        hash.CopyTo(added, kept.Length);
        return (added, evicted);
    }

    /// <summary>Each id's hash in the list, oldest first (none for a damaged value).</summary>
    public static IEnumerable<byte[]> Each(byte[]? recent)
    {
        if (!IsValid(recent))
        {
            yield break;
        }

        for (var at = 0; at < recent!.Length; at += HashLength)
        {
            yield return recent[at..(at + HashLength)];
        }
    }

    /// <summary>Anything else (a damaged value) counts as an empty list: it is replaced on the next turn.</summary>
    private static bool IsValid(byte[]? recent) => recent is { Length: > 0 } && recent.Length % HashLength == 0;
}
