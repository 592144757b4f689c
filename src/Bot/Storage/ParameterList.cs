using System.Data;
using Dapper;

namespace OimBot.Bot.Storage;

/// <summary>
/// A statement's parameters as a plain list of names and values, in the order added: the analytics rows' numbered
/// parameters (<c>@kind0</c>, <c>@kind1</c>…) without Dapper's <see cref="DynamicParameters"/>, which kept a dictionary
/// and an object per parameter and, on SQLite, searched the command's parameters for each name it added (issue 15:
/// about a tenth of the bytes a turn allocated, on SQLite's writer thread). Strings and nulls are typed as text, as
/// Dapper types strings; other values by their own type. <see cref="StatementBatch"/> binds them by position on
/// PostgreSQL.
/// </summary>
public sealed class ParameterList(int capacity) : SqlMapper.IDynamicParameters
{
    private readonly List<(string Name, object? Value)> _items = new(capacity);

    public int Count => _items.Count;

    public IReadOnlyList<(string Name, object? Value)> Items => _items;

    /// <summary>Adds a parameter (each name once).</summary>
    public ParameterList Add(string name, object? value)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        _items.Add((name, value));
        return this;
    }

    /// <summary>
    /// <paramref name="name"/> followed by <paramref name="index"/> (<c>kind0</c>), from a table for the first rows
    /// rather than a new string each time. For the code's own names (a table is kept per name).
    /// </summary>
    public static string Numbered(string name, int index) =>
        index < NumberedCached
            ? s_numbered.GetOrAdd(name, static name => [.. Enumerable.Range(0, NumberedCached).Select(i => name + i.ToString(System.Globalization.CultureInfo.InvariantCulture))])[index]
            : name + index.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private const int NumberedCached = 16;
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, string[]> s_numbered = new(StringComparer.Ordinal);

    void SqlMapper.IDynamicParameters.AddParameters(IDbCommand command, SqlMapper.Identity identity)
    {
        foreach (var (name, value) in _items)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            if (value is null or string)
            {
                parameter.DbType = DbType.String;
            }

            parameter.Value = value ?? DBNull.Value;
            command.Parameters.Add(parameter);
        }
    }
}
