using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Dapper;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using OimBot.Bot.Handoff;
using OimBot.Bot.Tests.TestHost;
using OimBot.Bot.Outbox;

namespace OimBot.Bot.Tests.Handoff;

/// <summary>Cases end to end through the real host: Telegram in and out through a fake, caseworkers through the service.</summary>
public sealed class HandoffServiceTests
{
    private static bool To(RecordedRequest request, long chat) =>
        request.Path.EndsWith("/sendMessage", StringComparison.Ordinal) && request.Body.Contains($"\"chat_id\":{chat},", StringComparison.Ordinal);

    private static async Task<string> OpenCaseAsync(ChannelHost host, long chat, params string[] first)
    {
        var update = chat * 100;
        foreach (var text in new[] { "hola", "1", "humano", "1" }.Concat(first))
        {
            await host.PostTelegramAsync(ChannelHost.TelegramText(++update, chat, text));
        }

        var handoff = host.Factory.Services.GetRequiredService<HandoffService>();
        var queue = await handoff.QueueAsync(CancellationToken.None);
        return Assert.Single(queue).Reference;
    }

    private static async Task<long> SentCountAsync(ChannelHost host, long chat, int atLeast)
    {
        var requests = await host.Fake.WaitForAsync(rs => rs.Count(r => r.Status == 200 && To(r, chat)) >= atLeast);
        return requests.Count(r => r.Status == 200 && To(r, chat));
    }

    [Fact]
    public async Task ACaseFromRequestToClose_ReachesTheUserOnTheirChannel_AndIsAudited()
    {
        await using var host = await ChannelHost.StartAsync();
        var handoff = host.Factory.Services.GetRequiredService<HandoffService>();
        var reference = await OpenCaseAsync(host, 5101, "Necesito ayuda con mis papeles, mi número es 6123 4567 89");

        // The first message in the waiting case is acknowledged (kept, when someone will answer), with the warning
        // about identifying data; the next one, within 30 minutes, gets that first line alone and goes to the case.
        var acknowledged = await SentCountAsync(host, 5101, 6);
        Assert.Contains(host.Fake.Requests, r => To(r, 5101) && r.Text.Contains("\"text\":\"Recibido: tu mensaje queda guardado", StringComparison.Ordinal));
        Assert.Contains(host.Fake.Requests, r => To(r, 5101) && r.Text.Contains("\"text\":\"Por tu seguridad, no compartas aquí", StringComparison.Ordinal));
        await host.PostTelegramAsync(ChannelHost.TelegramText(5101_800, 5101, "sigo aquí"));
        var beforeSilence = await SentCountAsync(host, 5101, (int)acknowledged + 1);
        Assert.Equal(acknowledged + 1, beforeSilence);
        Assert.Contains("\"text\":\"Recibido: tu mensaje queda guardado.\"", host.Fake.Requests.Last(r => r.Status == 200 && To(r, 5101)).Text, StringComparison.Ordinal);
        var detail = await handoff.ViewAsync(reference, "ana", CancellationToken.None);
        Assert.Equal(CaseStatus.Waiting, detail!.Row.Status);
        Assert.Equal("telegram", detail.Row.Channel);
        Assert.Equal(["Necesito ayuda con mis papeles, mi número es [•••]", "sigo aquí"], detail.Transcript.Where(e => e.Author == "migrant").Select(e => e.Text));

        Assert.Equal(ClaimResult.Claimed, (await handoff.ClaimAsync(reference, "ana", CancellationToken.None)).Result);
        var claimed = (await host.Fake.WaitForAsync(rs => rs.Count(r => r.Status == 200 && To(r, 5101)) > beforeSilence)).Last(r => To(r, 5101));
        Assert.Contains("ya está leyendo tu conversación", claimed.Text, StringComparison.Ordinal);

        Assert.Null(await handoff.ReplyAsync(reference, "ana", "Hola, soy Ana de la OIM. ¿Estás en un lugar seguro?", CancellationToken.None));
        var reply = (await host.Fake.WaitForAsync(rs => rs.Any(r => r.Status == 200 && To(r, 5101) && r.Text.Contains("👤 Hola, soy Ana", StringComparison.Ordinal)))).Last(r => To(r, 5101));
        Assert.Contains("👤 Hola, soy Ana de la OIM", reply.Text, StringComparison.Ordinal);

        Assert.True(await handoff.CloseAsync(reference, "ana", CaseOutcomes.InformationGiven, CancellationToken.None));
        var goodbye = (await host.Fake.WaitForAsync(rs => rs.Any(r => To(r, 5101) && r.Text.Contains("del 1 al 5", StringComparison.Ordinal)))).Last(r => To(r, 5101));
        Assert.Contains("cerró esta conversación", goodbye.Text, StringComparison.Ordinal);

        await host.PostTelegramAsync(ChannelHost.TelegramText(5101_900, 5101, "5"));
        await host.Fake.WaitForAsync(rs => rs.Any(r => To(r, 5101) && r.Text.Contains("¿Sobre qué quieres información?", StringComparison.Ordinal) && r.At > goodbye.At));
        Assert.Equal(1, await host.CountAsync("SELECT COUNT(*) FROM analytics_events WHERE kind = 'SatisfactionGiven' AND value = '5'"));
        Assert.Equal(1, await host.CountAsync("SELECT COUNT(*) FROM analytics_events WHERE kind = 'HandoffClosed' AND value = 'information_given'"));
        Assert.Equal(1, await host.CountAsync("SELECT COUNT(*) FROM analytics_events WHERE kind = 'FirstCaseworkerReply' AND CAST(value AS INTEGER) BETWEEN 0 AND 5"));

        var audit = await host.Factory.Services.GetRequiredService<IAuditLog>().ListAsync(50, CancellationToken.None);
        Assert.Equal(["close", "reply", "claim", "view-transcript"], audit.Where(a => a.CaseReference == reference).Select(a => a.Action).Take(4));
        var closed = await handoff.ViewAsync(reference, "ana", CancellationToken.None);
        Assert.Equal(CaseStatus.Closed, closed!.Row.Status);
        Assert.Equal(OimBot.Bot.Outbox.OutboxStatus.Sent, closed.Transcript.Single(e => e.Author == "caseworker").Delivery);
    }

