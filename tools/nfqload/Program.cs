using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Appliance.Core.Events;
using Appliance.Core.Lists;
using Appliance.Core.Policy;
using Appliance.PacketFilter.Inspection;
using Appliance.PacketFilter.Queue;
using Appliance.TestSupport;
using NfqLoad;

// The packet filter's load script (issue 6): see run.sh for the modes. Everything happens in a namespace of our own.
var mode = args.Length > 0 ? args[0] : "loop";
var seconds = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 10;
using var ns = NetworkNamespace.Create("nfqload");
// A veth pair whose far end takes nothing: packets to Remote leave through v0 (after OUTPUT, where they are queued) and
// are dropped by v1 as addressed to another host. A permanent neighbour entry spares us ARP.
ns.Exec("ip", "link", "add", "v0", "type", "veth", "peer", "name", "v1");
ns.Exec("ip", "addr", "add", $"{Load.Local}/24", "dev", "v0");
ns.Exec("ip", "link", "set", "v0", "up");
ns.Exec("ip", "link", "set", "v1", "up");
ns.Exec("ip", "neigh", "add", Load.Remote, "lladdr", "02:00:00:00:00:02", "dev", "v0", "nud", "permanent");
switch (mode)
{
    case "loop":
        Load.Loop(ns, seconds);
        break;
    case "inspect":
        Load.Inspect(ns, seconds);
        break;
    case "flows":
        await Flows.RunAsync(ns, seconds);
        break;
    default:
        Console.Error.WriteLine("usage: nfqload loop|inspect|flows [SECONDS]");
        return 2;
}

return 0;

namespace NfqLoad
{
    internal static class Load
    {
        public const string Local = "198.51.100.1";
        public const string Remote = "198.51.100.2";   // beyond v0: packets leave through OUTPUT and vanish

        /// <summary>The marks the verdict loop sets: a blocked packet is dropped, a decided one accepted (no loop through the queue).</summary>
        public static void MarkRules(NetworkNamespace ns, string protocol)
        {
            ns.Exec("iptables", "-A", "OUTPUT", "-p", protocol, "-m", "mark", "--mark", "0x20000000/0x20000000", "-j", "DROP");
            ns.Exec("iptables", "-A", "OUTPUT", "-p", protocol, "-m", "mark", "--mark", "0x40000000/0x40000000", "-j", "ACCEPT");
        }

        // The bare loop: UDP datagrams queued and answered ACCEPT, judged by a one-line judge.
        public static void Loop(NetworkNamespace ns, int seconds)
        {
            using var sender = ns.Enter(() => Connected(SocketType.Dgram, ProtocolType.Udp, 9999));
            var alone = Blast(seconds, () => sender.Send(Payload64));
            Console.WriteLine($"sender alone (no queue): {alone / seconds:N0} datagrams/s");

            MarkRules(ns, "udp");
            ns.Exec("iptables", "-A", "OUTPUT", "-p", "udp", "--dport", "9999", "-j", "NFQUEUE", "--queue-num", "0");
            Measure(ns, new AcceptAll(), seconds, () => sender.Send(Payload64), "udp 64 B, accept all");
        }

        // Crafted SYN + ClientHello pairs (raw IPv4), half of them naming a blocked site, through the flow inspector.
        public static void Inspect(NetworkNamespace ns, int seconds)
        {
            using var raw = ns.Enter(() => new Socket(AddressFamily.InterNetwork, SocketType.Raw, ProtocolType.Raw));
            var packets = new Packets();
            var target = new IPEndPoint(IPAddress.Parse(Remote), 0).Serialize();   // SocketAddress: SendTo without allocating
            MarkRules(ns, "tcp");
            ns.Exec("iptables", "-A", "OUTPUT", "-p", "tcp", "--dport", "443", "-j", "NFQUEUE", "--queue-num", "0");
            var events = new EventRing<QueryEvent>(16_384);
            var inspector = new FlowInspector(Policy(), null, events, TimeProvider.System, new InspectionOptions());
            var drain = new Thread(() => { while (true) { while (events.TryRead(out _)) { } Thread.Sleep(1); } }) { IsBackground = true };
            drain.Start();
            Measure(ns, inspector, seconds, () => raw.SendTo(packets.Next(), SocketFlags.None, target), "SYN + ClientHello, flow inspector");
            Console.WriteLine($"flows judged by name: {inspector.Counters.Named:N0} ({inspector.Counters.Blocked:N0} blocked), events dropped by the ring: {events.Dropped:N0}");
        }

