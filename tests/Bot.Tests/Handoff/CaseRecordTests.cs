using System.Net;
using Dapper;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using OimBot.Bot.Handoff;
using OimBot.Bot.Tests.TestHost;

namespace OimBot.Bot.Tests.Handoff;

/// <summary>
/// A change to a case, its audit line and its analytics event are one commit: a failing audit log leaves the case as it
/// was, racing first replies are counted once, and every read of a transcript is audited, whatever the handler.
/// </summary>
public sealed class CaseRecordTests : IAsyncLifetime, IDisposable
{
    private const string Password = BotFactory.StaffPassword;
    private BotFactory _factory = null!;

    private HandoffService Handoff => _factory.Services.GetRequiredService<HandoffService>();

    public async Task InitializeAsync() => _factory = await new BotFactory().WithStaffAsync(("ana", Roles.Caseworker), ("luis", Roles.Caseworker));

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    public void Dispose() => _factory.Dispose();

    private async Task<string> OpenCaseAsync() => (await WebChatCases.OpenAsync(_factory)).Reference;

    private async Task<long> CountAsync(string sql, object? parameters = null)
    {
        await using var db = new SqliteConnection($"Data Source={_factory.DatabasePath}");
        return await db.ExecuteScalarAsync<long>(sql, parameters);
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var db = new SqliteConnection($"Data Source={_factory.DatabasePath}");
        await db.ExecuteAsync(sql);
    }

    /// <summary>action, what the change is (release: the holder's account disabled); each must leave the case untouched when its audit line cannot be written.</summary>
    public static TheoryData<string> Changes => new() { "claim", "reply", "transfer", "close", "release" };

    [Theory]
    [MemberData(nameof(Changes))]
    public async Task WhenTheAuditLineCannotBeWritten_TheChangeDoesNotHappen_AndNoEventIsCounted(string action)
    {
        var reference = await OpenCaseAsync();
        if (action != "claim")
        {
            Assert.Equal(ClaimResult.Claimed, (await Handoff.ClaimAsync(reference, "ana", CancellationToken.None)).Result);
        }

        var events = await CountAsync("SELECT COUNT(*) FROM analytics_events");
        var messages = await CountAsync("SELECT COUNT(*) FROM case_messages");
        var outbox = await CountAsync("SELECT COUNT(*) FROM outbox");
        await ExecuteAsync("CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'audit log unavailable'); END;");
        try
        {
            Task change = action switch
            {
                "claim" => Handoff.ClaimAsync(reference, "ana", CancellationToken.None),
                "reply" => Handoff.ReplyAsync(reference, "ana", "Hola, soy Ana.", CancellationToken.None),
                "transfer" => Handoff.TransferAsync(reference, "ana", "luis", CancellationToken.None),
                "release" => Handoff.ReleaseAsync("ana", "sara", CancellationToken.None), // her account disabled
                _ => Handoff.CloseAsync(reference, "ana", CaseOutcomes.ForCaseworkers[0], CancellationToken.None),
            };
            await Assert.ThrowsAsync<SqliteException>(() => change);
        }
        finally
        {
            await ExecuteAsync("DROP TRIGGER refuse_audit;");
        }

        var row = (await Handoff.QueueAsync(CancellationToken.None)).Single(c => c.Reference == reference);
        Assert.Equal(action == "claim" ? CaseStatus.Waiting : CaseStatus.Claimed, row.Status);
        Assert.Equal(action == "claim" ? null : "ana", row.Owner);
        Assert.Equal(events, await CountAsync("SELECT COUNT(*) FROM analytics_events"));
        Assert.Equal(messages, await CountAsync("SELECT COUNT(*) FROM case_messages"));
        Assert.Equal(outbox, await CountAsync("SELECT COUNT(*) FROM outbox"));
    }

    [Fact]
    public async Task AClaimCommits_WithItsAuditLine_AndItsEvent()
    {
        var reference = await OpenCaseAsync();
        var taken = await CountAsync("SELECT COUNT(*) FROM analytics_events WHERE kind = 'HandoffTaken'");

        Assert.Equal(ClaimResult.Claimed, (await Handoff.ClaimAsync(reference, "ana", CancellationToken.None)).Result);

        Assert.Equal(1, await CountAsync("SELECT COUNT(*) FROM audit_log WHERE action = 'claim' AND case_reference = @reference AND actor = 'ana'", new { reference }));
        Assert.Equal(taken + 1, await CountAsync("SELECT COUNT(*) FROM analytics_events WHERE kind = 'HandoffTaken'"));
    }

    [Fact]
    public async Task TwoRacingFirstReplies_AreBothSent_ButTheFirstReplyIsCountedOnce()
    {
        var reference = await OpenCaseAsync();
        var before = await CountAsync("SELECT COUNT(*) FROM analytics_events WHERE kind = 'FirstCaseworkerReply'");

        var replies = await Task.WhenAll(
            Task.Run(() => Handoff.ReplyAsync(reference, "ana", "Hola, soy Ana.", CancellationToken.None)),
            Task.Run(() => Handoff.ReplyAsync(reference, "luis", "Hola, soy Luis.", CancellationToken.None)));

        Assert.All(replies, Assert.Null);
        Assert.Equal(2, await CountAsync("SELECT COUNT(*) FROM audit_log WHERE action = 'reply' AND case_reference = @reference", new { reference }));
        Assert.Equal(before + 1, await CountAsync("SELECT COUNT(*) FROM analytics_events WHERE kind = 'FirstCaseworkerReply'"));
    }

    /// <summary>handler query, the audit detail it leaves.</summary>
    [Theory]
    [InlineData("", null)]
    [InlineData("?handler=transcript", "refresh")]
    public async Task EveryReadOfATranscript_IsAudited_WhateverTheHandler(string query, string? detail)
    {
        var reference = await OpenCaseAsync();
        using var client = await InboxClient.SignedInAsync(_factory, "ana", Password);

        var response = await client.Http.GetAsync($"/inbox/case/{reference}{query}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, await CountAsync(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'view-transcript' AND actor = 'ana' AND case_reference = @reference AND detail IS @detail",
            new { reference, detail }));
    }
}
