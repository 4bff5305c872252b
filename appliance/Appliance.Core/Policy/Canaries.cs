using Appliance.Protocols.Dns;

namespace Appliance.Core.Policy;

/// <summary>
/// Names that clients ask to decide whether to bypass the school's resolver, answered so that they do not
/// (packet-path.md §3.4; Pi-hole and AdGuard Home answer them the same way):
/// <list type="bullet">
/// <item><c>use-application-dns.net</c> NXDOMAIN: Firefox then keeps its own DNS-over-HTTPS off.</item>
/// <item><c>mask.icloud.com</c>, <c>mask-h2.icloud.com</c> NXDOMAIN: Apple devices then keep iCloud Private
/// Relay off on this network.</item>
/// <item><c>_dns.resolver.arpa</c> NODATA: Discovery of Designated Resolvers (RFC 9462) finds no encrypted
/// resolver to upgrade to.</item>
/// </list>
/// Matched exactly, on the lower-cased wire name; allocation-free.
/// </summary>
public static class Canaries
{
    private static readonly (byte[] Name, VerdictAction Action)[] Entries =
    [
        (DnsName.Encode("use-application-dns.net"), VerdictAction.NxDomain),
        (DnsName.Encode("mask.icloud.com"), VerdictAction.NxDomain),
        (DnsName.Encode("mask-h2.icloud.com"), VerdictAction.NxDomain),
        (DnsName.Encode("_dns.resolver.arpa"), VerdictAction.NoData),
    ];

    private static readonly int ShortestName = Entries.Min(e => e.Name.Length);

    public static bool TryMatch(ReadOnlySpan<byte> lowerWireName, out VerdictAction action)
    {
        if (lowerWireName.Length >= ShortestName)
        {
            foreach (var (name, a) in Entries)
            {
                if (lowerWireName.SequenceEqual(name))
                {
                    action = a;
                    return true;
                }
            }
        }

        action = VerdictAction.Allow;
        return false;
    }
}
