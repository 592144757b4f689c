using OimBot.Content;

namespace OimBot.Content.Tests;

/// <summary>One row per kind of content error: a small broken snippet and the file:line and message it must produce.</summary>
public class ContentValidatorTests
{
    /// <summary>A reachable, valid node (line 4) that a row changes in one way.</summary>
    private static string Flow(string text = "\"Texto.\"", string en = "\"Text.\"", string keywords = "{ es: [equis a], en: [ex a] }", string extra = "", string choices = "      - label: { es: \"Menú\", en: \"Menu\" }\n        goto: main-menu\n", string header = "", string kind = "message", string id = "x-a") =>
        $"flow: x\ntopic: general\n{header}nodes:\n  - id: {id}\n    kind: {kind}\n    text: {{ es: {text}, en: {en} }}\n    keywords: {keywords}\n{extra}    choices:\n{choices}";

    public static TheoryData<string, string, string, string> Rows => new()
    {
        // label, file content of content/x.yaml, expected "file:line", expected message fragment
        { "unknown target", Flow(choices: "      - label: { es: \"Ir\", en: \"Go\" }\n        goto: nowhere\n"), "content/x.yaml:9", "unknown target 'nowhere'" },
        { "unreachable node", Flow(keywords: "{}"), "content/x.yaml:4", "node 'x-a' is unreachable" },
        { "dead end without choices", Flow(choices: "      []\n"), "content/x.yaml:4", "dead end: node 'x-a' has no choices and no 'next'" },
        { "loop that never leads back", Flow(choices: "      - label: { es: \"Otra\", en: \"Other\" }\n        goto: x-b\n") + "  - id: x-b\n    kind: menu\n    text: { es: \"B\", en: \"B\" }\n    choices:\n      - label: { es: \"A\", en: \"A\" }\n        goto: x-a\n", "content/x.yaml:4", "never leads back to 'main-menu'" },
        { "duplicate node id", Flow(id: "topic"), "content/x.yaml:4", "duplicate node id 'topic' (also at content/main.yaml:" },
        { "an age alone as an unsure keyword", Flow(kind: "emergency", text: "\"Llama al {police}.\"", en: "\"Call {police}.\"", extra: "    unsure_keywords: { es: [\"{age}\"], en: [\"i am {age}\"] }\n"), "content/x.yaml:4", "unsure keyword '{age}' (es) needs words beside {age}" },
        { "another placeholder in an unsure keyword", Flow(kind: "emergency", text: "\"Llama al {police}.\"", en: "\"Call {police}.\"", extra: "    unsure_keywords: { es: [\"tengo {edad} años\"], en: [\"i am {age}\"] }\n"), "content/x.yaml:4", "unsure keyword 'tengo {edad} años' (es) has a placeholder other than {age}" },
        { "duplicate keyword", Flow(keywords: "{ es: [un tema], en: [ex a] }"), "content/x.yaml:4", "duplicate keyword 'un tema' (es): also used by node 'topic'" },
        { "keyword that is a global command", Flow(keywords: "{ es: [atras], en: [ex a] }"), "content/x.yaml:4", "duplicate keyword 'atras' (es): also used by the 'back' command" },
        { "missing translation", Flow(en: "\"\""), "content/x.yaml:6", "missing 'en' translation of the text of node 'x-a'" },
        { "missing translation of a label", Flow(choices: "      - label: { es: \"Menú\" }\n        goto: main-menu\n"), "content/x.yaml:9", "missing 'en' translation of a choice label of node 'x-a'" },
        { "unknown fact", Flow(text: "\"Llama al {no-such-fact}.\""), "content/x.yaml:6", "unknown fact '{no-such-fact}'" },
        { "unknown fact in facts list", Flow(extra: "    facts: [no-such-fact]\n"), "content/x.yaml:4", "unknown fact 'no-such-fact' in 'facts'" },
        { "raw phone number", Flow(text: "\"Llama al 104.\""), "content/x.yaml:6", "raw number '104'" },
        { "raw URL", Flow(text: "\"Visita www.example.org para más.\""), "content/x.yaml:6", "raw URL 'www.example.org'" },
        { "raw e-mail", Flow(text: "\"Escribe a ayuda@example.org hoy\""), "content/x.yaml:6", "raw e-mail 'ayuda@example.org'" },
        { "text over the channel limit", Flow(text: $"\"{new string('a', 4100)}\""), "content/x.yaml:6", "is 4100 characters once rendered; channels allow at most 4096" },
        { "more than ten choices", Flow(choices: string.Concat(Enumerable.Range(0, 11).Select(i => $"      - label: {{ es: \"Op {(char)('a' + i)}\", en: \"Op {(char)('a' + i)}\" }}\n        id: c-{(char)('a' + i)}\n        goto: main-menu\n"))), "content/x.yaml:4", "has 11 choices; WhatsApp lists hold at most 10" },
        { "choice label over WhatsApp's limit", Flow(choices: "      - label: { es: \"Una etiqueta demasiado larga\", en: \"Menu\" }\n        goto: main-menu\n"), "content/x.yaml:9", "has 28 characters; WhatsApp allows at most 24" },
        { "callback data over Telegram's 64 bytes", Flow(id: "x-" + string.Join('-', Enumerable.Repeat("largo", 12))), "content/x.yaml:9", "is over Telegram's 64-byte callback data" },
        { "R10 sensitive word in the preview", Flow(header: "sensitive: true\n", text: "\"La trata es un delito.\""), "content/x.yaml:7", "shows 'trata' in its first 60 characters" },
        { "R12 eligibility promise", Flow(text: "\"Calificas para el retorno.\""), "content/x.yaml:6", "says 'calificas'" },
        { "R12 promise in English", Flow(en: "\"You are eligible for return.\""), "content/x.yaml:6", "says 'you are eligible'" },
        { "R15 closed programme presented as open", Flow(text: "\"Sobre {old-permit}: puedes solicitarlo hoy.\""), "content/x.yaml:6", "says 'puedes solicitarlo' next to a programme that is no longer open (old-permit)" },
        { "R15 programme named without its fact", Flow(text: "\"El PVJ era útil.\""), "content/x.yaml:6", "names 'PVJ' without its fact {old-permit}" },
        { "unknown field (typo)", Flow(extra: "    choises: []\n"), "content/x.yaml:8", "unknown field 'choises' in a node" },
        { "unknown kind", Flow(kind: "manu"), "content/x.yaml:5", "unknown kind 'manu'" },
        { "invalid YAML: unclosed brace", "flow: x\ntopic: general\nnodes:\n  - id: x-a\n    text: { es: \"a\"\n  kind: menu\n", "content/x.yaml:6", "invalid YAML: the file ends before" },
        { "invalid YAML: bad indentation", "flow: x\ntopic: general\nnodes:\n  - id: x-a\n     kind: menu\n    text: x\n", "content/x.yaml:5", "invalid YAML" },
        { "question with one answer", Flow(kind: "question"), "content/x.yaml:4", "question node 'x-a' needs at least two choices" },
        { "duplicate choice label", Flow(choices: "      - label: { es: \"Menú\", en: \"Menu\" }\n        goto: main-menu\n      - label: { es: \"menu\", en: \"Other\" }\n        id: other\n        goto: topic\n"), "content/x.yaml:11", "duplicate choice label 'menu' (es)" },
        { "unknown footer", Flow(header: "footer: [no-such-text]\n"), "content/x.yaml:1", "unknown footer 'no-such-text'" },
        { "both choices and next", Flow(extra: "    next: topic\n"), "content/x.yaml:4", "has both 'choices' and 'next'" },
        { "end node with choices", Flow(kind: "end"), "content/x.yaml:4", "cannot have choices" },
        { "example claimed by two nodes", Examples("[ver el tema a]", "[ver el tema a]"), "content/x.yaml:19", "example 'ver el tema a' (es) is claimed by node 'x-b' and by node 'x-a' at content/x.yaml:8" },
        { "example that is another node's keyword", Examples("[un tema]", "[otra cosa]"), "content/x.yaml:8", "example 'un tema' (es) is claimed by node 'x-a' and by node 'topic'" },
        { "example that is a command", Examples("[borrar]", "[otra cosa]"), "content/x.yaml:8", "example 'borrar' (es) is claimed by node 'x-a' and by the 'delete' command" },
        { "examples in a language the content does not speak", Flow(keywords: "{}", extra: "    title: { es: \"A\", en: \"A\" }\n    examples: { fr: [le sujet a] }\n"), "content/x.yaml:4", "has examples in 'fr', which is not a language in common.yaml" },
        { "examples without a title", Flow(keywords: "{}", extra: "    examples: { es: [ver el tema], en: [see the topic] }\n"), "content/x.yaml:4", "has examples, so it needs a 'title'" },
        { "yields to danger without examples", Flow(extra: "    yields_to_danger: true\n"), "content/x.yaml:4", "'yields_to_danger' is for a topic the classifier learns (with examples)" },
        { "undiluted unsure keywords on a topic", Flow(extra: "    unsure_keywords_undiluted: true\n"), "content/x.yaml:4", "'unsure_keywords_undiluted' is for an emergency whose unsure_keywords name an act" },
        { "title longer than a button", Flow(extra: "    title: { es: \"Un título demasiado largo para botón\", en: \"A\" }\n"), "content/x.yaml:8", "is a button: at most 24 characters" },
        { "answer examples on a menu", Flow(extra: "    answer_examples: { \"yes\": { es: [ya estoy aqui] } }\n"), "content/x.yaml:4", "'answer_examples' is for a question answered yes or no" },
        { "answer examples for an answer the question does not have", Flow(kind: "question", keywords: "{}", extra: "    answer_examples: { skip: { es: [eso es mio] } }\n", choices: YesNo), "content/x.yaml:4", "answer examples for 'skip', which is not one of its answers (yes, no)" },
        { "answer examples in a language the content does not speak", Flow(kind: "question", keywords: "{}", extra: "    answer_examples: { \"yes\": { fr: [je suis la] } }\n", choices: YesNo), "content/x.yaml:4", "answer examples in 'fr', which is not a language in common.yaml" },
        { "answer subject on a menu", Flow(extra: "    answer_subject: { es: [pasaporte] }\n"), "content/x.yaml:4", "'answer_subject' is for a question answered yes or no" },
        { "follow-up with an unknown intent", Flow(extra: "    follow_ups: { precio: topic }\n"), "content/x.yaml:8", "'precio' in the follow_ups of node 'x-a' is not a follow-up intent" },
        { "follow-up to a node that does not exist", Flow(extra: "    follow_ups: { cost: nowhere }\n"), "content/x.yaml:4", "follow_ups 'cost' goes to 'nowhere', which is not a page" },
        { "flow follow-up with an unknown intent", Flow(header: "follow_ups: { when: topic }\n"), "content/x.yaml:3", "'when' in the follow_ups of flow 'x' is not a follow-up intent" },
        { "two answer subjects in one language", Flow(kind: "question", keywords: "{}", extra: "    answer_subject: { es: [pasaporte, documento] }\n", choices: YesNo), "content/x.yaml:4", "'answer_subject' takes one word or phrase per language, and 'es' has 2" },
        { "examples on a question", Flow(kind: "question", keywords: "{}", extra: "    title: { es: \"A\", en: \"A\" }\n    examples: { es: [una pregunta], en: [a question] }\n", choices: "      - { label: { es: \"Sí\", en: \"Yes\" }, id: \"yes\", goto: main-menu }\n      - { label: { es: \"No\", en: \"No\" }, id: \"no\", goto: main-menu }\n"), "content/x.yaml:4", "cannot have examples" },
    };

