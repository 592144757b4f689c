using System.Collections.Concurrent;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using OimBot.Bot.Dialogs;
using OimBot.Bot.Outbox;
using OimBot.Bot.Storage;
using OimBot.Bot.Tests.TestHost;

namespace OimBot.Bot.Tests.Dialogs;

/// <summary>
/// Issue 15: the service lets the store decide a turn ahead of its transaction only when the decision is pure. A
/// messaging channel's is; the web chat's asks its per-address case limit, which counts each call, so it is decided
/// once, inside (WebChatLimitTests shows the limit still counts each case once).
/// </summary>
public sealed class DecidingAheadTests
{
    [Fact]
    public async Task MessagingTurns_MayBeDecidedAhead_TheWebChatsAreDecidedOnce()
    {
        RecordingStore? recording = null;
        await using var factory = new BotFactory(services: services =>
        {
            services.AddSingleton<SqliteConversationStore>();
            services.AddSingleton<IConversationStore>(sp => recording = new RecordingStore(sp.GetRequiredService<SqliteConversationStore>()));
        });
        using var client = factory.CreateClient();

        var conversations = factory.Services.GetRequiredService<ConversationService>();
        var telegram = new ChannelAddress("telegram", "4242");
        await conversations.HandleAsync(telegram, "t1", UserMessage.FromText("hola"), Delivery.Outbox(), CancellationToken.None);
        var second = await conversations.HandleAsync(telegram, "t2", UserMessage.FromText("1"), Delivery.Outbox(), CancellationToken.None);
        Assert.False(second.Duplicate);

        (await client.PostAsJsonAsync("/api/webchat/messages", new { conversationId = "web-" + Guid.NewGuid().ToString("N"), text = "hola" })).EnsureSuccessStatusCode();

        Assert.Equal([("telegram", true), ("telegram", true), ("webchat", false)], recording!.Turns);
    }

    private sealed class RecordingStore(IConversationStore inner) : IConversationStore
    {
        public ConcurrentQueue<(string Channel, bool Pure)> Turns { get; } = new();

        public Task<TurnOutcome> RunTurnAsync(ChannelAddress from, string? inboundMessageId, DateTimeOffset now, Func<StoredConversation?, TurnDecision> decide, TurnOptions options, CancellationToken cancellationToken)
        {
            Turns.Enqueue((from.Channel, options.HasFlag(TurnOptions.PureDecision)));
            return inner.RunTurnAsync(from, inboundMessageId, now, decide, options, cancellationToken);
        }
    }
}
