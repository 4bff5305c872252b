using System.Security.Cryptography;
using Appliance.IntegrationTests.Peers;

namespace Appliance.IntegrationTests.PacketPath;

/// <summary>How the box sits between the client and the server (DESIGN §3).</summary>
public enum TopologyKind
{
    /// <summary>The box routes: client ─ lan0 [box] wan0 ─ server; the client's default route is the box.</summary>
    Router,

    /// <summary>The box bridges: client ─ lan0 [box: br0] wan0 ─ server, one subnet; the server is the client's router.</summary>
    Bridge,
}

/// <summary>
/// <c>client ↔ box ↔ server</c> in three network namespaces of their own (named <c>pft-XXXXXX-c|b|s</c>), joined by
/// two veth pairs, with IPv4 and IPv6 from the documentation ranges. Traffic never leaves these namespaces and nothing
/// in the root namespace is changed. For the packet path's tests: the firewall ruleset, and later the verdict loop.
/// <code>
///   Router:  client c0 192.0.2.2/24      ── lan0 192.0.2.1/24      [box, forwarding] wan0 198.51.100.1/24 ── s0 198.51.100.2/24 server
///                     2001:db8:1::2/64         2001:db8:1::1/64                         2001:db8:2::1/64       2001:db8:2::2/64
///   Bridge:  client c0 192.0.2.2/24      ── lan0 ┐ br0 192.0.2.1/24 ┌ wan0             ── s0 192.0.2.3/24 server
///                     2001:db8:1::2/64             [box]  2001:db8:1::1/64                     2001:db8:1::3/64
/// </code>
/// More server addresses (<see cref="AddServerAddressAsync"/>) stand for hosts on the internet: in router mode the box
/// routes them to the server; in bridge mode the client's default route (the server) owns them.
/// Dispose stops every process started here (by PID) and deletes the namespaces, which takes the links with them.
/// </summary>
public sealed class Topology : IAsyncDisposable
{
    private readonly List<ChildProcess> _processes = [];
    private readonly List<string> _created = [];

