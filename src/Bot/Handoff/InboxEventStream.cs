using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace OimBot.Bot.Handoff;

/// <summary>
/// The inbox's live updates (Server-Sent Events): "changed" whenever the queue changes; the page fetches what it shows.
/// No case data travels here. The stream lives as long as the page, far longer than the request's one authentication:
/// it asks again whether its session is still good before every event and every
/// <see cref="HandoffOptions.EventStreamCheckInterval"/> (and at the ticket's expiry), and once it is not, says
/// <c>ended</c> and closes, so a tab whose session expired, was signed out or whose account was disabled hears nothing
/// more of the queue. The page then asks with its current cookie (another tab may have renewed it) and shows that the
/// session ended (inbox.js).
/// </summary>
internal static class InboxEventStream
{
    public static async Task StreamAsync(HttpContext context, CaseEvents events, InboxAccounts accounts, TimeProvider clock, IOptions<HandoffOptions> options)
    {
        // The ticket this request was authenticated with; the stream never renews it (InboxSetup.MadeByThePage).
        var expires = context.Features.Get<IAuthenticateResultFeature>()?.AuthenticateResult?.Properties?.ExpiresUtc;
        var user = context.User;
        var aborted = context.RequestAborted;
        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        context.Response.Headers["X-Accel-Buffering"] = "no";
        var reader = events.Subscribe(aborted);
        try
        {
            await context.Response.WriteAsync($"retry: 3000\nevent: hello\ndata: {events.Version}\n\n", aborted);
            await context.Response.Body.FlushAsync(aborted);
            while (true)
            {
                var waitFor = options.Value.EventStreamCheckInterval;
                if (expires is { } end && end - clock.GetUtcNow() is var left && left < waitFor)
                {
                    waitFor = left > TimeSpan.Zero ? left : TimeSpan.Zero;
                }

                bool open;
                using (var check = new CancellationTokenSource(waitFor, clock))
                using (var wait = CancellationTokenSource.CreateLinkedTokenSource(aborted, check.Token))
                {
                    try
                    {
                        open = await reader.WaitToReadAsync(wait.Token);
                    }
                    catch (OperationCanceledException) when (!aborted.IsCancellationRequested)
                    {
                        open = true; // time for the periodic check, with or without news
                    }
                }

                if (!open)
                {
                    return; // the page went away
                }

                // Before anything is sent: news of the queue reaches only a session that is still good.
                if (!await accounts.SessionStillGoodAsync(user, expires, aborted))
                {
                    await context.Response.WriteAsync("event: ended\ndata: session\n\n", aborted);
                    await context.Response.Body.FlushAsync(aborted);
                    return;
                }

                var any = false;
                while (reader.TryRead(out var version))
                {
                    await context.Response.WriteAsync($"event: changed\ndata: {version}\n\n", aborted);
                    any = true;
                }

                if (any)
                {
                    await context.Response.Body.FlushAsync(aborted);
                }
            }
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            // the page went away
        }
    }
}
