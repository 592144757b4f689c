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
    public async Task OneStatementCalledWithSeveralTypes_BindsEachByName()
    {
        await using var connection = await OpenAsync();
        Assert.True(connection.TryExecuteDirect(Insert, new { k = "first", x = 1 }));
        Assert.True(connection.TryExecuteDirect(Insert, new { x = 2, k = "other order" }));
        Assert.False(connection.TryExecuteDirect(Insert, new { k = "no x" }));
        Assert.True(connection.TryExecuteDirect(Insert, new { k = "first type again", x = 3 }));
        Assert.Equal([("first", 1L), ("other order", 2L), ("first type again", 3L)], (await connection.QueryAsync<(string, long)>("SELECT k, x FROM v ORDER BY x")).ToList());
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

    [Fact]
    public async Task ARowReadStraight_IsTheRowDapperReads()
    {
        await using var connection = await OpenAsync();
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync();
        var batch = new StatementBatch(connection, transaction);
        async Task<T> Both<T>(string sql)
        {
            var before = connection.DirectRuns;
            T? direct = default;
            await batch.QueryRowAsync<T>(sql, new { k = "unused" }, row => direct = row);
            Assert.Equal(before + 1, connection.DirectRuns);
            var dapper = await connection.QuerySingleAsync<T>(sql, new { k = "unused" }, transaction);
            if (direct is ValueTuple<byte[], long> blobRow)
            {
                Assert.Equal((ValueTuple<byte[], long>)(object)dapper!, blobRow, new BytesFirst());
            }
            else
            {
                Assert.Equal(dapper, direct);
            }

            return direct!;
        }

        Assert.Equal(("Ça va? 你好 😀", 5_000_000_000L), await Both<(string, long)>("SELECT 'Ça va? 你好 😀', 5000000000 WHERE @k IS NOT NULL"));
        Assert.Equal(("a\0b", 1.5), await Both<(string, double)>("SELECT 'a' || char(0) || 'b', 1.5 WHERE @k IS NOT NULL"));
        Assert.Equal((true, false), await Both<(bool, bool)>("SELECT 1, 0 WHERE @k IS NOT NULL"));
        Assert.Equal((7, (short)300), await Both<(int, short)>("SELECT 7, 300 WHERE @k IS NOT NULL"));
        Assert.Equal(((string?)null, (long?)null), await Both<(string?, long?)>("SELECT NULL, NULL WHERE @k IS NOT NULL"));
        Assert.Equal<byte[]>([0, 255], (await Both<(byte[], long)>("SELECT x'00ff', 1 WHERE @k IS NOT NULL")).Item1);
        Assert.Equal<byte[]>([], (await Both<(byte[], long)>("SELECT x'', 1 WHERE @k IS NOT NULL")).Item1);
    }

    [Fact]
    public async Task AnInsertReturningItsRow_RunsOnce_AndNoRowOrTwo_ThrowAsDappersQuerySingle()
    {
        await using var connection = await OpenAsync();
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync();
        var batch = new StatementBatch(connection, transaction);
        (long Id, string K) inserted = default;
        await batch.QueryRowAsync<(long Id, string K)>("INSERT INTO v (k, x) VALUES (@k, @x) RETURNING rowid, k", new { k = "returned", x = 1 }, row => inserted = row);
        Assert.Equal((1L, "returned"), inserted);
        Assert.Equal(1, await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM v", transaction: transaction));

        var neverRun = 0;
        await Assert.ThrowsAsync<InvalidOperationException>(() => batch.QueryRowAsync<(string, long)>("SELECT k, x FROM v WHERE k = @k", new { k = "absent" }, _ => { }, () => neverRun++));
        await connection.ExecuteAsync(Insert, new { k = "second", x = 2 }, transaction);
        await Assert.ThrowsAsync<InvalidOperationException>(() => batch.QueryRowAsync<(string, long)>("SELECT k, x FROM v WHERE k <> @k", new { k = "absent" }, _ => { }, () => neverRun++));
        Assert.Equal(2, neverRun);
        Assert.Equal(3, connection.DirectRuns);
    }

    [Fact]
    public async Task ARowOfAnotherShape_IsReadByDapper()
    {
        await using var connection = await OpenAsync();
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync();
        var batch = new StatementBatch(connection, transaction);
        await connection.ExecuteAsync(Insert, new { k = "a", x = 1 }, transaction);
        Row? record = null;
        await batch.QueryRowAsync<Row>("SELECT k AS K, x AS X FROM v WHERE k = @k", new { k = "a" }, row => record = row); // not a tuple
        (string, long, long) wider = default;
        await batch.QueryRowAsync<(string, long, long)>("SELECT k, x FROM v WHERE k = @k", new { k = "a" }, row => wider = row); // fewer columns than elements
        (string, DateTime) time = default;
        await batch.QueryRowAsync<(string, DateTime)>("SELECT k, '2026-12-03 10:00:00' FROM v WHERE k = @k", new { k = "a" }, row => time = row); // a type read otherwise

        Assert.Equal(new Row("a", 1), record);
        Assert.Equal(("a", 1L, 0L), wider);
        Assert.Equal(new DateTime(2026, 12, 3, 10, 0, 0), time.Item2);
        Assert.Equal(0, connection.DirectRuns);
    }

    [Fact]
    public async Task AScalarReadStraight_IsConvertedAsDappersExecuteScalar()
    {
        await using var connection = await OpenAsync();
        await connection.ExecuteAsync(Insert, new { k = "a", x = 1 });
        const string Settle = "UPDATE v SET x = x + 1 WHERE k = @k RETURNING EXISTS (SELECT 1 FROM v w WHERE w.k <> v.k)";
        Assert.False(await StatementCachingConnection.ScalarAsync<bool>(connection, Settle, new { k = "a" }, null)); // a row, and it says false
        Assert.False(await StatementCachingConnection.ScalarAsync<bool>(connection, Settle, new { k = "absent" }, null)); // no row: the default
        await connection.ExecuteAsync(Insert, new { k = "b", x = 10 });
        Assert.True(await StatementCachingConnection.ScalarAsync<bool>(connection, Settle, new { k = "a" }, null));
        Assert.Equal(3, connection.DirectRuns); // the three settles
        Assert.Equal(3L, await StatementCachingConnection.ScalarAsync<long>(connection, "SELECT x FROM v WHERE k = @k", new { k = "a" }, null));
        Assert.Equal("3", await StatementCachingConnection.ScalarAsync<string>(connection, "SELECT CAST(x AS TEXT) FROM v WHERE k = @k", new { k = "a" }, null));
        Assert.Equal(new DateTime(2026, 12, 3), await StatementCachingConnection.ScalarAsync<DateTime>(connection, "SELECT '2026-12-03' WHERE @k IS NOT NULL", new { k = "a" }, null)); // Dapper's
        Assert.Equal(5, connection.DirectRuns); // and the long and the string, not the time
        Assert.Equal(3, await connection.ExecuteScalarAsync<long>("SELECT x FROM v WHERE k = @k", new { k = "a" }));
    }

    [Fact]
    public async Task ARowOrNoneReadStraight_IsWhatDappersQuerySingleOrDefaultReads()
    {
        // The conversation's lock on SQLite: one row (the conversation), none (a first contact), never two.
        await using var connection = await OpenAsync();
        await connection.ExecuteAsync(Insert, new { k = "a", x = new byte[] { 1, 2 } });
        await connection.ExecuteAsync(Insert, new { k = "b", x = (object?)null });
        const string Read = "SELECT k AS K, CAST(k AS TEXT) AS Again, x AS X FROM v WHERE k = @k";
        async Task<(string?, string?, byte[]?)> Both(string k)
        {
            var before = connection.DirectRuns;
            var direct = await StatementCachingConnection.RowOrDefaultAsync<(string?, string?, byte[]?)>(connection, Read, new { k }, null);
            Assert.Equal(before + 1, connection.DirectRuns);
            var dapper = await connection.QuerySingleOrDefaultAsync<(string?, string?, byte[]?)>(Read, new { k });
            Assert.Equal(dapper.Item1, direct.Item1);
            Assert.Equal(dapper.Item2, direct.Item2);
            Assert.Equal(dapper.Item3, direct.Item3);
            return direct;
        }

        Assert.Equal<byte[]>([1, 2], (await Both("a")).Item3!);
        Assert.Equal(("b", "b", (byte[]?)null), await Both("b"));
        Assert.Equal(((string?)null, (string?)null, (byte[]?)null), await Both("absent"));

        var ran = connection.DirectRuns;
        await Assert.ThrowsAsync<InvalidOperationException>(() => StatementCachingConnection.RowOrDefaultAsync<(string?, long?)>(connection, "SELECT k, 1 FROM v WHERE k <> @k", new { k = "absent" }, null));
        Assert.Equal(ran + 1, connection.DirectRuns);
        await Assert.ThrowsAsync<InvalidOperationException>(() => connection.QuerySingleOrDefaultAsync<(string?, long?)>("SELECT k, 1 FROM v WHERE k <> @k", new { k = "absent" }));

        // A record read by its columns' names stays Dapper's, with nothing run first.
        Assert.Equal(new Row("a", 1), await StatementCachingConnection.RowOrDefaultAsync<Row>(connection, "SELECT k AS K, 1 AS X FROM v WHERE k = @k", new { k = "a" }, null));
        Assert.Equal(ran + 1, connection.DirectRuns);
    }

    private sealed record Row(string K, long X);

    private sealed class BytesFirst : IEqualityComparer<(byte[], long)>
    {
        public bool Equals((byte[], long) x, (byte[], long) y) => x.Item1.AsSpan().SequenceEqual(y.Item1) && x.Item2 == y.Item2;

        public int GetHashCode((byte[], long) obj) => obj.Item2.GetHashCode();
    }
}
