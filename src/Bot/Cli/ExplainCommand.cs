using OimBot.Bot.ContentHosting;
using System.Globalization;
using OimBot.Content;
using OimBot.Content.Matching;

namespace OimBot.Bot.Cli;

/// <summary>
/// <c>content explain [--at node-id] [--lang code] ["message" …]</c> (or one message per line on standard input): how the bot
/// understands each message, as a user at the main menu (or at that node) would send it: the language, the decision and why, and the five most likely
/// labels. For content officers checking a new phrasing before adding an example.
/// </summary>
internal static class ExplainCommand
{
    public static int Run(IReadOnlyList<string> args, TextReader input, TextWriter output, TimeProvider clock)
    {
        var loaded = ContentLoader.Load(new ContentSources("content", Path.Combine("seeds", "facts.yaml")) { Models = ContentOptions.CommandLineModels() }, PanamaTime.Today(clock));
        if (loaded.Content is not { } content)
        {
            foreach (var error in loaded.Errors)
            {
                output.WriteLine(error);
            }

            return 1;
        }

        // "--at node-id": as a user reading that node would send it (follow-up questions are read in its topic); "--lang
        // code": as a user whose conversation is in that language ("在" to a question, in a Chinese conversation).
        var options = CommandOptions.Parse(args, ["--at", "--lang"]);
        if (options.Problem is not null)
        {
            output.WriteLine($"{options.Problem}. Usage: content explain [--at node-id] [--lang code] [\"message\" …]");
            return 2;
        }

        var at = options["--at"];
        var conversation = options["--lang"];
        if (conversation is not null && !content.Supports(conversation))
        {
            output.WriteLine($"no language '{conversation}'");
            return 2;
        }

        var messages = options.Positional.Count > 0 ? options.Positional : ReadLines(input);
        var menu = content.Find(at ?? content.Common.MenuNode);
        if (menu is null)
        {
            output.WriteLine($"no node '{at}'");
            return 2;
        }

        // At an emergency page one is at the offer of a person that follows it, as in a conversation (UnderstandAtTheOffer).
        var offer = menu.Kind == NodeKind.Emergency ? content.Find(content.Common.HandoffConsentNode) : null;
        var shown = offer is null ? [.. menu.Choices.Select(c => ContentNode.ChoiceKey(menu.Id, c.Id))] : content.ChoicesAtTheOffer(menu).Select(c => c.Key).ToList();
        foreach (var message in messages)
        {
            var words = TextNormalizer.WordsOf(PersonalData.ForMatching(message)); // as the dialog engine reads it (R2)
            var reader = conversation ?? content.Understander.DetectLanguage(words); // the conversation's, else the language it is written in
            var understood = offer is null
                ? content.Understander.UnderstandText(message, menu, shown, reader)
                : content.Understander.UnderstandAtTheOffer(message, offer, menu, shown, reader);
            var decision = understood switch
            {
                Understanding.Danger d => $"danger {d.Node.Id} ({(d.Sure ? "sure" : "not sure: numbers first, then asks")})",
                Understanding.Destination d => $"go to {d.Node.Id}",
                Understanding.Unsure u => $"ask between {string.Join(", ", u.Candidates.Select(c => c.Id))}",
                Understanding.Command c => $"command {c.Value.ToString().ToLowerInvariant()}{(c.Alone ? string.Empty : " (in a sentence)")}",
                Understanding.Picked p => $"option {p.Key}",
                _ => "not understood",
            };
            var language = content.Understander.Languages.Identify(words) ?? $"unsure, {content.Common.SourceLanguage}";
            output.WriteLine($"{message}");
            output.WriteLine($"  [{language}] {decision} — by {understood.Why}");
            output.WriteLine("  " + string.Join("  ", content.Understander.Rank(words, reader).Take(5).Select(r => $"{r.Label} {r.Probability.ToString("0.00", CultureInfo.InvariantCulture)}")));
        }

        return 0;
    }

    private static List<string> ReadLines(TextReader input)
    {
        var lines = new List<string>();
        while (input.ReadLine() is { } line)
        {
            if (!string.IsNullOrWhiteSpace(line))
            {
                lines.Add(line);
            }
        }

        return lines;
    }
}
