using OimBot.Bot;
using OimBot.Bot.Channels;
using OimBot.Bot.Channels.WebChat;
using OimBot.Bot.Cli;
using OimBot.Bot.ContentHosting;
using OimBot.Bot.Dialogs;
using OimBot.Bot.Handoff;
using OimBot.Bot.Operations;
using OimBot.Bot.Reporting;
using OimBot.Bot.Storage;

if (CommandLine.IsCommand(args))
{
    return await CommandLine.RunAsync(args);
}

var builder = WebApplication.CreateBuilder(Hosting.Options(args));
builder.AddSafeLogging();
builder.AddServerLimits();
builder.AddTrustedProxies();
builder.AddStorage();
builder.AddContentHosting();
builder.AddDialogs();
builder.AddChannels();
builder.AddHandoff();
builder.AddReporting();
builder.AddOperations();
builder.Services.AddProblemDetails();
builder.Services.AddExceptionHandler<UnexpectedErrorHandler>();

var app = builder.Build();
app.UseTrustedProxies();
app.MapOperations();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.MapWebChat();
app.MapChannelWebhooks();
app.MapInbox();
app.MapReporting();
app.MapHealthChecks("/healthz");
app.AnnounceWhereToGo();

return await app.RunOrExplainAsync();
