using System.Reflection;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using OimBot.Bot.Dialogs;

namespace OimBot.Bot.Handoff;

public static class InboxSetup
{
    public const string CasesPolicy = "cases";
    public const string SupervisorPolicy = "supervisor";
    public const string AnalyticsPolicy = "analytics";

    /// <summary>The live updates' stream: the page opens it by itself.</summary>
    public const string EventsPath = "/inbox/events";

    /// <summary>The header inbox.js sends with every request it makes by itself (the live refreshes).</summary>
    public const string AutomaticHeader = "X-Requested-With";

    /// <summary>
    /// Whether the page made the request by itself (the event stream, a live refresh) rather than the person (a page
    /// opened, a form sent). Not a security boundary: a client that says so only gives up renewing its own session.
    /// </summary>
    public static bool MadeByThePage(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.Path.StartsWithSegments(EventsPath) || request.Headers[AutomaticHeader] == "fetch";
    }

    /// <summary>The handoff (cases, office hours, timeouts) and the caseworkers' inbox (cookie auth, roles, Razor Pages).</summary>
    public static IHostApplicationBuilder AddHandoff(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptions<HandoffOptions>().BindConfiguration(HandoffOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<HandoffOptions>, HandoffOptionsValidator>();
        services.AddOptions<DialogOptions>().Configure<IOptions<HandoffOptions>>((dialogs, handoff) => dialogs.Schedule = handoff.Value.BuildSchedule());
        services.AddSingleton<CaseEvents>();
        services.AddSingleton<HandoffService>();
        services.AddHostedService<HandoffMonitor>();
        services.AddSingleton<IPasswordHasher<InboxUser>, PasswordHasher<InboxUser>>();
        services.AddSingleton<SignInThrottle>();
        services.AddSingleton<InboxAccounts>();
        services.AddHostedService<InboxBootstrap>();

        services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme).AddCookie(options =>
        {
            options.LoginPath = "/inbox/login";
            options.LogoutPath = "/inbox/logout";
            options.Cookie.Name = "oimbot.inbox";
            options.Cookie.HttpOnly = true;
            options.Cookie.SameSite = SameSiteMode.Strict;
            options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            options.SlidingExpiration = true;

            // Only what the person does slides the session on: the live updates (the stream, the refreshes it starts)
            // had renewed it every few minutes, so an inbox left open on an unattended computer stayed signed in for ever.
            options.Events.OnCheckSlidingExpiration = context =>
            {
                context.ShouldRenew &= !MadeByThePage(context.Request);
                return Task.CompletedTask;
            };
            options.Events.OnValidatePrincipal = context => context.HttpContext.RequestServices.GetRequiredService<InboxAccounts>().ValidateAsync(context);
            options.Events.OnRedirectToAccessDenied = context =>
            {
                // A 403, not a redirect: a caseworker opening a supervisor page must see "forbidden". Its page (or, for an
                // API client, its ProblemDetails) comes from the status code pages, as every other error's (InboxErrors).
                context.Response.StatusCode = StatusCodes.Status403Forbidden;
                return Task.CompletedTask;
            };
            options.Events.OnRedirectToLogin = context =>
            {
                // What the page asks by itself gets a status it can act on (it says the session ended), not a login page.
                if (MadeByThePage(context.Request) || context.Request.Path.StartsWithSegments("/api"))
                {
                    context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                    return Task.CompletedTask;
                }

                context.Response.Redirect(ReturnTo(context));
                return Task.CompletedTask;
            };
        });
        services.AddOptions<CookieAuthenticationOptions>(CookieAuthenticationDefaults.AuthenticationScheme)
            .Configure<IOptions<HandoffOptions>>((cookie, handoff) => cookie.ExpireTimeSpan = handoff.Value.SessionTimeout);
        services.AddAuthorizationBuilder()
            .AddPolicy(CasesPolicy, policy => policy.RequireRole(Roles.Caseworker, Roles.Supervisor))
            .AddPolicy(SupervisorPolicy, policy => policy.RequireRole(Roles.Supervisor))
            .AddPolicy(AnalyticsPolicy, policy => policy.RequireRole(Roles.Analyst, Roles.Supervisor));
        services.AddRazorPages(options =>
        {
            options.RootDirectory = "/Handoff/Pages";
            options.Conventions.AuthorizeFolder("/Inbox");
            options.Conventions.AllowAnonymousToPage("/Inbox/Login");
            options.Conventions.AuthorizePage("/Inbox/Index", CasesPolicy);
            options.Conventions.AuthorizePage("/Inbox/Case", CasesPolicy);
            options.Conventions.AuthorizePage("/Inbox/Users", SupervisorPolicy);
            options.Conventions.AuthorizePage("/Inbox/Audit", SupervisorPolicy);
            options.Conventions.AuthorizePage("/Inbox/ContentHealth", SupervisorPolicy);
            options.Conventions.AuthorizePage("/Inbox/Analytics", AnalyticsPolicy);
        });
        services.Configure<RouteOptions>(options => options.LowercaseUrls = true);

        // Spanish and other scripts as they are; <, >, &, quotes are still encoded everywhere.
        services.AddWebEncoders(options => options.TextEncoderSettings = new System.Text.Encodings.Web.TextEncoderSettings(System.Text.Unicode.UnicodeRanges.All));
        services.AddInboxErrors();
        services.AddAntiforgery(options =>
        {
            options.Cookie.Name = "oimbot.antiforgery";
            options.Cookie.SameSite = SameSiteMode.Strict;
        });
        return builder;
    }

