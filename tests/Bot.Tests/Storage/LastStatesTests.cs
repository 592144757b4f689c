using OimBot.Bot.Storage;

namespace OimBot.Bot.Tests.Storage;

/// <summary>The conversations' last states kept for deciding ahead (issue 15): bounded, recent only, forgotten on BORRAR.</summary>
public sealed class LastStatesTests
{
    private static byte[] Hash(int n)
    {
        var hash = new byte[32];
        BitConverter.TryWriteBytes(hash, n);
        hash[31] = (byte)(n % 251);
        return hash;
    }

    [Fact]
    public void AStateIsFound_ForItsChannelAndHashOnly_UntilItIsOld()
    {
        var clock = new TestHost.FakeClock(new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero));
        var states = new LastStates(clock);
        states.Keep("telegram", Hash(7), "c-7", "{\"n\":7}");

        Assert.Equal(("c-7", "{\"n\":7}"), (states.Find("telegram", Hash(7))!.Id, states.Find("telegram", Hash(7))!.State));
        Assert.Null(states.Find("whatsapp", Hash(7)));
        Assert.Null(states.Find("telegram", Hash(7 + LastStates.Slots))); // the same slot, another person

        clock.Advance(LastStates.MaxAge);
        Assert.NotNull(states.Find("telegram", Hash(7)));
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Null(states.Find("telegram", Hash(7)));
    }

    [Fact]
    public void TheTableIsBounded_ANewerConversationTakesTheSlot_AndOldEntriesAreCleared()
    {
        var clock = new TestHost.FakeClock(new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero));
        var states = new LastStates(clock);
        for (var n = 0; n < LastStates.Slots * 3; n++)
        {
            states.Keep("telegram", Hash(n), $"c-{n}", "{}");
        }

        Assert.Equal(LastStates.Slots, states.Count);
        Assert.Null(states.Find("telegram", Hash(5)));
        Assert.NotNull(states.Find("telegram", Hash(5 + (2 * LastStates.Slots))));

        // Old entries go as turns go by, even in slots no one writes to again.
        clock.Advance(LastStates.MaxAge + TimeSpan.FromSeconds(1));
        for (var n = 0; n < LastStates.Slots; n++)
        {
            states.Keep("telegram", Hash(0), "c-0", "{}");
        }

        Assert.Equal(1, states.Count);
    }

    [Fact]
    public void Forget_ClearsThePersonsEntryOnly()
    {
        var states = new LastStates(TimeProvider.System);
        states.Keep("telegram", Hash(1), "c-1", "{}");
        states.Keep("telegram", Hash(2), "c-2", "{}");
        states.Forget("telegram", Hash(1 + LastStates.Slots)); // someone else in the same slot: nothing happens
        states.Forget("whatsapp", Hash(2));
        Assert.Equal(2, states.Count);

        states.Forget("telegram", Hash(1));
        Assert.Null(states.Find("telegram", Hash(1)));
        Assert.NotNull(states.Find("telegram", Hash(2)));
    }
}
