using System.Data;
using System.Data.Common;
using System.Globalization;
using Dapper;

namespace OimBot.Bot.Storage;

/// <summary>
/// Dapper's queries, read without <see cref="CommandBehavior.SequentialAccess"/>. Dapper asks every query's reader for
/// sequential access and then reads each value with the synchronous <c>GetValue</c>; Npgsql in that mode reads a value
/// that has not arrived yet (a row across its 8 KB read buffer or the network's packets: a claim's payloads, a
/// transcript) from the socket synchronously, holding a thread of the pool until the network delivers it (found on
/// 2026-12-05 with <c>dotnet-stack</c>: BENCHMARKS.md). Without sequential access Npgsql's <c>ReadAsync</c> has the
/// whole row in memory before it returns, so no value is read from the socket and no thread waits for one. Rows are
/// mapped by Dapper's own row parser and values converted as Dapper converts them; every query of the service that may
/// run on PostgreSQL reads through here (a test holds <c>src/</c> to it).
/// </summary>
internal static class Rows
{
    /// <summary>Every row (Dapper's <c>QueryAsync</c>).</summary>
    public static Task<List<T>> ListAsync<T>(this DbConnection connection, string sql, object? param = null, IDbTransaction? transaction = null) =>
        connection.ListAsync<T>(new CommandDefinition(sql, param, transaction));

    /// <inheritdoc cref="ListAsync{T}(DbConnection, string, object?, IDbTransaction?)"/>
    public static async Task<List<T>> ListAsync<T>(this DbConnection connection, CommandDefinition command)
    {
        await using var reader = await connection.ExecuteReaderAsync(command, CommandBehavior.SingleResult);
        var rows = new List<T>();
        if (await reader.ReadAsync(command.CancellationToken))
        {
            var parse = Parser<T>(reader);
            do
            {
                rows.Add(parse(reader));
            }
            while (await reader.ReadAsync(command.CancellationToken));
        }

        return rows;
    }

    /// <summary>The one row, or the default when there is none; more than one throws (Dapper's <c>QuerySingleOrDefaultAsync</c>).</summary>
    public static async Task<T?> OneOrDefaultAsync<T>(this DbConnection connection, string sql, object? param = null, IDbTransaction? transaction = null)
    {
        var (found, row) = await OneRowAsync<T>(connection, new CommandDefinition(sql, param, transaction));
        return found ? row : default;
    }

    /// <summary>The one row; none or more than one throws (Dapper's <c>QuerySingleAsync</c>).</summary>
    public static async Task<T> OneAsync<T>(this DbConnection connection, string sql, object? param = null, IDbTransaction? transaction = null)
    {
        var (found, row) = await OneRowAsync<T>(connection, new CommandDefinition(sql, param, transaction));
        return found ? row : throw new InvalidOperationException("Sequence contains no elements");
    }

    /// <summary>The first column of the first row, or the default (Dapper's <c>ExecuteScalarAsync</c>).</summary>
    public static Task<T?> ValueAsync<T>(this DbConnection connection, string sql, object? param = null, IDbTransaction? transaction = null) =>
        connection.ValueAsync<T>(new CommandDefinition(sql, param, transaction));

    /// <inheritdoc cref="ValueAsync{T}(DbConnection, string, object?, IDbTransaction?)"/>
    public static async Task<T?> ValueAsync<T>(this DbConnection connection, CommandDefinition command)
    {
        await using var reader = await connection.ExecuteReaderAsync(command, CommandBehavior.SingleResult);
        return await reader.ReadAsync(command.CancellationToken) && reader.FieldCount > 0 ? Convert<T>(reader.GetValue(0)) : default;
    }

    private static async Task<(bool Found, T Row)> OneRowAsync<T>(DbConnection connection, CommandDefinition command)
    {
        await using var reader = await connection.ExecuteReaderAsync(command, CommandBehavior.SingleResult);
        if (!await reader.ReadAsync(command.CancellationToken))
        {
            return (false, default!);
        }

        var row = Parser<T>(reader)(reader);
        return await reader.ReadAsync(command.CancellationToken)
            ? throw new InvalidOperationException("Sequence contains more than one element")
            : (true, row);
    }

    /// <summary>Dapper's parser for the reader's columns (a nullable value type parsed as its underlying type), its value converted as Dapper's <c>QueryAsync</c> converts it.</summary>
    private static Func<DbDataReader, T> Parser<T>(DbDataReader reader)
    {
        var parse = reader.GetRowParser(Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T));
        return row => Convert<T>(parse(row));
    }

    private static T Convert<T>(object? value)
    {
        if (value is null or DBNull)
        {
            return default!;
        }

        if (value is T typed)
        {
            return typed;
        }

        var type = Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T);
        return type.IsEnum
            ? (T)Enum.ToObject(type, value)
            : (T)System.Convert.ChangeType(value, type, CultureInfo.InvariantCulture);
    }
}
