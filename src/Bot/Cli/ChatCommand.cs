using OimBot.Bot.ContentHosting;
using OimBot.Bot.Dialogs;
using OimBot.Content;

namespace OimBot.Bot.Cli;

/// <summary>
/// <c>chat</c>: the same engine and content as every channel, in the terminal, with state kept in memory. For content
/// authors: edits are picked up on the next message when they are valid, and refused with file:line when not.
/// </summary>
internal static class ChatCommand
{
    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextReader input, TextWriter output, TimeProvider clock)
    {
        var arguments = CommandOptions.Parse(args, ["--content", "--facts", "--lang"]);
        if (arguments.Problem is not null)
        {
            await output.WriteLineAsync($"{arguments.Problem}. Usage: chat [--lang es|en] [--content content] [--facts seeds/facts.yaml]");
            return 2;
        }

        var directory = arguments["--content"] ?? "content";
        var facts = arguments["--facts"] ?? Path.Combine("seeds", "facts.yaml");
        var sources = new ContentSources(directory, facts) { Models = ContentOptions.CommandLineModels() };
        var loaded = ContentLoader.Load(sources, PanamaTime.Today(clock));
        if (loaded.Content is not { } content)
        {
            foreach (var error in loaded.Errors)
            {
                await output.WriteLineAsync(error.ToString());
            }

            return 1;
        }

        await output.WriteLineAsync($"OimBot chat · content {content.VersionId} · type a message, a number to pick an option, or Ctrl+D to quit.");
        var options = new DialogOptions();
        ConversationState? state = null;
        var lastStamp = Stamp(directory, facts);
        var firstText = arguments["--lang"] is { } language ? (language == "en" ? "hello" : "hola") : null;
        while (true)
        {
            string? line;
            if (firstText is not null)
            {
                line = firstText;
                firstText = null;
                await output.WriteLineAsync($"> {line}");
            }
            else
            {
                await output.WriteAsync("> ");
                line = await input.ReadLineAsync();
            }

            if (line is null)
            {
                return 0;
            }

            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            // Reloaded only when a file changed: loading trains the classifier and checks every example.
            var stamp = Stamp(directory, facts);
            if (stamp != lastStamp)
            {
                lastStamp = stamp;
                var reloaded = ContentLoader.Load(sources, PanamaTime.Today(clock));
                if (reloaded.Content is { } fresh && fresh.VersionId != content.VersionId)
                {
                    content = fresh;
                    await output.WriteLineAsync($"(content reloaded: {content.VersionId})");
                }
                else if (!reloaded.IsValid)
                {
                    foreach (var error in reloaded.Errors)
                    {
                        await output.WriteLineAsync($"(edit refused) {error}");
                    }
                }
            }

            var message = line.StartsWith('/') && line.Contains('/', StringComparison.Ordinal) && line.Length > 1 && line[1..].Contains('/', StringComparison.Ordinal)
                ? UserMessage.FromChoice(line[1..])
                : UserMessage.FromText(line);
            var result = DialogEngine.Step(content, state, message, clock.GetUtcNow(), options);
            state = result.State;
            foreach (var reply in result.Replies)
            {
                await output.WriteLineAsync();
                await output.WriteLineAsync(reply.Text);
                for (var i = 0; i < reply.Choices.Count; i++)
                {
                    await output.WriteLineAsync($"  {i + 1}. {reply.Choices[i].Label}");
                }

                await output.WriteLineAsync();
            }
        }
    }

    /// <summary>The names, sizes and write times of the content files and the facts file.</summary>
    private static string Stamp(string directory, string facts) =>
        string.Join('|', (Directory.Exists(directory) ? Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories) : [])
            .Append(facts)
            .Where(File.Exists)
            .Order(StringComparer.Ordinal)
            .Select(f => new FileInfo(f))
            .Select(f => $"{f.FullName}:{f.Length}:{f.LastWriteTimeUtc.Ticks}"));
}
