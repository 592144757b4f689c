using System.Collections.Concurrent;
using System.Data.Common;
using Dapper;
using OimBot.Bot.Storage;

namespace OimBot.Bot.Outbox;

/// <summary>
/// A channel's overall send rate shared by every instance: the provider's limit is per bot (Telegram's 30 messages a
/// second), so two instances must not each send at the full rate. Each instance still applies its own token bucket;
/// this adds the limit across instances.
/// </summary>
public interface ISharedSendRate
{
    /// <summary>How long to wait before the next send on <paramref name="channel"/>, whose limit is <paramref name="perSecond"/>.</summary>
    ValueTask<TimeSpan> ReserveAsync(string channel, double perSecond, CancellationToken cancellationToken);
}

/// <summary>
/// The shared rate on PostgreSQL, as a generic cell rate algorithm: one row per channel holds the moment up to which
/// send slots have been handed out, and one atomic <c>INSERT … ON CONFLICT DO UPDATE … RETURNING</c> moves it on. An
/// instance reserves a block of slots (a tenth of a second's worth) per round trip, so a high limit costs few queries.
/// A burst of one second's worth goes at once, as with the local bucket. Times are the database's and the answer is
/// relative ("in 0.2 s"), so the instances' clocks need not agree. When the database cannot be reached the send goes
/// on under the instance's own bucket: a short outage must not stop replies.
/// </summary>
public sealed partial class PostgresSendRate(PostgresDatabase database, ILogger<PostgresSendRate> logger) : ISharedSendRate
{
    private const string Reserve =
        """
        INSERT INTO send_rates (name, next_at) VALUES (@name, clock_timestamp() + make_interval(secs => @span))
        ON CONFLICT (name) DO UPDATE SET next_at = GREATEST(send_rates.next_at, clock_timestamp()) + make_interval(secs => @span)
        RETURNING CAST(EXTRACT(EPOCH FROM (next_at - clock_timestamp())) AS double precision)
        """;

    private readonly ConcurrentDictionary<string, Block> _blocks = new(StringComparer.Ordinal);

    public async ValueTask<TimeSpan> ReserveAsync(string channel, double perSecond, CancellationToken cancellationToken)
    {
        var block = _blocks.GetOrAdd(channel, _ => new Block());
        await block.Gate.WaitAsync(cancellationToken);
        try
        {
            var interval = 1 / perSecond;
            if (block.Left == 0)
            {
                var size = Math.Max(1, (int)Math.Floor(perSecond / 10));
                try
                {
                    await using var connection = await database.OpenAsync(cancellationToken);
                    var ahead = await connection.ValueAsync<double>(Reserve, new { name = channel, span = size * interval });
                    block.Reset(size, System.Diagnostics.Stopwatch.GetTimestamp(), ahead);
                }
                catch (DbException ex)
                {
                    LogUnshared(logger, channel, ex.GetType().Name);
                    return TimeSpan.Zero;
                }
            }

            // Slot j of the block ends (size - 1 - j) intervals before the reserved end; a second's burst goes at once.
            var slotAhead = block.Ahead - ((block.Left - 1) * interval);
            block.Left--;
            var burst = Math.Max(1, Math.Floor(perSecond)) * interval;
            var due = TimeSpan.FromSeconds(slotAhead - burst) - System.Diagnostics.Stopwatch.GetElapsedTime(block.ReservedAt);
            return due > TimeSpan.Zero ? due : TimeSpan.Zero;
        }
        finally
        {
            block.Gate.Release();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The {Channel} rate shared across instances is unavailable ({Error}); this send follows the instance's own limit")]
    private static partial void LogUnshared(ILogger logger, string channel, string error);

    private sealed class Block
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);

        public int Left { get; set; }

        public long ReservedAt { get; private set; }

        /// <summary>Seconds from <see cref="ReservedAt"/> to the end of the reserved block.</summary>
        public double Ahead { get; private set; }

        public void Reset(int size, long reservedAt, double ahead)
        {
            Left = size;
            ReservedAt = reservedAt;
            Ahead = ahead;
        }
    }
}
