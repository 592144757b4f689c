using System.Data.Common;
using System.Globalization;
using Dapper;

namespace OimBot.Bot.Storage;

/// <summary>
/// The numbered SQL migrations embedded per provider (<c>Storage/Migrations/Sqlite</c>, <c>…/Postgres</c>), applied in
/// order, each in its own transaction with its row in <c>schema_migrations</c>. The caller makes sure only one
/// instance runs this at a time (SQLite: one file, one writer; PostgreSQL: an advisory lock).
/// </summary>
internal static class Migrations
{
    public static IEnumerable<(long Version, string Name, string Sql)> Of(string provider)
    {
        var assembly = typeof(Migrations).Assembly;
        var prefix = $"{assembly.GetName().Name}.Storage.Migrations.{provider}.";
        foreach (var resource in assembly.GetManifestResourceNames().Where(r => r.StartsWith(prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            var name = resource[prefix.Length..];
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream);
            yield return (long.Parse(name.AsSpan(0, 4), CultureInfo.InvariantCulture), name, reader.ReadToEnd());
        }
    }

    /// <summary>Applies the migrations of <paramref name="provider"/> not applied yet; <paramref name="applied"/> hears each one.</summary>
    public static async Task ApplyAsync(DbConnection connection, string provider, DateTimeOffset now, Action<string> applied, CancellationToken cancellationToken)
    {
        var done = (await connection.ListAsync<long>("SELECT version FROM schema_migrations")).ToHashSet();
        foreach (var (version, name, sql) in Of(provider))
        {
            if (done.Contains(version))
            {
                continue;
            }

            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await connection.ExecuteAsync(sql, transaction: transaction);
            await connection.ExecuteAsync(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (@version, @name, @at)",
                new { version, name, at = SqlTime.For(connection).Write(now) },
                transaction);
            await transaction.CommitAsync(cancellationToken);
            applied(name);
        }
    }
}
