using System.Diagnostics;
using Npgsql;

namespace OimBot.Bot.Tests.TestHost;

/// <summary>
/// A throwaway PostgreSQL server from Debian's <c>postgresql</c> package (no Docker): <c>initdb</c> into a temporary
/// directory, <c>pg_ctl start</c> on a free loopback port, one per test process, stopped when the process ends. As root
/// (CI) the server runs as the package's <c>postgres</c> user, since PostgreSQL refuses to run as root. Each test
/// gets its own database.
/// </summary>
public sealed class PostgresServer
{
    private static readonly Lazy<Task<PostgresServer>> Shared = new(() => StartAsync(durableCommits: false));
    private static int _databases;

    private readonly string _directory;
    private readonly string _bin;

    private PostgresServer(string directory, string bin, int port)
    {
        _directory = directory;
        _bin = bin;
        Port = port;
    }

    /// <summary>
    /// Commits survive the server being killed (an immediate stop): each commit's WAL reaches the operating system before
    /// it is acknowledged. Without it (the shared server, for speed) an immediate stop loses the last commits.
    /// </summary>
    public bool DurableCommits { get; private init; }

    private string Options => $"-p {Port} -k \"{_directory}\" -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=off -c full_page_writes=off"
        + (DurableCommits ? string.Empty : " -c synchronous_commit=off");

    public int Port { get; }

    /// <summary>The server of this test process, started on first use.</summary>
    public static Task<PostgresServer> GetAsync() => Shared.Value;

    /// <summary>A new, empty database; returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string? prefix = null)
    {
        var name = $"{prefix ?? "oimbot"}_{Environment.ProcessId}_{Interlocked.Increment(ref _databases)}";
        await using (var connection = new NpgsqlConnection(ConnectionString("postgres")))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await command.ExecuteNonQueryAsync();
        }

        return ConnectionString(name);
    }

    public string ConnectionString(string database) =>
        $"Host=127.0.0.1;Port={Port};Username=postgres;Database={database};Pooling=true;Maximum Pool Size=20;Timeout=15;Command Timeout=30";

    /// <summary>
    /// A server of the caller's own, for a test that stops it (a database outage) while other tests use the shared
    /// one. Stopped when the process ends.
    /// </summary>
    public static Task<PostgresServer> StartPrivateAsync() => StartAsync(durableCommits: true);

    /// <summary>Stops the server at once, as a crash or a lost network would (immediate shutdown).</summary>
    public async Task StopAsync() => await RunAsync(PgCtl, $"-D \"{Data}\" -m immediate -w stop");

    public async Task StartAgainAsync() => await RunAsync(PgCtl, $"-D \"{Data}\" -l \"{Path.Combine(_directory, "log")}\" -o \"{Options}\" -w -t 60 start");

    private string Data => Path.Combine(_directory, "data");

    private string PgCtl => Path.Combine(_bin, "pg_ctl");

    private static async Task<PostgresServer> StartAsync(bool durableCommits)
    {
        var bin = FindBin() ?? throw new InvalidOperationException(
            "PostgreSQL is not installed: tests/run installs Debian's 'postgresql' package when run as root (apt-get install postgresql).");
        var directory = Path.Combine(Path.GetTempPath(), $"oimbot-pg-{Environment.ProcessId}-{Guid.NewGuid():N}"[..40]);
        Directory.CreateDirectory(directory);
        var server = new PostgresServer(directory, bin, ServiceProcess.FreePort()) { DurableCommits = durableCommits };
        if (AsRoot)
        {
            await RunAsync("chown", $"postgres:postgres \"{directory}\"", asPostgres: false);
        }

        await RunAsync(Path.Combine(bin, "initdb"), $"-D \"{server.Data}\" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 --no-sync");
        await server.StartAgainAsync();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.Shutdown();
        server.StopWhenThisProcessEnds();
        return server;
    }

    /// <summary>
    /// The test host is often ended without running ProcessExit handlers: a small watcher stops the server and removes
    /// its directory once this process is gone, so no test run leaves a PostgreSQL behind.
    /// </summary>
    private void StopWhenThisProcessEnds()
    {
        var stop = AsRoot ? $"runuser -u postgres -- \"{PgCtl}\"" : $"\"{PgCtl}\"";
        var script = $"while kill -0 {Environment.ProcessId} 2>/dev/null; do sleep 1; done; {stop} -D \"{Data}\" -m immediate -w stop >/dev/null 2>&1; rm -rf \"{_directory}\"";
        var watcher = new ProcessStartInfo("setsid", ["bash", "-c", script]) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(watcher);
    }

    private void Shutdown()
    {
        try
        {
            RunAsync(PgCtl, $"-D \"{Data}\" -m immediate -w stop").Wait(TimeSpan.FromSeconds(20));
            Directory.Delete(_directory, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException or AggregateException)
        {
            // the temporary directory is left behind; nothing else depends on it
        }
    }

    private static bool AsRoot => Environment.UserName == "root";

    /// <summary>Debian installs the server under /usr/lib/postgresql/&lt;version&gt;/bin (not on PATH): the newest one.</summary>
    private static string? FindBin()
    {
        const string root = "/usr/lib/postgresql";
        return Directory.Exists(root)
            ? Directory.GetDirectories(root)
                .Select(d => Path.Combine(d, "bin"))
                .Where(b => File.Exists(Path.Combine(b, "initdb")))
                .OrderByDescending(b => int.TryParse(Path.GetFileName(Path.GetDirectoryName(b)), out var v) ? v : 0)
                .FirstOrDefault()
            : null;
    }

    private static async Task RunAsync(string program, string arguments, bool asPostgres = true)
    {
        var start = asPostgres && AsRoot
            ? new ProcessStartInfo("runuser", $"-u postgres -- \"{program}\" {arguments}")
            : new ProcessStartInfo(program, arguments);
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Path.GetFileName(program)} {arguments} exited with {process.ExitCode}:\n{await output}\n{await error}");
        }
    }
}
