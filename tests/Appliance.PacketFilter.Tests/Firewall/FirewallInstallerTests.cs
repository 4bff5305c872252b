using Appliance.PacketFilter.Firewall;

namespace Appliance.PacketFilter.Tests.Firewall;

/// <summary>The installer's decisions against scripted tools (the real tools run in the integration tests' namespaces).</summary>
public sealed class FirewallInstallerTests
{
    private static readonly FirewallOptions Router = new() { Mode = FirewallMode.Router, Lan = ["lan0"] };
    private const string NoNativeQueue = "Error: Could not process rule: No such file or directory\n";
    private const string NoTable = "Error: No such file or directory\nlist table inet schoolgw\n";

    private static async Task<FirewallPlan> Plan(FirewallOptions options)
        => await FirewallPlan.CreateAsync(options, new ScriptedTools().Answer("nft", 1, stderr: NoNativeQueue));

    [Fact]
    public async Task Apply_Ipv6RestoreFails_Ipv4RolledBackAndTheToolsMessageReported()
    {
        var plan = await Plan(Router);
        var installedV4 = "*filter\n:FORWARD ACCEPT [0:0]\n:SCHOOLGW-FWD - [0:0]\n-A FORWARD -j SCHOOLGW-FWD\n-A SCHOOLGW-FWD -j RETURN\nCOMMIT\n";
        var tools = new ScriptedTools()
            .Answer("iptables-save", 0, "")                       // before: nothing of ours
            .Answer("ip6tables-save", 0, "")
            .Answer("iptables-restore", 0)
            .Answer("ip6tables-restore", 2, stderr: "ip6tables-restore v1.8.9 (nf_tables): \nline 7: RULE_APPEND failed (Invalid argument): rule in chain SCHOOLGW-FWD\n")
            .Answer("iptables-save", 0, installedV4)              // rollback: what v4 has now
            .Answer("iptables-restore", 0)
            .Answer("ip6tables-save", 0, "");                     // and v6 (the failed restore left nothing)

        var ex = await Assert.ThrowsAsync<FirewallException>(() => new FirewallInstaller(tools).ApplyAsync(plan));

        Assert.Contains("ip6tables-restore failed: ip6tables-restore v1.8.9 (nf_tables): \nline 7: RULE_APPEND failed (Invalid argument)", ex.Message, StringComparison.Ordinal);
        Assert.Contains("IPv4: rolled back to what was installed before", ex.Message, StringComparison.Ordinal);
        Assert.Contains("IPv6: rolled back", ex.Message, StringComparison.Ordinal);   // nothing of ours there now: nothing to run
        var rollback = tools.Inputs("iptables-restore")[1]!;
        Assert.Contains("-D FORWARD -j SCHOOLGW-FWD\n-X SCHOOLGW-FWD\n", rollback, StringComparison.Ordinal);
        Assert.All(tools.Calls.Where(c => c.Tool.EndsWith("-restore", StringComparison.Ordinal)), c => Assert.Equal(["-w", "--noflush"], c.Args));
    }

    [Fact]
    public async Task Apply_SaveFails_NothingRunAndTheToolsMessageReported()
    {
        var plan = await Plan(Router);
        var tools = new ScriptedTools().Answer("iptables-save", 127, stderr: "iptables-save: cannot be run: No such file or directory");

        var ex = await Assert.ThrowsAsync<FirewallException>(() => new FirewallInstaller(tools).ApplyAsync(plan));

        Assert.Equal("iptables-save failed: iptables-save: cannot be run: No such file or directory", ex.Message);
        Assert.Single(tools.Calls);
    }

    [Fact]
    public async Task Apply_Ipv6OffAndIp6tablesUnavailable_Ipv4InstalledAndIpv6Noted()
    {
        var tools = new ScriptedTools()
            .Answer("iptables-save", 0, "")
            .Answer("ip6tables-save", 1, stderr: "ip6tables-save: Address family not supported by protocol")
            .Answer("iptables-restore", 0)
            .Answer("nft", 1, stderr: NoTable);

        var report = await new FirewallInstaller(tools).ApplyAsync(await Plan(Router with { Ipv6 = false }));

        Assert.Equal([
            "IPv6: not checked (ip6tables-save failed: ip6tables-save: Address family not supported by protocol)",
            "IPv4: installed filter/SCHOOLGW-FWD (12 rules), nat/SCHOOLGW-PRE (2 rules), mangle/SCHOOLGW-POST (1 rules)",
            "nft: no native table of ours"], report);
    }

