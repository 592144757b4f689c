using System.Net;

namespace OimBot.Bot.Operations;

/// <summary>Who is asking, for rate limits: never logged, never stored.</summary>
public static class ClientAddress
{
    /// <summary>
    /// The client's address: the connection's, or the one a trusted proxy forwarded (Proxy:KnownProxies). An IPv6
    /// client is its /64, since providers hand each household a whole /64.
    /// </summary>
    public static string Of(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var address = context.Connection.RemoteIpAddress;
        if (address is null)
        {
            return "unknown";
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6)
        {
            var bytes = address.GetAddressBytes();
            Array.Clear(bytes, 8, 8);
            return new IPAddress(bytes).ToString();
        }

        return address.ToString();
    }
}
