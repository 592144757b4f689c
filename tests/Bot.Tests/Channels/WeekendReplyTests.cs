using System.Net;
using Dapper;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using OimBot.Bot.Outbox;
using OimBot.Bot.Channels.Twilio;
using OimBot.Bot.Channels.WhatsApp;
using OimBot.Bot.Handoff;
using OimBot.Bot.Handoff.Pages.Inbox;
using OimBot.Bot.Storage;
using OimBot.Bot.Tests.TestHost;

namespace OimBot.Bot.Tests.Channels;

/// <summary>
/// Issue 13: a Friday-evening request answered on Monday, on the Cloud API and on Twilio, on a fake clock. Outside
/// WhatsApp's 24-hour window the outbox sends the "reply waiting" template, holds the reply, and delivers it once when
/// the person writes again; a paused or rejected template is shown on the case page and loses nothing; STOP or BORRAR
/// in between cancels the held reply.
/// </summary>
public sealed class WeekendReplyTests
{
    private const string Reply = "Hola, soy Ana de la OIM. Ya revisé tu caso: ¿podemos hablar hoy?";

    /// <summary>Friday 27 November 2026, 18:00 in Panama (UTC-5): after office hours.</summary>
    private static readonly DateTimeOffset FridayEvening = new(2026, 11, 27, 23, 0, 0, TimeSpan.Zero);

    /// <summary>Monday 30 November 2026, 09:00 in Panama.</summary>
    private static readonly DateTimeOffset MondayMorning = new(2026, 11, 30, 14, 0, 0, TimeSpan.Zero);

    public static TheoryData<string> Channels => ["whatsapp", "twilio"];

    [Theory]
    [MemberData(nameof(Channels))]
    public async Task AFridayRequestAnsweredOnMonday_SendsTheTemplate_HoldsTheReply_AndDeliversItOnceWhenThePersonWrites(string channel)
    {
        await using var weekend = await Weekend.StartAsync(channel);
        var reference = await weekend.FridayRequestAsync();

        weekend.Host.Factory.Clock.AdvanceTo(MondayMorning);
        var handoff = weekend.Host.Factory.Services.GetRequiredService<HandoffService>();
        Assert.Equal(false, InboxFormat.WindowOpen(Assert.Single(await handoff.QueueAsync(CancellationToken.None)), MondayMorning));
        Assert.Equal(ClaimResult.Claimed, (await handoff.ClaimAsync(reference, "ana", CancellationToken.None)).Result);
        Assert.Null(await handoff.ReplyAsync(reference, "ana", Reply, CancellationToken.None));

        // The template goes, in the person's language; the reply does not.
        var template = await weekend.WaitForTemplateAsync();
        Assert.True(weekend.IsTemplateIn(template, "es"), template.Text);
        await weekend.Host.WaitForOutboxAsync(rows => rows.Count(r => r.Status == "held") == 2); // the "someone is reading" notice and the reply
        await weekend.SettledAsync();
        Assert.DoesNotContain(weekend.ToPerson(), r => r.Text.Contains(Reply, StringComparison.Ordinal));
        var entries = await weekend.TranscriptAsync(reference);
        var templateEntry = Assert.Single(entries, e => e.Author == "system" && e.Text.Contains("plantilla «oimbot_reply_waiting»", StringComparison.Ordinal));
        Assert.Equal(OutboxStatus.Sent, templateEntry.Delivery);
        Assert.Equal(OutboxStatus.Held, entries.Single(e => e.Author == "caseworker").Delivery);
        Assert.Contains("sale en cuanto la persona escriba", InboxFormat.Delivery(entries.Single(e => e.Author == "caseworker")), StringComparison.Ordinal);

        // The provider reports the template delivered, then read: the case page shows each step.
        await weekend.ReportTemplateAsync("delivered");
        Assert.Equal(OutboxStatus.Delivered, (await weekend.TranscriptAsync(reference)).Single(e => e.Id == templateEntry.Id).Delivery);
        await weekend.ReportTemplateAsync("read");
        Assert.Equal(OutboxStatus.Read, (await weekend.TranscriptAsync(reference)).Single(e => e.Id == templateEntry.Id).Delivery);

        // The person answers the template: the window opens and the reply goes, once, after the notice.
        weekend.Host.Factory.Clock.AdvanceTo(MondayMorning + TimeSpan.FromHours(2));
        await weekend.SendAsync("ok, gracias");
        await weekend.Host.Fake.WaitForAsync(_ => weekend.ToPerson().Any(r => r.Answered && r.Text.Contains(Reply, StringComparison.Ordinal)));
        await weekend.SendAsync("sigo aquí");
        await weekend.Host.WaitForOutboxAsync(rows => rows.All(r => r.Status is "sent" or "delivered" or "read"));
        await weekend.SettledAsync();
        var toPerson = weekend.ToPerson();
        Assert.Single(toPerson, r => r.Text.Contains(Reply, StringComparison.Ordinal));
        Assert.Single(toPerson, weekend.IsTemplate);
        var notice = toPerson.FindIndex(r => r.Text.Contains("ya está leyendo", StringComparison.Ordinal));
        Assert.InRange(notice, 0, toPerson.FindIndex(r => r.Text.Contains(Reply, StringComparison.Ordinal)) - 1);

        entries = await weekend.TranscriptAsync(reference);
        Assert.Contains(entries, e => e.Author == "migrant" && e.Text == "ok, gracias");
        Assert.Contains(entries, e => e.Author == "system" && e.Text.Contains("La persona volvió a escribir", StringComparison.Ordinal));
        Assert.Equal(OutboxStatus.Sent, entries.Single(e => e.Author == "caseworker").Delivery);
    }

