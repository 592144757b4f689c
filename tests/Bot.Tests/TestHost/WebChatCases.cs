using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using OimBot.Bot.Handoff;

namespace OimBot.Bot.Tests.TestHost;

/// <summary>A migrant on the web chat who asks for a person and says yes: the case the inbox tests work on.</summary>
public static class WebChatCases
{
    /// <param name="then">What the migrant writes after the case opened (goes to the transcript); none when null.</param>
    /// <param name="before">Menu choices made before asking for a person (the pages the caseworker sees it opened).</param>
    public static async Task<(string Conversation, string Reference)> OpenAsync(BotFactory factory, string? then = null, params string[] before)
    {
        ArgumentNullException.ThrowIfNull(factory);
        using var client = factory.CreateClient();
        var id = Guid.NewGuid().ToString("N");
        foreach (var message in (string[])["hola", "1", .. before, "humano", "1", .. then is null ? (string[])[] : [then]])
        {
            (await client.PostAsJsonAsync("/api/webchat/messages", new { conversationId = id, text = message })).EnsureSuccessStatusCode();
        }

        var queue = await factory.Services.GetRequiredService<HandoffService>().QueueAsync(CancellationToken.None);
        return (id, queue.OrderByDescending(c => c.CreatedAt).First(c => c.Status == CaseStatus.Waiting).Reference);
    }
}
