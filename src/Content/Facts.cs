using System.Collections.Frozen;

namespace OimBot.Content;

public enum FactKind
{
    Figure,
    Contact,
    Url,
    Legal,
    Programme,
    Duration,

    /// <summary>The time a figure covers ("2023", "between November 2024 and mid-2025"): part of another fact, so not listed as a source.</summary>
    Period,
}

public enum ProgrammeStatus
{
    Active,
    Closed,
    Historical,
    Unconfirmed,
}

/// <param name="Date">The source's own date as written: YYYY, YYYY-MM or YYYY-MM-DD; null when the source is undated.</param>
/// <param name="Seed">A file under <c>seeds/sources/</c> (IOM Panama's reports) that contains the figure.</param>
public sealed record FactSource(string Name, string? Date, string? Url, string? Seed);

public sealed record Fact(
    string Id,
    FactKind Kind,
    string? Value,
    LocalText? Text,
    FactSource Source,
    DateOnly VerifiedOn,
    DateOnly ReviewBy,
    ProgrammeStatus? Status,
    DateOnly? StatusSince,
    IReadOnlyList<string> Aliases,
    SourceLocation Location)
{
    /// <summary>What the bot says for this fact, before any status is added.</summary>
    public string Say(string language) => Value ?? Text?[language] ?? string.Empty;

    /// <summary>Closed and historical programmes must never be presented as open (R15).</summary>
    public bool IsNoLongerOpen => Status is ProgrammeStatus.Closed or ProgrammeStatus.Historical;
}

public sealed class FactRegistry(IEnumerable<Fact> facts, string file)
{
    public FrozenDictionary<string, Fact> ById { get; } = facts
        .GroupBy(f => f.Id, StringComparer.Ordinal)
        .ToFrozenDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);

    /// <summary>The facts file as shown in messages (relative path).</summary>
    public string File { get; } = file;

    public Fact? Find(string id) => ById.TryGetValue(id, out var fact) ? fact : null;
}
