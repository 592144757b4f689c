using OimBot.Content.Matching;
using System.Data.Common;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using System.Text.Json;
using Microsoft.Extensions.Options;
using OimBot.Bot.Dialogs;
using OimBot.Bot.Operations;
using OimBot.Bot.Storage;
using OimBot.Bot.Outbox;

namespace OimBot.Bot.Channels;

/// <summary>A message kept on disk while the database cannot take it: everything the turn needs, and when it came.</summary>
public sealed record SpooledMessage(
    string Channel,
    string Address,
    string? ExternalId,
    UserMessageKind Kind,
    string? Text,
    string? ChoiceKey,
    bool ThroughOutbox,
    DateTimeOffset? WindowExpiresAt,
    string? CallbackQueryId,
    DateTimeOffset ReceivedAt,
    string? HintTag = null,
    string? HintCallingCode = null)
{
    public static SpooledMessage From(InboundEvent.Message message, DateTimeOffset receivedAt)
    {
        ArgumentNullException.ThrowIfNull(message);
        return new(
            message.From.Channel,
            message.From.Address,
            message.ExternalId,
            message.Content.Kind,
            message.Content.Text,
            message.Content.ChoiceKey,
            message.Delivery.ThroughOutbox,
            message.Delivery.WindowExpiresAt,
            message.Delivery.CallbackQueryId,
            receivedAt,
            message.Content.Hint?.Tag,
            message.Content.Hint?.CallingCode);
    }

    public InboundEvent.Message ToMessage() => new(
        new ChannelAddress(Channel, Address),
        ExternalId,
        new UserMessage(Kind, Text, ChoiceKey)
        {
            Hint = HintTag is null && HintCallingCode is null ? null : new LanguageHint(HintTag, HintCallingCode),
        },
        new Delivery(ThroughOutbox, WindowExpiresAt, CallbackQueryId));
}

/// <summary>
/// When the database fails, a message a provider delivered is written here (encrypted with the address key, flushed to
/// disk) and the webhook still answers 200, so nothing a user sent is lost even on providers that never retry (Twilio).
/// Files are replayed oldest first once the database answers again; while any wait, new messages queue behind them so
/// each user's messages keep their order.
/// </summary>
public sealed partial class InboundSpool(AddressProtector protector, IOptions<StorageOptions> options, SpoolDisk disk, TimeProvider clock, ILogger<InboundSpool> logger)
{
    private readonly Lock _lock = new();
    private long _lastFailure;

    /// <summary>When the last write failed (a full or unwritable disk), until a write succeeds again.</summary>
    public DateTimeOffset? WriteFailedAt => Volatile.Read(ref _lastFailure) is var ticks and > 0 ? new DateTimeOffset(ticks, TimeSpan.Zero) : null;
    private long _sequence;
    private int? _pending;

    public string Directory => options.Value.SpoolDirectory;

    public string FailedDirectory => Path.Combine(Directory, "failed");

    /// <summary>Raised when a message was spooled, so the replayer looks at once.</summary>
    public event Action? Spooled;

    public bool HasPending
    {
        get
        {
            lock (_lock)
            {
                _pending ??= System.IO.Directory.Exists(Directory) ? System.IO.Directory.EnumerateFiles(Directory, "*.msg").Count() : 0;
                return _pending > 0;
            }
        }
    }

    /// <summary>The database failed or is locked: worth spooling and trying again later (a bug is not).</summary>
    public static bool IsStorageFailure(Exception exception) => exception is DbException or TimeoutException;

