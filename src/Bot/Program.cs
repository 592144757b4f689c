using OimBot.Bot;
using OimBot.Bot.Cli;

if (CommandLine.IsCommand(args))
{
    return await CommandLine.RunAsync(args);
}

var app = BotApp.Build(Hosting.Options(args));
app.AnnounceWhereToGo();

return await app.RunOrExplainAsync();
