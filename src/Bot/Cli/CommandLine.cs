using OimBot.Bot.Outbox;

namespace OimBot.Bot.Cli;

/// <summary>The service's commands besides running the web host: <c>chat</c> and <c>content validate</c>.</summary>
internal static class CommandLine
{
    public static bool IsCommand(string[] args) => args is ["chat", ..] or ["content", ..] or ["outbox", ..] or ["users", ..] or ["report", ..] or ["help" or "--help" or "-h"];

    public static async Task<int> RunAsync(string[] args)
    {
        switch (args)
        {
            case ["content", "validate", .. var rest]:
                return ValidateCommand.Run(rest, Console.Out, TimeProvider.System);
            case ["content", "evaluate", .. var rest]:
                return EvaluateCommand.Run(rest, Console.Out, TimeProvider.System);
            case ["content", "export-translations", .. var rest]:
                return TranslationsCommand.Export(rest, Console.Out, TimeProvider.System);
            case ["content", "import-translations", .. var rest]:
                return TranslationsCommand.Import(rest, Console.Out, TimeProvider.System);
            case ["content", "explain", .. var rest]:
                return ExplainCommand.Run(rest, Console.In, Console.Out, TimeProvider.System);
            case ["chat", .. var rest]:
                return await ChatCommand.RunAsync(rest, Console.In, Console.Out, TimeProvider.System);
            case ["outbox", ..]:
                return await OutboxCommand.RunAsync(args, Console.Out);
            case ["users", ..]:
                return await UsersCommand.RunAsync(args, Console.In, Console.Out);
            case ["report", ..]:
                return await ReportCommand.RunAsync(args, Console.Out, Console.Error);
            default:
                await Console.Out.WriteLineAsync("""
                    Usage:
                      dotnet run --project src/Bot                         start the service (web chat on http://127.0.0.1:5080)
                      dotnet run --project src/Bot -- chat [--lang es|en]  talk to the bot in this terminal
                      dotnet run --project src/Bot -- content validate [dir] [--facts seeds/facts.yaml]
                      dotnet run --project src/Bot -- content evaluate [--lang es|en]   understanding measured on tests/Evaluation
                      dotnet run --project src/Bot -- content explain "message"         how the bot understands a message
                      dotnet run --project src/Bot -- content export-translations --lang ht out.csv   texts to translate, with the Spanish
                      dotnet run --project src/Bot -- content import-translations ht in.csv           checked, then content/translations/ht.yaml
                      dotnet run --project src/Bot -- outbox status | retry-dead  messages waiting, sent, failed, dead-lettered
                      dotnet run --project src/Bot -- users add NAME --role caseworker|supervisor|analyst   (password on stdin)
                      dotnet run --project src/Bot -- users list | disable NAME | enable NAME
                      dotnet run --project src/Bot -- report --from 2026-10-01 --to 2026-12-31   period summary (es + en), in whole months
                    """);
                return args is ["help" or "--help" or "-h"] ? 0 : 2;
        }
    }
}
