using Dapper;

namespace OimBot.Bot.Storage;

/// <summary>Where a channel's polling has got to (Telegram's next update id), kept across restarts and instances.</summary>
public interface IChannelCursors
{
    Task<string?> GetAsync(string name, CancellationToken cancellationToken);

    Task SetAsync(string name, string value, DateTimeOffset now, CancellationToken cancellationToken);
}

public sealed class ChannelCursors(IStoreDatabase database) : IChannelCursors
{
    public async Task<string?> GetAsync(string name, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        return await connection.OneOrDefaultAsync<string>("SELECT value FROM channel_cursors WHERE name = @name", new { name });
    }

    public Task SetAsync(string name, string value, DateTimeOffset now, CancellationToken cancellationToken) =>
        database.WriteAsync((connection, transaction) => connection.ExecuteAsync(
            "INSERT INTO channel_cursors (name, value, updated_at) VALUES (@name, @value, @at) ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
            new { name, value, at = database.Time.Write(now) },
            transaction), cancellationToken);
}
