using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.Mvc.Core.Infrastructure;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.AspNetCore.Mvc.ViewFeatures;
using Microsoft.Net.Http.Headers;

namespace OimBot.Bot.Handoff;

/// <summary>What a staff member reads when something goes wrong: a title, a sentence, maybe a reason, and a way back.</summary>
public sealed record InboxProblem(int Status, string Title, string Message, string? Detail, string Back, string BackText);

/// <summary>
/// Every error a staff member meets in the inbox is a short Spanish page in the inbox's layout: a 404, a 403, a form
/// whose antiforgery token failed, a form the page does not have, an unexpected failure, and an API's ProblemDetails
/// opened in a browser (an export link). Each of them goes through <see cref="IProblemDetailsService"/> (the status code
/// pages, the exception handler, <c>TypedResults.Problem</c>), so the choice is made in one place,
/// <see cref="InboxProblemPage"/>: a browser gets the page, an API client that asks for JSON keeps its ProblemDetails.
/// </summary>
public static class InboxErrors
{
    /// <summary>A ProblemDetails extension with the reason in Spanish, shown on the page instead of the English detail.</summary>
    public const string SpanishDetail = "detalle";

    /// <summary>Why a request failed, when the status alone does not say (an <see cref="HttpContext.Items"/> key).</summary>
    internal const string ReasonKey = "oimbot.inbox.problem";

    internal const string Antiforgery = "antiforgery";

    internal const string UnknownForm = "unknown-form";

    internal const string PasswordFirst = "password-first";

    /// <summary>Before <c>AddProblemDetails</c>: the first writer that accepts a request writes it.</summary>
    public static IServiceCollection AddInboxErrors(this IServiceCollection services)
    {
        services.AddSingleton<IProblemDetailsWriter, InboxProblemPage>();
        services.Configure<MvcOptions>(options =>
        {
            options.Filters.Add(new FormsOnly());
            options.Filters.Add(new AntiforgeryReason());
        });
        return services;
    }

    /// <summary>
    /// Whether the request gets a page rather than JSON. The inbox's own addresses do unless the client prefers JSON; the
    /// APIs (the exports) do only when the client prefers HTML, as a browser following a link does. The event stream never.
    /// </summary>
    public static bool WantsPage(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var path = request.Path;
        var inbox = path.StartsWithSegments("/inbox") && !path.StartsWithSegments("/inbox/events") && !path.StartsWithSegments("/inbox/assets");
        if (!inbox && !path.StartsWithSegments("/api/analytics"))
        {
            return false;
        }

        double html = 0, json = 0;
        foreach (var type in request.GetTypedHeaders().Accept)
        {
            var quality = type.Quality ?? 1;
            if (type.MediaType.Equals("text/html", StringComparison.OrdinalIgnoreCase) || type.MediaType.Equals("application/xhtml+xml", StringComparison.OrdinalIgnoreCase))
            {
                html = Math.Max(html, quality);
            }
            else if (type.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase) || type.MediaType.Equals("application/problem+json", StringComparison.OrdinalIgnoreCase))
            {
                json = Math.Max(json, quality);
            }
        }