    [Fact]
    public async Task TranscriptText_IsEncryptedAtRest()
    {
        await using var host = await ChannelHost.StartAsync();
        await OpenCaseAsync(host, 5102, "palabra-muy-reconocible en el mensaje");
        SqliteConnection.ClearAllPools();
        var bytes = Encoding.UTF8.GetString(await File.ReadAllBytesAsync(host.Factory.DatabasePath))
            + (File.Exists(host.Factory.DatabasePath + "-wal") ? Encoding.UTF8.GetString(await File.ReadAllBytesAsync(host.Factory.DatabasePath + "-wal")) : string.Empty);
        Assert.Equal(1, await host.CountAsync("SELECT COUNT(*) FROM case_messages WHERE author = 'migrant'"));
        Assert.DoesNotContain("palabra-muy-reconocible", bytes, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TwoCaseworkersClaimingAtOnce_OneWins_TheOtherIsTold()
    {
        await using var host = await ChannelHost.StartAsync();
        var reference = await OpenCaseAsync(host, 5103);
        var handoff = host.Factory.Services.GetRequiredService<HandoffService>();

        var results = await Task.WhenAll(
            Enumerable.Range(0, 6).Select(i => Task.Run(() => handoff.ClaimAsync(reference, $"worker{i}", CancellationToken.None))));

        var winner = Assert.Single(results, r => r.Result == ClaimResult.Claimed);
        Assert.All(results.Where(r => r.Result != ClaimResult.Claimed), r =>
        {
            Assert.Equal(ClaimResult.AlreadyTaken, r.Result);
            Assert.Equal(winner.Owner, r.Owner);
        });
        await host.Fake.WaitForAsync(rs => rs.Any(r => To(r, 5103) && r.Text.Contains("ya está leyendo", StringComparison.Ordinal)));
        await Task.Delay(300);
        Assert.Single(host.Fake.Requests, r => To(r, 5103) && r.Text.Contains("ya está leyendo", StringComparison.Ordinal));
    }

    [Fact]
    public async Task NobodyTakesTheCase_TheUserIsToldOnce_AndCanKeepWaiting()
    {
        // The test clock starts on a Sunday: staff are on duty that day here, so the ten minutes count.
        await using var host = await ChannelHost.StartAsync(new Dictionary<string, string?> { ["Handoff:ClaimTimeout"] = "00:10:00", ["Handoff:MonitorInterval"] = "00:00:00.200", ["Handoff:OfficeHours:Sunday"] = "08:00-20:00" });
        var reference = await OpenCaseAsync(host, 5104);
        await Task.Delay(500);
        Assert.DoesNotContain(host.Fake.Requests, r => To(r, 5104) && r.Text.Contains("Todavía nadie del equipo", StringComparison.Ordinal));
        host.Factory.Clock.Advance(TimeSpan.FromMinutes(11)); // the fake clock: ten minutes without anyone taking the case

        var notice = (await host.Fake.WaitForAsync(rs => rs.Any(r => To(r, 5104) && r.Text.Contains("Todavía nadie del equipo", StringComparison.Ordinal)))).Last(r => To(r, 5104));
        Assert.Contains("Seguir esperando", notice.Text, StringComparison.Ordinal);
        Assert.Contains("911", notice.Text, StringComparison.Ordinal);
        await Task.Delay(800);
        Assert.Single(host.Fake.Requests, r => To(r, 5104) && r.Text.Contains("Todavía nadie del equipo", StringComparison.Ordinal));

        await host.PostTelegramAsync(ChannelHost.TelegramCallback(5104_900, 5104, "handoff-timeout/handoff-waiting"));
        await host.Fake.WaitForAsync(rs => rs.Any(r => To(r, 5104) && r.Text.Contains("sigue en espera", StringComparison.Ordinal)));
        var detail = await host.Factory.Services.GetRequiredService<ICaseStore>().FindAsync(reference, CancellationToken.None);
        Assert.Equal(CaseStatus.Waiting, detail!.Row.Status);
        Assert.Equal(1, await host.CountAsync("SELECT COUNT(*) FROM analytics_events WHERE kind = 'HandoffTimedOut'"));
    }

    /// <summary>Panama is UTC-5 all year: a Panama time as the test clock's offset from its start (Sunday 22 November 2026, 10:00).</summary>
    private static TimeSpan Until(int day, int hour) => new DateTimeOffset(2026, 11, day, hour, 0, 0, TimeSpan.FromHours(-5)) - new DateTimeOffset(2026, 11, 22, 15, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task AFridayEveningRequest_IsStillAnswerableOnMonday_AfterTheSessionExpired()
    {
        await using var host = await ChannelHost.StartAsync(new Dictionary<string, string?> { ["Handoff:MonitorInterval"] = "01:00:00" });
        host.Factory.Clock.Advance(Until(27, 21)); // Friday 27 November, 21:00 in Panama: nobody on duty until Monday
        var reference = await OpenCaseAsync(host, 5110, "necesito ayuda con mi caso");
        await host.Fake.WaitForAsync(rs => rs.Any(r => To(r, 5110) && r.Text.Contains("lunes 30 de noviembre a las 08:00", StringComparison.Ordinal)));

        host.Factory.Clock.Advance(TimeSpan.FromHours(60)); // Monday 09:00: far past the 24-hour session
        var store = host.Factory.Services.GetRequiredService<OimBot.Bot.Storage.IRetentionStore>();
        var now = host.Factory.Clock.GetUtcNow();
        await store.PurgeAsync(now - TimeSpan.FromHours(24), now - TimeSpan.FromDays(2), now - TimeSpan.FromDays(7), CancellationToken.None);
        Assert.Equal(1, await host.CountAsync("SELECT COUNT(*) FROM conversations"));

        var handoff = host.Factory.Services.GetRequiredService<HandoffService>();
        Assert.Equal(ClaimResult.Claimed, (await handoff.ClaimAsync(reference, "ana", CancellationToken.None)).Result);
        Assert.Null(await handoff.ReplyAsync(reference, "ana", "Buenos días, soy Ana. Ya estoy aquí.", CancellationToken.None));
        await host.Fake.WaitForAsync(rs => rs.Any(r => To(r, 5110) && r.Text.Contains("👤 Buenos días, soy Ana", StringComparison.Ordinal)));

        // The user's Monday message still goes to the case, not to a fresh notice.
        await host.PostTelegramAsync(ChannelHost.TelegramText(5110_900, 5110, "gracias, sigo aquí"));
        var detail = await handoff.ViewAsync(reference, "ana", CancellationToken.None);
        Assert.Contains(detail!.Transcript, e => e.Author == "migrant" && e.Text == "gracias, sigo aquí");
        Assert.DoesNotContain(host.Fake.Requests, r => To(r, 5110) && r.Text.Contains("Tu conversación anterior se cerró", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TheClaimTimeout_CountsOnlyTimeOnDuty()
    {
        await using var host = await ChannelHost.StartAsync(new Dictionary<string, string?> { ["Handoff:MonitorInterval"] = "01:00:00" });
        var handoff = host.Factory.Services.GetRequiredService<HandoffService>();
        var schedule = HandoffSchedule.Default; // Monday to Friday, 08:00-17:00 in Panama
        host.Factory.Clock.Advance(Until(27, 22)); // Friday 22:00
        await OpenCaseAsync(host, 5111);

        host.Factory.Clock.Advance(TimeSpan.FromHours(12)); // Saturday 10:00: twelve hours, none on duty
        Assert.Equal(0, await handoff.TimeOutAsync(TimeSpan.FromMinutes(10), schedule, CancellationToken.None));
        host.Factory.Clock.Advance(TimeSpan.FromHours(46) + TimeSpan.FromMinutes(5)); // Monday 08:05: five minutes on duty
        Assert.Equal(0, await handoff.TimeOutAsync(TimeSpan.FromMinutes(10), schedule, CancellationToken.None));
        host.Factory.Clock.Advance(TimeSpan.FromMinutes(6)); // Monday 08:11
        Assert.Equal(1, await handoff.TimeOutAsync(TimeSpan.FromMinutes(10), schedule, CancellationToken.None));
        await host.Fake.WaitForAsync(rs => rs.Any(r => To(r, 5111) && r.Text.Contains("Todavía nadie del equipo", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task AnAbandonedCase_ClosesAsExpired_AndTheBotIsBack()
    {
        await using var host = await ChannelHost.StartAsync(new Dictionary<string, string?> { ["Handoff:MonitorInterval"] = "01:00:00" });
        var handoff = host.Factory.Services.GetRequiredService<HandoffService>();
        var reference = await OpenCaseAsync(host, 5112, "hola?");

        host.Factory.Clock.Advance(TimeSpan.FromDays(3));
        Assert.Equal(0, await handoff.ExpireAsync(TimeSpan.FromDays(7), CancellationToken.None));
        host.Factory.Clock.Advance(TimeSpan.FromDays(5));
        Assert.Equal(1, await handoff.ExpireAsync(TimeSpan.FromDays(7), CancellationToken.None));

        var detail = await handoff.ViewAsync(reference, "ana", CancellationToken.None);
        Assert.Equal(CaseStatus.Closed, detail!.Row.Status);
        Assert.Equal(CaseOutcomes.Expired, detail.Row.Outcome);
        Assert.Equal(1, await host.CountAsync("SELECT COUNT(*) FROM analytics_events WHERE kind = 'HandoffClosed' AND value = 'expired'"));

        var before = host.Fake.Requests.Count(r => To(r, 5112));
        await host.PostTelegramAsync(ChannelHost.TelegramText(5112_900, 5112, "hola"));
        await host.Fake.WaitForAsync(rs => rs.Count(r => To(r, 5112)) > before); // the bot answers again
    }

    [Fact]
    public async Task ClosedCaseTranscripts_AreDeletedAfterRetention_TheOutcomeStays()
    {
        await using var host = await ChannelHost.StartAsync(new Dictionary<string, string?> { ["Handoff:TranscriptRetention"] = "00:00:01", ["Handoff:MonitorInterval"] = "00:00:00.200" });
        var reference = await OpenCaseAsync(host, 5105, "algo que decir");
        var handoff = host.Factory.Services.GetRequiredService<HandoffService>();
        await handoff.ClaimAsync(reference, "ana", CancellationToken.None);
        await handoff.CloseAsync(reference, "ana", CaseOutcomes.Referred, CancellationToken.None);

        var cases = host.Factory.Services.GetRequiredService<ICaseStore>();
        var waited = System.Diagnostics.Stopwatch.StartNew();
        CaseDetail? detail;
        do
        {
            await Task.Delay(200);
            detail = await cases.FindAsync(reference, CancellationToken.None);
        }
        while (!detail!.TranscriptDeleted && waited.Elapsed < TimeSpan.FromSeconds(15));

        Assert.True(detail.TranscriptDeleted);
        Assert.Empty(detail.Transcript);
        Assert.Empty(detail.Path);
        Assert.Equal(CaseOutcomes.Referred, detail.Row.Outcome);
        Assert.Equal(0, await host.CountAsync("SELECT COUNT(*) FROM case_messages"));
    }

    [Theory]
    [InlineData("stop", null, "user_stopped", true, "STOP")]
    [InlineData("mejor no, olvídalo", "si", "user_withdrew", true, "canceló su pedido")] // taken back in words, then confirmed
    [InlineData("borrar", null, null, false, null)]
    public async Task TheUserLeaves_TheCaseworkerSeesIt_AndNothingMoreIsSent(string command, string? confirm, string? outcome, bool caseRemains, string? note)
    {
        await using var host = await ChannelHost.StartAsync();
        var reference = await OpenCaseAsync(host, 5106);
        await host.PostTelegramAsync(ChannelHost.TelegramText(5106_900, 5106, command));
        if (confirm is not null)
        {
            await host.PostTelegramAsync(ChannelHost.TelegramText(5106_901, 5106, confirm));
        }

        var cases = host.Factory.Services.GetRequiredService<ICaseStore>();

        var detail = await cases.FindAsync(reference, CancellationToken.None);
        if (!caseRemains)
        {
            Assert.Null(detail); // BORRAR erases the case and its transcript too
            Assert.Equal(0, await host.CountAsync("SELECT COUNT(*) FROM cases"));
            return;
        }

        Assert.Equal(CaseStatus.Closed, detail!.Row.Status);
        Assert.Equal(outcome, detail.Row.Outcome);
        Assert.Equal(1, await host.CountAsync("SELECT COUNT(*) FROM analytics_events WHERE kind = 'HandoffClosed' AND value = @outcome", new { outcome }));
        Assert.Contains(detail.Transcript, e => e.Author == "system" && e.Text.Contains(note!, StringComparison.Ordinal));
        if (confirm is not null)
        {
            Assert.Contains(detail.Transcript, e => e.Author == "migrant" && e.Text == command); // the words reached the caseworker
            Assert.Equal("La persona canceló su pedido", CaseOutcomes.Label(outcome));
        }
    }

    /// <summary>
    /// A likely danger written into a waiting case: the acknowledgement with the emergency channels goes out, the case is
    /// raised, and the caseworker's note says it is the bot's reading, not a vetted phrase.
    /// </summary>
    [Fact]
    public async Task ALikelyDangerInAWaitingCase_RaisesIt_AndTheNoteSaysItIsTheBotsReading()
    {
        await using var host = await ChannelHost.StartAsync();
        var reference = await OpenCaseAsync(host, 5109);
        var handoff = host.Factory.Services.GetRequiredService<HandoffService>();
        await host.PostTelegramAsync(ChannelHost.TelegramText(5109_900, 5109, "xq nadie contesta"));
        await host.Fake.WaitForAsync(rs => rs.Any(r => To(r, 5109) && r.Text.Contains("147", StringComparison.Ordinal)));

        var detail = await handoff.ViewAsync(reference, "ana", CancellationToken.None);
        Assert.Equal(CasePriority.High, detail!.Row.Priority);
        Assert.Contains(detail.Transcript, e => e.Author == "system" && e.Text.StartsWith("Posible peligro", StringComparison.Ordinal));
        Assert.Contains(detail.Transcript, e => e.Author == "migrant" && e.Text == "xq nadie contesta");
    }

    /// <summary>MENU clears the screen and keeps the case: the caseworker is told, and their answer brings the user back.</summary>
    [Fact]
    public async Task MenuDuringACase_KeepsItOpen_AndTheCaseworkersAnswerBringsTheUserBack()
    {
        await using var host = await ChannelHost.StartAsync();
        var reference = await OpenCaseAsync(host, 5108);
        var handoff = host.Factory.Services.GetRequiredService<HandoffService>();
        await host.PostTelegramAsync(ChannelHost.TelegramText(5108_900, 5108, "menu"));
        await host.Fake.WaitForAsync(rs => rs.Count(r => To(r, 5108) && r.Text.Contains("\"text\":\"¿Sobre qué quieres información?", StringComparison.Ordinal)) == 2);

        var detail = await handoff.ViewAsync(reference, "ana", CancellationToken.None);
        Assert.Equal(CaseStatus.Waiting, detail!.Row.Status);
        Assert.Contains(detail.Transcript, e => e.Author == "system" && e.Text.Contains("MENU", StringComparison.Ordinal) && e.Text.Contains("sigue abierto", StringComparison.Ordinal));
        Assert.Equal(0, await host.CountAsync("SELECT COUNT(*) FROM analytics_events WHERE kind = 'HandoffClosed'"));

        // Meanwhile the bot answers; the words are not the case's.
        var sent = host.Fake.Requests.Count(r => To(r, 5108));
        await host.PostTelegramAsync(ChannelHost.TelegramText(5108_901, 5108, "2"));
        await host.Fake.WaitForAsync(rs => rs.Count(r => To(r, 5108)) > sent);

        Assert.Null(await handoff.ReplyAsync(reference, "ana", "Hola, sigo aquí para ayudarte", CancellationToken.None));
        await host.Fake.WaitForAsync(rs => rs.Any(r => To(r, 5108) && r.Text.Contains("👤 Hola, sigo aquí", StringComparison.Ordinal)));
        await host.PostTelegramAsync(ChannelHost.TelegramText(5108_902, 5108, "gracias, estoy bien"));
        var after = await handoff.ViewAsync(reference, "ana", CancellationToken.None);
        Assert.Contains(after!.Transcript, e => e.Author == "migrant" && e.Text == "gracias, estoy bien");
        Assert.DoesNotContain(after.Transcript, e => e.Author == "migrant" && e.Text == "2");
    }

    [Fact]
    public async Task RepliesAfterStop_AreNotSent_AndTheCaseworkerIsTold()
    {
        await using var host = await ChannelHost.StartAsync();
        var reference = await OpenCaseAsync(host, 5107);
        var handoff = host.Factory.Services.GetRequiredService<HandoffService>();
        await handoff.ClaimAsync(reference, "ana", CancellationToken.None);
        await host.PostTelegramAsync(ChannelHost.TelegramText(5107_900, 5107, "stop"));

        Assert.NotNull(await handoff.ReplyAsync(reference, "ana", "¿Sigues ahí?", CancellationToken.None)); // the case closed with STOP
        await Task.Delay(300);
        Assert.DoesNotContain(host.Fake.Requests, r => To(r, 5107) && r.Text.Contains("Sigues ahí", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AReplyOverTheChannelLimit_IsRefusedWithAMessage()
    {
        await using var host = await ChannelHost.StartAsync();
        var handoff = host.Factory.Services.GetRequiredService<HandoffService>();
        var from = "whatsapp:+50760005555";
        var sid = 0;
        foreach (var text in new[] { "hola", "1", "humano", "1" })
        {
            await host.PostTwilioAsync(ChannelHost.TwilioInbound(from, $"SMh{++sid}", text));
        }

        var reference = Assert.Single(await handoff.QueueAsync(CancellationToken.None)).Reference;
        var problem = await handoff.ReplyAsync(reference, "ana", new string('a', 1700), CancellationToken.None);

        // The channel as the inbox names it, and Twilio's 1600 less the three UTF-16 units of "👤 " (it had said "twilio … 1598").
        Assert.Contains("un mensaje por WhatsApp (Twilio) admite como máximo 1597", problem, StringComparison.Ordinal);
        Assert.DoesNotContain("twilio", problem, StringComparison.Ordinal);
        Assert.Equal(1597, HandoffService.MaxReply("twilio"));
        Assert.Equal("Escribe una respuesta.", await handoff.ReplyAsync(reference, "ana", "   ", CancellationToken.None));
    }

    [Fact]
    public async Task WebChat_ReceivesTheCaseworkersReplyOnce_ByPolling()
    {
        await using var host = await ChannelHost.StartAsync();
        var id = Guid.NewGuid().ToString("N");
        foreach (var text in new[] { "hola", "1", "humano", "1", "Hola, necesito ayuda" })
        {
            var response = await host.Client.PostAsJsonAsync("/api/webchat/messages", new { conversationId = id, text });
            response.EnsureSuccessStatusCode();
        }

        var handoff = host.Factory.Services.GetRequiredService<HandoffService>();
        var reference = Assert.Single(await handoff.QueueAsync(CancellationToken.None)).Reference;
        await handoff.ClaimAsync(reference, "ana", CancellationToken.None);
        Assert.Null(await handoff.ReplyAsync(reference, "ana", "Hola, te leo.", CancellationToken.None));

        var first = await host.Client.GetFromJsonAsync<JsonElement>($"/api/webchat/messages?conversationId={id}");
        var texts = first.GetProperty("replies").EnumerateArray().Select(r => r.GetProperty("text").GetString()).ToList();
        Assert.Equal(2, texts.Count);
        Assert.Contains("ya está leyendo", texts[0], StringComparison.Ordinal);
        Assert.Equal("👤 Hola, te leo.", texts[1]);
        var again = await host.Client.GetFromJsonAsync<JsonElement>($"/api/webchat/messages?conversationId={id}");
        Assert.Equal(0, again.GetProperty("replies").GetArrayLength());
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, (await host.Client.GetAsync("/api/webchat/messages?conversationId=<x>")).StatusCode);
    }

    /// <summary>
    /// language, the number of its choice on the first notice, how the person is told. A person whose caseworker's account
    /// was disabled had been told nothing: their case went back to the queue, and they waited in the silence kept for a
    /// case someone holds. The first words are neutral, for a lock screen.
    /// </summary>
    [Theory]
    [InlineData("es", "1", "Tu conversación sigue abierta. Otra persona del equipo te responderá aquí.")]
    [InlineData("en", "2", "Your conversation is still open. Another member of the team will answer you here.")]
    [InlineData("ht", "3", "Konvèsasyon w lan toujou louvri. Yon lòt moun nan ekip la ap reponn ou isit la.")]
    [InlineData("fr", "4", "Votre conversation reste ouverte. Une autre personne de l'équipe vous répondra ici.")]
    [InlineData("pt", "5", "A sua conversa continua aberta. Outra pessoa da equipe vai responder você aqui.")]
    [InlineData("zh", "6", "你的对话仍在进行。团队中的另一位工作人员会在这里回复你。")]
    public async Task DisablingACaseworker_TellsThePeopleWhoseCasesTheyHeld_OnceInTheirLanguage_AndNobodyElse(string language, string choice, string told)
    {
        await using var host = await ChannelHost.StartAsync();
        var handoff = host.Factory.Services.GetRequiredService<HandoffService>();
        var accounts = host.Factory.Services.GetRequiredService<InboxAccounts>();
        await accounts.CreateAsync("ana", Roles.Caseworker, BotFactory.StaffPassword, false, "test", CancellationToken.None);

        // Ana's case in the row's language, a colleague's, and one nobody has taken yet.
        var cases = new Dictionary<long, string>();
        foreach (var (chat, first) in new[] { (6101L, choice), (6102L, "1"), (6103L, "1") })
        {
            var update = chat * 100;
            foreach (var text in new[] { "hola", first, "humano", "1" })
            {
                await host.PostTelegramAsync(ChannelHost.TelegramText(++update, chat, text));
            }

            var queue = await handoff.QueueAsync(CancellationToken.None);
            cases[chat] = queue.Single(c => !cases.ContainsValue(c.Reference)).Reference;
        }

        Assert.Equal(language, (await handoff.QueueAsync(CancellationToken.None)).Single(c => c.Reference == cases[6101]).Language);
        Assert.Equal(ClaimResult.Claimed, (await handoff.ClaimAsync(cases[6101], "ana", CancellationToken.None)).Result);
        Assert.Equal(ClaimResult.Claimed, (await handoff.ClaimAsync(cases[6102], "beto", CancellationToken.None)).Result);
        await host.WaitForOutboxAsync(rows => rows.All(r => r.Status == "sent"));
        var before = host.Fake.Requests.Count;

        Assert.Equal(1, await accounts.SetDisabledAsync("ana", true, "sara", CancellationToken.None));

        await host.Fake.WaitForAsync(rs => rs.Any(r => To(r, 6101) && r.Text.Contains(told, StringComparison.Ordinal)));
        await host.WaitForOutboxAsync(rows => rows.All(r => r.Status == "sent"));
        var after = host.Fake.Requests.Skip(before).Where(r => r.Path.EndsWith("/sendMessage", StringComparison.Ordinal)).ToList();
        var sent = Assert.Single(after); // to her, once, and to nobody else
        Assert.True(To(sent, 6101), sent.Text);
        Assert.Contains($"\"text\":\"{told}\"", sent.Text, StringComparison.Ordinal);
        Assert.Equal(1, await host.CountAsync("SELECT COUNT(*) FROM audit_log WHERE action = 'release' AND case_reference = @reference AND actor = 'sara'", new { reference = cases[6101] }));
    }
}
