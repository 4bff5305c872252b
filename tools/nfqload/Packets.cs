using System.Buffers.Binary;
using Appliance.TestSupport;

namespace NfqLoad;

/// <summary>
/// SYN + ClientHello pairs for ever-new flows: one template each, with the source address and port rewritten per flow
/// (raw IPv4 with IP_HDRINCL; the kernel fills the IP checksum; nobody checks TCP's before the queue).
/// </summary>
internal sealed class Packets
{
    private readonly byte[] _syn = PacketBuilder.Tcp(Load.Local, 1, Load.Remote, 443, 1000, PacketBuilder.Syn, []);
    private readonly byte[] _allowed = PacketBuilder.Tcp(Load.Local, 1, Load.Remote, 443, 1001, PacketBuilder.Ack, Hellos.Stream("lesson.example"));
    private readonly byte[] _blocked = PacketBuilder.Tcp(Load.Local, 1, Load.Remote, 443, 1001, PacketBuilder.Ack, Hellos.Stream("www.games.example"));
    private long _sent;

    /// <summary>The next packet: flow n's SYN, then its ClientHello (every other flow names a blocked site).</summary>
    public byte[] Next()
    {
        var n = _sent++;
        var flow = n >> 1;
        var packet = (n & 1) == 0 ? _syn : (flow & 1) == 0 ? _allowed : _blocked;
        packet[15] = (byte)(2 + ((flow >> 16) % 250));                                  // source 198.51.100.2-251
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(20), (ushort)(1024 + (flow % 64_000)));
        return packet;
    }
}
