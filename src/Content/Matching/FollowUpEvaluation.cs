using System.Globalization;
using System.Text;

namespace OimBot.Content.Matching;

/// <summary>One short follow-up typed after reading a page: the page, its language, what it asks (an intent), the message.</summary>
public sealed record FollowUpMessage(string Node, string Language, string Intent, string Text);

/// <summary>
/// Measures how short follow-ups about the page one is reading are answered (<c>followups.tsv</c> in a set folder,
/// written blind and never trained on): a follow-up is right when the bot goes where the expectations file
/// (<c>tests/Evaluation/followup-expected.tsv</c>, written from the pages' texts) accepts for that page and intent.
/// </summary>
public static class FollowUpEvaluation
{
    /// <summary>The file of follow-ups in an evaluation folder.</summary>
    public const string FileName = "followups.tsv";

    /// <summary>The file of accepted answers by page and intent, beside labels.tsv.</summary>
    public const string ExpectedFileName = "followup-expected.tsv";

    /// <summary>In the expectations file: the page the follow-up was asked on.</summary>
    public const string Self = "self";

    /// <summary>In the expectations file: the default for an intent on any page.</summary>
    public const string AnyPage = "*";

    /// <summary>The intents a follow-up may have in a set: those the content answers, and asking for a person.</summary>
    public static readonly IReadOnlyList<string> Intents = [.. CommonSettings.FollowUpIntents, "person"];

    /// <summary>What the bot did with one follow-up.</summary>
    /// <param name="Got">The node it went to, "command:x", "asked:first option", "danger:node" or "not understood".</param>
    public sealed record Outcome(FollowUpMessage Message, string Got, bool Danger, bool Right);

    /// <param name="Language">A language's code, or "all".</param>
    public sealed record Report(string Language, IReadOnlyList<Outcome> Outcomes, double Right, double Alarmed, double NotUnderstood);