    /// <summary>
    /// Where the sign-in leads back to. A form sent after the session ended comes back to its page: its handler
    /// (<c>?handler=reply</c>) answers only a POST, and the draft kept in the tab (inbox.js) is put back there.
    /// </summary>
    private static string ReturnTo(RedirectContext<CookieAuthenticationOptions> context)
    {
        var request = context.Request;
        if (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method))
        {
            return context.RedirectUri;
        }

        var page = request.PathBase + request.Path;
        return $"{request.Scheme}://{request.Host}{request.PathBase}{context.Options.LoginPath}{QueryString.Create(context.Options.ReturnUrlParameter, page)}";
    }

    public static WebApplication MapInbox(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.Use(WithSecurityHeaders);
        app.UseAuthentication();
        app.UseAuthorization();
        app.Use(MustChangePasswordFirst);
        app.MapRazorPages();
        app.MapGet(EventsPath, InboxEventStream.StreamAsync).RequireAuthorization(CasesPolicy);
        InboxAssets.Map(app);
        return app;
    }

    /// <summary>
    /// A user with a temporary password (the first admin, or one reset by a supervisor) changes it before anything else:
    /// every authenticated request, pages and APIs (the CSV exports, the event stream) alike.
    /// </summary>
    private static Task MustChangePasswordFirst(HttpContext context, RequestDelegate next)
    {
        var path = context.Request.Path;
        if (context.User.FindFirst(InboxAccounts.MustChangeClaim)?.Value == "true"
            && !path.StartsWithSegments("/inbox/password")
            && !path.StartsWithSegments("/inbox/logout")
            && !path.StartsWithSegments("/inbox/assets"))
        {
            if (path.StartsWithSegments("/inbox") && !path.StartsWithSegments(EventsPath))
            {
                context.Response.Redirect("/inbox/password");
                return Task.CompletedTask;
            }

            context.Items[InboxErrors.ReasonKey] = InboxErrors.PasswordFirst;
            return TypedResults.Problem(detail: "Change your temporary password at /inbox/password first.", statusCode: StatusCodes.Status403Forbidden, title: "Password change required").ExecuteAsync(context);
        }

        return next(context);
    }

    /// <summary>The staff pages and their APIs: no framing, no sniffing, scripts and styles from this site only, no referrer.</summary>
    private static Task WithSecurityHeaders(HttpContext context, RequestDelegate next)
    {
        var path = context.Request.Path;
        if (path.StartsWithSegments("/inbox") || path.StartsWithSegments("/api/analytics"))
        {
            SecurityHeaders(context.Response);
        }

        return next(context);
    }

    internal static void SecurityHeaders(HttpResponse response)
    {
        var headers = response.Headers;
        headers.ContentSecurityPolicy = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        // What antiforgery requires of a page with a form (it overrode anything less, with a warning per page).
        headers.CacheControl = "no-cache, no-store";
        headers.Pragma = "no-cache";
    }
}

/// <summary>The inbox's stylesheet and script, embedded: no CDN, the same whatever folder the service runs from.</summary>
internal static class InboxAssets
{
    public static void Map(IEndpointRouteBuilder app)
    {
        foreach (var (name, type) in new[] { ("inbox.css", "text/css; charset=utf-8"), ("inbox.js", "text/javascript; charset=utf-8") })
        {
            var assembly = Assembly.GetExecutingAssembly();
            using var stream = assembly.GetManifestResourceStream(assembly.GetManifestResourceNames().Single(r => r.EndsWith($"Handoff.Assets.{name}", StringComparison.Ordinal)))!;
            using var memory = new MemoryStream();
            stream.CopyTo(memory);
            var bytes = memory.ToArray();
            app.MapGet($"/inbox/assets/{name}", (HttpContext context) =>
            {
                context.Response.Headers.CacheControl = "no-cache";
                context.Response.Headers.XContentTypeOptions = "nosniff";
                return TypedResults.Bytes(bytes, type);
            });
        }
    }
}
