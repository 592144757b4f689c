using OimBot.Bot.Outbox;

namespace OimBot.Bot.Tests.Storage;

/// <summary>
/// Group settle (issue 15), without a database: what arrives while a settle is out goes in the next, each caller gets
/// its own row's answer after its group's statement, and a failed statement fails only the callers in it.
/// </summary>
public sealed class SettleGroupTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 2, 20, 0, 0, TimeSpan.Zero);

    /// <summary>A settle statement the test lets finish, one group at a time; it answers "another row waits" for even ids.</summary>
    private sealed class Database
    {
        public List<long[]> Groups { get; } = [];

        public List<TaskCompletionSource> Releases { get; } = [];

        public Exception? Fail { get; set; }

        public async Task<IReadOnlyDictionary<long, bool>> SettleAsync(IReadOnlyList<SettleGroup.Row> rows)
        {
            var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (Groups)
            {
                Groups.Add([.. rows.Select(r => r.Id)]);
                Releases.Add(release);
            }

            await release.Task;
            if (Fail is { } failure)
            {
                Fail = null;
                throw failure;
            }

            return rows.Where(r => r.Id != 99).ToDictionary(r => r.Id, r => r.Id % 2 == 0); // 99: a row that is gone
        }

        public async Task ReleaseAsync(int group)
        {
            while (true)
            {
                lock (Groups)
                {
                    if (Releases.Count > group)
                    {
                        Releases[group].SetResult();
                        return;
                    }
                }

                await Task.Delay(5);
            }
        }
    }

    [Fact]
    public async Task RowsArrivingWhileASettleIsOut_GoTogetherInTheNext_EachWithItsOwnAnswer()
    {
        var database = new Database();
        var group = new SettleGroup(database.SettleAsync);

        var first = group.SettleAsync(1, "a", Now);
        var later = new[] { 2L, 3L, 4L, 99L }.Select(id => group.SettleAsync(id, null, Now)).ToList();
        Assert.False(first.IsCompleted);

        await database.ReleaseAsync(0);
        Assert.False(await first);
        Assert.All(later, t => Assert.False(t.IsCompleted)); // not answered before their own statement has run
        await database.ReleaseAsync(1);
        var answers = await Task.WhenAll(later);
        Assert.Equal([true, false, true, false], answers);
        Assert.Equal([[1L], [2L, 3L, 4L, 99L]], database.Groups);
        Assert.Equal(2, group.Groups);

        // Idle again: the next settle goes at once, alone.
        var next = group.SettleAsync(6, null, Now);
        await database.ReleaseAsync(2);
        Assert.True(await next);
        Assert.Equal([6L], database.Groups[2]);
    }

    [Fact]
    public async Task AFailedStatement_FailsOnlyItsOwnCallers_AndTheNextGroupGoes()
    {
        var database = new Database();
        var group = new SettleGroup(database.SettleAsync);

        var first = group.SettleAsync(1, null, Now);
        var second = group.SettleAsync(2, null, Now);
        var third = group.SettleAsync(3, null, Now);
        database.Fail = new TimeoutException("the database went away");
        await database.ReleaseAsync(0);
        Assert.Equal("the database went away", (await Assert.ThrowsAsync<TimeoutException>(() => first)).Message);

        await database.ReleaseAsync(1);
        Assert.True(await second);
        Assert.False(await third);
        Assert.Equal([[1L], [2L, 3L]], database.Groups);
    }

    [Fact]
    public async Task AGroupHoldsAtMostItsLimit_TheRestGoInTheGroupsAfter()
    {
        var database = new Database();
        var group = new SettleGroup(database.SettleAsync, max: 3);

        var all = Enumerable.Range(1, 8).Select(id => group.SettleAsync(id, null, Now)).ToList();
        for (var i = 0; i < 4; i++)
        {
            await database.ReleaseAsync(i);
        }

        var answers = await Task.WhenAll(all);
        Assert.Equal([false, true, false, true, false, true, false, true], answers);
        Assert.Equal([[1L], [2L, 3L, 4L], [5L, 6L, 7L], [8L]], database.Groups);
    }

    [Fact]
    public async Task WithTwoLanes_TwoSettlesGoAtOnce_TheRestWaitForTheFirstLaneFree()
    {
        var database = new Database();
        var group = new SettleGroup(database.SettleAsync, lanes: 2);

        var first = group.SettleAsync(1, null, Now);
        var second = group.SettleAsync(2, null, Now); // a lane is free: goes at once, alone
        var later = new[] { 3L, 4L, 5L }.Select(id => group.SettleAsync(id, null, Now)).ToList();
        Assert.Equal([[1L], [2L]], database.Groups);

        await database.ReleaseAsync(1); // the second lane comes back first and takes everything that waits
        Assert.True(await second);
        await database.ReleaseAsync(2);
        var answers = await Task.WhenAll(later);
        Assert.Equal([false, true, false], answers);
        Assert.False(first.IsCompleted);
        await database.ReleaseAsync(0);
        Assert.False(await first);
        Assert.Equal([[1L], [2L], [3L, 4L, 5L]], database.Groups);

        // Both lanes idle again: two settles go at once.
        var next = new[] { 6L, 8L }.Select(id => group.SettleAsync(id, null, Now)).ToList();
        await database.ReleaseAsync(3);
        await database.ReleaseAsync(4);
        var nextAnswers = await Task.WhenAll(next);
        Assert.Equal([true, true], nextAnswers);
        Assert.Equal([[6L], [8L]], database.Groups[3..]);
        Assert.Equal(5, group.Groups);
    }
}
