using System.Net;
using Appliance.PacketFilter.Firewall;

namespace Appliance.PacketFilter.Tests.Firewall;

public sealed class IptablesGeneratorTests
{
    private static readonly DohAddressList Doh = DohAddressList.Parse("192.0.2.10\n198.51.100.0/24\n2001:db8::53\n", "test");

    private static readonly FirewallOptions Router = new() { Mode = FirewallMode.Router, Lan = ["lan0"], Doh = Doh };

    private static IReadOnlyList<string> Rules(FamilyRuleset ruleset, string chain) => ruleset.Chains.Single(c => c.Name == chain).Rules;

    // The index of the first rule containing every fragment; -1 when none does.
    private static int IndexOf(IReadOnlyList<string> rules, params string[] fragments)
        => rules.ToList().FindIndex(r => fragments.All(f => r.Contains(f, StringComparison.Ordinal)));

    [Fact]
    public void Generate_RouterV4_OwnChainsEachJumpedFromOneBuiltIn()
    {
        var ruleset = IptablesGenerator.Generate(Router, IpFamily.V4);

        Assert.Equal(
            [("filter", "SCHOOLGW-FWD", "FORWARD"), ("nat", "SCHOOLGW-PRE", "PREROUTING"), ("mangle", "SCHOOLGW-POST", "POSTROUTING"), ("filter", "SCHOOLGW-DOH", null)],
            ruleset.Chains.Select(c => (c.Table, c.Name, c.JumpFrom)));
        // The installer keeps a jump only as the first rule of its built-in chain: two chains of ours in one built-in could not both be first.
        Assert.All(ruleset.Chains.Where(c => c.JumpFrom is not null).GroupBy(c => (c.Table, c.JumpFrom)), g => Assert.Single(g));
    }

    [Fact]
    public void Generate_RouterV4_MarkedPacketsAreHandledBeforeTheQueueInTheOrderTheVerdictLoopNeeds()
    {
        var rules = Rules(IptablesGenerator.Generate(Router, IpFamily.V4), "SCHOOLGW-FWD");

        var saveBlock = IndexOf(rules, "-m mark --mark 0x20000000/0x20000000 -j CONNMARK --save-mark --nfmask 0x60000000 --ctmask 0x60000000");
        var resetBlock = IndexOf(rules, "-p tcp -m mark --mark 0x20000000/0x20000000 -j REJECT --reject-with tcp-reset");
        var resetBlockedFlow = IndexOf(rules, "-p tcp -m connmark --mark 0x20000000/0x20000000 -j REJECT --reject-with tcp-reset");
        var fastPath = IndexOf(rules, "-m connmark --mark 0x40000000/0x40000000 -j RETURN");
        var saveDecided = IndexOf(rules, "-m mark --mark 0x40000000/0x40000000 -j CONNMARK --save-mark");
        var dot = IndexOf(rules, "-i lan0 -p tcp -m tcp --dport 853 -j REJECT --reject-with tcp-reset");
        var doq = IndexOf(rules, "-i lan0 -p udp -m udp --dport 853 -j REJECT --reject-with icmp-port-unreachable");
        var quic = IndexOf(rules, "-i lan0 -p udp -m udp --dport 443 -j REJECT --reject-with icmp-port-unreachable");
        var doh = IndexOf(rules, "-i lan0 -p tcp -m tcp --dport 443 -m conntrack --ctstate NEW -j SCHOOLGW-DOH");
        var queue = IndexOf(rules, "-j NFQUEUE");

        Assert.Equal([0, 1, 3], [saveBlock, resetBlock, resetBlockedFlow]);   // the Block mark first: a blocked packet also carries Decided
        Assert.True(resetBlockedFlow < fastPath && fastPath < saveDecided, string.Join('\n', rules));
        Assert.True(saveDecided < dot && dot < doq && doq < quic && quic < doh && doh < queue, string.Join('\n', rules));
        Assert.Equal(queue, rules.Count - 1);
        Assert.Equal(
            "-i lan0 -p tcp -m multiport --dports 80,443 -m conntrack --ctdir ORIGINAL -m connbytes --connbytes 0:12 --connbytes-mode packets --connbytes-dir original"
            + " -m mark ! --mark 0x40000000/0x40000000 -j NFQUEUE --queue-num 0 --queue-bypass",
            rules[queue]);
    }

