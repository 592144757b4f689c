using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace OimBot.Bot.Tests.TestHost;

/// <summary>What a fake provider answers to one request.</summary>
public sealed record FakeResponse(int Status, string Body, TimeSpan Delay = default, IReadOnlyDictionary<string, string>? Headers = null)
{
    /// <summary>Never answers by itself: the caller's timeout, or <see cref="FakeProvider.ReleaseHeld"/>, ends it.</summary>
    public bool Hold { get; init; }

    public static FakeResponse Json(int status, string body) => new(status, body);

    public static FakeResponse Held() => new(0, string.Empty) { Hold = true };
}

/// <summary>A request the fake received. <see cref="Answered"/> is true once a response was fully written (a "delivery").</summary>
public sealed record RecordedRequest(string Method, string Path, string Body, IReadOnlyDictionary<string, string> Headers, TimeSpan At)
{
    /// <summary>The body as a person reads it: JSON escapes (\u00BF) and form encoding undone.</summary>
    public string Text => Headers.TryGetValue("Content-Type", out var type) && type.Contains("form", StringComparison.Ordinal)
        ? System.Net.WebUtility.UrlDecode(Body)
        : System.Text.RegularExpressions.Regex.Unescape(Body);

    public bool Answered { get; set; }

    public int Status { get; set; }

    /// <summary>The client went away (a timeout, a killed process) before an answer was written.</summary>
    public bool Abandoned { get; set; }
}

/// <summary>
/// A provider API (Telegram, Meta, Twilio) as a real HTTP server on 127.0.0.1: scripted answers per path suffix,
/// a default answer otherwise, and a record of every request with the time it arrived.
/// </summary>
public sealed class FakeProvider : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, ConcurrentQueue<FakeResponse>> _scripts = new();
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly WebApplication _app;
    private TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private FakeProvider(WebApplication app) => _app = app;

    public string BaseUrl { get; private set; } = string.Empty;

    /// <summary>The answer when nothing is scripted for a path.</summary>
    public Func<RecordedRequest, FakeResponse> Default { get; set; } = _ => FakeResponse.Json(200, "{}");

    public IReadOnlyList<RecordedRequest> Requests => [.. _requests];

    public static async Task<FakeProvider> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var fake = new FakeProvider(app);
        app.Run(fake.HandleAsync);
        await app.StartAsync();
        fake.BaseUrl = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return fake;
    }

    /// <summary>Queues answers for requests whose path ends with <paramref name="pathSuffix"/>, used in order.</summary>
    public void Script(string pathSuffix, params FakeResponse[] responses)
    {
        var queue = _scripts.GetOrAdd(pathSuffix, _ => new ConcurrentQueue<FakeResponse>());
        foreach (var response in responses)
        {
            queue.Enqueue(response);
        }
    }

    /// <summary>Lets every held request, and every later one, fall through to its normal answer.</summary>
    public void ReleaseHeld() => _release.TrySetResult();

    public void HoldAgain() => _release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    public IReadOnlyList<RecordedRequest> Answered(string pathSuffix) =>
        [.. _requests.Where(r => r.Answered && r.Path.EndsWith(pathSuffix, StringComparison.Ordinal))];

    public async Task<IReadOnlyList<RecordedRequest>> WaitForAsync(Func<IReadOnlyList<RecordedRequest>, bool> condition, TimeSpan? timeout = null)
    {
        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < (timeout ?? TimeSpan.FromSeconds(20)))
        {
            var requests = Requests;
            if (condition(requests))
            {
                return requests;
            }

            await Task.Delay(25);
        }

        throw new TimeoutException($"The fake provider did not see what was expected. It saw:\n{string.Join('\n', Requests.Select(r => $"{r.At.TotalMilliseconds:0} ms {r.Method} {r.Path} -> {r.Status} ({(r.Answered ? "answered" : "not answered")}) {r.Body}"))}");
    }

    public async ValueTask DisposeAsync()
    {
        ReleaseHeld();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body);
        var body = await reader.ReadToEndAsync(context.RequestAborted);
        var recorded = new RecordedRequest(
            context.Request.Method,
            context.Request.Path + context.Request.QueryString,
            body,
            context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase),
            _clock.Elapsed);
        _requests.Enqueue(recorded);

        var response = Next(recorded);
        try
        {
            if (response.Hold)
            {
                await _release.Task.WaitAsync(context.RequestAborted);
                response = Default(recorded);
            }

            if (response.Delay > TimeSpan.Zero)
            {
                await Task.Delay(response.Delay, context.RequestAborted);
            }

            context.Response.StatusCode = response.Status;
            context.Response.ContentType = "application/json";
            foreach (var (name, value) in response.Headers ?? new Dictionary<string, string>())
            {
                context.Response.Headers[name] = value;
            }

            await context.Response.WriteAsync(response.Body, context.RequestAborted);
            await context.Response.CompleteAsync();
            recorded.Status = response.Status;
            recorded.Answered = !context.RequestAborted.IsCancellationRequested;
        }
        catch (OperationCanceledException)
        {
            // the client gave up (timeout) or died: not delivered
            recorded.Abandoned = true;
        }
    }

    private FakeResponse Next(RecordedRequest request)
    {
        foreach (var (suffix, queue) in _scripts)
        {
            if (request.Path.EndsWith(suffix, StringComparison.Ordinal) && queue.TryDequeue(out var scripted))
            {
                return scripted;
            }
        }

        return Default(request);
    }
}
