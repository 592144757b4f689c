using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using OimBot.Bot.Tests.TestHost;

namespace OimBot.Bot.Tests.Channels;

/// <summary>
/// The channels' endpoints run as soon as routing matched them (ShortCircuit, issue 15): the staff's cookie
/// authentication, authorization and password check are not theirs. The staff's endpoints keep all of it.
/// </summary>
public sealed class EndpointPipelineTests
{
    private static Dictionary<string, List<Endpoint>> EndpointsByRoute(BotFactory factory)
    {
        _ = factory.Server; // builds the app
        return factory.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .GroupBy(e => "/" + e.RoutePattern.RawText!.TrimStart('/'))
            .ToDictionary(g => g.Key, g => g.ToList<Endpoint>(), StringComparer.Ordinal);
    }

    private static bool ShortCircuits(Endpoint endpoint) =>
        endpoint.Metadata.Any(m => m.GetType().Name == "ShortCircuitMetadata");

    [Theory]
    [InlineData("/webhooks/telegram", 1)]
    [InlineData("/webhooks/whatsapp", 2)] // the verify handshake (GET) and the messages (POST)
    [InlineData("/webhooks/twilio", 1)]
    [InlineData("/api/webchat/messages", 2)] // a message (POST) and the replies waiting (GET)
    public async Task AChannelsEndpoint_RunsAsSoonAsRouted_AndRequiresNoAuthorization(string route, int count)
    {
        await using var factory = new BotFactory();
        var endpoints = EndpointsByRoute(factory)[route];
        Assert.Equal(count, endpoints.Count);
        Assert.All(endpoints, e => Assert.True(ShortCircuits(e), $"{route} ({e.DisplayName}) goes through the staff's middleware"));
        Assert.All(endpoints, e => Assert.Null(e.Metadata.GetMetadata<IAuthorizeData>()));
    }

    [Fact]
    public async Task TheStaffsEndpoints_GoThroughAuthentication()
    {
        await using var factory = new BotFactory();
        var staff = EndpointsByRoute(factory)
            .Where(r => r.Key.StartsWith("/inbox", StringComparison.OrdinalIgnoreCase) || r.Key.StartsWith("/api/analytics", StringComparison.Ordinal) || r.Key == "/metrics")
            .SelectMany(r => r.Value)
            .ToList();
        Assert.True(staff.Count > 10, $"only {staff.Count} staff endpoints found");
        Assert.All(staff, e => Assert.False(ShortCircuits(e), $"{e.DisplayName} skips the staff's middleware"));
        Assert.Contains(staff, e => e.Metadata.GetMetadata<IAuthorizeData>() is not null);
    }

    [Fact]
    public async Task AnEndpointRequiringAuthorization_CannotBeShortCircuited()
    {
        // What the README's decision relies on: marking a staff endpoint ShortCircuit by mistake fails at its first
        // request instead of serving it unauthenticated. The same order of middleware as the service's.
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme).AddCookie();
        builder.Services.AddAuthorization();
        await using var app = builder.Build();
        app.UseRouting();
        app.UseAuthentication();
        app.UseAuthorization();
        var served = 0;
        app.MapGet("/staff", () => ++served).RequireAuthorization().ShortCircuit();
        await app.StartAsync();
        using var client = app.GetTestClient();

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => client.GetAsync(new Uri("/staff", UriKind.Relative)));
        Assert.Contains("authorization", refused.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(0, served);
    }
}