    [Theory]
    [MemberData(nameof(Channels))]
    public async Task AReplyAcceptedThenRefusedForTheWindow_IsHeld_NotLost(string channel)
    {
        await using var weekend = await Weekend.StartAsync(channel);
        var reference = await weekend.FridayRequestAsync();

        // Saturday: the window looks open, the provider accepts the reply, then reports it failed: the window had closed
        // (Twilio reports 63016 this way; Meta can report 131047 in a status).
        weekend.Host.Factory.Clock.AdvanceTo(FridayEvening + TimeSpan.FromHours(20));
        var handoff = weekend.Host.Factory.Services.GetRequiredService<HandoffService>();
        Assert.Null(await handoff.ReplyAsync(reference, "ana", Reply, CancellationToken.None));
        await weekend.Host.Fake.WaitForAsync(_ => weekend.ToPerson().Any(r => r.Answered && r.Text.Contains(Reply, StringComparison.Ordinal)));
        await weekend.Host.WaitForOutboxAsync(rows => rows.All(r => r.Status == "sent"));
        await weekend.ReportAsync("SELECT provider_message_id FROM outbox ORDER BY id DESC LIMIT 1", "failed", channel == "whatsapp" ? 131047 : 63016);

        await weekend.WaitForTemplateAsync();
        await weekend.Host.WaitForOutboxAsync(rows => rows.Count(r => r.Status == "held") == 1);
        Assert.Equal(OutboxStatus.Held, (await weekend.TranscriptAsync(reference)).Single(e => e.Author == "caseworker").Delivery);

        await weekend.SendAsync("hola");
        await weekend.Host.Fake.WaitForAsync(_ => weekend.ToPerson().Count(r => r.Answered && r.Text.Contains(Reply, StringComparison.Ordinal)) == 2);
        await weekend.Host.WaitForOutboxAsync(rows => rows.All(r => r.Status == "sent"));
        await weekend.SettledAsync();
        Assert.Equal(2, weekend.ToPerson().Count(r => r.Text.Contains(Reply, StringComparison.Ordinal)));
        Assert.Equal(0, await weekend.Host.CountAsync("SELECT COUNT(*) FROM outbox WHERE status = 'failed'"));
    }

