using Appliance.Core.Policy;
using Appliance.PacketFilter.Packets;
using Appliance.Protocols;
using Appliance.Protocols.Dns;

namespace Appliance.PacketFilter.Inspection;

public sealed partial class FlowInspector
{
    /// <summary>
    /// Monitor mode's passive DNS: a DNS answer seen on the mirror port (from port 53 to a client) is logged with what
    /// the policy would have done to that client's question. Nothing is answered or changed.
    /// </summary>
    /// <returns>False when the packet is not a readable DNS response.</returns>
    public bool ObserveDnsAnswer(ReadOnlySpan<byte> ip)
    {
        if (!TransportPacket.TryRead(ip, out var packet) || packet.Key.Protocol != TransportPacket.Udp || packet.Key.Client.Port != 53)
        {
            return false;
        }

        var reader = new DnsMessageReader(packet.Payload);
        if (reader.ReadHeader(out var header) != ParseStatus.Ok || !header.IsResponse || header.QuestionCount != 1
            || reader.ReadQuestion(out var question) != ParseStatus.Ok
            || DnsName.TryExpand(packet.Payload, question.NameOffset, _wireName, out _, out var written) != ParseStatus.Ok)
        {
            return false;
        }

        var name = _wireName.AsSpan(0, written);
        DnsName.ToLowerInPlace(name);
        var client = packet.Key.Server;   // the answer travels from the resolver to the client
        _identities.TryResolve(client, out var identity);
        var verdict = _policy.Decide(new RequestFacts(name, question.Type, client, RequestSource.DnsUdp, _time.GetUtcNow(), identity));
        var e = NewEvent(client, verdict, verdict.IsBlocked, verdict.Group, RequestSource.DnsUdp, name);
        e.QueryType = question.Type;
        e.Rcode = (byte)header.Rcode;
        _events?.TryWrite(e);
        return true;
    }
}
