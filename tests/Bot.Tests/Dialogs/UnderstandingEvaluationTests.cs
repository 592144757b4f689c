using OimBot.Bot.Tests.TestHost;
using OimBot.Content;
using OimBot.Content.Matching;

namespace OimBot.Bot.Tests.Dialogs;

/// <summary>
/// The floors the understanding step must keep on the held-out evaluation set (tests/Evaluation): written from
/// realistic phrasings by people who never saw the training examples, and never used for training or keyword lists.
/// </summary>
public class UnderstandingEvaluationTests
{
    private static readonly string Set = Path.Combine(RepoPaths.Root, "tests", "Evaluation");

    private static ContentSet Content => ShippedContent.Set;

    private static readonly Lazy<IReadOnlyList<UnderstandingEvaluation.LanguageReport>> Reports = new(() =>
        UnderstandingEvaluation.Evaluate(Content, UnderstandingEvaluation.ReadMessages(Set), UnderstandingEvaluation.ReadLabels(Path.Combine(Set, "labels.tsv"))));

    public static TheoryData<string> Languages => [.. ShippedContent.Languages];

    [Theory]
    [MemberData(nameof(Languages))]
    public void EveryLanguage_HasAtLeast60DangerMessagesAnd40TopicQuestions(string language)
    {
        var report = Assert.Single(Reports.Value, r => r.Language == language);
        Assert.True(report.DangerMessages >= 60, $"{report.DangerMessages} danger messages");
        Assert.True(report.TopicMessages >= 40, $"{report.TopicMessages} topic questions");
        Assert.All(report.Categories, c => Assert.True(c.Messages >= 6, $"{c.Category}: {c.Messages}"));
    }

    /// <summary>
    /// No evaluation or development message is an example or a keyword the classifier learns from. The global command
    /// words ("menu", "ayuda") and the nodes' titles (the button texts on screen, "我需要帮助", "Retorno voluntário") are
    /// the exceptions: they are the product's fixed vocabulary, which people type as they read it.
    /// </summary>
    [Fact]
    public void TheEvaluationAndDevelopmentSets_AreNeverTrainedOn()
    {
        var commands = Content.Common.Commands.Values.SelectMany(c => c.Values).SelectMany(p => p)
            .Concat(Content.NodeList.Where(n => n.Title is not null).SelectMany(n => n.Title!.Values.Values))
            .Select(TextNormalizer.Normalize).ToHashSet(StringComparer.Ordinal);
        var trained = Content.Understander.TrainingSet.Select(e => string.Join(' ', e.Words)).Where(t => !commands.Contains(t)).ToHashSet(StringComparer.Ordinal);
        var messages = UnderstandingEvaluation.ReadMessages(Set).Concat(UnderstandingEvaluation.ReadMessages(Path.Combine(Set, "dev")))
            .Concat(UnderstandingEvaluation.ReadMessages(Path.Combine(Set, "goodbyes"))).Concat(UnderstandingEvaluation.ReadMessages(Path.Combine(Set, "farewells")))
            .Concat(UnderstandingEvaluation.ReadMessages(Path.Combine(Set, "farewells-dev")))
            .Concat(UnderstandingEvaluation.ReadMessages(Path.Combine(Set, "phone-dev"))).Concat(UnderstandingEvaluation.ReadMessages(Path.Combine(Set, "phone-held")))
            .Concat(UnderstandingEvaluation.ReadMessages(Path.Combine(Set, "exploit-dev"))).Concat(UnderstandingEvaluation.ReadMessages(Path.Combine(Set, "exploit-held")))
            .Concat(UnderstandingEvaluation.ReadMessages(Path.Combine(Set, "health-dev"))).Concat(UnderstandingEvaluation.ReadMessages(Path.Combine(Set, "health-held")))
            .Concat(UnderstandingEvaluation.ReadMessages(Path.Combine(Set, "blind-dev")));
        // A goodbye said as the whole message ("bye", "拜拜") is answered by the goodbye words (common.yaml farewell_words)
        // before any model, whatever it was taught: bare goodbyes are the thanks node's examples and every writer's rows too.
        var leaked = messages.Where(m => trained.Contains(TextNormalizer.Normalize(m.Text))
                && Content.Understander.UnderstandText(m.Text, null, [], m.Language) is not Understanding.Destination { Why: Understander.FarewellWhy })
            .Select(m => m.Text).ToList();
        Assert.True(leaked.Count == 0, "trained on: " + string.Join(" | ", leaked));
    }

