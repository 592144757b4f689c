namespace OimBot.Analytics.Tests;

public class PseudonymiserTests
{
    private static readonly byte[] Secret = [.. Enumerable.Range(0, 32).Select(i => (byte)i)];
    private readonly Pseudonymiser _pseudonyms = new(Secret);

    [Fact]
    public void TheSameAddress_IsTheSamePerson_WithinAPeriod()
    {
        var salt = Pseudonymiser.NewPeriodSalt();
        Assert.Equal(_pseudonyms.Person(salt, "whatsapp", "50761234567"), _pseudonyms.Person(salt, "whatsapp", "50761234567"));
        Assert.Equal(_pseudonyms.Person(salt, "whatsapp", "50761234567"), new Pseudonymiser(Secret).Person(salt, "whatsapp", "50761234567"));
    }

    [Fact]
    public void AnotherPeriod_ChannelAddressOrSecret_IsAnotherPerson()
    {
        var q4 = Pseudonymiser.NewPeriodSalt();
        var q1 = Pseudonymiser.NewPeriodSalt();
        var person = _pseudonyms.Person(q4, "whatsapp", "50761234567");

        Assert.NotEqual(person, _pseudonyms.Person(q1, "whatsapp", "50761234567"));
        Assert.NotEqual(person, _pseudonyms.Person(q4, "telegram", "50761234567"));
        Assert.NotEqual(person, _pseudonyms.Person(q4, "whatsapp", "50761234568"));
        Assert.NotEqual(person, new Pseudonymiser(new byte[32]).Person(q4, "whatsapp", "50761234567"));
    }

    [Fact]
    public void PeriodsInTurn_AndASaltChangedInPlace_EachGiveTheirOwnPeople()
    {
        // The derived key is kept per salt: alternating periods, and a caller reusing its array for another salt,
        // give what a fresh instance gives.
        var q4 = Pseudonymiser.NewPeriodSalt();
        var q1 = Pseudonymiser.NewPeriodSalt();
        string Fresh(byte[] salt) => new Pseudonymiser(Secret).Person(salt, "whatsapp", "50761234567");
        var (expectedQ4, expectedQ1) = (Fresh(q4), Fresh(q1));

        Assert.Equal(expectedQ4, _pseudonyms.Person(q4, "whatsapp", "50761234567"));
        Assert.Equal(expectedQ1, _pseudonyms.Person(q1, "whatsapp", "50761234567"));
        Assert.Equal(expectedQ4, _pseudonyms.Person([.. q4], "whatsapp", "50761234567"));

        var reused = q4.ToArray();
        Assert.Equal(expectedQ4, _pseudonyms.Person(reused, "whatsapp", "50761234567"));
        q1.CopyTo(reused, 0);
        Assert.Equal(expectedQ1, _pseudonyms.Person(reused, "whatsapp", "50761234567"));
    }

    [Fact]
    public void APerson_Is32HexCharacters_WithNothingOfTheAddress()
    {
        var person = _pseudonyms.Person(Pseudonymiser.NewPeriodSalt(), "telegram", "7310200");
        Assert.Matches("^[0-9a-f]{32}$", person);
        Assert.DoesNotContain("7310200", person, StringComparison.Ordinal);
    }

    [Fact]
    public void ManyAddresses_GiveManyPeople()
    {
        var salt = Pseudonymiser.NewPeriodSalt();
        var people = Enumerable.Range(0, 20_000).Select(i => _pseudonyms.Person(salt, "whatsapp", $"5076{i:D7}")).ToHashSet();
        Assert.Equal(20_000, people.Count);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(16)]
    [InlineData(31)]
    public void AShortSecret_IsRefused(int length)
    {
        Assert.Throws<ArgumentException>(() => new Pseudonymiser(new byte[length]));
    }

    [Fact]
    public void A32ByteSecret_IsEnough_AndNoSecretIsRefused()
    {
        Assert.Matches("^[0-9a-f]{32}$", new Pseudonymiser(new byte[32]).Person(Pseudonymiser.NewPeriodSalt(), "whatsapp", "50761234567"));
        Assert.Throws<ArgumentNullException>(() => new Pseudonymiser(null!));
    }
}
