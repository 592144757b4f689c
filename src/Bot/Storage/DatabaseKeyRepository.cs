using System.Text;
using System.Xml.Linq;
using Dapper;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;

namespace OimBot.Bot.Storage;

/// <summary>
/// The Data Protection key ring in the database (either provider): a cookie or antiforgery token issued by one
/// instance is read by every other, and by the same instance after a restart or in a new container. The keys protect
/// only staff sessions and forms; the address and pseudonym keys are separate (Privacy:AddressKey, Analytics:PseudonymKey).
/// Each key is sealed with a key derived from the address key (<see cref="KeyRingEncryptor"/>) before it is stored.
/// </summary>
public sealed class DatabaseKeyRepository(Func<IStoreDatabase> resolve, TimeProvider clock) : IXmlRepository
{
    /// <summary>Resolved on first use: the inbox maps its pages (and configures Data Protection) before options are validated.</summary>
    private readonly Lazy<IStoreDatabase> _database = new(resolve);

    public IReadOnlyCollection<XElement> GetAllElements() =>
        // Data Protection calls this synchronously, rarely (the key ring is cached and refreshed about daily): the
        // database's synchronous form, not asynchronous work blocked on.
        [.. _database.Value.QueryBlocking<string>("SELECT xml FROM data_protection_keys ORDER BY created_at").Select(xml => XElement.Parse(xml))];

    public void StoreElement(XElement element, string friendlyName)
    {
        ArgumentNullException.ThrowIfNull(element);
        var database = _database.Value;
        database.ExecuteBlocking(
            "INSERT INTO data_protection_keys (name, xml, created_at) VALUES (@name, @xml, @at) ON CONFLICT (name) DO NOTHING",
            new { name = friendlyName, xml = element.ToString(SaveOptions.DisableFormatting), at = database.Time.Write(clock.GetUtcNow()) });
    }
}

/// <summary>
/// Seals each Data Protection key with AES-GCM under a key derived from Privacy:AddressKey, so a copy of the database
/// alone (a backup, a dump) cannot forge a caseworker's cookie. Every instance shares that key, so every instance reads
/// the ring. Changing the address key signs caseworkers out (their cookies' keys can no longer be opened).
/// </summary>
public sealed class KeyRingEncryptor(Func<AddressProtector> resolve) : IXmlEncryptor
{
    /// <summary>Resolved on first use, after the options were validated at start-up (as the repository's database).</summary>
    private readonly Lazy<AddressProtector> _protector = new(resolve);

    public EncryptedXmlInfo Encrypt(XElement plaintextElement)
    {
        ArgumentNullException.ThrowIfNull(plaintextElement);
        var plain = Encoding.UTF8.GetBytes(plaintextElement.ToString(SaveOptions.DisableFormatting));
        var element = new XElement("sealedKey", new XAttribute("version", "1"), Convert.ToBase64String(_protector.Value.SealKeyRingEntry(plain)));
        return new EncryptedXmlInfo(element, typeof(KeyRingDecryptor));
    }
}

/// <summary>Opens what <see cref="KeyRingEncryptor"/> sealed; Data Protection creates it from the service provider.</summary>
public sealed class KeyRingDecryptor(IServiceProvider services) : IXmlDecryptor
{
    public XElement Decrypt(XElement encryptedElement)
    {
        ArgumentNullException.ThrowIfNull(encryptedElement);
        var protector = services.GetRequiredService<AddressProtector>();
        var plain = protector.OpenKeyRingEntry(Convert.FromBase64String(encryptedElement.Value));
        return XElement.Parse(Encoding.UTF8.GetString(plain));
    }
}