        return inbox ? json <= html : html > json;
    }

    /// <summary>The words for a status (and the reason, when known), and where to go back to for the signed-in role.</summary>
    public static InboxProblem For(int status, HttpContext context, string? detail)
    {
        ArgumentNullException.ThrowIfNull(context);
        var user = context.User;
        var home = user.Identity?.IsAuthenticated != true ? "/inbox/login"
            : user.IsInRole(Roles.Caseworker) || user.IsInRole(Roles.Supervisor) ? "/inbox"
            : "/inbox/analytics";
        var back = home == "/inbox/login" ? "Ir a la página de entrada" : "Volver a la bandeja";
        var reason = context.Items[ReasonKey] as string;
        var path = context.Request.Path;
        return (status, reason) switch
        {
            (StatusCodes.Status400BadRequest, Antiforgery) => new(status, "No se pudo enviar el formulario",
                "La página se abrió antes de volver a entrar, la sesión cambió o el envío no se pudo leer. No se guardó nada de este envío: vuelve a abrir la página y envíalo otra vez.", detail, PageOf(context, home), "Volver a la página"),
            (StatusCodes.Status400BadRequest, UnknownForm) => new(status, "Formulario desconocido (400)",
                "Esta página no tiene ese formulario. No se guardó nada: vuelve a abrirla y usa sus botones.", detail, PageOf(context, home), "Volver a la página"),
            (StatusCodes.Status400BadRequest, _) => new(status, "Solicitud no válida (400)", "La dirección o el formulario no son válidos.", detail, home, back),
            (StatusCodes.Status401Unauthorized, _) => new(status, "Tu sesión terminó (401)", "Entra de nuevo para seguir.", detail, "/inbox/login", "Entrar"),
            (StatusCodes.Status403Forbidden, PasswordFirst) => new(status, "Cambia primero tu contraseña (403)",
                "Tu contraseña es temporal: cámbiala antes de abrir nada más, también las descargas.", detail, "/inbox/password", "Cambiar la contraseña"),
            (StatusCodes.Status403Forbidden, _) => new(status, "Sin permiso (403)", "Tu rol no permite abrir esta página.", detail, home, back),
            (StatusCodes.Status404NotFound, _) when path.StartsWithSegments("/inbox/case") => new(status, "Caso no encontrado (404)",
                "No hay ningún caso con esa referencia. Revisa la dirección o búscalo en la lista de casos.", detail, home, back),
            (StatusCodes.Status404NotFound, _) => new(status, "Página no encontrada (404)", "Esta dirección no existe en la bandeja.", detail, home, back),
            (StatusCodes.Status405MethodNotAllowed, _) => new(status, "Envío no admitido (405)", "Esta página no recibe formularios. No se guardó nada.", detail, PageOf(context, home), "Volver a la página"),
            (StatusCodes.Status429TooManyRequests, _) => new(status, "Demasiados intentos (429)", "Espera un momento y vuelve a intentarlo.", detail, home, back),
            ( >= 500, _) => new(status, $"Algo falló de nuestro lado ({status})",
                "Inténtalo de nuevo en un momento. Si vuelve a pasar, avisa a quien administra el servicio y dile la hora.", detail, home, back),
            _ => new(status, $"Solicitud no válida ({status})", "La dirección o el formulario no son válidos.", detail, home, back),
        };
    }

    /// <summary>The page a refused form came from (its own address, as a GET), or home for anything else.</summary>
    private static string PageOf(HttpContext context, string home) =>
        context.Request.Path.StartsWithSegments("/inbox") ? context.Request.Path.Value! : home;

    /// <summary>
    /// A POST to a page without that form: Razor Pages had run the page without a handler, which on a case or on the
    /// content page read what only a GET loads and failed with a 500. Now 405 where the page takes no form at all, 400
    /// where it has others.
    /// </summary>
    private sealed class FormsOnly : IAsyncPageFilter
    {
        public Task OnPageHandlerSelectionAsync(PageHandlerSelectedContext context) => Task.CompletedTask;

        public Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
        {
            var method = context.HttpContext.Request.Method;
            if (context.HandlerMethod is not null || HttpMethods.IsGet(method) || HttpMethods.IsHead(method))
            {
                return next();
            }

            if (context.ActionDescriptor.HandlerMethods.Any(h => !HttpMethods.IsGet(h.HttpMethod) && !HttpMethods.IsHead(h.HttpMethod)))
            {
                context.HttpContext.Items[ReasonKey] = UnknownForm;
                context.Result = new StatusCodeResult(StatusCodes.Status400BadRequest);
            }
            else
            {
                context.HttpContext.Response.Headers.Allow = "GET, HEAD";
                context.Result = new StatusCodeResult(StatusCodes.Status405MethodNotAllowed);
            }

            return Task.CompletedTask;
        }
    }

    /// <summary>Marks a 400 that is a failed antiforgery check (a form from before signing in again), so its page says so.</summary>
    private sealed class AntiforgeryReason : IAlwaysRunResultFilter
    {
        public void OnResultExecuting(ResultExecutingContext context)
        {
            if (context.Result is IAntiforgeryValidationFailedResult)
            {
                context.HttpContext.Items[ReasonKey] = Antiforgery;
            }
        }

        public void OnResultExecuted(ResultExecutedContext context)
        {
        }
    }
}

/// <summary>Writes a ProblemDetails as the inbox's error page (<c>Shared/_Problem.cshtml</c>) for a staff member's browser.</summary>
internal sealed class InboxProblemPage(IModelMetadataProvider metadata) : IProblemDetailsWriter
{
    public bool CanWrite(ProblemDetailsContext context) => InboxErrors.WantsPage(context.HttpContext.Request);

    public async ValueTask WriteAsync(ProblemDetailsContext context)
    {
        var http = context.HttpContext;
        var status = context.ProblemDetails.Status ?? http.Response.StatusCode;
        var detail = context.ProblemDetails.Extensions.TryGetValue(InboxErrors.SpanishDetail, out var spanish) ? spanish as string : null;
        var page = InboxErrors.For(status, http, detail);

        // The exception handler cleared the headers the staff pages carry; the page brings them back.
        InboxSetup.SecurityHeaders(http.Response);
        var view = new ViewResult
        {
            ViewName = "/Handoff/Pages/Shared/_Problem.cshtml",
            StatusCode = status,
            ViewData = new ViewDataDictionary<InboxProblem>(metadata, new ModelStateDictionary()) { Model = page },
        };
        await view.ExecuteResultAsync(new ActionContext(http, http.GetRouteData(), new ActionDescriptor()));
    }
}
