using Microsoft.Data.Sqlite;

namespace OimBot.Bot.Storage;

/// <summary>
/// Whether the database takes writes. A read of it can succeed while every write fails (a read-only file or mount, a
/// full disk, an I/O error): turns then fall back to the spool and /healthz must say so. A lock (busy) is not this.
/// </summary>
public sealed class StorageStatus(TimeProvider clock)
{
    private long _refusedAt;
    private int _code;

    /// <summary>When writes started to be refused, and SQLite's code; null while writes go through.</summary>
    public (DateTimeOffset Since, int Code)? WritesRefused =>
        Volatile.Read(ref _refusedAt) is var ticks and > 0 ? (new DateTimeOffset(ticks, TimeSpan.Zero), Volatile.Read(ref _code)) : null;

    /// <summary>SQLite's answers that mean "this database cannot be written now", as opposed to "wait" (busy, locked).</summary>
    public static bool RefusesWrites(Exception exception) =>
        exception is SqliteException { SqliteErrorCode: 8 or 10 or 11 or 13 or 14 or 26 }; // READONLY, IOERR, CORRUPT, FULL, CANTOPEN, NOTADB

    public void Failed(Exception exception)
    {
        if (RefusesWrites(exception))
        {
            Volatile.Write(ref _code, ((SqliteException)exception).SqliteErrorCode);
            Interlocked.CompareExchange(ref _refusedAt, clock.GetUtcNow().UtcTicks, 0);
        }
    }

    public void Succeeded() => Volatile.Write(ref _refusedAt, 0);

    public static string Describe(int code) => code switch
    {
        8 => "read-only",
        13 => "full",
        10 => "an I/O error",
        11 or 26 => "damaged",
        _ => "cannot be opened",
    };
}
