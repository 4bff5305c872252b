using Appliance.IntegrationTests.Peers;

namespace Appliance.IntegrationTests.PacketPath;

/// <summary>The CLI's contract on a real box: what print says, exit codes, and a failed apply rolled back.</summary>
public sealed partial class FirewallRouterTests
{
    [Fact]
    public async Task ApplyAndRemove_AreInTheAuditLog_WithTheRulesetsHash()
    {
        try
        {
            await _box.ApplyAsync();
        }
        finally
        {
            await _box.RemoveAsync();
        }

        var show = await Processes.RunAsync(ApplianceProcess.Executable, ["audit", "show", "--data-dir", _box.CliDataDir]);
        Assert.True(show.ExitCode == 0, show.All);
        Assert.Contains("firewall.applied", show.Stdout, StringComparison.Ordinal);
        Assert.Contains("rulesetSha256", show.Stdout, StringComparison.Ordinal);
        Assert.Contains("firewall.removed", show.Stdout, StringComparison.Ordinal);
        var verify = await Processes.RunAsync(ApplianceProcess.Executable, ["audit", "verify", "--data-dir", _box.CliDataDir]);
        Assert.True(verify.ExitCode == 0, verify.All);
    }

    [Fact]
    public async Task Print_ThisKernel_IptablesFormBecauseNftHasNoNativeQueue()
    {
        var result = await _box.FirewallAsync("print", "--config", _box.ConfigFile);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("# form: iptables-nft (the kernel lacks nft's queue expression", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("# native nft queue: no (nft --check: the kernel refused 'queue num 0 bypass' with \"No such file or directory\"", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("-A SCHOOLGW-DOH -d 203.0.113.10/32 -p tcp -j REJECT --reject-with tcp-reset\n", result.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("SCHOOLGW", await _box.SaveAsync(), StringComparison.Ordinal);   // print installs nothing
    }

    [Fact]
    public async Task Print_NativeForm_TheKernelAcceptsEveryStatementButQueue()
    {
        // This kernel cannot run the native form; nft --check still has the kernel validate every other statement.
        var print = await _box.FirewallAsync("print", "--config", _box.ConfigFile, "--form", "nft");
        Assert.Equal(0, print.ExitCode);
        var script = string.Join('\n', print.Stdout.Split('\n').Where(l => !l.StartsWith('#')));
        var file = Path.Combine(Path.GetTempPath(), $"pft-native-{Guid.NewGuid():N}.nft");
        await File.WriteAllTextAsync(file, script);
        try
        {
            var check = await Topology.ExecAsync(Net.Box, "nft", "--check", "-f", file);

            var errors = check.Stderr.Split('\n').Select((line, i) => (line, i)).Where(x => x.line.Contains("Error:", StringComparison.Ordinal)).ToList();
            Assert.True(errors.Count > 0, check.All);
            Assert.All(errors, e =>
            {
                Assert.Contains("Could not process rule: No such file or directory", e.line, StringComparison.Ordinal);
                Assert.Contains("queue flags bypass to 0", check.Stderr.Split('\n')[e.i + 1], StringComparison.Ordinal);   // nft echoes the failing rule
            });
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Apply_NativeFormOnThisKernel_ExitOneWithNftsMessageAndNothingInstalled()
    {
        var result = await _box.FirewallAsync("apply", "--config", _box.ConfigFile, "--form", "nft");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("nft -f failed (nothing was changed): ", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("Could not process rule: No such file or directory", result.Stderr, StringComparison.Ordinal);
        Assert.NotEqual(0, (await Topology.ExecAsync(Net.Box, "nft", "list", "table", "inet", "schoolgw")).ExitCode);   // one transaction: no half table
        Assert.DoesNotContain("SCHOOLGW", await _box.SaveAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "apply", "--mode", "router" }, "command line: --lan: is required in router mode")]
    [InlineData(new[] { "apply", "--mode", "router", "--lan", "lan0;reboot" }, "command line: --lan: 'lan0;reboot' is not an interface name")]
    [InlineData(new[] { "print", "--queues", "4" }, "command line: --queues: '4' is not FIRST:COUNT")]
    [InlineData(new[] { "apply", "--form", "pf" }, "Argument 'pf' not recognized")]
    public async Task BadUsage_ExitTwoNamingTheProblemAndNothingInstalled(string[] args, string message)
    {
        var result = await _box.FirewallAsync(args);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(message, result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("SCHOOLGW", await _box.SaveAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Apply_Ip6tablesRestoreFails_ExitOneWithItsMessageAndIpv4RolledBack()
    {
        // A stand-in ip6tables-restore that fails the way the real one does; iptables-restore is the real one.
        var bin = Directory.CreateTempSubdirectory("pft-fake-bin-").FullName;
        var fake = Path.Combine(bin, "ip6tables-restore");
        await File.WriteAllTextAsync(fake, "#!/bin/sh\ncat >/dev/null\necho 'ip6tables-restore v1.8.9 (nf_tables): line 4: RULE_APPEND failed (Invalid argument)' >&2\nexit 4\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(fake, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        }

        try
        {
            var before = await _box.SaveAsync();
            var env = new Dictionary<string, string> { ["PATH"] = $"{bin}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" };

            var result = await Topology.ExecAsync(Net.Box, env, ApplianceProcess.Executable, "firewall", "apply", "--config", _box.ConfigFile);

            Assert.Equal(1, result.ExitCode);
            Assert.Contains("ip6tables-restore failed: ip6tables-restore v1.8.9 (nf_tables): line 4: RULE_APPEND failed (Invalid argument)", result.Stderr, StringComparison.Ordinal);
            Assert.Contains("IPv4: rolled back to what was installed before", result.Stderr, StringComparison.Ordinal);
            Assert.Equal(before, await _box.SaveAsync());
        }
        finally
        {
            Directory.Delete(bin, recursive: true);
            await _box.RemoveAsync();
        }
    }
}
