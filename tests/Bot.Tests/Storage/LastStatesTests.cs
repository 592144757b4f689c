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

        // Old entries are cleared, even in slots no one writes to again.
        clock.Advance(LastStates.MaxAge - TimeSpan.FromSeconds(1));
        states.Keep("telegram", Hash(0), "c-0", "{}");
        clock.Advance(TimeSpan.FromSeconds(2));
        states.Sweep();
        Assert.Equal(1, states.Count);
        Assert.NotNull(states.Find("telegram", Hash(0)));
    }

    [Fact]
    public async Task OldEntriesAreSwept_WithoutAnyMoreTurns()
    {
        var states = new LastStates(new SweepingClock());
        states.Keep("telegram", Hash(3), "c-3", "{}");
        Assert.Equal(1, states.Count);

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (states.Count > 0)
        {
            await Task.Delay(20, timeout.Token);
        }
    }

    [Fact]
    public async Task ATableNoOneHolds_IsNotKeptAliveByItsSweepTimer_AndTheTimerStops()
    {
        var clock = new TimerCountingClock();
        var table = KeepOneAndLetGo(clock);

        for (var i = 0; i < 10 && table.IsAlive; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            await Task.Delay(20);
        }

        Assert.False(table.IsAlive, "the sweep timer keeps a table no one holds in memory");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!clock.TimerDisposed)
        {
            await Task.Delay(20, timeout.Token); // the first tick after the table is gone disposes the timer
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static WeakReference KeepOneAndLetGo(TimeProvider clock)
    {
        var states = new LastStates(clock);
        states.Keep("telegram", Hash(4), "c-4", "{}"); // starts the sweep timer
        return new WeakReference(states);
    }

    /// <summary>A system clock whose timers fire every 10 ms and say when they were disposed.</summary>
    private sealed class TimerCountingClock : TimeProvider
    {
        private volatile bool _disposed;

        public bool TimerDisposed => _disposed;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
            new Watched(System.CreateTimer(callback, state, TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(10)), () => _disposed = true);

        private sealed class Watched(ITimer inner, Action disposed) : ITimer
        {
            public bool Change(TimeSpan dueTime, TimeSpan period) => inner.Change(dueTime, period);

            public void Dispose()
            {
                inner.Dispose();
                disposed();
            }

            public ValueTask DisposeAsync()
            {
                Dispose();
                return ValueTask.CompletedTask;
            }
        }
    }

    /// <summary>A clock on which every entry is old by the time the sweep looks at it, and whose timers fire at once.</summary>
    private sealed class SweepingClock : TimeProvider
    {
        private long _calls;

        public override DateTimeOffset GetUtcNow() =>
            new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero) + (Interlocked.Increment(ref _calls) * LastStates.MaxAge * 2);

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
            System.CreateTimer(callback, state, TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(10));
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
