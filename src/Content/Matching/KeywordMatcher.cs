namespace OimBot.Content.Matching;

/// <summary>
/// The content's phrase rules, matched word by word with small typos forgiven: danger phrases anywhere in a message,
/// global commands typed alone or (phrases of two or more words) inside a sentence, a node's keywords anywhere, and a
/// choice's keywords. High precision by design; the classifier covers the wordings no rule lists.
/// </summary>
public sealed class KeywordMatcher
{
    private readonly List<(string[] Words, ContentNode Node, string Language)> _emergency = [];
    private readonly List<(string[] Words, GlobalCommand Command)> _commands = [];
    private readonly List<(string[] Words, ContentNode Node, string Language)> _keywords = [];

    public KeywordMatcher(ContentSet content)
    {
        ArgumentNullException.ThrowIfNull(content);
        foreach (var node in content.NodeList)
        {
            foreach (var (language, phrase) in node.SurePhrases)
            {
                var words = TextNormalizer.WordsOf(phrase);
                if (words.Length == 0)
                {
                    continue;
                }

                if (node.Kind == NodeKind.Emergency)
                {
                    _emergency.Add((words, node, language));
                }
                else
                {
                    _keywords.Add((words, node, language));
                }
            }
        }

        foreach (var (command, perLanguage) in content.Common.Commands)
        {
            foreach (var phrase in perLanguage.Values.SelectMany(p => p))
            {
                var words = TextNormalizer.WordsOf(phrase);
                if (words.Length > 0)
                {
                    _commands.Add((words, command));
                }
            }
        }

        // Longest phrases first, so "estoy en peligro de muerte" beats "peligro".
        _emergency.Sort((a, b) => b.Words.Length.CompareTo(a.Words.Length));
        _keywords.Sort((a, b) => b.Words.Length.CompareTo(a.Words.Length));
        _commands.Sort((a, b) => b.Words.Length.CompareTo(a.Words.Length));
    }

    public ContentNode? Emergency(string[] words) => _emergency.FirstOrDefault(e => Fuzzy.ContainsPhrase(words, e.Words)).Node;

    /// <summary>The languages whose vetted danger phrases the message contains (a phrase may be several languages').</summary>
    public IReadOnlySet<string> EmergencyLanguages(string[] words) =>
        _emergency.Where(e => Fuzzy.ContainsPhrase(words, e.Words)).Select(e => e.Language).ToHashSet(StringComparer.Ordinal);

    /// <summary>A command typed on its own ("menu", "BORAR", "hablar con una persona").</summary>
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

    /// <summary>
    /// A command phrase of two or more words inside a sentence ("quiero hablar con una persona", "puedo cambiar idioma").
    /// Single words are left out: "volver" or "persona" inside a sentence are usually not commands.
    /// </summary>
    public GlobalCommand? CommandInSentence(string[] words)
    {
        foreach (var (phrase, command) in _commands)
        {
            if (phrase.Length >= 2 && Fuzzy.ContainsPhrase(words, phrase))
            {
                return command;
            }
        }

        return null;
    }

    public ContentNode? Keyword(string[] words) => _keywords.FirstOrDefault(k => Fuzzy.ContainsPhrase(words, k.Words)).Node;

    /// <summary>The languages whose keyword phrases of <paramref name="node"/> the message contains.</summary>
    public IReadOnlySet<string> KeywordLanguages(string[] words, ContentNode node) =>
        _keywords.Where(k => k.Node == node && Fuzzy.ContainsPhrase(words, k.Words)).Select(k => k.Language).ToHashSet(StringComparer.Ordinal);
}
