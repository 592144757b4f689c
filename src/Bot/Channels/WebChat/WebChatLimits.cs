using OimBot.Bot.Reporting;
using System.Collections.Concurrent;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using OimBot.Analytics;
using OimBot.Bot.ContentHosting;
using OimBot.Bot.Operations;
using OimBot.Bot.Storage;

namespace OimBot.Bot.Channels.WebChat;

/// <summary>
/// Limits for the open web chat. Defaults are generous because many migrants share one address (a shelter's Wi-Fi, an
/// office kiosk, a carrier's NAT); they stop a script, not a crowd.
/// </summary>
public sealed class WebChatOptions
{
    public const string Section = "WebChat";

    /// <summary>New conversations one client address may start per <see cref="NewConversationWindow"/>.</summary>
    [Range(1, 100_000)]
    public int NewConversationsPerAddress { get; set; } = 30;

    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00", ErrorMessage = "WebChat:NewConversationWindow must be between 1 second and 1 day.")]
    public TimeSpan NewConversationWindow { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Messages one client address may send per minute, over all its conversations.</summary>
    [Range(1, 100_000)]
    public int MessagesPerMinutePerAddress { get; set; } = 240;

    /// <summary>Messages one conversation may send per minute (a person types far fewer).</summary>
    [Range(1, 10_000)]
    public int MessagesPerMinutePerConversation { get; set; } = 30;

    /// <summary>Cases one client address may open from the web chat per hour (a flood must not bury the caseworkers' queue).</summary>
    [Range(1, 10_000)]
    public int CasesPerHourPerAddress { get; set; } = 10;

    /// <summary>
    /// High-priority cases (danger, trafficking) one client address may open per hour, counted apart: a shelter's or a
    /// church's Wi-Fi shared by many must not refuse a person in danger because others asked for a person before.
    /// </summary>
    [Range(1, 10_000)]
    public int UrgentCasesPerHourPerAddress { get; set; } = 30;

    /// <summary>Checks for new messages (the page asks every few seconds) per client address per minute.</summary>
    [Range(1, 100_000)]
    public int PollsPerMinutePerAddress { get; set; } = 600;
}

/// <summary>
/// The web chat's rate limits (System.Threading.RateLimiting, as ASP.NET Core's middleware uses): per client address
/// for new conversations, messages and polls, and per conversation for messages. A refused request gets 429 with
/// Retry-After; it is counted (metrics, and the reach report's "refused" figure), never as a person.
/// </summary>
public sealed class WebChatLimits : IDisposable
{
    private const int MaxKnown = 200_000;

    private readonly PartitionedRateLimiter<string> _newConversations;
    private readonly PartitionedRateLimiter<string> _messages;
    private readonly PartitionedRateLimiter<string> _conversations;
    private readonly PartitionedRateLimiter<string> _polls;
    private readonly PartitionedRateLimiter<string> _cases;
    private readonly PartitionedRateLimiter<string> _urgentCases;
    private readonly ConcurrentDictionary<string, long> _known = new(StringComparer.Ordinal);
    private readonly TimeProvider _clock;
    private readonly BotMetrics _metrics;
    private long _refusedNew;

    public WebChatLimits(IOptions<WebChatOptions> options, TimeProvider clock, BotMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(options);
        var o = options.Value;
        _clock = clock;
        _metrics = metrics;
        _newConversations = Fixed(o.NewConversationsPerAddress, o.NewConversationWindow);
        _messages = Fixed(o.MessagesPerMinutePerAddress, TimeSpan.FromMinutes(1));
        _conversations = Fixed(o.MessagesPerMinutePerConversation, TimeSpan.FromMinutes(1));
        _polls = Fixed(o.PollsPerMinutePerAddress, TimeSpan.FromMinutes(1));
        _cases = Fixed(o.CasesPerHourPerAddress, TimeSpan.FromHours(1));
        _urgentCases = Fixed(o.UrgentCasesPerHourPerAddress, TimeSpan.FromHours(1));
    }

    /// <summary>Refused new conversations not yet written to the analytics store (taken by <see cref="TakeRefused"/>).</summary>
    public long PendingRefused => Interlocked.Read(ref _refusedNew);

    public static string ClientOf(HttpContext context) => ClientAddress.Of(context);

