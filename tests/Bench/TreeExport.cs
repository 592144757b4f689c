using System.Text.Encodings.Web;
using System.Text.Json;
using OimBot.Content;

/// <summary>
/// <c>tree [--repo .] [--out tests/Bench/compare/tree.json]</c>: OimBot's Spanish menu tree as JSON, for the peers
/// that <c>compare</c> runs (tests/Bench/compare). Each node carries the text OimBot sends on Telegram (rendered by
/// <see cref="ContentRenderer"/>: facts filled in, footers, sources line) and its options in order, so a peer that
/// picks option n by a typed digit walks the same tree and sends the same bytes. The peers reproduce only the rules
/// the bench script needs (greeting, digit, back, menu); understanding, consent and handoff stay OimBot's own.
/// </summary>
internal static class TreeExport
{
    private const string Language = "es";
    private const string Channel = "telegram";

    /// <summary>Not content: what the peers treat as "start again at the welcome node".</summary>
    private static readonly string[] Greetings = ["hola", "buenas", "buenos dias", "buenas tardes", "buenas noches", "hi", "hello", "/start"];

    public static int Run(string[] args)
    {
        string? Value(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
        var repo = Path.GetFullPath(Value("--repo") ?? OimBotProcess.FindRepo());
        var output = Path.GetFullPath(Value("--out") ?? Path.Combine(repo, "tests", "Bench", "compare", "tree.json"));

        // The same calendar as the service (America/Panama, UTC-5 all year): facts are checked against "today".
        var today = DateOnly.FromDateTime(TimeProvider.System.GetUtcNow().ToOffset(TimeSpan.FromHours(-5)).DateTime);
        var loaded = ContentLoader.Load(new ContentSources(Path.Combine(repo, "content"), Path.Combine(repo, "seeds", "facts.yaml"), repo), today);
        if (loaded.Content is not { } written)
        {
            foreach (var error in loaded.Errors)
            {
                Console.Error.WriteLine(error);
            }

            return 1;
        }

        var content = written.ForChannel(Channel);
        Directory.CreateDirectory(Path.GetDirectoryName(output)!);
        using (var stream = File.Create(output))
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            Write(json, content);
        }

        var shown = output.StartsWith(repo + Path.DirectorySeparatorChar, StringComparison.Ordinal) ? Path.GetRelativePath(repo, output) : output;
        Console.WriteLine($"{content.NodeList.Count} nodes written to {shown}");
        return 0;
    }

    private static void Write(Utf8JsonWriter json, ContentSet content)
    {
        var common = content.Common;
        json.WriteStartObject();
        json.WriteString("generatedBy", "dotnet run -c Release --project tests/Bench -- tree");
        json.WriteString("contentVersion", content.VersionId);
        json.WriteString("language", Language);
        json.WriteString("channel", Channel);
        json.WriteString("welcome", common.StartNode);
        json.WriteString("menu", common.MenuNode);
        json.WriteString("backTarget", Choice.BackTarget);
        WriteWords(json, "greetings", Greetings);
        WriteWords(json, "menuWords", Words(common, GlobalCommand.Menu));
        WriteWords(json, "backWords", Words(common, GlobalCommand.Back));

        json.WriteStartObject("nodes");
        foreach (var node in content.NodeList)
        {
            var reply = ContentRenderer.Render(content, node, Language);
            json.WriteStartObject(node.Id);
            json.WriteString("kind", node.Kind.ToString().ToLowerInvariant());
            json.WriteString("text", reply.Text);
            json.WriteStartArray("options");
            foreach (var choice in node.Choices)
            {
                json.WriteStartObject();
                json.WriteString("id", choice.Id);
                json.WriteString("label", choice.Label[Language]);
                json.WriteString("target", choice.Target);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        json.WriteEndObject();
        json.WriteEndObject();
    }

    /// <summary>The words that are a command when typed alone (OimBot also forgives case, accents and small typos).</summary>
    private static IReadOnlyList<string> Words(CommonSettings common, GlobalCommand command) =>
        common.Commands.TryGetValue(command, out var byLanguage) && byLanguage.TryGetValue(Language, out var words) ? words : [];

    private static void WriteWords(Utf8JsonWriter json, string name, IEnumerable<string> words)
    {
        json.WriteStartArray(name);
        foreach (var word in words)
        {
            json.WriteStringValue(word);
        }

        json.WriteEndArray();
    }
}
