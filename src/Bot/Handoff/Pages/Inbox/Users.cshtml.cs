using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace OimBot.Bot.Handoff.Pages.Inbox;

public sealed partial class UsersModel(InboxAccounts accounts, IUserStore users, TimeProvider clock) : PageModel
{
    public IReadOnlyList<InboxUser> Users { get; private set; } = [];

    public DateTimeOffset Now { get; private set; }

    [TempData]
    public string? Message { get; set; }

    public string? Error { get; private set; }

    public string? NewUsername { get; private set; }

    public string NewRole { get; private set; } = Roles.Caseworker;

    public async Task OnGetAsync(CancellationToken cancellationToken) => await LoadAsync(cancellationToken);

    public async Task<IActionResult> OnPostAddAsync(string? username, string? role, string? password, string? confirmation, CancellationToken cancellationToken)
    {
        NewUsername = username;
        NewRole = role ?? Roles.Caseworker;
        Error = username is null || !UserName().IsMatch(username)
            ? "El usuario debe tener de 3 a 40 letras, números, punto, guion o guion bajo."
            : role is null || !Roles.All.Contains(role)
                ? "Elige un rol."
                : PasswordPolicy.Problem(password, confirmation, username);
        if (Error is null && !await accounts.CreateAsync(username!, role!, password!, mustChangePassword: true, User.Identity!.Name!, cancellationToken))
        {
            Error = $"Ya existe un usuario «{username}».";
        }

        if (Error is not null)
        {
            await LoadAsync(cancellationToken);
            return Page();
        }

        Message = $"Usuario {username} añadido, con el rol {Roles.Label(role)}.";
        return RedirectToPage();
    }

    public async Task<IActionResult> OnPostToggleAsync(string? username, CancellationToken cancellationToken)
    {
        var user = username is null ? null : await users.FindAsync(username, cancellationToken);
        if (user is not null && user.Username != User.Identity!.Name)
        {
            var released = await accounts.SetDisabledAsync(user.Username, !user.Disabled, User.Identity!.Name!, cancellationToken);
            Message = user.Disabled
                ? $"{user.Username} está activo de nuevo."
                : $"{user.Username} está desactivado y su sesión se cerró." + (released > 0 ? $" Los casos que tenía ({released}) volvieron a la cola, en su lugar por tiempo de espera." : string.Empty);
        }

        return RedirectToPage();
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        Now = clock.GetUtcNow();
        Users = await users.ListAsync(cancellationToken);
    }

    [GeneratedRegex("^[A-Za-z0-9._-]{3,40}$")]
    private static partial Regex UserName();
}
