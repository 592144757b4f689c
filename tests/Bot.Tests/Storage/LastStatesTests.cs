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
        Assert.Null(states.Find("telegram", Hash(7 + LastStates.Slots))); // the same set, another person

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

    /// <summary>
    /// People whose hashes share a set are kept side by side, up to its ways; the next takes the place of the least
    /// recently kept, and a person kept again is kept in their own place (issue 15: a table of single slots lost one
    /// of two people writing at once at each of their messages).
    /// </summary>
    [Fact]
    public void PeopleSharingASet_AreKeptSideBySide_AndTheNextTakesTheLeastRecentlyKeptsPlace()
    {
        var clock = new TestHost.FakeClock(new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero));
        var states = new LastStates(clock);
        int Person(int n) => 9 + (n * LastStates.Sets); // all in one set
        for (var n = 0; n < LastStates.Ways; n++)
        {
            states.Keep("telegram", Hash(Person(n)), $"c-{n}", $"{{\"n\":{n}}}");
        }

        Assert.All(Enumerable.Range(0, LastStates.Ways), n => Assert.Equal($"c-{n}", states.Find("telegram", Hash(Person(n)))?.Id));

        states.Keep("telegram", Hash(Person(0)), "c-0", "{\"n\":\"again\"}"); // the first writes again: now the most recent
        Assert.Equal(LastStates.Ways, states.Count);
        states.Keep("telegram", Hash(Person(LastStates.Ways)), "c-new", "{}");
        Assert.Equal(LastStates.Ways, states.Count);
        Assert.Null(states.Find("telegram", Hash(Person(1)))); // the least recently kept gave up its place
        Assert.Equal("{\"n\":\"again\"}", states.Find("telegram", Hash(Person(0)))?.State);
        Assert.Equal("c-new", states.Find("telegram", Hash(Person(LastStates.Ways)))?.Id);

        // An old entry's place is taken first, whoever was kept last.
        clock.Advance(LastStates.MaxAge - TimeSpan.FromSeconds(1));
        foreach (var n in new[] { 0, 3, LastStates.Ways })
        {
            states.Keep("telegram", Hash(Person(n)), $"c-{n}", "{}");
        }

        clock.Advance(TimeSpan.FromSeconds(2)); // person 2's entry is old now
        states.Keep("telegram", Hash(Person(LastStates.Ways + 1)), "c-late", "{}");
        Assert.All(new[] { 0, 3, LastStates.Ways, LastStates.Ways + 1 }, n => Assert.NotNull(states.Find("telegram", Hash(Person(n)))));
        Assert.Null(states.Find("telegram", Hash(Person(2))));
    }

    [Fact]
    public void Restore_PutsBackWhatWasKept_OrClearsThePerson()
    {
        var states = new LastStates(TimeProvider.System);
        states.Keep("telegram", Hash(1), "c-1", "{\"n\":1}");
        var before = states.Find("telegram", Hash(1));
        states.Keep("telegram", Hash(1), "c-1", "{\"n\":2}");
        states.Restore("telegram", Hash(1), before);
        Assert.Equal(1, states.Count);
        Assert.Equal("{\"n\":1}", states.Find("telegram", Hash(1))?.State);

        states.Restore("telegram", Hash(1), null);
        Assert.Null(states.Find("telegram", Hash(1)));
        Assert.Equal(0, states.Count);
    }

    /// <summary>
    /// Many turns keeping states at once, all in one set: a lost race may lose a hint, but an entry is only ever found
    /// for its own person, with a state that person had, and a set never holds a person twice once the races are over.
    /// </summary>
    [Fact]
    public async Task KeptAtOnceFromManyThreads_AnEntryIsOnlyEverFoundForItsOwnPerson()
    {
        var states = new LastStates(TimeProvider.System);
        var people = Enumerable.Range(0, LastStates.Ways * 2).Select(n => 11 + (n * LastStates.Sets)).ToArray();
        var wrong = 0;
        await Task.WhenAll(people.Select(person => Task.Run(() =>
        {
            for (var i = 0; i < 20_000; i++)
            {
                states.Keep("telegram", Hash(person), $"c-{person}", $"{person}:{i}");
                if (states.Find("telegram", Hash(person)) is { } found && (found.Id != $"c-{person}" || !found.State.StartsWith($"{person}:", StringComparison.Ordinal)))
                {
                    Interlocked.Increment(ref wrong);
                }
            }
        })));

        Assert.Equal(0, wrong);
        Assert.InRange(states.Count, 1, LastStates.Ways);
        foreach (var person in people)
        {
            states.Keep("telegram", Hash(person), $"c-{person}", "last");
        }

        var kept = people.Where(p => states.Find("telegram", Hash(p)) is not null).ToArray();
        Assert.Equal(people[^LastStates.Ways..], kept); // kept one after another, the last few stay, once each
        Assert.Equal(LastStates.Ways, states.Count);
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
        states.Forget("telegram", Hash(1 + LastStates.Slots)); // someone else in the same set: nothing happens
        states.Forget("whatsapp", Hash(2));
        Assert.Equal(2, states.Count);

        states.Forget("telegram", Hash(1));
        Assert.Null(states.Find("telegram", Hash(1)));
        Assert.NotNull(states.Find("telegram", Hash(2)));
    }
}
