namespace OimBot.Bot.Outbox;

/// <summary>
/// The outbox's own storage: claiming due rows for sending (one per recipient, oldest first, never by two senders),
/// recording what the provider said, holding replies outside WhatsApp's window, and reporting. Rows are written by
/// the turn (or the case action) that produced them, in its transaction.
/// </summary>
public interface IOutboxStore
{
    /// <summary>
    /// Claims up to <paramref name="max"/> due rows for sending, at most one per recipient and always the oldest
    /// unsettled one (so a user's messages go out in order). A claim lasts <paramref name="lease"/>: a crashed
    /// sender's rows are claimed again when it runs out.
    /// </summary>
    Task<IReadOnlyList<OutboxMessage>> ClaimAsync(DateTimeOffset now, int max, TimeSpan lease, CancellationToken cancellationToken);

    /// <summary>
    /// Records what the provider said of a claimed row. True when another row of the same person waits (or may): their
    /// next reply may be claimable now that this one is out of the way.
    /// </summary>
    Task<bool> CompleteAsync(long id, OutboxOutcome outcome, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>A provider's delivery report (delivered, read, failed); never moves a row backwards. False when no row matches.</summary>
    Task<bool> ApplyDeliveryStatusAsync(string channel, string providerMessageId, OutboxStatus status, string? failure, DateTimeOffset now, CancellationToken cancellationToken);

    Task<OutboxReport> ReportAsync(CancellationToken cancellationToken);

    /// <summary>Puts dead-lettered rows back in the queue; returns how many.</summary>
    Task<int> RequeueDeadAsync(DateTimeOffset now, CancellationToken cancellationToken);
}
