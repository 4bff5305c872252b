using Appliance.IntegrationTests.Peers;

namespace Appliance.IntegrationTests.PacketPath;

/// <summary>
/// One topology for a test class: the real appliance as the box's resolver (blocking <see cref="BlockedName"/> itself,
/// so no upstream is needed), a DoH address list, and the internet's stand-in addresses on the server. Tests apply the
/// firewall with the real CLI inside the box and remove it again before they end.
/// </summary>
public abstract class PacketPathFixture : IAsyncLifetime
{
    private readonly TopologyKind _kind;
    private readonly string _dir = Directory.CreateTempSubdirectory("packet-path-").FullName;
    private Topology? _topology;

    protected PacketPathFixture(TopologyKind kind) => _kind = kind;

    public Topology Topology => _topology ?? throw new InvalidOperationException("not initialised");

    public const string BlockedName = "blocked.test";

    /// <summary>Addresses that stand for hosts on the internet: a "public resolver" (nothing serves DNS there), a DoH resolver, a web server.</summary>
    public const string PublicDnsV4 = "203.0.113.53";
    public const string PublicDnsV6 = "2001:db8:3::53";
    public const string DohResolverV4 = "203.0.113.10";
    public const string WebServerV4 = "203.0.113.20";

    /// <summary>A configuration file whose packetFilter lists <see cref="DohResolverV4"/> as a DoH resolver.</summary>
    public string ConfigFile => Path.Combine(_dir, "appliance.json");

    public ChildProcess Resolver { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _topology = await Topology.CreateAsync(_kind);
        foreach (var address in new[] { PublicDnsV4, PublicDnsV6, DohResolverV4, WebServerV4 })
        {
            await Topology.AddServerAddressAsync(address);
        }

        var doh = Path.Combine(_dir, "doh.txt");
        await File.WriteAllTextAsync(doh, $"# test DoH resolvers\n{DohResolverV4}\n2001:db8:3::10\n");
        await File.WriteAllTextAsync(ConfigFile, $$"""
            { "packetFilter": { "mode": "{{(_kind == TopologyKind.Router ? "router" : "bridge")}}", "lan": ["{{Topology.LanInterface}}"], "wan": "{{Topology.WanInterface}}",
                                "resolverPort": 53, "dohAddressesFile": "{{doh}}" } }
            """);
        var blocked = Path.Combine(_dir, "blocked.hosts");
        await File.WriteAllTextAsync(blocked, $"0.0.0.0 {BlockedName}\n");
        var dataDir = Directory.CreateDirectory(Path.Combine(_dir, "data")).FullName;
        Resolver = Topology.Start(Topology.Box, ApplianceProcess.Executable, "run", "--dns-listen", "0.0.0.0:53", "--dns-listen", "[::]:53",
            "--web-listen", "127.0.0.1:8080", "--data-dir", dataDir, "--upstream", "127.0.0.1:9", "--block", blocked + ":drugs");
        if (!await Resolver.WaitForOutputAsync(o => o.Contains(" ready; web UI", StringComparison.Ordinal), TimeSpan.FromSeconds(30)))
        {
            throw new InvalidOperationException("the appliance did not start in the box namespace:\n" + Resolver.Output);
        }
    }

    public Task DisposeAsync() => Topology.CleanUpAsync(_topology, _dir);

    /// <summary>The data directory the CLI records its changes in (the audit log), apart from the running appliance's.</summary>
    public string CliDataDir => Path.Combine(_dir, "cli-data");

    /// <summary><c>appliance firewall ARGS</c> run inside the box namespace (apply and remove record to <see cref="CliDataDir"/>).</summary>
    public Task<Processes.Result> FirewallAsync(params string[] args) => Topology.ExecAsync(Topology.Box, ApplianceProcess.Executable,
        ["firewall", .. args, .. args.Length > 0 && args[0] is "apply" or "remove" ? (string[])["--data-dir", CliDataDir] : []]);

    /// <summary>Applies with the configuration file; fails the test with the CLI's output when it does not exit 0.</summary>
    public async Task<Processes.Result> ApplyAsync(params string[] extra)
    {
        var result = await FirewallAsync(["apply", "--config", ConfigFile, .. extra]);
        Assert.True(result.ExitCode == 0, $"firewall apply exited {result.ExitCode}:\n{result.All}");
        return result;
    }

    /// <summary>Removes whatever is installed; fails the test when that fails.</summary>
    public async Task RemoveAsync()
    {
        var result = await FirewallAsync("remove");
        Assert.True(result.ExitCode == 0, $"firewall remove exited {result.ExitCode}:\n{result.All}");
    }

    /// <summary>iptables-save (or ip6tables-save) of the box, normalised.</summary>
    public async Task<string> SaveAsync(bool v6 = false)
    {
        var result = await Topology.ExecAsync(Topology.Box, v6 ? "ip6tables-save" : "iptables-save");
        Assert.Equal(0, result.ExitCode);
        return SocketProbes.Normalise(result.Stdout);
    }

    /// <summary>dig from the client to SERVER for NAME (A).</summary>
    /// <param name="server">Where the query is addressed (the ruleset may redirect it).</param>
    /// <param name="name">The name asked for.</param>
    /// <param name="tries">UDP tries, 2 s each: 1 where no answer is the expected outcome; 3 where an answer is, so a
    /// first packet lost while the bridge learns its ports or the neighbour is resolved on a loaded machine is not a failure.</param>
    public Task<Processes.Result> DigAsync(string server, string name, int tries = 1)
        => Topology.ExecAsync(Topology.Client, "dig", $"@{server}", "+time=2", $"+tries={tries}", name, "A");
}

public sealed class RouterFixture() : PacketPathFixture(TopologyKind.Router);

public sealed class BridgeFixture() : PacketPathFixture(TopologyKind.Bridge);
