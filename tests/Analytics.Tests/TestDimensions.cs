namespace OimBot.Analytics.Tests;

internal static class TestDimensions
{
    /// <summary>WhatsApp and Telegram, Spanish and English, AVR and (sensitive) trafficking, one menu node each.</summary>
    public static ReportDimensions TwoChannelsTwoLanguages { get; } = new(
        ["whatsapp", "telegram"],
        ["es", "en"],
        ["avr", "trafficking"],
        new HashSet<string> { "trafficking" },
        new Dictionary<string, string> { ["avr-menu"] = "avr", ["tr-menu"] = "trafficking" });
}
