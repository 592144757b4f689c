using System.ComponentModel.DataAnnotations;

namespace OimBot.Bot.Storage;

public sealed class StorageOptions
{
    public const string Section = "Storage";

    public const string Sqlite = "sqlite";

    public const string Postgres = "postgres";

    /// <summary>sqlite (embedded, one instance, the default) or postgres (any number of instances on one database).</summary>
    [Required]
    [RegularExpression("^(sqlite|postgres)$", ErrorMessage = "Storage:Provider must be 'sqlite' or 'postgres'.")]
    public string Provider { get; set; } = Sqlite;

    /// <summary>SQLite: 'Data Source=data/oimbot.db'. PostgreSQL: 'Host=db;Port=5432;Database=oimbot;Username=oimbot;Password=…'.</summary>
    [Required(ErrorMessage = "Storage:ConnectionString is required, e.g. 'Data Source=data/oimbot.db'.")]
    public string ConnectionString { get; set; } = "Data Source=data/oimbot.db";

    /// <summary>How long an answered inbound message id is remembered to drop repeated deliveries.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "30.00:00:00", ErrorMessage = "Storage:DedupeWindow must be between 1 minute and 30 days.")]
    public TimeSpan DedupeWindow { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How long settled outbox rows (sent, delivered, failed, dead…) are kept, for delivery reports and troubleshooting.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "90.00:00:00", ErrorMessage = "Storage:OutboxRetention must be between 1 minute and 90 days.")]
    public TimeSpan OutboxRetention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Where messages wait, encrypted, while the database is unavailable (created when first needed).</summary>
    [Required(ErrorMessage = "Storage:SpoolDirectory is required, e.g. 'data/spool'.")]
    public string SpoolDirectory { get; set; } = "data/spool";

    /// <summary>How often waiting messages are tried again while the database is unavailable.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:10:00", ErrorMessage = "Storage:SpoolRetryInterval must be between 50 ms and 10 minutes.")]
    public TimeSpan SpoolRetryInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How long a webhook waits for the database before it keeps the message on disk and answers (providers time out at 10-15 s).</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:00:10", ErrorMessage = "Storage:WebhookBudget must be between 100 ms and 10 seconds.")]
    public TimeSpan WebhookBudget { get; set; } = TimeSpan.FromSeconds(4);

    /// <summary>How many times a message whose turn throws (a bug) is tried before it is set aside and answered with an apology.</summary>
    [Range(1, 10, ErrorMessage = "Storage:TurnAttempts must be between 1 and 10.")]
    public int TurnAttempts { get; set; } = 3;

    /// <summary>
    /// SQLite: at most this many writes queued together share one transaction and one commit (group commit); 1 commits
    /// each write alone. PostgreSQL: at most this many turns in one group (<see cref="TurnGroupsInFlight"/>).
    /// </summary>
    [Range(1, 1000, ErrorMessage = "Storage:GroupCommitMax must be between 1 and 1000.")]
    public int GroupCommitMax { get; set; } = 64;

    /// <summary>
    /// SQLite: the writer keeps each statement it runs prepared instead of compiling its SQL on every call (false only
    /// to measure the difference).
    /// </summary>
    public bool CacheStatements { get; set; } = true;

    /// <summary>
    /// SQLite: the single writer's page cache in MiB. It stays warm between transactions (nothing else writes), which
    /// keeps large tables' index pages in memory for retention and turns; it is part of the service's memory.
    /// </summary>
    [Range(2, 1024, ErrorMessage = "Storage:WriterCacheMiB must be between 2 and 1024.")]
    public int WriterCacheMiB { get; set; } = 8;

    /// <summary>
    /// SQLite: how often a background checkpoint copies the write-ahead log into the database file, beside the writer
    /// instead of inside one of its commits (the writer then checkpoints only past 64 MiB of log, as a safety net).
    /// 00:00:00 leaves checkpoints to SQLite, inside the commits, every 4 MiB of log.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00", ErrorMessage = "Storage:CheckpointInterval must be between 0 and 10 minutes.")]
    public TimeSpan CheckpointInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// PostgreSQL: at start, after the migrations, this many of the pool's connections are opened at once, each plans a
    /// query on every table of the service (so the server process behind it has read their definitions), and they go
    /// back to the pool: the first people's turns then neither wait for connections nor pay for a new server process's
    /// first queries. Never more than the connection string's Maximum Pool Size; idle connections are closed again after
    /// Npgsql's Connection Idle Lifetime (5 minutes). 0: none.
    /// </summary>
    [Range(0, 1000, ErrorMessage = "Storage:PoolPrefill must be between 0 and 1000.")]
    public int PoolPrefill { get; set; } = 32;

    /// <summary>
    /// PostgreSQL: how many statements settling sent rows may be on their way to the server at once. A sent row whose
    /// settle finds them all out waits and goes with the others that arrived meanwhile, in the next statement (one
    /// commit for the group). 0: every sent row is settled by a statement of its own, at once.
    /// </summary>
    [Range(0, 64, ErrorMessage = "Storage:SettlesInFlight must be between 0 and 64.")]
    public int SettlesInFlight { get; set; } = 1;

    /// <summary>
    /// PostgreSQL: how many groups of turns may be on their way to the server at once (group commit). A turn decided on
    /// the state this instance kept for the person (the usual turn on one instance) is one round trip; those that find
    /// every lane's group out wait and go together in the next, one transaction and one commit for all of them. Each
    /// lane keeps a connection of its own, outside the pool: count them in PostgreSQL's max_connections. 0: every turn
    /// alone on its own pooled connection.
    /// </summary>
    [Range(0, 16, ErrorMessage = "Storage:TurnGroupsInFlight must be between 0 and 16.")]
    public int TurnGroupsInFlight { get; set; } = 1;

    /// <summary>
    /// PostgreSQL: a turn with no state kept for the person that this instance can trust (another instance served
    /// their last message, or no one lately) reads the person's row first, without a lock, and then goes as a turn on
    /// a kept state: one round trip, grouped with others (<see cref="TurnGroupsInFlight"/>), checked against the row.
    /// Reads that arrive together go in one statement. False: such a turn locks its row first (two round trips of
    /// its own; only to measure the difference).
    /// </summary>
    public bool ReadAhead { get; set; } = true;

    /// <summary>
    /// SQLite: at start, the write-ahead log is extended with zeros to this many MiB (unless it is larger already), so
    /// that a fresh process's commits overwrite space the file already has, as a long-running process's do, instead of
    /// growing the file: an fsync that grows a file also commits the file system's metadata, and while its log grew
    /// a fresh process committed at about half the rate (BENCHMARKS.md). 64 MiB is where the writer's own safety-net
    /// checkpoint runs. 0 lets the log grow as it is written.
    /// </summary>
    [Range(0, 1024, ErrorMessage = "Storage:LogReserveMiB must be between 0 and 1024.")]
    public int LogReserveMiB { get; set; } = 64;

    /// <summary>
    /// Several instances (PostgreSQL): how long a message kept on an instance's disk during an outage waits in the shared
    /// queue before it is answered, so that every instance has put its own there and a person's messages are answered
    /// in the order they arrived. At least twice <see cref="SpoolRetryInterval"/>.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00", ErrorMessage = "Storage:ReplayGrace must be between 0 and 5 minutes.")]
    public TimeSpan ReplayGrace { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How many rows one retention transaction deletes: small, so a purge never holds the database for long.</summary>
    [Range(10, 100_000, ErrorMessage = "Storage:PurgeBatchSize must be between 10 and 100000.")]
    public int PurgeBatchSize { get; set; } = 500;

    /// <summary>How often the janitor deletes what is due (R5 sessions, dedupe records, settled outbox rows).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00", ErrorMessage = "Storage:PurgeInterval must be between 1 second and 1 day.")]
    public TimeSpan PurgeInterval { get; set; } = TimeSpan.FromMinutes(5);
}

