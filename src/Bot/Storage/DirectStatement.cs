using System.Buffers;
using System.Globalization;
using System.Linq.Expressions;
using System.Text;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace OimBot.Bot.Storage;

/// <summary>
/// One statement of the SQLite writer's turns, kept prepared on the connection and run straight on SQLite: its
/// parameters bound from the call's values by position, without Dapper's command, Microsoft.Data.Sqlite's parameter
/// objects, binders and reader (issue 15: that managed code was about a third of the writer thread's CPU, and a fifth
/// of the bytes a turn allocated). Only what binds exactly as Microsoft.Data.Sqlite binds it is run here: one
/// statement, its parameters written <c>@name</c> and each given once under that exact name, values that are null,
/// text, a non-empty byte array, an integer, a boolean or a finite double. Anything else answers false before SQLite
/// is touched, and the caller runs the statement as before (<see cref="StatementBatch.ExecuteAsync"/>,
/// <see cref="StatementBatch.QueryRowAsync"/>, <see cref="StatementCachingConnection.ScalarAsync"/>). A statement's rows
/// are read as Microsoft.Data.Sqlite's <c>GetValue</c> reads them, and converted as Dapper converts them
/// (<see cref="DirectValue"/>).
/// </summary>
internal sealed class DirectStatement : IDisposable
{
    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _statement;
    private readonly string _sql;
    private readonly string[] _names;

    private DirectStatement(sqlite3 db, sqlite3_stmt statement, string sql, string[] names)
    {
        _db = db;
        _statement = statement;
        _sql = sql;
        _names = names;
    }

    /// <summary>
    /// The statement prepared, or null when it cannot run here: not exactly one statement, SQLite cannot prepare it
    /// (the caller's path then reports why), or its parameters are not the <c>@name</c>s <see cref="StatementBatch.Shape"/>
    /// reads, in that order.
    /// </summary>
    public static DirectStatement? Prepare(sqlite3 db, string sql)
    {
        if (raw.sqlite3_prepare_v2(db, sql, out var statement, out var tail) != raw.SQLITE_OK || statement is null)
        {
            statement?.Dispose();
            return null;
        }

        var names = StatementBatch.Shape.Of(sql).Names;
        var count = raw.sqlite3_bind_parameter_count(statement);
        var matches = string.IsNullOrWhiteSpace(tail) && count == names.Length;
        for (var i = 0; matches && i < count; i++)
        {
            matches = string.Equals(raw.sqlite3_bind_parameter_name(statement, i + 1).utf8_to_string(), "@" + names[i], StringComparison.Ordinal);
        }

        if (!matches)
        {
            statement.Dispose();
            return null;
        }

        return new DirectStatement(db, statement, sql, names);
    }

    /// <summary>
    /// Runs the statement with <paramref name="parameters"/> (an anonymous object or a <see cref="ParameterList"/>):
    /// false, with nothing run, when a parameter is missing, named otherwise or of a type bound here differently; an
    /// error of SQLite's throws the <see cref="SqliteException"/> Microsoft.Data.Sqlite would throw. A busy database
    /// answers false too, after nothing was changed, so the caller's path waits for it as it always did.
    /// </summary>
    public bool TryExecute(object parameters) => TryRun(parameters, null, out _);

    /// <summary>How many columns the statement returns (0 for one that returns none).</summary>
    public int Columns => raw.sqlite3_column_count(_statement);

    /// <summary>
    /// As <see cref="TryExecute"/>, reading the first row the statement returns into <paramref name="firstRow"/> (one
    /// value per column, as Microsoft.Data.Sqlite's <c>GetValue</c> gives it: a long, a double, a string, a byte array,
    /// or null for NULL); <paramref name="rows"/> counts them all. The statement always runs to its end.
    /// </summary>
    public bool TryQuery(object parameters, object?[] firstRow, out int rows) => TryRun(parameters, firstRow, out rows);

