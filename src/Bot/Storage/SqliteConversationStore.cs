using System.Data;
using System.Globalization;
using System.Reflection;
using System.Security.Cryptography;
using System.Text.Json;
using Dapper;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using OimBot.Bot.Dialogs;
using OimBot.Content;

namespace OimBot.Bot.Storage;

/// <summary>
/// The embedded store: one SQLite file in WAL mode. SQLite has a single writer, so turns are serialised by one gate
/// in this process and by BEGIN IMMEDIATE across processes; that also keeps each user's messages in order.
/// </summary>
public sealed partial class SqliteConversationStore(
    IOptions<StorageOptions> options,
    AddressProtector protector,
    TimeProvider clock,
    ILogger<SqliteConversationStore> logger) : IConversationStore, IDisposable
{
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private readonly string _connectionString = Normalise(options.Value.ConnectionString);

    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await connection.ExecuteAsync("PRAGMA journal_mode = WAL;");
        await connection.ExecuteAsync("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL);");
        var applied = (await connection.QueryAsync<long>("SELECT version FROM schema_migrations")).ToHashSet();
        foreach (var (version, name, sql) in Migrations("Sqlite"))
        {
            if (applied.Contains(version))
            {
                continue;
            }

            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await connection.ExecuteAsync(sql, transaction: transaction);
            await connection.ExecuteAsync(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (@version, @name, @at)",
                new { version, name, at = Stamp(clock.GetUtcNow()) },
                transaction);
            await transaction.CommitAsync(cancellationToken);
            LogMigrated(logger, name);
        }
    }

    public async Task CheckAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM schema_migrations");
    }

    public async Task<TurnOutcome> RunTurnAsync(
        ChannelAddress from,
        string? inboundMessageId,
        DateTimeOffset now,
        Func<StoredConversation?, TurnDecision> decide,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(decide);
        await _writeGate.WaitAsync(cancellationToken);
        try
        {
            await using var connection = await OpenAsync(cancellationToken);
            await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(IsolationLevel.Serializable, cancellationToken);
            var inboundHash = inboundMessageId is null ? null : protector.Hash($"{from.Channel}/message", inboundMessageId);
            if (inboundHash is not null)
            {
                var earlier = await connection.QuerySingleOrDefaultAsync<string>(
                    "SELECT replies FROM inbound_messages WHERE channel = @channel AND external_id_hash = @hash",
                    new { channel = from.Channel, hash = inboundHash },
                    transaction);
                if (earlier is not null)
                {
                    await transaction.CommitAsync(cancellationToken);
                    return new TurnOutcome(null, JsonSerializer.Deserialize(earlier, StorageJson.Default.ListRenderedReply) ?? [], Duplicate: true);
                }
            }

            var addressHash = protector.Hash(from.Channel, from.Address);
            var row = await connection.QuerySingleOrDefaultAsync<(string Id, string State)>(
                "SELECT id AS Id, state AS State FROM conversations WHERE channel = @channel AND address_hash = @hash",
                new { channel = from.Channel, hash = addressHash },
                transaction);
            var state = row.Id is null ? null : ReadState(row.Id, row.State);
            var decision = decide(state is null ? null : new StoredConversation(row.Id!, state));
            var conversationId = await SaveAsync(connection, transaction, from, addressHash, row.Id, decision, now);

            foreach (var handoff in decision.HandoffRequests.Where(_ => conversationId is not null))
            {
                await connection.ExecuteAsync(
                    "INSERT INTO handoff_requests (id, conversation_id, topic, language, node_id, requested_at) VALUES (@id, @conversationId, @topic, @language, @node, @at)",
                    new { id = NewId(), conversationId, topic = handoff.Topic ?? "general", language = handoff.Language, node = handoff.NodeId ?? string.Empty, at = Stamp(now) },
                    transaction);
            }

            foreach (var e in decision.Events)
            {
                await connection.ExecuteAsync(
                    "INSERT INTO analytics_events (kind, channel, language, node_id, topic, content_version, day) VALUES (@kind, @channel, @language, @node, @topic, @version, @day)",
                    new { kind = e.Kind.ToString(), channel = e.Channel, language = e.Language, node = e.NodeId, topic = e.Topic, version = e.ContentVersion, day = e.Day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) },
                    transaction);
            }

            if (inboundHash is not null)
            {
                await connection.ExecuteAsync(
                    "INSERT INTO inbound_messages (channel, external_id_hash, conversation_id, received_at, replies) VALUES (@channel, @hash, @conversationId, @at, @replies)",
                    new { channel = from.Channel, hash = inboundHash, conversationId, at = Stamp(now), replies = JsonSerializer.Serialize(decision.Replies.ToList(), StorageJson.Default.ListRenderedReply) },
                    transaction);
            }

            await transaction.CommitAsync(cancellationToken);
            return new TurnOutcome(conversationId, decision.Replies, Duplicate: false);
        }
        finally
        {
            _writeGate.Release();
        }
    }

    public async Task<int> PurgeAsync(DateTimeOffset inactiveBefore, DateTimeOffset dedupeBefore, CancellationToken cancellationToken)
    {
        await _writeGate.WaitAsync(cancellationToken);
        try
        {
            await using var connection = await OpenAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            var expired = await connection.ExecuteAsync(
                "DELETE FROM conversations WHERE updated_at < @cutoff",
                new { cutoff = Stamp(inactiveBefore) },
                transaction);
            await connection.ExecuteAsync(
                "DELETE FROM inbound_messages WHERE received_at < @cutoff OR (conversation_id IS NOT NULL AND conversation_id NOT IN (SELECT id FROM conversations))",
                new { cutoff = Stamp(dedupeBefore) },
                transaction);
            await transaction.CommitAsync(cancellationToken);
            return expired;
        }
        finally
        {
            _writeGate.Release();
        }
    }

    public void Dispose() => _writeGate.Dispose();

    private async Task<string?> SaveAsync(SqliteConnection connection, SqliteTransaction transaction, ChannelAddress from, byte[] addressHash, string? existingId, TurnDecision decision, DateTimeOffset now)
    {
        if (decision.State is null)
        {
            // BORRAR (R8): the conversation, its handoff requests and its dedupe records go.
            if (existingId is not null)
            {
                await connection.ExecuteAsync("DELETE FROM inbound_messages WHERE conversation_id = @id", new { id = existingId }, transaction);
                await connection.ExecuteAsync("DELETE FROM conversations WHERE id = @id", new { id = existingId }, transaction);
            }

            return null;
        }

        var state = JsonSerializer.Serialize(decision.State, StorageJson.Default.ConversationState);
        if (existingId is null)
        {
            var id = NewId();
            await connection.ExecuteAsync(
                "INSERT INTO conversations (id, channel, address_hash, address_cipher, state, content_version, created_at, updated_at) VALUES (@id, @channel, @hash, @cipher, @state, @version, @at, @at)",
                new { id, channel = from.Channel, hash = addressHash, cipher = protector.Encrypt(from.Address), state, version = decision.ContentVersion, at = Stamp(now) },
                transaction);
            return id;
        }

        await connection.ExecuteAsync(
            "UPDATE conversations SET state = @state, content_version = @version, updated_at = @at WHERE id = @id",
            new { id = existingId, state, version = decision.ContentVersion, at = Stamp(now) },
            transaction);
        return existingId;
    }

    private ConversationState? ReadState(string id, string json)
    {
        try
        {
            return JsonSerializer.Deserialize(json, StorageJson.Default.ConversationState);
        }
        catch (JsonException)
        {
            LogUnreadableState(logger, id);
            return null; // the user starts again rather than being stuck
        }
    }

    private async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        await connection.ExecuteAsync("PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;");
        return connection;
    }

    /// <summary>Creates the folder of a file database (data/ on first run) and turns on pooling.</summary>
    private static string Normalise(string connectionString)
    {
        var builder = new SqliteConnectionStringBuilder(connectionString);
        if (builder.DataSource is { Length: > 0 } file && file != ":memory:" && builder.Mode != SqliteOpenMode.Memory)
        {
            var folder = Path.GetDirectoryName(Path.GetFullPath(file));
            if (folder is not null)
            {
                Directory.CreateDirectory(folder);
            }
        }

        builder.Pooling = true;
        return builder.ToString();
    }

    internal static IEnumerable<(long Version, string Name, string Sql)> Migrations(string provider)
    {
        var assembly = Assembly.GetExecutingAssembly();
        var prefix = $"{assembly.GetName().Name}.Storage.Migrations.{provider}.";
        foreach (var resource in assembly.GetManifestResourceNames().Where(r => r.StartsWith(prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            var name = resource[prefix.Length..];
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream);
            yield return (long.Parse(name.AsSpan(0, 4), CultureInfo.InvariantCulture), name, reader.ReadToEnd());
        }
    }

    private static string NewId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    /// <summary>UTC, fixed width, so text comparison in SQL is time order.</summary>
    internal static string Stamp(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    [LoggerMessage(Level = LogLevel.Information, Message = "Applied database migration {Name}")]
    private static partial void LogMigrated(ILogger logger, string name);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Conversation {ConversationId} had a state this version cannot read; it starts again")]
    private static partial void LogUnreadableState(ILogger logger, string conversationId);
}
