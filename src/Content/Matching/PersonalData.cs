using System.Text.RegularExpressions;

namespace OimBot.Content.Matching;

/// <summary>
/// Identifying data a user volunteers (R2): six or more digits (with spaces, dots or dashes between, and a document's
/// letters before them), e-mail addresses and coordinates. It is never echoed or kept; for understanding it becomes one placeholder word, so the classifier
/// learns what "my passport is …" means without ever seeing a number.
/// </summary>
public static partial class PersonalData
{
    /// <summary>The word that stands for identifying data in a message (and in examples that contain some).</summary>
    public const string Placeholder = "datopersonal";

    public static bool IsIn(string? text) => text is not null && Pattern().IsMatch(text);

    /// <summary>For transcripts: a visible token where the data was.</summary>
    public static string Redact(string? text) => Pattern().Replace(text ?? string.Empty, "[•••]");

    /// <summary>For understanding: the placeholder word where the data was.</summary>
    public static string ForMatching(string? text) => Pattern().Replace(text ?? string.Empty, $" {Placeholder} ");

    // Digits: a separator only between two digits, so the space after a number stays ("[•••] y mi correo", not
    // "[•••]y mi correo"); up to three letters glued before them go too ("AB123456", a passport's series, was "AB[•••]";
    // both found in a new user's try).
    [GeneratedRegex(@"(?:(?<![\p{L}\p{N}])[A-Za-z]{1,3})?\+?\d(?:[\s.\-]?\d){5,}|[\w.+-]+@[\w-]+\.[\w.-]+|-?\d{1,3}\.\d{4,}", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
