using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using OimBot.Bot.Operations;

namespace OimBot.Bot.Handoff.Pages.Inbox;

public sealed class LoginModel(InboxAccounts accounts, TimeProvider clock) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    [BindProperty]
    public string? Username { get; set; }

    [BindProperty]
    public string? Password { get; set; }

    public string? Error { get; private set; }

    /// <summary>One answer for an unknown, disabled or locked account and a wrong password (nothing tells them apart).</summary>
    public const string RefusedWords = "Usuario o contraseña incorrectos, o la cuenta está bloqueada por seguridad. Si no puedes entrar, pide ayuda a un supervisor.";

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(Username) || string.IsNullOrEmpty(Password))
        {
            Error = "Escribe tu usuario y tu contraseña.";
            return Page();
        }

        var (result, user, retryAt) = await accounts.CheckAsync(Username, Password, ClientAddress.Of(HttpContext), cancellationToken);
        switch (result)
        {
            case SignInResult.Throttled:
                // About this connection, never about the account: the same for accounts that exist and those that do not.
                Error = $"Demasiados intentos fallidos desde esta conexión. Vuelve a intentarlo después de las {InboxFormat.Local(retryAt!.Value)} (hora de Panamá).";
                Response.StatusCode = StatusCodes.Status429TooManyRequests;
                Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling((retryAt.Value - clock.GetUtcNow()).TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
                return Page();
            case SignInResult.Refused:
                Error = RefusedWords;
                return Page();
            default:
                await HttpContext.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, InboxAccounts.Principal(user!));
                if (user!.MustChangePassword)
                {
                    return Redirect("/inbox/password");
                }

                // Back to the page asked for, unless the role cannot open it (an analyst sent to the queue lands on analytics).
                if (ReturnUrl is { Length: > 0 } back && Url.IsLocalUrl(back) && (user.Role != Roles.Analyst || back.StartsWith("/inbox/analytics", StringComparison.OrdinalIgnoreCase)))
                {
                    return LocalRedirect(back);
                }

                return Redirect(user.Role == Roles.Analyst ? "/inbox/analytics" : "/inbox");
        }
    }
}
