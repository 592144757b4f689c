using System.Net;
using System.Net.Sockets;
using System.Text;
using OimBot.Bot.Tests.TestHost;

namespace OimBot.Bot.Tests.Channels;

/// <summary>
/// Unsigned webhook bodies held open by an attacker must not be buffered before the signature is checked: the real
/// service (a process, Kestrel) is measured while 60 connections each announce a 1 MB body and send most of it, then
/// again after they close.
/// </summary>
public sealed class HeldConnectionTests
{
    private const int Connections = 60;
    private const int Announced = 1_000_000;
    private const int Sent = 900_000;

    private static Dictionary<string, string> Channels() => new()
    {
        ["Channels__WhatsApp__Enabled"] = "true",
        ["Channels__WhatsApp__VerifyToken"] = "v",
        ["Channels__WhatsApp__AppSecret"] = "app-secret",
        ["Channels__WhatsApp__AccessToken"] = "token",
        ["Channels__WhatsApp__PhoneNumberId"] = "1",
        ["Channels__WhatsApp__GraphApiBaseUrl"] = "http://127.0.0.1:9",
        ["Channels__Twilio__Enabled"] = "true",
        ["Channels__Twilio__AccountSid"] = "AC1",
        ["Channels__Twilio__AuthToken"] = "twilio-token",
        ["Channels__Twilio__From"] = "whatsapp:+1",
        ["Channels__Twilio__PublicBaseUrl"] = "https://bot.example.org",
        ["Channels__Twilio__ApiBaseUrl"] = "http://127.0.0.1:9",
        ["Channels__Twilio__ContentSids__reply-waiting__es"] = ChannelHost.ContentSid("es"),
        ["Channels__Twilio__ContentSids__reply-waiting__en"] = ChannelHost.ContentSid("en"),
        ["Channels__Twilio__ContentSids__reply-waiting__fr"] = ChannelHost.ContentSid("fr"),
        ["Channels__Twilio__ContentSids__reply-waiting__pt_BR"] = ChannelHost.ContentSid("pt_BR"),
        ["Channels__Twilio__ContentSids__reply-waiting__zh_CN"] = ChannelHost.ContentSid("zh_CN"),
        ["Channels__Telegram__Enabled"] = "true",
        ["Channels__Telegram__BotToken"] = "1:x",
        ["Channels__Telegram__WebhookSecret"] = "secret_1",
        ["Channels__Telegram__ApiBaseUrl"] = "http://127.0.0.1:9",
    };

    [Fact]
    public async Task HeldOpenUnsignedBodies_AreRefusedUnread_AndMemoryDoesNotGrow()
    {
        using var temp = new TempContent();
        var port = ServiceProcess.FreePort();
        await using var service = ServiceProcess.Start(temp.Root, ["--urls", $"http://127.0.0.1:{port}"], Channels());
        await service.WaitUntilHealthyAsync(port);

        // A first round warms the paths up (code compiled, pools created), so what follows measures the connections.
        foreach (var socket in await HoldAsync(port, 9))
        {
            socket.Dispose();
        }

        await Task.Delay(1500);
        var before = service.ResidentBytes();
        var sockets = new List<Socket>();
        var answers = new List<string>();
        try
        {
            sockets = await HoldAsync(port, Connections);
            await Task.Delay(1500);
            var held = service.ResidentBytes();
            foreach (var socket in sockets.Take(6))
            {
                var buffer = new byte[512];
                var read = await socket.ReceiveAsync(buffer, SocketFlags.None).WaitAsync(TimeSpan.FromSeconds(5));
                answers.Add(Encoding.ASCII.GetString(buffer, 0, read));
            }

            Assert.All(answers, a => Assert.StartsWith("HTTP/1.1 401", a, StringComparison.Ordinal));
            Assert.True(held - before < 16 * 1024 * 1024, $"resident memory grew by {(held - before) / 1024 / 1024} MiB with {Connections} held connections");
        }
        finally
        {
            foreach (var socket in sockets)
            {
                socket.Dispose();
            }
        }

        await Task.Delay(1500);
        var after = service.ResidentBytes();
        Assert.True(after - before < 16 * 1024 * 1024, $"resident memory stayed {(after - before) / 1024 / 1024} MiB up after the connections closed");
    }

    /// <summary>Opens connections that each announce a 1 MB unsigned body and send most of it.</summary>
    private static async Task<List<Socket>> HoldAsync(int port, int count)
    {
        var paths = new[] { ("/webhooks/whatsapp", "application/json"), ("/webhooks/twilio", "application/x-www-form-urlencoded"), ("/webhooks/telegram", "application/json") };
        var sockets = new List<Socket>();
        var chunk = new byte[64 * 1024];
        Array.Fill(chunk, (byte)'a');
        for (var i = 0; i < count; i++)
        {
            var (path, type) = paths[i % paths.Length];
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync(IPAddress.Loopback, port);
            sockets.Add(socket);
            await socket.SendAsync(Encoding.ASCII.GetBytes($"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {type}\r\nContent-Length: {Announced}\r\n\r\n"));
            using var sending = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            try
            {
                for (var sent = 0; sent < Sent; sent += chunk.Length)
                {
                    await socket.SendAsync(chunk, SocketFlags.None, sending.Token); // the server may stop reading: fine
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException)
            {
                // refused and closed, or not read: either way nothing is buffered
            }
        }

        return sockets;
    }
}
