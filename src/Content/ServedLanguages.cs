using OimBot.Content.Matching;

namespace OimBot.Content;

/// <summary>
/// Puts the enabled translated languages into the content the bot serves: each language's texts (from its translation
/// file, Spanish where a text is missing), and its words (from its language file) beside the inline languages' in the
/// flows and common settings, so the engine, the renderer and the understanding step need no special case.
/// A language serves only when everything the safety rules depend on exists in it; otherwise the content does not load.
/// </summary>
public static class ServedLanguages
{
    /// <summary>The content with every enabled translation added, or the same content when none is enabled.</summary>
    public static ContentSet Serve(ContentSet content, IReadOnlyList<TranslationFile> translations, IReadOnlyDictionary<string, LanguageData> data, List<ContentError> errors)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(translations);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(errors);
        var served = new List<(TranslationFile File, LanguageData Data)>();
        var catalog = Translations.Catalog(content);
        foreach (var file in translations.Where(t => t.Enabled))
        {
            if (Problems(content, file, data.GetValueOrDefault(file.Language), catalog, errors) == 0)
            {
                served.Add((file, data[file.Language]));
            }
        }

        var known = content.Common.Languages.Select(l => l.Code).Concat(translations.Select(t => t.Language)).ToHashSet(StringComparer.Ordinal);
        foreach (var (node, choice) in content.NodeList.SelectMany(n => n.Choices.Select(c => (n, c))).Where(p => p.c.Language is { } l && !known.Contains(l)))
        {
            errors.Add(new ContentError(choice.Location.File, choice.Location.Line, Severity.Warning, $"choice '{choice.Id}' of node '{node.Id}' switches to '{choice.Language}', which is neither a language of common.yaml nor of content/translations/: it is not offered"));
        }

        var offered = content.Common.Languages.Select(l => l.Code).Concat(served.Select(s => s.File.Language)).ToHashSet(StringComparer.Ordinal);
        var source = content.Common.SourceLanguage;
        string Say(TranslationFile file, string key, string fallback) =>
            file.Texts.TryGetValue(key, out var text) && !string.IsNullOrWhiteSpace(text.Text) ? text.Text : fallback;

        LocalText Texts(LocalText text, string key) => Extend(text, served.Select(s => (s.File.Language, Say(s.File, key, text[source]))));

        // A language choice carries the language's own name, the same for everyone; a choice of a language that is not
        // served is not offered.
        var nodes = content.NodeList.Select(node => node with
        {
            Text = Texts(node.Text, node.Id),
            Choices = [.. node.Choices
                .Where(c => c.Language is null || offered.Contains(c.Language))
                .Select(c => c with
                {
                    Label = c.Language is null ? Texts(c.Label, ContentNode.ChoiceKey(node.Id, c.Id)) : Extend(c.Label, served.Select(s => (s.File.Language, c.Label[source]))),
                    Keywords = Lists(c.Keywords, served.Select(s => (s.File.Language, s.Data.ChoiceKeywords.GetValueOrDefault(ContentNode.ChoiceKey(node.Id, c.Id))))),
                })],
            Keywords = Lists(node.Keywords, served.Select(s => (s.File.Language, s.Data.Keywords.GetValueOrDefault(node.Id)))),
            UnsureKeywords = Lists(node.UnsureKeywords, served.Select(s => (s.File.Language, s.Data.UnsureKeywords.GetValueOrDefault(node.Id)))),
            WarningSigns = Lists(node.WarningSigns, served.Select(s => (s.File.Language, s.Data.WarningSigns.GetValueOrDefault(node.Id)))),
            UntrainedKeywords = Lists(node.UntrainedKeywords, served.Select(s => (s.File.Language, s.Data.UntrainedKeywords.GetValueOrDefault(node.Id)))),
            FallbackKeywords = Lists(node.FallbackKeywords, served.Select(s => (s.File.Language, s.Data.FallbackKeywords.GetValueOrDefault(node.Id)))),
            AnswerExamples = node.AnswerExamples.Keys.Concat(served.SelectMany(s => s.Data.AnswerExamples.GetValueOrDefault(node.Id)?.Keys ?? [])).Distinct(StringComparer.Ordinal).ToDictionary(
                id => id,
                id => (IReadOnlyDictionary<string, IReadOnlyList<string>>)Lists(node.AnswerExamples.GetValueOrDefault(id) ?? new Dictionary<string, IReadOnlyList<string>>(), served.Select(s => (s.File.Language, s.Data.AnswerExamples.GetValueOrDefault(node.Id)?.GetValueOrDefault(id)))),
                StringComparer.Ordinal),
            AnswerSubject = Lists(node.AnswerSubject, served.Select(s => (s.File.Language, s.Data.AnswerSubjects.GetValueOrDefault(node.Id)))),
            Examples = Lists(node.Examples, served.Select(s => (s.File.Language, s.Data.Examples.GetValueOrDefault(node.Id)))),
            Title = node.Title is { } title ? Texts(title, $"{node.Id}#title") : null,
            Variants = node.Variants.ToDictionary(v => v.Key, v => Texts(v.Value, $"{node.Id}@{v.Key}"), StringComparer.Ordinal),
        }).ToList();

