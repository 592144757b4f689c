using System.Collections.Concurrent;
using System.Data.Common;
using System.Linq.Expressions;
using Dapper;
using Npgsql;
using NpgsqlTypes;

namespace OimBot.Bot.Storage;

/// <summary>
/// Statements of one write transaction whose results are needed only later in it. On PostgreSQL they wait and go out
/// together as one batch when <see cref="FlushAsync"/> is called: one round trip for all of a turn's writes instead
/// of one each (issue 15). On SQLite a statement is a call into the process, so each runs at once, through Dapper as
/// everywhere else. Code that uses the connection itself flushes first, so the statements still run in the order
/// they were written.
/// </summary>
public sealed class StatementBatch : IAsyncDisposable
{
    /// <param name="connection">the transaction's connection</param>
    /// <param name="transaction">the transaction</param>
    /// <param name="commitWithLast">
    /// PostgreSQL: <see cref="FlushLastAsync"/> sends the transaction's COMMIT in the same batch (then <see cref="Committed"/>);
    /// the transaction's owner commits when it is not.
    /// </param>
    public StatementBatch(DbConnection connection, DbTransaction transaction, bool commitWithLast = false)
    {
        _connection = connection;
        _transaction = transaction;
        _commitWithLast = commitWithLast;
        _pending = connection is NpgsqlConnection ? [] : null;
        Time = SqlTime.For(connection);
    }

    /// <summary>
    /// PostgreSQL: a transaction that may go with others' in <paramref name="groups"/> (<see cref="MayGoWithOthers"/>;
    /// group commit) and opens a pooled connection
    /// and its transaction only should it need its own: a flush before its last, or a group that failed. While it waits
    /// for a group it holds nothing of the pool. Its COMMIT goes with its last statements; the batch owns what it opened.
    /// </summary>
    internal StatementBatch(PostgresDatabase database, TurnGroups groups)
    {
        _database = database;
        _commitWithLast = true;
        _groups = groups;
        _pending = [];
        Time = SqlTime.Postgres;
    }

    private readonly PostgresDatabase? _database;
    private DbConnection? _connection;
    private DbTransaction? _transaction;
    private readonly bool _commitWithLast;
    private readonly TurnGroups? _groups;
    private readonly List<Pending>? _pending;

    /// <summary>The key this transaction's rows are locked by in a group (<see cref="MayGoWithOthers"/>); null: alone.</summary>
    private string? _groupKey;

    /// <summary>Something of this transaction has been sent already: it can no longer go with others.</summary>
    private bool _flushed;

    /// <summary>
    /// The whole transaction is the statements that wait for the last flush, and nothing it reads decides what it
    /// writes: with <c>commitWithLast</c>, that flush may send them with other such transactions' in one transaction,
    /// one round trip and one commit (<see cref="TurnGroups"/>; issue 15). <paramref name="lockKey"/> orders the
    /// transactions in a group (the conversation's id its statements lock), so that two groups lock rows in one order.
    /// Should the group fail, each of its transactions runs again alone, as it would have.
    /// </summary>
    internal void MayGoWithOthers(string lockKey)
    {
        if (_groups is not null && _commitWithLast && !_flushed)
        {
            _groupKey = lockKey;
        }
    }

    /// <summary>The transaction was committed with the last flush.</summary>
    public bool Committed { get; private set; }

    /// <summary>The transaction's connection: of a batch that opens it only when needed, after a <see cref="FlushAsync()"/>.</summary>
    public DbConnection Connection => _connection ?? throw new InvalidOperationException("The transaction has no connection yet: flush first.");

    public DbTransaction Transaction => _transaction ?? throw new InvalidOperationException("The transaction has not begun yet: flush first.");

    public SqlTime Time { get; }

