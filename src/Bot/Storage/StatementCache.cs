using System.Collections;
using System.Data;
using System.Data.Common;
using System.Diagnostics.CodeAnalysis;
using Dapper;
using Microsoft.Data.Sqlite;

namespace OimBot.Bot.Storage;

/// <summary>
/// The single writer's connection, which keeps each statement it has run prepared (issue 15). Microsoft.Data.Sqlite
/// compiles the SQL again for every new command (efcore#14044), and Dapper makes a new command for every call, so
/// compiling took about a tenth of the service's CPU time per message. Commands made through this connection (Dapper's
/// path) run on a cached prepared command for their SQL text, with that call's parameters; SQLite prepares it again
/// by itself if the schema changes. Only the writer uses it, one statement at a time, so a cached command is never run
/// by two callers at once; should a reader of a cached command still be open, the call gets a fresh command instead.
/// Commands created for SQLite's own use (savepoints, PRAGMAs through <see cref="SqliteConnection.CreateCommand"/>)
/// are ordinary ones.
/// </summary>
internal sealed class StatementCachingConnection(string connectionString) : SqliteConnection(connectionString)
{
    /// <summary>Distinct SQL texts kept (Dapper expands a list parameter into a text per list length: those beyond stay uncached).</summary>
    public const int Capacity = 256;

    private readonly Dictionary<string, Cached> _cache = new(StringComparer.Ordinal);

    /// <summary>Statements compiled and kept, and runs that reused one (for tests and the benchmark).</summary>
    public (int Prepared, long Reused) Statistics { get; private set; }

    protected override DbCommand CreateDbCommand() => new Command(this);

    /// <summary>
    /// The statements run straight on SQLite (<see cref="DirectStatement"/>), by SQL text; null for a text that cannot
    /// be. Finalized when the connection closes.
    /// </summary>
    private readonly Dictionary<string, DirectStatement?> _direct = new(StringComparer.Ordinal);

    /// <summary>Statements run by <see cref="TryExecuteDirect"/> (for tests and the benchmark).</summary>
    public long DirectRuns { get; private set; }

    /// <summary>
    /// Runs <paramref name="sql"/> with <paramref name="parameters"/> straight on its prepared SQLite statement, in
    /// the connection's current transaction; false when it cannot (nothing run), and the caller runs it through Dapper.
    /// </summary>
    internal bool TryExecuteDirect(string sql, object parameters)
    {
        if (Direct(sql) is not { } direct || !direct.TryExecute(parameters))
        {
            return false;
        }

        DirectRuns++;
        return true;
    }

    /// <summary>
    /// As <see cref="TryExecuteDirect"/>, for a statement returning <paramref name="firstRow"/>'s length of columns:
    /// its first row read into it, <paramref name="rows"/> all its rows counted. False, with nothing run, when it cannot.
    /// </summary>
    internal bool TryQueryDirect(string sql, object parameters, object?[] firstRow, out int rows)
    {
        rows = 0;
        if (Direct(sql) is not { } direct || direct.Columns != firstRow.Length || !direct.TryQuery(parameters, firstRow, out rows))
        {
            return false;
        }

        DirectRuns++;
        return true;
    }

    /// <summary>
    /// The first column of the first row <paramref name="sql"/> returns, converted as Dapper's <c>ExecuteScalarAsync</c>
    /// converts it: straight on SQLite when <paramref name="connection"/> is the writer's and the statement can run there,
    /// else through Dapper.
    /// </summary>
    internal static async Task<T?> ScalarAsync<T>(DbConnection connection, string sql, object parameters, DbTransaction? transaction)
    {
        if (connection is StatementCachingConnection cached && DirectValue.Supports(typeof(T)))
        {
            var row = new object?[1];
            if (cached.TryQueryDirect(sql, parameters, row, out _))
            {
                return DirectValue.As<T>(row[0]);
            }
        }

        return await connection.ExecuteScalarAsync<T>(sql, parameters, transaction);
    }