    private Topology(TopologyKind kind)
    {
        Kind = kind;
        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3));
        Client = $"pft-{id}-c";
        Box = $"pft-{id}-b";
        Server = $"pft-{id}-s";
    }

    public TopologyKind Kind { get; }

    public string Client { get; }

    public string Box { get; }

    public string Server { get; }

    public string ClientV4 => "192.0.2.2";

    public string ClientV6 => "2001:db8:1::2";

    /// <summary>The box's LAN address: on lan0 (router) or on the bridge (bridge mode: REDIRECT needs one).</summary>
    public string BoxLanV4 => "192.0.2.1";

    public string BoxLanV6 => "2001:db8:1::1";

    public string ServerV4 => Kind == TopologyKind.Router ? "198.51.100.2" : "192.0.2.3";

    public string ServerV6 => Kind == TopologyKind.Router ? "2001:db8:2::2" : "2001:db8:1::3";

    /// <summary>The box's school-side interface as the firewall names it: lan0, or the bridge.</summary>
    public string LanInterface => Kind == TopologyKind.Router ? "lan0" : "br0";

    /// <summary>The box's interface towards the server: the uplink NIC, or the bridge port towards the router.</summary>
    public string WanInterface => "wan0";

    /// <exception cref="InvalidOperationException">A step failed (not root, no br_netfilter…); what was created is deleted again.</exception>
    public static async Task<Topology> CreateAsync(TopologyKind kind)
    {
        var topology = new Topology(kind);
        try
        {
            await topology.BuildAsync();
            return topology;
        }
        catch
        {
            await topology.DisposeAsync();
            throw;
        }
    }

    private async Task BuildAsync()
    {
        foreach (var ns in new[] { Client, Box, Server })
        {
            await Ip("netns", "add", ns);
            _created.Add(ns);
            await Ip("-n", ns, "link", "set", "lo", "up");
        }

        // Each end is created straight inside its namespace: the root namespace never has these links.
        await Ip("link", "add", "c0", "netns", Client, "type", "veth", "peer", "name", "lan0", "netns", Box);
        await Ip("link", "add", "s0", "netns", Server, "type", "veth", "peer", "name", "wan0", "netns", Box);
        await Address(Client, "c0", $"{ClientV4}/24", $"{ClientV6}/64");
        await Address(Server, "s0", $"{ServerV4}/24", $"{ServerV6}/64");
        if (Kind == TopologyKind.Router)
        {
            await Address(Box, "lan0", $"{BoxLanV4}/24", $"{BoxLanV6}/64");
            await Address(Box, "wan0", "198.51.100.1/24", "2001:db8:2::1/64");
            await Sysctl(Box, "net.ipv4.ip_forward=1");
            await Sysctl(Box, "net.ipv6.conf.all.forwarding=1");
            await Routes(Client, BoxLanV4, BoxLanV6);
            await Routes(Server, "198.51.100.1", "2001:db8:2::1");
        }
        else
        {
            // No STP, no forward delay: the ports forward at once.
            await Ip("-n", Box, "link", "add", "br0", "type", "bridge", "forward_delay", "0", "stp_state", "0");
            await Ip("-n", Box, "link", "set", "lan0", "master", "br0");
            await Ip("-n", Box, "link", "set", "wan0", "master", "br0");
            await Ip("-n", Box, "link", "set", "lan0", "up");
            await Ip("-n", Box, "link", "set", "wan0", "up");
            await Address(Box, "br0", $"{BoxLanV4}/24", $"{BoxLanV6}/64");
            await Routes(Client, ServerV4, ServerV6);
            var callIptables = await ExecAsync(Box, "cat", "/proc/sys/net/bridge/bridge-nf-call-iptables", "/proc/sys/net/bridge/bridge-nf-call-ip6tables");
            if (callIptables.ExitCode != 0 || callIptables.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries) is not ["1", "1"])
            {
                throw new InvalidOperationException($"br_netfilter does not hand bridged traffic to iptables in {Box}: {callIptables.All}");
            }
        }
    }

    /// <summary>Gives the server one more address (IPv4 or IPv6), reachable from the client through the box.</summary>
    public async Task AddServerAddressAsync(string address)
    {
        var v6 = address.Contains(':', StringComparison.Ordinal);
        await Ip("-n", Server, "addr", "add", v6 ? $"{address}/128" : $"{address}/32", "dev", "s0", "nodad");
        if (Kind == TopologyKind.Router)
        {
            await Ip("-n", Box, v6 ? "-6" : "-4", "route", "add", address, "via", v6 ? ServerV6 : ServerV4);
        }
    }

    /// <summary>Runs a program inside a namespace (<c>ip netns exec</c>, an argument list, no shell) and waits for it.</summary>
    public static Task<Processes.Result> ExecAsync(string ns, string file, params string[] args)
        => Processes.RunAsync("ip", ["netns", "exec", ns, file, .. args], TimeSpan.FromSeconds(60));

    /// <summary>Same, with environment variables set for the program.</summary>
    public static Task<Processes.Result> ExecAsync(string ns, IDictionary<string, string> env, string file, params string[] args)
        => Processes.RunAsync("ip", ["netns", "exec", ns, file, .. args], TimeSpan.FromSeconds(60), env);

    /// <summary>
    /// Starts a long-running program inside a namespace. <c>ip netns exec</c> execs the program, so the PID is the
    /// program's own; it is stopped by that PID (SIGTERM, then SIGKILL) on <see cref="DisposeAsync()"/> or <see cref="Stop"/>.
    /// </summary>
    public ChildProcess Start(string ns, string file, params string[] args)
    {
        var process = new ChildProcess("ip", ["netns", "exec", ns, file, .. args]);
        lock (_processes)
        {
            _processes.Add(process);
        }

        return process;
    }

    public void Stop(ChildProcess process)
    {
        lock (_processes)
        {
            _processes.Remove(process);
        }

        process.Dispose();
    }

    /// <summary>A fixture's clean-up: the topology (if it was built), then the fixture's temporary directory, whatever happens.</summary>
    public static async Task CleanUpAsync(Topology? topology, string directory)
    {
        try
        {
            if (topology is not null)
            {
                await topology.DisposeAsync();
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    public async ValueTask DisposeAsync()
    {
        List<ChildProcess> processes;
        lock (_processes)
        {
            processes = [.. _processes];
            _processes.Clear();
        }

        var problems = new List<string>();
        foreach (var process in processes)
        {
            try
            {
                process.Dispose();
            }
            catch (Exception ex)
            {
                problems.Add($"process {process.Pid}: {ex.Message}");
            }
        }

        foreach (var ns in _created)
        {
            var result = await Processes.RunAsync("ip", ["netns", "del", ns]);
            if (result.ExitCode != 0)
            {
                problems.Add($"ip netns del {ns}: {result.All.Trim()}");
            }
        }

        _created.Clear();
        if (problems.Count > 0)
        {
            throw new InvalidOperationException("topology clean-up: " + string.Join("; ", problems));
        }
    }

    private static async Task Ip(params string[] args)
    {
        var result = await Processes.RunAsync("ip", args);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"ip {string.Join(' ', args)}: {result.All.Trim()} (these tests need root)");
        }
    }

    // nodad: an IPv6 address is usable at once instead of "tentative" for a second or two.
    private static async Task Address(string ns, string device, string v4, string v6)
    {
        await Ip("-n", ns, "addr", "add", v4, "dev", device);
        await Ip("-n", ns, "addr", "add", v6, "dev", device, "nodad");
        await Ip("-n", ns, "link", "set", device, "up");
    }

    private static async Task Routes(string ns, string v4Gateway, string v6Gateway)
    {
        await Ip("-n", ns, "-4", "route", "add", "default", "via", v4Gateway);
        await Ip("-n", ns, "-6", "route", "add", "default", "via", v6Gateway);
    }

    private static async Task Sysctl(string ns, string setting)
    {
        var result = await ExecAsync(ns, "sysctl", "-qw", setting);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"sysctl {setting} in {ns}: {result.All.Trim()}");
        }
    }
}
