using System.Buffers;
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
/// is touched, and the caller runs the statement as before (<see cref="StatementBatch.ExecuteAsync"/>).
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
    public bool TryExecute(object parameters)
    {
        try
        {
            if (!Bind(parameters))
            {
                return false;
            }

            int rc;
            while ((rc = raw.sqlite3_step(_statement)) == raw.SQLITE_ROW)
            {
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

        var members = StatementBatch.Members(_sql, parameters.GetType()); // in the statement's order; shorter when one is missing
        if (members.Length != _names.Length)
        {
            return false;
        }

        for (var i = 0; i < members.Length; i++)
        {
            if (!string.Equals(members[i].Name, _names[i], StringComparison.Ordinal) || !BindValue(i + 1, members[i].Get(parameters)))
            {
                return false;
            }
        }

        return true;
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