        var common = content.Common;
        var servedCommon = common with
        {
            Languages = [.. common.Languages, .. served.Select(s => new LanguageInfo(s.File.Language, s.File.Name, s.Data.Detect) { Translated = true, CallingCodes = s.Data.CallingCodes })],
            Commands = common.Commands.ToDictionary(
                c => c.Key,
                c => (IReadOnlyDictionary<string, IReadOnlyList<string>>)Lists(c.Value, served.Select(s => (s.File.Language, s.Data.Commands.GetValueOrDefault(c.Key))))),
            Months = Lists(common.Months, served.Select(s => (s.File.Language, (IReadOnlyList<string>?)s.Data.Months))),
            Weekdays = Lists(common.Weekdays, served.Select(s => (s.File.Language, (IReadOnlyList<string>?)s.Data.Weekdays))),
            PreviewWords = Lists(common.PreviewWords, served.Select(s => (s.File.Language, (IReadOnlyList<string>?)s.Data.PreviewWords))),
            Texts = common.Texts.ToDictionary(t => t.Key, t => Texts(t.Value, $"text:{t.Key}"), StringComparer.Ordinal),
            CommandExamples = Enum.GetValues<GlobalCommand>().ToDictionary(
                c => c,
                c => (IReadOnlyDictionary<string, IReadOnlyList<Phrase>>)Lists(common.CommandExamples.GetValueOrDefault(c) ?? new Dictionary<string, IReadOnlyList<Phrase>>(), served.Select(s => (s.File.Language, s.Data.CommandExamples.GetValueOrDefault(c))))),
            QuestionWords = Lists(common.QuestionWords, served.Select(s => (s.File.Language, (IReadOnlyList<string>?)s.Data.QuestionWords))),
            AnswerWords = CommonSettings.AnswerIds.ToDictionary(
                id => id,
                id => (IReadOnlyDictionary<string, IReadOnlyList<string>>)Lists(common.AnswerWords.GetValueOrDefault(id) ?? new Dictionary<string, IReadOnlyList<string>>(), served.Select(s => (s.File.Language, s.Data.AnswerWords.GetValueOrDefault(id)))),
                StringComparer.Ordinal),
            FollowUpWords = CommonSettings.FollowUpIntents.ToDictionary(
                intent => intent,
                intent => (IReadOnlyDictionary<string, IReadOnlyList<string>>)Lists(common.FollowUpWords.GetValueOrDefault(intent) ?? new Dictionary<string, IReadOnlyList<string>>(), served.Select(s => (s.File.Language, s.Data.FollowUpWords.GetValueOrDefault(intent)))),
                StringComparer.Ordinal),
            FarewellWords = Lists(common.FarewellWords, served.Select(s => (s.File.Language, (IReadOnlyList<string>?)(s.Data.FarewellWords.Count > 0 ? s.Data.FarewellWords : null)))),
            ChildAges = Lists(common.ChildAges, served.Select(s => (s.File.Language, (IReadOnlyList<string>?)(s.Data.ChildAges.Count > 0 ? s.Data.ChildAges : null)))),
            NumberWords = Lists(common.NumberWords, served.Select(s => (s.File.Language, (IReadOnlyList<string>?)(s.Data.NumberWords.Count > 0 ? s.Data.NumberWords : null)))),
            Watchers = Lists(common.Watchers, served.Select(s => (s.File.Language, (IReadOnlyList<string>?)(s.Data.Watchers.Count > 0 ? s.Data.Watchers : null)))),
            Watching = Lists(common.Watching, served.Select(s => (s.File.Language, (IReadOnlyList<string>?)(s.Data.Watching.Count > 0 ? s.Data.Watching : null)))),
            WithdrawWords = Lists(common.WithdrawWords, served.Select(s => (s.File.Language, (IReadOnlyList<string>?)(s.Data.WithdrawWords.Count > 0 ? s.Data.WithdrawWords : null)))),
            FiguresOfSpeech = Lists(common.FiguresOfSpeech, served.Select(s => (s.File.Language, (IReadOnlyList<string>?)(s.Data.FiguresOfSpeech.Count > 0 ? s.Data.FiguresOfSpeech : null)))),
            ArrivingWords = Lists(common.ArrivingWords, served.Select(s => (s.File.Language, (IReadOnlyList<string>?)(s.Data.ArrivingWords.Count > 0 ? s.Data.ArrivingWords : null)))),
            SafeWords = Lists(common.SafeWords, served.Select(s => (s.File.Language, (IReadOnlyList<string>?)(s.Data.SafeWords.Count > 0 ? s.Data.SafeWords : null)))),
        };

