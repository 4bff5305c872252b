using System.Net;
using System.Net.Sockets;
using Appliance.PacketFilter.Capture;
using Appliance.TestSupport;
using PacketDotNet;
using SharpPcap;
using SharpPcap.LibPcap;

namespace Appliance.PacketFilter.Tests;

/// <summary>A real libpcap capture on the loopback interface (the tests run as root, as the service has CAP_NET_RAW).</summary>
public sealed class RecentPacketsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("capture-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task The_capture_keeps_DNS_and_ClientHellos_of_the_subnet_and_writes_the_window_as_a_pcap_file()
    {
        using var capture = RecentPackets.Start(new CaptureOptions("lo", [IPNetwork.Parse("127.0.0.0/8")]), TimeProvider.System);
        var from = DateTimeOffset.UtcNow;
        await Task.Delay(300);   // the capture thread is running

        // A DNS query (to a port nobody answers: the packet is what counts), noise on another port, and a TLS ClientHello.
        using (var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, System.Net.Sockets.ProtocolType.Udp))
        {
            byte[] query = [0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 8, .. "evidence"u8, 4, .. "test"u8, 0, 0, 1, 0, 1];
            await udp.SendToAsync(query, new IPEndPoint(IPAddress.Loopback, 53));
            await udp.SendToAsync("not dns"u8.ToArray(), new IPEndPoint(IPAddress.Loopback, 9_999));
        }

        var listener = new TcpListener(IPAddress.Loopback, 443);
        listener.Start();
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, 443);
            using var accepted = await listener.AcceptTcpClientAsync();
            byte[] hello = [0x16, 0x03, 0x01, 0x00, 0x05, 0x01, 0x00, 0x00, 0x01, 0x00];   // a handshake record: ClientHello
            await client.GetStream().WriteAsync(hello);
            await client.GetStream().WriteAsync("GET / HTTP/1.1\r\n"u8.ToArray());        // later data on the flow: not kept
            await Task.Delay(300);
        }
        finally
        {
            listener.Stop();
        }

        await Eventually.True(() => capture.Seen >= 2, TimeSpan.FromSeconds(5), () => $"seen {capture.Seen}");
        var written = capture.Write(Path.Combine(_dir, "incident-1.pcap"), from, DateTimeOffset.UtcNow);
        Assert.Equal(2, written.Packets);
        Assert.Equal(64, written.Sha256.Length);

        // Read it back with libpcap: the DNS question and the ClientHello, nothing else.
        var payloads = new List<(string Kind, byte[] Payload)>();
        using (var reader = new CaptureFileReaderDevice(written.Path))
        {
            reader.Open();
            while (reader.GetNextPacket(out var e) == GetPacketStatus.PacketRead)
            {
                var packet = Packet.ParsePacket(e.GetPacket().LinkLayerType, e.GetPacket().Data);
                if (packet.Extract<UdpPacket>() is { } u)
                {
                    payloads.Add(($"udp {u.DestinationPort}", u.PayloadData));
                }
                else if (packet.Extract<TcpPacket>() is { } t)
                {
                    payloads.Add(($"tcp {t.DestinationPort}", t.PayloadData));
                }
            }
        }

        Assert.Equal(["udp 53", "tcp 443"], payloads.Select(p => p.Kind));
        Assert.Equal("evidence"u8.ToArray(), payloads[0].Payload[13..21]);   // the question's first label
        Assert.Equal(0x16, payloads[1].Payload[0]);
    }

    [Fact]
    public void The_filter_names_the_subnets_and_a_missing_interface_is_a_clear_error()
    {
        Assert.EndsWith(" and (net 10.1.4.0/24 or net 2001:db8::/64)", RecentPackets.Filter([IPNetwork.Parse("10.1.4.0/24"), IPNetwork.Parse("2001:db8::/64")]),
            StringComparison.Ordinal);
        var ex = Assert.Throws<CaptureException>(() => RecentPackets.Start(new CaptureOptions("no-such-nic0", []), TimeProvider.System));
        Assert.Equal("panel.capture.interface: there is no interface 'no-such-nic0' to capture on", ex.Message);
    }
}
