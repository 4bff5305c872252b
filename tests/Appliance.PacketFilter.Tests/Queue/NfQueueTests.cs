using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Appliance.PacketFilter.Queue;
using Appliance.TestSupport;

namespace Appliance.PacketFilter.Tests.Queue;

/// <summary>
/// The verdict loop against the real kernel queue, in a network namespace of the test's own: loopback TCP to two
/// ports is queued, one port's packets are allowed and the other's blocked through NF_REPEAT + mark into a reset rule.
/// </summary>
public sealed class NfQueueTests : IDisposable
{
    private const int AllowedPort = 7000;
    private const int BlockedPort = 7001;
    private const int ThrowingPort = 7002;
    private readonly NetworkNamespace _ns = NetworkNamespace.Create("nfq");

    public void Dispose() => _ns.Dispose();

    [Fact]
    public async Task Allowed_packets_pass_with_the_decided_mark_and_blocked_ones_meet_the_reset_rule()
    {
        // The school's own mark bit is set first (mangle OUTPUT runs before filter OUTPUT). Then the block mark's rule (a
        // repeated packet re-enters the chain), then the queue; no --queue-bypass, so nothing passes unjudged. A rule in
        // mangle POSTROUTING counts allowed packets that carry both our Decided bit and the school's bit.
        _ns.Exec("iptables", "-t", "mangle", "-A", "OUTPUT", "-p", "tcp", "-j", "MARK", "--set-xmark", "0x1/0x1");
        _ns.Exec("iptables", "-A", "OUTPUT", "-p", "tcp", "-m", "mark", "--mark", "0x20000000/0x20000000", "-j", "REJECT", "--reject-with", "tcp-reset");
        _ns.Exec("iptables", "-A", "OUTPUT", "-p", "tcp", "--dport", $"{AllowedPort}:{ThrowingPort}", "-j", "NFQUEUE", "--queue-num", "3");
        _ns.Exec("iptables", "-t", "mangle", "-A", "POSTROUTING", "-p", "tcp", "--dport", $"{AllowedPort}", "-m", "mark", "--mark", "0x40000001/0x40000001");

        using var queue = _ns.Enter(() => NfQueue.Open(new NfQueueOptions { Queue = 3 }));
        var judge = new PortJudge();
        using var stop = new CancellationTokenSource();
        var loop = Task.Run(() => queue.RunAsync(judge, stop.Token));

        var (allowedListener, blockedListener) = _ns.Enter(() => (Listen(AllowedPort), Listen(BlockedPort)));
        using (allowedListener)
        using (blockedListener)
        {
            var allowed = _ns.Enter(() => Connect(AllowedPort));
            Assert.Null(allowed);
            var blocked = _ns.Enter(() => Connect(BlockedPort));
            Assert.Equal(SocketError.ConnectionRefused, blocked);   // the reset rule answered the repeated SYN

            // A judge that throws: the packet gets the failure verdict (Block by default), and the loop carries on.
            using var throwingListener = _ns.Enter(() => Listen(ThrowingPort));
            Assert.Equal(SocketError.ConnectionRefused, _ns.Enter(() => Connect(ThrowingPort)));
            Assert.Null(_ns.Enter(() => Connect(AllowedPort)));
        }

        await stop.CancelAsync();
        await loop;
        Assert.True(queue.Counters.Allowed >= 3, $"allowed {queue.Counters.Allowed}");   // SYN, ACK, data at least
        Assert.True(queue.Counters.Blocked >= 1, $"blocked {queue.Counters.Blocked}");
        Assert.Equal(0, queue.Counters.Unreadable);
        Assert.Equal(0, queue.Counters.KernelErrors);
        Assert.True(queue.Counters.JudgeFailures >= 1);
        Assert.Contains("thrown on purpose", queue.Counters.LastFailure, StringComparison.Ordinal);
        Assert.Contains(judge.Seen, p => p == AllowedPort);
        var counted = _ns.Exec("iptables", "-t", "mangle", "-L", "POSTROUTING", "-v", "-x", "-n").Split('\n').Single(l => l.Contains("mark match", StringComparison.Ordinal));
        var marked = long.Parse(counted.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0], System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(marked == queue.Counters.Allowed, $"{marked} packets left with Decided and the school's bit, {queue.Counters.Allowed} allowed: {counted}");
    }

    [Fact]
    public void A_second_listener_on_a_taken_queue_is_refused_by_name()
    {
        using var first = _ns.Enter(() => NfQueue.Open(new NfQueueOptions { Queue = 5 }));
        var error = Assert.Throws<InvalidOperationException>(() => _ns.Enter(() => NfQueue.Open(new NfQueueOptions { Queue = 5 })));
        Assert.Contains("queue 5 is already bound by another process", error.Message, StringComparison.Ordinal);
    }

    private static TcpListener Listen(int port)
    {
        var listener = new TcpListener(IPAddress.Loopback, port);
        listener.Start();
        return listener;
    }

    // Connects, sends a line and reads the echo-less close; returns null on success or the socket error.
    private static SocketError? Connect(int port)
    {
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            client.Connect(IPAddress.Loopback, port);
            client.Send("hello"u8);
            return null;
        }
        catch (SocketException ex)
        {
            return ex.SocketErrorCode;
        }
    }

    private sealed class PortJudge : IPacketJudge
    {
        public List<int> Seen { get; } = [];

        public PacketVerdict Judge(in QueuedPacket packet)
        {
            var ip = packet.Payload;
            var port = BinaryPrimitives.ReadUInt16BigEndian(ip[((ip[0] & 0x0f) * 4 + 2)..]);
            Seen.Add(port);
            return port == ThrowingPort ? throw new InvalidOperationException("thrown on purpose")
                : port == BlockedPort ? PacketVerdict.Block : PacketVerdict.Allow;
        }
    }
}
