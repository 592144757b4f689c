using System.Globalization;
using Dapper;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace OimBot.Bot.Storage;

/// <summary>
/// The one SQLite file every store shares: its connection string, and its single writer (SQLite has one writer; a
/// queue here is cheaper than retrying on SQLITE_BUSY, it keeps each user's turns in order, and it lets writes that
/// arrive together share one commit: see <see cref="SqliteWriter"/>).
/// </summary>
public sealed partial class SqliteDatabase(IOptions<StorageOptions> options, TimeProvider? clock = null, ILogger<SqliteDatabase>? logger = null) : IStoreDatabase, IDisposable
{
    public string Provider => "sqlite";

    /// <summary>Whether SQLite took <see cref="ConfigureLibrary"/>'s settings (false if a connection had opened before).</summary>
    internal static bool LibraryConfigured { get; private set; }

    private static int s_libraryConfiguring;

    /// <summary>
    /// SQLite's process-wide settings, which it accepts only before its first connection (issue 15), so this runs when
    /// the service's assembly loads. Serialized mode, SQLite's own default, said explicitly: each connection keeps its
    /// mutex, because a connection is used by a second thread whatever the service does. A command or data reader
    /// that nobody disposed (the service's, Dapper's, a library's) has its prepared statements finalized by the garbage
    /// collector's finalizer thread, at any moment, while the connection they belong to is being used by its owner
    /// (or, pooled, by the next). Without the mutex that is two threads in one connection's memory: the service ran in
    /// multi-thread mode from the fourth session and its tests crashed once inside SQLite's allocator; a loop that left
    /// commands to the collector crashed within a second each time in that mode, never in this one (README, Decisions,
    /// 2026-12-06; <c>SqliteLibraryTests</c>). Memory statistics stay off: their global mutex was taken on every
    /// allocation, and nothing reads them.
    /// </summary>
    [System.Runtime.CompilerServices.ModuleInitializer]
    internal static void ConfigureLibrary()
    {
        if (Interlocked.Exchange(ref s_libraryConfiguring, 1) == 1)
        {
            return;
        }

        SQLitePCL.Batteries_V2.Init();
        const int Serialized = 3, MemoryStatus = 9;
        LibraryConfigured =
            SQLitePCL.raw.sqlite3_config(Serialized) == SQLitePCL.raw.SQLITE_OK &
            SQLitePCL.raw.sqlite3_config(MemoryStatus, 0) == SQLitePCL.raw.SQLITE_OK;
    }


    public SqlTime Time => SqlTime.Sqlite;

    public string LockRow => string.Empty;

    public string OneOf(string parameter) => $" IN {parameter}";

    async Task<System.Data.Common.DbConnection> IStoreDatabase.OpenConnectionAsync(CancellationToken cancellationToken) => await OpenAsync(cancellationToken);

    Task<T> IStoreDatabase.WriteAsync<T>(Func<System.Data.Common.DbConnection, System.Data.Common.DbTransaction, Task<T>> work, CancellationToken cancellationToken) =>
        WriteAsync((connection, transaction) => work(connection, transaction), cancellationToken);

    private readonly string _connectionString = Normalise(options.Value.ConnectionString);

    /// <summary>Seconds a statement waits for another process's lock before it fails.</summary>
    public const int LockWaitSeconds = 3;

    /// <summary>SQLite's calls are the calling thread's own (no sockets); a write still goes through the one writer.</summary>
    IReadOnlyList<T> IStoreDatabase.QueryBlocking<T>(string sql)
    {
        using var connection = new SqliteConnection(_connectionString);
        connection.Open();
        connection.Execute($"PRAGMA busy_timeout = {LockWaitSeconds * 1000};");
        return [.. connection.Query<T>(sql)];
    }

    /// <summary>Waits for the writer's thread, which waits for nothing of the pool's.</summary>
    void IStoreDatabase.ExecuteBlocking(string sql, object parameters) =>
        Writer.WriteAsync((connection, transaction) => connection.ExecuteAsync(sql, parameters, transaction), CancellationToken.None, oneStatement: true).GetAwaiter().GetResult();

    private SqliteWriter? _writer;

    internal SqliteWriter Writer => LazyInitializer.EnsureInitialized(ref _writer, () => new SqliteWriter(OpenWriterAsync, options.Value.GroupCommitMax, options.Value.WriterCacheMiB));

