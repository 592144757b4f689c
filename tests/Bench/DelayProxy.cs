using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;

namespace OimBot.Bench;

/// <summary>
/// A TCP proxy on loopback that holds what passes through it for a fixed time in each direction, in order: the service's
/// database on another host, as far as its round trips go (<c>compare --variant "NAME=postgres=1;delay=MS"</c>; issue 15).
/// Loopback answers in some 50 µs, so a round trip saved costs nearly nothing here; between two hosts it costs the
/// network's. The wait is a timer's (about a millisecond at least on Linux), so use whole milliseconds.
/// </summary>
internal sealed class DelayProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private readonly string _host;
    private readonly int _port;
    private readonly long _delay;

    public DelayProxy(string host, int port, TimeSpan delay)
    {
        (_host, _port, _delay) = (host, port, (long)(delay.TotalSeconds * Stopwatch.Frequency));
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accepting = AcceptAsync();
    }

    public int Port { get; }

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                _ = CarryAsync(client);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task CarryAsync(TcpClient client)
    {
        using (client)
        using (var server = new TcpClient())
        {
            try
            {
                await server.ConnectAsync(_host, _port, _stop.Token);
                client.NoDelay = server.NoDelay = true;
                await Task.WhenAny(PumpAsync(client.GetStream(), server.GetStream()), PumpAsync(server.GetStream(), client.GetStream()));
            }
            catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
                // a side closed: both go
            }
        }
    }

    /// <summary>Each chunk read is written <see cref="_delay"/> after it was read, in order.</summary>
    private async Task PumpAsync(Stream from, Stream to)
    {
        var queue = Channel.CreateUnbounded<(long Due, byte[] Data)>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        var writing = Task.Run(async () =>
        {
            await foreach (var (due, data) in queue.Reader.ReadAllAsync(_stop.Token))
            {
                var wait = due - Stopwatch.GetTimestamp();
                if (wait > 0)
                {
                    await Task.Delay(TimeSpan.FromSeconds((double)wait / Stopwatch.Frequency), _stop.Token);
                }

                await to.WriteAsync(data, _stop.Token);
            }
        });

        var buffer = new byte[64 * 1024];
        int read;
        while ((read = await from.ReadAsync(buffer, _stop.Token)) > 0)
        {
            queue.Writer.TryWrite((Stopwatch.GetTimestamp() + _delay, buffer.AsSpan(0, read).ToArray()));
        }

        queue.Writer.TryComplete();
        await writing;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        _stop.Dispose();
    }
}