    /// <summary>A yes/no question's two answers.</summary>
    private const string YesNo = "      - { label: { es: \"Sí\", en: \"Yes\" }, id: \"yes\", goto: main-menu }\n      - { label: { es: \"No\", en: \"No\" }, id: \"no\", goto: main-menu }\n";

    /// <summary>Two reachable nodes with examples: x-a (examples at line 8) and x-b (its second Spanish example at line 19).</summary>
    private static string Examples(string a, string b) =>
        "flow: x\ntopic: general\nnodes:\n  - id: x-a\n    kind: message\n    title: { es: \"A\", en: \"A\" }\n    text: { es: \"A.\", en: \"A.\" }\n" +
        $"    examples: {{ es: {a}, en: [see topic a] }}\n    choices:\n      - label: {{ es: \"Menú\", en: \"Menu\" }}\n        goto: main-menu\n" +
        "  - id: x-b\n    kind: message\n    title: { es: \"B\", en: \"B\" }\n    text: { es: \"B.\", en: \"B.\" }\n" +
        $"    examples:\n      es:\n        - other\n        - {b.Trim('[', ']')}\n      en: [see topic b]\n    choices:\n      - label: {{ es: \"Menú\", en: \"Menu\" }}\n        goto: main-menu\n";

    /// <summary>A figure of speech that holds a vetted danger phrase is refused: the phrase is read as written anyway.</summary>
    [Fact]
    public void AFigureOfSpeech_NeverHoldsAVettedDangerPhrase()
    {
        using var fixture = new ContentFixture().Write("content/x.yaml", Emergencies("{ contact: x-danger }"));
        var common = File.ReadAllText(Path.Combine(fixture.Root, "content", "common.yaml"));
        fixture.Write("content/common.yaml", common + "\nfigures_of_speech:\n  es: [me muero de risa, ya me tienen encerrado de tanto estudiar]\n");
        var error = Assert.Single(fixture.Load().Errors);
        Assert.Contains("the figure of speech 'ya me tienen encerrado de tanto estudiar' (es) holds 'me tienen encerrado', a vetted danger phrase of 'x-danger'", error.Message, StringComparison.Ordinal);
    }

