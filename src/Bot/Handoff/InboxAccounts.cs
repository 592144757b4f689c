using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace OimBot.Bot.Handoff;

public enum SignInResult
{
    Success,

    /// <summary>Unknown, disabled or locked account, or a wrong password: one answer for all, in the same time.</summary>
    Refused,

    /// <summary>Too many failures from this client address (for this account, or for any): it must wait.</summary>
    Throttled,
}

/// <summary>
/// Inbox users: passwords hashed with ASP.NET Core's PasswordHasher. Failed sign-ins are throttled per client address
/// (<see cref="SignInThrottle"/>); the account itself locks only after many failures from anywhere. Every refusal takes
/// at least <see cref="RefusalFloor"/> and says the same words, so nobody can tell which accounts exist or are locked.
/// </summary>
public sealed class InboxAccounts(IUserStore users, IAuditLog audit, HandoffService handoff, IPasswordHasher<InboxUser> hasher, SignInThrottle throttle, TimeProvider clock, IOptions<HandoffOptions> options)
{
    private static readonly InboxUser Placeholder = new("-", Roles.Caseworker, string.Empty, "-", false, false, 0, null, null);
    private readonly string _dummyHash = hasher.HashPassword(Placeholder, Convert.ToBase64String(RandomNumberGenerator.GetBytes(16)));

    public const string StampClaim = "oimbot:stamp";
    public const string MustChangeClaim = "oimbot:must-change-password";

    /// <summary>The least time any refused sign-in takes (longer than a hash and the database writes of a known account).</summary>
    public static readonly TimeSpan RefusalFloor = TimeSpan.FromMilliseconds(400);

    /// <param name="client">The client's address (<see cref="Operations.ClientAddress"/>), for the throttle only.</param>
    public async Task<(SignInResult Result, InboxUser? User, DateTimeOffset? RetryAt)> CheckAsync(string username, string password, string client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(username);
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var outcome = await DecideAsync(username.Trim(), password, client, cancellationToken);
        if (outcome.Result != SignInResult.Success)
        {
            // Timers may fire a little early: wait until the floor has really passed.
            for (var left = RefusalFloor - System.Diagnostics.Stopwatch.GetElapsedTime(started); left > TimeSpan.Zero; left = RefusalFloor - System.Diagnostics.Stopwatch.GetElapsedTime(started))
            {
                await Task.Delay(left + TimeSpan.FromMilliseconds(1), CancellationToken.None);
            }
        }

        return outcome;
    }

    private async Task<(SignInResult Result, InboxUser? User, DateTimeOffset? RetryAt)> DecideAsync(string username, string password, string client, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        if (throttle.BlockedUntil(client, username) is { } until)
        {
            hasher.VerifyHashedPassword(Placeholder, _dummyHash, password);
            return (SignInResult.Throttled, null, until);
        }

        var user = await users.FindAsync(username, cancellationToken);
        var usable = user is { Disabled: false } && !(user.LockedUntil is { } locked && locked > now);
        var verified = hasher.VerifyHashedPassword(user ?? Placeholder, user?.PasswordHash ?? _dummyHash, password) != PasswordVerificationResult.Failed;
        if (user is null || !usable || !verified)
        {
            throttle.Failed(client, username);
            if (user is not null)
            {
                await users.RecordFailureAsync(user.Username, options.Value.AccountLockoutAttempts, options.Value.LockoutDuration, now, cancellationToken);
                await audit.AppendAsync(user.Username, "sign-in-failed", null, null, now, cancellationToken);
            }

            return (SignInResult.Refused, null, null);
        }

        throttle.Succeeded(client, username);
        await users.RecordSuccessAsync(user.Username, now, cancellationToken);
        await audit.AppendAsync(user.Username, "sign-in", null, null, now, cancellationToken);
        return (SignInResult.Success, user, null);
    }

    /// <summary>Sign-out ends every session of the user: a copied cookie stops working at once, not when it expires.</summary>
    public async Task SignOutEverywhereAsync(string username, CancellationToken cancellationToken)
    {
        await users.RevokeSessionsAsync(username, cancellationToken);
        await audit.AppendAsync(username, "sign-out", null, null, clock.GetUtcNow(), cancellationToken);
    }

    public static ClaimsPrincipal Principal(InboxUser user)
    {
        ArgumentNullException.ThrowIfNull(user);
        var identity = new ClaimsIdentity(
            [
                new Claim(ClaimTypes.Name, user.Username),
                new Claim(ClaimTypes.Role, user.Role),
                new Claim(StampClaim, user.SecurityStamp),
                new Claim(MustChangeClaim, user.MustChangePassword ? "true" : "false"),
            ],
            CookieAuthenticationDefaults.AuthenticationScheme);
        return new ClaimsPrincipal(identity);
    }

