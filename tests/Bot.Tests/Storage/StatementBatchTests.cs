using System.Data.Common;
using Dapper;
using Microsoft.Data.Sqlite;
using Npgsql;
using OimBot.Bot.Storage;
using OimBot.Bot.Tests.TestHost;

namespace OimBot.Bot.Tests.Storage;

/// <summary>
/// A transaction's deferred statements (issue 15): on PostgreSQL they wait for the flush and go in one round trip, in
/// the order they were added, each row handed to its reader; on SQLite each runs at once. Nulls keep the types Dapper
/// gives them, and a failed batch tells the statements that never ran.
/// </summary>
public sealed class StatementBatchTests
{
    public static TheoryData<string> Providers => ["sqlite", "postgres"];

    private static string Table(string bytes, string time) => $"CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, data {bytes}, at {time}, n BIGINT)";

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Statements_RunInTheOrderAdded_AndEachRowReachesItsReader(string provider)
    {
        await using var db = await Db.CreateAsync(provider);
        await using var transaction = await db.Connection.BeginTransactionAsync();
        var writes = new StatementBatch(db.Connection, transaction);

        await writes.ExecuteAsync("INSERT INTO t (id, name) VALUES (@id, @name)", new { id = 1, name = "a" });
        (long Id, string Name)? first = null;
        await writes.QueryRowAsync<(long Id, string Name)>("UPDATE t SET name = @name WHERE id = @id RETURNING id AS Id, name AS Name", new { id = 1, name = "b" }, row => first = row);
        await writes.ExecuteAsync("INSERT INTO t (id, name) VALUES (@id, @name)", new { id = 2, name = "c" });
        string? second = null;
        var names = provider == "postgres" ? "SELECT string_agg(name, ',' ORDER BY id) FROM t" : "SELECT group_concat(name, ',') FROM (SELECT name FROM t ORDER BY id)";
        await writes.QueryRowAsync<string>(names, new { }, row => second = row);

        // PostgreSQL: nothing has run yet (the same transaction sees no row); SQLite: all of it has.
        var before = await db.Connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM t", transaction: transaction);
        Assert.Equal(provider == "postgres" ? 0 : 2, before);
        Assert.Equal(provider == "postgres", first is null);

        await writes.FlushAsync();
        Assert.Equal((1L, "b"), first);
        Assert.Equal("b,c", second);
        await writes.FlushAsync(); // nothing waits: nothing runs twice
        Assert.Equal(2, await db.Connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM t", transaction: transaction));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Nulls_AreTypedAsDapperTypesThem_AndValuesReadBack(string provider)
    {
        await using var db = await Db.CreateAsync(provider);
        await using var transaction = await db.Connection.BeginTransactionAsync();
        var writes = new StatementBatch(db.Connection, transaction);
        var at = new DateTimeOffset(2026, 12, 1, 15, 0, 0, TimeSpan.Zero);

        // A null string, a null byte array and a null time held as object (SqlTime.Write), then values of each type.
        await writes.ExecuteAsync("INSERT INTO t (id, name, data, at, n) VALUES (@id, @name, @data, @at, @n)", new { id = 1, name = (string?)null, data = (byte[]?)null, at = writes.Time.Write((DateTimeOffset?)null), n = (long?)null });
        await writes.ExecuteAsync("INSERT INTO t (id, name, data, at, n) VALUES (@id, @name, @data, @at, @n)", new { id = 2, name = "ü", data = new byte[] { 1, 2 }, at = writes.Time.Write(at), n = 7L, unused = "not in the SQL" });
        var dynamic = new DynamicParameters();
        dynamic.Add("id", 3);
        dynamic.Add("name", null, System.Data.DbType.String);
        await writes.ExecuteAsync("INSERT INTO t (id, name) VALUES (@id, @name)", dynamic);
        await writes.FlushAsync();

        var rows = (await db.Connection.QueryAsync<(long Id, string? Name, byte[]? Data, object? At, long? N)>("SELECT id, name, data, at, n FROM t ORDER BY id", transaction: transaction)).ToList();
        Assert.Equal([1L, 2L, 3L], rows.Select(r => r.Id));
        Assert.True(rows[0].Name is null && rows[0].Data is null && rows[0].At is null && rows[0].N is null);
        Assert.Equal("ü", rows[1].Name);
        Assert.Equal(new byte[] { 1, 2 }, rows[1].Data);
        Assert.Equal(at, writes.Time.Read(rows[1].At!));
        Assert.Equal(7L, rows[1].N);
        Assert.Null(rows[2].Name);
    }

    public static TheoryData<string, string> ParameterListOrders => new()
    {
        { "sqlite", "the statement's order" },
        { "sqlite", "the shared value last in the text" },
        { "postgres", "the statement's order" },
        { "postgres", "the shared value last in the text" },
    };

    /// <summary>The analytics rows' parameters (ParameterList): numbered per row, in the statement's order or not, nulls as text.</summary>
    [Theory]
    [MemberData(nameof(ParameterListOrders))]
    public async Task AParameterList_BindsEachRowsValues_WhateverTheOrderOfTheText(string provider, string order)
    {
        await using var db = await Db.CreateAsync(provider);
        await using var transaction = await db.Connection.BeginTransactionAsync();
        var writes = new StatementBatch(db.Connection, transaction);
        var rows = Enumerable.Range(0, 20).Select(i => (Id: (long)i + 1, Name: i % 3 == 0 ? null : $"ñ{i}")).ToList();

        var values = string.Join(", ", rows.Select((_, i) => order == "the statement's order" ? $"(@id{i}, @name{i}, @n)" : $"(@n, @id{i}, @name{i})"));
        var columns = order == "the statement's order" ? "(id, name, n)" : "(n, id, name)";
        var parameters = new ParameterList(1 + (2 * rows.Count));
        if (order == "the statement's order")
        {
            for (var i = 0; i < rows.Count; i++)
            {
                parameters.Add(ParameterList.Numbered("id", i), rows[i].Id).Add(ParameterList.Numbered("name", i), rows[i].Name);
                if (i == 0)
                {
                    parameters.Add("n", 42L);
                }
            }
        }
        else
        {
            parameters.Add("n", 42L);
            for (var i = rows.Count - 1; i >= 0; i--)
            {
                parameters.Add(ParameterList.Numbered("name", i), rows[i].Name).Add(ParameterList.Numbered("id", i), rows[i].Id);
            }
        }

        await writes.ExecuteAsync($"INSERT INTO t {columns} VALUES {values}", parameters);
        await writes.FlushAsync();

        var stored = (await db.Connection.QueryAsync<(long Id, string? Name, long N)>("SELECT id, name, n FROM t ORDER BY id", transaction: transaction)).ToList();
        Assert.Equal(rows, stored.Select(r => (r.Id, r.Name)));
        Assert.All(stored, r => Assert.Equal(42L, r.N));
        Assert.Equal("name17", ParameterList.Numbered("name", 17)); // past the table of the first rows' names
        Assert.Same(ParameterList.Numbered("name", 3), ParameterList.Numbered("name", 3));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task AFailingStatement_Throws_AndTheRowsNeverReadAreToldSo(string provider)
    {
        await using var db = await Db.CreateAsync(provider);
        await using var transaction = await db.Connection.BeginTransactionAsync();
        var writes = new StatementBatch(db.Connection, transaction);
        var told = new List<string>();
        var read = new List<long>();

        await writes.QueryRowAsync<long>("INSERT INTO t (id) VALUES (@id) RETURNING id", new { id = 1 }, read.Add, () => told.Add("first"));
        var failing = writes.QueryRowAsync<long>("INSERT INTO t (id) VALUES (@id) RETURNING id", new { id = 1 }, read.Add, () => told.Add("second")); // the same key
        if (provider == "sqlite")
        {
            await Assert.ThrowsAnyAsync<DbException>(() => failing);
            Assert.Equal(["second"], told);
            return; // SQLite ran each at once: the failure is the statement's own
        }

        await failing;
        await writes.QueryRowAsync<long>("INSERT INTO t (id) VALUES (@id) RETURNING id", new { id = 3 }, read.Add, () => told.Add("third"));
        await Assert.ThrowsAsync<PostgresException>(writes.FlushAsync);

        // Each statement is either read or told, never both: the first may have been read before the failure surfaced.
        Assert.Equal(3, read.Count + told.Count);
        Assert.Equal(["second", "third"], told.Where(t => t != "first"));
        Assert.Equal(told.Contains("first") ? [] : [1L], read);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task TheLastFlush_CarriesTheCommitOnPostgres_AndNothingIsSentAfterIt(string provider)
    {
        await using var db = await Db.CreateAsync(provider);
        var notices = new List<string>();
        if (db.Connection is NpgsqlConnection npgsql)
        {
            npgsql.Notice += (_, e) => notices.Add(e.Notice.MessageText); // a COMMIT or ROLLBACK sent after it would warn: no transaction in progress
        }

        bool committed;
        await using (var transaction = await db.Connection.BeginTransactionAsync())
        {
            var writes = new StatementBatch(db.Connection, transaction, commitWithLast: true);
            await writes.ExecuteAsync("INSERT INTO t (id) VALUES (@id)", new { id = 1 });
            await writes.FlushLastAsync();
            committed = writes.Committed;
            if (!committed)
            {
                await transaction.CommitAsync(); // SQLite: the transaction's owner commits (the writer, for its group)
            }
        }

        Assert.Equal(provider == "postgres", committed);
        Assert.Empty(notices);
        Assert.Equal(1, await db.Connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM t"));
    }

    /// <summary>
    /// On PostgreSQL a statement's names become positions once (issue 15), so Npgsql sends its text as it is instead of
    /// parsing it on every execution: each name once, in the order it first appears, compared ignoring case as Dapper
    /// compares it; never inside a quoted literal.
    /// </summary>
    public static TheoryData<string, string, string[]> Shapes => new()
    {
        { "INSERT INTO t (id, name) VALUES (@id, @name)", "INSERT INTO t (id, name) VALUES ($1, $2)", ["id", "name"] },
        { "UPDATE t SET n = @n WHERE id = @id OR n = @N", "UPDATE t SET n = $1 WHERE id = $2 OR n = $1", ["n", "id"] },
        { "SELECT '@not' || @yes, 'it''s @no' || @also_yes", "SELECT '@not' || $1, 'it''s @no' || $2", ["yes", "also_yes"] },
        { "SELECT @at::timestamptz, @data_1", "SELECT $1::timestamptz, $2", ["at", "data_1"] },
        { "COMMIT", "COMMIT", [] },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void OnPostgres_NamesBecomePositions_OutsideQuotedLiterals(string sql, string positional, string[] names)
    {
        var shape = StatementBatch.Shape.Of(sql);
        Assert.Equal(positional, shape.Positional);
        Assert.Equal(names, shape.Names);
    }

    [Fact]
    public async Task OnPostgres_AStatementByPosition_BindsARepeatedName_AndLeavesALiteralAlone_AndOneWithAnUnboundNameKeepsItsNames()
    {
        await using var db = await Db.CreateAsync("postgres");
        await using var transaction = await db.Connection.BeginTransactionAsync();
        var writes = new StatementBatch(db.Connection, transaction);

        await writes.ExecuteAsync("INSERT INTO t (id, name, n) VALUES (@id, '@name: ' || @Name, @ID * 10)", new { id = 4, name = "x" });
        // An anonymous object without the name @n: bound by name as before (PostgreSQL then refuses the unknown parameter).
        await writes.ExecuteAsync("INSERT INTO t (id, n) VALUES (@id, @n)", new { id = 5 });
        await Assert.ThrowsAsync<PostgresException>(writes.FlushAsync);
        await transaction.RollbackAsync();

        await using var again = await db.Connection.BeginTransactionAsync();
        writes = new StatementBatch(db.Connection, again);
        await writes.ExecuteAsync("INSERT INTO t (id, name, n) VALUES (@id, '@name: ' || @Name, @ID * 10)", new { id = 4, name = "x" });
        (long Id, string Name, long N)? row = null;
        await writes.QueryRowAsync<(long Id, string Name, long N)>("SELECT id, name, n FROM t WHERE id = @id", new { id = 4 }, r => row = r);
        await writes.FlushAsync();
        Assert.Equal((4L, "@name: x", 40L), row);
    }

    [Fact]
    public async Task OnPostgres_AFailedLastBatch_IsRolledBack_AndTheConnectionWorksAfterwards()
    {
        await using var db = await Db.CreateAsync("postgres");
        await db.Connection.ExecuteAsync("INSERT INTO t (id) VALUES (1)");
        await using (var transaction = await db.Connection.BeginTransactionAsync())
        {
            var writes = new StatementBatch(db.Connection, transaction, commitWithLast: true);
            await writes.ExecuteAsync("INSERT INTO t (id) VALUES (@id)", new { id = 2 });
            await writes.ExecuteAsync("INSERT INTO t (id) VALUES (@id)", new { id = 1 }); // the same key: the batch fails before its COMMIT
            await Assert.ThrowsAsync<PostgresException>(writes.FlushLastAsync);
            Assert.False(writes.Committed);
        }

        Assert.Equal(1, await db.Connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM t")); // row 2 rolled back with it
    }

    private sealed class Db : IAsyncDisposable
    {
        private readonly Func<ValueTask> _dispose;

        private Db(DbConnection connection, Func<ValueTask> dispose)
        {
            Connection = connection;
            _dispose = dispose;
        }

        public DbConnection Connection { get; }

        public static async Task<Db> CreateAsync(string provider)
        {
            if (provider == "postgres")
            {
                var connection = new NpgsqlConnection(await (await PostgresServer.GetAsync()).CreateDatabaseAsync("batch"));
                await connection.OpenAsync();
                await connection.ExecuteAsync(Table("BYTEA", "TIMESTAMPTZ"));
                return new Db(connection, connection.DisposeAsync);
            }

            var folder = Directory.CreateTempSubdirectory("oimbot-batch-").FullName;
            var sqlite = new SqliteConnection($"Data Source={Path.Combine(folder, "t.db")};Pooling=False");
            await sqlite.OpenAsync();
            await sqlite.ExecuteAsync(Table("BLOB", "TEXT"));
            return new Db(sqlite, async () =>
            {
                await sqlite.DisposeAsync();
                Directory.Delete(folder, recursive: true);
            });
        }

        public ValueTask DisposeAsync() => _dispose();
    }
}
