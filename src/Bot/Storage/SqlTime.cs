using System.Data.Common;
using Npgsql;

namespace OimBot.Bot.Storage;

/// <summary>
/// How a provider stores a point in time: SQLite as fixed-width UTC text (text order is time order), PostgreSQL as
/// timestamptz. Code shared by both providers writes and reads times through this.
/// </summary>
public sealed class SqlTime
{
    private readonly Func<DateTimeOffset, object> _write;
    private readonly Func<object, DateTimeOffset> _read;
    private readonly Func<DateOnly, object> _day;

    private SqlTime(Func<DateTimeOffset, object> write, Func<object, DateTimeOffset> read, Func<DateOnly, object> day)
    {
        _write = write;
        _read = read;
        _day = day;
    }

    public static readonly SqlTime Sqlite = new(
        at => SqliteDatabase.Stamp(at),
        value => SqliteDatabase.ParseStamp((string)value),
        day => day.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));

    public static readonly SqlTime Postgres = new(
        at => at.ToUniversalTime(),
        value => value switch
        {
            DateTime time => new DateTimeOffset(DateTime.SpecifyKind(time, DateTimeKind.Utc)),
            DateTimeOffset offset => offset,
            _ => throw new InvalidCastException($"not a time: {value.GetType().Name}"),
        },
        day => day);

    /// <summary>The convention of the provider behind <paramref name="connection"/>.</summary>
    public static SqlTime For(DbConnection connection) => connection is NpgsqlConnection ? Postgres : Sqlite;

    public object Write(DateTimeOffset at) => _write(at);

    public object? Write(DateTimeOffset? at) => at is { } value ? _write(value) : null;

    /// <summary>A calendar day (Panama's, for analytics): 'yyyy-MM-dd' text on SQLite, a date on PostgreSQL.</summary>
    public object Write(DateOnly day) => _day(day);

    public DateTimeOffset Read(object value) => _read(value);

    /// <summary>A day as either provider returns it ('yyyy-MM-dd' text, or a date).</summary>
    public static DateOnly ReadDay(object value) => value switch
    {
        string text => DateOnly.ParseExact(text, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
        DateOnly day => day,
        DateTime time => DateOnly.FromDateTime(time),
        _ => throw new InvalidCastException($"not a day: {value.GetType().Name}"),
    };

    public DateTimeOffset? ReadOrNull(object? value) => value is null or DBNull ? null : _read(value);
}
