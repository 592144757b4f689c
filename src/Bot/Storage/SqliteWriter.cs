using System.Data;
using System.Threading.Channels;
using Microsoft.Data.Sqlite;

namespace OimBot.Bot.Storage;

/// <summary>
/// SQLite's single writer, with group commit: writes queued while a transaction commits go together into the next
/// one, each inside its own savepoint, and are acknowledged only after that transaction's one commit (one fsync for
/// the whole group). A write that throws rolls back to its savepoint and fails alone; a commit that fails fails every
/// write of its group. Nothing is acknowledged before it is durable, and writes are applied in the order they came.
/// A write cancelled while it waits never runs; once it has started, its caller waits for the commit, so the caller
/// always knows whether it happened. The writer keeps one connection of its own with a larger page cache: no other
/// connection in the process writes, so that cache stays valid from one transaction to the next (a pooled connection's
/// cache would start cold each time), which keeps large tables' index pages in memory. The writer runs on a thread of
/// its own: SQLite's calls are synchronous, and a commit blocks in fsync, which on a pool thread would leave one core's
/// worth of the pool idle until the pool noticed and added a thread (slowly, on a small machine and after a start).
/// </summary>
internal sealed class SqliteWriter : IDisposable
{
    private readonly Channel<Write> _queue = Channel.CreateUnbounded<Write>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Func<CancellationToken, Task<SqliteConnection>> _open;
    private readonly int _maxGroup;
    private readonly Thread _loop;
    private long _commits;
    private SqliteConnection? _connection;

    private readonly int _cacheKiB;

    /// <param name="cacheMiB">the writer's page cache (SQLite's default is about 2 MiB)</param>
    public SqliteWriter(Func<CancellationToken, Task<SqliteConnection>> open, int maxGroup, int cacheMiB = 8)
    {
        _open = open;
        _maxGroup = Math.Max(1, maxGroup);
        _cacheKiB = Math.Max(2, cacheMiB) * 1024;
        _loop = new Thread(Run) { IsBackground = true, Name = "SQLite writer" };
        _loop.Start();
    }

    /// <summary>Transactions committed so far (each may hold several writes).</summary>
    public long Commits => Interlocked.Read(ref _commits);

    /// <param name="oneStatement">
    /// the work runs exactly one statement, as its last step: it needs no savepoint of its own (issue 15: two statements
    /// less for each settled outbox row), since SQLite undoes a failed statement by itself and leaves the transaction
    /// open; when a failure ends the whole transaction instead (I/O, full disk), the group fails as it would anyway.
    /// </param>
    public async Task<T> WriteAsync<T>(Func<SqliteConnection, SqliteTransaction, Task<T>> work, CancellationToken cancellationToken, bool oneStatement = false)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var write = new Write<T>(work) { OneStatement = oneStatement };
        ObjectDisposedException.ThrowIf(!_queue.Writer.TryWrite(write), this);

