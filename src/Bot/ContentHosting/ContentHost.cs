using System.Text;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using OimBot.Bot.Operations;
using OimBot.Content;
using OimBot.Content.Matching;

namespace OimBot.Bot.ContentHosting;

/// <summary>
/// Holds the content version every turn uses. A valid edit replaces it atomically; an invalid edit is logged with
/// file:line and the previous version keeps serving. Start-up refuses invalid content.
/// </summary>
public sealed partial class ContentHost(IOptions<ContentOptions> options, TimeProvider clock, ILogger<ContentHost> logger, BotMetrics? metrics = null)
{
    private readonly Lock _reloadLock = new();
    private ContentSet? _current;
    private string? _fingerprint;

    public ContentSet Current => Volatile.Read(ref _current) ?? throw new InvalidOperationException("Content has not been loaded.");

    public bool IsLoaded => Volatile.Read(ref _current) is not null;

    /// <summary>Loads the content at start-up; throws with every error when it is invalid.</summary>
    public void LoadOrThrow()
    {
        lock (_reloadLock)
        {
            _fingerprint = Fingerprint();
            var result = Load();
            if (result.Content is null)
            {
                var message = new StringBuilder("The content is invalid, so the bot cannot start:");
                foreach (var error in result.Errors)
                {
                    message.Append('\n').Append(error);
                }

                throw new ContentInvalidException(message.ToString());
            }

            Volatile.Write(ref _current, result.Content);
            LogLoaded(logger, result.Content.VersionId, result.Content.NodeList.Count, options.Value.Directory);
        }
    }

    /// <summary>Reloads when a file changed. Returns true when a new version now serves.</summary>
    public bool ReloadIfChanged()
    {
        lock (_reloadLock)
        {
            var fingerprint = Fingerprint();
            if (fingerprint == _fingerprint)
            {
                return false;
            }

            // Remembered only once the files were read: an edit whose read failed (a file mid-save) is read again.
            var result = Load();
            _fingerprint = fingerprint;
            if (result.Content is null)
            {
                metrics?.ReloadFailed();
                foreach (var error in result.Errors)
                {
                    LogInvalidEdit(logger, error.ToString());
                }

                LogKeptVersion(logger, _current?.VersionId ?? "none");
                return false;
            }

            if (result.Content.VersionId == _current?.VersionId)
            {
                return false;
            }

            Volatile.Write(ref _current, result.Content);
            LogReloaded(logger, result.Content.VersionId);
            return true;
        }
    }

    private ContentLoadResult Load()
    {
        var built = TextClassifier.Built;
        var result = ContentLoader.Load(new ContentSources(options.Value.Directory, options.Value.FactsPath) { Models = options.Value.Models() }, PanamaTime.Today(clock));
        foreach (var warning in result.Warnings)
        {
            LogWarning(logger, warning.ToString());
        }

        if (result.Content?.Understander.Models is { } models)
        {
            var read = models.Count(m => m.ReadTime is not null);
            var seconds = models.Where(m => m.ReadTime is null).Sum(m => m.TrainingTime.TotalSeconds);
            var cache = options.Value.Models()?.Directory ?? "nowhere (Content:ModelCache is none, or the account has no home)";
            LogModels(logger, models.Count, read, models.Count - read, seconds, cache);
        }

        // Training or reading the classifiers leaves about 30 MiB of freed large arrays, which the runtime does not compact
        // by itself: compacted once here (start-up and content edits only), so the service's memory is what it keeps
        // (issue 15). Not when every model was already in memory (an edit of texts only): nothing large was freed.
        if (TextClassifier.Built != built)
        {
            System.Runtime.GCSettings.LargeObjectHeapCompactionMode = System.Runtime.GCLargeObjectHeapCompactionMode.CompactOnce;
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        }

        return result;
    }

    /// <summary>Names, sizes and write times of every content file: cheap to compute every couple of seconds.</summary>
    private string Fingerprint()
    {
        var builder = new StringBuilder();
        var directory = options.Value.Directory;
        var files = System.IO.Directory.Exists(directory)
            ? System.IO.Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories).Append(options.Value.FactsPath)
            : [options.Value.FactsPath];
        foreach (var file in files.Order(StringComparer.Ordinal))
        {
            var info = new FileInfo(file);
            builder.Append(file).Append('|').Append(info.Exists ? info.Length : -1).Append('|').Append(info.Exists ? info.LastWriteTimeUtc.Ticks : 0).Append('\n');
        }

        return builder.ToString();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Loaded content version {Version}: {Nodes} nodes from {Directory}")]
    private static partial void LogLoaded(ILogger logger, string version, int nodes, string directory);

    [LoggerMessage(Level = LogLevel.Information, Message = "Understanding: {Models} models, {Read} read from the model cache, {Trained} trained ({Seconds:0.0} s of training between them); the cache: {Cache}")]
    private static partial void LogModels(ILogger logger, int models, int read, int trained, double seconds, string cache);

    [LoggerMessage(Level = LogLevel.Information, Message = "Content reloaded: version {Version} now serves")]
    private static partial void LogReloaded(ILogger logger, string version);

    [LoggerMessage(Level = LogLevel.Error, Message = "Content edit refused: {Problem}")]
    private static partial void LogInvalidEdit(ILogger logger, string problem);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Content version {Version} keeps serving until the edit is fixed")]
    private static partial void LogKeptVersion(ILogger logger, string version);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Content: {Problem}")]
    private static partial void LogWarning(ILogger logger, string problem);
}

/// <summary>Loads content before the server listens, then checks the files every <see cref="ContentOptions.ReloadInterval"/>.</summary>
internal sealed class ContentReloader(ContentHost host, IOptions<ContentOptions> options, TimeProvider clock, BotMetrics metrics, ILogger<ContentReloader> logger)
    : BackgroundLoop("content", clock, metrics, logger)
{
    protected override TimeSpan Interval => options.Value.ReloadInterval;

    protected override bool RunAtStart => false;

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        if (!host.IsLoaded)
        {
            host.LoadOrThrow();
        }

        return base.StartAsync(cancellationToken);
    }

    /// <summary>A file read mid-save throws here; the edit is not remembered as seen, so the next round reads it again.</summary>
    protected override Task RunRoundAsync(CancellationToken cancellationToken)
    {
        host.ReloadIfChanged();
        return Task.CompletedTask;
    }
}

/// <summary>The content has errors; the message lists each one as file:line.</summary>
public sealed class ContentInvalidException(string message) : Exception(message);

internal sealed class ContentHealthCheck(ContentHost host) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(host.IsLoaded
            ? HealthCheckResult.Healthy($"content version {host.Current.VersionId}")
            : HealthCheckResult.Unhealthy("content not loaded"));
}

public static class ContentHostingSetup
{
    public static IHostApplicationBuilder AddContentHosting(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<ContentOptions>().BindConfiguration(ContentOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<ContentHost>();
        builder.Services.AddHostedService<ContentReloader>();
        builder.Services.AddHealthChecks().AddCheck<ContentHealthCheck>("content");
        return builder;
    }
}
