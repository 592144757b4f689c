using System.Net.Sockets;

namespace OimBot.Bot.Tests.TestHost;

/// <summary>
/// A relay between Npgsql and a PostgreSQL server on loopback that can stop handing the server's answer to the client
/// part of the way through (<see cref="PauseAfter"/>), as a slow or busy network would, until <see cref="Resume"/>: a
/// test can look at what the client does while a row has only partly arrived. Connect through
/// <see cref="PostgresRelay.ConnectionString"/> (no pool: one connection, one relay).
/// </summary>
public sealed class PausingRelay : PostgresRelay
{
    private readonly object _gate = new();
    private long _allowance = long.MaxValue;
    private TaskCompletionSource _paused = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _resumed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private PausingRelay(string connectionString)
        : base(connectionString, pooling: false)
    {
    }

    /// <summary>Completes once the relay has stopped, holding the rest of the server's answer.</summary>
    public Task Paused
    {
        get
        {
            lock (_gate)
            {
                return _paused.Task;
            }
        }
    }

    public static PausingRelay Start(string connectionString) => new(connectionString);

    /// <summary>Hands the client <paramref name="bytes"/> more of the server's answer, then holds the rest.</summary>
    public void PauseAfter(long bytes)
    {
        lock (_gate)
        {
            _allowance = bytes;
            _paused = new(TaskCreationOptions.RunContinuationsAsynchronously);
            _resumed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    public void Resume()
    {
        lock (_gate)
        {
            _allowance = long.MaxValue;
            _resumed.TrySetResult();
        }
    }

    protected override void OnStopping() => Resume();

    protected override async Task RelayAsync(NetworkStream client, NetworkStream server)
    {
        var up = UpAsync(client, server);
        var down = DownAsync(server, client);
        await Task.WhenAny(up, down);
    }

    private async Task UpAsync(NetworkStream from, NetworkStream to)
    {
        var buffer = new byte[64 * 1024];
        int read;
        while ((read = await from.ReadAsync(buffer, Stopping)) > 0)
        {
            await to.WriteAsync(buffer.AsMemory(0, read), Stopping);
        }
    }

    private async Task DownAsync(NetworkStream from, NetworkStream to)
    {
        var buffer = new byte[64 * 1024];
        int read;
        while ((read = await from.ReadAsync(buffer, Stopping)) > 0)
        {
            for (var sent = 0; sent < read;)
            {
                Task? wait = null;
                int now;
                lock (_gate)
                {
                    now = (int)Math.Min(read - sent, _allowance);
                    if (now == 0)
                    {
                        _paused.TrySetResult();
                        wait = _resumed.Task;
                    }
                    else if (_allowance != long.MaxValue)
                    {
                        _allowance -= now;
                    }
                }

                if (wait is not null)
                {
                    await wait.WaitAsync(Stopping);
                    continue;
                }

                await to.WriteAsync(buffer.AsMemory(sent, now), Stopping);
                sent += now;
            }
        }
    }
}
