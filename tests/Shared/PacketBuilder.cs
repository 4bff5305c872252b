using System.Buffers.Binary;
using System.Net;

namespace Appliance.TestSupport;

/// <summary>Builds IPv4/IPv6 TCP and UDP packets for tests (checksums left zero: nothing here checks them).</summary>
public static class PacketBuilder
{
    public const byte Syn = 0x02;
    public const byte Ack = 0x10;
    public const byte Psh = 0x08;

    public static byte[] Tcp(string source, ushort sourcePort, string destination, ushort destinationPort, uint sequence, byte flags, ReadOnlySpan<byte> payload)
    {
        var tcp = new byte[20 + payload.Length];
        BinaryPrimitives.WriteUInt16BigEndian(tcp, sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(tcp.AsSpan(2), destinationPort);
        BinaryPrimitives.WriteUInt32BigEndian(tcp.AsSpan(4), sequence);
        tcp[12] = 5 << 4;
        tcp[13] = flags;
        payload.CopyTo(tcp.AsSpan(20));
        return Ip(source, destination, 6, tcp);
    }

    public static byte[] Udp(string source, ushort sourcePort, string destination, ushort destinationPort, ReadOnlySpan<byte> payload)
    {
        var udp = new byte[8 + payload.Length];
        BinaryPrimitives.WriteUInt16BigEndian(udp, sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(udp.AsSpan(2), destinationPort);
        BinaryPrimitives.WriteUInt16BigEndian(udp.AsSpan(4), (ushort)udp.Length);
        payload.CopyTo(udp.AsSpan(8));
        return Ip(source, destination, 17, udp);
    }

    public static byte[] Ip(string source, string destination, byte protocol, ReadOnlySpan<byte> transport, ReadOnlySpan<byte> ipv6Extensions = default, byte firstExtension = 0)
    {
        var from = IPAddress.Parse(source).GetAddressBytes();
        var to = IPAddress.Parse(destination).GetAddressBytes();
        if (from.Length == 4)
        {
            var packet = new byte[20 + transport.Length];
            packet[0] = 0x45;
            BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), (ushort)packet.Length);
            packet[8] = 64;
            packet[9] = protocol;
            from.CopyTo(packet, 12);
            to.CopyTo(packet, 16);
            transport.CopyTo(packet.AsSpan(20));
            return packet;
        }

        var v6 = new byte[40 + ipv6Extensions.Length + transport.Length];
        v6[0] = 0x60;
        BinaryPrimitives.WriteUInt16BigEndian(v6.AsSpan(4), (ushort)(ipv6Extensions.Length + transport.Length));
        v6[6] = ipv6Extensions.IsEmpty ? protocol : firstExtension;
        v6[7] = 64;
        from.CopyTo(v6, 8);
        to.CopyTo(v6, 24);
        ipv6Extensions.CopyTo(v6.AsSpan(40));
        transport.CopyTo(v6.AsSpan(40 + ipv6Extensions.Length));
        return v6;
    }
}