    /// <summary>
    /// The writer's own connection: with <c>Storage:CacheStatements</c>, one that keeps its statements prepared; with a
    /// background checkpoint (<c>Storage:CheckpointInterval</c>), one that checkpoints inside a commit only past 64 MiB.
    /// </summary>
    private async Task<SqliteConnection> OpenWriterAsync(CancellationToken cancellationToken)
    {
        var connection = await ConfigureAsync(options.Value.CacheStatements ? new StatementCachingConnection(_connectionString) : new SqliteConnection(_connectionString), cancellationToken);
        if (options.Value.CheckpointInterval > TimeSpan.Zero)
        {
            using var command = connection.CreateCommand();
            command.CommandText = $"PRAGMA wal_autocheckpoint = {SafetyNetCheckpointPages};";
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        return connection;
    }

    /// <summary>The writer's own checkpoint threshold while a background checkpoint runs: 64 MiB of log in 4 KiB pages.</summary>
    internal const int SafetyNetCheckpointPages = 16_384;

    /// <summary>
    /// A passive checkpoint on a connection of its own: the log's committed pages are copied into the database file
    /// while the writer goes on (a writer never waits for it, nor it for the writer). Returns the log's size and how
    /// much of it is now in the database file, in pages.
    /// </summary>
    public async Task<(long LogPages, long CheckpointedPages)> CheckpointAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var (_, log, done) = await connection.QuerySingleAsync<(long Busy, long Log, long Checkpointed)>("PRAGMA wal_checkpoint(PASSIVE)");
        return (log, done);
    }