    [Theory]
    [MemberData(nameof(Languages))]
    public void Danger_IsRecalledAtLeast97Percent_WithAtMost3PercentFalsePositives(string language)
    {
        var report = Assert.Single(Reports.Value, r => r.Language == language);
        Assert.True(report.DangerRecall >= 0.97, $"danger recall {report.DangerRecall:P1}; missed: {Missed(report, danger: true)}");
        Assert.True(report.FalsePositiveRate <= 0.03, $"false positives {report.FalsePositiveRate:P1}: {Missed(report, danger: false)}");
    }

    [Theory]
    [MemberData(nameof(Languages))]
    public void Topics_AreRightFirstAtLeast90Percent_AndAtMost5PercentGetNoAnswer(string language)
    {
        var report = Assert.Single(Reports.Value, r => r.Language == language);
        Assert.True(report.TopicTop1 >= 0.90, $"topic top-1 {report.TopicTop1:P1}; {string.Join("; ", report.Confusions.Select(c => $"{c.Expected}→{c.Got}×{c.Count}"))}");
        Assert.True(report.NotUnderstoodWithoutQuestion <= 0.05, $"not understood {report.NotUnderstoodWithoutQuestion:P1}");
    }

    [Theory]
    [MemberData(nameof(Languages))]
    public void TheLanguageOfEachMessage_IsRecognised(string language)
    {
        var report = Assert.Single(Reports.Value, r => r.Language == language);
        Assert.True(report.LanguageAccuracy >= 0.95, $"language identified for {report.LanguageAccuracy:P1}");
    }

    private static readonly Lazy<IReadOnlyList<UnderstandingEvaluation.LanguageReport>> Goodbyes = new(() =>
        UnderstandingEvaluation.Evaluate(Content, UnderstandingEvaluation.ReadMessages(Path.Combine(Set, "goodbyes")), UnderstandingEvaluation.ReadLabels(Path.Combine(Set, "labels.tsv"))));

    /// <summary>
    /// Leaving the chat (tests/Evaluation/goodbyes, a development set: three blind writers' rows, 2026-12-06, about 100
    /// per language): a farewell that means ending one's life gets an emergency page ("demain je serai plus là", "this
    /// is my last message"; all but one of 28, who gives away their things), at most six of the 72 or 73 other messages
    /// of a language get one (a floor, not the goal: "me voy a trabajar, luego escribo" still gets the question about
    /// being held), and at least 80 % of the goodbyes are answered as a goodbye.
    /// </summary>
    [Theory]
    [MemberData(nameof(Languages))]
    public void Goodbyes_AreNotEmergencies_AndALastFarewellAlwaysIs(string language)
    {
        var report = Assert.Single(Goodbyes.Value, r => r.Language == language);
        Assert.True(report.DangerRecall >= 0.96, $"danger recall {report.DangerRecall:P1}; missed: {Missed(report, danger: true)}");
        Assert.True(report.FalsePositiveRate <= 0.09, $"false positives {report.FalsePositiveRate:P1}: {Missed(report, danger: false)}");
        Assert.True(report.TopicTop1 >= 0.80, $"goodbyes answered as one {report.TopicTop1:P1}; {string.Join("; ", report.Confusions.Where(c => c.Expected == "farewell").Select(c => $"→{c.Got}×{c.Count}"))}");
    }

    private static readonly Lazy<IReadOnlyList<UnderstandingEvaluation.LanguageReport>> Farewells = new(() =>
        UnderstandingEvaluation.Evaluate(Content, UnderstandingEvaluation.ReadMessages(Path.Combine(Set, "farewells")), UnderstandingEvaluation.ReadLabels(Path.Combine(Set, "labels.tsv"))));

