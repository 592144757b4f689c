namespace OimBot.Bot.Storage;

public sealed class PrivacyOptions
{
    public const string Section = "Privacy";

    /// <summary>Base64 of 32 random bytes that protects channel addresses at rest. When empty, <see cref="AddressKeyFile"/> is used (and created).</summary>
    public string? AddressKey { get; set; }

    /// <summary>Where the generated key lives when <see cref="AddressKey"/> is not configured (owner-only permissions).</summary>
    public string AddressKeyFile { get; set; } = "data/address.key";
}
