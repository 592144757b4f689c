using System.Diagnostics;
using Npgsql;

namespace OimBot.Bench;

/// <summary>
/// A throwaway PostgreSQL for the fault run, from Debian's <c>postgresql</c> package: <c>initdb</c> into a temporary
/// folder and <c>pg_ctl</c> on a free loopback port, run as the package's <c>postgres</c> user when the bench runs as
/// root (PostgreSQL refuses root). Adapted from tests/Bot.Tests/TestHost/PostgresServer.cs, which this project cannot
/// reference. Commits are durable (no <c>synchronous_commit=off</c>): an immediate stop, like a crash of the server,
/// must not lose a commit the service was told about. <c>fsync</c> is off as in the test host: the server process is
/// stopped, not the machine, so written WAL survives in the operating system either way.
/// </summary>
internal sealed class BenchPostgres : IAsyncDisposable
{
    private readonly string _directory;
    private readonly string _bin;

    private readonly bool _durable;

    private BenchPostgres(string directory, string bin, int port, bool durable)
    {
        _directory = directory;
        _bin = bin;
        Port = port;
        _durable = durable;
    }

    public int Port { get; }

    /// <summary>The folder of the server's Unix socket (<c>-k</c>): Npgsql's Host for a connection without TCP.</summary>
    public string SocketDirectory => _directory;

    private string Data => Path.Combine(_directory, "data");

    private string Options => $"-p {Port} -k \"{_directory}\" -c listen_addresses=127.0.0.1 -c max_connections=200" + (_durable ? string.Empty : " -c fsync=off -c full_page_writes=off");

    private static bool AsRoot => Environment.UserName == "root";

    /// <param name="durable">fsync on, as in production (the throughput comparison); off for the fault run (see above)</param>
    public static async Task<BenchPostgres> StartAsync(bool durable = false)
    {
        var bin = FindBin() ?? throw new InvalidOperationException("PostgreSQL is not installed (apt-get install postgresql): no /usr/lib/postgresql/<version>/bin/initdb");
        var directory = Path.Combine(Path.GetTempPath(), $"oimbot-faults-pg-{Guid.NewGuid():N}"[..36]);
        Directory.CreateDirectory(directory);
        var server = new BenchPostgres(directory, bin, OimBotProcess.FreePort(), durable);
        try
        {
            if (AsRoot)
            {
                await RunAsync("chown", $"postgres:postgres \"{directory}\"", asPostgres: false);
            }

            await RunAsync(Path.Combine(bin, "initdb"), $"-D \"{server.Data}\" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 --no-sync");
            await server.StartAgainAsync();
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>A new, empty database; returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string name)
    {
        await using (var connection = new NpgsqlConnection(ConnectionString("postgres", pooling: false)))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await command.ExecuteNonQueryAsync();
        }

        return ConnectionString(name, pooling: true);
    }

    public string ConnectionString(string database, bool pooling) =>
        $"Host=127.0.0.1;Port={Port};Username=postgres;Database={database};Pooling={pooling};Maximum Pool Size=30;Timeout=15;Command Timeout=30";

    /// <summary>Stops the server at once, as a crash or a lost network would (immediate shutdown: no checkpoint).</summary>
    public Task StopAsync() => RunAsync(PgCtl, $"-D \"{Data}\" -m immediate -w stop");

    public Task StartAgainAsync() => RunAsync(PgCtl, $"-D \"{Data}\" -l \"{Path.Combine(_directory, "log")}\" -o \"{Options}\" -w -t 60 start");

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (File.Exists(Path.Combine(Data, "postmaster.pid")))
            {
                await StopAsync();
            }
        }
        catch (InvalidOperationException ex)
        {
            Console.Error.WriteLine($"PostgreSQL did not stop: {ex.Message}");
        }

        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"left behind: {_directory} ({ex.GetType().Name})");
        }
    }

    private string PgCtl => Path.Combine(_bin, "pg_ctl");

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