    /// <param name="quarantine">The message failed every attempt: kept in the failed folder for an operator, never replayed.</param>
    public async Task SaveAsync(InboundEvent.Message message, CancellationToken cancellationToken, bool quarantine = false)
    {
        ArgumentNullException.ThrowIfNull(message);
        var record = SpooledMessage.From(message, clock.GetUtcNow());
        var sealedBytes = protector.Encrypt(JsonSerializer.Serialize(record, StorageJson.Default.SpooledMessage));
        var folder = quarantine ? FailedDirectory : Directory;
        System.IO.Directory.CreateDirectory(folder);
        string name;
        lock (_lock)
        {
            name = $"{clock.GetUtcNow().UtcTicks:D20}-{++_sequence:D8}.msg";
        }

        var temporary = Path.Combine(folder, name + ".tmp");
        try
        {
            await disk.WriteAsync(temporary, sealedBytes, cancellationToken);
            File.Move(temporary, Path.Combine(folder, name));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A full or unwritable disk: no half-written file is left behind, /healthz turns Unhealthy, and the caller
            // answers the provider with a status it retries.
            TryDelete(temporary);
            Volatile.Write(ref _lastFailure, clock.GetUtcNow().UtcTicks);
            var error = ex.GetType().Name;
            LogCannotWrite(logger, record.Channel, error, ex.HResult);
            throw new SpoolUnavailableException(ex);
        }

        Volatile.Write(ref _lastFailure, 0);
        if (quarantine)
        {
            return;
        }

        lock (_lock)
        {
            _pending = (_pending ?? 0) + 1;
        }

        LogSpooled(logger, record.Channel);
        Spooled?.Invoke();
    }

    /// <summary>Spooled files, oldest first.</summary>
    public IReadOnlyList<string> Pending() =>
        System.IO.Directory.Exists(Directory) ? [.. System.IO.Directory.EnumerateFiles(Directory, "*.msg").Order(StringComparer.Ordinal)] : [];

    /// <summary>Null when the file cannot be read back (damaged, or sealed with another key).</summary>
    public SpooledMessage? Read(string file)
    {
        try
        {
            return JsonSerializer.Deserialize(protector.Decrypt(File.ReadAllBytes(file)), StorageJson.Default.SpooledMessage);
        }
        catch (Exception ex) when (ex is System.Security.Cryptography.CryptographicException or JsonException or ArgumentException or IOException)
        {
            return null;
        }
    }

    public void Done(string file)
    {
        File.Delete(file);
        Forget();
    }

    /// <summary>Moved aside (kept for an operator, still encrypted) so the rest can go on.</summary>
    public void Quarantine(string file)
    {
        System.IO.Directory.CreateDirectory(FailedDirectory);
        File.Move(file, Path.Combine(FailedDirectory, Path.GetFileName(file)), overwrite: true);
        Forget();
    }

    private void Forget()
    {
        lock (_lock)
        {
            _pending = null;
        }
    }

    private static void TryDelete(string file)
    {
        try
        {
            File.Delete(file);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // nothing more to do: the start-up sweep removes leftovers
        }
    }

