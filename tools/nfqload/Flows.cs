using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Appliance.Core.Events;
using Appliance.PacketFilter.Inspection;
using Appliance.PacketFilter.Queue;
using Appliance.TestSupport;

namespace NfqLoad;

/// <summary>
/// New TLS flows per second through the real path: clients connect over TCP to a listener in the namespace and send a
/// ClientHello (half of them naming a blocked site); the ruleset queues the first packets of each connection with the
/// connection-mark fast path, as the product's does; the inspector decides; blocked ones get a reset.
/// </summary>
internal static class Flows
{
    private const int Clients = 32;

    public static async Task RunAsync(NetworkNamespace ns, int seconds)
    {
        ns.Exec("iptables", "-A", "OUTPUT", "-p", "tcp", "--dport", "443", "-m", "connmark", "--mark", "0x40000000/0x60000000", "-j", "ACCEPT");
        ns.Exec("iptables", "-A", "OUTPUT", "-p", "tcp", "-m", "mark", "--mark", "0x20000000/0x20000000", "-j", "REJECT", "--reject-with", "tcp-reset");
        ns.Exec("iptables", "-A", "OUTPUT", "-p", "tcp", "-m", "mark", "--mark", "0x40000000/0x40000000", "-j", "ACCEPT");
        // An ACCEPT verdict ends the hook's traversal of this table, so the mark is saved later, in mangle POSTROUTING,
        // as the product's ruleset does (docs/packet-filter.md).
        ns.Exec("iptables", "-t", "mangle", "-A", "POSTROUTING", "-m", "mark", "--mark", "0x40000000/0x40000000", "-j", "CONNMARK", "--save-mark",
            "--nfmask", "0x60000000", "--ctmask", "0x60000000");
        ns.Exec("iptables", "-A", "OUTPUT", "-p", "tcp", "--dport", "443", "-m", "connbytes", "--connbytes", "0:12", "--connbytes-dir", "original",
            "--connbytes-mode", "packets", "-j", "NFQUEUE", "--queue-num", "0");

        var events = new EventRing<QueryEvent>(65_536);
        var inspector = new FlowInspector(Load.Policy(), null, events, TimeProvider.System, new InspectionOptions());
        using var queue = ns.Enter(() => NfQueue.Open(new NfQueueOptions { Queue = 0 }));
        using var stop = new CancellationTokenSource();
        var loop = Task.Run(() => queue.RunAsync(inspector, stop.Token));
        using var listener = ns.Enter(() =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            socket.Bind(new IPEndPoint(IPAddress.Parse(Load.Local), 443));
            socket.Listen(4096);
            return socket;
        });
        var server = Task.Run(() => Serve(listener, stop.Token));

        var allowed = Hellos.Stream("lesson.example");
        var blocked = Hellos.Stream("www.games.example");
        long completed = 0, reset = 0, failed = 0;
        var lastError = "";
        var end = Stopwatch.GetTimestamp() + (seconds * Stopwatch.Frequency);
        var named0 = inspector.Counters.Named;
        var watch = Stopwatch.StartNew();
        // Plain threads, not pool tasks: each blocks in connect/receive, and 32 blocked pool threads would starve the
        // server's accept loop (the pool grows by a thread or two a second).
        var clients = Enumerable.Range(0, Clients).Select(c => new Thread(() => ns.Enter(() =>
        {
            for (var i = 0; Stopwatch.GetTimestamp() < end; i++)
            {
                using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                socket.LingerState = new LingerOption(true, 0);   // close with a reset: no TIME_WAIT pile-up in a long run
                socket.ReceiveTimeout = 2_000;
                socket.SendTimeout = 2_000;
                try
                {
                    socket.Connect(IPAddress.Parse(Load.Local), 443);
                    socket.Send((i + c) % 2 == 0 ? allowed : blocked);
                    var buffer = new byte[16];
                    socket.Receive(buffer);   // the server closes after reading the hello; a blocked flow is reset first
                    Interlocked.Increment(ref completed);
                }
                catch (SocketException ex) when (ex.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionRefused)
                {
                    Interlocked.Increment(ref reset);
                }
                catch (SocketException ex)
                {
                    Interlocked.Increment(ref failed);
                    lastError = ex.SocketErrorCode.ToString();
                }
            }

            return 0;
        }))).ToArray();
        foreach (var client in clients)
        {
            client.Start();
        }

        foreach (var client in clients)
        {
            client.Join();
        }

        var elapsed = watch.Elapsed.TotalSeconds;
        var named = inspector.Counters.Named - named0;
        while (events.TryRead(out _))
        {
        }

        await stop.CancelAsync();
        if (loop.IsFaulted)
        {
            Console.WriteLine($"the verdict loop failed: {loop.Exception}");
        }
        Console.WriteLine($"{Clients} clients, {elapsed:F1} s: {named / elapsed:N0} new TLS flows decided/s ({completed:N0} completed, {reset:N0} reset, {failed:N0} failed {lastError}), "
            + $"queue packets {queue.Counters.Packets:N0} ({(double)queue.Counters.Packets / Math.Max(1, named):F1} per flow)");
        Console.WriteLine($"  inspector: flows {inspector.Counters.Flows:N0}, named {inspector.Counters.Named:N0}, blocked {inspector.Counters.Blocked:N0}, unnamed {inspector.Counters.Unnamed}, unreadable {inspector.Counters.Unreadable}");
        Console.WriteLine($"  /proc/net/netfilter/nfnetlink_queue: {ns.Exec("cat", "/proc/net/netfilter/nfnetlink_queue").Trim()}");
        listener.Dispose();
        try
        {
            await server;
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private static async Task Serve(Socket listener, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            Socket accepted;
            try
            {
                accepted = await listener.AcceptAsync(cancellationToken);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = Task.Run(async () =>
            {
                using (accepted)
                {
                    var buffer = new byte[4096];
                    try
                    {
                        await accepted.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);
                    }
                    catch (Exception ex) when (ex is SocketException or OperationCanceledException)
                    {
                    }
                }
            }, cancellationToken);
        }
    }
}