    [Fact]
    public async Task Remove_NothingInstalled_NoRestoreRun()
    {
        var tools = new ScriptedTools()
            .Answer("iptables-save", 0, "*filter\n:FORWARD ACCEPT [0:0]\n-A FORWARD -j DROP\nCOMMIT\n")
            .Answer("ip6tables-save", 0, "")
            .Answer("nft", 1, stderr: NoTable);

        var report = await new FirewallInstaller(tools).RemoveAsync();

        Assert.Equal(["IPv4: nothing of ours installed", "IPv6: nothing of ours installed", "nft: no native table of ours"], report);
        Assert.DoesNotContain(tools.Calls, c => c.Tool.EndsWith("-restore", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Apply_NativeForm_OneNftTransactionThenIptablesLeftoversRemoved()
    {
        var plan = await FirewallPlan.CreateAsync(Router, new ScriptedTools().Answer("nft", 0));
        Assert.Equal(RulesetForm.Nft, plan.Form);
        var tools = new ScriptedTools()
            .Answer("nft", 0)
            .Answer("iptables-save", 0, "*mangle\n:POSTROUTING ACCEPT [0:0]\n:SCHOOLGW-POST - [0:0]\n-A POSTROUTING -j SCHOOLGW-POST\nCOMMIT\n")
            .Answer("ip6tables-save", 0, "")
            .Answer("iptables-restore", 0);

        var report = await new FirewallInstaller(tools).ApplyAsync(plan);

        Assert.Equal(["nft: installed table inet schoolgw", "IPv4: removed mangle/SCHOOLGW-POST (0 rules)", "IPv6: nothing of ours installed"], report);
        Assert.Equal(["-f", "-"], tools.Calls[0].Args);
        Assert.StartsWith("table inet schoolgw\ndelete table inet schoolgw\ntable inet schoolgw {", tools.Calls[0].Stdin, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Apply_NativeFormRefused_NothingChangedAndNftsMessageReported()
    {
        var plan = await FirewallPlan.CreateAsync(Router, new ScriptedTools().Answer("nft", 0));
        var tools = new ScriptedTools().Answer("nft", 1, stderr: "/dev/stdin:30:1-5: Error: Could not process rule: No such file or directory");

        var ex = await Assert.ThrowsAsync<FirewallException>(() => new FirewallInstaller(tools).ApplyAsync(plan));

        Assert.Equal("nft -f failed (nothing was changed): /dev/stdin:30:1-5: Error: Could not process rule: No such file or directory", ex.Message);
        Assert.Single(tools.Calls);
    }

    [Theory]
    [InlineData(0, "", true, "nft --check accepted 'queue num 0 bypass' (the kernel has nft_queue)")]
    [InlineData(1, NoNativeQueue, false, "nft --check: the kernel refused 'queue num 0 bypass' with \"No such file or directory\": no nft_queue, CONFIG_NFT_QUEUE unset")]
    [InlineData(127, "nft: cannot be run", false, "nft is not installed")]
    [InlineData(1, "Error: Could not process rule: Operation not permitted\n", false, "unknown: nft --check failed otherwise (Error: Could not process rule: Operation not permitted); assuming no native queue")]
    public async Task Probe_TheKernelsAnswer_Interpreted(int exitCode, string stderr, bool native, string reason)
    {
        var tools = new ScriptedTools().Answer("nft", exitCode, stderr: stderr);

        var support = await NftQueueProbe.DetectAsync(tools);

        Assert.Equal(new QueueSupport(native, reason), support);
        Assert.Equal(["--check", "-f", "-"], tools.Calls[0].Args);
        Assert.Matches(@"^table inet schoolgw_probe_[0-9a-f]{32} \{\n\tchain probe \{\n\t\tqueue num 0 bypass\n", tools.Calls[0].Stdin);
    }
}
