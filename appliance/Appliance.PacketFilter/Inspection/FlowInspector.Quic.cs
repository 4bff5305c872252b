using Appliance.Core.Policy;
using Appliance.PacketFilter.Flows;
using Appliance.PacketFilter.Packets;
using Appliance.PacketFilter.Queue;
using Appliance.Protocols;
using Appliance.Protocols.Quic;

namespace Appliance.PacketFilter.Inspection;

public sealed partial class FlowInspector
{
    private static readonly Verdict QuicUnreadable = new(VerdictAction.Block, ReasonCode.PacketQuicUnreadable);

    /// <summary>
    /// "Allow QUIC but filter it" (and monitor mode): the client's Initial packets are opened with the keys anyone can
    /// derive from the connection ID (RFC 9001 §5.2) and their CRYPTO frames put back together, so the ClientHello's
    /// SNI is judged as a TCP flow's would be. A blocked or unreadable QUIC flow is refused (ICMP port unreachable from
    /// the ruleset): the browser then falls back to TCP, where the name is visible (packet-path.md §2.3). A second
    /// QUIC connection on a 5-tuple already allowed is not seen: the connection mark lets the flow bypass the queue. Creating a decoder allocates (keys and
    /// cipher objects, about 1 KB); that is once per QUIC connection attempt, not per packet.
    /// </summary>
    private PacketVerdict InspectQuic(ref Flow flow, in TransportPacket packet)
    {
        if (flow.Quic is not QuicInitialDecoder decoder)
        {
            if (QuicInitialReader.TryReadHeader(packet.Payload, out var header) != ParseStatus.Ok || !header.IsInitial)
            {
                return Settle(ref flow, QuicUnreadable, RequestSource.QuicSni);
            }

            decoder = new QuicInitialDecoder(header.Version, header.DestinationConnectionId);
            flow.Quic = decoder;
        }

        if (decoder.Add(packet.Payload) == ParseStatus.Malformed)
        {
            return Settle(ref flow, QuicUnreadable, RequestSource.QuicSni);
        }

        return decoder.TryGetClientHello(out var hello) switch
        {
            ParseStatus.Ok when hello.HasServerName && !Protocols.Dns.DnsName.IsIpLiteral(hello.ServerName)
                => JudgeName(ref flow, hello.ServerName, RequestSource.QuicSni),
            ParseStatus.Ok => Settle(ref flow, Unnamed(), RequestSource.QuicSni),
            ParseStatus.NeedMoreData when flow.Packets < _options.MaxPackets => PacketVerdict.Pass,
            _ => Settle(ref flow, QuicUnreadable, RequestSource.QuicSni),
        };
    }
}
