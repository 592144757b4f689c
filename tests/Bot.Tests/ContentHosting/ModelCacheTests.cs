using Microsoft.Extensions.DependencyInjection;
using OimBot.Bot.ContentHosting;
using OimBot.Bot.Tests.TestHost;
using OimBot.Content.Matching;

namespace OimBot.Bot.Tests.ContentHosting;

/// <summary>Content:ModelCache: where the service keeps its trained models between starts.</summary>
public sealed class ModelCacheTests
{
    [Theory]
    [InlineData("none", null)]
    [InlineData(" NONE ", null)]
    [InlineData("/var/cache/oimbot", "/var/cache/oimbot")]
    public void TheSetting_NamesAFolder_OrNone(string setting, string? folder) =>
        Assert.Equal(folder, new ContentOptions { ModelCache = setting }.Models()?.Directory);

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("  ")]
    public void ByDefault_TheModelsAreKeptInTheUsersCache(string? setting) =>
        Assert.Equal(ModelStore.DefaultDirectory(), new ContentOptions { ModelCache = setting }.Models()?.Directory);

    [Fact]
    public async Task TheService_KeepsTheModelsOfTheContentItServes()
    {
        using var temp = new TempContent();
        var avr = Path.Combine(temp.ContentDirectory, "avr.yaml");
        // Content no other test serves, trained here, not found in memory: a word of letters only (digits split a word).
        var word = "palabra" + string.Concat(Guid.NewGuid().ToString("N")[..10].Select(c => (char)('a' + Convert.ToInt32(c.ToString(), 16))));
        await File.WriteAllTextAsync(avr, (await File.ReadAllTextAsync(avr)).Replace("es: [retorno voluntario,", $"es: [{word}, retorno voluntario,", StringComparison.Ordinal));
        var cache = Path.Combine(temp.Root, "models");
        await using var factory = new BotFactory(temp.ContentDirectory, temp.FactsPath, new Dictionary<string, string?> { ["Content:ModelCache"] = cache });
        using var client = factory.CreateClient();

        var content = factory.Services.GetRequiredService<ContentHost>().Current;

        Assert.Contains(content.Understander.TrainingSet, e => e.Words.Contains(word));
        // Spanish and English and each translated language (new here), and each yes/no question that reads its own answers
        // unless another test in this process trained the same answers first (the memory cache answers then; a process
        // of its own writes all of them: CommandLineTests).
        Assert.InRange(Directory.GetFiles(cache, "*.model").Length, 5, 5 + content.NodeList.Count(n => n.AnswerExamples.Count > 0));
    }
}