    /// <remarks>Every caller checks <see cref="PasswordPolicy.Problem"/> first, to show why with its form; a weak password here is a bug.</remarks>
    public async Task<bool> CreateAsync(string username, string role, string password, bool mustChangePassword, string actor, CancellationToken cancellationToken)
    {
        RefuseWeak(password, username);
        var now = clock.GetUtcNow();
        var created = await users.CreateAsync(username, role, hasher.HashPassword(Placeholder, password), mustChangePassword, now, cancellationToken);
        if (created)
        {
            await audit.AppendAsync(actor, "user-added", null, $"{username} ({role})", now, cancellationToken);
        }

        return created;
    }

    public async Task ChangePasswordAsync(string username, string password, CancellationToken cancellationToken)
    {
        RefuseWeak(password, username);
        await users.SetPasswordAsync(username, hasher.HashPassword(Placeholder, password), mustChangePassword: false, cancellationToken);
        await audit.AppendAsync(username, "password-changed", null, null, clock.GetUtcNow(), cancellationToken);
    }

    private static void RefuseWeak(string password, string username)
    {
        if (PasswordPolicy.Problem(password, password, username) is { } problem)
        {
            throw new ArgumentException(problem, nameof(password));
        }
    }

    /// <summary>
    /// Disables or enables an account (the Users page, <c>users disable</c>). Disabling signs the person out everywhere
    /// and puts the open cases they held back in the queue, nobody's, in their place by when the person asked, each
    /// audited: a case held by someone who can no longer sign in had stayed theirs, and the migrant waited for ever.
    /// </summary>
    /// <returns>Null when there is no such user; otherwise how many cases went back to the queue.</returns>
    public async Task<int?> SetDisabledAsync(string username, bool disabled, string actor, CancellationToken cancellationToken)
    {
        // The account first: from now on its cookies are refused, so the person cannot take a case the release missed.
        if (!await users.SetDisabledAsync(username, disabled, cancellationToken))
        {
            return null;
        }

        var now = clock.GetUtcNow();
        await audit.AppendAsync(actor, disabled ? "user-disabled" : "user-enabled", null, username, now, cancellationToken);
        if (!disabled)
        {
            return 0;
        }

        return (await handoff.ReleaseAsync(username, actor, cancellationToken)).Count;
    }

    /// <summary>Signs out a cookie whose user was disabled, deleted or changed password since it was issued.</summary>
    public async Task ValidateAsync(CookieValidatePrincipalContext context)
    {
        if (!await StillSignedInAsync(context.Principal, context.HttpContext.RequestAborted))
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        }
    }

    /// <summary>
    /// Whether a session that was good when its request began still is: its ticket has not expired (<paramref name="expires"/>,
    /// read on the app's clock as the cookie handler reads it), and <see cref="ValidateAsync"/> would still accept it (the
    /// account exists and is enabled, nobody signed out or changed the password since). A long request (the event stream)
    /// asks it again, as the cookie handler asks only once, at its start.
    /// </summary>
    public async Task<bool> SessionStillGoodAsync(ClaimsPrincipal principal, DateTimeOffset? expires, CancellationToken cancellationToken) =>
        !(expires is { } end && end < clock.GetUtcNow()) && await StillSignedInAsync(principal, cancellationToken);

    private async Task<bool> StillSignedInAsync(ClaimsPrincipal? principal, CancellationToken cancellationToken)
    {
        var name = principal?.Identity?.Name;
        var stamp = principal?.FindFirst(StampClaim)?.Value;
        var user = name is null ? null : await users.FindAsync(name, cancellationToken);
        return user is { Disabled: false } && user.SecurityStamp == stamp;
    }

    /// <summary>First run: no users yet, so a supervisor "admin" with a random password, shown once and written to an owner-only file.</summary>
    public async Task<string?> EnsureAdminAsync(CancellationToken cancellationToken)
    {
        if (await users.CountAsync(cancellationToken) > 0)
        {
            return null;
        }

        var password = Convert.ToBase64String(RandomNumberGenerator.GetBytes(18)).Replace('+', 'x').Replace('/', 'y');
        if (!await CreateAsync("admin", Roles.Supervisor, password, mustChangePassword: true, "system", cancellationToken))
        {
            return null; // another instance starting at the same moment created it (and wrote its password)
        }

        var path = options.Value.InitialPasswordFile;
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var fileOptions = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            fileOptions.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        await using (var stream = new FileStream(path, fileOptions))
        await using (var writer = new StreamWriter(stream))
        {
            await writer.WriteLineAsync(password);
        }

        return password;
    }

    public void ForgetInitialPassword()
    {
        if (File.Exists(options.Value.InitialPasswordFile))
        {
            File.Delete(options.Value.InitialPasswordFile);
        }
    }
}

/// <summary>Creates the first admin before the server listens, and says where its password is (never through a logger).</summary>
internal sealed class InboxBootstrap(InboxAccounts accounts, IOptions<HandoffOptions> options) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (await accounts.EnsureAdminAsync(cancellationToken) is { } password)
        {
            // Console, not ILogger: the password must not reach a log sink.
            await Console.Out.WriteLineAsync(
                $"""

                The inbox has no users yet, so a supervisor was created:
                    user: admin    password: {password}
                The password is also in {options.Value.InitialPasswordFile} (readable by this user only) and must be changed at the first sign-in at /inbox.

                """);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