    /// <summary>WAL mode, the file readable by its owner only, and the numbered migrations in <c>Storage/Migrations/Sqlite</c>.</summary>
    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        RestrictToOwner(connection.DataSource);
        await connection.ExecuteAsync("PRAGMA journal_mode = WAL;");
        await connection.ExecuteAsync("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL);");
        await Migrations.ApplyAsync(connection, "Sqlite", (clock ?? TimeProvider.System).GetUtcNow(), name => LogMigrated(logger ?? (ILogger)Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, name), cancellationToken);
    }

    /// <summary>
    /// Extends the write-ahead log with zeros to <c>Storage:LogReserveMiB</c> (see <see cref="StorageOptions.LogReserveMiB"/>)
    /// and syncs it, holding the write lock so that no frame is written meanwhile. Zeros after the log's last frame are
    /// what SQLite itself leaves there when it restarts the log from its beginning: a frame whose salt does not match the
    /// log's header ends recovery, and a header of zeros is an empty log. It only speeds commits up, so it never stops
    /// the start: it is skipped when less than <see cref="FreeAfterReserve"/> would stay free on the disk, when another
    /// process holds the write lock, or when the disk refuses the write (what was added is taken back). Returns the bytes
    /// added (0 when the log was large enough, the reserve is 0, the database is not in WAL mode, or it was skipped).
    /// A reserve made opens the writer's connection, which stays open for the service's life: SQLite deletes the log
    /// with the database's last connection, and the pool closes idle ones (after a few quiet minutes, or when cleared),
    /// so before the first message the reserve could otherwise be gone.
    /// </summary>
    public async Task<long> ReserveLogAsync(CancellationToken cancellationToken)
    {
        var added = await ExtendLogAsync(cancellationToken);
        if (added > 0)
        {
            try
            {
                await Writer.WriteAsync(static (_, _) => Task.FromResult(0), cancellationToken); // nothing written: no frame, no sync
            }
            catch (SqliteException)
            {
                // the writer opens again with the first message; only the reserve may then be lost meanwhile
            }
        }

        return added;
    }

    private async Task<long> ExtendLogAsync(CancellationToken cancellationToken)
    {
        var target = options.Value.LogReserveMiB * 1024L * 1024L;
        if (target == 0)
        {
            return 0;
        }

        var log = (ILogger?)logger ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
        await using var connection = await OpenAsync(cancellationToken);
        if (!string.Equals(await connection.ExecuteScalarAsync<string>("PRAGMA journal_mode"), "wal", StringComparison.OrdinalIgnoreCase))
        {
            return 0;
        }

        SqliteTransaction transaction;
        try
        {
            transaction = connection.BeginTransaction(deferred: false); // BEGIN IMMEDIATE: the write lock
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode is 5 or 6) // SQLITE_BUSY, SQLITE_LOCKED: another process writes
        {
            LogReserveSkipped(log, "another process holds the database's write lock");
            return 0;
        }

        await using (transaction)
        {
            var path = connection.DataSource + "-wal";
            if (!File.Exists(path))
            {
                return 0;
            }

            await using var file = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0, FileOptions.Asynchronous);
            var from = file.Length;
            if (from >= target)
            {
                return 0;
            }

            if (FreeSpace(path) is { } free && free - (target - from) < FreeAfterReserve)
            {
                LogReserveSkipped(log, $"only {free / (1024 * 1024)} MiB free on the disk");
                return 0;
            }

            try
            {
                file.Position = from;
                var zeros = new byte[64 * 1024]; // under the large object heap's threshold: garbage at the next collection
                for (var left = target - from; left > 0; left -= zeros.Length)
                {
                    await file.WriteAsync(zeros.AsMemory(0, (int)Math.Min(left, zeros.Length)), cancellationToken);
                }

                file.Flush(flushToDisk: true);
            }
            catch (IOException)
            {
                try
                {
                    file.SetLength(from); // only zeros were added: give the space back to the database
                }
                catch (IOException)
                {
                    // zeros past the last frame are harmless; the space comes back when the log is next deleted
                }

                LogReserveSkipped(log, "the disk refused the write");
                return 0;
            }

            LogReserved(log, options.Value.LogReserveMiB);
            return target - from;
        }
    }

    /// <summary>The log is not reserved when less than this would stay free on its disk: the database needs the room more.</summary>
    internal const long FreeAfterReserve = 1024L * 1024 * 1024;

    /// <summary>The free space on the disk that holds a file (null when it cannot be told); tests replace it.</summary>
    internal Func<string, long?> FreeSpace { get; set; } = static path =>
    {
        try
        {
            return new DriveInfo(Path.GetDirectoryName(Path.GetFullPath(path))!).AvailableFreeSpace;
        }
        catch (Exception ex) when (ex is IOException or ArgumentException or UnauthorizedAccessException)
        {
            return null;
        }
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "The write-ahead log is reserved at {MiB} MiB (Storage:LogReserveMiB)")]
    private static partial void LogReserved(ILogger logger, int miB);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The write-ahead log was not reserved ({Reason}); the service starts anyway, its first commits a little slower (Storage:LogReserveMiB)")]
    private static partial void LogReserveSkipped(ILogger logger, string reason);

    public async Task CheckAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM schema_migrations");
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Applied database migration {Name}")]
    private static partial void LogMigrated(ILogger logger, string name);

    public Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken) => ConfigureAsync(new SqliteConnection(_connectionString), cancellationToken);

    private static async Task<SqliteConnection> ConfigureAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        try
        {
            await connection.OpenAsync(cancellationToken);
            await connection.ExecuteAsync($"PRAGMA foreign_keys = ON; PRAGMA busy_timeout = {LockWaitSeconds * 1000};");
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Runs <paramref name="work"/> as the only writer, in a transaction that may be shared with other writes queued at
    /// the same moment (each in its own savepoint); returns once that transaction is committed.
    /// </summary>
    /// <param name="oneStatement">the work runs exactly one statement, as its last step (no savepoint needed; see <see cref="SqliteWriter.WriteAsync{T}"/>)</param>
    public Task<T> WriteAsync<T>(Func<SqliteConnection, SqliteTransaction, Task<T>> work, CancellationToken cancellationToken, bool oneStatement = false)
    {
        ArgumentNullException.ThrowIfNull(work);
        return Writer.WriteAsync(work, cancellationToken, oneStatement);
    }

    public void Dispose() => _writer?.Dispose();

    /// <summary>The database holds encrypted addresses and transcripts: readable by the service's user only (SQLite's -wal and -shm files copy it).</summary>
    public void RestrictToOwner(string? file)
    {
        if (!OperatingSystem.IsWindows() && file is { Length: > 0 } && File.Exists(file))
        {
            File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    /// <summary>UTC, fixed width, so text comparison in SQL is time order.</summary>
    public static string Stamp(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    public static DateTimeOffset ParseStamp(string stamp) => DateTimeOffset.Parse(stamp, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

    /// <summary>Creates the folder of a file database (data/ on first run) and turns on pooling.</summary>
    private static string Normalise(string connectionString)
    {
        var builder = new SqliteConnectionStringBuilder(connectionString);
        if (builder.DataSource is { Length: > 0 } file && file != ":memory:" && builder.Mode != SqliteOpenMode.Memory)
        {
            var folder = Path.GetDirectoryName(Path.GetFullPath(file));
            if (folder is not null)
            {
                Directory.CreateDirectory(folder);
            }
        }

        builder.Pooling = true;

        // How long a statement waits for another process's lock. Microsoft.Data.Sqlite retries for this long without
        // looking at cancellation, so it bounds how long a webhook can be held before its message is kept on disk.
        if (!connectionString.Contains("Timeout", StringComparison.OrdinalIgnoreCase))
        {
            builder.DefaultTimeout = LockWaitSeconds;
        }

        return builder.ToString();
    }
}