    [Fact]
    public void Generate_RouterV4_DnsRedirectedFromEveryLanAndDecidedMarkSavedAfterAnAccept()
    {
        var ruleset = IptablesGenerator.Generate(Router with { Lan = ["lan0", "lan1"], ResolverPort = 5353 }, IpFamily.V4);

        Assert.Equal(
            ["-i lan0 -p udp -m udp --dport 53 -j REDIRECT --to-ports 5353", "-i lan0 -p tcp -m tcp --dport 53 -j REDIRECT --to-ports 5353",
             "-i lan1 -p udp -m udp --dport 53 -j REDIRECT --to-ports 5353", "-i lan1 -p tcp -m tcp --dport 53 -j REDIRECT --to-ports 5353"],
            Rules(ruleset, "SCHOOLGW-PRE"));
        Assert.Equal(["-m mark --mark 0x40000000/0x40000000 -j CONNMARK --save-mark --nfmask 0x60000000 --ctmask 0x60000000"], Rules(ruleset, "SCHOOLGW-POST"));
        Assert.Equal(2, Rules(ruleset, "SCHOOLGW-FWD").Count(r => r.Contains("NFQUEUE", StringComparison.Ordinal)));
    }

    [Fact]
    public void Generate_DohAddresses_OnePerFamilyAndRule()
    {
        Assert.Equal(
            ["-d 192.0.2.10/32 -p tcp -j REJECT --reject-with tcp-reset", "-d 198.51.100.0/24 -p tcp -j REJECT --reject-with tcp-reset"],
            Rules(IptablesGenerator.Generate(Router, IpFamily.V4), "SCHOOLGW-DOH"));
        Assert.Equal(["-d 2001:db8::53/128 -p tcp -j REJECT --reject-with tcp-reset"], Rules(IptablesGenerator.Generate(Router, IpFamily.V6), "SCHOOLGW-DOH"));

        var none = IptablesGenerator.Generate(Router with { Doh = DohAddressList.Empty }, IpFamily.V4);
        Assert.DoesNotContain(none.Chains, c => c.Name == "SCHOOLGW-DOH");
        Assert.DoesNotContain(Rules(none, "SCHOOLGW-FWD"), r => r.Contains("SCHOOLGW-DOH", StringComparison.Ordinal));
    }

    [Fact]
    public void Generate_V6_MirrorsV4WithIcmp6()
    {
        var v4 = Rules(IptablesGenerator.Generate(Router, IpFamily.V4), "SCHOOLGW-FWD");
        var v6 = Rules(IptablesGenerator.Generate(Router, IpFamily.V6), "SCHOOLGW-FWD");

        Assert.Equal(v4.Select(r => r.Replace("icmp-port-unreachable", "icmp6-port-unreachable", StringComparison.Ordinal)), v6);
        Assert.Contains(v6, r => r.EndsWith("--dport 443 -j REJECT --reject-with icmp6-port-unreachable", StringComparison.Ordinal));
    }

    [Fact]
    public void Generate_QuicFiltered_Udp443QueuedNotRejectedAndDohRejectedForUdpToo()
    {
        var options = Router with { Quic = QuicPolicy.Filter, Queues = new QueueRange(4, 3), InspectPackets = 16 };
        var ruleset = IptablesGenerator.Generate(options, IpFamily.V4);
        var rules = Rules(ruleset, "SCHOOLGW-FWD");

        Assert.Equal(-1, IndexOf(rules, "--dport 443 -j REJECT"));
        Assert.True(IndexOf(rules, "-p udp -m udp --dport 443 -m conntrack --ctstate NEW -j SCHOOLGW-DOH") >= 0);
        var udpQueue = IndexOf(rules, "-p udp -m udp --dport 443 -m conntrack --ctdir ORIGINAL", "--connbytes 0:16", "-j NFQUEUE --queue-balance 4:6 --queue-bypass");
        Assert.True(udpQueue > IndexOf(rules, "-p tcp -m multiport --dports 80,443"), string.Join('\n', rules));
        Assert.Contains("-d 192.0.2.10/32 -p udp -j REJECT --reject-with icmp-port-unreachable", Rules(ruleset, "SCHOOLGW-DOH"));
    }

