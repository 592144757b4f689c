using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace OimBot.Bot.Handoff;

/// <summary>
/// Failed sign-ins counted per client address and per account-and-address, in memory. Someone guessing from one
/// address is stopped there: after <see cref="HandoffOptions.LockoutAttempts"/> failures for one account that address
/// cannot try the account again for <see cref="HandoffOptions.LockoutDuration"/>, and after
/// <see cref="HandoffOptions.SignInAttemptsPerAddress"/> failures it cannot try any account. The account itself is
/// locked only after <see cref="HandoffOptions.AccountLockoutAttempts"/> failures from anywhere (in the database), so a
/// stranger cannot lock a colleague out with five wrong passwords.
/// </summary>
public sealed class SignInThrottle(IOptions<HandoffOptions> options, TimeProvider clock)
{
    private const int MaxEntries = 100_000;

    private readonly ConcurrentDictionary<string, Window> _failures = new(StringComparer.Ordinal);

    private sealed record Window(int Count, DateTimeOffset Since);

    /// <summary>Until when this address may not try (any account, or this one); null when it may.</summary>
    public DateTimeOffset? BlockedUntil(string client, string username)
    {
        var settings = options.Value;
        var now = clock.GetUtcNow();
        var byAddress = Blocked(AddressKey(client), settings.SignInAttemptsPerAddress, now);
        var byAccount = Blocked(AccountKey(client, username), settings.LockoutAttempts, now);
        return (byAddress, byAccount) switch
        {
            (null, null) => null,
            ({ } a, null) => a,
            (null, { } b) => b,
            ({ } a, { } b) => a > b ? a : b,
        };
    }

    public void Failed(string client, string username)
    {
        var now = clock.GetUtcNow();
        if (_failures.Count > MaxEntries)
        {
            foreach (var (key, window) in _failures)
            {
                if (now - window.Since > options.Value.LockoutDuration)
                {
                    _failures.TryRemove(key, out _);
                }
            }
        }

        Count(AddressKey(client), now);
        Count(AccountKey(client, username), now);
    }

    public void Succeeded(string client, string username) => _failures.TryRemove(AccountKey(client, username), out _);

    private void Count(string key, DateTimeOffset now) =>
        _failures.AddOrUpdate(key, _ => new Window(1, now), (_, w) => now - w.Since > options.Value.LockoutDuration ? new Window(1, now) : w with { Count = w.Count + 1 });

    private DateTimeOffset? Blocked(string key, int limit, DateTimeOffset now) =>
        _failures.TryGetValue(key, out var w) && w.Count >= limit && now - w.Since <= options.Value.LockoutDuration ? w.Since + options.Value.LockoutDuration : null;

    private static string AddressKey(string client) => "a|" + client;

    private static string AccountKey(string client, string username) => $"u|{client}|{username.Trim().ToLowerInvariant()}";
}
