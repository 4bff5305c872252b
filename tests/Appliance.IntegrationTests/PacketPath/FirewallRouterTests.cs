using Appliance.IntegrationTests.Peers;
using Appliance.PacketFilter.Firewall;

namespace Appliance.IntegrationTests.PacketPath;

/// <summary>
/// <c>appliance firewall apply</c> on a routing box, proved with real traffic from the client namespace: each check is
/// made without the ruleset first (the server answers), then with it (the rule answers, the server sees nothing).
/// </summary>
public sealed partial class FirewallRouterTests : IClassFixture<RouterFixture>
{
    private readonly RouterFixture _box;

    public FirewallRouterTests(RouterFixture box) => _box = box;

    private Topology Net => _box.Topology;

    private async Task WithListener(string kind, int port, Func<ChildProcess, Task> test)
    {
        var listener = await SocketProbes.ListenAsync(Net, Net.Server, kind, port);
        try
        {
            await test(listener);
        }
        finally
        {
            Net.Stop(listener);
            await _box.RemoveAsync();
        }
    }

    [Fact]
    public async Task Apply_DnsToAnyAddress_AnsweredByTheBoxsResolver()
    {
        try
        {
            // Without the ruleset the query goes to 203.0.113.53, where nothing serves DNS.
            var before = await _box.DigAsync(PacketPathFixture.PublicDnsV4, PacketPathFixture.BlockedName);
            Assert.Equal("(none)", DigOutput.Status(before.Stdout));

            await _box.ApplyAsync();

            foreach (var server in new[] { PacketPathFixture.PublicDnsV4, PacketPathFixture.PublicDnsV6 })
            {
                var after = await _box.DigAsync(server, PacketPathFixture.BlockedName, tries: 3);
                Assert.Equal("NOERROR", DigOutput.Status(after.Stdout));
                Assert.Equal("0.0.0.0", DigOutput.Answers(after.Stdout).Single()[4]);
                Assert.Contains("EDE: 15 (Blocked)", after.Stdout, StringComparison.Ordinal);   // the box's own blocked answer
                Assert.Contains($"SERVER: {server}#53", after.Stdout, StringComparison.Ordinal);   // and the client believes the address it asked answered
            }

            var tcp = await Topology.ExecAsync(Net.Client, "dig", $"@{PacketPathFixture.PublicDnsV4}", "+tcp", "+time=2", "+tries=1", PacketPathFixture.BlockedName, "A");
            Assert.Equal("0.0.0.0", DigOutput.Answers(tcp.Stdout).Single()[4]);
        }
        finally
        {
            await _box.RemoveAsync();
        }
    }

    // DoT (TCP 853) gets a reset, DoQ (UDP 853) and QUIC (UDP 443) an ICMP port unreachable: ECONNREFUSED either way.
    [Theory]
    [InlineData("tcp", 853, "connected")]
    [InlineData("udp", 853, "answered")]
    [InlineData("udp", 443, "answered")]
    public Task Apply_EncryptedDnsAndQuic_RefusedByTheRuleWhileTheServerListens(string kind, int port, string withoutRules) => WithListener(kind, port, async listener =>
    {
        Assert.Equal(withoutRules, await SocketProbes.ProbeAsync(Net.Client, kind, Net.ServerV4, port));
        Assert.Equal(1, SocketProbes.Seen(listener, Net.ClientV4));

        await _box.ApplyAsync();

        Assert.Equal("refused", await SocketProbes.ProbeAsync(Net.Client, kind, Net.ServerV4, port));
        Assert.Equal("refused", await SocketProbes.ProbeAsync(Net.Client, kind, Net.ServerV6, port));
        Assert.Equal(1, SocketProbes.Seen(listener, Net.ClientV4));   // the refusal came from the box: the server saw nothing more
        Assert.Equal(0, SocketProbes.Seen(listener, Net.ClientV6));
    });

    [Fact]
    public Task Apply_DohAddress_ResetWhileAnotherAddressOnTheSameServerConnects() => WithListener("tcp", 443, async listener =>
    {
        Assert.Equal("connected", await SocketProbes.ProbeAsync(Net.Client, "tcp", PacketPathFixture.DohResolverV4, 443));

        await _box.ApplyAsync();

        Assert.Equal("refused", await SocketProbes.ProbeAsync(Net.Client, "tcp", PacketPathFixture.DohResolverV4, 443));
        // Through the NFQUEUE rule with nothing bound to the queue: --queue-bypass lets it pass.
        Assert.Equal("connected", await SocketProbes.ProbeAsync(Net.Client, "tcp", PacketPathFixture.WebServerV4, 443));
        Assert.Equal(2, SocketProbes.Seen(listener, Net.ClientV4));   // before, and the other address; never the DoH one after
    });