        await using (cancellationToken.Register(static w => ((Write)w!).CancelIfWaiting(), write))
        {
            return await write.Result;
        }
    }

    public void Dispose()
    {
        _queue.Writer.TryComplete();
        _loop.Join(TimeSpan.FromSeconds(30));
        _connection?.Dispose();
    }

    private void Run()
    {
        var group = new List<Write>(_maxGroup);
        while (_queue.Reader.TryPeek(out _) || _queue.Reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
        {
            group.Clear();
            while (group.Count < _maxGroup && _queue.Reader.TryRead(out var write))
            {
                if (write.TryStart())
                {
                    group.Add(write);
                }
            }

            if (group.Count > 0)
            {
                // Microsoft.Data.Sqlite completes synchronously: this blocks only the writer's own thread.
                CommitAsync(group).GetAwaiter().GetResult();
            }
        }
    }

    private async Task CommitAsync(List<Write> group)
    {
        try
        {
            var connection = await ConnectionAsync();
            await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(IsolationLevel.Serializable);
            var applied = new List<Write>(group.Count);
            foreach (var write in group)
            {
                if (group.Count == 1)
                {
                    await write.RunAsync(connection, transaction); // alone: a failure rolls the transaction back
                    applied.Add(write);
                    continue;
                }

                if (write.OneStatement)
                {
                    try
                    {
                        await write.RunAsync(connection, transaction);
                        applied.Add(write);
                    }
                    catch (Exception ex) when (!TransactionEnded(connection))
                    {
                        write.Fail(ex); // SQLite undid the statement; the rest of the group goes on
                    }

                    continue;
                }

                // Through the connection's commands, so a caching connection keeps these prepared too.
                await Savepoint(connection, transaction, "SAVEPOINT w");
                try
                {
                    await write.RunAsync(connection, transaction);
                    await Savepoint(connection, transaction, "RELEASE w");
                    applied.Add(write);
                }
                catch (Exception ex)
                {
                    write.Fail(ex);
                    await Savepoint(connection, transaction, "ROLLBACK TO w"); // if even this fails, the whole group fails below
                    await Savepoint(connection, transaction, "RELEASE w");
                }
            }

            await transaction.CommitAsync();
            Interlocked.Increment(ref _commits);
            foreach (var write in applied)
            {
                write.Succeed();
            }
        }
        catch (Exception ex)
        {
            foreach (var write in group)
            {
                write.Fail(ex); // no effect on writes already completed
            }

            // The next group starts on a fresh connection, whatever state this one was left in.
            _connection?.Dispose();
            _connection = null;
        }
    }

    /// <summary>Whether SQLite ended the transaction itself (it does on some errors: I/O, full disk, out of memory).</summary>
    private static bool TransactionEnded(SqliteConnection connection) => SQLitePCL.raw.sqlite3_get_autocommit(connection.Handle) != 0;

    private static async Task Savepoint(SqliteConnection connection, SqliteTransaction transaction, string sql)
    {
        await using var command = ((System.Data.Common.DbConnection)connection).CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        await command.ExecuteNonQueryAsync();
    }

    private async Task<SqliteConnection> ConnectionAsync()
    {
        if (_connection is null)
        {
            var connection = await _open(CancellationToken.None);
            using var command = connection.CreateCommand();
            // temp_store: each write of a group runs in a savepoint, whose journal (the pages' earlier contents) SQLite
            // otherwise spills to a temporary file past 64 KiB; in memory it costs no system call. It is never needed
            // after a crash: WAL recovery does not read it (issue 15: it was half of the writer's pwrite calls).
            command.CommandText = $"PRAGMA cache_size = -{_cacheKiB}; PRAGMA temp_store = MEMORY;";
            await command.ExecuteNonQueryAsync();
            _connection = connection;
        }

        return _connection;
    }

    private abstract class Write
    {
        private const int Waiting = 0;
        private const int Started = 1;
        private const int Cancelled = 2;
        private int _state;

        public bool OneStatement { get; init; }

        public bool TryStart() => Interlocked.CompareExchange(ref _state, Started, Waiting) == Waiting;

        public void CancelIfWaiting()
        {
            if (Interlocked.CompareExchange(ref _state, Cancelled, Waiting) == Waiting)
            {
                Cancel();
            }
        }

        public abstract Task RunAsync(SqliteConnection connection, SqliteTransaction transaction);

        public abstract void Succeed();

        public abstract void Fail(Exception exception);

        protected abstract void Cancel();
    }

    private sealed class Write<T>(Func<SqliteConnection, SqliteTransaction, Task<T>> work) : Write
    {
        private readonly TaskCompletionSource<T> _result = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private T? _value;

        public Task<T> Result => _result.Task;

        public override async Task RunAsync(SqliteConnection connection, SqliteTransaction transaction) => _value = await work(connection, transaction);

        public override void Succeed() => _result.TrySetResult(_value!);

        public override void Fail(Exception exception) => _result.TrySetException(exception);

        protected override void Cancel() => _result.TrySetCanceled();
    }
}