    /// <summary>
    /// The single row <paramref name="sql"/> returns, or default when none, read as Dapper's
    /// <c>QuerySingleOrDefaultAsync</c> reads it (more than one row throws): straight on SQLite when
    /// <paramref name="connection"/> is the writer's and <typeparamref name="T"/> is a value tuple of simple values
    /// (read by position, as Dapper reads a tuple), else through Dapper.
    /// </summary>
    internal static async Task<T?> RowOrDefaultAsync<T>(DbConnection connection, string sql, object parameters, DbTransaction? transaction)
    {
        if (connection is StatementCachingConnection cached && DirectValue.Row<T>.Make is { } make)
        {
            var values = new object?[DirectValue.Row<T>.Arity];
            if (cached.TryQueryDirect(sql, parameters, values, out var rows))
            {
                return rows switch
                {
                    0 => default,
                    1 => make(values),
                    _ => throw new InvalidOperationException("Sequence contains more than one element"),
                };
            }
        }

        return await connection.QuerySingleOrDefaultAsync<T>(sql, parameters, transaction);
    }

    private DirectStatement? Direct(string sql)
    {
        if (State != ConnectionState.Open || Handle is not { } db)
        {
            return null;
        }

        if (!_direct.TryGetValue(sql, out var direct))
        {
            if (_direct.Count >= Capacity)
            {
                return null;
            }

            _direct[sql] = direct = DirectStatement.Prepare(db, sql);
        }

        return direct;
    }

    public override void Close()
    {
        foreach (var direct in _direct.Values)
        {
            direct?.Dispose();
        }

        _direct.Clear();
        base.Close();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            foreach (var cached in _cache.Values)
            {
                cached.Command.Dispose();
            }

            _cache.Clear();
            lock (_holders)
            {
                while (_holders.TryPop(out var holder))
                {
                    holder.Dispose();
                }
            }
        }