    private bool TryRun(object parameters, object?[]? firstRow, out int rows)
    {
        rows = 0;
        try
        {
            if (!Bind(parameters))
            {
                return false;
            }

            int rc;
            while ((rc = raw.sqlite3_step(_statement)) == raw.SQLITE_ROW)
            {
                if (rows++ == 0 && firstRow is not null)
                {
                    for (var i = 0; i < firstRow.Length; i++)
                    {
                        firstRow[i] = Column(i);
                    }
                }
            }

            if (rc == raw.SQLITE_DONE)
            {
                return true;
            }

            if ((rc & 0xff) is raw.SQLITE_BUSY or raw.SQLITE_LOCKED)
            {
                return false;
            }

            SqliteException.ThrowExceptionForRC(rc, _db);
            return true; // not reached: an error code always throws
        }
        finally
        {
            raw.sqlite3_reset(_statement);
            raw.sqlite3_clear_bindings(_statement);
        }
    }

    private object? Column(int i) => raw.sqlite3_column_type(_statement, i) switch
    {
        raw.SQLITE_INTEGER => raw.sqlite3_column_int64(_statement, i),
        raw.SQLITE_FLOAT => raw.sqlite3_column_double(_statement, i),
        raw.SQLITE_TEXT => Encoding.UTF8.GetString(raw.sqlite3_column_blob(_statement, i)),
        raw.SQLITE_BLOB => raw.sqlite3_column_blob(_statement, i).ToArray(),
        _ => null,
    };

