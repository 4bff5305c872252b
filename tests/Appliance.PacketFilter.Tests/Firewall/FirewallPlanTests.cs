using Appliance.PacketFilter.Firewall;

namespace Appliance.PacketFilter.Tests.Firewall;

public sealed class FirewallPlanTests
{
    private static readonly FirewallOptions Router = new()
    {
        Mode = FirewallMode.Router,
        Lan = ["lan0", "lan1"],
        Queues = new QueueRange(0, 4),
        Doh = DohAddressList.Parse("192.0.2.10\n2001:db8::53\n", "t"),
    };

    private static Task<FirewallPlan> Plan(FirewallOptions options, bool nativeQueue, RulesetForm? form = null)
        => FirewallPlan.CreateAsync(options, new ScriptedTools().Answer("nft", nativeQueue ? 0 : 1, stderr: "Error: Could not process rule: No such file or directory"), form);

    [Fact]
    public async Task Render_IptablesForm_SaysWhyAndShowsBothFamiliesRestoreInput()
    {
        var plan = await Plan(Router, nativeQueue: false);
        var text = plan.Render();

        Assert.Equal(RulesetForm.Iptables, plan.Form);
        Assert.Contains("# form: iptables-nft (the kernel lacks nft's queue expression; iptables' NFQUEUE target works through nft_compat)\n", text, StringComparison.Ordinal);
        Assert.Contains("# native nft queue: no (nft --check: the kernel refused", text, StringComparison.Ordinal);
        Assert.Contains("# IPv4: iptables-restore -w --noflush", text, StringComparison.Ordinal);
        Assert.Contains("# IPv6: ip6tables-restore -w --noflush", text, StringComparison.Ordinal);
        Assert.Contains(plan.V4.ToRestoreText() + "# IPv6", text, StringComparison.Ordinal);
        Assert.EndsWith(plan.V6.ToRestoreText(), text, StringComparison.Ordinal);
        // Every line is a comment or restore input, so the printed text can be fed to iptables-restore as it is.
        Assert.All(text.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => Assert.Matches(@"^(#|\*|:|-A |-I |COMMIT$)", l));
    }

    [Fact]
    public async Task Create_NativeQueue_NftFormUnlessTheBridgeUplinkNeedsPhysdev()
    {
        Assert.Equal(RulesetForm.Nft, (await Plan(Router, nativeQueue: true)).Form);
        var bridge = await Plan(Router with { Mode = FirewallMode.Bridge, Lan = ["br0"], Uplink = "eth0" }, nativeQueue: true);
        Assert.Equal((RulesetForm.Iptables, "the bridge uplink match (xt physdev) has no native nft form"), (bridge.Form, bridge.FormReason));
        Assert.Equal(RulesetForm.Iptables, (await Plan(Router, nativeQueue: true, RulesetForm.Iptables)).Form);
    }

    [Fact]
    public async Task Render_NftForm_OneTableForBothFamiliesInTheSameOrder()
    {
        var plan = await Plan(Router with { Quic = QuicPolicy.Filter }, nativeQueue: false, RulesetForm.Nft);
        var lines = plan.NftScript.Split('\n').Select(l => l.Trim()).ToList();
        int At(string fragment) => lines.FindIndex(l => l.Contains(fragment, StringComparison.Ordinal));

        Assert.Equal(["table inet schoolgw", "delete table inet schoolgw", "table inet schoolgw {"], lines[..3]);
        Assert.Contains("elements = { 192.0.2.10 }", lines);
        Assert.Contains("elements = { 2001:db8::53 }", lines);
        Assert.Contains("iifname { \"lan0\", \"lan1\" } udp dport 53 redirect to :53", lines);
        Assert.True(At("meta mark & 0x20000000 == 0x20000000 ct mark set") < At("ct mark & 0x40000000 == 0x40000000 accept"));
        Assert.True(At("ct mark & 0x40000000 == 0x40000000 accept") < At("tcp dport 853 reject with tcp reset"));
        Assert.True(At("ip daddr @doh4 tcp dport 443 reject") < At("tcp dport { 80, 443 } ct direction original ct original packets 0-12"));
        Assert.EndsWith("meta mark & 0x40000000 != 0x40000000 queue flags bypass to 0-3", lines[At("tcp dport { 80, 443 }")], StringComparison.Ordinal);
        Assert.Contains("iifname { \"lan0\", \"lan1\" } udp dport 853 reject with icmpx port-unreachable", lines);   // QUIC filtered: 443 not rejected
        Assert.True(At("udp dport 443 ct direction original") > 0);
        Assert.Contains("# nft -f - (one transaction for IPv4 and IPv6)\n" + plan.NftScript, plan.Render(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(FirewallMode.Off, "# appliance firewall: mode off: the packet filter is off.")]
    [InlineData(FirewallMode.DnsOnly, "# appliance firewall: mode dns-only: the box is only the resolver DHCP hands out and forwards nothing")]
    [InlineData(FirewallMode.Monitor, "# appliance firewall: mode monitor: passive logging from the mirror port, no verdicts.")]
    public async Task Render_ModeWithoutRuleset_SaysSoAndThatApplyRemoves(FirewallMode mode, string first)
    {
        var plan = await Plan(new FirewallOptions { Mode = mode }, nativeQueue: false);

        Assert.StartsWith(first, plan.Render(), StringComparison.Ordinal);
        Assert.EndsWith("# No ruleset; apply removes one an earlier mode installed.\n", plan.Render(), StringComparison.Ordinal);
        Assert.True(plan.V4.IsEmpty && plan.V6.IsEmpty);
    }

    [Fact]
    public async Task Create_NftFormWithBridgeUplink_Refused()
        => await Assert.ThrowsAsync<ArgumentException>(() => Plan(Router with { Mode = FirewallMode.Bridge, Uplink = "eth0" }, nativeQueue: true, RulesetForm.Nft));
}
