using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using OimBot.Bot.Operations;

namespace OimBot.Bot.Handoff.Pages.Inbox;

public sealed class PasswordModel(InboxAccounts accounts, IUserStore users) : PageModel
{
    [BindProperty]
    public string? Current { get; set; }

    [BindProperty]
    public string? Password { get; set; }

    [BindProperty]
    public string? Confirmation { get; set; }

    public string? Error { get; private set; }

    public bool MustChange => User.FindFirst(InboxAccounts.MustChangeClaim)?.Value == "true";

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        var name = User.Identity!.Name!;
        var (result, _, _) = await accounts.CheckAsync(name, Current ?? string.Empty, ClientAddress.Of(HttpContext), cancellationToken);
        if (result != SignInResult.Success)
        {
            Error = result == SignInResult.Throttled ? "Demasiados intentos fallidos desde esta conexión. Espera unos minutos." : "La contraseña actual no es correcta.";
            return Page();
        }

        if (PasswordPolicy.Problem(Password, Confirmation, name) is { } problem)
        {
            Error = problem;
            return Page();
        }

        if (Password == Current)
        {
            Error = "La nueva contraseña debe ser distinta de la actual.";
            return Page();
        }

        await accounts.ChangePasswordAsync(name, Password!, cancellationToken);
        if (name == "admin")
        {
            accounts.ForgetInitialPassword();
        }

        var user = await users.FindAsync(name, cancellationToken);
        await HttpContext.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, InboxAccounts.Principal(user!));
        return Redirect(user!.Role == Roles.Analyst ? "/inbox/analytics" : "/inbox");
    }
}
