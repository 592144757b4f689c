using System.Net;
using Microsoft.Extensions.Primitives;
using OimBot.Bot.Channels.Twilio;
using OimBot.Bot.Tests.TestHost;

namespace OimBot.Bot.Tests.Channels;

public sealed class TwilioWebhookTests(ChannelHostFixture fixture) : IClassFixture<ChannelHostFixture>
{
    private ChannelHost Host => fixture.Host;

    private static readonly KeyValuePair<string, StringValues>[] SdkParams =
    [
        new("CallSid", "CA1234567890ABCDE"), new("From", "+14158675309"), new("Digits", "1234"), new("To", "+18005551212"), new("Caller", "+14158675309"),
    ];

    /// <summary>Vectors published in Twilio's SDK test suites (channel-apis.md §3.3), auth token 12345.</summary>
    public static TheoryData<string, string, string, bool> Vectors => new()
    {
        { "T1 published", "https://mycompany.com/myapp.php?foo=1&bar=2", "RSOYDt4T1cUTdK1PDd93/VVr8B8=", true },
        { "T1-neg wrong signature", "https://mycompany.com/myapp.php?foo=1&bar=2", "NOTRSOYDt4T1cUTdK1PDd93/VVr8B8=", false },
        { "T2a signed with :443, configured without", "https://mycompany.com/myapp.php?foo=1&bar=2", "kvajT1Ptam85bY51eRf/AJRuM3w=", true },
        { "T2b http signed with :80", "http://mycompany.com/myapp.php?foo=1&bar=2", "0ZXoZLH/DfblKGATFgpif+LLRf4=", true },
        { "T2c http custom port", "http://mycompany.com:1234/myapp.php?foo=1&bar=2", "Zmvh+3yNM1Phv2jhDCwEM3q5ebU=", true },
        { "T2d https custom port", "https://mycompany.com:1234/myapp.php?foo=1&bar=2", "CYn1h0gLBdNxDGkKJg6hYohgeD8=", true },
        { "T2d also accepts the port stripped", "https://mycompany.com:1234/myapp.php?foo=1&bar=2", "RSOYDt4T1cUTdK1PDd93/VVr8B8=", true },
        { "T2e host case kept", "https://MyCompany.com/myapp.php?foo=1&bar=2", "g9IN/x4Cft2g517EjYvEvM/W7LU=", true },
        { "T2e lower-case signature fails for a mixed-case host", "https://MyCompany.com/myapp.php?foo=1&bar=2", "RSOYDt4T1cUTdK1PDd93/VVr8B8=", false },
        { "T2f host case with port", "https://MyCompany.com:1234/myapp.php?foo=1&bar=2", "PCqOZm8cnu/L6+u5i5fuEd+Iac4=", true },
        { "T2g http mixed-case host", "http://MyCompany.com/myapp.php?foo=1&bar=2", "XY7AlKOKL6im4yWyX84gldUrtis=", true },
        { "empty signature", "https://mycompany.com/myapp.php?foo=1&bar=2", "", false },
    };

    [Theory]
    [MemberData(nameof(Vectors))]
    public void PublishedSignatureVectors(string label, string url, string signature, bool valid) =>
        Assert.True(valid == TwilioSignature.IsValid("12345", url, SdkParams, signature), label);

    [Fact]
    public void T1_ComputedExactly() =>
        Assert.Equal("RSOYDt4T1cUTdK1PDd93/VVr8B8=", TwilioSignature.Compute("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", SdkParams));

    [Fact]
    public void T3_TwilioDocsExample() =>
        Assert.Equal("0/KCTR6DLpKmkAf8muzZqo1nDgQ=", TwilioSignature.Compute("12345", "https://mycompany.com/myapp.php?foo=1&bar=2",
        [
            new("CallSid", "CA1234567890ABCDE"), new("Caller", "+12349013030"), new("Digits", "1234"), new("From", "+12349013030"), new("To", "+18005551212"),
        ]));