    /// <summary>
    /// Leaving the chat, held out (tests/Evaluation/farewells: a third blind writer, 2026-12-06, 24 goodbyes and 16 last
    /// farewells per language, never read by whoever changes the content or the code; measured once on the session's
    /// final build). The floors are that measurement: at least three goodbyes in four answered as a goodbye, at most two
    /// of 24 given an emergency page, at least ten last farewells of 16 given the channels (an emergency page, or the
    /// goodbye that comes with them), and none given only the goodbye. Indirect last farewells ("forgive me", "look after
    /// my children") are still missed by a quarter to a third: see BENCHMARKS.md, "Leaving the chat".
    /// </summary>
    [Theory]
    [MemberData(nameof(Languages))]
    public void HeldOutFarewells_GoodbyesAreGoodbyes_AndLastFarewellsGetTheChannels(string language)
    {
        var report = Assert.Single(Farewells.Value, r => r.Language == language);
        var safe = Content.Common.FarewellAfterDangerNode;
        var last = report.Outcomes.Where(o => o.Message.Label.StartsWith(EvaluationLabel.DangerPrefix, StringComparison.Ordinal)).ToList();
        var channels = last.Count(o => o.Danger || o.Target == safe);

        Assert.True(report.TopicTop1 >= 0.75, $"goodbyes answered as one {report.TopicTop1:P1}");
        Assert.True(report.FalsePositiveRate <= 0.09, $"goodbyes given an emergency page {report.FalsePositiveRate:P1}");
        Assert.True(channels >= 11, $"last farewells given the channels: {channels} of {last.Count}");
        Assert.DoesNotContain(last, o => o.Target == Content.Common.FarewellNode);
    }

    private static readonly Lazy<IReadOnlyList<UnderstandingEvaluation.LanguageReport>> FarewellsDevelopment = new(() => SetNamed("farewells-dev"));

    /// <summary>
    /// Last farewells that name nothing, development set (tests/Evaluation/farewells-dev: a fourth blind writer,
    /// 2026-12-06, 18 indirect last farewells and 18 goodbyes sharing their words per language; read while the warning
    /// signs were written, so these are no held-out figures). Before the signs 7–12 of 18 got an emergency page; now all
    /// but one per language at most, and at most two goodbyes of 18 get one.
    /// </summary>
    [Theory]
    [MemberData(nameof(Languages))]
    public void FarewellsDevelopment_WarningSignsGetTheChannels(string language)
    {
        var report = Assert.Single(FarewellsDevelopment.Value, r => r.Language == language);
        Assert.True(report.DangerRecall >= 0.94, $"danger recall {report.DangerRecall:P1}; missed: {Missed(report, danger: true)}");
        Assert.True(report.FalsePositiveRate <= 0.12, $"false positives {report.FalsePositiveRate:P1}: {Missed(report, danger: false)}");
    }

    private static IReadOnlyList<UnderstandingEvaluation.LanguageReport> SetNamed(string name) =>
        UnderstandingEvaluation.Evaluate(Content, UnderstandingEvaluation.ReadMessages(Path.Combine(Set, name)), UnderstandingEvaluation.ReadLabels(Path.Combine(Set, "labels.tsv")));

    private static readonly Lazy<IReadOnlyList<UnderstandingEvaluation.LanguageReport>> PhoneDevelopment = new(() => SetNamed("phone-dev"));

    private static readonly Lazy<IReadOnlyList<UnderstandingEvaluation.LanguageReport>> PhoneHeldOut = new(() => SetNamed("phone-held"));

    /// <summary>
    /// A phone watched by someone else (2026-12-06), per language: how many "he checks my phone" messages get the page
    /// on keeping the phone safe, how many threats said beside the phone get the channels first (an emergency page, or
    /// that page, which opens with them), how many questions about the service keep its page, and how many everyday
    /// phone troubles get no emergency page.
    /// </summary>
    private static (int Watched, int WatchedOnPage, int Threats, int ThreatsWithChannels, int About, int AboutRight, int Plain, int PlainCalm) Phone(UnderstandingEvaluation.LanguageReport report)
    {
        const string Page = "phone-safety";
        List<UnderstandingEvaluation.Outcome> Of(string label) => [.. report.Outcomes.Where(o => o.Message.Label == label)];
        var (watched, threats, about, plain) = (Of("phone-watched"), Of("danger:threatened"), Of("about"), Of("none"));
        return (watched.Count, watched.Count(o => !o.Danger && o.Target == Page), threats.Count, threats.Count(o => o.Danger || o.Target == Page),
            about.Count, about.Count(o => !o.Danger && o.Target == "about-service"), plain.Count, plain.Count(o => !o.Danger));
    }