    [Fact]
    public async Task Apply_QueueRulesWithoutAVerdictLoop_HttpStillWorks()
    {
        var web = await SocketProbes.WebServerAsync(Net, Net.Server);
        try
        {
            await _box.ApplyAsync("--queues", "0:2");
            var box = await Topology.ExecAsync(Net.Box, "cat", QueueCounters.ProcPath);
            Assert.Empty(QueueCounters.Parse(box.Stdout));   // nobody is bound to queue 0 or 1 in the box

            var get = await Topology.ExecAsync(Net.Client, "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "5", "--retry", "3", "--retry-connrefused", $"http://{Net.ServerV4}/");

            Assert.Equal("200", get.Stdout);
            var counters = await Topology.ExecAsync(Net.Box, "iptables-save", "-c", "-t", "filter");
            var queueRule = counters.Stdout.Split('\n').Single(l => l.Contains("-j NFQUEUE --queue-balance 0:1 --queue-bypass", StringComparison.Ordinal));
            Assert.DoesNotMatch(@"^\[0:", queueRule);   // the packets did meet the queue rule: fail-open, not a bypassed rule
        }
        finally
        {
            Net.Stop(web);
            await _box.RemoveAsync();
        }
    }

    [Fact]
    public async Task Apply_Twice_SameRulesetAndTheSecondChangesNothing()
    {
        try
        {
            var first = await _box.ApplyAsync();
            var (v4, v6) = (await _box.SaveAsync(), await _box.SaveAsync(v6: true));
            var second = await _box.ApplyAsync();

            Assert.Contains("IPv4: installed filter/SCHOOLGW-FWD", first.Stdout, StringComparison.Ordinal);
            Assert.Contains("IPv4: up to date, nothing changed", second.Stdout, StringComparison.Ordinal);   // generated rules read back equal
            Assert.Contains("IPv6: up to date, nothing changed", second.Stdout, StringComparison.Ordinal);
            Assert.Equal(v4, await _box.SaveAsync());
            Assert.Equal(v6, await _box.SaveAsync(v6: true));
        }
        finally
        {
            await _box.RemoveAsync();
        }
    }

    [Fact]
    public async Task Remove_RestoresTheSchoolsOwnRulesExactly()
    {
        // The school's own rules in every table we touch, in both families.
        foreach (var (tool, rule) in new[]
        {
            ("iptables", "-t filter -A FORWARD -s 192.0.2.99/32 -j DROP"), ("iptables", "-t nat -A POSTROUTING -o wan0 -j MASQUERADE"),
            ("iptables", "-t mangle -A POSTROUTING -p udp -j MARK --set-xmark 0x1/0xff"), ("iptables", "-t nat -A PREROUTING -p tcp --dport 8080 -j REDIRECT --to-ports 80"),
            ("ip6tables", "-t filter -A FORWARD -s 2001:db8:1::99/128 -j DROP"), ("ip6tables", "-t mangle -A POSTROUTING -p udp -j MARK --set-xmark 0x1/0xff"),
            ("ip6tables", "-t nat -A PREROUTING -p tcp --dport 8080 -j REDIRECT --to-ports 80"),
        })
        {
            Assert.Equal(0, (await Topology.ExecAsync(Net.Box, tool, rule.Split(' '))).ExitCode);
        }

        var (v4, v6) = (await _box.SaveAsync(), await _box.SaveAsync(v6: true));
        try
        {
            await _box.ApplyAsync();
            var applied = await _box.SaveAsync();
            Assert.Contains("-A FORWARD -j SCHOOLGW-FWD\n-A FORWARD -s 192.0.2.99/32 -j DROP\n", applied, StringComparison.Ordinal);   // our jump first, theirs kept
            Assert.Contains("-A POSTROUTING -o wan0 -j MASQUERADE", applied, StringComparison.Ordinal);

            await _box.RemoveAsync();

            Assert.Equal(v4, await _box.SaveAsync());
            Assert.Equal(v6, await _box.SaveAsync(v6: true));
            var again = await _box.FirewallAsync("remove");
            Assert.Equal((0, "IPv4: nothing of ours installed\nIPv6: nothing of ours installed\nnft: no native table of ours\n"), (again.ExitCode, again.Stdout));
        }
        finally
        {
            await _box.RemoveAsync();
            foreach (var (tool, table) in new[] { ("iptables", "filter"), ("iptables", "nat"), ("iptables", "mangle"), ("ip6tables", "filter"), ("ip6tables", "nat"), ("ip6tables", "mangle") })
            {
                await Topology.ExecAsync(Net.Box, tool, "-t", table, "-F");
            }
        }
    }
}
