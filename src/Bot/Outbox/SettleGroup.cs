namespace OimBot.Bot.Outbox;

/// <summary>
/// Group settle (issue 15): the sent rows that arrive while every lane's settle is on its way to the database go
/// together in the next one, a statement and a commit for all of them, as SQLite's writer shares one commit among the
/// turns that queue behind it. Nothing waits for company: a settle that finds a free lane goes at once, alone. Each
/// caller gets its own row's answer, or the statement's exception, only after the commit.
/// </summary>
internal sealed class SettleGroup
{
    /// <param name="settle">Settles a group (at most <paramref name="max"/> rows): each row's answer, by id (absent when the row is gone).</param>
    /// <param name="lanes">How many groups may be on their way at once (at least 1).</param>
    /// <param name="max">At most this many rows in one statement.</param>
    public SettleGroup(Func<IReadOnlyList<Row>, Task<IReadOnlyDictionary<long, bool>>> settle, int lanes = 1, int max = 256) =>
        _lanes = new Storage.GroupLanes<Row>(
            async group =>
            {
                var answers = await settle(group);
                foreach (var row in group)
                {
                    row.Done.TrySetResult(answers.TryGetValue(row.Id, out var waits) && waits);
                }
            },
            static (group, ex) =>
            {
                foreach (var row in group)
                {
                    row.Done.TrySetException(ex);
                }
            },
            lanes,
            max);

    /// <summary>A sent row to settle, with the provider's id for it and the time of the settle.</summary>
    public sealed record Row(long Id, string? ProviderMessageId, DateTimeOffset At)
    {
        internal TaskCompletionSource<bool> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private readonly Storage.GroupLanes<Row> _lanes;

    /// <summary>How many groups went to the database (for tests and the benchmark's reading of it).</summary>
    public long Groups => _lanes.Groups;

    public Task<bool> SettleAsync(long id, string? providerMessageId, DateTimeOffset at)
    {
        var row = new Row(id, providerMessageId, at);
        _lanes.Add(row);
        return row.Done.Task;
    }
}
