using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace OimBot.Bot.Handoff;

public sealed class HandoffOptions
{
    public const string Section = "Handoff";

    /// <summary>Per weekday (Monday … Sunday): "08:00-17:00" in Panama time, or "closed". Missing days are closed.</summary>
    public Dictionary<string, string> OfficeHours { get; set; } = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Monday"] = "08:00-17:00",
        ["Tuesday"] = "08:00-17:00",
        ["Wednesday"] = "08:00-17:00",
        ["Thursday"] = "08:00-17:00",
        ["Friday"] = "08:00-17:00",
    };

    /// <summary>What the bot tells the user to expect when someone is on duty.</summary>
    [Range(1, 1440)]
    public int ExpectedWaitMinutes { get; set; } = 15;

    /// <summary>If nobody takes a case within this time, the user is told and offered to keep waiting or go back to the menu.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan ClaimTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// A case with no message from anyone for this long is abandoned: it closes with the outcome <c>expired</c> and the
    /// conversation returns to the bot. Until then it outlives the user's session (a Friday request answered on Monday).
    /// </summary>
    [Range(typeof(TimeSpan), "01:00:00", "90.00:00:00", ErrorMessage = "Handoff:CaseExpiry must be between 1 hour and 90 days.")]
    public TimeSpan CaseExpiry { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Transcripts of closed cases are deleted after this; the structured outcome stays, without text.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "3650.00:00:00")]
    public TimeSpan TranscriptRetention { get; set; } = TimeSpan.FromDays(30);

    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan MonitorInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Failed sign-ins to one account from one client address before that address is locked out of that account for
    /// <see cref="LockoutDuration"/>. A colleague at another address can still sign in.
    /// </summary>
    [Range(1, 100)]
    public int LockoutAttempts { get; set; } = 5;

    /// <summary>Failed sign-ins to one account from anywhere before the account itself is locked (a distributed attack).</summary>
    [Range(1, 10_000)]
    public int AccountLockoutAttempts { get; set; } = 50;

    /// <summary>Failed sign-ins from one client address, to any account, before it must wait <see cref="LockoutDuration"/>.</summary>
    [Range(1, 100_000)]
    public int SignInAttemptsPerAddress { get; set; } = 20;

    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan LockoutDuration { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>An inbox session ends after this long without a request.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "7.00:00:00")]
    public TimeSpan SessionTimeout { get; set; } = TimeSpan.FromHours(8);

    /// <summary>
    /// How often an open event stream (the inbox's live updates) checks that its session is still good (not expired,
    /// not signed out, the account enabled), besides before every event it sends: a tab left open after its session
    /// ended stops hearing of the queue within this time.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00", ErrorMessage = "Handoff:EventStreamCheckInterval must be between 100 ms and 10 minutes.")]
    public TimeSpan EventStreamCheckInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Where the first-run admin password is written (owner-only) when there are no users.</summary>
    public string InitialPasswordFile { get; set; } = "data/initial-admin-password";

    public HandoffSchedule BuildSchedule()
    {
        var days = new Dictionary<DayOfWeek, (TimeOnly, TimeOnly)>();
        foreach (var (name, hours) in OfficeHours)
        {
            if (Enum.TryParse<DayOfWeek>(name, ignoreCase: true, out var day) && HandoffSchedule.ParseHours(hours) is { } parsed)
            {
                days[day] = parsed;
            }
        }

        return new HandoffSchedule(days, ExpectedWaitMinutes);
    }
}

internal sealed class HandoffOptionsValidator : IValidateOptions<HandoffOptions>
{
    public ValidateOptionsResult Validate(string? name, HandoffOptions options)
    {
        var problems = new List<string>();
        foreach (var (day, hours) in options.OfficeHours)
        {
            if (!Enum.TryParse<DayOfWeek>(day, ignoreCase: true, out _) || int.TryParse(day, out _))
            {
                problems.Add($"Handoff:OfficeHours:{day} is not a day: use Monday … Sunday.");
                continue;
            }

            try
            {
                HandoffSchedule.ParseHours(hours);
            }
            catch (FormatException)
            {
                problems.Add($"Handoff:OfficeHours:{day} must be HH:mm-HH:mm (e.g. 08:00-17:00) or 'closed', not '{hours}'.");
            }
        }

        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
