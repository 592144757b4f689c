using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace OimBot.Bot.Storage;

/// <summary>
/// Channel addresses (phone numbers, chat ids) at rest: AES-GCM to read them back when the bot must reply, and a keyed
/// hash to find a conversation without decrypting every row. Both keys derive from one configured secret (HKDF).
/// </summary>
public sealed class AddressProtector
{
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private readonly byte[] _encryptionKey;
    private readonly byte[] _lookupKey;

    public AddressProtector(byte[] masterKey)
    {
        ArgumentNullException.ThrowIfNull(masterKey);
        if (masterKey.Length != 32)
        {
            throw new ArgumentException("The address key must be 32 bytes.", nameof(masterKey));
        }

        _encryptionKey = HKDF.DeriveKey(HashAlgorithmName.SHA256, masterKey, 32, info: "oimbot/address-encryption/v1"u8.ToArray());
        _lookupKey = HKDF.DeriveKey(HashAlgorithmName.SHA256, masterKey, 32, info: "oimbot/address-lookup/v1"u8.ToArray());
    }

    public static AddressProtector FromOptions(IOptions<PrivacyOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new AddressProtector(LoadOrCreateKey(options.Value));
    }

    public byte[] Hash(string channel, string value) =>
        HMACSHA256.HashData(_lookupKey, Encoding.UTF8.GetBytes($"{channel}\n{value}"));

    public byte[] Encrypt(string address)
    {
        var plain = Encoding.UTF8.GetBytes(address);
        var output = new byte[NonceSize + plain.Length + TagSize];
        var nonce = output.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_encryptionKey, TagSize);
        aes.Encrypt(nonce, plain, output.AsSpan(NonceSize, plain.Length), output.AsSpan(NonceSize + plain.Length), "oimbot-address"u8);
        return output;
    }

    public string Decrypt(byte[] sealedAddress)
    {
        ArgumentNullException.ThrowIfNull(sealedAddress);
        var length = sealedAddress.Length - NonceSize - TagSize;
        if (length < 0)
        {
            throw new CryptographicException("Too short to be a sealed value.");
        }

        var plain = new byte[length];
        using var aes = new AesGcm(_encryptionKey, TagSize);
        aes.Decrypt(sealedAddress.AsSpan(0, NonceSize), sealedAddress.AsSpan(NonceSize, length), sealedAddress.AsSpan(NonceSize + length), plain, "oimbot-address"u8);
        return Encoding.UTF8.GetString(plain);
    }

    private static byte[] LoadOrCreateKey(PrivacyOptions options) =>
        SecretKeys.LoadOrCreate(options.AddressKey, "Privacy:AddressKey", options.AddressKeyFile, PrivacyOptions.Section, typeof(PrivacyOptions));
}
