using OimBot.Bot.Handoff;
using OimBot.Bot.Tests.TestHost;

namespace OimBot.Bot.Tests.Handoff;

/// <summary>
/// Phone numbers, links and e-mails in a caseworker's reply that the registry does not hold (R14). A row per shape; the
/// label is the test's name. Vetted lines (104, 911, 147, www.tupista.org) and ordinary figures pass.
/// </summary>
public sealed class ReplyContactsTests
{
    public static TheoryData<string, string, string[]> Rows => new()
    {
        { "the vetted emergency lines", "Si estás en peligro, llama al 911 o al 104.", [] },
        { "vetted lines typed together", "Líneas: 911 104 147", [] },
        { "a vetted link, with its scheme and a page", "Denuncia en https://www.tupista.org/denuncia", [] },
        { "times, days and dates", "Te escribo el 15/12/2026 a las 10:30, o el 2026-12-16. Son 3 pasos.", [] },
        { "the case's reference", "Tu referencia es C-GPVP4Q.", [] },
        { "a Panamanian mobile with a dash", "Llama al 6677-8899 mañana.", ["6677-8899"] },
        { "an international number with spaces", "WhatsApp: +507 6677 8899", ["+507 6677 8899"] },
        { "an old trafficking line", "La línea es 516-2846.", ["516-2846"] },
        { "a link to an unknown site", "Entra a http://iom-panama-ayuda.example.com para pedir cita", ["http://iom-panama-ayuda.example.com"] },
        { "a bare domain", "Mira oim-citas.com antes", ["oim-citas.com"] },
        { "an e-mail, once, not also its domain", "Escribe a citas@oim-panama.org", ["citas@oim-panama.org"] },
        { "a vetted line beside an unvetted one", "Llama al 911 o al 6977-1941", ["6977-1941"] },
    };

    [Theory]
    [MemberData(nameof(Rows))]
    public void AReply_NamesWhatTheRegistryDoesNotHold(string label, string reply, string[] expected)
    {
        Assert.NotNull(label);
        Assert.Equal(expected, ReplyContacts.Unvetted(ShippedContent.Set.Facts, reply));
    }

    [Fact]
    public void WhatWasFound_IsCountedInWords()
    {
        Assert.Equal("1 número de teléfono", ReplyContacts.Describe(["6677-8899"]));
        Assert.Equal("2 números de teléfono, 1 enlace y 1 correo", ReplyContacts.Describe(["6677-8899", "oim-citas.com", "516-2846", "a@b.org"]));
    }
}