    /// <summary>channel, the provider's refusal of the template, whether it is paused (tried again) or refused for good.</summary>
    public static TheoryData<string, string, bool> Refusals => new()
    {
        { "whatsapp", """{"error":{"message":"(#132015) Template is paused","type":"OAuthException","code":132015}}""", true },
        { "whatsapp", """{"error":{"message":"(#132001) Template name does not exist in the translation","type":"OAuthException","code":132001}}""", false },
        { "whatsapp", """{"error":{"message":"(#132000) Number of parameters does not match the expected number of params","type":"OAuthException","code":132000}}""", false },
        { "twilio", """{"code":63041,"message":"Template paused","status":400}""", true },
        { "twilio", """{"code":63040,"message":"Template rejected","status":400}""", false },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task APausedOrRejectedTemplate_IsShownOnTheCasePage_AndLosesNothing(string channel, string refusal, bool paused)
    {
        await using var weekend = await Weekend.StartAsync(channel);
        var reference = await weekend.FridayRequestAsync();
        await weekend.AnswerOnMondayAsync(reference, () => weekend.Host.Fake.Script(weekend.SendPath, FakeResponse.Json(400, refusal)));

        await weekend.Host.WaitForOutboxAsync(rows => rows.Any(r => r.Error is { } e && (e.Contains("132", StringComparison.Ordinal) || e.Contains("6304", StringComparison.Ordinal))));
        var entry = (await weekend.TranscriptAsync(reference)).Single(e => e.Author == "system" && e.Text.Contains("plantilla", StringComparison.Ordinal));
        Assert.Equal(paused ? OutboxStatus.Pending : OutboxStatus.Failed, entry.Delivery);
        Assert.Contains(paused ? "pausó la plantilla" : "avise a quien administra WhatsApp", InboxFormat.Delivery(entry), StringComparison.Ordinal);
        Assert.Equal(OutboxStatus.Held, (await weekend.TranscriptAsync(reference)).Single(e => e.Author == "caseworker").Delivery);

        if (paused)
        {
            // Meta lifts a pause after hours: the template is tried again, and goes.
            weekend.Host.Factory.Clock.AdvanceTo(MondayMorning + TimeSpan.FromMinutes(70));
            await weekend.Host.Fake.WaitForAsync(_ => weekend.ToPerson().Count(weekend.IsTemplate) == 2 && weekend.ToPerson().Last(weekend.IsTemplate).Answered);
        }

        // Whatever happened to the template, the reply waits for the person and reaches them when they write.
        await weekend.SendAsync("hola, ¿hay algo para mí?");
        await weekend.Host.Fake.WaitForAsync(_ => weekend.ToPerson().Any(r => r.Answered && r.Text.Contains(Reply, StringComparison.Ordinal)));
        await weekend.SettledAsync();
        Assert.Single(weekend.ToPerson(), r => r.Text.Contains(Reply, StringComparison.Ordinal));
    }

    /// <summary>channel, what the person writes after the template, what it does to the held reply.</summary>
    public static TheoryData<string, string, string> Withdrawals => new()
    {
        { "whatsapp", "STOP", "cancelled" },
        { "whatsapp", "borrar", "deleted" },
        { "twilio", "stop", "cancelled" },
        { "twilio", "BORRAR", "deleted" },
    };

    [Theory]
    [MemberData(nameof(Withdrawals))]
    public async Task StopOrDeleteAfterTheTemplate_CancelsTheHeldReply(string channel, string word, string expected)
    {
        await using var weekend = await Weekend.StartAsync(channel);
        var reference = await weekend.FridayRequestAsync();
        var handoff = await weekend.AnswerOnMondayAsync(reference);
        await weekend.WaitForTemplateAsync();
        await weekend.Host.WaitForOutboxAsync(rows => rows.Any(r => r.Status == "held"));

        await weekend.SendAsync(word);

        await weekend.Host.WaitForOutboxAsync(rows => rows.All(r => r.Status is not ("pending" or "sending" or "held")));
        await weekend.SettledAsync();
        Assert.DoesNotContain(weekend.ToPerson(), r => r.Text.Contains(Reply, StringComparison.Ordinal));
        if (expected == "cancelled")
        {
            Assert.Equal(1, await weekend.Host.CountAsync("SELECT COUNT(*) FROM outbox WHERE status = 'cancelled' AND payload = '' AND address_cipher IS NULL"));
        }
        else
        {
            Assert.Equal(0, await weekend.Host.CountAsync("SELECT COUNT(*) FROM outbox WHERE status = 'held' OR template IS NOT NULL"));
            Assert.Equal(0, await weekend.Host.CountAsync("SELECT COUNT(*) FROM cases"));
        }
    }

    [Theory]
    [MemberData(nameof(Channels))]
    public async Task AskingWhetherToDelete_KeepsTheReplyHeld_UntilTheAnswer(string channel)
    {
        // Sessions that outlive the window (Dialogs:SessionExpiry up to 30 days): the bot answers commands again once the case is closed.
        await using var weekend = await Weekend.StartAsync(channel, new Dictionary<string, string?> { ["Dialogs:SessionExpiry"] = "7.00:00:00" });
        var reference = await weekend.FridayRequestAsync();
        weekend.Host.Factory.Clock.AdvanceTo(MondayMorning);
        var handoff = weekend.Host.Factory.Services.GetRequiredService<HandoffService>();
        Assert.Null(await handoff.ReplyAsync(reference, "ana", Reply, CancellationToken.None));
        Assert.True(await handoff.CloseAsync(reference, "ana", CaseOutcomes.ForCaseworkers[0], CancellationToken.None)); // the bot is back: commands work again
        await weekend.WaitForTemplateAsync();
        await weekend.Host.WaitForOutboxAsync(rows => rows.Count(r => r.Status == "held") >= 2);
        var held = await weekend.Host.CountAsync("SELECT COUNT(*) FROM outbox WHERE status = 'held'");

        // "I don't want to delete anything": the bot asks to confirm; the held replies wait for the answer.
        var before = weekend.ToPerson().Count;
        await weekend.SendAsync("no quiero borrar nada");
        await weekend.Host.Fake.WaitForAsync(_ => weekend.ToPerson().Count == before + 1 && weekend.ToPerson()[^1].Answered);
        await weekend.SettledAsync();
        Assert.Equal(held, await weekend.Host.CountAsync("SELECT COUNT(*) FROM outbox WHERE status = 'held'"));
        Assert.DoesNotContain(weekend.ToPerson(), r => r.Text.Contains(Reply, StringComparison.Ordinal));

        await weekend.SendAsync("borrar");
        await weekend.Host.WaitForOutboxAsync(rows => rows.All(r => r.Status is not ("pending" or "sending" or "held")));
        await weekend.SettledAsync();
        Assert.DoesNotContain(weekend.ToPerson(), r => r.Text.Contains(Reply, StringComparison.Ordinal));
    }

    /// <summary>language, Meta template language, the ContentSid Twilio is sent (per template language).</summary>
    public static TheoryData<string, string> TemplateLanguages => new()
    {
        { "es", "es" }, { "en", "en" }, { "fr", "fr" }, { "ht", "fr" }, { "pt", "pt_BR" }, { "zh", "zh_CN" },
    };

    [Theory]
    [MemberData(nameof(TemplateLanguages))]
    public void EachLanguage_GetsItsApprovedTemplate_OnBothProviders(string language, string code)
    {
        var content = ShippedContent.Set;
        var wanted = new OutboxTemplate(OimBot.Content.MessageTemplate.ReplyWaiting, language);

        var cloud = WhatsAppClient.BuildTemplate("50760000000", wanted, content, new WhatsAppOptions())!;
        Assert.Equal(("template", "oimbot_reply_waiting", "deterministic", code), (cloud.Type, cloud.Template!.Name, cloud.Template.Language.Policy, cloud.Template.Language.Code));
        Assert.Null(cloud.Text);

        var renamed = WhatsAppClient.BuildTemplate("50760000000", wanted, content, new WhatsAppOptions { TemplateNames = { ["reply-waiting"] = "oimbot_reply_waiting_v2" } })!;
        Assert.Equal("oimbot_reply_waiting_v2", renamed.Template!.Name);

        var twilio = new TwilioOptions { ContentSids = { ["reply-waiting"] = ShippedContent.Set.Templates[0].Languages.Values.Distinct().ToDictionary(c => c, ChannelHost.ContentSid) } };
        Assert.Equal(ChannelHost.ContentSid(code), TwilioClient.ContentSid(wanted, content, twilio));
        Assert.Null(TwilioClient.ContentSid(wanted, content, new TwilioOptions()));
    }

    [Fact]
    public async Task ACreoleSpeaker_GetsTheFrenchTemplate_EndToEnd()
    {
        await using var weekend = await Weekend.StartAsync("whatsapp");
        var reference = await weekend.FridayRequestAsync(["bonjou", "1", "mwen vle pale ak yon moun", "1"]);
        weekend.Host.Factory.Clock.AdvanceTo(MondayMorning);
        Assert.Null(await weekend.Host.Factory.Services.GetRequiredService<HandoffService>().ReplyAsync(reference, "ana", "Bonjou, mwen se Ana.", CancellationToken.None));

        var template = await weekend.WaitForTemplateAsync();
        Assert.True(weekend.IsTemplateIn(template, "fr"), template.Text);
    }

    [Fact]
    public async Task TheInbox_ShowsTheWindow_AndSaysATemplateGoesFirst_BeforeTheCaseworkerWrites()
    {
        await using var weekend = await Weekend.StartAsync("whatsapp");
        var reference = await weekend.FridayRequestAsync();
        var accounts = weekend.Host.Factory.Services.GetRequiredService<InboxAccounts>();
        await accounts.CreateAsync("ana", Roles.Caseworker, "una-clave-larga-123", false, "test", CancellationToken.None);

        // Saturday morning: still inside the window.
        weekend.Host.Factory.Clock.AdvanceTo(FridayEvening + TimeSpan.FromHours(12));
        using (var saturday = await InboxClient.SignedInAsync(weekend.Host.Factory, "ana", "una-clave-larga-123"))
        {
            Assert.Matches(@"abierta 1[12] h \d+ min más", System.Net.WebUtility.HtmlDecode(await saturday.Http.GetStringAsync("/inbox")));
            Assert.DoesNotContain("window-closed", await saturday.Http.GetStringAsync($"/inbox/case/{reference}"), StringComparison.Ordinal);
        }

        // Monday (a new sign-in: inbox sessions last a working day): closed, and the reply box says what will happen.
        weekend.Host.Factory.Clock.AdvanceTo(MondayMorning);
        using var inbox = await InboxClient.SignedInAsync(weekend.Host.Factory, "ana", "una-clave-larga-123");
        Assert.Contains("cerrada: primero irá una plantilla", await inbox.Http.GetStringAsync("/inbox"), StringComparison.Ordinal);
        var page = System.Net.WebUtility.HtmlDecode(await inbox.Http.GetStringAsync($"/inbox/case/{reference}"));
        Assert.Contains("id=\"window-closed\"", page, StringComparison.Ordinal);
        Assert.Contains("la plantilla «Tienes una respuesta de la OIM. Responde a este mensaje para verla.»", page, StringComparison.Ordinal);

        var posted = await inbox.PostFormAsync($"/inbox/case/{reference}", $"/inbox/case/{reference}?handler=reply", new() { ["text"] = Reply });
        Assert.Equal(HttpStatusCode.Redirect, posted.StatusCode);
        await weekend.WaitForTemplateAsync();
        var transcript = System.Net.WebUtility.HtmlDecode(await inbox.Http.GetStringAsync($"/inbox/case/{reference}?handler=transcript"));
        Assert.Contains("se envió la plantilla «oimbot_reply_waiting»", transcript, StringComparison.Ordinal);
        Assert.Contains("retenido: la ventana de 24 h de WhatsApp está cerrada; sale en cuanto la persona escriba", transcript, StringComparison.Ordinal);
    }

    /// <summary>provider, HTTP status, answer body, how the outbox must take it.</summary>
    public static TheoryData<string, int, string, string> ProviderAnswers => new()
    {
        { "whatsapp", 400, """{"error":{"message":"(#131047) Re-engagement message","code":131047}}""", "window" },
        { "whatsapp", 400, """{"error":{"message":"(#132015) Template is paused","code":132015}}""", "paused" },
        { "whatsapp", 400, """{"error":{"message":"(#132001) Template name does not exist in the translation","code":132001}}""", "refused" },
        { "whatsapp", 400, """{"error":{"message":"(#132000) Number of parameters does not match","code":132000}}""", "refused" },
        { "whatsapp", 400, """{"error":{"message":"(#132016) Template is disabled","code":132016}}""", "refused" },
        { "whatsapp", 400, """{"error":{"message":"(#132012) Parameter format does not match","code":132012}}""", "refused" },
        { "twilio", 400, """{"code":63016,"message":"Outside messaging window","status":400}""", "window" },
        { "twilio", 400, """{"code":63041,"message":"Template paused","status":400}""", "paused" },
        { "twilio", 400, """{"code":63040,"message":"Template rejected","status":400}""", "refused" },
        { "twilio", 400, """{"code":63028,"message":"Number of parameters provided does not match","status":400}""", "refused" },
        { "twilio", 400, """{"code":21656,"message":"The ContentVariables Parameter is invalid","status":400}""", "refused" },
    };

    [Theory]
    [MemberData(nameof(ProviderAnswers))]
    public void TemplateAndWindowErrors_AreClassified_NeverAsAPermanentFailureOfTheReply(string provider, int status, string body, string expected)
    {
        using var response = new HttpResponseMessage((HttpStatusCode)status);
        var result = provider == "whatsapp"
            ? WhatsAppClient.Classify(response, System.Text.Json.JsonSerializer.Deserialize(body, WhatsAppJson.Default.WaSendResponse))
            : TwilioClient.Classify(response, System.Text.Json.JsonSerializer.Deserialize(body, TwilioJson.Default.TwilioMessageResponse));

        var (kind, error) = result switch
        {
            SendResult.NeedsTemplate window => ("window", window.Error),
            SendResult.TemplateRefused { Paused: true } paused => ("paused", paused.Error),
            SendResult.TemplateRefused refused => ("refused", refused.Error),
            _ => (result.GetType().Name, string.Empty),
        };
        Assert.Equal(expected, kind);

        // The provider's code stays readable in the stored error: the case page explains it from the code.
        Assert.Matches($"^{provider} \\d+: ", error);
        if (expected != "window")
        {
            Assert.NotEqual(error, InboxFormat.Reason(error));
        }
    }

    /// <summary>One person on one WhatsApp provider, a host on a fake clock, and what the fake provider saw for them.</summary>
    private sealed class Weekend : IAsyncDisposable
    {
        private readonly string _channel;
        private readonly string _number = "5076" + Random.Shared.Next(1_000_000, 9_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);
        private int _sent;

        private Weekend(string channel, ChannelHost host)
        {
            _channel = channel;
            Host = host;
        }

        public ChannelHost Host { get; }

        public string SendPath => _channel == "whatsapp" ? "/messages" : "/Messages.json";

        public static async Task<Weekend> StartAsync(string channel, IDictionary<string, string?>? settings = null)
        {
            var host = await ChannelHost.StartAsync(settings);
            host.Factory.Clock.AdvanceTo(FridayEvening);
            return new Weekend(channel, host);
        }

        /// <summary>Asks for a person on Friday evening (consent given) and waits for every answer; returns the case.</summary>
        public async Task<string> FridayRequestAsync(IReadOnlyList<string>? messages = null)
        {
            foreach (var text in messages ?? ["hola", "1", "humano", "1"])
            {
                await SendAsync(text);
            }

            await Host.WaitForOutboxAsync(rows => rows.Count > 0 && rows.All(r => r.Status is "sent"));
            var handoff = Host.Factory.Services.GetRequiredService<HandoffService>();
            return Assert.Single(await handoff.QueueAsync(CancellationToken.None)).Reference;
        }

        /// <summary>Monday morning: the caseworker answers the case (after <paramref name="before"/>, e.g. scripting the provider).</summary>
        public async Task<HandoffService> AnswerOnMondayAsync(string reference, Action? before = null)
        {
            Host.Factory.Clock.AdvanceTo(MondayMorning);
            before?.Invoke();
            var handoff = Host.Factory.Services.GetRequiredService<HandoffService>();
            Assert.Null(await handoff.ReplyAsync(reference, "ana", Reply, CancellationToken.None));
            return handoff;
        }

        /// <summary>
        /// Until no row is waiting to be sent: every send the outbox was going to make has reached the fake (a row stays
        /// pending or sending until its provider answered), so what was not sent will not be.
        /// </summary>
        public Task SettledAsync() => Host.WaitForOutboxAsync(rows => rows.All(r => r.Status is not ("pending" or "sending")));

        public async Task SendAsync(string text)
        {
            var id = ++_sent;
            var response = _channel == "whatsapp"
                ? await Host.PostWhatsAppAsync(ChannelHost.WhatsAppText(_number, $"wamid.weekend{_number}.{id}", text, Host.Factory.Clock.GetUtcNow().ToUnixTimeSeconds()))
                : await Host.PostTwilioAsync(ChannelHost.TwilioInbound("whatsapp:+" + _number, $"SMweekend{_number}{id}", text));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        /// <summary>Every send to this person, in order.</summary>
        public List<RecordedRequest> ToPerson() =>
            [.. Host.Fake.Requests.Where(r => r.Path.EndsWith(SendPath, StringComparison.Ordinal) && r.Text.Contains(_number, StringComparison.Ordinal))];

        public bool IsTemplate(RecordedRequest request) => _channel == "whatsapp"
            ? request.Body.Contains("\"type\":\"template\"", StringComparison.Ordinal)
            : request.Text.Contains("ContentSid=", StringComparison.Ordinal);

        /// <summary>The template, in the template language <paramref name="code"/>, and nothing of the reply or the person's case.</summary>
        public bool IsTemplateIn(RecordedRequest request, string code) => _channel == "whatsapp"
            ? request.Body.Contains("\"name\":\"oimbot_reply_waiting\"", StringComparison.Ordinal) && request.Body.Contains($"\"language\":{{\"policy\":\"deterministic\",\"code\":\"{code}\"}}", StringComparison.Ordinal) && !request.Body.Contains("\"text\"", StringComparison.Ordinal)
            : request.Text.Contains($"ContentSid={ChannelHost.ContentSid(code)}", StringComparison.Ordinal) && !request.Text.Contains("Body=", StringComparison.Ordinal);

        public async Task<RecordedRequest> WaitForTemplateAsync()
        {
            await Host.Fake.WaitForAsync(_ => ToPerson().Any(r => IsTemplate(r) && r.Answered));
            return ToPerson().Single(IsTemplate);
        }

        public async Task<IReadOnlyList<CaseEntry>> TranscriptAsync(string reference) =>
            (await Host.Factory.Services.GetRequiredService<ICaseStore>().FindAsync(reference, CancellationToken.None))!.Transcript;

        /// <summary>The provider's delivery report for the template, signed as the provider signs it.</summary>
        public Task ReportTemplateAsync(string status) => ReportAsync("SELECT provider_message_id FROM outbox WHERE template IS NOT NULL", status, null);

        /// <summary>A delivery report for the row <paramref name="query"/> finds, with the provider's error code if any.</summary>
        public async Task ReportAsync(string query, string status, int? errorCode)
        {
            await using var db = new SqliteConnection($"Data Source={Host.Factory.DatabasePath}");
            var id = await db.ExecuteScalarAsync<string>(query);
            var errors = errorCode is { } code ? $$""","errors":[{"code":{{code}},"title":"Re-engagement message"}]""" : string.Empty;
            HttpResponseMessage response;
            if (_channel == "whatsapp")
            {
                response = await Host.PostWhatsAppAsync(ChannelHost.WhatsAppEnvelope($$$"""
                    "statuses":[{"id":"{{{id}}}","recipient_id":"{{{_number}}}","status":"{{{status}}}","timestamp":"{{{Host.Factory.Clock.GetUtcNow().ToUnixTimeSeconds()}}}"{{{errors}}}}]
                    """));
            }
            else
            {
                var form = new Dictionary<string, string>
                {
                    ["MessageSid"] = id!, ["MessageStatus"] = status, ["AccountSid"] = ChannelHost.TwilioSid, ["To"] = "whatsapp:+" + _number, ["From"] = ChannelHost.TwilioFrom, ["ApiVersion"] = "2010-04-01",
                };
                if (errorCode is { } twilioCode)
                {
                    form["ErrorCode"] = twilioCode.ToString(System.Globalization.CultureInfo.InvariantCulture);
                }

                response = await Host.PostTwilioAsync(form);
            }

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        public ValueTask DisposeAsync() => Host.DisposeAsync();
    }
}
