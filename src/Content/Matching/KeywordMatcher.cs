using System.Text.RegularExpressions;

namespace OimBot.Content.Matching;

/// <summary>
/// Understands free text against one content version: danger phrases, global commands, the current node's choices,
/// and keywords that jump to a node. Built once per content version; matching allocates only the message's words.
/// </summary>
public sealed partial class KeywordMatcher
{
    private readonly List<(string[] Words, ContentNode Node)> _emergency = [];
    private readonly List<(string[] Words, GlobalCommand Command)> _commands = [];
    private readonly List<(string[] Words, ContentNode Node)> _keywords = [];
    private readonly List<(HashSet<string> Words, string Language)> _languages = [];
    private readonly string _defaultLanguage;

    public KeywordMatcher(ContentSet content)
    {
        ArgumentNullException.ThrowIfNull(content);
        foreach (var node in content.NodeList)
        {
            var target = node.Kind == NodeKind.Emergency ? _emergency : _keywords;
            foreach (var phrase in node.Keywords.Values.SelectMany(k => k))
            {
                var words = TextNormalizer.Words(TextNormalizer.Normalize(phrase));
                if (words.Length > 0)
                {
                    target.Add((words, node));
                }
            }
        }

        foreach (var (command, perLanguage) in content.Common.Commands)
        {
            foreach (var phrase in perLanguage.Values.SelectMany(p => p))
            {
                var words = TextNormalizer.Words(TextNormalizer.Normalize(phrase));
                if (words.Length > 0)
                {
                    _commands.Add((words, command));
                }
            }
        }

        // Longest phrases first, so "estoy en peligro de muerte" beats "peligro".
        _emergency.Sort((a, b) => b.Words.Length.CompareTo(a.Words.Length));
        _keywords.Sort((a, b) => b.Words.Length.CompareTo(a.Words.Length));
        foreach (var language in content.Common.Languages)
        {
            _languages.Add(([.. language.DetectWords.Select(TextNormalizer.Normalize)], language.Code));
        }

        _defaultLanguage = content.Common.SourceLanguage;
    }

    public ContentNode? Emergency(string[] words) => _emergency.FirstOrDefault(e => Fuzzy.ContainsPhrase(words, e.Words)).Node;

    public GlobalCommand? Command(string[] words)
    {
        foreach (var (phrase, command) in _commands)
        {
            if (Fuzzy.EqualsPhrase(words, phrase))
            {
                return command;
            }
        }

        return null;
    }

    public ContentNode? Keyword(string[] words) => _keywords.FirstOrDefault(k => Fuzzy.ContainsPhrase(words, k.Words)).Node;

    /// <summary>The choice a message picks in <paramref name="node"/>: its number ("2", "2️⃣", "opción 2"), its label in any language, or one of its keywords.</summary>
    public static Choice? Choice(ContentNode node, string normalized, string[] words)
    {
        ArgumentNullException.ThrowIfNull(node);
        var number = ChoiceNumber().Match(normalized);
        if (number.Success)
        {
            var index = int.Parse(number.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) - 1;
            return index >= 0 && index < node.Choices.Count ? node.Choices[index] : null;
        }

        foreach (var choice in node.Choices)
        {
            if (choice.Label.Values.Values.Any(label => Fuzzy.EqualsPhrase(words, TextNormalizer.Words(TextNormalizer.Normalize(label)))))
            {
                return choice;
            }
        }

        foreach (var choice in node.Choices)
        {
            if (choice.Keywords.Values.SelectMany(k => k).Any(k => Fuzzy.ContainsPhrase(words, TextNormalizer.Words(TextNormalizer.Normalize(k)))))
            {
                return choice;
            }
        }

        return null;
    }

    /// <summary>Guesses the language of a first message from common words; Spanish (the source language) when unsure.</summary>
    public string DetectLanguage(string[] words)
    {
        var best = _defaultLanguage;
        var bestScore = 0;
        foreach (var (detect, language) in _languages)
        {
            var score = words.Count(detect.Contains);
            if (score > bestScore)
            {
                best = language;
                bestScore = score;
            }
        }

        return best;
    }

    [GeneratedRegex(@"^(?:opcion|option|numero|number|no)?\s*(\d{1,2})$")]
    private static partial Regex ChoiceNumber();
}
