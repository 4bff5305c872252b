using System.Text.RegularExpressions;
using Appliance.IntegrationTests.Peers;

namespace Appliance.IntegrationTests.PacketPath;

/// <summary>
/// Small Python 3 programs (Debian's python3, standard library only) that listen and connect inside a namespace, so a
/// test can tell a reset made by a firewall rule from one made by the server: the listeners print every connection and
/// datagram they get, the probe prints what the client saw.
/// </summary>
public static partial class SocketProbes
{
    // listen tcp|udp PORT: dual-stack on [::]:PORT; TCP connections are accepted and closed, UDP datagrams echoed.
    private const string ListenScript = """
        import socket, sys
        kind, port = sys.argv[1], int(sys.argv[2])
        s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM if kind == "tcp" else socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        s.bind(("::", port))
        if kind == "tcp":
            s.listen(16)
        print("listening", flush=True)
        while True:
            if kind == "tcp":
                c, peer = s.accept()
                print(f"tcp {port} from {peer[0]}", flush=True)
                c.close()
            else:
                data, peer = s.recvfrom(2048)
                print(f"udp {port} from {peer[0]}", flush=True)
                s.sendto(data, peer)
        """;

    // probe tcp|udp HOST PORT: connected / answered / refused / reset / timeout (ECONNREFUSED is a TCP reset, or for
    // a connected UDP socket an ICMP port unreachable).
    private const string ProbeScript = """
        import socket, sys
        kind, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        s = socket.socket(family, socket.SOCK_STREAM if kind == "tcp" else socket.SOCK_DGRAM)
        s.settimeout(3)
        try:
            s.connect((host, port))
            if kind == "tcp":
                print("connected")
            else:
                s.send(b"probe")
                s.recv(2048)
                print("answered")
        except ConnectionRefusedError:
            print("refused")
        except ConnectionResetError:
            print("reset")
        except socket.timeout:
            print("timeout")
        """;

    /// <summary>Starts a listener in <paramref name="ns"/> and waits until it is bound.</summary>
    public static async Task<ChildProcess> ListenAsync(Topology topology, string ns, string kind, int port)
    {
        var listener = topology.Start(ns, "python3", "-u", "-c", ListenScript, kind, port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (!await listener.WaitForOutputAsync(o => o.Contains("listening", StringComparison.Ordinal), TimeSpan.FromSeconds(10)))
        {
            throw new InvalidOperationException($"{kind} listener on port {port} in {ns} did not start: {listener.Output}");
        }

        return listener;
    }

    /// <summary>Python's http.server on port 80 (both families) in <paramref name="ns"/>, once it serves; it logs each request.</summary>
    public static async Task<ChildProcess> WebServerAsync(Topology topology, string ns)
    {
        var web = topology.Start(ns, "python3", "-u", "-m", "http.server", "80", "--bind", "::");
        if (!await web.WaitForOutputAsync(o => o.Contains("Serving HTTP", StringComparison.Ordinal), TimeSpan.FromSeconds(10)))
        {
            throw new InvalidOperationException($"http.server did not start in {ns}: {web.Output}");
        }

        return web;
    }

    /// <summary>What a client in <paramref name="ns"/> sees when it connects to HOST:PORT.</summary>
    public static async Task<string> ProbeAsync(string ns, string kind, string host, int port)
    {
        var result = await Topology.ExecAsync(ns, "python3", "-c", ProbeScript, kind, host, port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return result.ExitCode == 0 ? result.Stdout.Trim() : $"probe failed: {result.All}";
    }

    /// <summary>How many connections or datagrams a listener has had from <paramref name="from"/>.</summary>
    public static int Seen(ChildProcess listener, string from)
        => listener.Output.Split('\n').Count(l => l.EndsWith($" from {from}", StringComparison.Ordinal) || l.EndsWith($" from ::ffff:{from}", StringComparison.Ordinal));

    /// <summary>iptables-save / ip6tables-save output without its comment lines and with counters zeroed: what the rules are, not when or how often.</summary>
    public static string Normalise(string save)
        => string.Join('\n', save.Split('\n').Where(l => !l.StartsWith('#')).Select(l => Counters().Replace(l, "[0:0]")));

    [GeneratedRegex(@"\[\d+:\d+\]")]
    private static partial Regex Counters();
}