    private bool Bind(object parameters)
    {
        if (parameters is ParameterList list)
        {
            var items = list.Items;
            if (items.Count != _names.Length)
            {
                return false;
            }

            Span<bool> bound = _names.Length <= 256 ? stackalloc bool[_names.Length] : new bool[_names.Length];
            for (var i = 0; i < items.Count; i++)
            {
                var index = i < _names.Length && string.Equals(_names[i], items[i].Name, StringComparison.Ordinal)
                    ? i // the statement's own order, as the analytics rows add them
                    : Array.IndexOf(_names, items[i].Name);
                if (index < 0 || bound[index] || !BindValue(index + 1, items[i].Value))
                {
                    return false;
                }

                bound[index] = true;
            }

            return true; // as many names as the statement has, each found once: every parameter bound
        }

        if (Getters(parameters.GetType()) is not { } getters)
        {
            return false;
        }

        for (var i = 0; i < getters.Length; i++)
        {
            if (!BindValue(i + 1, getters[i](parameters)))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The last anonymous type this statement was called with, and its getters (null: it does not fit).</summary>
    private (Type Type, Func<object, object?>[]? Getters)? _lastType;

    /// <summary>
    /// <paramref name="type"/>'s getters in the statement's parameter order, or null when one is missing or named in
    /// another case; kept for the type, since a statement is called with one anonymous type (no lookup by the SQL's
    /// text on every call).
    /// </summary>
    private Func<object, object?>[]? Getters(Type type)
    {
        if (_lastType is { } last && last.Type == type)
        {
            return last.Getters;
        }

        var members = StatementBatch.Members(_sql, type); // in the statement's order; shorter when one is missing
        var fits = members.Length == _names.Length;
        for (var i = 0; fits && i < members.Length; i++)
        {
            fits = string.Equals(members[i].Name, _names[i], StringComparison.Ordinal);
        }

        var getters = fits ? members.Select(m => m.Get).ToArray() : null;
        _lastType = (type, getters);
        return getters;
    }

    /// <summary>Binds as Microsoft.Data.Sqlite's value binder does, for the types it binds the same way; false for the others.</summary>
    private bool BindValue(int index, object? value)
    {
        var rc = value switch
        {
            null or DBNull => raw.sqlite3_bind_null(_statement, index),
            string text => BindText(index, text),
            byte[] { Length: > 0 } blob => raw.sqlite3_bind_blob(_statement, index, blob),
            long number => raw.sqlite3_bind_int64(_statement, index, number),
            int number => raw.sqlite3_bind_int64(_statement, index, number),
            short number => raw.sqlite3_bind_int64(_statement, index, number),
            byte number => raw.sqlite3_bind_int64(_statement, index, number),
            bool flag => raw.sqlite3_bind_int64(_statement, index, flag ? 1 : 0),
            double real when double.IsFinite(real) => raw.sqlite3_bind_double(_statement, index, real),
            _ => -1,
        };
        if (rc == -1)
        {
            return false;
        }

        if (rc != raw.SQLITE_OK)
        {
            SqliteException.ThrowExceptionForRC(rc, _db);
        }

        return true;
    }

    /// <summary>The text in UTF-8, as Microsoft.Data.Sqlite converts it (a lone surrogate becomes U+FFFD), copied by SQLite.</summary>
    private int BindText(int index, string text)
    {
        if (text.Length == 0)
        {
            return raw.sqlite3_bind_text(_statement, index, string.Empty); // an empty span would bind NULL
        }

        var length = Encoding.UTF8.GetMaxByteCount(text.Length);
        if (length <= 512)
        {
            Span<byte> small = stackalloc byte[length];
            return raw.sqlite3_bind_text(_statement, index, small[..Encoding.UTF8.GetBytes(text, small)]);
        }

        var rented = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            var written = Encoding.UTF8.GetBytes(text, rented);
            var rc = raw.sqlite3_bind_text(_statement, index, rented.AsSpan(0, written));
            rented.AsSpan(0, written).Clear(); // a reply's or a state's text does not stay in a shared buffer
            return rc;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    public void Dispose() => _statement.Dispose();
}

/// <summary>
/// Values read straight from SQLite (<see cref="DirectStatement.TryQuery"/>) converted as Dapper converts a column's
/// value: null to the type's default, a value of the type itself as it is, anything else through
/// <see cref="Convert.ChangeType(object, Type, IFormatProvider)"/> (a long to a bool or an int). Only for the types
/// Dapper converts that way (numbers, booleans, strings, byte arrays, their nullable forms) and value tuples of them,
/// read by position as Dapper reads a tuple; others are left to Dapper before anything runs.
/// </summary>
internal static class DirectValue
{
    public static bool Supports(Type type)
    {
        var underlying = Nullable.GetUnderlyingType(type) ?? type;
        return underlying == typeof(string) || underlying == typeof(byte[]) || underlying == typeof(bool) || underlying == typeof(long)
            || underlying == typeof(int) || underlying == typeof(short) || underlying == typeof(byte) || underlying == typeof(double);
    }

    public static T? As<T>(object? value) => value switch
    {
        null => default,
        T same => same,
        _ => (T)Convert.ChangeType(value, Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T), CultureInfo.InvariantCulture),
    };

    /// <summary>How a row of <typeparamref name="T"/> is made from its columns' values; null when <typeparamref name="T"/> is not a value tuple of supported types.</summary>
    public static class Row<T>
    {
        public static readonly Func<object?[], T>? Make = Build(out Arity);

        public static readonly int Arity;

        private static Func<object?[], T>? Build(out int arity)
        {
            var type = typeof(T);
            arity = 0;
            if (!type.IsValueType || !type.IsGenericType || !type.FullName!.StartsWith("System.ValueTuple`", StringComparison.Ordinal))
            {
                return null;
            }

            var elements = type.GetGenericArguments();
            if (elements.Length > 7 || !elements.All(Supports))
            {
                return null;
            }

            arity = elements.Length;
            var values = Expression.Parameter(typeof(object?[]));
            var convert = typeof(DirectValue).GetMethod(nameof(As))!;
            var arguments = elements.Select((element, i) =>
                (Expression)Expression.Call(convert.MakeGenericMethod(element), Expression.ArrayIndex(values, Expression.Constant(i))));
            return Expression.Lambda<Func<object?[], T>>(Expression.New(type.GetConstructor(elements)!, arguments), values).Compile();
        }
    }
}
