using Dapper;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using OimBot.Bot.Handoff;
using OimBot.Bot.Storage;
using OimBot.Bot.Tests.TestHost;

namespace OimBot.Bot.Tests.Storage;

/// <summary>A caseworker's words are personal data: sealed in the outbox, cleared once delivered, and gone with the session.</summary>
public sealed class OutboxPrivacyTests : IAsyncLifetime, IDisposable
{
    private const string Words = "Hola Marisol, tu cita es el martes";
    private BotFactory _factory = null!;

    private HandoffService Handoff => _factory.Services.GetRequiredService<HandoffService>();

    public async Task InitializeAsync() => _factory = await new BotFactory().WithStaffAsync(("ana", Roles.Caseworker));

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    public void Dispose() => _factory.Dispose();

    private Task<(string Conversation, string Reference)> OpenCaseAsync() => WebChatCases.OpenAsync(_factory);

    private async Task<List<(long Id, string Status, string Payload)>> RowsAsync()
    {
        await using var db = new SqliteConnection($"Data Source={_factory.DatabasePath}");
        return [.. await db.QueryAsync<(long, string, string)>("SELECT id, status, payload FROM outbox WHERE channel = 'webchat' ORDER BY id")];
    }

    [Fact]
    public async Task ACaseworkersReply_IsSealedAtRest_AndClearedOnceTheMigrantHasIt()
    {
        var (conversation, reference) = await OpenCaseAsync();
        Assert.Null(await Handoff.ReplyAsync(reference, "ana", Words, CancellationToken.None));

        var waiting = await RowsAsync();
        Assert.NotEmpty(waiting);
        Assert.All(waiting, r => Assert.StartsWith("sealed:", r.Payload, StringComparison.Ordinal));
        Assert.DoesNotContain(waiting, r => r.Payload.Contains("Marisol", StringComparison.Ordinal));
        foreach (var file in new[] { _factory.DatabasePath, _factory.DatabasePath + "-wal" }.Where(File.Exists))
        {
            Assert.DoesNotContain("Marisol", System.Text.Encoding.UTF8.GetString(await File.ReadAllBytesAsync(file)), StringComparison.Ordinal);
        }

        using var client = _factory.CreateClient();
        var fetched = await client.GetStringAsync($"/api/webchat/messages?conversationId={conversation}");
        Assert.Contains("Marisol", fetched, StringComparison.Ordinal);

        Assert.All(await RowsAsync(), r => Assert.Equal(("delivered", string.Empty), (r.Status, r.Payload)));
    }

    [Fact]
    public async Task WebChatMessagesNobodyFetched_AreDeletedWithTheSession()
    {
        var (_, reference) = await OpenCaseAsync();
        Assert.Null(await Handoff.ReplyAsync(reference, "ana", Words, CancellationToken.None));
        Assert.True(await Handoff.CloseAsync(reference, "ana", CaseOutcomes.ForCaseworkers[0], CancellationToken.None));
        Assert.Contains(await RowsAsync(), r => r.Status == "pending");

        // The person never came back: once the session expires, nothing of theirs is kept (R5).
        var later = _factory.Clock.GetUtcNow() + TimeSpan.FromDays(2);
        await _factory.Services.GetRequiredService<IRetentionStore>().PurgeAsync(later - TimeSpan.FromDays(1), later - TimeSpan.FromDays(2), later - TimeSpan.FromDays(7), CancellationToken.None);

        Assert.DoesNotContain(await RowsAsync(), r => r.Status == "pending");
    }
}
