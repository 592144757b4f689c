using OimBot.Bot.Tests.TestHost;

namespace OimBot.Bot.Tests.Channels;

/// <summary>One host with the three channels for a test class; rows use their own chat ids and message ids.</summary>
public sealed class ChannelHostFixture : IAsyncLifetime
{
    private static long _next = 500_000;

    public ChannelHost Host { get; private set; } = null!;

    /// <summary>A number no other row uses (chat ids, update ids, phone numbers).</summary>
    public static long Unique() => Interlocked.Increment(ref _next);

    public async Task InitializeAsync() => Host = await ChannelHost.StartAsync();

    public async Task DisposeAsync() => await Host.DisposeAsync();
}