    /// <summary>
    /// Development set (tests/Evaluation/phone-dev: a blind writer, 24 watched phones, 4 threats beside one, 8 questions
    /// about the service and 8 phone troubles per language, less two Chinese questions that were already examples of the
    /// service's page; read while the page was built). Before the page none of the watched phones got an answer about them.
    /// </summary>
    [Theory]
    [MemberData(nameof(Languages))]
    public void PhoneDevelopment_AWatchedPhoneGetsItsPage(string language)
    {
        var p = Phone(Assert.Single(PhoneDevelopment.Value, r => r.Language == language));
        Assert.True(p.WatchedOnPage >= 17, $"watched phones on the page: {p.WatchedOnPage} of {p.Watched}");
        Assert.True(p.ThreatsWithChannels >= 2, $"threats given the channels first: {p.ThreatsWithChannels} of {p.Threats}");
        Assert.True(p.AboutRight >= p.About - 1, $"questions about the service kept on its page: {p.AboutRight} of {p.About}");
        Assert.True(p.PlainCalm >= 6, $"phone troubles without an emergency page: {p.PlainCalm} of {p.Plain}");
    }

    /// <summary>
    /// Held out (tests/Evaluation/phone-held: a second blind writer, 20 watched phones, 3 threats, 7 questions about the
    /// service and 7 phone troubles per language; never read; measured on the session's final content). The floors are
    /// that measurement (BENCHMARKS.md, "A phone watched by someone else"): half to three quarters of the watched phones
    /// get the page since someone else at the phone is read beside the service's page (common.yaml <c>watched</c>; 8–11
    /// of 20 before it; the rest "not understood", a topic, or an emergency page), and every threat but one of 18 gets
    /// the channels first.
    /// </summary>
    [Theory]
    [MemberData(nameof(Languages))]
    public void PhoneHeldOut_AWatchedPhoneGetsItsPage(string language)
    {
        var p = Phone(Assert.Single(PhoneHeldOut.Value, r => r.Language == language));
        Assert.True(p.WatchedOnPage >= 10, $"watched phones on the page: {p.WatchedOnPage} of {p.Watched}");
        Assert.True(p.ThreatsWithChannels >= 2, $"threats given the channels first: {p.ThreatsWithChannels} of {p.Threats}");
        Assert.True(p.AboutRight >= 4, $"questions about the service kept on its page: {p.AboutRight} of {p.About}");
        Assert.True(p.PlainCalm >= 6, $"phone troubles without an emergency page: {p.PlainCalm} of {p.Plain}");
    }

    private static readonly Lazy<IReadOnlyList<UnderstandingEvaluation.LanguageReport>> ExploitDevelopment = new(() => SetNamed("exploit-dev"));

    private static readonly Lazy<IReadOnlyList<UnderstandingEvaluation.LanguageReport>> ExploitHeldOut = new(() => SetNamed("exploit-held"));

    /// <summary>Money asked to let someone through (police, soldiers, a shelter's bed, a "free" bus): how many such messages get the page on it or the page on paid procedures.</summary>
    private static (int Bribes, int BribesOnPage) Bribes(UnderstandingEvaluation.LanguageReport report)
    {
        var bribes = report.Outcomes.Where(o => o.Message.Label == "bribe").ToList();
        return (bribes.Count, bribes.Count(o => !o.Danger && o.Target is "dangers-extortion" or "regularisation-scams"));
    }

    /// <summary>
    /// Exploitation, trafficking, smuggling and extortion told in ordinary words (2026-12-06), development set
    /// (tests/Evaluation/exploit-dev: a blind writer, 51 per language; read while the page on money asked and the
    /// examples were written; rows in the jungle now, abandoned or out of food, relabelled as the route's danger).
    /// Before (the same rows and labels): danger recall 79–95 %, 9–25 % of the other messages given an emergency page,
    /// topics right 15–44 %.
    /// </summary>
    [Theory]
    [MemberData(nameof(Languages))]
    public void ExploitDevelopment_SituationsGetTheirPagesAndTheirDangers(string language)
    {
        var report = Assert.Single(ExploitDevelopment.Value, r => r.Language == language);
        AssertFloors(report, recall: 0.94, falsePositives: 0.13, topics: 0.73, heldOut: false);
        var (bribes, onPage) = Bribes(report);
        Assert.True(onPage >= 5, $"money asked to let them through, on its page: {onPage} of {bribes}");
    }

    /// <summary>
    /// Held out (tests/Evaluation/exploit-held: a second blind writer, 42 per language; never read, measured on the
    /// session's final content; BENCHMARKS.md, "Exploitation and extortion in ordinary words"). The floors are that
    /// measurement: danger recall 10 to 12 of 12, at most 4 of 30 others given an emergency page, topics right 67–79 %,
    /// money asked on its page 3–6 of 7.
    /// </summary>
    [Theory]
    [MemberData(nameof(Languages))]
    public void ExploitHeldOut_SituationsGetTheirPagesAndTheirDangers(string language)
    {
        var report = Assert.Single(ExploitHeldOut.Value, r => r.Language == language);
        AssertFloors(report, recall: 0.83, falsePositives: 0.14, topics: 0.66, heldOut: true);
        var (bribes, onPage) = Bribes(report);
        Assert.True(onPage >= 3, $"money asked to let them through, on its page: {onPage} of {bribes}");
    }

