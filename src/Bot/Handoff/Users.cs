namespace OimBot.Bot.Handoff;

public static class Roles
{
    public const string Caseworker = "caseworker";
    public const string Supervisor = "supervisor";
    public const string Analyst = "analyst";

    public static readonly IReadOnlyList<string> All = [Caseworker, Supervisor, Analyst];

    /// <summary>How a role reads in the inbox; the code (<c>--role caseworker</c>) stays for the command line.</summary>
    public static string Label(string? role) => role switch
    {
        Caseworker => "atención de casos",
        Supervisor => "supervisión",
        Analyst => "análisis",
        _ => role ?? "—",
    };
}

public sealed record InboxUser(
    string Username,
    string Role,
    string PasswordHash,
    string SecurityStamp,
    bool MustChangePassword,
    bool Disabled,
    int FailedAttempts,
    DateTimeOffset? LockedUntil,
    DateTimeOffset? LastLoginAt);

public interface IUserStore
{
    Task<int> CountAsync(CancellationToken cancellationToken);

    Task<InboxUser?> FindAsync(string username, CancellationToken cancellationToken);

    Task<IReadOnlyList<InboxUser>> ListAsync(CancellationToken cancellationToken);

    /// <summary>False when the name is taken.</summary>
    Task<bool> CreateAsync(string username, string role, string passwordHash, bool mustChangePassword, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Disabling also changes the security stamp, which signs the user out everywhere.</summary>
    Task<bool> SetDisabledAsync(string username, bool disabled, CancellationToken cancellationToken);

    Task SetPasswordAsync(string username, string passwordHash, bool mustChangePassword, CancellationToken cancellationToken);

    Task RecordFailureAsync(string username, int lockAfter, TimeSpan lockFor, DateTimeOffset now, CancellationToken cancellationToken);

    Task RecordSuccessAsync(string username, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>A new security stamp: every cookie issued before stops working at its next request (sign-out).</summary>
    Task RevokeSessionsAsync(string username, CancellationToken cancellationToken);
}

public sealed record AuditEntry(DateTimeOffset At, string Actor, string Action, string? CaseReference, string? Detail)
{
    /// <summary>Its place in the log (in the order written); 0 when not read from the log.</summary>
    public long Id { get; init; }
}

/// <summary>Who viewed a transcript, replied, closed, transferred; user changes. Never the text itself.</summary>
public interface IAuditLog
{
    Task AppendAsync(string actor, string action, string? caseReference, string? detail, DateTimeOffset now, CancellationToken cancellationToken);

    Task<IReadOnlyList<AuditEntry>> ListAsync(int count, CancellationToken cancellationToken);

    /// <summary>The newest <paramref name="count"/> lines written from <paramref name="from"/> until before <paramref name="until"/>, newest first.</summary>
    Task<IReadOnlyList<AuditEntry>> ListAsync(DateTimeOffset from, DateTimeOffset until, int count, CancellationToken cancellationToken);

    /// <summary>How many lines were written from <paramref name="from"/> until before <paramref name="until"/>.</summary>
    Task<long> CountAsync(DateTimeOffset from, DateTimeOffset until, CancellationToken cancellationToken);

    /// <summary>
    /// Lines written from <paramref name="from"/> until before <paramref name="until"/>, oldest first, the first
    /// <paramref name="count"/> after <paramref name="afterId"/> (an export reads the range page by page).
    /// </summary>
    Task<IReadOnlyList<AuditEntry>> ReadAsync(DateTimeOffset from, DateTimeOffset until, long afterId, int count, CancellationToken cancellationToken);
}
