using System.Security.Cryptography;
using OimBot.Bot.Storage;

namespace OimBot.Bot.Tests.Storage;

/// <summary>
/// Addresses at rest: each protector opens what it sealed, on any thread and with other protectors in use on the same
/// thread (the cipher is kept per thread for the last key used), and never what another key sealed.
/// </summary>
public sealed class AddressProtectorTests
{
    [Fact]
    public async Task TwoKeysInTurn_OnOneThreadAndOnMany_EachOpenOnlyTheirOwn()
    {
        var first = new AddressProtector(RandomNumberGenerator.GetBytes(32));
        var second = new AddressProtector(RandomNumberGenerator.GetBytes(32));
        for (var i = 0; i < 3; i++)
        {
            var a = first.Encrypt($"5076000000{i}");
            var b = second.Encrypt($"telegram-{i}");
            Assert.Equal($"5076000000{i}", first.Decrypt(a));
            Assert.Equal($"telegram-{i}", second.Decrypt(b));
            Assert.ThrowsAny<CryptographicException>(() => second.Decrypt(a));
            Assert.ThrowsAny<CryptographicException>(() => first.Decrypt(b));
            Assert.NotEqual(a, first.Encrypt($"5076000000{i}")); // a fresh nonce each time
        }

        var sealedOnMany = await Task.WhenAll(Enumerable.Range(0, 64).Select(i => Task.Run(() => (i, first.Encrypt($"p{i}")))));
        await Task.WhenAll(sealedOnMany.Select(s => Task.Run(() => Assert.Equal($"p{s.i}", first.Decrypt(s.Item2)))));
    }
}
