using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace OimBot.Bot.Storage;

/// <summary>A 32-byte secret from configuration, or from a file that is created (owner-only) on first start.</summary>
internal static class SecretKeys
{
    public static byte[] LoadOrCreate(string? configured, string configKey, string path, string section, Type optionsType)
    {
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return Decode(configured, configKey, section, optionsType);
        }

        if (File.Exists(path))
        {
            return Decode(File.ReadAllText(path).Trim(), path, section, optionsType);
        }

        var key = RandomNumberGenerator.GetBytes(32);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var fileOptions = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            fileOptions.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite; // readable by the service's user only
        }

        using (var stream = new FileStream(path, fileOptions))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(Convert.ToBase64String(key));
        }

        return key;
    }

    private static byte[] Decode(string base64, string where, string section, Type optionsType)
    {
        try
        {
            var key = Convert.FromBase64String(base64);
            if (key.Length == 32)
            {
                return key;
            }
        }
        catch (FormatException)
        {
            // reported below
        }

        throw new OptionsValidationException(section, optionsType, [$"{where} must be the base64 of 32 random bytes (e.g. `openssl rand -base64 32`)."]);
    }
}
