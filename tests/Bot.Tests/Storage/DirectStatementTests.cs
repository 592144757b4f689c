using Dapper;
using Microsoft.Data.Sqlite;
using OimBot.Bot.Storage;

namespace OimBot.Bot.Tests.Storage;

/// <summary>
/// The SQLite writer's statements run straight on their prepared statements (issue 15, <see cref="DirectStatement"/>):
/// every value is stored exactly as Dapper and Microsoft.Data.Sqlite store it; whatever would be bound otherwise is
/// left to them, with nothing run; SQLite's errors are the same exceptions; the statement runs in the transaction.
/// </summary>
public sealed class DirectStatementTests : IDisposable
{
    private const string Insert = "INSERT INTO v (k, x) VALUES (@k, @x)";

    private readonly string _folder = Directory.CreateTempSubdirectory("oimbot-direct-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    private async Task<StatementCachingConnection> OpenAsync()
    {
        var connection = new StatementCachingConnection($"Data Source={Path.Combine(_folder, "bot.db")}");
        await connection.OpenAsync();
        // x has no declared type: SQLite keeps each value's own storage class, so a difference in binding shows.
        await connection.ExecuteAsync("CREATE TABLE IF NOT EXISTS v (k TEXT NOT NULL, x, UNIQUE (k))");
        return connection;
    }

    public static TheoryData<string, object?> Bound => new()
    {
        { "null", null },
        { "DBNull", DBNull.Value },
        { "empty text", string.Empty },
        { "text", "hola" },
        { "accents, Mandarin, emoji", "Ça va? ¿Dónde? 你好 😀" },
        { "a lone surrogate", "a\ud800b" },
        { "long text (pooled buffer)", new string('ñ', 600) + "終" },
        { "NUL inside text", "a\0b" },
        { "long", 5_000_000_000L },
        { "int", -3 },
        { "short", (short)7 },
        { "byte", (byte)255 },
        { "true", true },
        { "false", false },
        { "double", 1.5 },
        { "negative zero", -0.0 },
        { "blob", new byte[] { 0, 1, 2, 255 } },
    };

    [Theory]
    [MemberData(nameof(Bound))]
    public async Task AValue_IsStoredExactlyAsDapperStoresIt(string label, object? value)
    {
        await using var connection = await OpenAsync();
        Assert.True(connection.TryExecuteDirect(Insert, new { k = "direct", x = value }), label);
        await connection.ExecuteAsync(Insert, new { k = "dapper", x = value });

        var stored = (await connection.QueryAsync<(string K, string Type, string Quoted, long Length)>(
            "SELECT k, typeof(x), quote(x), coalesce(length(CAST(x AS BLOB)), -1) FROM v ORDER BY k")).ToList();
        Assert.Equal(2, stored.Count);
        Assert.Equal((stored[1].Type, stored[1].Quoted, stored[1].Length), (stored[0].Type, stored[0].Quoted, stored[0].Length));
        Assert.Equal(1, connection.DirectRuns);
    }

    public static TheoryData<string, object?> LeftToDapper => new()
    {
        { "an empty byte array", Array.Empty<byte>() },
        { "NaN", double.NaN },
        { "infinity", double.PositiveInfinity },
        { "a float", 1.5f },
        { "a decimal", 1.5m },
        { "a time", new DateTimeOffset(2026, 12, 3, 10, 0, 0, TimeSpan.FromHours(-5)) },
        { "a date and time", new DateTime(2026, 12, 3, 10, 0, 0, DateTimeKind.Utc) },
        { "a guid", Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e") },
        { "a char", 'x' },
        { "an enum", DayOfWeek.Friday },
        { "an unsigned long", 5UL },
        { "a list", new[] { 1, 2 } },
    };

    [Theory]
    [MemberData(nameof(LeftToDapper))]
    public async Task AValueBoundOtherwise_IsLeftToDapper_WithNothingRun(string label, object? value)
    {
        await using var connection = await OpenAsync();
        Assert.False(connection.TryExecuteDirect(Insert, new { k = "direct", x = value }), label);
        Assert.Equal(0, await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM v"));

        // The statement is still usable, with no value of the refused call left bound.
        Assert.True(connection.TryExecuteDirect(Insert, new { k = "next", x = (string?)null }));
        Assert.Equal("NULL", await connection.ExecuteScalarAsync<string>("SELECT quote(x) FROM v WHERE k = 'next'"));
    }

    [Theory]
    [InlineData("INSERT INTO v (k, x) VALUES (@k, @x); INSERT INTO v (k, x) VALUES ('other', 1)")] // two statements
    [InlineData("INSERT INTO v (k, x) VALUES ($k, $x)")] // written with another prefix
    [InlineData("INSERT INTO v (k, x) VALUES (@K, @x)")] // a name in another case than the value's
    [InlineData("INSERT INTO v (k, x) VALUES (@k, @x, @y)")] // SQLite refuses it: Dapper's path says why
    [InlineData("INSERT INTO v (k, x) VALUES (@k, @missing)")] // a parameter with no value
    public async Task AStatementThatCannotRunHere_IsLeftToDapper_WithNothingRun(string sql)
    {
        await using var connection = await OpenAsync();
        Assert.False(connection.TryExecuteDirect(sql, new { k = "direct", x = 1 }));
        Assert.False(connection.TryExecuteDirect(sql, new { k = "direct", x = 1 })); // remembered as such
        Assert.Equal(0, await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM v"));
        Assert.Equal(0, connection.DirectRuns);
    }

    [Fact]
    public async Task ANameWrittenTwice_IsBoundOnce()
    {
        await using var connection = await OpenAsync();
        Assert.True(connection.TryExecuteDirect("INSERT INTO v (k, x) VALUES (@k, @k || '!')", new { k = "twice" }));
        Assert.Equal("twice!", await connection.ExecuteScalarAsync<string>("SELECT x FROM v WHERE k = 'twice'"));
    }

    [Fact]
    public async Task AParameterList_IsBoundByName_InAnyOrder_AndOnlyWhenItNamesEachParameterOnce()
    {
        await using var connection = await OpenAsync();
        Assert.True(connection.TryExecuteDirect(Insert, new ParameterList(2).Add("k", "in order").Add("x", 1L)));
        Assert.True(connection.TryExecuteDirect(Insert, new ParameterList(2).Add("x", 2L).Add("k", "reversed")));
        Assert.False(connection.TryExecuteDirect(Insert, new ParameterList(1).Add("k", "missing x")));
        Assert.False(connection.TryExecuteDirect(Insert, new ParameterList(3).Add("k", "extra").Add("x", 3L).Add("y", 4L)));
        Assert.False(connection.TryExecuteDirect(Insert, new ParameterList(2).Add("k", "twice").Add("k", "again")));
        Assert.False(connection.TryExecuteDirect(Insert, new ParameterList(2).Add("K", "case").Add("x", 5L)));

        Assert.Equal([("in order", 1L), ("reversed", 2L)], (await connection.QueryAsync<(string, long)>("SELECT k, x FROM v ORDER BY x")).ToList());
    }

    [Fact]
    public async Task AConstraintViolation_ThrowsWhatDappersPathThrows_AndTheStatementRunsAgainAfterIt()
    {
        await using var connection = await OpenAsync();
        Assert.True(connection.TryExecuteDirect(Insert, new { k = "a", x = 1 }));

        var direct = Assert.Throws<SqliteException>(() => connection.TryExecuteDirect(Insert, new { k = "a", x = 2 }));
        var dapper = await Assert.ThrowsAsync<SqliteException>(() => connection.ExecuteAsync(Insert, new { k = "a", x = 3 }));
        Assert.Equal((dapper.SqliteErrorCode, dapper.SqliteExtendedErrorCode, dapper.Message), (direct.SqliteErrorCode, direct.SqliteExtendedErrorCode, direct.Message));

        Assert.True(connection.TryExecuteDirect(Insert, new { k = "b", x = 4 }));
        Assert.Equal([("a", 1L), ("b", 4L)], (await connection.QueryAsync<(string, long)>("SELECT k, x FROM v ORDER BY k")).ToList());
    }

    [Fact]
    public async Task AStatementOfABatch_RunsInItsTransaction()
    {
        await using var connection = await OpenAsync();
        await using (var transaction = (SqliteTransaction)await connection.BeginTransactionAsync())
        {
            await new StatementBatch(connection, transaction).ExecuteAsync(Insert, new { k = "rolled back", x = 1 });
            Assert.Equal(1, connection.DirectRuns);
            await transaction.RollbackAsync();
        }

        await using (var transaction = (SqliteTransaction)await connection.BeginTransactionAsync())
        {
            await new StatementBatch(connection, transaction).ExecuteAsync(Insert, new { k = "committed", x = 2 });
            await new StatementBatch(connection, transaction).ExecuteAsync(Insert, new { k = "a time: Dapper's path", x = DateTimeOffset.UnixEpoch });
            await transaction.CommitAsync();
        }

        Assert.Equal(2, connection.DirectRuns);
        Assert.Equal(["a time: Dapper's path", "committed"], (await connection.QueryAsync<string>("SELECT k FROM v ORDER BY k")).ToList());
    }

    [Fact]
    public async Task AfterTheConnectionClosesAndOpensAgain_StatementsArePreparedAgain()
    {
        await using var connection = await OpenAsync();
        Assert.True(connection.TryExecuteDirect(Insert, new { k = "before", x = 1 }));
        await connection.CloseAsync();
        Assert.False(connection.TryExecuteDirect(Insert, new { k = "closed", x = 2 }));
        await connection.OpenAsync();
        Assert.True(connection.TryExecuteDirect(Insert, new { k = "after", x = 3 }));
        Assert.Equal(["after", "before"], (await connection.QueryAsync<string>("SELECT k FROM v ORDER BY k")).ToList());
    }
}
