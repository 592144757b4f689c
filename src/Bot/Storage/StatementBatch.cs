using System.Collections.Concurrent;
using System.Data.Common;
using System.Linq.Expressions;
using System.Text.RegularExpressions;
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
/// <param name="commitWithLast">
/// PostgreSQL: <see cref="FlushLastAsync"/> sends the transaction's COMMIT in the same batch (then <see cref="Committed"/>);
/// the transaction's owner commits when it is not.
/// </param>
public sealed partial class StatementBatch(DbConnection connection, DbTransaction transaction, bool commitWithLast = false)
{
    private readonly List<Pending>? _pending = connection is NpgsqlConnection ? [] : null;

    /// <summary>The transaction was committed with the last flush.</summary>
    public bool Committed { get; private set; }

    public DbConnection Connection => connection;

    public DbTransaction Transaction => transaction;

    public SqlTime Time { get; } = SqlTime.For(connection);

    /// <summary>A statement whose result is not read; <paramref name="parameters"/> an anonymous object or <see cref="DynamicParameters"/>.</summary>
    public async Task ExecuteAsync(string sql, object parameters)
    {
        if (_pending is null)
        {
            await connection.ExecuteAsync(sql, parameters, transaction);
            return;
        }

        _pending.Add(new Pending(sql, parameters, null, null));
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
                row = await connection.QuerySingleAsync<T>(sql, parameters, transaction);
            }
            catch
            {
                ifNeverRun?.Invoke();
                throw;
            }

            then(row);
            return;
        }

        _pending.Add(new Pending(sql, parameters, reader => then((T)reader.GetRowParser(typeof(T))(reader)), ifNeverRun));
    }

    /// <summary>Runs what waits, in the order it was added (PostgreSQL: one round trip).</summary>
    public Task FlushAsync() => FlushAsync(last: false);

    /// <summary>
    /// As <see cref="FlushAsync()"/>, for the transaction's last statements: nothing else runs in it afterwards, so with
    /// <c>commitWithLast</c> the COMMIT goes with them.
    /// </summary>
    public Task FlushLastAsync() => FlushAsync(last: commitWithLast && _pending is { Count: > 0 });

    private async Task FlushAsync(bool last)
    {
        if (_pending is not { Count: > 0 })
        {
            return;
        }

        if (last)
        {
            _pending.Add(new Pending("COMMIT", s_none, null, null));
        }

        var pending = _pending.ToArray();
        _pending.Clear();
        var read = 0;
        try
        {
            await using var batch = new NpgsqlBatch((NpgsqlConnection)connection, (NpgsqlTransaction)transaction);
            foreach (var statement in pending)
            {
                var command = new NpgsqlBatchCommand(statement.Sql);
                Bind(command.Parameters, statement.Sql, statement.Parameters);
                batch.BatchCommands.Add(command);
            }

            await using var reader = await batch.ExecuteReaderAsync();

            // Only statements that return rows have a result set here, in the order they were added; each returns one row.
            var first = true;
            foreach (var statement in pending)
            {
                if (statement.Read is null)
                {
                    continue;
                }

                if ((!first && !await reader.NextResultAsync()) || !await reader.ReadAsync())
                {
                    throw new InvalidOperationException($"A statement of the batch returned no row: {statement.Sql}");
                }

                first = false;
                statement.Read(reader);
                read++;
            }

            while (await reader.NextResultAsync())
            {
            }

            Committed = last;
        }
        catch
        {
            foreach (var statement in pending.Where(p => p.Read is not null).Skip(read))
            {
                statement.IfNeverRun?.Invoke();
            }

            throw;
        }
    }

    private static readonly object s_none = new();

    private sealed record Pending(string Sql, object Parameters, Action<DbDataReader>? Read, Action? IfNeverRun);

    /// <summary>
    /// The parameters the statement names, typed as Dapper types them: strings as text and byte arrays as bytea even when
    /// null; other nulls untyped (PostgreSQL infers them from where they stand); other values by their own type.
    /// </summary>
    private static void Bind(NpgsqlParameterCollection target, string sql, object parameters)
    {
        if (parameters is DynamicParameters dynamic)
        {
            foreach (var name in dynamic.ParameterNames)
            {
                target.Add(Parameter(name, typeof(string), dynamic.Get<object?>(name))); // the analytics rows' nulls are all text
            }

            return;
        }

        foreach (var (name, type, get) in Members(sql, parameters.GetType()))
        {
            target.Add(Parameter(name, type, get(parameters)));
        }
    }

    private static NpgsqlParameter Parameter(string name, Type declared, object? value) => value switch
    {
        null when declared == typeof(byte[]) => new NpgsqlParameter(name, NpgsqlDbType.Bytea) { Value = DBNull.Value },
        null when declared == typeof(string) => new NpgsqlParameter(name, NpgsqlDbType.Text) { Value = DBNull.Value },
        null => new NpgsqlParameter(name, DBNull.Value),
        string text => new NpgsqlParameter(name, NpgsqlDbType.Text) { Value = text },
        _ => new NpgsqlParameter(name, value),
    };

    /// <summary>An anonymous type's properties that the SQL names (as Dapper binds only those), with compiled getters; once per statement and type.</summary>
    private static (string Name, Type Type, Func<object, object?> Get)[] Members(string sql, Type type) =>
        s_members.GetOrAdd((sql, type), static key =>
        {
            var named = NamedParameter().Matches(key.Sql).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.OrdinalIgnoreCase);
            return [.. key.Type.GetProperties()
                .Where(p => named.Contains(p.Name))
                .Select(p =>
                {
                    var instance = Expression.Parameter(typeof(object));
                    var get = Expression.Lambda<Func<object, object?>>(
                        Expression.Convert(Expression.Property(Expression.Convert(instance, key.Type), p), typeof(object)), instance).Compile();
                    return (p.Name, p.PropertyType, get);
                })];
        });

    private static readonly ConcurrentDictionary<(string Sql, Type Type), (string, Type, Func<object, object?>)[]> s_members = new();

    [GeneratedRegex(@"@(\w+)")]
    private static partial Regex NamedParameter();
}
