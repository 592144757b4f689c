using System.Security.Cryptography;
using System.Xml.Linq;
using Dapper;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using OimBot.Bot.Storage;
using OimBot.Bot.Tests.TestHost;

namespace OimBot.Bot.Tests.Storage;

/// <summary>
/// The Data Protection key ring (inbox cookies, antiforgery tokens) is stored in the database sealed with a key derived
/// from Privacy:AddressKey: a copy of the database alone cannot forge a caseworker's session.
/// </summary>
public sealed class KeyRingTests
{
    private static readonly XElement Key = XElement.Parse("<key><masterKey><value>c2VjcmV0LWtleS1tYXRlcmlhbA==</value></masterKey></key>");

    [Fact]
    public void ASealedKey_OpensWithTheSameAddressKey_AndHoldsNoPlaintext()
    {
        var protector = new AddressProtector(RandomNumberGenerator.GetBytes(32));
        var sealedKey = new KeyRingEncryptor(() => protector).Encrypt(Key);

        Assert.Equal(typeof(KeyRingDecryptor), sealedKey.DecryptorType);
        Assert.DoesNotContain("c2VjcmV0", sealedKey.EncryptedElement.ToString(), StringComparison.Ordinal);
        using var services = new ServiceCollection().AddSingleton(protector).BuildServiceProvider();
        Assert.Equal(Key.ToString(), new KeyRingDecryptor(services).Decrypt(sealedKey.EncryptedElement).ToString());
    }

    [Fact]
    public void ASealedKey_DoesNotOpenWithAnotherAddressKey()
    {
        var sealedKey = new KeyRingEncryptor(() => new AddressProtector(RandomNumberGenerator.GetBytes(32))).Encrypt(Key);
        using var other = new ServiceCollection().AddSingleton(new AddressProtector(RandomNumberGenerator.GetBytes(32))).BuildServiceProvider();
        Assert.ThrowsAny<CryptographicException>(() => new KeyRingDecryptor(other).Decrypt(sealedKey.EncryptedElement));
    }

    [Fact]
    public async Task TheService_StoresItsKeysSealed_AndAnotherProcessReadsThem()
    {
        var settings = new Dictionary<string, string?> { ["Privacy:AddressKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)) };
        await using var first = new BotFactory(settings: settings);
        first.CreateClient();
        var protectedText = first.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("test").Protect("una sesión");
        await using (var connection = new SqliteConnection($"Data Source={first.DatabasePath}"))
        {
            var keys = (await connection.QueryAsync<string>("SELECT xml FROM data_protection_keys")).ToList();
            Assert.NotEmpty(keys);
            Assert.All(keys, xml => Assert.DoesNotContain("<masterKey", xml, StringComparison.Ordinal));
        }

        // Another process on the same database with the same address key (a restart, a second container) opens the ring.
        await using var again = new BotFactory(settings: new Dictionary<string, string?>(settings) { ["Storage:ConnectionString"] = $"Data Source={first.DatabasePath}" });
        again.CreateClient();
        Assert.Equal("una sesión", again.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("test").Unprotect(protectedText));
    }
}
