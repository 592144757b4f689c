using System.Text.RegularExpressions;
using OimBot.Content;

namespace OimBot.Bot.Handoff;

/// <summary>
/// Phone numbers, links and e-mail addresses a caseworker typed into a reply that are not in the fact registry (R14:
/// every phone number, URL or e-mail the bot's channel carries comes from <c>seeds/facts.yaml</c>). The registry leaves
/// out on purpose numbers that were once published and may now be dead or someone else's (the 2021 trafficking lines,
/// ONPAR's 2020 numbers, any IOM Panama line), and those are exactly what a caseworker might copy from an old leaflet.
/// A number is a run of at least seven digits (a Panamanian number has seven or eight), with spaces, dashes, dots or
/// brackets between them, that is not a date; shorter figures (times, days, "104") are never flagged.
/// </summary>
public static partial class ReplyContacts
{
    /// <summary>The smallest count of digits read as a phone number.</summary>
    public const int PhoneDigits = 7;

    /// <summary>What <paramref name="text"/> holds that the registry does not, as typed, in the order typed.</summary>
    public static IReadOnlyList<string> Unvetted(FactRegistry facts, string text)
    {
        ArgumentNullException.ThrowIfNull(facts);
        ArgumentNullException.ThrowIfNull(text);
        var vetted = facts.ById.Values.Where(f => f.Kind is FactKind.Contact or FactKind.Url && f.Value is { Length: > 0 }).Select(f => f.Value!).ToList();
        var vettedDigits = vetted.Select(Digits).Where(d => d.Length > 0).ToHashSet(StringComparer.Ordinal);
        var vettedLinks = vetted.Where(v => Url().IsMatch(v)).Select(Link).ToList();
        var vettedMail = vetted.Where(v => Email().IsMatch(v)).ToHashSet(StringComparer.OrdinalIgnoreCase);

        var found = new List<(int At, string Value)>();
        foreach (Match mail in Email().Matches(text))
        {
            if (!vettedMail.Contains(mail.Value))
            {
                found.Add((mail.Index, mail.Value));
            }
        }

        // An address's domain is not a link of its own.
        var rest = Email().Replace(text, m => new string(' ', m.Length));
        foreach (Match url in Url().Matches(rest))
        {
            var link = Link(url.Value);
            if (!vettedLinks.Any(v => link == v || link.StartsWith(v + "/", StringComparison.Ordinal)))
            {
                found.Add((url.Index, url.Value));
            }
        }

        rest = Url().Replace(rest, m => new string(' ', m.Length));
        foreach (Match number in Phone().Matches(rest))
        {
            var digits = Digits(number.Value);
            // "llama al 911 o al 104" is two vetted lines; "911 104" typed together is too, group by group.
            var groups = number.Value.Split([' ', '\u00A0'], StringSplitOptions.RemoveEmptyEntries);
            if (digits.Length < PhoneDigits || ADate().IsMatch(number.Value.Trim()) || vettedDigits.Contains(digits)
                || groups.All(g => vettedDigits.Contains(Digits(g))))
            {
                continue;
            }

            found.Add((number.Index, number.Value.Trim()));
        }

        return [.. found.OrderBy(f => f.At).Select(f => f.Value)];
    }

    /// <summary>"1 número de teléfono y 1 enlace", for the refusal and the audit line.</summary>
    public static string Describe(IReadOnlyList<string> unvetted)
    {
        ArgumentNullException.ThrowIfNull(unvetted);
        var mails = unvetted.Count(Email().IsMatch);
        var links = unvetted.Count(u => !Email().IsMatch(u) && Url().IsMatch(u));
        var phones = unvetted.Count - mails - links;
        var parts = new List<string>();
        if (phones > 0)
        {
            parts.Add(phones == 1 ? "1 número de teléfono" : $"{phones} números de teléfono");
        }

        if (links > 0)
        {
            parts.Add(links == 1 ? "1 enlace" : $"{links} enlaces");
        }

        if (mails > 0)
        {
            parts.Add(mails == 1 ? "1 correo" : $"{mails} correos");
        }

        return parts.Count switch
        {
            0 => string.Empty,
            1 => parts[0],
            _ => string.Join(", ", parts[..^1]) + " y " + parts[^1],
        };
    }

    private static string Digits(string value) => string.Concat(value.Where(char.IsAsciiDigit));

    private static string Link(string url)
    {
        var link = url.ToLowerInvariant();
        link = link.StartsWith("https://", StringComparison.Ordinal) ? link[8..] : link.StartsWith("http://", StringComparison.Ordinal) ? link[7..] : link;
        link = link.StartsWith("www.", StringComparison.Ordinal) ? link[4..] : link;
        return link.TrimEnd('/');
    }

    /// <summary>Links as the content validator reads them.</summary>
    private static Regex Url() => ContentValidator.RawUrl();

    [GeneratedRegex(@"[\w.+-]+@[\w-]+\.[\w.-]*\w")]
    private static partial Regex Email();

    /// <summary>Digits with the separators people type inside a phone number; never across a letter or a comma.</summary>
    [GeneratedRegex(@"(?<![\p{L}\p{N}])\+?\(?\d(?:[\d \u00A0().\-]*\d)?\)?(?![\p{L}\p{N}])")]
    private static partial Regex Phone();

    [GeneratedRegex(@"^(\d{1,2}[-./]\d{1,2}[-./]\d{2,4}|\d{4}[-./]\d{1,2}[-./]\d{1,2})$")]
    private static partial Regex ADate();
}
