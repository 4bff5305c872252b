using Appliance.Core.Events;
using Appliance.Core.Policy;
using Appliance.PacketFilter.Inspection;
using Appliance.TestSupport;

namespace Appliance.PacketFilter.Tests.Inspection;

/// <summary>
/// Hostile packet streams into one inspector: mutated, truncated and reordered segments of real hellos and requests,
/// garbage, QUIC-looking datagrams. Nothing may throw, every verdict is one of the four, and the table stays bounded.
/// </summary>
public sealed class FlowInspectorFuzzTests
{
    [Fact]
    public void Hostile_packets_never_throw_and_leave_the_table_bounded()
    {
        var random = new Random(606);
        var events = new EventRing<QueryEvent>(256);
        var inspector = new FlowInspector(new PolicyEngine(), null, events, TimeProvider.System, new InspectionOptions { FlowCapacity = 64, MaxPackets = 6 });
        byte[][] seeds =
        [
            Hellos.Stream("www.example.test", recordSize: 9),
            Hellos.Stream("a.b.c.example", padding: 300),
            "GET / HTTP/1.1\r\nHost: x.example\r\n\r\n"u8.ToArray(),
            InitialPackets.ProtectPadded(1, [1, 2, 3, 4], InitialPackets.Crypto(0, Hellos.Message("q.example"))),
        ];

        for (var round = 0; round < 100_000; round++)
        {
            var seed = seeds[random.Next(seeds.Length)];
            var start = random.Next(seed.Length);
            var piece = seed.AsSpan(start, random.Next(seed.Length - start + 1)).ToArray();
            for (var m = random.Next(4); m > 0 && piece.Length > 0; m--)
            {
                piece[random.Next(piece.Length)] = (byte)random.Next(256);
            }

            var port = (ushort)(1000 + random.Next(100));   // few ports: flows are revisited, restarted and evicted
            var flags = (byte)random.Next(256);
            var packet = random.Next(4) == 0
                ? PacketBuilder.Udp("192.0.2.1", port, "203.0.113.1", 443, piece)
                : PacketBuilder.Tcp("192.0.2.1", port, "203.0.113.1", 443, (uint)(1000 + start + random.Next(-3, 4)), flags, piece);
            if (random.Next(10) == 0)
            {
                packet = packet.AsSpan(0, random.Next(packet.Length)).ToArray();   // cut inside the headers
            }

            var verdict = inspector.Inspect(packet);
            Assert.True(Enum.IsDefined(verdict), $"round {round}: {verdict}");
            while (events.TryRead(out var e))
            {
                Assert.True(e.WireName.Length <= 255);
            }
        }

        Assert.True(inspector.FlowTableState.Held <= 64);
        Assert.True(inspector.Counters.Flows > 0);
    }
}
