using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace OimBot.Bot.Handoff.Pages.Inbox;

public sealed class LogoutModel(InboxAccounts accounts) : PageModel
{
    public IActionResult OnGet() => Redirect("/inbox");

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        if (User.Identity?.Name is { } name)
        {
            await accounts.SignOutEverywhereAsync(name, cancellationToken);
        }

        await HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        return Redirect("/inbox/login");
    }
}