    private static readonly Lazy<IReadOnlyList<UnderstandingEvaluation.LanguageReport>> HealthDevelopment = new(() => SetNamed("health-dev"));

    private static readonly Lazy<IReadOnlyList<UnderstandingEvaluation.LanguageReport>> HealthHeldOut = new(() => SetNamed("health-held"));

    /// <summary>
    /// Health and how one feels, told in ordinary words (2026-12-06), development set (tests/Evaluation/health-dev: a blind
    /// writer, 34 per language: 10 health needs, 8 distress without a wish to die, 4 medical emergencies, 4 thoughts of
    /// suicide, 3 needs, 5 everyday messages; read while the page `health` and its examples were written). Before the page:
    /// topics right 14–38 %, 8–31 % of the other messages given an emergency page.
    /// </summary>
    [Theory]
    [MemberData(nameof(Languages))]
    public void HealthDevelopment_HealthAndDistressGetThePage_DangerKeepsItsChannels(string language)
    {
        AssertFloors(Assert.Single(HealthDevelopment.Value, r => r.Language == language), recall: 1.0, falsePositives: 0.16, topics: 0.76, heldOut: false);
    }

    /// <summary>
    /// Held out (tests/Evaluation/health-held: a second blind writer, 28 per language; never read, measured on the session's
    /// final content; BENCHMARKS.md, "Health and how one feels"). The floors are that measurement: danger recall 5 or 6
    /// of 6 (a Mandarin thought of suicide read as out of scope, as before the page), at most 4 of 22 others given an
    /// emergency page, topics right 61–72 %.
    /// </summary>
    [Theory]
    [MemberData(nameof(Languages))]
    public void HealthHeldOut_HealthAndDistressGetThePage_DangerKeepsItsChannels(string language)
    {
        AssertFloors(Assert.Single(HealthHeldOut.Value, r => r.Language == language), recall: 0.83, falsePositives: 0.19, topics: 0.61, heldOut: true);
    }

    private static readonly Lazy<IReadOnlyList<UnderstandingEvaluation.LanguageReport>> BlindDevelopment = new(() => SetNamed("blind-dev"));

    /// <summary>
    /// A blind tester's first messages (tests/Evaluation/blind-dev, 2026-12-07: 24 per language, written without the
    /// content: someone else in danger told as a story, a minor, pregnancy or a disability on the route, robbed and
    /// stranded, whether the chat reports one, and everyday idioms). Read while the examples for someone else taken or
    /// gone with a promise of work were written, so a development set. Before: Spanish danger recall 61.5 % (5 of 13
    /// missed), French and Creole 90 %. The floors are the session's final measurement.
    /// </summary>
    [Theory]
    [MemberData(nameof(Languages))]
    public void BlindDevelopment_SomeoneElseInDanger_GetsTheChannels(string language)
    {
        AssertFloors(Assert.Single(BlindDevelopment.Value, r => r.Language == language), recall: language == "es" ? 0.92 : 1.0, falsePositives: 0.08, topics: 0.70, heldOut: false);
    }

    /// <summary>A set's floors; a held-out set's failure names no row (its rows stay unread).</summary>
    private static void AssertFloors(UnderstandingEvaluation.LanguageReport report, double recall, double falsePositives, double topics, bool heldOut)
    {
        string Rows(bool danger) => heldOut ? string.Empty : ": " + Missed(report, danger);
        Assert.True(report.DangerRecall >= recall, $"danger recall {report.DangerRecall:P1}{Rows(danger: true)}");
        Assert.True(report.FalsePositiveRate <= falsePositives, $"false positives {report.FalsePositiveRate:P1}{Rows(danger: false)}");
        Assert.True(report.TopicTop1 >= topics, $"topic top-1 {report.TopicTop1:P1}");
    }

    private static string Missed(UnderstandingEvaluation.LanguageReport report, bool danger) =>
        string.Join(" | ", report.Outcomes
            .Where(o => o.Message.Label.StartsWith(EvaluationLabel.DangerPrefix, StringComparison.Ordinal) == danger && o.Danger != danger)
            .Select(o => $"{o.Message.Label}: {o.Message.Text}"));
}
