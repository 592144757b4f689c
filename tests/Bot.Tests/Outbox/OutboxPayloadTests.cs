using System.Security.Cryptography;
using System.Text.Json;
using OimBot.Bot.Outbox;
using OimBot.Bot.Storage;
using OimBot.Content;

namespace OimBot.Bot.Tests.Outbox;

/// <summary>
/// A reply as the outbox stores it: sealed (AES-GCM under the address key, base64 after "sealed:"), opened back to the
/// same reply, readable by the rows written before (plain JSON, and sealed with the earlier code's copies), and null,
/// never an exception, for a payload that cannot be read.
/// </summary>
public sealed class OutboxPayloadTests
{
    private static readonly AddressProtector Protector = new(RandomNumberGenerator.GetBytes(32));

    public static TheoryData<string, RenderedReply> Replies => new()
    {
        { "plain text", RenderedReply.Plain("Hola") },
        { "empty text", RenderedReply.Plain(string.Empty) },
        { "accents and buttons", new RenderedReply("¿Qué necesitas?\n1. Volver a mi país\n2. Información", [new("1", "Volver a mi país"), new("2", "Información")], "Elige", "Menú") },
        { "Mandarin and Creole", new RenderedReply("您好，我们可以帮助您。 / Bonjou, nou ka ede w.", [new("0", "返回")]) },
        { "emoji and quotes", RenderedReply.Plain("\"Línea\" 🆘 <b>&</b> \\ fin") },
        { "longer than the first buffer", RenderedReply.Plain(string.Concat(Enumerable.Repeat("Información verificada. ", 400))) },
        { "longer than a thread keeps between replies", RenderedReply.Plain(string.Concat(Enumerable.Repeat("Información verificada. ", 6000))) },
    };

    [Theory]
    [MemberData(nameof(Replies))]
    public void ASealedReply_OpensToTheSameReply(string name, RenderedReply reply)
    {
        var payload = OutboxRows.Seal(Protector, reply);

        Assert.StartsWith("sealed:", payload, StringComparison.Ordinal);
        if (reply.Text.Length >= 4)
        {
            // The text's start is not readable in it (twelve characters: four could turn up by chance in a long base64).
            Assert.DoesNotContain(reply.Text[..Math.Min(12, reply.Text.Length)], payload, StringComparison.Ordinal);
        }
        AssertSame(name, reply, OutboxRows.Open(Protector, payload));
    }

    [Theory]
    [MemberData(nameof(Replies))]
    public void ASealedReply_HoldsTheSerializersJson_SoEarlierCodeReadsIt(string name, RenderedReply reply)
    {
        var payload = OutboxRows.Seal(Protector, reply);

        var json = Protector.Decrypt(Convert.FromBase64String(payload["sealed:".Length..]));
        Assert.True(JsonSerializer.Serialize(reply, StorageJson.Default.RenderedReply) == json, name);
    }

    [Theory]
    [MemberData(nameof(Replies))]
    public void RowsWrittenBefore_StillOpen(string name, RenderedReply reply)
    {
        var json = JsonSerializer.Serialize(reply, StorageJson.Default.RenderedReply);
        var sealedByEarlierCode = "sealed:" + Convert.ToBase64String(Protector.Encrypt(json));

        AssertSame(name, reply, OutboxRows.Open(Protector, json));
        AssertSame(name, reply, OutboxRows.Open(Protector, sealedByEarlierCode));
    }

    [Fact]
    public void EachSeal_HasANonceOfItsOwn()
    {
        var reply = RenderedReply.Plain("Hola");
        Assert.NotEqual(OutboxRows.Seal(Protector, reply), OutboxRows.Seal(Protector, reply));
    }

    public static TheoryData<string, string?> Unreadable()
    {
        var good = OutboxRows.Seal(Protector, RenderedReply.Plain("Hola"));
        var bytes = Convert.FromBase64String(good["sealed:".Length..]);
        bytes[^1] ^= 1;
        return new()
        {
            { "null", null },
            { "empty", string.Empty },
            { "not base64", "sealed:@@@@" },
            { "base64 of the wrong length", "sealed:AAAAA" },
            { "too short to be sealed", "sealed:" + Convert.ToBase64String(new byte[27]) },
            { "nothing after the prefix", "sealed:" },
            { "zeros", "sealed:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" },
            { "a changed tag", "sealed:" + Convert.ToBase64String(bytes) },
            { "another key", OutboxRows.Seal(new AddressProtector(RandomNumberGenerator.GetBytes(32)), RenderedReply.Plain("Hola")) },
            { "plain text that is not JSON", "Hola" },
        };
    }

    [Theory]
    [MemberData(nameof(Unreadable))]
    public void APayloadThatCannotBeRead_OpensToNull(string name, string? payload) =>
        Assert.True(OutboxRows.Open(Protector, payload) is null, name);

    [Fact]
    public void SealingOnManyThreads_KeepsEachReplyItsOwn()
    {
        var replies = Enumerable.Range(0, 400).Select(i => RenderedReply.Plain($"Respuesta {i} " + new string('x', i * 7))).ToArray();
        var payloads = new string[replies.Length];
        Parallel.For(0, replies.Length, i => payloads[i] = OutboxRows.Seal(Protector, replies[i]));

        for (var i = 0; i < replies.Length; i++)
        {
            Assert.Equal(replies[i].Text, OutboxRows.Open(Protector, payloads[i])?.Text);
        }
    }

    private static void AssertSame(string name, RenderedReply expected, RenderedReply? actual)
    {
        Assert.True(actual is not null, name);
        Assert.Equal(expected.Text, actual.Text);
        Assert.Equal(expected.Choices, actual.Choices);
        Assert.Equal(expected.ChoicesPrompt, actual.ChoicesPrompt);
        Assert.Equal(expected.ChoicesButton, actual.ChoicesButton);
    }
}
