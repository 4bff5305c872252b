using System.Net;
using Appliance.PacketFilter.Packets;
using Appliance.TestSupport;

namespace Appliance.PacketFilter.Tests.Packets;

public sealed class TransportPacketTests
{
    [Fact]
    public void IPv4_TCP_gives_the_flow_sequence_flags_and_payload()
    {
        var ip = PacketBuilder.Tcp("192.0.2.10", 40000, "203.0.113.5", 443, 12345, PacketBuilder.Ack | PacketBuilder.Psh, "hello"u8);

        Assert.True(TransportPacket.TryRead(ip, out var packet));
        Assert.Equal(IPAddress.Parse("192.0.2.10"), packet.Key.Client.ToIPAddress());
        Assert.Equal(40000, packet.Key.Client.Port);
        Assert.Equal(IPAddress.Parse("203.0.113.5"), packet.Key.Server.ToIPAddress());
        Assert.Equal(443, packet.Key.Server.Port);
        Assert.Equal(TransportPacket.Tcp, packet.Key.Protocol);
        Assert.Equal(12345u, packet.Sequence);
        Assert.False(packet.Has(TransportPacket.Syn));
        Assert.Equal("hello"u8.ToArray(), packet.Payload.ToArray());
    }

    [Fact]
    public void IPv6_UDP_behind_hop_by_hop_and_destination_options_is_read()
    {
        var udp = PacketBuilder.Udp("2001:db8::1", 50000, "2001:db8::2", 443, "quic"u8);
        var transport = udp.AsSpan(40).ToArray();
        // Hop-by-hop (next: destination options), then destination options (next: UDP), 8 bytes each.
        byte[] extensions = [60, 0, 1, 4, 0, 0, 0, 0, 17, 0, 1, 4, 0, 0, 0, 0];
        var ip = PacketBuilder.Ip("2001:db8::1", "2001:db8::2", 17, transport, extensions, firstExtension: 0);

        Assert.True(TransportPacket.TryRead(ip, out var packet));
        Assert.Equal(TransportPacket.Udp, packet.Key.Protocol);
        Assert.Equal(443, packet.Key.Server.Port);
        Assert.Equal("quic"u8.ToArray(), packet.Payload.ToArray());
    }

    [Fact]
    public void Fragments_and_other_protocols_are_not_read()
    {
        var tcp = PacketBuilder.Tcp("192.0.2.10", 40000, "203.0.113.5", 443, 1, PacketBuilder.Syn, []);
        var moreFragments = tcp.ToArray();
        moreFragments[6] = 0x20;
        Assert.False(TransportPacket.TryRead(moreFragments, out _));

        var icmp = PacketBuilder.Ip("192.0.2.10", "203.0.113.5", 1, new byte[8]);
        Assert.False(TransportPacket.TryRead(icmp, out _));

        byte[] fragmentHeader = [6, 0, 0, 0, 0, 0, 0, 1];
        var v6Fragment = PacketBuilder.Ip("2001:db8::1", "2001:db8::2", 6, new byte[20], fragmentHeader, firstExtension: 44);
        Assert.False(TransportPacket.TryRead(v6Fragment, out _));
    }

    [Fact]
    public void Every_truncation_and_every_corrupted_byte_is_refused_or_read_within_bounds()
    {
        var packets = new[]
        {
            PacketBuilder.Tcp("192.0.2.10", 40000, "203.0.113.5", 443, 7, PacketBuilder.Ack, "GET / HTTP/1.1\r\n"u8),
            PacketBuilder.Tcp("2001:db8::1", 40000, "2001:db8::2", 80, 7, PacketBuilder.Ack, "data"u8),
            PacketBuilder.Udp("192.0.2.10", 5000, "203.0.113.5", 443, new byte[30]),
        };
        var random = new Random(4);
        foreach (var ip in packets)
        {
            for (var n = 0; n < ip.Length; n++)
            {
                if (TransportPacket.TryRead(ip.AsSpan(0, n), out var cut))
                {
                    Assert.True(cut.Payload.Length <= n);
                }
            }

            for (var round = 0; round < 20_000; round++)
            {
                var mutated = ip.ToArray();
                mutated[random.Next(mutated.Length)] = (byte)random.Next(256);
                if (TransportPacket.TryRead(mutated, out var read))
                {
                    Assert.True(read.Payload.Length <= mutated.Length);
                }
            }
        }
    }
}
