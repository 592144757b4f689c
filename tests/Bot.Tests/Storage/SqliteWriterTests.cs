using Dapper;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using OimBot.Bot.Storage;

namespace OimBot.Bot.Tests.Storage;

/// <summary>
/// SQLite's single writer with group commit (issue 15): writes that queue while a transaction runs share the next
/// commit, in the order they came; one that throws fails alone; one cancelled while it waits never runs; none is
/// acknowledged before its commit.
/// </summary>
public sealed class SqliteWriterTests : IAsyncLifetime, IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("oimbot-writer-").FullName;
    private SqliteDatabase _database = null!;

    public async Task InitializeAsync()
    {
        _database = new SqliteDatabase(Options.Create(new StorageOptions { ConnectionString = $"Data Source={Path.Combine(_folder, "bot.db")}" }));
        await _database.MigrateAsync(CancellationToken.None);
        await _database.WriteAsync((c, t) => c.ExecuteAsync("CREATE TABLE writes (n INTEGER NOT NULL)", transaction: t), CancellationToken.None);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose()
    {
        _database.Dispose();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task WritesQueuedTogether_ShareOneCommit_InTheOrderTheyCame()
    {
        var (blocker, release) = await BlockTheWriterAsync();
        var before = _database.Writer.Commits;
        var writes = Enumerable.Range(1, 20).Select(n => Insert(n)).ToList();
        Assert.All(writes, w => Assert.False(w.IsCompleted)); // nothing acknowledged before its commit
        release.SetResult();
        await blocker;
        await Task.WhenAll(writes);

        Assert.Equal(before + 2, _database.Writer.Commits); // the blocker's commit, then the twenty queued writes' one commit
        Assert.Equal(Enumerable.Range(1, 20), await ReadAsync());
    }

    [Fact]
    public async Task AWriteThatThrows_FailsAlone_AndTheRestOfItsGroupCommits()
    {
        var (blocker, release) = await BlockTheWriterAsync();
        var first = Insert(1);
        var failing = _database.WriteAsync<int>(async (c, t) =>
        {
            await c.ExecuteAsync("INSERT INTO writes (n) VALUES (99)", transaction: t);
            throw new InvalidOperationException("a bug in one turn");
        }, CancellationToken.None);
        var last = Insert(3);
        release.SetResult();
        await blocker;

        await first;
        await last;
        await Assert.ThrowsAsync<InvalidOperationException>(() => failing);
        Assert.Equal([1, 3], await ReadAsync()); // the failing write's own insert was rolled back to its savepoint
    }

    [Fact]
    public async Task OneStatementWrites_NeedNoSavepoint_AndOneThatFails_IsUndoneWholeWhileItsGroupCommits()
    {
        var (blocker, release) = await BlockTheWriterAsync();
        var before = _database.Writer.Commits;
        var first = Insert(1);
        var settled = _database.WriteAsync((c, t) => c.ExecuteAsync("INSERT INTO writes (n) VALUES (2)", transaction: t), CancellationToken.None, oneStatement: true);
        // Its first row is valid, its second is not: SQLite undoes the whole statement and keeps the transaction.
        var failing = _database.WriteAsync((c, t) => c.ExecuteAsync("INSERT INTO writes (n) VALUES (50), (NULL)", transaction: t), CancellationToken.None, oneStatement: true);
        var last = Insert(3);
        release.SetResult();
        await blocker;

        await Task.WhenAll(first, settled, last);
        await Assert.ThrowsAsync<SqliteException>(() => failing);
        Assert.Equal(before + 2, _database.Writer.Commits); // the blocker's, then one for the four queued writes
        Assert.Equal([1, 2, 3], await ReadAsync());
    }

    [Fact]
    public async Task AWriteCancelledWhileItWaits_NeverRuns()
    {
        var (blocker, release) = await BlockTheWriterAsync();
        using var cancel = new CancellationTokenSource();
        var cancelled = _database.WriteAsync((c, t) => c.ExecuteAsync("INSERT INTO writes (n) VALUES (7)", transaction: t), cancel.Token);
        var kept = Insert(8);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        release.SetResult();
        await blocker;
        await kept;

        Assert.Equal([8], await ReadAsync());
    }

    [Fact]
    public async Task WithGroupCommitOff_EachWriteCommitsAlone()
    {
        using var alone = new SqliteDatabase(Options.Create(new StorageOptions { ConnectionString = $"Data Source={Path.Combine(_folder, "bot.db")}", GroupCommitMax = 1 }));
        var before = alone.Writer.Commits;
        await Task.WhenAll(Enumerable.Range(1, 5).Select(n => alone.WriteAsync((c, t) => c.ExecuteAsync("INSERT INTO writes (n) VALUES (@n)", new { n }, t), CancellationToken.None)));
        Assert.Equal(before + 5, alone.Writer.Commits);
    }

    [Theory]
    [InlineData(1, SqliteDatabase.SafetyNetCheckpointPages)]
    [InlineData(0, 1000)] // SQLite's own default: checkpoints inside the commits
    public async Task WithABackgroundCheckpoint_TheWriterLeavesTheLogToIt_AndItCopiesAllOfIt(int intervalSeconds, long writerThreshold)
    {
        using var database = new SqliteDatabase(Options.Create(new StorageOptions
        {
            ConnectionString = $"Data Source={Path.Combine(_folder, "bot.db")}",
            CheckpointInterval = TimeSpan.FromSeconds(intervalSeconds),
        }));
        Assert.Equal(writerThreshold, await database.WriteAsync((c, t) => c.ExecuteScalarAsync<long>("PRAGMA wal_autocheckpoint", transaction: t), CancellationToken.None));
        await Task.WhenAll(Enumerable.Range(1, 50).Select(n => database.WriteAsync((c, t) => c.ExecuteAsync("INSERT INTO writes (n) VALUES (@n)", new { n }, t), CancellationToken.None)));

        var (log, checkpointed) = await database.CheckpointAsync(CancellationToken.None);
        Assert.True(log > 0);
        Assert.Equal(log, checkpointed); // nothing reads an older snapshot: the whole log is in the file
        Assert.Equal(50, (await ReadAsync()).Count);
    }

    /// <summary>A write that holds the writer until released, so that the next writes queue behind it.</summary>
    private async Task<(Task Blocker, TaskCompletionSource Release)> BlockTheWriterAsync()
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var blocker = _database.WriteAsync(async (_, _) =>
        {
            started.SetResult();
            await release.Task;
            return 0;
        }, CancellationToken.None);
        await started.Task;
        return (blocker, release);
    }

    private Task<int> Insert(int n) => _database.WriteAsync((c, t) => c.ExecuteAsync("INSERT INTO writes (n) VALUES (@n)", new { n }, t), CancellationToken.None);

    private async Task<List<int>> ReadAsync()
    {
        await using var connection = await _database.OpenAsync(CancellationToken.None);
        return [.. await connection.QueryAsync<int>("SELECT n FROM writes ORDER BY rowid")];
    }
}
