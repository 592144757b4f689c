using System.ComponentModel.DataAnnotations;

namespace OimBot.Bot.Dialogs;

public sealed class DialogOptions
{
    public const string Section = "Dialogs";

    /// <summary>After this long without a message the session ends and its state is deleted (R5).</summary>
    [Range(typeof(TimeSpan), "00:01:00", "30.00:00:00", ErrorMessage = "Dialogs:SessionExpiry must be between 1 minute and 30 days.")]
    public TimeSpan SessionExpiry { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Office hours and expected wait, from the Handoff section (set at start-up, not bound here).</summary>
    public Handoff.HandoffSchedule Schedule { get; set; } = Handoff.HandoffSchedule.Default;
}