/// <summary>A PostgreSQL provider needs a PostgreSQL connection string, not the SQLite default.</summary>
internal sealed class StorageOptionsValidator : Microsoft.Extensions.Options.IValidateOptions<StorageOptions>
{
    public Microsoft.Extensions.Options.ValidateOptionsResult Validate(string? name, StorageOptions options)
    {
        if (options.Provider != StorageOptions.Postgres)
        {
            return Microsoft.Extensions.Options.ValidateOptionsResult.Success;
        }

        try
        {
            var builder = new Npgsql.NpgsqlConnectionStringBuilder(options.ConnectionString);
            return string.IsNullOrEmpty(builder.Host) || string.IsNullOrEmpty(builder.Database)
                ? Microsoft.Extensions.Options.ValidateOptionsResult.Fail("Storage:ConnectionString must name the PostgreSQL Host and Database when Storage:Provider is postgres, e.g. 'Host=db;Database=oimbot;Username=oimbot;Password=…'.")
                : Microsoft.Extensions.Options.ValidateOptionsResult.Success;
        }
        catch (ArgumentException)
        {
            return Microsoft.Extensions.Options.ValidateOptionsResult.Fail("Storage:ConnectionString is not a PostgreSQL connection string (Host=…;Database=…;Username=…;Password=…).");
        }
    }
}
