using Appliance.PacketFilter.Flows;
using Appliance.PacketFilter.Packets;
using Appliance.PacketFilter.Queue;

namespace Appliance.PacketFilter.Inspection;

public sealed partial class FlowInspector
{
    // Placeholder until the QUIC Initial reader lands: UDP flows are passed undecided.
    private static PacketVerdict InspectQuic(ref Flow flow, in TransportPacket packet) => PacketVerdict.Pass;
}