        public static PolicyEngine Policy()
        {
            var lists = new DomainSetBuilder();
            lists.Add("games.example", Categories.Bit(Category.Games));
            var document = new PolicyDocument { Groups = [new GroupDefinition { Name = "default", BlockedCategories = ["games"] }] };
            return new PolicyEngine(PolicyCompiler.Compile(document, new PolicyLists(lists.Build(), DomainSet.Empty, DomainSet.Empty), 1));
        }

        private static void Measure(NetworkNamespace ns, IPacketJudge judge, int seconds, Action send, string what)
        {
            using var queue = ns.Enter(() => NfQueue.Open(new NfQueueOptions { Queue = 0 }));
            using var stop = new CancellationTokenSource();
            var loop = Task.Run(() => queue.RunAsync(judge, stop.Token));
            Blast(1, send);   // warm-up: JIT, pools, the flow table
            var packets0 = queue.Counters.Packets;
            var batches0 = queue.Counters.Batches;
            var allocated0 = GC.GetTotalAllocatedBytes(precise: true);
            var gen0 = GC.CollectionCount(0);
            var (process0, sender0) = (Cpu.Process(), Cpu.MainThread());
            var watch = Stopwatch.StartNew();
            Blast(seconds, send);
            var elapsed = watch.Elapsed.TotalSeconds;
            var loopCpu = Cpu.Process() - process0 - (Cpu.MainThread() - sender0);   // everything but the sender (main thread)
            var packets = queue.Counters.Packets - packets0;
            var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocated0;
            stop.Cancel();
            loop.Wait();
            Console.WriteLine($"{what}: {packets / elapsed:N0} packets/s judged, {(double)allocated / packets:F3} B allocated/packet (whole process, sender included: it allocates nothing), "
                + $"{GC.CollectionCount(0) - gen0} gen-0 GCs, {(double)packets / (queue.Counters.Batches - batches0):F1} packets/batch");
            Console.WriteLine($"  CPU outside the sender: {loopCpu:F2} s of {elapsed:F1} s = {packets / loopCpu:N0} packets per CPU-second of the verdict loop");
            Console.WriteLine($"  queue: passed {queue.Counters.Passed:N0}, allowed {queue.Counters.Allowed:N0}, blocked {queue.Counters.Blocked:N0}, kernel errors {queue.Counters.KernelErrors}");
            Console.WriteLine($"  /proc/net/netfilter/nfnetlink_queue: {ns.Exec("cat", "/proc/net/netfilter/nfnetlink_queue").Trim()}");
        }

        private static long Blast(int seconds, Action send)
        {
            var sent = 0L;
            var end = Stopwatch.GetTimestamp() + (seconds * Stopwatch.Frequency);
            while (Stopwatch.GetTimestamp() < end)
            {
                for (var i = 0; i < 256; i++)
                {
                    try
                    {
                        send();
                        sent++;
                    }
                    catch (SocketException)
                    {
                        // ENOBUFS from a full qdisc: the sender outran the link, not the queue
                    }
                }
            }

            return sent;
        }

        private static Socket Connected(SocketType type, ProtocolType protocol, int port)
        {
            var socket = new Socket(AddressFamily.InterNetwork, type, protocol);
            socket.Connect(IPAddress.Parse(Remote), port);
            return socket;
        }

        private static readonly byte[] Payload64 = new byte[64];

        private sealed class AcceptAll : IPacketJudge
        {
            public PacketVerdict Judge(in QueuedPacket packet) => PacketVerdict.Allow;
        }
    }
}