    [Fact]
    public void Generate_BridgeWithUplink_LanIsTheBridgeButNotWhatEntersFromTheUplinkPort()
    {
        var options = Router with { Mode = FirewallMode.Bridge, Lan = ["br0"], Uplink = "eth0" };
        var ruleset = IptablesGenerator.Generate(options, IpFamily.V4);

        Assert.Equal("-i br0 -p udp -m physdev ! --physdev-in eth0 -m udp --dport 53 -j REDIRECT --to-ports 53", Rules(ruleset, "SCHOOLGW-PRE")[0]);
        Assert.All(Rules(ruleset, "SCHOOLGW-FWD").Where(r => r.Contains("-i ", StringComparison.Ordinal)),
            r => Assert.StartsWith("-i br0 -p ", r, StringComparison.Ordinal));
        Assert.All(Rules(ruleset, "SCHOOLGW-FWD").Where(r => r.Contains("-i ", StringComparison.Ordinal)),
            r => Assert.Contains(" -m physdev ! --physdev-in eth0 ", r, StringComparison.Ordinal));

        var withoutUplink = IptablesGenerator.Generate(options with { Uplink = null }, IpFamily.V4);
        Assert.DoesNotContain(withoutUplink.Chains.SelectMany(c => c.Rules), r => r.Contains("physdev", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(FirewallMode.Off)]
    [InlineData(FirewallMode.DnsOnly)]
    [InlineData(FirewallMode.Monitor)]
    public void Generate_ModesWithoutRuleset_Empty(FirewallMode mode)
    {
        Assert.True(IptablesGenerator.Generate(Router with { Mode = mode }, IpFamily.V4).IsEmpty);
        Assert.True(IptablesGenerator.Generate(Router with { Mode = mode }, IpFamily.V6).IsEmpty);
    }

    [Fact]
    public void Generate_Ipv6Off_V6Empty()
    {
        Assert.True(IptablesGenerator.Generate(Router with { Ipv6 = false }, IpFamily.V6).IsEmpty);
        Assert.False(IptablesGenerator.Generate(Router with { Ipv6 = false }, IpFamily.V4).IsEmpty);
    }

    [Theory]
    [InlineData("lan0 -j ACCEPT")]       // would smuggle a rule into the restore script
    [InlineData("lan0\n-A FORWARD")]
    [InlineData("eth+")]
    [InlineData("a-name-too-long-for-ifnamsiz")]
    [InlineData("")]
    public void Generate_BadInterfaceName_Refused(string name)
    {
        var ex = Assert.Throws<ArgumentException>(() => IptablesGenerator.Generate(Router with { Lan = [name] }, IpFamily.V4));
        Assert.Contains("is not an interface name", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_EveryProblemNamed()
    {
        var options = new FirewallOptions { Mode = FirewallMode.Router, ResolverPort = 0, Queues = new QueueRange(65535, 2), InspectPackets = 2, Uplink = "x y" };

        Assert.Equal(
            ["lan: is required in router mode", "uplink: 'x y' is not an interface name", "resolverPort: 0 is not a port",
             "queues: 65535:2 must be 1 to 64 queues ending at 65535 at most", "inspectPackets: 2 must be from 3 to 100"],
            options.Problems());
    }

    [Fact]
    public void ToRestoreText_FreshInstall_DeclaresChainsThenRulesThenOneJumpEach()
    {
        var text = IptablesGenerator.Generate(Router with { Doh = DohAddressList.Parse("192.0.2.10", "t") }, IpFamily.V4).ToRestoreText();
        var lines = text.Split('\n');

        Assert.Equal(["*filter", ":SCHOOLGW-FWD - [0:0]", ":SCHOOLGW-DOH - [0:0]"], lines[..3]);
        Assert.Equal(3, lines.Count(l => l == "COMMIT"));
        Assert.Equal(["-I FORWARD 1 -j SCHOOLGW-FWD", "-I PREROUTING 1 -j SCHOOLGW-PRE", "-I POSTROUTING 1 -j SCHOOLGW-POST"],
            lines.Where(l => l.StartsWith("-I ", StringComparison.Ordinal)));
        Assert.True(Array.IndexOf(lines, "-I FORWARD 1 -j SCHOOLGW-FWD") < Array.IndexOf(lines, "*nat"));
        Assert.Contains("-A SCHOOLGW-DOH -d 192.0.2.10/32 -p tcp -j REJECT --reject-with tcp-reset", lines);
        Assert.Equal(IPAddress.Parse("192.0.2.10"), Router.Doh.V4[0].BaseAddress);
    }
}
