using System.Globalization;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Dapper;
using Npgsql;
using OimBot.Bot.Storage;

namespace OimBot.Bot.Operations;

/// <summary>
/// The warm-up twin's own schema in the real PostgreSQL database (<c>WarmUp:Storage</c> = same, README, Decisions): a
/// twin on SQLite leaves Npgsql's code, some 3,000 methods, to be compiled on the first people's messages. The schema
/// is named <c>oimbot_warm_up_{unix seconds}_{random}</c>, the twin's connections use it as their only search path, so
/// every table it makes and writes is in it, and it is dropped with everything in it when the twin stops. A schema of
/// this name left by a start that died (killed during its warm-up) is dropped by the next start an hour later; a
/// younger one may be another instance's twin at work.
/// </summary>
internal static partial class WarmUpSchema
{
    internal const string Prefix = "oimbot_warm_up_";

    /// <summary>How old a twin's schema must be before another start drops it (a warm-up takes at most 5 minutes).</summary>
    internal static readonly TimeSpan StaleAfter = TimeSpan.FromHours(1);

    /// <summary>A new schema's name, stamped with the time it was made.</summary>
    internal static string NewName(DateTimeOffset now) =>
        string.Create(CultureInfo.InvariantCulture, $"{Prefix}{now.ToUnixTimeSeconds()}_{Convert.ToHexString(RandomNumberGenerator.GetBytes(4)).ToLowerInvariant()}");

    /// <summary>True for a twin's schema made more than <see cref="StaleAfter"/> before <paramref name="now"/>; false for anything else.</summary>
    internal static bool IsStale(string schema, DateTimeOffset now)
    {
        var match = NameRegex().Match(schema);
        return match.Success
            && long.TryParse(match.Groups[1].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out var made)
            && now.ToUnixTimeSeconds() - made > (long)StaleAfter.TotalSeconds;
    }

    /// <summary>
    /// Drops the stale twins' schemas, makes <paramref name="schema"/>, and returns the twin's connection string: the
    /// real one with the schema as its only search path and a pool of its own. Throws <see cref="NpgsqlException"/>
    /// (or <see cref="PostgresException"/> with its SQLSTATE, for instance 42501 without the right to create a schema).
    /// </summary>
    public static async Task<string> CreateAsync(string realConnectionString, string schema, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(PostgresDatabase.Unpooled(realConnectionString));
        await connection.OpenAsync(cancellationToken);
        var existing = await connection.ListAsync<string>(new CommandDefinition(
            "SELECT nspname FROM pg_namespace WHERE nspname LIKE @pattern", new { pattern = Prefix.Replace("_", "\\_", StringComparison.Ordinal) + "%" }, cancellationToken: cancellationToken));
        foreach (var stale in existing.Where(name => IsStale(name, now)))
        {
            await connection.ExecuteAsync(new CommandDefinition($"DROP SCHEMA IF EXISTS \"{stale}\" CASCADE", cancellationToken: cancellationToken));
        }

        await connection.ExecuteAsync(new CommandDefinition($"CREATE SCHEMA \"{Checked(schema)}\"", cancellationToken: cancellationToken));
        return new NpgsqlConnectionStringBuilder(realConnectionString) { SearchPath = schema, ApplicationName = "oimbot-warm-up" }.ConnectionString;
    }

    /// <summary>
    /// Makes every table of the twin's schema unlogged, once its migrations have made them: the twin's turns then write
    /// no write-ahead log, so a start adds nothing to the server's WAL archive or to its replicas (the twin's tens of
    /// megabytes of turns would otherwise be shipped, archived and replayed), and its commits wait for no fsync. The
    /// code the twin runs is the same. A table that another still references is changed after it (a permanent table
    /// may not reference an unlogged one). Returns how many tables are unlogged.
    /// </summary>
    public static async Task<int> UnlogAsync(string realConnectionString, string schema, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(PostgresDatabase.Unpooled(realConnectionString));
        await connection.OpenAsync(cancellationToken);
        var left = (await connection.ListAsync<string>(new CommandDefinition(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = @schema AND c.relkind = 'r' AND c.relpersistence = 'p' ORDER BY c.relname",
            new { schema = Checked(schema) },
            cancellationToken: cancellationToken))).ToList();
        var unlogged = 0;
        while (left.Count > 0)
        {
            var progress = false;
            foreach (var table in left.ToList())
            {
                try
                {
                    await connection.ExecuteAsync(new CommandDefinition($"ALTER TABLE \"{schema}\".\"{table.Replace("\"", "\"\"", StringComparison.Ordinal)}\" SET UNLOGGED", cancellationToken: cancellationToken));
                    left.Remove(table);
                    unlogged++;
                    progress = true;
                }
                catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.InvalidTableDefinition)
                {
                    // still referenced by a logged table: after that one
                }
            }

            if (!progress)
            {
                break;
            }
        }

        return unlogged;
    }

    /// <summary>Drops the twin's schema and everything in it (its pool must be closed: the twin's data source is disposed with it).</summary>
    public static async Task DropAsync(string realConnectionString, string schema)
    {
        await using var connection = new NpgsqlConnection(PostgresDatabase.Unpooled(realConnectionString));
        await connection.OpenAsync();
        await connection.ExecuteAsync($"DROP SCHEMA IF EXISTS \"{Checked(schema)}\" CASCADE");
    }

    private static string Checked(string schema) =>
        NameRegex().IsMatch(schema) ? schema : throw new ArgumentException($"not a warm-up schema's name: {schema}", nameof(schema));

    [GeneratedRegex("^oimbot_warm_up_([0-9]{1,19})_[0-9a-f]{8}$", RegexOptions.CultureInvariant)]
    private static partial Regex NameRegex();
}
