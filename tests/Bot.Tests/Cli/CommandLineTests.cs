using OimBot.Bot.Tests.TestHost;

namespace OimBot.Bot.Tests.Cli;

/// <summary>The commands of the README, run as real processes from a working directory like the repository root.</summary>
public sealed class CommandLineTests : IDisposable
{
    private readonly TempContent _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task ContentValidate_OnTheShippedContent_SaysValid_AndKeepsTheModelsTheNextCommandReads()
    {
        var cache = Path.Combine(_temp.Root, "models");
        var environment = new Dictionary<string, string> { ["Content__ModelCache"] = cache };
        var (exitCode, output) = await ServiceProcess.RunAsync(RepoPaths.Root, ["content", "validate"], environment: environment);
        Assert.True(exitCode == 0, output);
        Assert.Contains("content is valid", output, StringComparison.Ordinal);
        // Spanish and English, each translated language, and each yes/no question that reads its own answers
        var models = 5 + ShippedContent.Set.NodeList.Count(n => n.AnswerExamples.Count > 0);
        Assert.Equal(10, models);
        Assert.Equal(models, Directory.GetFiles(cache, "*.model").Length);

        var (again, evaluated) = await ServiceProcess.RunAsync(RepoPaths.Root, ["content", "evaluate", "--lang", "en"], environment: environment);
        Assert.True(again == 0, evaluated);
        Assert.Matches(@"model: \d+ examples, \d+ labels, \d+ features, trained in \d+ ms \(read from the model cache in \d+ ms\)", evaluated);
        Assert.Equal(models, Directory.GetFiles(cache, "*.model").Length);
    }

    [Fact]
    public async Task ContentValidate_PrintsFileAndLineForEveryProblem_AndExitsNonZero()
    {
        var main = Path.Combine(_temp.ContentDirectory, "main.yaml");
        await File.WriteAllTextAsync(main, (await File.ReadAllTextAsync(main)).Replace("goto: handoff", "goto: nowhere-at-all", StringComparison.Ordinal));
        await File.AppendAllTextAsync(Path.Combine(_temp.ContentDirectory, "emergency.yaml"), "  - id: broken-node\n    kind: message\n    text: { es: \"Llama al 555-1234\", en: \"Call\" }\n");

        var (exitCode, output) = await ServiceProcess.RunAsync(_temp.Root, ["content", "validate", "content"]);

        Assert.Equal(1, exitCode);
        Assert.Matches(@"content/main\.yaml:\d+: error: node '[a-z-]+': unknown target 'nowhere-at-all'", output);
        Assert.Matches(@"content/emergency\.yaml:\d+: error: the text of node 'broken-node' \(es\): raw number '555'", output);
        Assert.Matches(@"\d+ errors, \d+ warnings", output);
    }

    [Fact]
    public async Task ContentEvaluate_PrintsTheFiguresPerLanguage()
    {
        var (exitCode, output) = await ServiceProcess.RunAsync(RepoPaths.Root, ["content", "evaluate", "--lang", "es"]);

        Assert.True(exitCode == 0, output);
        Assert.Contains("== es:", output, StringComparison.Ordinal);
        Assert.DoesNotContain("== en:", output, StringComparison.Ordinal);
        Assert.Matches(@"danger recall \(emergency channels shown\): \d+\.\d% of \d+", output);
        Assert.Matches(@"false positives on non-danger messages: \d+\.\d%", output);
        Assert.Matches(@"topic top-1 accuracy: \d+\.\d%", output);
        Assert.Contains("suicide", output, StringComparison.Ordinal); // the per-category table
        Assert.Contains("confusions", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ContentExplain_ShowsHowAMessageIsUnderstood()
    {
        var (exitCode, output) = await ServiceProcess.RunAsync(RepoPaths.Root, ["content", "explain", "me tienen encerrada", "quiero volver a mi pais"]);

        Assert.True(exitCode == 0, output);
        Assert.Contains("danger emergency-held (sure)", output, StringComparison.Ordinal);
        Assert.Contains("go to avr-menu", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Chat_IsTheSameBotInTheTerminal()
    {
        var (exitCode, output) = await ServiceProcess.RunAsync(RepoPaths.Root, ["chat"], "hola\n1\n1\nborrar\n");

        Assert.Equal(0, exitCode);
        Assert.Contains("asistente automático de la OIM", output, StringComparison.Ordinal);
        Assert.Contains("  1. Continuar en español", output, StringComparison.Ordinal);
        Assert.Contains("¿Sobre qué quieres información?", output, StringComparison.Ordinal);
        Assert.Contains("no es deportación", output, StringComparison.Ordinal);
        Assert.Contains("borramos todo lo que guardábamos", output, StringComparison.Ordinal);
    }

    /// <summary>
    /// <c>users add</c> judges a password by the same rule as the inbox's pages (<c>InboxSecurityTests</c> has the table):
    /// "password1234" had been accepted for having twelve characters.
    /// </summary>
    [Fact]
    public async Task UsersAdd_RefusesACommonPassword_WithTheInboxsWords()
    {
        var (exitCode, output) = await ServiceProcess.RunAsync(_temp.Root, ["users", "add", "lucia", "--role", "caseworker"], "password1234\n");

        Assert.True(exitCode == 1, output);
        Assert.Contains("demasiado común", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Added lucia", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Service_RefusesToStartWithInvalidContent_NamingFileAndLine()
    {
        var main = Path.Combine(_temp.ContentDirectory, "main.yaml");
        await File.WriteAllTextAsync(main, (await File.ReadAllTextAsync(main)).Replace("goto: handoff", "goto: nowhere-at-all", StringComparison.Ordinal));

        var (exitCode, output) = await ServiceProcess.RunAsync(_temp.Root, ["--urls", $"http://127.0.0.1:{ServiceProcess.FreePort()}"]);

        Assert.Equal(1, exitCode);
        Assert.Contains("The content is invalid, so the bot cannot start:", output, StringComparison.Ordinal);
        Assert.Matches(@"content/main\.yaml:\d+: error: .*unknown target 'nowhere-at-all'", output);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal); // a message, not a stack trace
    }

    [Fact]
    public async Task Service_RefusesAnUnknownStorageProvider_NamingTheKey()
    {
        var (exitCode, output) = await ServiceProcess.RunAsync(
            _temp.Root,
            ["--urls", $"http://127.0.0.1:{ServiceProcess.FreePort()}"],
            environment: new Dictionary<string, string> { ["Storage__Provider"] = "oracle" });

        Assert.Equal(1, exitCode);
        Assert.Contains("Storage:Provider must be 'sqlite'", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Service_StartsFromTheRepositoryLayout_CreatesDataAndAnswers()
    {
        var port = ServiceProcess.FreePort();
        await using var service = ServiceProcess.Start(_temp.Root, ["--urls", $"http://127.0.0.1:{port}"]);
        await service.WaitUntilHealthyAsync(port);

        using var client = new HttpClient();
        var page = await client.GetStringAsync($"http://127.0.0.1:{port}/");
        Assert.Contains("chat.js", page, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(_temp.Root, "data", "oimbot.db")));
        var key = new FileInfo(Path.Combine(_temp.Root, "data", "address.key"));
        Assert.True(key.Exists);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(key.FullName));
        }
        Assert.Contains($"Open http://127.0.0.1:{port}/ to chat", service.Output, StringComparison.Ordinal);
    }
}
