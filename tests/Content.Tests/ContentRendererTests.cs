namespace OimBot.Content.Tests;

public class ContentRendererTests
{
    [Fact]
    public void Facts_AreFilledFromTheRegistry_AndTheSourcesLineNamesThemWithTheirDate()
    {
        using var fixture = new ContentFixture();
        var content = fixture.Load().Content!;
        var reply = ContentRenderer.Render(content, content.Nodes["welcome"], "es");

        Assert.StartsWith("Aviso. Llama al 104.", reply.Text, StringComparison.Ordinal);
        Assert.EndsWith("Fuente: Minseg, enero de 2024", reply.Text, StringComparison.Ordinal);
        Assert.Equal(["welcome/es", "welcome/en"], reply.Choices.Select(c => c.Key));
    }

    [Fact]
    public void ClosedProgramme_RendersItsStatusWithDate_AndAsksToConfirmWithTheOfficialSource()
    {
        using var fixture = new ContentFixture().Write("content/x.yaml", """
            flow: x
            topic: general
            footer: [footer-a]
            nodes:
              - id: x-a
                kind: message
                text: { es: "Sobre {old-permit}.", en: "About {old-permit}." }
                keywords: { es: [equis], en: [ex] }
                choices:
                  - label: { es: "Menú", en: "Menu" }
                    goto: main-menu
            """);
        var content = fixture.Load().Content!;

        var es = ContentRenderer.Render(content, content.Nodes["x-a"], "es").Text;
        var en = ContentRenderer.Render(content, content.Nodes["x-a"], "en").Text;

        Assert.Equal("Sobre el permiso viejo (cerrado desde el 19 de julio de 2024).\n\nConfirma en la fuente oficial.\n\nPIE\n\nFuente: SNM, julio de 2023", es);
        Assert.Equal("About the old permit (closed since 19 July 2024).\n\nConfirm with the official source.\n\nFOOTER\n\nSource: SNM, July 2023", en);
    }

    [Fact]
    public void SensitiveNode_EndsWithTheDiscreetExitBlock_AfterFootersAndSources()
    {
        using var fixture = new ContentFixture().Write("content/x.yaml", """
            flow: x
            topic: trafficking
            sensitive: true
            footer: [footer-a]
            nodes:
              - id: x-a
                kind: message
                text: { es: "Información. Llama al {police}.", en: "Information. Call {police}." }
                keywords: { es: [equis], en: [ex] }
                choices:
                  - label: { es: "Menú", en: "Menu" }
                    goto: main-menu
            """);
        var content = fixture.Load().Content!;

        var text = ContentRenderer.Render(content, content.Nodes["x-a"], "es").Text;

        Assert.Equal("Información. Llama al 104.\n\nPIE\n\nFuente: Minseg, enero de 2024\n\nSALIDA DISCRETA", text);
    }

    [Fact]
    public void QuestionNodes_DoNotCarryFooters()
    {
        using var fixture = new ContentFixture().Write("content/x.yaml", """
            flow: x
            topic: avr
            footer: [footer-a]
            nodes:
              - id: x-q
                kind: question
                text: { es: "¿Pregunta?", en: "Question?" }
                keywords: { es: [equis], en: [ex] }
                choices:
                  - label: { es: "Sí", en: "Yes" }
                    id: yes
                    goto: main-menu
                  - label: { es: "No", en: "No" }
                    id: no
                    goto: main-menu
            """);
        var content = fixture.Load().Content!;

        Assert.Equal("¿Pregunta?", ContentRenderer.Render(content, content.Nodes["x-q"], "es").Text);
    }
}
