using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace OimBot.Bot.Tests.TestHost;

/// <summary>
/// A relay between Npgsql and a PostgreSQL server on loopback that can stop handing the server's answer to the client
/// part of the way through (<see cref="PauseAfter"/>), as a slow or busy network would, until <see cref="Resume"/>: a
/// test can look at what the client does while a row has only partly arrived. Connect through
/// <see cref="ConnectionString"/> (no pool: one connection, one relay).
/// </summary>
public sealed class PausingRelay : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _relays = [];
    private readonly int _serverPort;
    private readonly Task _accepting;
    private readonly object _gate = new();
    private long _allowance = long.MaxValue;
    private TaskCompletionSource _paused = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _resumed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private PausingRelay(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        _serverPort = builder.Port;
        _listener.Start();
        builder.Host = "127.0.0.1";
        builder.Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        builder.SslMode = SslMode.Disable;
        builder.Pooling = false;
        ConnectionString = builder.ConnectionString;
        _accepting = AcceptAsync();
    }

    /// <summary>The connection string of the same database, through the relay.</summary>
    public string ConnectionString { get; }

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

    public async ValueTask DisposeAsync()
    {
        Resume();
        await _stop.CancelAsync();
        _listener.Stop();
        Task[] relays;
        lock (_relays)
        {
            relays = [.. _relays];
        }

        await Task.WhenAll([_accepting, .. relays]).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(_stop.Token);
            var server = new TcpClient();
            await server.ConnectAsync(IPAddress.Loopback, _serverPort, _stop.Token);
            lock (_relays)
            {
                _relays.Add(RelayAsync(client, server));
            }
        }
    }

    private async Task RelayAsync(TcpClient client, TcpClient server)
    {
        using (client)
        using (server)
        {
            var up = UpAsync(client.GetStream(), server.GetStream());
            var down = DownAsync(server.GetStream(), client.GetStream());
            await Task.WhenAny(up, down);
        }
    }

    private async Task UpAsync(NetworkStream from, NetworkStream to)
    {
        var buffer = new byte[64 * 1024];
        int read;
        while ((read = await from.ReadAsync(buffer, _stop.Token)) > 0)
        {
            await to.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
        }
    }

    private async Task DownAsync(NetworkStream from, NetworkStream to)
    {
        var buffer = new byte[64 * 1024];
        int read;
        while ((read = await from.ReadAsync(buffer, _stop.Token)) > 0)
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
                    await wait.WaitAsync(_stop.Token);
                    continue;
                }

                await to.WriteAsync(buffer.AsMemory(sent, now), _stop.Token);
                sent += now;
            }
        }
    }
}
