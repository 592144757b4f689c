using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace OimBot.Bot.Handoff.Pages.Inbox;

public sealed class LoginModel(InboxAccounts accounts) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    [BindProperty]
    public string? Username { get; set; }

    [BindProperty]
    public string? Password { get; set; }

    public string? Error { get; private set; }

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

        var (result, user, lockedUntil) = await accounts.CheckAsync(Username, Password, cancellationToken);
        switch (result)
        {
            case SignInResult.Locked:
                Error = $"Demasiados intentos fallidos: la cuenta está bloqueada hasta las {InboxFormat.Local(lockedUntil!.Value)} (hora de Panamá).";
                return Page();
            case SignInResult.Invalid:
                Error = "Usuario o contraseña incorrectos.";
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
