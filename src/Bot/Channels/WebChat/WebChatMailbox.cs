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
    public Task<IReadOnlyList<RenderedReply>> TakeAsync(string address, DateTimeOffset now, CancellationToken cancellationToken) =>
        database.WriteAsync<IReadOnlyList<RenderedReply>>(async (connection, transaction) =>
        {
            // Locked until the commit: two polls at once (two tabs, two instances) hand each message over once.
            var rows = (await connection.QueryAsync<(long Id, string Payload)>(
                "SELECT id AS Id, payload AS Payload FROM outbox WHERE channel = 'webchat' AND recipient_hash = @hash AND status = 'pending' ORDER BY id" + database.LockRow,
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
