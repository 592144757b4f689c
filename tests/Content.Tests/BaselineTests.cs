namespace OimBot.Content.Tests;

public class BaselineTests
{
    [Fact]
    public void Baseline_IsValidWithoutWarnings()
    {
        using var fixture = new ContentFixture();
        var result = fixture.Load();
        Assert.Empty(result.Diagnostics.Select(d => d.ToString()));
        Assert.NotNull(result.Content);
    }

    [Fact]
    public void VersionId_IsStableForSameFilesAndChangesWithAnEdit()
    {
        using var fixture = new ContentFixture();
        var first = fixture.Load().Content!.VersionId;
        Assert.Equal(first, fixture.Load().Content!.VersionId);
        fixture.Write("content/main.yaml", File.ReadAllText(Path.Combine(fixture.Root, "content/main.yaml")).Replace("Un tema.", "Otro tema.", StringComparison.Ordinal));
        Assert.NotEqual(first, fixture.Load().Content!.VersionId);
        Assert.Matches("^[0-9a-f]{12}$", first);
    }
}
