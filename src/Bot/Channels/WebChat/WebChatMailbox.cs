using Dapper;
using OimBot.Bot.Outbox;
using OimBot.Bot.Storage;
using OimBot.Content;

namespace OimBot.Bot.Channels.WebChat;

/// <summary>
/// The web chat's messages that were not answers to a request (a caseworker's reply, "your case was taken"): queued as
/// outbox rows for the web chat, and handed to the page once, oldest first, when it asks.
/// </summary>
public interface IWebChatMailbox
{
    Task<IReadOnlyList<RenderedReply>> TakeAsync(string address, DateTimeOffset now, CancellationToken cancellationToken);
}

public sealed class WebChatMailbox(IStoreDatabase database, AddressProtector protector) : IWebChatMailbox
{
    /// <summary>
    /// A person's waiting messages, through the partial index of waiting rows (its condition repeated word for word), so
    /// a poll never reads the history a long conversation leaves in the outbox.
    /// </summary>
    internal const string Waiting =
        "SELECT id AS Id, payload AS Payload FROM outbox WHERE channel = 'webchat' AND recipient_hash = @hash AND status IN ('pending', 'sending') AND status = 'pending' ORDER BY id";

    public Task<IReadOnlyList<RenderedReply>> TakeAsync(string address, DateTimeOffset now, CancellationToken cancellationToken) =>
        database.WriteAsync<IReadOnlyList<RenderedReply>>(async (connection, transaction) =>
        {
            // Locked until the commit: two polls at once (two tabs, two instances) hand each message over once.
            var rows = (await connection.ListAsync<(long Id, string Payload)>(
                Waiting + database.LockRow,
                new { hash = protector.Hash(ChannelNames.WebChat, address) },
                transaction)).ToList();
            if (rows.Count == 0)
            {
                return [];
            }

            // Delivered: the text and the address go at once; the row stays, settled, for the retention period.
            await connection.ExecuteAsync(
                "UPDATE outbox SET status = 'delivered', address_cipher = NULL, payload = '', attempts = attempts + 1, updated_at = @at WHERE id" + database.OneOf("@ids"),
                new { ids = rows.Select(r => r.Id).ToList(), at = database.Time.Write(now) },
                transaction);
            return [.. rows.Select(r => OutboxRows.Open(protector, r.Payload)).OfType<RenderedReply>()];
        }, cancellationToken);
}
