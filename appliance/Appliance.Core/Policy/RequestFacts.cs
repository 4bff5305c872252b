using Appliance.Core.Identity;
using Appliance.Core.Net;

namespace Appliance.Core.Policy;

/// <summary>Where a request came in.</summary>
public enum RequestSource : byte
{
    DnsUdp = 0,
    DnsTcp = 1,
    TlsSni = 2,
    HttpHost = 3,
    QuicSni = 4,
}

/// <summary>
/// Everything the policy engine may look at for one request, borrowed from the packet buffer: the name is
/// the lower-cased, uncompressed wire form and must not be kept beyond the call.
/// </summary>
public readonly ref struct RequestFacts
{
    public RequestFacts(ReadOnlySpan<byte> wireName, ushort queryType, in ClientAddress client, RequestSource source, DateTimeOffset now,
        ClientIdentity identity = default)
    {
        Identity = identity;
        WireName = wireName;
        QueryType = queryType;
        Client = client;
        Source = source;
        Now = now;
    }

    public ReadOnlySpan<byte> WireName { get; }

    public ushort QueryType { get; }

    public ClientAddress Client { get; }

    public RequestSource Source { get; }

    public DateTimeOffset Now { get; }

    /// <summary>Who the client is, when an <see cref="IIdentityMap"/> knows (its group outranks the subnet's).</summary>
    public ClientIdentity Identity { get; }
}
