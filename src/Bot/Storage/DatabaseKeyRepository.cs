using System.Xml.Linq;
using Dapper;
using Microsoft.AspNetCore.DataProtection.Repositories;

namespace OimBot.Bot.Storage;

/// <summary>
/// The Data Protection key ring in the database (either provider): a cookie or antiforgery token issued by one
/// instance is read by every other, and by the same instance after a restart or in a new container. The keys protect
/// only staff sessions and forms; the address and pseudonym keys are separate (Privacy:AddressKey, Analytics:PseudonymKey).
/// </summary>
public sealed class DatabaseKeyRepository(Func<IStoreDatabase> resolve, TimeProvider clock) : IXmlRepository
{
    /// <summary>Resolved on first use: the inbox maps its pages (and configures Data Protection) before options are validated.</summary>
    private readonly Lazy<IStoreDatabase> _database = new(resolve);

    public IReadOnlyCollection<XElement> GetAllElements()
    {
        // Data Protection calls this synchronously, rarely (the key ring is cached and refreshed about daily).
        using var connection = _database.Value.OpenConnectionAsync(CancellationToken.None).GetAwaiter().GetResult();
        return [.. connection.Query<string>("SELECT xml FROM data_protection_keys ORDER BY created_at").Select(xml => XElement.Parse(xml))];
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        ArgumentNullException.ThrowIfNull(element);
        var database = _database.Value;
        database.WriteAsync(
            (connection, transaction) => connection.ExecuteAsync(
                "INSERT INTO data_protection_keys (name, xml, created_at) VALUES (@name, @xml, @at) ON CONFLICT (name) DO NOTHING",
                new { name = friendlyName, xml = element.ToString(SaveOptions.DisableFormatting), at = database.Time.Write(clock.GetUtcNow()) },
                transaction),
            CancellationToken.None).GetAwaiter().GetResult();
    }
}
