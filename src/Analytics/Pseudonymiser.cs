using System.Security.Cryptography;
using System.Text;

namespace OimBot.Analytics;

/// <summary>
/// The person in analytics: a keyed hash of the channel address. The key mixes a secret from configuration (so the
/// database alone cannot be brute-forced over the small space of phone numbers) with a random salt per reporting
/// period (so destroying the salt at the end of the period makes linking across periods, or back to a number,
/// impossible). Within one period the same address always gives the same person, so unique reach is exact.
/// </summary>
public sealed class Pseudonymiser
{
    private readonly byte[] _secret;

    public Pseudonymiser(byte[] secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        if (secret.Length < 32)
        {
            throw new ArgumentException("The pseudonym secret must be at least 32 bytes.", nameof(secret));
        }

        _secret = secret;
    }

    public static byte[] NewPeriodSalt() => RandomNumberGenerator.GetBytes(32);

    /// <summary>
    /// The period's key, derived once per salt: every turn of a period uses the same one, and deriving it is two HMACs
    /// more per turn. Compared by value, so a salt read again from the database finds it; a new salt replaces it.
    /// </summary>
    private byte[] KeyFor(byte[] periodSalt)
    {
        if (_key is { } cached && cached.Salt.AsSpan().SequenceEqual(periodSalt))
        {
            return cached.Key;
        }

        var key = HKDF.DeriveKey(HashAlgorithmName.SHA256, _secret, 32, periodSalt, "oimbot/analytics-person/v1"u8.ToArray());
        _key = new PeriodKey(periodSalt.ToArray(), key);
        return key;
    }

    private volatile PeriodKey? _key;

    private sealed record PeriodKey(byte[] Salt, byte[] Key);

    /// <summary>32 hex characters (128 bits): no collisions in practice, nothing to read back.</summary>
    public string Person(byte[] periodSalt, string channel, string address)
    {
        ArgumentNullException.ThrowIfNull(periodSalt);
        var key = KeyFor(periodSalt);
        var hash = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes($"{channel}\n{address}"));
        return Convert.ToHexStringLower(hash.AsSpan(0, 16));
    }
}
