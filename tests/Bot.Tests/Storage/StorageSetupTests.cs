using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using OimBot.Bot.Storage;

namespace OimBot.Bot.Tests.Storage;

/// <summary>
/// The storage's hosted services start in the order they are added: the migrations must come before every job that
/// reads a table (on a fresh PostgreSQL database the shared queue's drainer asked for <c>inbound_queue</c> before it
/// existed, and logged a failure, at every first start).
/// </summary>
public sealed class StorageSetupTests
{
    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public void TheMigrations_AreTheFirstHostedServiceTheStorageAdds(string provider)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Storage:Provider"] = provider });

        builder.AddStorage();

        var hosted = builder.Services.Where(d => d.ServiceType == typeof(IHostedService)).ToList();
        Assert.True(hosted.Count >= 3, $"only {hosted.Count} hosted services"); // the migrator, the provider's jobs, the janitor
        Assert.Equal(typeof(StorageMigrator), hosted[0].ImplementationType);
    }
}
