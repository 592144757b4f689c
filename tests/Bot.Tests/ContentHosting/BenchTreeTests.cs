using System.Text.Json;
using OimBot.Bot.Tests.TestHost;
using OimBot.Content;

namespace OimBot.Bot.Tests.ContentHosting;

/// <summary>
/// The menu tree the benchmark's peers walk (tests/Bench/compare/tree.json, written by <c>bench tree</c>) is the
/// shipped content's: a peer that sent other texts or had other options would be measured on other work than OimBot.
/// The content version is not compared (every example changes it); the texts, options and command words are.
/// </summary>
public class BenchTreeTests
{
    [Fact]
    public void ThePeersTree_SendsTheShippedTextsAndOptions()
    {
        using var tree = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "tests", "Bench", "compare", "tree.json")));
        var root = tree.RootElement;
        var language = root.GetProperty("language").GetString()!;
        var content = ShippedContent.Set.ForChannel(root.GetProperty("channel").GetString()!);
        var nodes = root.GetProperty("nodes");
        const string Regenerate = "run `dotnet run -c Release --project tests/Bench -- tree` and commit tests/Bench/compare/tree.json";

        Assert.Equal(content.Common.StartNode, root.GetProperty("welcome").GetString());
        Assert.Equal(content.Common.MenuNode, root.GetProperty("menu").GetString());
        Assert.Equal(Words(content, GlobalCommand.Menu, language), [.. root.GetProperty("menuWords").EnumerateArray().Select(w => w.GetString()!)]);
        Assert.Equal(Words(content, GlobalCommand.Back, language), [.. root.GetProperty("backWords").EnumerateArray().Select(w => w.GetString()!)]);
        Assert.True(
            content.NodeList.Select(n => n.Id).Order(StringComparer.Ordinal).SequenceEqual(nodes.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal)),
            $"the tree's nodes are not the content's: {Regenerate}");
        foreach (var node in content.NodeList)
        {
            var written = nodes.GetProperty(node.Id);
            Assert.True(ContentRenderer.Render(content, node, language).Text == written.GetProperty("text").GetString(), $"node '{node.Id}' says other words in the tree: {Regenerate}");
            var options = written.GetProperty("options").EnumerateArray().Select(o => (o.GetProperty("id").GetString() ?? "", o.GetProperty("label").GetString() ?? "", o.GetProperty("target").GetString() ?? "")).ToList();
            Assert.True(node.Choices.Select(c => (c.Id, c.Label[language], c.Target)).SequenceEqual(options), $"node '{node.Id}' has other options in the tree: {Regenerate}");
        }
    }

    private static List<string> Words(ContentSet content, GlobalCommand command, string language) =>
        content.Common.Commands.TryGetValue(command, out var byLanguage) && byLanguage.TryGetValue(language, out var words) ? [.. words] : [];
}