    /// <summary>After a failed write: tries a small file; true (and the failure forgotten) once the disk takes it again.</summary>
    public async Task<bool> ProbeAsync(CancellationToken cancellationToken)
    {
        var probe = Path.Combine(Directory, $"probe-{Guid.NewGuid():N}.tmp");
        try
        {
            System.IO.Directory.CreateDirectory(Directory);
            await disk.WriteAsync(probe, new byte[64], cancellationToken);
            Volatile.Write(ref _lastFailure, 0);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
        finally
        {
            TryDelete(probe);
        }
    }

    /// <summary>Removes half-written files left by a crash or a full disk (they were never acknowledged as kept).</summary>
    public void SweepTemporaryFiles()
    {
        foreach (var folder in new[] { Directory, FailedDirectory }.Where(System.IO.Directory.Exists))
        {
            foreach (var file in System.IO.Directory.EnumerateFiles(folder, "*.tmp"))
            {
                TryDelete(file);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Critical, Message = "A {Channel} message could not be kept on disk ({Error}, HResult {HResult}): the disk is full or unwritable; the provider is asked to send it again")]
    private static partial void LogCannotWrite(ILogger logger, string channel, string error, int hResult);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The database is unavailable: a {Channel} message was kept on disk and will be answered when it is back")]
    private static partial void LogSpooled(ILogger logger, string channel);
}

/// <summary>Neither the database nor the spool could keep a message: the webhook asks the provider to send it again.</summary>
public sealed class SpoolUnavailableException(Exception inner) : IOException("the spool cannot be written", inner);

/// <summary>Writes one spool file durably (its own class so a test can stand in for a full disk).</summary>
public class SpoolDisk
{
    public virtual async Task WriteAsync(string path, byte[] bytes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        var fileOptions = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Options = FileOptions.WriteThrough };
        if (!OperatingSystem.IsWindows())
        {
            fileOptions.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        await using var stream = new FileStream(path, fileOptions);
        await stream.WriteAsync(bytes, cancellationToken);
        stream.Flush(flushToDisk: true);
    }
}

/// <summary>Replays spooled messages, oldest first, as soon as the database answers again.</summary>
internal sealed partial class SpoolReplayer(InboundSpool spool, TurnGuard turns, IOptions<StorageOptions> options, TimeProvider clock, BotMetrics metrics, ILogger<SpoolReplayer> logger, OutageBacklog? backlog = null)
    : BackgroundLoop("spool", clock, metrics, logger)
{
    private readonly SemaphoreSlim _wake = new(0);

    private readonly SemaphoreSlim _one = new(1, 1);

    /// <summary>Replays what it can, one replay at a time; false when the database is still unavailable.</summary>
    public async Task<bool> ReplayOnceAsync(CancellationToken cancellationToken)
    {
        await _one.WaitAsync(cancellationToken);
        try
        {
            return await ReplayAsync(cancellationToken);
        }
        finally
        {
            _one.Release();
        }
    }

    private async Task<bool> ReplayAsync(CancellationToken cancellationToken)
    {
        foreach (var file in spool.Pending())
        {
            if (spool.Read(file) is not { } message)
            {
                spool.Quarantine(file);
                LogUnreadable(logger, Path.GetFileName(file));
                continue;
            }

            try
            {
                // The provider's message id still deduplicates: a replay after a crash between commit and delete is answered
                // once. A turn that keeps failing is set aside and apologised for by the guard, so the rest can go on.
                if (backlog is not null)
                {
                    // Several instances: into the shared queue, where the messages every instance kept are put back in
                    // the order they arrived before any of them is answered.
                    await backlog.DepositAsync(message, options.Value.ReplayGrace, cancellationToken);
                }
                else
                {
                    await turns.HandleAsync(message.ToMessage(), cancellationToken);
                }
            }
            catch (Exception ex) when (InboundSpool.IsStorageFailure(ex))
            {
                return false;
            }

            spool.Done(file);
            var waited = Clock.GetUtcNow() - message.ReceivedAt;
            LogReplayed(logger, message.Channel, waited.TotalSeconds);
        }

        return true;
    }

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        spool.Spooled += Wake;
        spool.SweepTemporaryFiles();
        return base.StartAsync(cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        spool.Spooled -= Wake;
        await base.StopAsync(cancellationToken);
    }

    public override void Dispose()
    {
        _wake.Dispose();
        _one.Dispose();
        base.Dispose();
    }

    /// <summary>How often waiting messages are tried while the database is unavailable; a newly kept message wakes it at once.</summary>
    protected override TimeSpan Interval => options.Value.SpoolRetryInterval;

    protected override TimeSpan MaxBackoff => TimeSpan.FromSeconds(30);

    protected override async Task RunRoundAsync(CancellationToken cancellationToken)
    {
        if (spool.HasPending)
        {
            await ReplayOnceAsync(cancellationToken);
        }
    }

    protected override Task PauseAsync(TimeSpan pause, CancellationToken cancellationToken) => _wake.WaitAsync(pause, cancellationToken);

    private void Wake() => _wake.Release();

    [LoggerMessage(Level = LogLevel.Information, Message = "Answered a {Channel} message kept on disk, {Seconds:0} s after it arrived")]
    private static partial void LogReplayed(ILogger logger, string channel, double seconds);

    [LoggerMessage(Level = LogLevel.Error, Message = "A kept message could not be read back ({File}); moved to the failed folder")]
    private static partial void LogUnreadable(ILogger logger, string file);

}

/// <summary>/healthz says so while messages wait on disk for the database, and when some could not be replayed.</summary>
internal sealed class SpoolHealthCheck(InboundSpool spool) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (spool.WriteFailedAt is { } failedAt && !await spool.ProbeAsync(cancellationToken))
        {
            return HealthCheckResult.Unhealthy($"the spool cannot be written since {failedAt:u} (disk full or unwritable): messages cannot be kept while the database fails");
        }

        var waiting = spool.Pending().Count;
        var failed = Directory.Exists(spool.FailedDirectory) ? Directory.EnumerateFiles(spool.FailedDirectory).Count() : 0;
        return waiting == 0 && failed == 0
            ? HealthCheckResult.Healthy("no message waiting on disk")
            : HealthCheckResult.Degraded($"{waiting} message(s) waiting on disk for the database; {failed} set aside in {spool.FailedDirectory}");
    }
}
