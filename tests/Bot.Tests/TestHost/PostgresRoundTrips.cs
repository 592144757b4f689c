using System.Buffers.Binary;
using System.Net.Sockets;
using System.Runtime.CompilerServices;

namespace OimBot.Bot.Tests.TestHost;

/// <summary>
/// A relay between Npgsql and a PostgreSQL server on loopback that counts round trips: each time the client sends
/// after the server has answered everything it was sent (its last ReadyForQuery, 'Z'), the client is waiting for the
/// server again. A BEGIN sent with a statement is one round trip (the server answers each with its own ReadyForQuery,
/// but the client sent them together); a COMMIT sent on its own after them is another. Npgsql's tracing shows commands
/// only, so that COMMIT is invisible there; here it counts. Connect through <see cref="ConnectionString"/> (no TLS, so
/// the server's messages can be read).
/// </summary>
public sealed class PostgresRoundTrips : PostgresRelay
{
    private long _count;
    private volatile bool _counting = true;

    private PostgresRoundTrips(string connectionString)
        : base(connectionString)
    {
    }

    /// <summary>Round trips the server has ended since the relay started or was last reset.</summary>
    public long Count => Interlocked.Read(ref _count);

    public static PostgresRoundTrips Start(string connectionString) => new(connectionString);

    public void Reset() => Interlocked.Exchange(ref _count, 0);

    /// <summary>Stops or resumes counting (a pool's connections opening, say, are not what a test counts).</summary>
    public bool Counting
    {
        get => _counting;
        set => _counting = value;
    }

    protected override async Task RelayAsync(NetworkStream client, NetworkStream server)
    {
        var answered = new StrongBox<int>(1); // this connection's server has answered all it was sent
        var upstream = CountingSendsAsync(client, server, answered);
        var downstream = CountingCopyAsync(server, client, answered);
        await Task.WhenAny(upstream, downstream);
    }

    /// <summary>The client's bytes relayed as they come; a send after the server's last answer starts a round trip.</summary>
    private async Task CountingSendsAsync(Stream from, Stream to, StrongBox<int> answered)
    {
        var buffer = new byte[64 * 1024];
        while (true)
        {
            var read = await from.ReadAsync(buffer, Stopping);
            if (read == 0)
            {
                return;
            }

            if (Interlocked.Exchange(ref answered.Value, 0) == 1 && _counting)
            {
                Interlocked.Increment(ref _count);
            }

            await to.WriteAsync(buffer.AsMemory(0, read), Stopping);
        }
    }

    /// <summary>The server's messages relayed as they come, each read as type byte and length; ReadyForQuery ends what was asked.</summary>
    private async Task CountingCopyAsync(Stream from, Stream to, StrongBox<int> answered)
    {
        var buffer = new byte[64 * 1024];
        var header = new byte[5];
        var (inHeader, bodyLeft) = (0, 0L);
        while (true)
        {
            var read = await from.ReadAsync(buffer, Stopping);
            if (read == 0)
            {
                return;
            }

            for (var i = 0; i < read;)
            {
                if (bodyLeft > 0)
                {
                    var skip = (int)Math.Min(bodyLeft, read - i);
                    bodyLeft -= skip;
                    i += skip;
                    continue;
                }

                header[inHeader++] = buffer[i++];
                if (inHeader == 5)
                {
                    inHeader = 0;
                    bodyLeft = BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(1)) - 4;
                    if (header[0] == (byte)'Z')
                    {
                        Volatile.Write(ref answered.Value, 1);
                    }
                }
            }

            await to.WriteAsync(buffer.AsMemory(0, read), Stopping);
        }
    }
}