        base.Dispose(disposing);
    }

    /// <summary>
    /// Commands that only hold a call's parameters until it runs (<see cref="Command"/>), kept for the next calls: a
    /// <see cref="SqliteCommand"/> and its parameter list were made for every statement (issue 15).
    /// </summary>
    private readonly Stack<SqliteCommand> _holders = new();

    private SqliteCommand RentHolder()
    {
        lock (_holders)
        {
            return _holders.TryPop(out var holder) ? holder : new SqliteCommand();
        }
    }

    private void ReturnHolder(SqliteCommand holder)
    {
        holder.Parameters.Clear();
        lock (_holders)
        {
            if (_holders.Count < 8)
            {
                _holders.Push(holder);
                return;
            }
        }

        holder.Dispose();
    }

    /// <summary>A command for <paramref name="sql"/> to run now: the cached one when free, else a fresh one the caller disposes.</summary>
    private (SqliteCommand Command, Cached? Lease) Rent(string sql)
    {
        if (_cache.TryGetValue(sql, out var cached))
        {
            if (!cached.InUse)
            {
                cached.InUse = true;
                Statistics = (Statistics.Prepared, Statistics.Reused + 1);
                return (cached.Command, cached);
            }

            return (base.CreateCommand(), null);
        }

        var command = base.CreateCommand();
        command.CommandText = sql;
        if (_cache.Count >= Capacity)
        {
            return (command, null);
        }

        var added = new Cached(command) { InUse = true };
        _cache[sql] = added;
        Statistics = (Statistics.Prepared + 1, Statistics.Reused);
        return (command, added);
    }

    private sealed class Cached(SqliteCommand command)
    {
        public SqliteCommand Command { get; } = command;

        public bool InUse { get; set; }

        /// <summary>Each parameter name Dapper gave without a prefix, as the SQL writes it (see <see cref="Prefixed"/>).</summary>
        public Dictionary<string, string> Names { get; } = new(StringComparer.Ordinal);
    }

    /// <summary>
    /// The name as <paramref name="sql"/> writes it ("@id" for "id"), or the name itself when the SQL has no such
    /// parameter. Dapper names parameters without a prefix, and Microsoft.Data.Sqlite then looks each one up four times
    /// (as given, then with ':', '@' and '$', to rule out ambiguity), with a UTF-8 conversion each time: about 2 % of
    /// the service's CPU per message. Given the name as written, it looks it up once.
    /// </summary>
    internal static string Prefixed(string sql, string name)
    {
        if (name.Length == 0 || name[0] is ':' or '@' or '$')
        {
            return name;
        }

        string? found = null;
        for (var at = sql.IndexOf(name, 1, StringComparison.Ordinal); at > 0; at = sql.IndexOf(name, at + 1, StringComparison.Ordinal))
        {
            var end = at + name.Length;
            if (sql[at - 1] is not (':' or '@' or '$') || (end < sql.Length && (char.IsLetterOrDigit(sql[end]) || sql[end] == '_')))
            {
                continue;
            }

            var written = sql[(at - 1)..end];
            if (found is not null && found != written)
            {
                return name; // written with two prefixes: leave the choice to Microsoft.Data.Sqlite, which refuses it
            }

            found = written;
        }

        return found ?? name;
    }

    /// <summary>What Dapper sees: text, parameters and transaction, run on a rented command.</summary>
    private sealed class Command(StatementCachingConnection connection) : DbCommand
    {
        private SqliteCommand? _holder;

        private SqliteCommand Holder => _holder ??= connection.RentHolder();

        [AllowNull]
        public override string CommandText { get; set; } = string.Empty;

        public override int CommandTimeout { get; set; } = connection.DefaultTimeout;

        public override CommandType CommandType { get; set; } = CommandType.Text;

        public override bool DesignTimeVisible { get; set; }

        public override UpdateRowSource UpdatedRowSource { get; set; }

        protected override DbConnection? DbConnection
        {
            get => connection;
            set => throw new NotSupportedException("a cached command stays on its connection");
        }

        protected override DbParameterCollection DbParameterCollection => Holder.Parameters;

        protected override DbTransaction? DbTransaction { get; set; }

        public override void Cancel()
        {
        }

        public override void Prepare()
        {
        }

        public override int ExecuteNonQuery() => Run(c => c.ExecuteNonQuery());

        public override object? ExecuteScalar() => Run(c => c.ExecuteScalar());

        public override Task<int> ExecuteNonQueryAsync(CancellationToken cancellationToken) => RunAsync(c => c.ExecuteNonQueryAsync(cancellationToken));

        public override Task<object?> ExecuteScalarAsync(CancellationToken cancellationToken) => RunAsync(c => c.ExecuteScalarAsync(cancellationToken));

        protected override DbParameter CreateDbParameter() => new SqliteParameter();

        protected override DbDataReader ExecuteDbDataReader(CommandBehavior behavior)
        {
            var (command, lease) = Rent();
            try
            {
                return new Reader(command.ExecuteReader(behavior), () => Return(command, lease));
            }
            catch
            {
                Return(command, lease);
                throw;
            }
        }

        protected override async Task<DbDataReader> ExecuteDbDataReaderAsync(CommandBehavior behavior, CancellationToken cancellationToken)
        {
            var (command, lease) = Rent();
            try
            {
                return new Reader(await command.ExecuteReaderAsync(behavior, cancellationToken), () => Return(command, lease));
            }
            catch
            {
                Return(command, lease);
                throw;
            }
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing && _holder is { } holder)
            {
                _holder = null;
                connection.ReturnHolder(holder);
            }

            base.Dispose(disposing);
        }

        private T Run<T>(Func<SqliteCommand, T> run)
        {
            var (command, lease) = Rent();
            try
            {
                return run(command);
            }
            finally
            {
                Return(command, lease);
            }
        }

        private async Task<T> RunAsync<T>(Func<SqliteCommand, Task<T>> run)
        {
            var (command, lease) = Rent();
            try
            {
                return await run(command);
            }
            finally
            {
                Return(command, lease);
            }
        }

        private (SqliteCommand Command, Cached? Lease) Rent()
        {
            if (CommandType != CommandType.Text)
            {
                throw new NotSupportedException("SQLite runs text commands only");
            }

            var (command, lease) = connection.Rent(CommandText);
            command.CommandText = CommandText;
            command.CommandTimeout = CommandTimeout;
            command.Transaction = (SqliteTransaction?)DbTransaction;
            command.Parameters.Clear();
            foreach (SqliteParameter parameter in Holder.Parameters)
            {
                var name = parameter.ParameterName;
                if (name.Length > 0 && name[0] is not (':' or '@' or '$'))
                {
                    if (lease is null)
                    {
                        parameter.ParameterName = Prefixed(CommandText, name);
                    }
                    else
                    {
                        if (!lease.Names.TryGetValue(name, out var written))
                        {
                            lease.Names[name] = written = Prefixed(CommandText, name);
                        }

                        parameter.ParameterName = written;
                    }
                }

                command.Parameters.Add(parameter);
            }

            return (command, lease);
        }

        private static void Return(SqliteCommand command, Cached? lease)
        {
            command.Parameters.Clear();
            command.Transaction = null;
            if (lease is null)
            {
                command.Dispose();
            }
            else
            {
                lease.InUse = false;
            }
        }
    }

    /// <summary>A cached command's reader: gives the command back when it is closed.</summary>
    private sealed class Reader(SqliteDataReader inner, Action closed) : DbDataReader
    {
        private Action? _closed = closed;

        public override int Depth => inner.Depth;

        public override int FieldCount => inner.FieldCount;

        public override bool HasRows => inner.HasRows;

        public override bool IsClosed => inner.IsClosed;

        public override int RecordsAffected => inner.RecordsAffected;

        public override object this[int ordinal] => inner[ordinal];

        public override object this[string name] => inner[name];

        public override bool GetBoolean(int ordinal) => inner.GetBoolean(ordinal);

        public override byte GetByte(int ordinal) => inner.GetByte(ordinal);

        public override long GetBytes(int ordinal, long dataOffset, byte[]? buffer, int bufferOffset, int length) => inner.GetBytes(ordinal, dataOffset, buffer, bufferOffset, length);

        public override char GetChar(int ordinal) => inner.GetChar(ordinal);

        public override long GetChars(int ordinal, long dataOffset, char[]? buffer, int bufferOffset, int length) => inner.GetChars(ordinal, dataOffset, buffer, bufferOffset, length);

        public override string GetDataTypeName(int ordinal) => inner.GetDataTypeName(ordinal);

        public override DateTime GetDateTime(int ordinal) => inner.GetDateTime(ordinal);

        public override decimal GetDecimal(int ordinal) => inner.GetDecimal(ordinal);

        public override double GetDouble(int ordinal) => inner.GetDouble(ordinal);

        public override Type GetFieldType(int ordinal) => inner.GetFieldType(ordinal);

        public override float GetFloat(int ordinal) => inner.GetFloat(ordinal);

        public override Guid GetGuid(int ordinal) => inner.GetGuid(ordinal);

        public override short GetInt16(int ordinal) => inner.GetInt16(ordinal);

        public override int GetInt32(int ordinal) => inner.GetInt32(ordinal);

        public override long GetInt64(int ordinal) => inner.GetInt64(ordinal);

        public override string GetName(int ordinal) => inner.GetName(ordinal);

        public override int GetOrdinal(string name) => inner.GetOrdinal(name);

        public override string GetString(int ordinal) => inner.GetString(ordinal);

        public override object GetValue(int ordinal) => inner.GetValue(ordinal);

        public override int GetValues(object[] values) => inner.GetValues(values);

        public override bool IsDBNull(int ordinal) => inner.IsDBNull(ordinal);

        public override Task<bool> IsDBNullAsync(int ordinal, CancellationToken cancellationToken) => inner.IsDBNullAsync(ordinal, cancellationToken);

        public override T GetFieldValue<T>(int ordinal) => inner.GetFieldValue<T>(ordinal);

        public override bool NextResult() => inner.NextResult();

        public override Task<bool> NextResultAsync(CancellationToken cancellationToken) => inner.NextResultAsync(cancellationToken);

        public override bool Read() => inner.Read();

        public override Task<bool> ReadAsync(CancellationToken cancellationToken) => inner.ReadAsync(cancellationToken);

        public override DataTable? GetSchemaTable() => inner.GetSchemaTable();

        public override IEnumerator GetEnumerator() => ((IEnumerable)inner).GetEnumerator();

        public override void Close()
        {
            inner.Close();
            Release();
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
                Release();
            }

            base.Dispose(disposing);
        }

        private void Release()
        {
            Interlocked.Exchange(ref _closed, null)?.Invoke();
        }
    }
}
