using OimBot.Bot.Channels;
using OimBot.Bot.ContentHosting;
using OimBot.Bot.Dialogs;
using OimBot.Bot.Handoff;
using OimBot.Bot.Storage;

namespace OimBot.Bot.Cli;

/// <summary>
/// <c>users add NAME --role ROLE</c> (the password is read from standard input, never from the command line),
/// <c>users list</c>, <c>users disable NAME</c>, <c>users enable NAME</c>.
/// </summary>
internal static class UsersCommand
{
    private const string Usage = "Usage: users add NAME --role caseworker|supervisor|analyst   (password on standard input)\n       users list | users disable NAME | users enable NAME";

    public static async Task<int> RunAsync(string[] args, TextReader input, TextWriter output)
    {
        var builder = WebApplication.CreateBuilder(Hosting.Options([]));
        builder.Logging.ClearProviders();
        builder.AddStorage();
        // Disabling someone tells the people whose cases they held, in their language, through the outbox: the
        // content and the channels' message shapes, as the service has them (nothing is started or sent from here).
        builder.AddContentHosting();
        builder.AddDialogs();
        builder.AddChannels();
        builder.AddHandoff();
        await using var app = builder.Build();
        await app.Services.GetRequiredService<IStoreDatabase>().MigrateAsync(CancellationToken.None);
        var users = app.Services.GetRequiredService<IUserStore>();
        var accounts = app.Services.GetRequiredService<InboxAccounts>();

        switch (args)
        {
            case ["users", "list"]:
                foreach (var user in await users.ListAsync(CancellationToken.None))
                {
                    await output.WriteLineAsync($"{user.Username,-20} {user.Role,-11} {(user.Disabled ? "disabled" : user.MustChangePassword ? "must change password" : "active")}");
                }

                return 0;
            case ["users", "add", var name, "--role", var role]:
                if (!Roles.All.Contains(role))
                {
                    await output.WriteLineAsync($"Unknown role '{role}'. {Usage}");
                    return 2;
                }

                await output.WriteLineAsync($"Password for {name} (at least {PasswordPolicy.MinimumLength} characters, not a common one), then Enter:");
                var password = (await input.ReadLineAsync())?.TrimEnd('\r') ?? string.Empty;
                if (PasswordPolicy.Problem(password, password, name) is { } problem)
                {
                    await output.WriteLineAsync(problem);
                    return 1;
                }

                if (!await accounts.CreateAsync(name, role, password, mustChangePassword: false, "command line", CancellationToken.None))
                {
                    await output.WriteLineAsync($"A user named '{name}' already exists.");
                    return 1;
                }

                await output.WriteLineAsync($"Added {name} as {role}.");
                return 0;
            case ["users", "disable" or "enable", var name]:
                var disable = args[1] == "disable";
                if (disable)
                {
                    try
                    {
                        app.Services.GetRequiredService<ContentHost>().LoadOrThrow();
                    }
                    catch (ContentInvalidException ex)
                    {
                        await output.WriteLineAsync(ex.Message);
                        return 1;
                    }
                }

                if (await accounts.SetDisabledAsync(name, disable, "command line", CancellationToken.None) is not { } released)
                {
                    await output.WriteLineAsync($"No user named '{name}'.");
                    return 1;
                }

                await output.WriteLineAsync(disable ? $"{name} is disabled and signed out; {released} open case(s) they held went back to the queue." : $"{name} is enabled.");
                return 0;
            default:
                await output.WriteLineAsync(Usage);
                return 2;
        }
    }
}