    /// <summary>Null when the message may go on; otherwise how long to wait.</summary>
    public TimeSpan? CheckMessage(string client, string conversationId)
    {
        if (!_known.ContainsKey(conversationId))
        {
            if (Refused(_newConversations, client, "webchat-new-conversation") is { } wait)
            {
                Interlocked.Increment(ref _refusedNew);
                return wait;
            }
        }

        return Refused(_messages, client, "webchat-messages-per-address") ?? Refused(_conversations, conversationId, "webchat-messages-per-conversation");
    }

    /// <summary>The conversation answered once: its later messages are not new conversations.</summary>
    public void Known(string conversationId)
    {
        if (_known.Count >= MaxKnown)
        {
            // Forget the older half: those conversations count as new once more if they come back (the limit is generous).
            var cutoff = _known.Values.Order().ElementAt(_known.Count / 2);
            foreach (var (id, seen) in _known)
            {
                if (seen <= cutoff)
                {
                    _known.TryRemove(id, out _);
                }
            }
        }

        _known[conversationId] = _clock.GetUtcNow().UtcTicks;
    }

    public TimeSpan? CheckPoll(string client) => Refused(_polls, client, "webchat-polls");

    /// <summary>Whether this address may open one more case now (asked only when a turn would open one).</summary>
    /// <summary>Whether one more case may open from <paramref name="client"/>; high-priority ones have their own, larger limit.</summary>
    public bool TryOpenCase(string client, bool urgent) =>
        (urgent ? Refused(_urgentCases, client, "webchat-urgent-cases") : Refused(_cases, client, "webchat-cases")) is null;

    /// <summary>The count of refused new conversations since the last call (for the analytics store).</summary>
    public long TakeRefused() => Interlocked.Exchange(ref _refusedNew, 0);

    /// <summary>Puts back a count the store could not take.</summary>
    public void GiveBack(long refused) => Interlocked.Add(ref _refusedNew, refused);

    public void Dispose()
    {
        _newConversations.Dispose();
        _messages.Dispose();
        _conversations.Dispose();
        _polls.Dispose();
        _cases.Dispose();
        _urgentCases.Dispose();
    }

    private TimeSpan? Refused(PartitionedRateLimiter<string> limiter, string key, string name)
    {
        using var lease = limiter.AttemptAcquire(key);
        if (lease.IsAcquired)
        {
            return null;
        }

        _metrics.Refused(name);
        return lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : TimeSpan.FromMinutes(1);
    }

    private static PartitionedRateLimiter<string> Fixed(int permits, TimeSpan window) =>
        PartitionedRateLimiter.Create<string, string>(key => RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = permits,
            Window = window,
            QueueLimit = 0,
            AutoReplenishment = true,
        }));

    /// <summary>429 with Retry-After in whole seconds (at least 1).</summary>
    public static IResult TooMany(TimeSpan wait) => new TooManyResult(wait);

    private sealed class TooManyResult(TimeSpan wait) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            return TypedResults.Problem(detail: "Too many messages from this connection. Wait a moment and try again.", statusCode: StatusCodes.Status429TooManyRequests, title: "Too many requests").ExecuteAsync(httpContext);
        }
    }
}

/// <summary>Writes the refused count to the analytics store every few seconds (one event per refusal, no person, no address).</summary>
internal sealed class WebChatRefusals(WebChatLimits limits, AnalyticsStore store, ContentHost content, TimeProvider clock, BotMetrics metrics, ILogger<WebChatRefusals> logger)
    : BackgroundLoop("webchat-refusals", clock, metrics, logger)
{
    protected override TimeSpan Interval => TimeSpan.FromSeconds(10);

    protected override async Task RunRoundAsync(CancellationToken cancellationToken)
    {
        var refused = limits.TakeRefused();
        if (refused == 0)
        {
            return;
        }

        var day = PanamaTime.Today(Clock);
        var version = content.IsLoaded ? content.Current.VersionId : string.Empty;
        try
        {
            var events = Enumerable.Range(0, (int)Math.Min(refused, 100_000)).Select(_ => new AnalyticsEvent(EventKind.WebChatRefused, ChannelNames.WebChat, string.Empty, null, null, version, day)).ToList();
            await store.RecordAsync(events, cancellationToken);
        }
        catch
        {
            limits.GiveBack(refused);
            throw;
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            await RunRoundAsync(CancellationToken.None);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // the count is lost with the process; the metrics counter kept it
        }
    }
}
