using System.Net;
using Microsoft.AspNetCore.HttpOverrides;

namespace OimBot.Bot.Operations;

/// <summary>
/// Behind a reverse proxy (nginx, a load balancer) that terminates HTTPS: the proxy's addresses are listed in
/// Proxy:KnownProxies (addresses) or Proxy:KnownNetworks (CIDR), and only then are its X-Forwarded-For and
/// X-Forwarded-Proto believed. The client address (rate limits, sign-in throttle) and the scheme (Secure cookies) then
/// come from the proxy; anyone else's forwarded headers are ignored.
/// </summary>
public sealed class ProxyOptions
{
    public const string Section = "Proxy";

    public string[] KnownProxies { get; set; } = [];

    public string[] KnownNetworks { get; set; } = [];

    public bool Any => KnownProxies.Length > 0 || KnownNetworks.Length > 0;
}

public static class ProxySetup
{
    public static IHostApplicationBuilder AddTrustedProxies(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var proxy = builder.Configuration.GetSection(ProxyOptions.Section).Get<ProxyOptions>() ?? new ProxyOptions();
        builder.Services.Configure<ForwardedHeadersOptions>(options =>
        {
            options.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            options.ForwardLimit = 1;
            options.KnownProxies.Clear();
            options.KnownIPNetworks.Clear();
            foreach (var address in proxy.KnownProxies)
            {
                options.KnownProxies.Add(IPAddress.TryParse(address.Trim(), out var ip) ? ip : throw new InvalidOperationException($"Proxy:KnownProxies: '{address}' is not an IP address."));
            }

            foreach (var network in proxy.KnownNetworks)
            {
                options.KnownIPNetworks.Add(System.Net.IPNetwork.TryParse(network.Trim(), out var parsed) ? parsed : throw new InvalidOperationException($"Proxy:KnownNetworks: '{network}' is not a CIDR network such as 10.0.0.0/8."));
            }
        });
        return builder;
    }

    /// <summary>First in the pipeline, so every later step sees the client and the scheme the proxy saw.</summary>
    public static WebApplication UseTrustedProxies(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var proxy = app.Configuration.GetSection(ProxyOptions.Section).Get<ProxyOptions>() ?? new ProxyOptions();
        if (proxy.Any)
        {
            app.UseForwardedHeaders();
        }

        return app;
    }
}
