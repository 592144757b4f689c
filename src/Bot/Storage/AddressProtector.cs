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
    private readonly byte[] _keyRingKey;

    // The address cipher is set up once per thread (an AesGcm instance is not for concurrent use) rather than for every
    // address sealed or opened: OpenSSL's context and key schedule each time were a measurable part of a turn (issue 15).
    // Kept for the last key a thread used: a process has one protector.
    [ThreadStatic]
    private static AddressCipher? t_addressCipher;

    private sealed record AddressCipher(byte[] Key, AesGcm Aes);

    private AesGcm Cipher()
    {
        if (t_addressCipher is { } cached && ReferenceEquals(cached.Key, _encryptionKey))
        {
            return cached.Aes;
        }

        t_addressCipher?.Aes.Dispose();
        t_addressCipher = new AddressCipher(_encryptionKey, new AesGcm(_encryptionKey, TagSize));
        return t_addressCipher.Aes;
    }

    public AddressProtector(byte[] masterKey)
    {
        ArgumentNullException.ThrowIfNull(masterKey);
        if (masterKey.Length != 32)
        {
            throw new ArgumentException("The address key must be 32 bytes.", nameof(masterKey));
        }

        _encryptionKey = HKDF.DeriveKey(HashAlgorithmName.SHA256, masterKey, 32, info: "oimbot/address-encryption/v1"u8.ToArray());
        _lookupKey = HKDF.DeriveKey(HashAlgorithmName.SHA256, masterKey, 32, info: "oimbot/address-lookup/v1"u8.ToArray());
        _keyRingKey = HKDF.DeriveKey(HashAlgorithmName.SHA256, masterKey, 32, info: "oimbot/data-protection-keys/v1"u8.ToArray());
    }

    public static AddressProtector FromOptions(IOptions<PrivacyOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new AddressProtector(LoadOrCreateKey(options.Value));
    }

    public byte[] Hash(string channel, string value) =>
        HMACSHA256.HashData(_lookupKey, Encoding.UTF8.GetBytes($"{channel}\n{value}"));

    public byte[] Encrypt(string address) => Seal(Cipher(), Encoding.UTF8.GetBytes(address), "oimbot-address"u8);

    public string Decrypt(byte[] sealedAddress) => Encoding.UTF8.GetString(Open(Cipher(), sealedAddress, "oimbot-address"u8));

    /// <summary>How long <paramref name="plainLength"/> bytes are once sealed: the nonce, the cipher text and the tag.</summary>
    public static int SealedLength(int plainLength) => NonceSize + plainLength + TagSize;

    /// <summary>How long a sealed value's plain text is; negative when it is too short to be one.</summary>
    public static int PlainLength(int sealedLength) => sealedLength - NonceSize - TagSize;

    /// <summary>
    /// As <see cref="Encrypt(string)"/>, for UTF-8 bytes already encoded, into <paramref name="output"/> of exactly
    /// <see cref="SealedLength"/> bytes: nothing allocated (issue 15: an outbox row's payload is sealed on every turn).
    /// </summary>
    public void Encrypt(ReadOnlySpan<byte> plain, Span<byte> output) => Seal(Cipher(), plain, output, "oimbot-address"u8);

    /// <summary>As <see cref="Decrypt(byte[])"/>, into <paramref name="plain"/> of exactly <see cref="PlainLength"/> bytes.</summary>
    public void Decrypt(ReadOnlySpan<byte> sealedValue, Span<byte> plain) => Open(Cipher(), sealedValue, plain, "oimbot-address"u8);

    /// <summary>Seals a Data Protection key (the inbox's cookie and antiforgery keys) for storage in the database.</summary>
    public byte[] SealKeyRingEntry(byte[] plain)
    {
        using var aes = new AesGcm(_keyRingKey, TagSize);
        return Seal(aes, plain, "oimbot-data-protection-key"u8);
    }

    public byte[] OpenKeyRingEntry(byte[] sealedEntry)
    {
        using var aes = new AesGcm(_keyRingKey, TagSize);
        return Open(aes, sealedEntry, "oimbot-data-protection-key"u8);
    }

    private static byte[] Seal(AesGcm aes, byte[] plain, ReadOnlySpan<byte> purpose)
    {
        var output = new byte[SealedLength(plain.Length)];
        Seal(aes, plain, output, purpose);
        return output;
    }

    private static void Seal(AesGcm aes, ReadOnlySpan<byte> plain, Span<byte> output, ReadOnlySpan<byte> purpose)
    {
        if (output.Length != SealedLength(plain.Length))
        {
            throw new ArgumentException("The output must be as long as the sealed value.", nameof(output));
        }

        var nonce = output[..NonceSize];
        RandomNumberGenerator.Fill(nonce);
        aes.Encrypt(nonce, plain, output.Slice(NonceSize, plain.Length), output[(NonceSize + plain.Length)..], purpose);
    }

    private static byte[] Open(AesGcm aes, byte[] sealedValue, ReadOnlySpan<byte> purpose)
    {
        ArgumentNullException.ThrowIfNull(sealedValue);
        var plain = new byte[Math.Max(PlainLength(sealedValue.Length), 0)]; // too short: the span overload refuses it
        Open(aes, sealedValue, plain, purpose);
        return plain;
    }

    private static void Open(AesGcm aes, ReadOnlySpan<byte> sealedValue, Span<byte> plain, ReadOnlySpan<byte> purpose)
    {
        var length = PlainLength(sealedValue.Length);
        if (length < 0)
        {
            throw new CryptographicException("Too short to be a sealed value.");
        }

        if (plain.Length != length)
        {
            throw new ArgumentException("The plain text's buffer must be as long as the sealed value's plain text.", nameof(plain));
        }

        aes.Decrypt(sealedValue[..NonceSize], sealedValue.Slice(NonceSize, length), sealedValue[(NonceSize + length)..], plain, purpose);
    }

    private static byte[] LoadOrCreateKey(PrivacyOptions options) =>
        SecretKeys.LoadOrCreate(options.AddressKey, "Privacy:AddressKey", options.AddressKeyFile, PrivacyOptions.Section, typeof(PrivacyOptions));
}
