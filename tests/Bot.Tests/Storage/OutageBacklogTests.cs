using Microsoft.Extensions.Logging.Abstractions;
using OimBot.Bot.Channels;
using OimBot.Bot.Storage;
using OimBot.Bot.Tests.TestHost;
using OimBot.Bot.Dialogs;

namespace OimBot.Bot.Tests.Storage;

/// <summary>
/// The shared queue for messages that several instances kept on their own disks during a database outage (issue 14):
/// whatever order the instances put them back in, each person's messages are answered in the order they arrived, and
/// only after every instance has had time to put its own there.
/// </summary>
public sealed class OutageBacklogTests
{
    private static readonly AddressProtector Protector = new(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());
    private static readonly DateTimeOffset Arrived = new(2026, 12, 1, 15, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task MessagesPutBackInAnyOrder_AreAnsweredInTheOrderTheyArrived_PerPerson()
    {
        await using var a = await DatabaseAsync();
        await using var b = new PostgresDatabase(a.ConnectionString, TimeProvider.System, NullLogger<PostgresDatabase>.Instance);
        using var onA = new OutageBacklog(a.Database, Protector);
        using var onB = new OutageBacklog(b, Protector);

        // Ana's second and fourth messages were kept by B, which is back first; her first and third by A.
        await onB.DepositAsync(Message("ana", "menu", 2), TimeSpan.Zero, CancellationToken.None);
        await onB.DepositAsync(Message("ana", "menu", 4), TimeSpan.Zero, CancellationToken.None);
        await onB.DepositAsync(Message("bea", "hola", 1), TimeSpan.Zero, CancellationToken.None);
        await onA.DepositAsync(Message("ana", "3", 1), TimeSpan.Zero, CancellationToken.None);
        await onA.DepositAsync(Message("ana", "4", 3), TimeSpan.Zero, CancellationToken.None);
        Assert.Equal(5, await onA.CountAsync(CancellationToken.None));

        var answered = new List<string>();
        while (await (answered.Count % 2 == 0 ? onA : onB).AnswerNextAsync(m => Record(answered, m), CancellationToken.None))
        {
        }

        Assert.Equal(["ana:3", "ana:menu", "ana:4", "ana:menu"], answered.Where(a => a.StartsWith("ana:", StringComparison.Ordinal)));
        Assert.Contains("bea:hola", answered);
        Assert.Equal(5, answered.Count);
        Assert.Equal(0, await onA.CountAsync(CancellationToken.None));
    }

    [Fact]
    public async Task NothingIsAnswered_BeforeTheGrace_LeavesOtherInstancesTimeToPutTheirsBack_AndNewerMessagesWaitBehind()
    {
        await using var db = await DatabaseAsync();
        using var backlog = new OutageBacklog(db.Database, Protector);
        await backlog.DepositAsync(Message("ana", "menu", 2), TimeSpan.FromMinutes(1), CancellationToken.None); // kept on disk: waits
        await backlog.DepositAsync(Message("ana", "4", 3), TimeSpan.Zero, CancellationToken.None); // new, behind it: due, but not before it

        Assert.False(await backlog.AnswerNextAsync(_ => throw new InvalidOperationException("not yet"), CancellationToken.None));
        Assert.Equal(2, await backlog.CountAsync(CancellationToken.None));
    }

    [Fact]
    public async Task TwoInstancesAnsweringAtOnce_TakeEachMessageOnce_AndKeepEachPersonsOrder()
    {
        await using var a = await DatabaseAsync();
        await using var b = new PostgresDatabase(a.ConnectionString, TimeProvider.System, NullLogger<PostgresDatabase>.Instance);
        var backlogs = new[] { new OutageBacklog(a.Database, Protector), new OutageBacklog(b, Protector) };
        for (var i = 0; i < 10; i++)
        {
            foreach (var person in new[] { "ana", "bea", "caro" })
            {
                await backlogs[i % 2].DepositAsync(Message(person, $"m{i}", i), TimeSpan.Zero, CancellationToken.None);
            }
        }

        var answered = new System.Collections.Concurrent.ConcurrentQueue<string>();
        await Task.WhenAll(backlogs.Select(backlog => Task.Run(async () =>
        {
            while (await backlog.AnswerNextAsync(async m =>
            {
                answered.Enqueue($"{m!.Address}:{m.Text}");
                await Task.Delay(5); // a turn takes a moment: the other instance tries meanwhile
            }, CancellationToken.None))
            {
            }
        })));

        Assert.Equal(30, answered.Count);
        foreach (var person in new[] { "ana", "bea", "caro" })
        {
            Assert.Equal(Enumerable.Range(0, 10).Select(i => $"{person}:m{i}"), answered.Where(x => x.StartsWith(person + ":", StringComparison.Ordinal)));
        }
    }

    private static Task Record(List<string> answered, SpooledMessage? message)
    {
        answered.Add($"{message!.Address}:{message.Text}");
        return Task.CompletedTask;
    }

    private static SpooledMessage Message(string person, string text, int second) =>
        new("telegram", person, $"{person}-{second}", UserMessageKind.Text, text, null, true, null, null, Arrived.AddSeconds(second));

    private static async Task<Db> DatabaseAsync()
    {
        var connectionString = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("backlog");
        var database = new PostgresDatabase(connectionString, TimeProvider.System, NullLogger<PostgresDatabase>.Instance);
        await database.MigrateAsync(CancellationToken.None);
        return new Db(database, connectionString);
    }

    private sealed record Db(PostgresDatabase Database, string ConnectionString) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Database.DisposeAsync();
    }
}