    /// <summary>Two emergency pages: x-danger, whose follow_ups are given, and x-other.</summary>
    private static string Emergencies(string followUps) =>
        "flow: x\ntopic: general\nnodes:\n  - id: x-danger\n    kind: emergency\n    title: { es: \"Peligro\", en: \"Danger\" }\n" +
        $"    follow_ups: {followUps}\n    text: {{ es: \"Llama al {{police}}.\", en: \"Call {{police}}.\" }}\n    keywords: {{ es: [me tienen encerrado], en: [locked me in] }}\n" +
        "    choices:\n      - label: { es: \"Menú\", en: \"Menu\" }\n        goto: main-menu\n" +
        "  - id: x-other\n    kind: emergency\n    title: { es: \"Otro\", en: \"Other\" }\n" +
        "    text: { es: \"Llama al {police}.\", en: \"Call {police}.\" }\n    keywords: { es: [me amenazan], en: [they threaten me] }\n" +
        "    choices:\n      - label: { es: \"Menú\", en: \"Menu\" }\n        goto: main-menu\n";

    /// <summary>An emergency page's follow-up may be the page itself ("what was the number?"), never another emergency.</summary>
    [Fact]
    public void AnEmergencyFollowUp_IsThePageItself_NeverAnotherEmergency()
    {
        using (var itself = new ContentFixture().Write("content/x.yaml", Emergencies("{ contact: x-danger, cost: topic }")))
        {
            var result = itself.Load();
            Assert.True(result.IsValid, string.Join('\n', result.Errors));
        }

        using var other = new ContentFixture().Write("content/x.yaml", Emergencies("{ contact: x-other }"));
        var error = Assert.Single(other.Load().Errors, e => e.Message.Contains("follow_ups", StringComparison.Ordinal));
        Assert.Equal("content/x.yaml:4", $"{error.File}:{error.Line}");
        Assert.Contains("follow_ups 'contact' goes to 'x-other', which is not a page", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnExampleTheModelSendsElsewhere_IsAWarningWithItsLine()
    {
        // "me tienen encerrado" is a danger phrase, so the example written for x-a is answered as danger: the officer is told.
        var yaml = "flow: x\ntopic: general\nnodes:\n  - id: x-danger\n    kind: emergency\n    title: { es: \"Peligro\", en: \"Danger\" }\n" +
            "    text: { es: \"Llama al {police}.\", en: \"Call {police}.\" }\n    keywords: { es: [me tienen encerrado], en: [locked me in] }\n" +
            "    choices:\n      - label: { es: \"Menú\", en: \"Menu\" }\n        goto: main-menu\n" +
            "  - id: x-a\n    kind: message\n    title: { es: \"A\", en: \"A\" }\n    text: { es: \"A.\", en: \"A.\" }\n" +
            "    examples:\n      es:\n        - me tienen encerrado en la oficina jaja\n      en: [see topic a]\n" +
            "    choices:\n      - label: { es: \"Menú\", en: \"Menu\" }\n        goto: main-menu\n";
        using var fixture = new ContentFixture().Write("content/x.yaml", yaml);
        var result = fixture.Load();

        Assert.True(result.IsValid, string.Join('\n', result.Errors));
        var warning = Assert.Single(result.Warnings, w => w.Message.Contains("is understood as", StringComparison.Ordinal));
        Assert.Equal("content/x.yaml:18", $"{warning.File}:{warning.Line}");
        Assert.Contains("example 'me tienen encerrado en la oficina jaja' of node 'x-a' is understood as 'x-danger'", warning.Message, StringComparison.Ordinal);

        // The same files again (where examples land is kept per version): the same warning, at the place this load names.
        var again = ContentLoader.Load(new ContentSources(Path.Combine(fixture.Root, "content"), fixture.FactsPath, Path.Combine(fixture.Root, "content")), ContentFixture.Today);
        Assert.Equal(result.Content!.VersionId, again.Content!.VersionId);
        var same = Assert.Single(again.Warnings, w => w.Message.Contains("is understood as", StringComparison.Ordinal));
        Assert.Equal(("x.yaml", 18, warning.Message), (same.File, same.Line, same.Message));
    }

    [Theory]
    [MemberData(nameof(Rows))]
    public void BrokenContent_IsReportedWithFileAndLine(string label, string yaml, string location, string fragment)
    {
        using var fixture = new ContentFixture().Write("content/x.yaml", yaml);
        var result = fixture.Load();

        Assert.False(result.IsValid, label);
        Assert.Contains(result.Errors, e => $"{e.File}:{e.Line}" == location && e.Message.Contains(fragment, StringComparison.Ordinal));
    }

    /// <summary>Answer words are read in every language at once: one phrase (a repeated letter counted once) may be one answer only.</summary>
    [Fact]
    public void AnAnswerWordThatIsTwoAnswers_IsRefused()
    {
        using var fixture = new ContentFixture();
        var common = Path.Combine(fixture.Root, "content", "common.yaml");
        File.AppendAllText(common, "\nanswer_words:\n  \"yes\": { es: [sip] }\n  \"no\": { en: [nop, siip] }\n");

        var result = fixture.Load();

        Assert.False(result.IsValid);
        Assert.Contains(result.Errors, e => e.File == "content/common.yaml" && e.Message.Contains("the answer word 'siip' (en) is both 'no' and 'yes'", StringComparison.Ordinal));
    }

    /// <summary>
    /// Goodbyes (common.yaml farewell_words) are read as the whole message before the classifier, in every language at
    /// once: none may hold a danger phrase (a vetted one or despair's unsure words: "chao para siempre" is a last
    /// farewell), nor be a command, and the farewell nodes must exist.
    /// </summary>
    [Theory]
    [InlineData("farewell: x-bye\nfarewell_words: { es: [chao, chao para siempre] }", "farewell_words", "the farewell word 'chao para siempre' (es) holds 'para siempre', a danger phrase of 'x-danger'")]
    [InlineData("farewell: x-bye\nfarewell_words: { en: [bye, i give up bye] }", "farewell_words", "the farewell word 'i give up bye' (en) holds 'i give up', a danger phrase of 'x-danger'")]
    [InlineData("farewell: x-bye\nfarewell_words: { es: [chao, menu] }", "farewell_words", "the farewell word 'menu' (es) is a command, which comes first")]
    [InlineData("farewell: x-bye\nfarewell_words: { fr: [salut] }", "farewell_words", "farewell words in 'fr', which is not a language in common.yaml")]
    [InlineData("farewell: nowhere\nfarewell_words: { es: [chao] }", "farewell", "unknown target 'nowhere' for 'farewell'")]
    [InlineData("farewell: x-bye\nfarewell_after_danger: nowhere\nfarewell_words: { es: [chao] }", "farewell_after_danger", "unknown target 'nowhere' for 'farewell_after_danger'")]
    public void AFarewellWordThatHoldsADangerOrACommand_IsRefused(string settings, string key, string fragment)
    {
        using var fixture = new ContentFixture();
        var common = Path.Combine(fixture.Root, "content", "common.yaml");
        File.AppendAllText(common, "\n" + settings + "\n");
        var line = Array.FindIndex(File.ReadAllLines(common), l => l.StartsWith(key + ":", StringComparison.Ordinal)) + 1;
        fixture.Write("content/x.yaml",
            "flow: x\ntopic: general\nnodes:\n  - id: x-danger\n    kind: emergency\n    title: { es: \"Peligro\", en: \"Danger\" }\n" +
            "    text: { es: \"Llama al {police}.\", en: \"Call {police}.\" }\n    keywords: { es: [para siempre], en: [locked me in] }\n" +
            "    unsure_keywords: { en: [i give up] }\n    choices:\n      - label: { es: \"Menú\", en: \"Menu\" }\n        goto: main-menu\n" +
            "  - id: x-bye\n    kind: end\n    text: { es: \"Cuídate.\", en: \"Take care.\" }\n");

        var result = fixture.Load();

        Assert.False(result.IsValid);
        Assert.Contains(result.Errors, e => e.File == "content/common.yaml" && e.Line == line && e.Message.Contains(fragment, StringComparison.Ordinal));
    }

    [Fact]
    public void FarewellWordsWithoutADanger_AreValid()
    {
        using var fixture = new ContentFixture();
        File.AppendAllText(Path.Combine(fixture.Root, "content", "common.yaml"), "\nfarewell: x-bye\nfarewell_words: { es: [chao, ya me voy], en: [bye, see you] }\n");
        fixture.Write("content/x.yaml", "flow: x\ntopic: general\nnodes:\n  - id: x-bye\n    kind: end\n    text: { es: \"Cuídate.\", en: \"Take care.\" }\n");

        var result = fixture.Load();

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
    }

    public static TheoryData<string, string, int, string> FactRows => new()
    {
        // label, entries appended to seeds/facts.yaml, line within the appended text, expected message fragment
        { "duplicate fact id", "  - id: police\n    kind: contact\n    value: \"911\"\n    source: { name: X, url: https://example.org }\n    verified_on: 2026-11-01\n", 1, "duplicate fact id 'police'" },
        { "fact without verified_on", "  - id: no-date\n    kind: contact\n    value: \"911\"\n    source: { name: X, url: https://example.org }\n", 1, "fact 'no-date' has no 'verified_on'" },
        { "fact without a source", "  - id: no-source\n    kind: contact\n    value: \"911\"\n    verified_on: 2026-11-01\n", 1, "fact 'no-source' has no 'source'" },
        { "seed figure not in its report", "  - id: wrong-seed\n    kind: figure\n    value: \"9,999\"\n    source: { name: OIM, seed: report.txt }\n    verified_on: 2026-11-01\n", 4, "the value '9,999' does not appear in sources/report.txt" },
        { "programme without status", "  - id: no-status\n    kind: programme\n    text: { es: \"p\", en: \"p\" }\n    source: { name: X, url: https://example.org }\n    verified_on: 2026-11-01\n", 1, "fact 'no-status' has no 'status'" },
        { "bad date", "  - id: bad-date\n    kind: contact\n    value: \"911\"\n    source: { name: X, url: https://example.org }\n    verified_on: 22/11/2026\n", 5, "must be a date written YYYY-MM-DD" },
        { "fact text missing a language", "  - id: half\n    kind: legal\n    text: { es: \"ley\" }\n    source: { name: X, url: https://example.org }\n    verified_on: 2026-11-01\n", 3, "missing 'en' translation of fact 'half'" },
    };

    [Theory]
    [MemberData(nameof(FactRows))]
    public void BrokenFacts_AreReportedWithFileAndLine(string label, string entries, int line, string fragment)
    {
        using var fixture = new ContentFixture();
        var offset = fixture.FactsLines;
        fixture.AppendFacts(entries);
        var result = fixture.Load();

        Assert.False(result.IsValid, label);
        Assert.Contains(result.Errors, e => $"{e.File}:{e.Line}" == $"seeds/facts.yaml:{offset + line}" && e.Message.Contains(fragment, StringComparison.Ordinal));
    }

    [Fact]
    public void FactPastItsReviewDate_IsAWarningNotAnError()
    {
        using var fixture = new ContentFixture();
        var result = fixture.Load(new DateOnly(2027, 6, 1)); // verified 2026-11-01, default review 90 days later

        Assert.True(result.IsValid);
        var warning = Assert.Single(result.Warnings, w => w.Message.Contains("'police'", StringComparison.Ordinal));
        Assert.Equal("seeds/facts.yaml:2", $"{warning.File}:{warning.Line}");
        Assert.Contains("was due for review on 2027-01-30", warning.Message, StringComparison.Ordinal);
        Assert.Empty(fixture.Load(new DateOnly(2027, 1, 30)).Warnings);
    }

    [Fact]
    public void MissingCommonFile_IsReported()
    {
        using var fixture = new ContentFixture();
        File.Delete(Path.Combine(fixture.Root, "content", "common.yaml"));
        var error = Assert.Single(fixture.Load().Errors);
        Assert.Equal("content/common.yaml:1: error: common.yaml is missing: it lists the languages, commands and shared texts", error.ToString());
    }

    [Fact]
    public void Errors_PrintAsFileLineSeverityMessage()
    {
        var error = new ContentError("content/avr.yaml", 12, Severity.Error, "unknown target 'x'");
        Assert.Equal("content/avr.yaml:12: error: unknown target 'x'", error.ToString());
        Assert.Equal("seeds/facts.yaml:3: warning: old", new ContentError("seeds/facts.yaml", 3, Severity.Warning, "old").ToString());
    }
}
