using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using OimBot.Bot.Tests.TestHost;

namespace OimBot.Bot.Tests.Storage;

/// <summary>
/// The README's third command, for real: two service processes on one PostgreSQL behind nginx, configured by
/// <c>deploy/nginx.conf</c> (only its ports and paths changed). nginx alternates requests between the instances.
/// </summary>
public sealed class NginxTests
{
    [Fact]
    public async Task TwoInstancesBehindNginx_CarryOneConversation_AndOneSignIn()
    {
        var nginx = FindNginx() ?? throw new InvalidOperationException("nginx is not installed: tests/run installs Debian's 'nginx' package when run as root.");
        var connectionString = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("nginx");
        using var temp = new TempContent();
        var ports = new[] { ServiceProcess.FreePort(), ServiceProcess.FreePort() };
        var front = ServiceProcess.FreePort();
        var environment = new Dictionary<string, string>
        {
            ["Storage__Provider"] = "postgres",
            ["Storage__ConnectionString"] = connectionString,
            ["Privacy__AddressKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            ["Analytics__PseudonymKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            ["Proxy__KnownProxies__0"] = "127.0.0.1",
        };

        await using var first = ServiceProcess.Start(temp.Root, ["--urls", $"http://127.0.0.1:{ports[0]}"], environment);
        await using var second = ServiceProcess.Start(temp.Root, ["--urls", $"http://127.0.0.1:{ports[1]}"], environment);
        await Task.WhenAll(first.WaitUntilHealthyAsync(ports[0]), second.WaitUntilHealthyAsync(ports[1]));

        var prefix = Directory.CreateTempSubdirectory("oimbot-nginx-").FullName;
        var config = (await File.ReadAllTextAsync(Path.Combine(RepoPaths.Root, "deploy", "nginx.conf")))
            .Replace("127.0.0.1:5081", $"127.0.0.1:{ports[0]}", StringComparison.Ordinal)
            .Replace("127.0.0.1:5082", $"127.0.0.1:{ports[1]}", StringComparison.Ordinal)
            .Replace("127.0.0.1:8080", $"127.0.0.1:{front}", StringComparison.Ordinal)
            .Replace("/run/oimbot-nginx.pid", Path.Combine(prefix, "nginx.pid"), StringComparison.Ordinal)
            .Replace("/var/log/nginx/", prefix + "/", StringComparison.Ordinal);
        var configPath = Path.Combine(prefix, "nginx.conf");
        await File.WriteAllTextAsync(configPath, config);
        using var proxy = Process.Start(new ProcessStartInfo(nginx, $"-p \"{prefix}\" -c \"{configPath}\" -g \"daemon off;\"") { UseShellExecute = false, RedirectStandardError = true })!;
        try
        {
            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{front}") };
            await WaitForAsync(client);

            // One web chat conversation, its messages alternating between the instances.
            var id = Guid.NewGuid().ToString("N");
            var answers = new List<string>();
            foreach (var text in new[] { "hola", "1", "2", "menu", "4" })
            {
                var response = await client.PostAsJsonAsync("/api/webchat/messages", new { conversationId = id, text });
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                var body = await response.Content.ReadFromJsonAsync<JsonElement>();
                answers.Add(string.Join("\n", body.GetProperty("replies").EnumerateArray().Select(r => r.GetProperty("text").GetString())));
            }

            Assert.Contains("asistente automático", answers[0], StringComparison.Ordinal); // the notice
            Assert.Contains("¿Sobre qué quieres información?", answers[1], StringComparison.Ordinal); // Spanish chosen: the menu
            Assert.DoesNotContain("No entendí", string.Join("\n", answers), StringComparison.Ordinal); // each instance knew where the other left off

            // One instance dies: nginx sends the next message to the other, which carries the conversation on.
            await first.KillAsync();
            var after = await client.PostAsJsonAsync("/api/webchat/messages", new { conversationId = id, text = "menu" });
            Assert.Equal(HttpStatusCode.OK, after.StatusCode);
            var menu = await after.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Contains(menu.GetProperty("replies").EnumerateArray(), r => r.GetProperty("text").GetString()!.Contains("¿Sobre qué quieres información?", StringComparison.Ordinal));

            // The two instances started together: the schema was migrated once and the first admin created once.
            await using var db = new Npgsql.NpgsqlConnection(connectionString);
            Assert.Equal(1, await Dapper.SqlMapper.ExecuteScalarAsync<long>(db, "SELECT COUNT(*) FROM users"));
            Assert.Equal(1, await Dapper.SqlMapper.ExecuteScalarAsync<long>(db, "SELECT COUNT(*) FROM conversations"));
        }
        finally
        {
            proxy.Kill(entireProcessTree: true);
            await proxy.WaitForExitAsync();
            Directory.Delete(prefix, recursive: true);
        }
    }

    private static async Task WaitForAsync(HttpClient client)
    {
        var waited = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                if ((await client.GetAsync("/healthz")).StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException) when (waited.Elapsed < TimeSpan.FromSeconds(20))
            {
            }

            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(20), "nginx did not answer");
            await Task.Delay(100);
        }
    }

    private static string? FindNginx() =>
        new[] { "/usr/sbin/nginx", "/usr/bin/nginx", "/usr/local/sbin/nginx" }.FirstOrDefault(File.Exists);
}
