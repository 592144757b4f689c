using System.Text.Json;
using Dapper;
using Microsoft.Extensions.Options;
using OimBot.Bot.Operations;
using OimBot.Bot.Storage;

namespace OimBot.Bot.Channels;

/// <summary>
/// Order across instances after a database outage (PostgreSQL only). While the database is down, each instance keeps
/// the messages it receives in its own spool, and one person's consecutive messages, spread by the load balancer, end
/// up on two disks. Replaying each disk on its own would answer them out of order (the long fault-injection run saw
/// "3" then "menu" handled as "menu" then "3"). So, once the database is back, every instance puts what it kept into
/// this shared queue, and a person's queued messages are answered oldest first (by when they arrived), each only after
/// it has been in the queue for <see cref="StorageOptions.ReplayGrace"/>, time enough for every running instance to
/// put its own there. A new message from a person with queued messages joins the queue behind them, due at once.
/// </summary>
public sealed class OutageBacklog(PostgresDatabase database, AddressProtector protector) : IDisposable
{
    private readonly SemaphoreSlim _deposited = new(0);

    public void Dispose() => _deposited.Dispose();

    /// <summary>Waits until a message is put in the queue by this instance, or <paramref name="timeout"/> passes.</summary>
    public Task WaitForDepositAsync(TimeSpan timeout, CancellationToken cancellationToken) => _deposited.WaitAsync(timeout, cancellationToken);

    /// <param name="grace">How long it waits before it may be answered: the replay grace for a message kept on disk, zero for a new one.</param>
    public async Task DepositAsync(SpooledMessage message, TimeSpan grace, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        await database.WriteAsync((connection, transaction) => connection.ExecuteAsync(
            "INSERT INTO inbound_queue (channel, address_hash, received_at, due_at, payload) VALUES (@channel, @hash, @receivedAt, now() + make_interval(secs => @grace), @payload)",
            new
            {
                channel = message.Channel,
                hash = protector.Hash(message.Channel, message.Address),
                receivedAt = message.ReceivedAt.ToUniversalTime(),
                grace = grace.TotalSeconds,
                payload = protector.Encrypt(JsonSerializer.Serialize(message, StorageJson.Default.SpooledMessage)),
            },
            transaction), cancellationToken);
        _deposited.Release();
    }

    /// <summary>
    /// Answers the oldest queued message of one person whose turn has come (it is that person's oldest and has waited
    /// out the grace), if any: locked (<c>SKIP LOCKED</c>) while <paramref name="handle"/> runs, deleted after it. A
    /// crash in between leaves it queued; the next try is recognised by the provider's message id and answered once.
    /// </summary>
    /// <returns>False when nothing is due.</returns>
    public Task<bool> AnswerNextAsync(Func<SpooledMessage?, Task> handle, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(handle);
        return database.WriteAsync(async (connection, transaction) =>
        {
            var row = await connection.OneOrDefaultAsync<(long Id, byte[] Payload)?>(
                """
                SELECT q.id AS Id, q.payload AS Payload FROM inbound_queue q
                WHERE q.due_at <= now()
                  AND NOT EXISTS (
                      SELECT 1 FROM inbound_queue o
                      WHERE o.channel = q.channel AND o.address_hash = q.address_hash AND (o.received_at, o.id) < (q.received_at, q.id))
                ORDER BY q.received_at, q.id
                LIMIT 1
                FOR UPDATE SKIP LOCKED
                """,
                transaction: transaction);
            if (row is not { } due)
            {
                return false;
            }

            await handle(Open(due.Payload));
            await connection.ExecuteAsync("DELETE FROM inbound_queue WHERE id = @id", new { id = due.Id }, transaction);
            return true;
        }, cancellationToken);
    }

    public async Task<long> CountAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ValueAsync<long>("SELECT COUNT(*) FROM inbound_queue");
    }

    private SpooledMessage? Open(byte[] payload)
    {
        try
        {
            return JsonSerializer.Deserialize(protector.Decrypt(payload), StorageJson.Default.SpooledMessage);
        }
        catch (Exception ex) when (ex is System.Security.Cryptography.CryptographicException or JsonException)
        {
            return null; // sealed with another address key: nothing can be done with it
        }
    }
}

/// <summary>Answers the shared queue's messages in order, on every instance (each takes one person at a time).</summary>
internal sealed partial class OutageBacklogDrainer(
    OutageBacklog queue,
    TurnGuard turns,
    IOptions<StorageOptions> options,
    TimeProvider clock,
    BotMetrics metrics,
    ILogger<OutageBacklogDrainer> logger) : BackgroundLoop("inbound-queue", clock, metrics, logger)
{
    protected override TimeSpan Interval => options.Value.SpoolRetryInterval;

    /// <summary>A message this instance put in the queue wakes it at once; others' are seen within the interval.</summary>
    protected override Task PauseAsync(TimeSpan pause, CancellationToken cancellationToken) => queue.WaitForDepositAsync(pause, cancellationToken);

    protected override async Task RunRoundAsync(CancellationToken cancellationToken)
    {
        while (await queue.AnswerNextAsync(async message =>
        {
            if (message is null)
            {
                LogUnreadable(logger);
                return;
            }

            // The guard sets a turn that keeps failing aside (with an apology), so one bad message cannot hold the queue.
            await turns.HandleAsync(message.ToMessage(), cancellationToken);
            var waited = Clock.GetUtcNow() - message.ReceivedAt;
            LogAnswered(logger, message.Channel, waited.TotalSeconds);
        }, cancellationToken))
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Answered a {Channel} message kept during a database outage, {Seconds:0} s after it arrived")]
    private static partial void LogAnswered(ILogger logger, string channel, double seconds);

    [LoggerMessage(Level = LogLevel.Error, Message = "A queued message could not be read back (sealed with another address key) and was dropped")]
    private static partial void LogUnreadable(ILogger logger);
}
