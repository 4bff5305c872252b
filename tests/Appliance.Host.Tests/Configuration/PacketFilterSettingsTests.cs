using Appliance.Host.Configuration;
using Appliance.PacketFilter;
using Appliance.PacketFilter.Firewall;

namespace Appliance.Host.Tests.Configuration;

public sealed class PacketFilterSettingsTests : IDisposable
{
    private static readonly CliOverrides Cli = new() { Upstreams = ["192.0.2.1:53"] };
    private readonly string _dir = Directory.CreateTempSubdirectory("packet-filter-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static PacketFilterSettings Build(string json, CliOverrides? cli = null)
        => SettingsBuilder.Build(ConfigLoader.Parse(json, "school.json"), "school.json", cli ?? Cli).PacketFilter;

    private static string[] Errors(string json, CliOverrides? cli = null)
        => Assert.Throws<ConfigException>(() => Build(json, cli)).Message.Split(Environment.NewLine);

    [Fact]
    public void Default_OffWithTheBuiltInDohListAndTheResolversPort()
    {
        var local = SettingsBuilder.Build(null, "local default", Cli).PacketFilter;
        Assert.Equal((FirewallMode.Off, 5353, 10), (local.Mode, local.ResolverPort, local.DohAddresses.Count));   // the local default serves DNS on 5353

        var settings = Build("""{ "dns": { "listen": ["0.0.0.0:53", "[::]:53"] } }""");
        Assert.Equal(new PacketFilterSettings() with { DohAddresses = settings.DohAddresses }, settings);
        Assert.Equal("off", settings.Describe());
    }

    [Fact]
    public void Router_EverySettingMappedAndTheRulesetOptionsFollow()
    {
        var doh = Path.Combine(_dir, "doh.txt");
        File.WriteAllText(doh, "# test resolvers\n203.0.113.10\n2001:db8::10\n");

        var settings = Build($$"""
            { "packetFilter": { "mode": "router", "lan": ["eth1", "eth2"], "wan": "eth0", "resolverPort": 5300,
                                "queues": { "first": 2, "count": 4 }, "queueMaxLength": 1024, "copyRange": 2048, "inspectPackets": 16,
                                "unnamedFlows": "strict", "unreadableFlows": "lenient", "quic": "filter", "flowTable": { "capacity": 4096, "idleSeconds": 60 },
                                "dohAddressesFile": "{{doh}}", "ipv6": false } }
            """);

        Assert.Equal((FirewallMode.Router, "eth1,eth2", "eth0", 5300), (settings.Mode, string.Join(',', settings.Lan), settings.Wan, settings.ResolverPort));
        Assert.Equal((new QueueRange(2, 4), 1024, 2048, 16), (settings.Queues, settings.QueueMaxLength, settings.CopyRange, settings.InspectPackets));
        Assert.Equal((UnnamedFlowPolicy.Strict, UnnamedFlowPolicy.Lenient, QuicPolicy.Filter, 4096, TimeSpan.FromMinutes(1)),
            (settings.UnnamedFlows, settings.UnreadableFlows, settings.Quic, settings.FlowTableCapacity, settings.FlowIdle));
        var run = settings.ToRunOptions(null).Inspection;
        Assert.Equal((UnnamedFlowPolicy.Strict, UnnamedFlowPolicy.Lenient, 16), (run.UnnamedFlows, run.UnreadableFlows, run.MaxPackets));
        Assert.Equal((doh, 2, false), (settings.DohAddressesFile, settings.DohAddresses.Count, settings.Ipv6));

        var firewall = settings.ToFirewallOptions();
        Assert.Equal((FirewallMode.Router, null, 5300, new QueueRange(2, 4), QuicPolicy.Filter, 16, false),
            (firewall.Mode, firewall.Uplink, firewall.ResolverPort, firewall.Queues, firewall.Quic, firewall.InspectPackets, firewall.Ipv6));   // wan is informational in router mode
        Assert.Equal("203.0.113.10/32", firewall.Doh.V4.Single().ToString());
        Assert.Empty(firewall.Problems());
    }

    [Fact]
    public void Bridge_WanIsTheUplinkPort()
    {
        var firewall = Build("""{ "packetFilter": { "mode": "bridge", "lan": ["br0"], "wan": "eth0" } }""").ToFirewallOptions();

        Assert.Equal((FirewallMode.Bridge, "br0", "eth0"), (firewall.Mode, firewall.Lan.Single(), firewall.Uplink));
    }

    [Fact]
    public void CommandLine_OverridesTheSection()
    {
        var cli = Cli with { PacketFilterMode = "dns-only", Lan = ["lan9"], ResolverPort = 53, Queues = "8:2", NoIpv6 = true };

        var settings = Build("""{ "packetFilter": { "mode": "router", "lan": ["eth1"], "resolverPort": 5300, "queues": { "first": 0, "count": 1 } } }""", cli);

        Assert.Equal((FirewallMode.DnsOnly, "lan9", 53, new QueueRange(8, 2), false),
            (settings.Mode, settings.Lan.Single(), settings.ResolverPort, settings.Queues, settings.Ipv6));
    }

    [Fact]
    public void Every_problem_in_the_packetFilter_section_is_named()
    {
        var lines = Errors("""
            { "packetFilter": { "mode": "transparent", "lan": ["eth1", "eth1 -j ACCEPT"], "wan": "a/b", "resolverPort": 70000,
                                "queues": { "first": 65535, "count": 2 }, "queueMaxLength": 1, "copyRange": 64, "inspectPackets": 1,
                                "unnamedFlows": "maybe", "unreadableFlows": "never", "quic": "allow", "flowTable": { "capacity": 10, "idleSeconds": 0 },
                                "dohAddressesFile": "/nonexistent/doh.txt" } }
            """);

        Assert.Equal([
            "school.json: packetFilter.mode: is 'transparent'; expected one of: off, bridge, router, dns-only, monitor",
            "school.json: packetFilter.lan[1]: 'eth1 -j ACCEPT' is not an interface name (1 to 15 letters, digits, '-', '_' or '.')",
            "school.json: packetFilter.wan: 'a/b' is not an interface name (1 to 15 letters, digits, '-', '_' or '.')",
            "school.json: packetFilter.resolverPort: is 70000; it must be from 1 to 65535",
            "school.json: packetFilter.queues: 2 queues from 65535 go past queue 65535",
            "school.json: packetFilter.queueMaxLength: is 1; it must be from 64 to 1048576",
            "school.json: packetFilter.copyRange: is 64; it must be from 128 to 65535",
            "school.json: packetFilter.inspectPackets: is 1; it must be from 3 to 100",
            "school.json: packetFilter.unnamedFlows: is 'maybe'; expected one of: lenient, strict",
            "school.json: packetFilter.unreadableFlows: is 'never'; expected one of: lenient, strict",
            "school.json: packetFilter.quic: is 'allow'; expected one of: reject, filter",
            "school.json: packetFilter.flowTable.capacity: is 10; it must be from 1024 to 16777216",
            "school.json: packetFilter.flowTable.idleSeconds: is 0; it must be from 5 to 3600",
            "school.json: packetFilter.dohAddressesFile: '/nonexistent/doh.txt' cannot be read: Could not find a part of the path '/nonexistent/doh.txt'."], lines);
    }

    [Theory]
    [InlineData("""{ "packetFilter": { "mode": "router" } }""", "school.json: packetFilter.lan: is required in router mode; name the school-side interfaces, e.g. [\"eth1\"]")]
    [InlineData("""{ "packetFilter": { "mode": "bridge", "lan": [] } }""", "school.json: packetFilter.lan: is required in bridge mode; name the school-side bridge, e.g. [\"br0\"]")]
    [InlineData("""{ "packetFilter": { "mode": "monitor" } }""", "school.json: packetFilter.monitorInterface: is required in monitor mode; name the mirror port (e.g. \"eth2\")")]
    public void Mode_WithoutItsInterfaces_Named(string json, string expected)
        => Assert.Equal([expected], Errors(json));

    [Fact]
    public void DohAddressesFile_BadLine_NamedWithFileAndLine()
    {
        var doh = Path.Combine(_dir, "doh.txt");
        File.WriteAllText(doh, "203.0.113.10\ndns.example\n");

        Assert.Equal([$"school.json: packetFilter.dohAddressesFile: {doh} line 2: 'dns.example' is not an IP address or CIDR (e.g. 192.0.2.1, 198.51.100.0/24 or 2001:db8::/32)"],
            Errors($$"""{ "packetFilter": { "dohAddressesFile": "{{doh}}" } }"""));
    }

    [Theory]
    [InlineData("--mode", "routed", "command line: --mode: is 'routed'; expected one of: off, bridge, router, dns-only, monitor")]
    [InlineData("--queues", "0-4", "command line: --queues: '0-4' is not FIRST:COUNT (e.g. 0:4 for queues 0 to 3)")]
    [InlineData("--queues", "0:65", "command line: --queues: is 65; it must be from 1 to 64")]
    [InlineData("--lan", "", "command line: --lan: '' is not an interface name (1 to 15 letters, digits, '-', '_' or '.')")]
    [InlineData("--resolver-port", "0", "command line: --resolver-port: is 0; it must be from 1 to 65535")]
    [InlineData("--mode", "router", "command line: --lan: is required in router mode; name the school-side interfaces, e.g. --lan eth1")]
    public void CommandLine_Problem_NamedAsTheOption(string option, string value, string expected)
    {
        var cli = option switch
        {
            "--mode" => Cli with { PacketFilterMode = value },
            "--queues" => Cli with { Queues = value },
            "--lan" => Cli with { PacketFilterMode = "router", Lan = [value] },
            _ => Cli with { ResolverPort = int.Parse(value, System.Globalization.CultureInfo.InvariantCulture) },
        };

        Assert.Contains(expected, Errors("{}", cli));
    }
}