    /// <summary>A batch that opened its own connection (<see cref="StatementBatch(PostgresDatabase, TurnGroups)"/>): its transaction ends here, rolled back unless committed.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_database is not null && _connection is not null)
        {
            await _transaction!.DisposeAsync();
            await _connection.DisposeAsync();
        }
    }

    /// <summary>Commits the transaction unless its last flush did (a batch whose connection was never opened has nothing to commit).</summary>
    internal async Task CommitAsync(CancellationToken cancellationToken)
    {
        if (!Committed && _transaction is not null)
        {
            await _transaction.CommitAsync(cancellationToken);
        }
    }

    private async Task OpenAsync()
    {
        if (_connection is null && _database is not null)
        {
            var connection = await _database.OpenAsync(CancellationToken.None);
            try
            {
                _transaction = await connection.BeginTransactionAsync();
                _connection = connection;
            }
            catch
            {
                await connection.DisposeAsync();
                throw;
            }
        }
    }

    /// <summary>A statement whose result is not read; <paramref name="parameters"/> an anonymous object, a <see cref="ParameterList"/> or <see cref="DynamicParameters"/>.</summary>
    public async Task ExecuteAsync(string sql, object parameters)
    {
        if (_pending is null)
        {
            // SQLite's writer runs the turn's statements straight on their prepared statements when it can (issue 15).
            if (_connection is not StatementCachingConnection cached || !cached.TryExecuteDirect(sql, parameters))
            {
                await Connection.ExecuteAsync(sql, parameters, _transaction);
            }

            return;
        }

        _pending.Add(new Pending(sql, parameters, null, null, null));
    }

    /// <summary>
    /// A statement returning one row, read as Dapper reads a <typeparamref name="T"/> and handed to <paramref name="then"/>
    /// once it has run; <paramref name="ifNeverRun"/> is called instead when the statement fails or never runs.
    /// </summary>
    public async Task QueryRowAsync<T>(string sql, object parameters, Action<T> then, Action? ifNeverRun = null)
    {
        if (_pending is null)
        {
            T row;
            try
            {
                row = DirectRow<T>(sql, parameters, out var ran) is var direct && ran
                    ? direct
                    : await Connection.OneAsync<T>(sql, parameters, _transaction);
            }
            catch
            {
                ifNeverRun?.Invoke();
                throw;
            }

            then(row);
            return;
        }

        _pending.Add(new Pending(sql, parameters, static reader => reader.GetRowParser(typeof(T))(reader), row => then((T)row!), ifNeverRun));
    }

    /// <summary>
    /// SQLite's writer: the statement's single row read straight from SQLite when <typeparamref name="T"/> is a value
    /// tuple of simple values (issue 15); <paramref name="ran"/> false, with nothing run, when it cannot be. As Dapper's
    /// <c>QuerySingleAsync</c>, no row or more than one throws.
    /// </summary>
    private T DirectRow<T>(string sql, object parameters, out bool ran)
    {
        ran = false;
        if (_connection is not StatementCachingConnection cached || DirectValue.Row<T>.Make is not { } make)
        {
            return default!;
        }

        var values = new object?[DirectValue.Row<T>.Arity];
        if (!cached.TryQueryDirect(sql, parameters, values, out var rows))
        {
            return default!;
        }

        ran = true;
        return rows == 1
            ? make(values)
            : throw new InvalidOperationException(rows == 0 ? "Sequence contains no elements" : "Sequence contains more than one element");
    }

    /// <summary>Runs what waits, in the order it was added (PostgreSQL: one round trip).</summary>
    public Task FlushAsync() => FlushAsync(last: false, open: true);

    /// <summary>
    /// As <see cref="FlushAsync()"/>, for the transaction's last statements: nothing else runs in it afterwards, so with
    /// <c>commitWithLast</c> the COMMIT goes with them.
    /// </summary>
    public Task FlushLastAsync() => FlushAsync(last: _commitWithLast && _pending is { Count: > 0 }, open: false);

    /// <param name="open">a batch that opens its connection when needed opens it now even with nothing to send (its owner will use it)</param>
    private async Task FlushAsync(bool last, bool open)
    {
        if (_pending is not { Count: > 0 })
        {
            if (open)
            {
                _flushed = true;
                await OpenAsync();
            }

            return;
        }

        var pending = _pending.ToArray();
        _pending.Clear();
        if (last && _groupKey is not null && !_flushed && _groups is not null)
        {
            var member = new TurnGroups.Member(_groupKey, pending);
            bool committed;
            try
            {
                committed = await _groups.CommitAsync(member);
            }
            catch
            {
                NeverRun(pending); // this turn's own statement failed in the group (its check): the others went on without it
                throw;
            }

            if (committed)
            {
                Committed = true;
                Deliver(pending, member.Rows);
                return;
            }

            // The group failed: alone now, on this transaction's own connection, to its own outcome.
        }

        _flushed = true;
        if (last)
        {
            pending = [.. pending, CommitStatement];
        }

        object?[] rows;
        try
        {
            await OpenAsync();
            rows = await RunAsync((NpgsqlConnection)Connection, (NpgsqlTransaction)Transaction, pending);
        }
        catch
        {
            NeverRun(pending);
            throw;
        }

        Committed = last;
        Deliver(pending, rows);
    }

    private static void NeverRun(Pending[] pending)
    {
        foreach (var statement in pending)
        {
            if (statement.Parse is not null)
            {
                statement.IfNeverRun?.Invoke();
            }
        }
    }

    /// <summary>Each row read handed to its statement's callback, once all of them ran (and committed, when COMMIT was among them).</summary>
    private static void Deliver(Pending[] pending, object?[] rows)
    {
        for (var i = 0; i < pending.Length; i++)
        {
            pending[i].Then?.Invoke(rows[i]);
        }
    }

    /// <summary>
    /// Sends <paramref name="statements"/> as one batch (one round trip) and reads the one row each that returns rows
    /// returns, by its parser; <c>rows[i]</c> is statement <c>i</c>'s (null for those that return none).
    /// </summary>
    internal static async Task<object?[]> RunAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, IReadOnlyList<Pending> statements)
    {
        var rows = new object?[statements.Count];
        await using var batch = new NpgsqlBatch(connection, transaction);
        foreach (var statement in statements)
        {
            batch.BatchCommands.Add(Command(statement.Sql, statement.Parameters));
        }

        // The statement whose row is being read: an error that a statement returning rows raises (a turn's check) is
        // raised while its row is looked for (Npgsql does not name the failed statement here).
        var reading = statements.Count > 0 && statements[0].Parse is not null ? 0 : -1;
        try
        {
            await using var reader = await batch.ExecuteReaderAsync();

            // Only statements that return rows have a result set here, in the order they were added; each returns one row.
            var first = true;
            for (var i = 0; i < statements.Count; i++)
            {
                if (statements[i].Parse is not { } parse)
                {
                    continue;
                }

                reading = i;
                if ((!first && !await reader.NextResultAsync()) || !await reader.ReadAsync())
                {
                    throw new InvalidOperationException($"A statement of the batch returned no row: {statements[i].Sql}");
                }

                first = false;
                rows[i] = parse(reader);
            }

            while (await reader.NextResultAsync())
            {
            }
        }
        catch (PostgresException ex)
        {
            // Which one, for a group (TurnGroups): the statement named, else the one whose row was being read.
            ex.Data[FailedStatement] = ex.BatchCommand is { } failed ? batch.BatchCommands.IndexOf(failed) : reading;
            throw;
        }

        return rows;
    }

    /// <summary>
    /// The key under which a <see cref="PostgresException"/> from <see cref="RunAsync"/> carries the failed statement's
    /// index: exact for an error raised by a statement that returns a row (a check); for another statement's, the next
    /// statement returning a row (-1: none was read yet and the first returns none).
    /// </summary>
    internal const string FailedStatement = "oimbot:failed-statement";

    private static readonly object s_none = new();

    /// <summary>The COMMIT that goes with a transaction's last statements.</summary>
    internal static readonly Pending CommitStatement = new("COMMIT", s_none, null, null, null);

    /// <summary>A statement waiting for the flush: with <paramref name="Parse"/> it returns one row, handed to <paramref name="Then"/> once all ran.</summary>
    internal sealed record Pending(string Sql, object Parameters, Func<DbDataReader, object?>? Parse, Action<object?>? Then, Action? IfNeverRun);

    /// <summary>
    /// The parameters the statement names, typed as Dapper types them: strings as text and byte arrays as bytea even when
    /// null; other nulls untyped (PostgreSQL infers them from where they stand); other values by their own type. They are
    /// bound by position (<c>$1</c>, <c>$2</c>…, the statement's text rewritten once and kept), so Npgsql sends the text
    /// as it is instead of parsing it for names on every execution (issue 15: about 4 % of the service's CPU on
    /// PostgreSQL). A statement whose names the parameters do not all cover keeps its names, as before.
    /// </summary>
    internal static NpgsqlBatchCommand Command(string sql, object parameters)
    {
        var shape = Shape.Of(sql);
        if (parameters is ParameterList list)
        {
            return Command(sql, shape, list);
        }

        if (parameters is DynamicParameters dynamic)
        {
            var given = dynamic.ParameterNames.ToArray(); // a handful: a linear look is cheaper than a set
            if (Covers(given, shape.Names))
            {
                var command = new NpgsqlBatchCommand(shape.Positional);
                foreach (var name in shape.Names)
                {
                    command.Parameters.Add(Parameter(null, typeof(string), dynamic.Get<object?>(name))); // the analytics rows' nulls are all text
                }

                return command;
            }

            var named = new NpgsqlBatchCommand(sql);
            foreach (var name in dynamic.ParameterNames)
            {
                named.Parameters.Add(Parameter(name, typeof(string), dynamic.Get<object?>(name)));
            }

            return named;
        }

        var members = Members(sql, parameters.GetType());
        var byPosition = members.Length == shape.Names.Length;
        var result = new NpgsqlBatchCommand(byPosition ? shape.Positional : sql);
        foreach (var (name, type, get) in members)
        {
            result.Parameters.Add(Parameter(byPosition ? null : name, type, get(parameters)));
        }

        return result;
    }

    /// <summary>
    /// A <see cref="ParameterList"/>'s parameters by position: in the order added when that is the statement's order
    /// (the analytics statements add them so), else looked up by name.
    /// </summary>
    private static NpgsqlBatchCommand Command(string sql, Shape shape, ParameterList list)
    {
        var items = list.Items;
        var inOrder = items.Count == shape.Names.Length;
        for (var i = 0; inOrder && i < items.Count; i++)
        {
            inOrder = string.Equals(items[i].Name, shape.Names[i], StringComparison.OrdinalIgnoreCase);
        }

        if (inOrder)
        {
            var command = new NpgsqlBatchCommand(shape.Positional);
            foreach (var (_, value) in items)
            {
                command.Parameters.Add(Parameter(null, typeof(string), value));
            }

            return command;
        }

        var byName = new Dictionary<string, object?>(items.Count, StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in items)
        {
            byName.TryAdd(name, value);
        }

        if (shape.Names.All(byName.ContainsKey))
        {
            var command = new NpgsqlBatchCommand(shape.Positional);
            foreach (var name in shape.Names)
            {
                command.Parameters.Add(Parameter(null, typeof(string), byName[name]));
            }

            return command;
        }

        var named = new NpgsqlBatchCommand(sql);
        foreach (var (name, value) in byName)
        {
            named.Parameters.Add(Parameter(name, typeof(string), value));
        }

        return named;
    }

    /// <summary>Whether every name of <paramref name="names"/> is among <paramref name="given"/> (ignoring case, as Dapper binds).</summary>
    private static bool Covers(string[] given, string[] names)
    {
        foreach (var name in names)
        {
            var found = false;
            foreach (var candidate in given)
            {
                found |= string.Equals(candidate, name, StringComparison.OrdinalIgnoreCase);
            }

            if (!found)
            {
                return false;
            }
        }

        return true;
    }

    private static NpgsqlParameter Parameter(string? name, Type declared, object? value)
    {
        var parameter = value switch
        {
            null when declared == typeof(byte[]) => new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Bytea, Value = DBNull.Value },
            null when declared == typeof(string) => new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = DBNull.Value },
            null => new NpgsqlParameter { Value = DBNull.Value },
            string text => new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = text },
            _ => new NpgsqlParameter { Value = value },
        };
        if (name is not null)
        {
            parameter.ParameterName = name;
        }

        return parameter;
    }

    /// <summary>
    /// An anonymous type's properties that the SQL names (as Dapper binds only those), with compiled getters, in the
    /// order of <see cref="Shape.Names"/> (so by position when every name is covered); once per statement and type.
    /// </summary>
    internal static (string Name, Type Type, Func<object, object?> Get)[] Members(string sql, Type type) =>
        s_members.GetOrAdd((sql, type), static key =>
        {
            var properties = key.Type.GetProperties();
            return [.. Shape.Of(key.Sql).Names
                .Select(name => properties.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase)))
                .OfType<System.Reflection.PropertyInfo>()
                .Select(p =>
                {
                    var instance = Expression.Parameter(typeof(object));
                    var get = Expression.Lambda<Func<object, object?>>(
                        Expression.Convert(Expression.Property(Expression.Convert(instance, key.Type), p), typeof(object)), instance).Compile();
                    return (p.Name, p.PropertyType, get);
                })];
        });

    private static readonly ConcurrentDictionary<(string Sql, Type Type), (string, Type, Func<object, object?>)[]> s_members = new();

    /// <summary>
    /// A statement's parameter names (each once, in the order they first appear, compared as Dapper compares them,
    /// ignoring case) and its text with each <c>@name</c> outside a quoted literal replaced by <c>$n</c>.
    /// </summary>
    internal sealed record Shape(string Positional, string[] Names)
    {
        public static Shape Of(string sql) => s_shapes.GetOrAdd(sql, static sql =>
        {
            var names = new List<string>();
            var text = new System.Text.StringBuilder(sql.Length);
            var quoted = false;
            for (var i = 0; i < sql.Length; i++)
            {
                var c = sql[i];
                if (c == '\'')
                {
                    quoted = !quoted;
                }
                else if (!quoted && c == '@' && i + 1 < sql.Length && IsNameChar(sql[i + 1]) && (i == 0 || !IsNameChar(sql[i - 1])))
                {
                    var end = i + 1;
                    while (end < sql.Length && IsNameChar(sql[end]))
                    {
                        end++;
                    }

                    var name = sql[(i + 1)..end];
                    var index = names.FindIndex(n => string.Equals(n, name, StringComparison.OrdinalIgnoreCase));
                    if (index < 0)
                    {
                        names.Add(name);
                        index = names.Count - 1;
                    }

                    text.Append('$').Append(index + 1);
                    i = end - 1;
                    continue;
                }

                text.Append(c);
            }

            return new Shape(text.ToString(), [.. names]);
        });

        private static bool IsNameChar(char c) => char.IsLetterOrDigit(c) || c == '_';

        private static readonly ConcurrentDictionary<string, Shape> s_shapes = new();
    }
}
