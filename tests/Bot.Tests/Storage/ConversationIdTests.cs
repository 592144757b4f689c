using OimBot.Bot.Storage;

namespace OimBot.Bot.Tests.Storage;

/// <summary>Conversation ids (issue 15): 32 hex characters, ordered by creation time, distinct within a millisecond.</summary>
public sealed class ConversationIdTests
{
    [Fact]
    public void Ids_SortInTheOrderTheirConversationsBegan_AndNeverRepeat()
    {
        var start = new DateTimeOffset(2026, 12, 1, 9, 30, 0, TimeSpan.FromHours(-5));
        var times = new[] { start, start.AddMilliseconds(1), start.AddSeconds(1), start.AddDays(1), start.AddYears(3) };
        var ids = times.Select(ConversationStore.NewId).ToList();

        Assert.All(ids, id => Assert.Matches("^[0-9a-f]{32}$", id));
        Assert.Equal(ids, ids.Order(StringComparer.Ordinal));
        Assert.Equal(start.ToUnixTimeMilliseconds().ToString("x12", System.Globalization.CultureInfo.InvariantCulture), ids[0][..12]);

        var sameMoment = Enumerable.Range(0, 1000).Select(_ => ConversationStore.NewId(start)).ToHashSet();
        Assert.Equal(1000, sameMoment.Count);
        Assert.All(sameMoment, id => Assert.StartsWith(ids[0][..12], id, StringComparison.Ordinal));
    }
}
