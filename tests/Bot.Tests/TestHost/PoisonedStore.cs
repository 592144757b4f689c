using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using OimBot.Analytics;
using OimBot.Bot.Dialogs;
using OimBot.Bot.Storage;
using OimBot.Content;

namespace OimBot.Bot.Tests.TestHost;

/// <summary>
/// The real SQLite store with a bug injected into the turn: for a poisoned address, the turn's decision throws inside the
/// transaction (as a bug in the engine would), so nothing of it commits. <c>times</c> limits how many turns fail (a
/// transient fault); without it every real turn fails, while the apology (a turn with no events) goes through.
/// </summary>
public sealed class PoisonedStore(IConversationStore inner) : IConversationStore
{
    private readonly ConcurrentDictionary<string, int> _poisoned = new(StringComparer.Ordinal);

    private int _failures;

    /// <summary>How many turns the injected bug has failed so far.</summary>
    public int Failures => Volatile.Read(ref _failures);

    public void Poison(string address, int times = int.MaxValue) => _poisoned[address] = times;

    /// <summary>Every turn fails as SQLite does on a read-only file (SQLITE_READONLY).</summary>
    public bool ReadOnly { get; set; }

    /// <summary>The injected bug counts its failures, so the decision is not pure: it always runs inside the transaction.</summary>
    public Task<TurnOutcome> RunTurnAsync(ChannelAddress from, string? inboundMessageId, DateTimeOffset now, Func<StoredConversation?, TurnDecision> decide, TurnOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(from);
        if (ReadOnly)
        {
            throw new Microsoft.Data.Sqlite.SqliteException("attempt to write a readonly database", 8);
        }

        return inner.RunTurnAsync(from, inboundMessageId, now, stored =>
        {
            var decision = decide(stored);
            if (decision.Events.Count > 0 && _poisoned.TryGetValue(from.Address, out var left) && left > 0)
            {
                _poisoned[from.Address] = left - 1;
                Interlocked.Increment(ref _failures);
                throw new InvalidOperationException("injected bug in the turn");
            }

            return decision;
        }, options & ~TurnOptions.PureDecision, cancellationToken);
    }

    /// <summary>Puts this store in place of the real one (which it wraps).</summary>
    public static void Install(IServiceCollection services)
    {
        services.AddSingleton<SqliteConversationStore>();
        services.AddSingleton(sp => new PoisonedStore(sp.GetRequiredService<SqliteConversationStore>()));
        services.AddSingleton<IConversationStore>(sp => sp.GetRequiredService<PoisonedStore>());
    }
}