    public static IReadOnlyList<FollowUpMessage> Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return [.. Rows(path).Select(p => p.Length == 4 && Intents.Contains(p[2])
            ? new FollowUpMessage(p[0], p[1], p[2], p[3])
            : throw new FormatException($"{path}: '{string.Join('\t', p)}' is not node<TAB>language<TAB>intent<TAB>message with an intent of {string.Join(", ", Intents)}"))];
    }

    /// <summary>The accepted answers by "page\tintent" (the page may be <see cref="AnyPage"/>).</summary>
    public static IReadOnlyDictionary<string, IReadOnlySet<string>> ReadExpected(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var expected = new Dictionary<string, IReadOnlySet<string>>(StringComparer.Ordinal);
        foreach (var p in Rows(path))
        {
            if (p.Length != 3 || !Intents.Contains(p[1]))
            {
                throw new FormatException($"{path}: '{string.Join('\t', p)}' is not page<TAB>intent<TAB>accepted answers");
            }

            expected[$"{p[0]}\t{p[1]}"] = p[2].Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
        }

        return expected;
    }

    private static IEnumerable<string[]> Rows(string path) =>
        File.ReadAllLines(path, Encoding.UTF8).Where(l => l.Length > 0 && !l.StartsWith('#')).Select(l => l.Split('\t'));

    public static Outcome Run(ContentSet content, FollowUpMessage message, IReadOnlyDictionary<string, IReadOnlySet<string>> expected, Understander? understander = null)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(expected);
        understander ??= content.Understander;
        var page = content.Find(message.Node) ?? throw new ArgumentException($"'{message.Node}' is not a node", nameof(message));
        // An emergency page is followed by the offer of a person, which carries the page's own options after its yes and
        // no (one list on the screen): a follow-up is written there and read by UnderstandAtTheOffer, as in a conversation.
        var offer = page.Kind == NodeKind.Emergency ? content.Find(content.Common.HandoffConsentNode) : null;
        var listed = offer is null ? [.. page.Choices.Select(c => (Key: ContentNode.ChoiceKey(page.Id, c.Id), c.Target))] : content.ChoicesAtTheOffer(page);
        var shown = listed.Select(c => c.Key).ToList();
        var understood = offer is null
            ? understander.UnderstandText(message.Text, page, shown, message.Language)
            : understander.UnderstandAtTheOffer(message.Text, offer, page, shown, message.Language);
        var (got, danger) = understood switch
        {
            // The same emergency page again, with the same offer: what a follow-up answered by the page itself shows.
            Understanding.Danger d when offer is not null && d.Node == page => (page.Id, false),
            Understanding.Danger d => ($"{EvaluationLabel.DangerPrefix}{d.Node.Id}", true),
            Understanding.Picked p => (listed.FirstOrDefault(c => c.Key == p.Key).Target ?? p.Key, false),
            Understanding.Destination d => (d.Node.Id, false),
            Understanding.Unsure u => ($"asked:{u.Candidates[0].Id}", false),
            Understanding.Command c => (Understander.CommandPrefix + c.Value.ToString().ToLowerInvariant(), false),
            _ => ("not understood", false),
        };
        var accepted = expected.GetValueOrDefault($"{page.Id}\t{message.Intent}") ?? expected.GetValueOrDefault($"{AnyPage}\t{message.Intent}")
            ?? throw new ArgumentException($"no expected answer for '{message.Intent}' on any page", nameof(expected));
        var right = !danger && (accepted.Contains(got) || (got == page.Id && accepted.Contains(Self)));
        return new Outcome(message, got, danger, right);
    }

    /// <summary>One report per language, then one for all of them.</summary>
    public static IReadOnlyList<Report> Evaluate(ContentSet content, IReadOnlyList<FollowUpMessage> messages, IReadOnlyDictionary<string, IReadOnlySet<string>> expected, Understander? understander = null)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(messages);
        var outcomes = messages.Select(m => Run(content, m, expected, understander)).ToList();
        return [.. outcomes.GroupBy(o => o.Message.Language).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => Summarise(g.Key, [.. g])), Summarise("all", outcomes)];
    }

    private static Report Summarise(string language, List<Outcome> outcomes) =>
        new(language, outcomes, Share(outcomes, o => o.Right), Share(outcomes, o => o.Danger), Share(outcomes, o => o.Got == "not understood"));

    /// <summary>The figures per language and per intent; the rows answered wrongly only when <paramref name="details"/> (a development set).</summary>
    public static string Format(IReadOnlyList<Report> reports, bool details = false)
    {
        ArgumentNullException.ThrowIfNull(reports);
        var text = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        text.AppendLine();
        text.AppendLine("== short follow-ups about the page one is reading (followups.tsv)");
        text.AppendLine("language  follow-ups  right  emergency page  not understood");
        foreach (var r in reports)
        {
            text.AppendLine(c, $"{r.Language,-8}  {r.Outcomes.Count,10}  {P(r.Right),5}  {P(r.Alarmed),14}  {P(r.NotUnderstood),14}");
        }

        text.AppendLine("intent     follow-ups  right   (all languages)");
        foreach (var intent in reports[^1].Outcomes.GroupBy(o => o.Message.Intent).OrderBy(g => Intents.ToList().IndexOf(g.Key)))
        {
            text.AppendLine(c, $"{intent.Key,-9}  {intent.Count(),10}  {P(Share([.. intent], o => o.Right)),5}");
        }

        if (details)
        {
            foreach (var wrong in reports[^1].Outcomes.Where(o => !o.Right))
            {
                text.AppendLine(c, $"  {wrong.Message.Node} {wrong.Message.Language} {wrong.Message.Intent} → {wrong.Got}: {wrong.Message.Text}");
            }
        }

        return text.ToString();
    }

    private static double Share(List<Outcome> outcomes, Func<Outcome, bool> predicate) =>
        outcomes.Count == 0 ? 0 : outcomes.Count(predicate) / (double)outcomes.Count;

    private static string P(double share) => share.ToString("0.0%", CultureInfo.InvariantCulture);
}
