using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace OimBot.Bot.Tests.TestHost;

/// <summary>
/// A relay between Npgsql and a PostgreSQL server on loopback: it accepts the client's connections, opens one to the
/// server for each, and hands the two streams to <see cref="RelayAsync"/> (what a relay does with the bytes is its
/// own). Connect through <see cref="ConnectionString"/> (no TLS, so the server's messages can be read).
/// </summary>
public abstract class PostgresRelay : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _relays = [];
    private readonly int _serverPort;
    private readonly Task _accepting;

    protected PostgresRelay(string connectionString, bool pooling = true)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        _serverPort = builder.Port;
        _listener.Start();
        builder.Host = "127.0.0.1";
        builder.Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        builder.SslMode = SslMode.Disable;
        builder.GssEncryptionMode = GssEncryptionMode.Disable; // no one-byte answers to encryption requests: every server message is typed
        builder.Pooling = pooling;
        ConnectionString = builder.ConnectionString;
        _accepting = AcceptAsync();
    }

    /// <summary>The connection string of the same database, through the relay.</summary>
    public string ConnectionString { get; }

    /// <summary>Cancelled when the relay is disposed.</summary>
    protected CancellationToken Stopping => _stop.Token;

    public async ValueTask DisposeAsync()
    {
        OnStopping();
        await _stop.CancelAsync();
        _listener.Stop();
        Task[] relays;
        lock (_relays)
        {
            relays = [.. _relays];
        }

        await Task.WhenAll([_accepting, .. relays]).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Relays one connection until either side ends it.</summary>
    protected abstract Task RelayAsync(NetworkStream client, NetworkStream server);

    /// <summary>Before the relay stops (release what holds bytes back).</summary>
    protected virtual void OnStopping()
    {
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
                _relays.Add(RunAsync(client, server));
            }
        }
    }

    private async Task RunAsync(TcpClient client, TcpClient server)
    {
        using (client)
        using (server)
        {
            await RelayAsync(client.GetStream(), server.GetStream());
        }
    }
}
