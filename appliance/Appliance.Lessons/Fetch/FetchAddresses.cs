using System.Net;
using System.Net.Sockets;

namespace Appliance.Lessons.Fetch;

/// <summary>
/// Which addresses the pre-fetch may connect to. A lesson site is a teacher's URL, and a site's redirects and assets
/// are the site's choice: without a guard the box would fetch, and serve on its open mirror, whatever a name points
/// at — its own web UI and health report on loopback, an access point's admin page on the LAN, a cloud metadata
/// address (server-side request forgery). The guard checks the addresses a name resolves to, at connect time, so a
/// redirect or an asset cannot get round it either.
/// </summary>
public enum FetchAddresses
{
    /// <summary>Public addresses only (the default).</summary>
    Public,

    /// <summary>Also private ranges (RFC 1918, RFC 6598 CGNAT, IPv6 ULA): a school intranet or VLE on the LAN.</summary>
    Private,

    /// <summary>Anything, loopback and link-local included: for tests and labs only.</summary>
    Any,
}

/// <summary>The connect-time guard for <see cref="FetchAddresses"/>.</summary>
public static class FetchAddressGuard
{
    /// <summary>Whether the pre-fetch may connect to <paramref name="address"/> under <paramref name="mode"/>.</summary>
    public static bool Allows(IPAddress address, FetchAddresses mode)
    {
        if (mode == FetchAddresses.Any)
        {
            return true;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        return Kind(address) switch
        {
            AddressKind.Public => true,
            AddressKind.Private => mode == FetchAddresses.Private,
            _ => false,
        };
    }

    /// <summary>
    /// A <see cref="SocketsHttpHandler.ConnectCallback"/> that resolves the name, keeps the addresses
    /// <paramref name="mode"/> allows, and connects to them; a name with none left fails with the addresses it had.
    /// </summary>
    public static Func<SocketsHttpConnectionContext, CancellationToken, ValueTask<Stream>> Connect(FetchAddresses mode) => async (context, cancel) =>
    {
        var host = context.DnsEndPoint.Host;
        var addresses = IPAddress.TryParse(host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, cancel).ConfigureAwait(false);
        var allowed = addresses.Where(a => Allows(a, mode) && (mode == FetchAddresses.Any || !IsOwn(a))).ToArray();
        if (allowed.Length == 0)
        {
            throw new HttpRequestException(HttpRequestError.ConnectionError,
                $"{host} is at {string.Join(", ", addresses.Select(a => a.ToString()))}: the box does not fetch from local, link-local or private addresses, or its own");
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(allowed, context.DnsEndPoint.Port, cancel).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    };

    // The box's own addresses (its WAN address is public, and the web UI may listen on all of them).
    private static bool IsOwn(IPAddress address)
    {
        var plain = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        return System.Net.NetworkInformation.NetworkInterface.GetAllNetworkInterfaces()
            .SelectMany(i => i.GetIPProperties().UnicastAddresses)
            .Any(u => u.Address.Equals(plain));
    }

    private enum AddressKind
    {
        Public,
        Private,
        Local,
    }

    private static AddressKind Kind(IPAddress address)
    {
        if (IPAddress.IsLoopback(address) || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any) || address.Equals(IPAddress.Broadcast))
        {
            return AddressKind.Local;
        }

        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            Span<byte> b = stackalloc byte[4];
            address.TryWriteBytes(b, out _);
            return b[0] switch
            {
                0 or >= 224 => AddressKind.Local,                                   // "this network", multicast, reserved
                169 when b[1] == 254 => AddressKind.Local,                           // link-local, cloud metadata (RFC 3927)
                192 when b[1] == 0 && b[2] is 0 or 2 => AddressKind.Local,            // IETF assignments, TEST-NET-1 (RFC 6890, 5737)
                198 when b[1] is 18 or 19 => AddressKind.Local,                      // benchmarking (RFC 2544)
                198 when b[1] == 51 && b[2] == 100 => AddressKind.Local,             // TEST-NET-2
                203 when b[1] == 0 && b[2] == 113 => AddressKind.Local,              // TEST-NET-3
                10 => AddressKind.Private,                                           // RFC 1918
                172 when b[1] is >= 16 and <= 31 => AddressKind.Private,
                192 when b[1] == 168 => AddressKind.Private,
                100 when b[1] is >= 64 and <= 127 => AddressKind.Private,            // RFC 6598 shared address space
                _ => AddressKind.Public,
            };
        }

        if (address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6Multicast)
        {
            return AddressKind.Local;
        }

        Span<byte> v6 = stackalloc byte[16];
        address.TryWriteBytes(v6, out _);
        if (v6[0] == 0x20 && v6[1] == 0x01 && v6[2] == 0x0d && v6[3] == 0xb8)
        {
            return AddressKind.Local;   // documentation (RFC 3849)
        }

        return (v6[0] & 0xfe) == 0xfc ? AddressKind.Private : AddressKind.Public;   // RFC 4193 unique local
    }
}
