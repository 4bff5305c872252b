using System.Net;
using System.Net.NetworkInformation;

namespace Appliance.Host.Configuration;

/// <summary>Whether an upstream resolver is this box's own DNS listener, so forwarding to it would loop.</summary>
internal static class SelfEndPoints
{
    /// <param name="upstream">A resolver from resolv.conf.</param>
    /// <param name="listen">Where the resolver listens.</param>
    /// <param name="localAddresses">The machine's addresses (<see cref="LocalAddresses"/>), read only if a wildcard listener needs them.</param>
    public static bool IsOwn(IPEndPoint upstream, IReadOnlyList<IPEndPoint> listen, Lazy<IReadOnlySet<IPAddress>> localAddresses)
    {
        var address = upstream.Address.IsIPv4MappedToIPv6 ? upstream.Address.MapToIPv4() : upstream.Address;
        address = Unscoped(address);
        var unspecified = address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any);   // Linux delivers these locally
        foreach (var endpoint in listen.Where(e => e.Port == upstream.Port))
        {
            if (endpoint.Address.Equals(address))
            {
                return true;
            }

            var wildcard = endpoint.Address.Equals(IPAddress.Any) || endpoint.Address.Equals(IPAddress.IPv6Any);
            if (wildcard && (unspecified || IPAddress.IsLoopback(address) || localAddresses.Value.Contains(address)))
            {
                return true;
            }
        }

        return false;
    }

    // fe80::1%eth0 and fe80::1 are the same address for this purpose (IPAddress.Equals compares the scope too).
    private static IPAddress Unscoped(IPAddress address) =>
        address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 && address.ScopeId != 0 ? new IPAddress(address.GetAddressBytes()) : address;

    /// <summary>Every interface's unicast addresses, read now.</summary>
    public static IReadOnlySet<IPAddress> LocalAddresses()
    {
        var result = new HashSet<IPAddress>();
        try
        {
            foreach (var nic in NetworkInterface.GetAllNetworkInterfaces())
            {
                result.UnionWith(nic.GetIPProperties().UnicastAddresses.Select(a => Unscoped(a.Address)));
            }
        }
        catch (NetworkInformationException)
        {
            // Unreadable interfaces: only loopback and the listen addresses count as our own.
        }

        return result;
    }
}