    [Fact]
    public void T4_RepeatedKeys_SortTheirValues() =>
        Assert.Equal("IK+Dwps556ElfBT0I3Rgjkr1wJU=", TwilioSignature.Compute("12345", "https://mycompany.com/myapp.php?foo=1&bar=2",
        [
            new("Sid", "CA123"), new("SidAccount", "AC123"), new("Digits", new StringValues(["5678", "1234"])),
        ]));

    [Fact]
    public void T8_WhatsAppShapedRequest() =>
        Assert.Equal("AYq9LjDv1MCqIZK87pgTIL7iEc8=", TwilioSignature.Compute("12345", "https://example.com/twilio/whatsapp",
            ChannelHost.TwilioInbound("whatsapp:+14155550100", "SM11", "Hello")
                .Select(p => p.Key switch
                {
                    "ProfileName" => new KeyValuePair<string, StringValues>(p.Key, "Jane"),
                    "AccountSid" => new KeyValuePair<string, StringValues>(p.Key, "AC11"),
                    _ => new KeyValuePair<string, StringValues>(p.Key, p.Value),
                })));

    /// <summary>label, extra or changed form fields ("-Name" leaves one out), how to sign, expected status, expected reply fragment (null: none).</summary>
    public static TheoryData<string, string, string, HttpStatusCode, string?> Cases => new()
    {
        { "valid text", "", "sign", HttpStatusCode.OK, "asistente automático de la OIM" },
        { "signed over the URL with :443", "", "sign-443", HttpStatusCode.OK, "asistente automático de la OIM" },
        { "image without caption", "Body=;NumMedia=1;MediaContentType0=image/jpeg;MediaUrl0=https://api.twilio.com/x", "sign", HttpStatusCode.OK, "Solo puedo leer mensajes de texto" },
        { "voice note", "Body=;NumMedia=1;MediaContentType0=audio/ogg;MediaUrl0=https://api.twilio.com/y", "sign", HttpStatusCode.OK, "Solo puedo leer mensajes de texto" },
        { "shared location", "Body=;Latitude=8.98245;Longitude=-79.51973", "sign", HttpStatusCode.OK, "Solo puedo leer mensajes de texto" },
        { "empty message is ignored", "Body=", "sign", HttpStatusCode.OK, null },
        // A provider's try (2026-12-07): every message a person sends is answered, a report the bot does not track is not.
        { "media without a Body parameter", "-Body;NumMedia=1;MediaContentType0=image/jpeg;MediaUrl0=https://api.twilio.com/z", "sign", HttpStatusCode.OK, "Solo puedo leer mensajes de texto" },
        { "a shared contact (vCard)", "Body=;NumMedia=1;MediaContentType0=text/vcard;MediaUrl0=https://api.twilio.com/v", "sign", HttpStatusCode.OK, "Solo puedo leer mensajes de texto" },
        { "a quick-reply button's text", "Body=;ButtonText=Hola;ButtonPayload=p1", "sign", HttpStatusCode.OK, "asistente automático de la OIM" },
        { "a NumMedia that is not a number", "NumMedia=uno", "sign", HttpStatusCode.OK, "asistente automático de la OIM" },
        { "an incoming message marked MessageStatus=received", "MessageStatus=received", "sign", HttpStatusCode.OK, "asistente automático de la OIM" },
        { "a status the bot does not track is ignored", "MessageStatus=canceled;Body=", "sign", HttpStatusCode.OK, null },
        { "wrong signature", "", "wrong", HttpStatusCode.Unauthorized, null },
        { "missing signature", "", "none", HttpStatusCode.Unauthorized, null },
        { "signed by another account", "", "other-token", HttpStatusCode.Unauthorized, null },
        { "a parameter added after signing", "", "tampered", HttpStatusCode.Unauthorized, null },
        { "no MessageSid (signed)", "MessageSid=;SmsSid=;SmsMessageSid=", "sign", HttpStatusCode.BadRequest, null },
        { "oversized body", "Body=" + new string('a', 70_000), "sign", HttpStatusCode.RequestEntityTooLarge, null },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Inbound(string label, string changes, string signing, HttpStatusCode status, string? reply)
    {
        var from = "whatsapp:+5076" + ChannelHostFixture.Unique();
        var form = ChannelHost.TwilioInbound(from, "SM" + ChannelHostFixture.Unique(), "hola");
        foreach (var change in changes.Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            if (change.StartsWith('-'))
            {
                form.Remove(change[1..]); // "-Body": the parameter is not sent at all
                continue;
            }

            var eq = change.IndexOf('=', StringComparison.Ordinal);
            form[change[..eq]] = change[(eq + 1)..];
        }

        var conversations = await Host.CountAsync("SELECT COUNT(*) FROM conversations");
        var signature = signing switch
        {
            "sign-443" => ChannelHost.TwilioSign(form, "https://bot.example.org:443/webhooks/twilio"),
            "wrong" => "bm90IGEgc2lnbmF0dXJl",
            "other-token" => ChannelHost.TwilioSign(form, token: "another-account-token"),
            _ => ChannelHost.TwilioSign(form),
        };
        if (signing == "tampered")
        {
            form["Body"] = "borrar";
        }

        var response = await Host.PostTwilioAsync(form, signature, sign: signing != "none");

        Assert.True(status == response.StatusCode, $"{label}: {response.StatusCode}");
        if (status == HttpStatusCode.OK)
        {
            Assert.Equal("text/xml", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response/>", await response.Content.ReadAsStringAsync());
        }

        var encodedTo = "To=" + Uri.EscapeDataString(from);
        if (reply is null)
        {
            await Task.Delay(150);
            Assert.Equal(conversations, await Host.CountAsync("SELECT COUNT(*) FROM conversations"));
            Assert.DoesNotContain(Host.Fake.Requests, r => r.Body.Contains(encodedTo, StringComparison.Ordinal));
            return;
        }

        var sent = (await Host.Fake.WaitForAsync(rs => rs.Any(r => r.Answered && r.Body.Contains(encodedTo, StringComparison.Ordinal)))).Last(r => r.Body.Contains(encodedTo, StringComparison.Ordinal));
        Assert.Contains(reply, sent.Text, StringComparison.Ordinal);
        Assert.EndsWith($"/2010-04-01/Accounts/{ChannelHost.TwilioSid}/Messages.json", sent.Path, StringComparison.Ordinal);
        Assert.Contains("From=whatsapp:+14155238886", sent.Text, StringComparison.Ordinal);
        Assert.Contains("StatusCallback=https://bot.example.org/webhooks/twilio", sent.Text, StringComparison.Ordinal);
        Assert.StartsWith("Basic ", sent.Headers["Authorization"], StringComparison.Ordinal);
    }

    /// <summary>
    /// label, the person's address (From; {n} a fresh number), the business address they wrote to (To), the sender
    /// the reply must carry. Someone who wrote by SMS to the Twilio number had been answered from the WhatsApp sender,
    /// a pair Twilio refuses (21910): the reply never reached them (a provider's try, 2026-12-07, channels).
    /// </summary>
    public static TheoryData<string, string, string, string> Senders => new()
    {
        { "WhatsApp", "whatsapp:+5076{n}", ChannelHost.TwilioFrom, "From=whatsapp:+14155238886&" },
        { "SMS to the same number", "+5076{n}", "+14155238886", "From=+14155238886&" },
    };

    [Theory]
    [MemberData(nameof(Senders))]
    public async Task TheReplyGoesOut_OnTheChannelTheMessageCameIn(string label, string fromTemplate, string to, string sender)
    {
        var from = fromTemplate.Replace("{n}", ChannelHostFixture.Unique().ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        var form = ChannelHost.TwilioInbound(from, "SM" + ChannelHostFixture.Unique(), "hola");
        form["To"] = to;

        Assert.Equal(HttpStatusCode.OK, (await Host.PostTwilioAsync(form)).StatusCode);

        var encodedTo = "To=" + Uri.EscapeDataString(from) + "&";
        var sent = (await Host.Fake.WaitForAsync(rs => rs.Any(r => r.Answered && r.Body.Contains(encodedTo, StringComparison.Ordinal)))).Last(r => r.Body.Contains(encodedTo, StringComparison.Ordinal));
        Assert.True(sent.Text.Contains(sender, StringComparison.Ordinal), $"{label}: {sent.Text[..Math.Min(120, sent.Text.Length)]}");
        Assert.Contains("asistente automático de la OIM", sent.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ChoicesAreANumberedList_AndTheUserAnswersWithTheNumber()
    {
        var from = "whatsapp:+5076" + ChannelHostFixture.Unique();
        var to = "To=" + Uri.EscapeDataString(from);
        await Host.PostTwilioAsync(ChannelHost.TwilioInbound(from, "SM" + ChannelHostFixture.Unique(), "hola"));
        var welcome = (await Host.Fake.WaitForAsync(rs => rs.Any(r => r.Answered && r.Body.Contains(to, StringComparison.Ordinal)))).Last(r => r.Body.Contains(to, StringComparison.Ordinal));
        Assert.Contains("1. Continuar en español\n2. Continue in English", welcome.Text, StringComparison.Ordinal);

        await Host.PostTwilioAsync(ChannelHost.TwilioInbound(from, "SM" + ChannelHostFixture.Unique(), "2"));
        var menu = (await Host.Fake.WaitForAsync(rs => rs.Count(r => r.Answered && r.Body.Contains(to, StringComparison.Ordinal)) == 2)).Last(r => r.Body.Contains(to, StringComparison.Ordinal));
        Assert.Contains("What would you like information about?", menu.Text, StringComparison.Ordinal);
        Assert.Contains("1. Going back home", menu.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RepeatedMessageSid_IsAnsweredOnce()
    {
        var from = "whatsapp:+5076" + ChannelHostFixture.Unique();
        var form = ChannelHost.TwilioInbound(from, "SM" + ChannelHostFixture.Unique(), "hola");
        Assert.Equal(HttpStatusCode.OK, (await Host.PostTwilioAsync(form)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Host.PostTwilioAsync(form)).StatusCode);

        var to = "To=" + Uri.EscapeDataString(from);
        await Host.Fake.WaitForAsync(rs => rs.Any(r => r.Answered && r.Body.Contains(to, StringComparison.Ordinal)));
        await Task.Delay(300);
        Assert.Single(Host.Fake.Requests, r => r.Body.Contains(to, StringComparison.Ordinal));
    }

    [Fact]
    public async Task StatusCallback_IsAuthenticated_AndMovesTheRowForward()
    {
        var from = "whatsapp:+5076" + ChannelHostFixture.Unique();
        await Host.PostTwilioAsync(ChannelHost.TwilioInbound(from, "SM" + ChannelHostFixture.Unique(), "hola"));
        await Host.WaitForOutboxAsync(rows => rows.Any(r => r.Status == "sent"));
        await using var db = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Host.Factory.DatabasePath}");
        var (id, sid) = await Dapper.SqlMapper.QuerySingleAsync<(long, string)>(db, "SELECT id, provider_message_id FROM outbox WHERE channel = 'twilio' AND status = 'sent' ORDER BY id DESC LIMIT 1");
        var callback = new Dictionary<string, string>
        {
            ["MessageSid"] = sid, ["MessageStatus"] = "delivered", ["AccountSid"] = ChannelHost.TwilioSid, ["To"] = from, ["From"] = ChannelHost.TwilioFrom, ["ApiVersion"] = "2010-04-01",
        };

        Assert.Equal(HttpStatusCode.Unauthorized, (await Host.PostTwilioAsync(callback, "forged")).StatusCode);
        Assert.Equal("sent", await Dapper.SqlMapper.ExecuteScalarAsync<string>(db, "SELECT status FROM outbox WHERE id = @id", new { id }));

        Assert.Equal(HttpStatusCode.OK, (await Host.PostTwilioAsync(callback)).StatusCode);
        Assert.Equal("delivered", await Dapper.SqlMapper.ExecuteScalarAsync<string>(db, "SELECT status FROM outbox WHERE id = @id", new { id }));

        callback["MessageStatus"] = "sent"; // late, out of order
        Assert.Equal(HttpStatusCode.OK, (await Host.PostTwilioAsync(callback)).StatusCode);
        Assert.Equal("delivered", await Dapper.SqlMapper.ExecuteScalarAsync<string>(db, "SELECT status FROM outbox WHERE id = @id", new { id }));
    }
}
