using System.Text;
using Dapper;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using OimBot.Analytics;
using OimBot.Bot.Channels.WebChat;
using OimBot.Bot.Outbox;
using OimBot.Bot.ContentHosting;
using OimBot.Bot.Dialogs;
using OimBot.Bot.Storage;
using OimBot.Bot.Tests.TestHost;

namespace OimBot.Bot.Tests.Storage;

/// <summary>The embedded store on a real SQLite file.</summary>
public sealed class SqliteConversationStoreTests : IAsyncLifetime, IDisposable
{
    private const string Phone = "+50761234567";
    private readonly string _folder = Directory.CreateTempSubdirectory("oimbot-store-").FullName;
    private readonly FakeClock _clock = new();
    private SqliteConversationStore _store = null!;

    private string DatabasePath => Path.Combine(_folder, "bot.db");

    private ConversationService Service => new(_store, Host.Value, [], new OutboxSignal(), new OimBot.Bot.Handoff.CaseEvents(), _clock, Options.Create(new DialogOptions()), NullLogger<ConversationService>.Instance);

    public async Task InitializeAsync()
    {
        _store = CreateStore();
        await _database!.MigrateAsync(CancellationToken.None);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose()
    {
        _database?.Dispose();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task Migrations_AreAppliedOnce_AndCanRunAgain()
    {
        await _database!.MigrateAsync(CancellationToken.None);
        await using var db = Open();
        Assert.Equal(SqliteConversationStore.Migrations("Sqlite").Count(), await db.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM schema_migrations"));
        Assert.Equal(12, SqliteConversationStore.Migrations("Sqlite").Count());
        Assert.Equal("wal", await db.ExecuteScalarAsync<string>("PRAGMA journal_mode"));
    }

    [Fact]
    public async Task Turn_SavesStateUnderAnOpaqueId_AndTheAddressNeverInClear()
    {
        var outcome = await Service.HandleAsync(new ChannelAddress("whatsapp", Phone), "wamid.1", UserMessage.FromText("hola"), Delivery.InResponse, CancellationToken.None);

        Assert.Matches("^[0-9a-f]{32}$", outcome.ConversationId);
        await using (var db = Open())
        {
            var state = await db.ExecuteScalarAsync<string>("SELECT state FROM conversations WHERE id = @id", new { id = outcome.ConversationId });
            Assert.Contains("\"nodeId\":\"welcome\"", state, StringComparison.Ordinal);
        }

        SqliteConnection.ClearAllPools();
        var bytes = Encoding.UTF8.GetString(await File.ReadAllBytesAsync(DatabasePath)) + ReadWal();
        Assert.DoesNotContain("61234567", bytes, StringComparison.Ordinal);
        Assert.DoesNotContain("wamid.1", bytes, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EncryptedAddress_CanBeReadBackWithTheKey()
    {
        var outcome = await Service.HandleAsync(new ChannelAddress("telegram", "987654321"), null, UserMessage.FromText("hola"), Delivery.InResponse, CancellationToken.None);
        await using var db = Open();
        var cipher = await db.ExecuteScalarAsync<byte[]>("SELECT address_cipher FROM conversations WHERE id = @id", new { id = outcome.ConversationId });
        Assert.Equal("987654321", Protector.Decrypt(cipher!));
    }

    [Fact]
    public async Task RepeatedDelivery_OfTheSameMessageId_IsAnsweredOnce()
    {
        var from = new ChannelAddress("telegram", "42");
        var first = await Service.HandleAsync(from, "update-1", UserMessage.FromText("hola"), Delivery.InResponse, CancellationToken.None);
        var again = await Service.HandleAsync(from, "update-1", UserMessage.FromText("hola"), Delivery.InResponse, CancellationToken.None);

        Assert.False(first.Duplicate);
        Assert.True(again.Duplicate);
        Assert.Equal(first.Replies.Select(r => r.Text), again.Replies.Select(r => r.Text));
        await using var db = Open();
        Assert.Equal(1, await db.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM analytics_events WHERE kind = 'ConversationStarted'"));
    }

    [Fact]
    public async Task Delete_RemovesEveryRowAboutTheUser()
    {
        var from = new ChannelAddress("whatsapp", Phone);
        await Service.HandleAsync(from, "m1", UserMessage.FromText("hola"), Delivery.InResponse, CancellationToken.None);
        await Service.HandleAsync(from, "m2", UserMessage.FromText("1"), Delivery.InResponse, CancellationToken.None);
        await Service.HandleAsync(from, "m3", UserMessage.FromText("humano"), Delivery.InResponse, CancellationToken.None);
        await Service.HandleAsync(from, "m3b", UserMessage.FromText("1"), Delivery.InResponse, CancellationToken.None); // "sí, quiero"
        await Service.HandleAsync(from, "m3c", UserMessage.FromText("mi hermano está conmigo"), Delivery.InResponse, CancellationToken.None);
        await using (var db = Open())
        {
            Assert.Equal(1, await db.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM cases"));
            Assert.Equal(1, await db.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM case_messages"));
        }

        var deleted = await Service.HandleAsync(from, "m4", UserMessage.FromText("borrar"), Delivery.InResponse, CancellationToken.None);

        Assert.Null(deleted.ConversationId);
        await using var after = Open();
        Assert.Equal(0, await after.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM conversations"));
        Assert.Equal(0, await after.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM cases"));
        Assert.Equal(0, await after.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM case_messages"));
        Assert.Equal(0, await after.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM inbound_messages WHERE conversation_id IS NOT NULL"));
        var next = await Service.HandleAsync(from, "m5", UserMessage.FromText("hola"), Delivery.InResponse, CancellationToken.None);
        Assert.Equal("welcome", ReadNode(next.ConversationId!));

        // The provider delivers "borrar" again: it was answered, so it does not delete the new conversation.
        var redelivered = await Service.HandleAsync(from, "m4", UserMessage.FromText("borrar"), Delivery.InResponse, CancellationToken.None);
        Assert.True(redelivered.Duplicate);
        Assert.Equal("welcome", ReadNode(next.ConversationId!));
        await using var last = Open();
        Assert.Equal(5, await last.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM inbound_messages WHERE conversation_id IS NULL AND replies = '[]'")); // the ids of the five messages before "borrar", tied to nothing
        Assert.Equal(1, await last.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM inbound_messages WHERE conversation_id IS NULL AND replies <> '[]'")); // "borrar" itself, with its confirmation for a repeated request

        // A message from before "borrar", delivered again, is not answered again either.
        foreach (var id in new[] { "m1", "m2", "m3", "m3b", "m3c" })
        {
            Assert.True((await Service.HandleAsync(from, id, UserMessage.FromText("hola"), Delivery.InResponse, CancellationToken.None)).Duplicate, id);
        }

        Assert.Equal(1, await last.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM conversations"));
    }

    /// <summary>
    /// Each retention batch and each statement of the outbox's hot path finds its rows through an index: no statement
    /// scans a table that grows with use (a million settled outbox rows made every claim scan the table).
    /// </summary>
    [Theory]
    [InlineData(RetentionStore.InactiveSessions, "conversations_updated_at (updated_at<?)")]
    [InlineData(RetentionStore.InactiveSessions, "SEARCH conversations USING INDEX sqlite_autoindex_conversations_1 (id=?)")]
    [InlineData(RetentionStore.OldDedupeRecords, "inbound_messages_received_at (received_at<?)")]
    [InlineData(RetentionStore.SettledOutboxRows, "outbox_settled (status=? AND updated_at<?)")]
    [InlineData(RetentionStore.UnownedWaitingRows, "outbox_conversation (conversation_id=?)")]
    [InlineData("UPDATE inbound_messages SET conversation_id = NULL, replies = '[]' WHERE conversation_id IN ('a', 'b')", "inbound_messages_conversation (conversation_id=?)")]
    [InlineData("DELETE FROM outbox WHERE conversation_id IN ('a', 'b') AND (status = 'held' OR (channel = 'webchat' AND status = 'pending'))", "outbox_conversation (conversation_id=?)")]
    [InlineData(SqliteOutboxStore.ClaimStatement, "SEARCH p USING INDEX outbox_waiting_recipient (channel=? AND recipient_hash=? AND id<?)")]
    [InlineData(WebChatMailbox.Waiting, "SEARCH outbox USING INDEX outbox_waiting_recipient (channel=? AND recipient_hash=?)")]
    [InlineData(OutboxRows.InsertFirst, "SEARCH outbox USING INDEX outbox_waiting_recipient (channel=? AND recipient_hash=?)")]
    [InlineData(OutboxStore.Settle, "SEARCH p USING COVERING INDEX outbox_provider_message (channel=? AND provider_message_id=?)")]
    [InlineData(OutboxStore.Settle, "SEARCH w USING INDEX outbox_waiting_recipient (channel=? AND recipient_hash=?)")]
    [InlineData(OutboxRows.Cancel, "SEARCH outbox USING INDEX outbox_waiting_recipient (channel=? AND recipient_hash=?)")]
    [InlineData(OutboxRows.Cancel, "INDEX outbox_held (channel=? AND recipient_hash=?)")]
    [InlineData(OutboxRows.ReleaseHeld, "SEARCH outbox USING INDEX outbox_held (channel=? AND recipient_hash=?)")]
    [InlineData(OutboxRows.ExtendWindow, "SEARCH outbox USING INDEX outbox_waiting_recipient (channel=? AND recipient_hash=?)")]
    [InlineData(OutboxStore.TemplatesSince, "SEARCH outbox USING INDEX outbox_templates (channel=? AND recipient_hash=? AND created_at>?)")]
    [InlineData(OutboxStore.CountByStatus, "outbox_settled")]
    [InlineData(OutboxStore.CountByStatus, "outbox_waiting")]
    [InlineData(OutboxStore.CountByStatus, "outbox_held")]
    [InlineData(OutboxStore.CountByStatus, "outbox_trouble")]
    [InlineData(OutboxStore.Troubled, "outbox_trouble (status=?)")]
    [InlineData(OutboxStore.RequeueDead, "SEARCH outbox USING INDEX outbox_trouble (status=?)")]
    [InlineData(OimBot.Bot.Reporting.AnalyticsRecorder.DeleteActivity, "SEARCH analytics_activity USING INDEX sqlite_autoindex_analytics_activity_1 (period=? AND person=?)")]
    [InlineData(OimBot.Bot.Reporting.AnalyticsStore.ActivityBetween, "SEARCH analytics_activity USING INDEX analytics_activity_day (day>? AND day<?)")]
    public async Task HotAndRetentionStatements_FindTheirRowsThroughAnIndex(string sql, string index)
    {
        await using var db = Open();
        var plan = string.Join('\n', (await db.QueryAsync<(long Id, long Parent, long NotUsed, string Detail)>(
            "EXPLAIN QUERY PLAN " + sql,
            new { cutoff = "2026-12-01", batch = 500, now = "2026-12-01", max = 64, hash = new byte[32], channel = "telegram", id = 1, provider = "p", at = "2026-12-01", since = "2026-12-01", window = "2026-12-02", recipientHash = new byte[32], addressCipher = new byte[8], conversationId = "c", payload = "p", callbackQueryId = (string?)null, leaseUntil = "2026-12-01", period = "2026-Q4", person = "p", from = "2026-10-01", to = "2026-12-31" })).Select(r => r.Detail)) + "\n";
        Assert.DoesNotMatch(@"\bSCAN \w+\n", plan);
        Assert.DoesNotMatch(@"\bSCAN \w+ USING (COVERING )?INDEX (outbox_conversation)\b", plan);
        Assert.True(plan.Contains(index, StringComparison.Ordinal), plan);
    }

    /// <summary>
    /// Every statement that writes outbox rows checks each row against the partial indexes without building a temporary
    /// b-tree of constants: SQLite builds an IN list of more than two values as one per execution (issue 15, migration
    /// 0012). Temporary tables of rows (RETURNING's, an "id IN (SELECT …)") are the statements' own.
    /// </summary>
    [Theory]
    [InlineData(OutboxRows.Insert)]
    [InlineData(OutboxRows.InsertFirst)]
    [InlineData(OutboxStore.Settle)]
    [InlineData(SqliteOutboxStore.ClaimStatement)]
    [InlineData(OutboxRows.ReleaseHeld)]
    [InlineData(OutboxRows.ExtendWindow)]
    [InlineData(OutboxRows.Cancel)]
    [InlineData(OutboxStore.RequeueDead)]
    [InlineData("UPDATE outbox SET status = 'pending', attempts = attempts + 1, next_attempt_at = @next, lease_until = NULL, last_error = @error, updated_at = @at WHERE id = @id")]
    [InlineData("UPDATE outbox SET status = 'failed', address_cipher = NULL, payload = '', attempts = attempts + 1, lease_until = NULL, last_error = @error, updated_at = @at WHERE id = @id")]
    public async Task OutboxWrites_CheckThePartialIndexes_WithoutATemporaryTable(string sql)
    {
        await using var db = Open();
        var program = (await db.QueryAsync<(long Address, string Opcode, long P1, long P2, long P3, string? P4)>("EXPLAIN " + sql)).ToList();
        Assert.Contains(program, op => op.Opcode == "IdxInsert" || op.Opcode == "IdxDelete" || op.Opcode == "Insert"); // a write indeed
        var lists = program.Where((op, i) => op.Opcode == "OpenEphemeral" && i + 1 < program.Count && program[i + 1].Opcode is "String8" or "Integer").ToList();
        Assert.True(lists.Count == 0, string.Join('\n', lists.Select(op => $"{op.Address} {op.Opcode} {op.P1} {op.P2} {op.P4}")));
    }

    [Fact]
    public async Task Purge_DeletesSessionsAfterInactivity_AndKeepsActiveOnes()
    {
        await Service.HandleAsync(new ChannelAddress("telegram", "old"), null, UserMessage.FromText("hola"), Delivery.InResponse, CancellationToken.None);
        _clock.Advance(TimeSpan.FromHours(20));
        await Service.HandleAsync(new ChannelAddress("telegram", "recent"), null, UserMessage.FromText("hola"), Delivery.InResponse, CancellationToken.None);
        _clock.Advance(TimeSpan.FromHours(5));

        var purged = (await new RetentionStore(_database!, Options.Create(new StorageOptions())).PurgeAsync(_clock.GetUtcNow() - TimeSpan.FromHours(24), _clock.GetUtcNow() - TimeSpan.FromDays(2), _clock.GetUtcNow() - TimeSpan.FromDays(7), CancellationToken.None)).Sessions;

        Assert.Equal(1, purged);
        await using var db = Open();
        Assert.Equal(1, await db.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM conversations"));
    }

    [Fact]
    public async Task ConcurrentMessagesFromOneUser_AreSerialised_AndNoneIsLost()
    {
        var from = new ChannelAddress("telegram", "7");
        await Service.HandleAsync(from, "start", UserMessage.FromText("hola"), Delivery.InResponse, CancellationToken.None);
        await Service.HandleAsync(from, "lang", UserMessage.FromText("1"), Delivery.InResponse, CancellationToken.None);

        await Task.WhenAll(Enumerable.Range(0, 30).Select(i => Task.Run(() =>
            Service.HandleAsync(from, $"m{i}", UserMessage.FromText(i % 2 == 0 ? "1" : "menu"), Delivery.InResponse, CancellationToken.None))));

        await using var db = Open();
        Assert.Equal(32, await db.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM inbound_messages"));
        Assert.Equal(1, await db.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM conversations"));
    }

    [Fact]
    public async Task AnalyticsEvents_HoldOnlyAllowListedColumns_AndTheDay()
    {
        await Service.HandleAsync(new ChannelAddress("whatsapp", Phone), null, UserMessage.FromText("hola, mi pasaporte es 123456789"), Delivery.InResponse, CancellationToken.None);
        await using var db = Open();
        var columns = (await db.QueryAsync<string>("SELECT name FROM pragma_table_info('analytics_events')")).ToList();
        Assert.Equal(["id", "kind", "channel", "language", "node_id", "topic", "content_version", "day", "value", "period", "person"], columns);
        var rows = (await db.QueryAsync<(string Kind, string Day)>("SELECT kind AS Kind, day AS Day FROM analytics_events")).ToList();
        Assert.Contains(rows, r => r.Kind == nameof(EventKind.PersonalDataWithheld));
        Assert.All(rows, r => Assert.Equal("2026-11-22", r.Day));
        var dump = string.Join('|', (await db.QueryAsync("SELECT * FROM analytics_events")).Select(r => string.Join(',', ((IDictionary<string, object>)r).Values)));
        Assert.DoesNotContain("123456789", dump, StringComparison.Ordinal);
        Assert.DoesNotContain("61234567", dump, StringComparison.Ordinal);
    }

    private SqliteDatabase? _database;

    private SqliteConversationStore CreateStore() => new(
        _database = new SqliteDatabase(Options.Create(new StorageOptions { ConnectionString = $"Data Source={DatabasePath}" })),
        Protector,
        new OimBot.Bot.Reporting.AnalyticsRecorder(new Pseudonymiser(new byte[32]), Options.Create(new OimBot.Bot.Reporting.AnalyticsOptions()), _clock),
        NullLogger<SqliteConversationStore>.Instance);

    private static readonly AddressProtector Protector = new(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection($"Data Source={DatabasePath}");
        connection.Open();
        return connection;
    }

    private string ReadWal() => File.Exists(DatabasePath + "-wal") ? Encoding.UTF8.GetString(File.ReadAllBytes(DatabasePath + "-wal")) : string.Empty;

    private string ReadNode(string conversationId)
    {
        using var db = Open();
        var state = db.ExecuteScalar<string>("SELECT state FROM conversations WHERE id = @conversationId", new { conversationId })!;
        return System.Text.Json.JsonDocument.Parse(state).RootElement.GetProperty("nodeId").GetString()!;
    }

    /// <summary>The shipped content, served the way the host serves it.</summary>
    private static readonly Lazy<ContentHost> Host = new(() =>
    {
        var host = new ContentHost(
            Options.Create(new ContentOptions { Directory = RepoPaths.Content, FactsPath = RepoPaths.Facts }),
            new FakeClock(),
            NullLogger<ContentHost>.Instance);
        host.LoadOrThrow();
        return host;
    });
}