        var canned = content.Canned.Select(c => c with { Title = Texts(c.Title, $"canned:{c.Id}#title"), Text = Texts(c.Text, $"canned:{c.Id}") });

        // A fact worded only in Spanish is said in Spanish in a translated sentence; the validator reports which.
        var facts = new FactRegistry(
            content.Facts.ById.Values.Select(f => f.Text is { } text ? f with { Text = Extend(text, served.Select(s => (s.File.Language, text.Has(s.File.Language) ? text[s.File.Language] : text[source]))) } : f),
            content.Facts.File);
        foreach (var (file, _) in served)
        {
            var unworded = content.Facts.ById.Values.Where(f => f.Text is { } t && !t.Has(file.Language)).Select(f => f.Id).ToList();
            if (unworded.Count > 0)
            {
                errors.Add(new ContentError(content.Facts.File, 1, Severity.Warning, $"{unworded.Count} facts have no wording in '{file.Language}' and are said in Spanish: {string.Join(", ", unworded.Take(8))}{(unworded.Count > 8 ? ", …" : string.Empty)}"));
            }
        }

        return new ContentSet(content.VersionId, servedCommon, content.Flows.Values, nodes, facts, canned) { Translations = content.Translations, Templates = content.Templates, ModelStore = content.ModelStore };
    }

    /// <summary>
    /// What keeps an enabled language from serving: its language file, the safety texts (emergency answers, the notice,
    /// delete and stop, R6-R8, R11, R13), the safety words of R10, R12 and R15, the delete and stop commands, the calendar.
    /// </summary>
    private static int Problems(ContentSet content, TranslationFile file, LanguageData? data, IReadOnlyList<TranslationEntry> catalog, List<ContentError> errors)
    {
        var before = errors.Count;
        void Refuse(string why) => errors.Add(ContentError.At(file.Location, $"{file.Name} ({file.Language}) is enabled but {why}; set enabled: false until it is ready"));
        if (data is null)
        {
            Refuse($"has no language file ({Translations.Folder}/{file.Language}{LanguageData.Suffix}: its commands, danger phrasings and examples)");
            return 1;
        }

        var missing = catalog.Where(e => e.Safety && (!file.Texts.TryGetValue(e.Key, out var t) || string.IsNullOrWhiteSpace(t.Text))).Select(e => e.Key).ToList();
        if (missing.Count > 0)
        {
            Refuse($"misses safety texts: {string.Join(", ", missing.Take(12))}{(missing.Count > 12 ? $" and {missing.Count - 12} more" : string.Empty)}");
        }

        if (!Translations.HasSafetyRules(file.Language))
        {
            Refuse("has no safety words yet (R10 preview words, R12 promises, R15 open wording, in Translations.Rules)");
        }

        foreach (var command in new[] { GlobalCommand.Delete, GlobalCommand.Stop, GlobalCommand.Menu, GlobalCommand.Human })
        {
            if (data.Commands.GetValueOrDefault(command) is not { Count: > 0 })
            {
                Refuse($"has no '{command.ToString().ToLowerInvariant()}' command words (R7, R8: people must be able to stop and delete in their language)");
            }
        }

        if (data.Months.Count != 12 || data.Weekdays.Count != 7)
        {
            Refuse("needs the twelve month names and the seven day names (Sunday first) in its language file");
        }

        if (Matching.ChildAgeWords.Problem(data.ChildAges) is { } ages)
        {
            Refuse($"child_ages: {ages}");
        }

        if (Matching.NumberWords.Problem(data.NumberWords) is { } numbers)
        {
            Refuse($"number_words: {numbers}");
        }

        var dangers = content.NodeList.Where(n => n.Kind == NodeKind.Emergency).Select(n => n.Id).Where(id => !data.Examples.ContainsKey(id) && !data.Keywords.ContainsKey(id)).ToList();
        if (dangers.Count > 0)
        {
            Refuse($"has no danger phrasings for {string.Join(", ", dangers)} (R11)");
        }

        var unknown = data.Examples.Keys.Concat(data.Keywords.Keys).Where(id => content.Find(id) is null).Distinct(StringComparer.Ordinal).ToList();
        foreach (var id in unknown)
        {
            errors.Add(ContentError.At(data.Location, $"the language file of '{file.Language}' has phrases for '{id}', which is not a node"));
        }

        foreach (var id in data.UnsureKeywords.Keys.Where(id => content.Find(id) is not { Kind: NodeKind.Emergency }))
        {
            errors.Add(ContentError.At(data.Location, $"the language file of '{file.Language}' has unsure keywords for '{id}', which is not an emergency node"));
        }

        foreach (var id in data.WarningSigns.Keys.Where(id => content.Find(id) is not { Kind: NodeKind.Emergency }))
        {
            errors.Add(ContentError.At(data.Location, $"the language file of '{file.Language}' has warning signs for '{id}', which is not an emergency node"));
        }

        foreach (var id in data.UntrainedKeywords.Keys.Where(id => content.Find(id) is not { Kind: NodeKind.Emergency }))
        {
            errors.Add(ContentError.At(data.Location, $"the language file of '{file.Language}' has untrained keywords for '{id}', which is not an emergency node"));
        }

        foreach (var id in data.FallbackKeywords.Keys.Where(id => content.Find(id) is not { Kind: NodeKind.Message or NodeKind.Menu }))
        {
            errors.Add(ContentError.At(data.Location, $"the language file of '{file.Language}' has fallback keywords for '{id}', which is not a message or menu node"));
        }

        foreach (var id in data.AnswerWords.Keys.Where(id => !CommonSettings.AnswerIds.Contains(id)))
        {
            errors.Add(ContentError.At(data.Location, $"the language file of '{file.Language}' has answer words for '{id}', which is not an answer ({string.Join(", ", CommonSettings.AnswerIds)})"));
        }

        foreach (var intent in data.FollowUpWords.Keys.Where(i => !CommonSettings.FollowUpIntents.Contains(i)))
        {
            errors.Add(ContentError.At(data.Location, $"the language file of '{file.Language}' has follow-up words for '{intent}', which is not a follow-up intent ({string.Join(", ", CommonSettings.FollowUpIntents)})"));
        }

        foreach (var id in data.AnswerExamples.Keys.Where(id => content.Find(id) is not { } node || !Understander.IsYesNoQuestion(node)))
        {
            errors.Add(ContentError.At(data.Location, $"the language file of '{file.Language}' has answer examples for '{id}', which is not a question answered yes or no"));
        }

        foreach (var id in data.AnswerSubjects.Keys.Where(id => content.Find(id) is not { } node || !Understander.IsYesNoQuestion(node)))
        {
            errors.Add(ContentError.At(data.Location, $"the language file of '{file.Language}' has an answer subject for '{id}', which is not a question answered yes or no"));
        }

        foreach (var key in data.ChoiceKeywords.Keys.Where(k => !content.NodeList.Any(n => n.Choices.Any(c => ContentNode.ChoiceKey(n.Id, c.Id) == k))))
        {
            errors.Add(ContentError.At(data.Location, $"the language file of '{file.Language}' has words for the choice '{key}', which does not exist (node/choice)"));
        }

        return errors.Count - before;
    }

    private static LocalText Extend(LocalText text, IEnumerable<(string Language, string Text)> added)
    {
        var values = new Dictionary<string, string>(text.Values, StringComparer.Ordinal);
        foreach (var (language, value) in added)
        {
            values[language] = value;
        }

        return new LocalText(values, text.Location);
    }

    private static Dictionary<string, IReadOnlyList<T>> Lists<T>(IReadOnlyDictionary<string, IReadOnlyList<T>> lists, IEnumerable<(string Language, IReadOnlyList<T>? Items)> added)
    {
        var result = new Dictionary<string, IReadOnlyList<T>>(lists, StringComparer.Ordinal);
        foreach (var (language, items) in added)
        {
            if (items is { Count: > 0 })
            {
                result[language] = items;
            }
        }

        return result;
    }
}
