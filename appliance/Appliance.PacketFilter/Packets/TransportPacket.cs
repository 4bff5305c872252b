using System.Buffers.Binary;
using Appliance.Core.Net;

namespace Appliance.PacketFilter.Packets;

/// <summary>Which end of a flow a packet comes from and goes to, with the transport protocol (IANA numbers: 6 TCP, 17 UDP).</summary>
public readonly record struct FlowKey(ClientAddress Client, ClientAddress Server, byte Protocol);

/// <summary>
/// The IP and TCP/UDP headers of a queued packet, read in place (RFC 791, RFC 8200 with its extension headers,
/// RFC 9293 §3.1, RFC 768). Only what the filter needs: the flow, TCP's sequence number and flags, and the payload.
/// Fragments are not inspected: a non-first fragment has no transport header, and the ruleset queues only the
/// first packets of TCP flows, which are never fragmented in practice.
/// </summary>
public readonly ref struct TransportPacket
{
    public const byte Tcp = 6;
    public const byte Udp = 17;

    public const byte Fin = 0x01;
    public const byte Syn = 0x02;
    public const byte Rst = 0x04;
    public const byte Ack = 0x10;

    private TransportPacket(FlowKey key, uint sequence, byte flags, ReadOnlySpan<byte> payload)
    {
        Key = key;
        Sequence = sequence;
        Flags = flags;
        Payload = payload;
    }

    /// <summary>The flow, as seen from the client (the sender of a queued packet, since only original-direction packets are queued).</summary>
    public FlowKey Key { get; }

    /// <summary>TCP's sequence number; 0 for UDP.</summary>
    public uint Sequence { get; }

    /// <summary>TCP's flags (FIN, SYN, RST, …); 0 for UDP.</summary>
    public byte Flags { get; }

    /// <summary>The transport payload (as much as was copied to us).</summary>
    public ReadOnlySpan<byte> Payload { get; }

    public bool Has(byte flag) => (Flags & flag) != 0;

    /// <summary>False for anything not a complete IPv4/IPv6 TCP or UDP header (fragments, other protocols, truncation).</summary>
    public static bool TryRead(ReadOnlySpan<byte> ip, out TransportPacket packet)
    {
        packet = default;
        if (ip.IsEmpty)
        {
            return false;
        }

        ReadOnlySpan<byte> source, destination;
        byte protocol;
        int offset;
        switch (ip[0] >> 4)
        {
            case 4:
                offset = (ip[0] & 0x0f) * 4;
                if (offset < 20 || ip.Length < offset || (BinaryPrimitives.ReadUInt16BigEndian(ip[6..]) & 0x3fff) != 0)
                {
                    return false;   // short, or a fragment (MF set or an offset)
                }

                protocol = ip[9];
                source = ip.Slice(12, 4);
                destination = ip.Slice(16, 4);
                ip = ip[..Math.Min(ip.Length, Math.Max(offset, (int)BinaryPrimitives.ReadUInt16BigEndian(ip[2..])))];
                break;
            case 6:
                if (ip.Length < 40 || !TrySkipExtensions(ip, out protocol, out offset))
                {
                    return false;
                }

                source = ip.Slice(8, 16);
                destination = ip.Slice(24, 16);
                break;
            default:
                return false;
        }

        if (offset > ip.Length)
        {
            return false;
        }

        var transport = ip[offset..];
        if (protocol == Tcp && transport.Length >= 20)
        {
            var dataOffset = (transport[12] >> 4) * 4;
            if (dataOffset < 20 || dataOffset > transport.Length)
            {
                return false;
            }

            packet = new TransportPacket(MakeKey(source, destination, transport, Tcp), BinaryPrimitives.ReadUInt32BigEndian(transport[4..]),
                transport[13], transport[dataOffset..]);
            return true;
        }

        if (protocol == Udp && transport.Length >= 8)
        {
            var length = BinaryPrimitives.ReadUInt16BigEndian(transport[4..]);
            var end = length >= 8 && length <= transport.Length ? length : transport.Length;
            packet = new TransportPacket(MakeKey(source, destination, transport, Udp), 0, 0, transport[8..end]);
            return true;
        }

        return false;
    }

    private static FlowKey MakeKey(ReadOnlySpan<byte> source, ReadOnlySpan<byte> destination, ReadOnlySpan<byte> transport, byte protocol) => new(
        ClientAddress.FromBytes(source, BinaryPrimitives.ReadUInt16BigEndian(transport)),
        ClientAddress.FromBytes(destination, BinaryPrimitives.ReadUInt16BigEndian(transport[2..])),
        protocol);

    // RFC 8200 §4: hop-by-hop (0), routing (43) and destination options (60) are skipped; a fragment header (44) means
    // a fragment, which we do not inspect. No count limit: each header moves on by at least 8 bytes, so the packet's
    // length bounds the walk, and a limit would only give a client a way to make its packets unreadable.
    private static bool TrySkipExtensions(ReadOnlySpan<byte> ip, out byte protocol, out int offset)
    {
        protocol = ip[6];
        offset = 40;
        while (protocol is 0 or 43 or 60)
        {
            if (ip.Length < offset + 8)
            {
                return false;
            }

            protocol = ip[offset];
            offset += (ip[offset + 1] + 1) * 8;
        }

        return protocol != 44;
    }
}
