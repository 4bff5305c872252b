using Appliance.IntegrationTests.Peers;

namespace Appliance.IntegrationTests.PacketPath;

/// <summary>
/// The ruleset on a transparent bridge: br_netfilter hands bridged IP traffic to the inet hooks with in = out = br0,
/// so the same <c>-i br0</c> rules see it (packet-path.md §1.1); the DNS redirect needs the bridge's own address.
/// </summary>
public sealed class FirewallBridgeTests : IClassFixture<BridgeFixture>
{
    private readonly BridgeFixture _box;

    public FirewallBridgeTests(BridgeFixture box) => _box = box;

    private Topology Net => _box.Topology;

    [Fact]
    public async Task Apply_BridgedDnsToAnyAddress_AnsweredByTheBoxsResolver()
    {
        try
        {
            var before = await _box.DigAsync(PacketPathFixture.PublicDnsV4, PacketPathFixture.BlockedName);
            Assert.Equal("(none)", DigOutput.Status(before.Stdout));   // bridged to the server, where nothing serves DNS

            await _box.ApplyAsync();

            foreach (var server in new[] { PacketPathFixture.PublicDnsV4, PacketPathFixture.PublicDnsV6 })
            {
                var after = await _box.DigAsync(server, PacketPathFixture.BlockedName, tries: 3);
                Assert.Equal("NOERROR", DigOutput.Status(after.Stdout));
                Assert.Equal("0.0.0.0", DigOutput.Answers(after.Stdout).Single()[4]);
                Assert.Contains("EDE: 15 (Blocked)", after.Stdout, StringComparison.Ordinal);
            }
        }
        finally
        {
            await _box.RemoveAsync();
        }
    }

    [Fact]
    public async Task Apply_BridgedDotAndDoh_ResetWhileHttpsPassesTheUnboundQueue()
    {
        var dot = await SocketProbes.ListenAsync(Net, Net.Server, "tcp", 853);
        var https = await SocketProbes.ListenAsync(Net, Net.Server, "tcp", 443);
        try
        {
            // The file names the uplink port: traffic entering from the server's side is not the school's.
            await _box.ApplyAsync();
            Assert.Contains("-A SCHOOLGW-FWD -i br0 -p tcp -m physdev ! --physdev-in wan0 -m tcp --dport 853 -j REJECT", await _box.SaveAsync(), StringComparison.Ordinal);

            Assert.Equal("refused", await SocketProbes.ProbeAsync(Net.Client, "tcp", Net.ServerV4, 853));
            Assert.Equal("refused", await SocketProbes.ProbeAsync(Net.Client, "tcp", PacketPathFixture.DohResolverV4, 443));
            Assert.Equal("connected", await SocketProbes.ProbeAsync(Net.Client, "tcp", PacketPathFixture.WebServerV4, 443));
            Assert.Equal(0, SocketProbes.Seen(dot, Net.ClientV4));
            Assert.Equal(1, SocketProbes.Seen(https, Net.ClientV4));

            // From the uplink side the school's rules do not apply: the server reaches a DoT listener on the client.
            var clientDot = await SocketProbes.ListenAsync(Net, Net.Client, "tcp", 853);
            Assert.Equal("connected", await SocketProbes.ProbeAsync(Net.Server, "tcp", Net.ClientV4, 853));
            Net.Stop(clientDot);
        }
        finally
        {
            Net.Stop(dot);
            Net.Stop(https);
            await _box.RemoveAsync();
        }
    }
}
