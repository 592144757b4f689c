using Dapper;
using Npgsql;
using OimBot.Bot.Handoff;

namespace OimBot.Bot.Storage;

/// <summary>
/// Whether this instance runs the jobs that must run on one instance only (retention, claim timeouts, analytics
/// roll-ups and salt destruction, Telegram long polling). With SQLite there is one instance, always the leader.
/// </summary>
public interface ILeadership
{
    bool IsLeader { get; }
}

public sealed class SingleInstance : ILeadership
{
    public bool IsLeader => true;
}

/// <summary>
/// PostgreSQL leadership: the instance holding a session advisory lock on its own connection leads. When it dies or
/// its connection drops, PostgreSQL releases the lock and another instance takes it at its next try.
/// </summary>
public sealed partial class PostgresLeadership(PostgresDatabase database, ILogger<PostgresLeadership> logger) : BackgroundService, ILeadership
{
    /// <summary>The advisory lock key of leadership ("oimbot:lead").</summary>
    private const long LeaderLock = 0x6F696D626F74_02;

    /// <summary>How often a follower tries to lead, and a leader checks its connection.</summary>
    public static readonly TimeSpan Every = TimeSpan.FromSeconds(2);

    private volatile bool _leader;

    public bool IsLeader => _leader;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        NpgsqlConnection? connection = null;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                connection ??= await database.OpenSessionAsync(stoppingToken);
                if (!_leader)
                {
                    _leader = await connection.ValueAsync<bool>("SELECT pg_try_advisory_lock(@key)", new { key = LeaderLock });
                    if (_leader)
                    {
                        LogLeading(logger);
                    }
                }
                else
                {
                    await connection.ValueAsync<int>("SELECT 1"); // still connected, so still holding the lock
                }
            }
            catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or TimeoutException)
            {
                // The connection (and with it the lock) is gone: follow until it can lead again.
                _leader = false;
                if (connection is not null)
                {
                    await connection.DisposeAsync();
                }

                connection = null;
                LogLost(logger, ex.GetType().Name);
            }

            await Task.Delay(Every, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        _leader = false;
        if (connection is not null)
        {
            await connection.DisposeAsync(); // closing the session releases the lock at once
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "This instance now runs the shared jobs (PostgreSQL leadership)")]
    private static partial void LogLeading(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lost the database connection that held leadership ({Error}); trying again")]
    private static partial void LogLost(ILogger logger, string error);
}

/// <summary>
/// Inbox live updates across instances: a case change published on one instance is announced with PostgreSQL's
/// NOTIFY, and every instance listening passes it to the inbox pages connected to it. Carries no data.
/// </summary>
public sealed partial class PostgresCaseEventsBridge(PostgresDatabase database, CaseEvents events, ILogger<PostgresCaseEventsBridge> logger) : BackgroundService
{
    private const string Channel = "oimbot_cases";

    /// <summary>This instance's id, so that its own notifications are not published twice.</summary>
    private readonly string _instance = Guid.NewGuid().ToString("N");

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        events.Published += Announce;
        return base.StartAsync(cancellationToken);
    }

    public override Task StopAsync(CancellationToken cancellationToken)
    {
        events.Published -= Announce;
        return base.StopAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await database.OpenSessionAsync(stoppingToken);
                connection.Notification += (_, notification) =>
                {
                    if (notification.Payload != _instance)
                    {
                        events.PublishFromElsewhere();
                    }
                };
                await connection.ExecuteAsync($"LISTEN {Channel}");
                while (!stoppingToken.IsCancellationRequested)
                {
                    await connection.WaitAsync(stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or TimeoutException)
            {
                LogListenFailed(logger, ex.GetType().Name);
                await Task.Delay(TimeSpan.FromSeconds(2), stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    /// <summary>Tells the other instances; a failure only delays their pages until the next change or reload.</summary>
    private void Announce() => _ = Task.Run(async () =>
    {
        try
        {
            await using var connection = await database.OpenAsync(CancellationToken.None);
            await connection.ExecuteAsync("SELECT pg_notify(@channel, @instance)", new { channel = Channel, instance = _instance });
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or TimeoutException)
        {
            LogNotifyFailed(logger, ex.GetType().Name);
        }
    });

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not listen for case changes from other instances ({Error}); trying again")]
    private static partial void LogListenFailed(ILogger logger, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not tell other instances about a case change ({Error})")]
    private static partial void LogNotifyFailed(ILogger logger, string error);
}
