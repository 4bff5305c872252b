namespace Appliance.PacketFilter.Firewall;

/// <summary>
/// Installs and removes our chains with <c>iptables-restore --noflush</c> / <c>ip6tables-restore --noflush</c>, leaving
/// every other chain and rule as it is. Nothing is half-applied: both families' installed state is read first, and if
/// any restore fails (iptables-nft commits table by table, so a failure can follow a committed table) the families
/// already touched are built back to that snapshot. The error carries the tool's own message.
/// </summary>
public sealed class IptablesInstaller
{
    private readonly IToolRunner _tools;

    public IptablesInstaller(IToolRunner tools) => _tools = tools;

    /// <summary>Makes the installed chains equal to <paramref name="v4"/> and <paramref name="v6"/> (empty rulesets remove).</summary>
    /// <returns>One line a family: what changed.</returns>
    /// <exception cref="FirewallException">A tool failed; whatever was changed has been rolled back (the message says so).</exception>
    public async Task<IReadOnlyList<string>> ApplyAsync(FamilyRuleset v4, FamilyRuleset v6, CancellationToken cancellationToken = default)
    {
        var report = new List<string>();
        var before4 = await SnapshotAsync(IpFamily.V4, cancellationToken);
        IptablesSnapshot? before6;
        try
        {
            before6 = await SnapshotAsync(IpFamily.V6, cancellationToken);
        }
        catch (FirewallException ex) when (v6.IsEmpty)
        {
            // A box without IPv6 (ipv6.disable=1) cannot list it; with nothing of ours wanted there, there is nothing to do.
            before6 = null;
            report.Add($"IPv6: not checked ({ex.Message})");
        }

        var done = new List<IptablesSnapshot>();
        foreach (var (wanted, before) in new[] { (v4, before4), (v6, before6) })
        {
            if (before is null)
            {
                continue;
            }

            var script = RestoreScript.Build(wanted, before);
            if (script is null)
            {
                report.Add(wanted.IsEmpty ? $"{Name(wanted.Family)}: nothing of ours installed" : $"{Name(wanted.Family)}: up to date, nothing changed");
                continue;
            }

            done.Add(before);
            var result = await RestoreAsync(wanted.Family, script, cancellationToken);
            if (!result.Ok)
            {
                var rollback = await RollBackAsync(done, cancellationToken);
                throw new FirewallException($"{wanted.RestoreTool} failed: {result.Message}\n{rollback}");
            }

            report.Add(wanted.IsEmpty
                ? $"{Name(wanted.Family)}: removed {Describe(before.Chains)}"
                : $"{Name(wanted.Family)}: installed {Describe(wanted.Chains)}");
        }

        return report;
    }

    /// <summary>Deletes the jumps to our chains and the chains themselves, in both families; a no-op when none are there.</summary>
    /// <exception cref="FirewallException">A tool failed (and what was changed has been rolled back).</exception>
    public Task<IReadOnlyList<string>> RemoveAsync(CancellationToken cancellationToken = default)
        => ApplyAsync(FamilyRuleset.Empty(IpFamily.V4), FamilyRuleset.Empty(IpFamily.V6), cancellationToken);

    /// <summary>What of ours is installed in one family.</summary>
    /// <exception cref="FirewallException">iptables-save failed or printed something unreadable.</exception>
    public async Task<IptablesSnapshot> SnapshotAsync(IpFamily family, CancellationToken cancellationToken = default)
    {
        var tool = FamilyRuleset.Empty(family).SaveTool;
        var result = await _tools.RunAsync(tool, [], null, cancellationToken);
        if (!result.Ok)
        {
            throw new FirewallException($"{tool} failed: {result.Message}");
        }

        try
        {
            return IptablesSnapshot.Parse(result.Stdout, family);
        }
        catch (InvalidDataException ex)
        {
            throw new FirewallException($"{tool}: {ex.Message}", ex);
        }
    }

    // -w: wait for the xtables lock rather than fail when another tool holds it (iptables-legacy; ignored by the nft backend).
    private Task<ToolResult> RestoreAsync(IpFamily family, string script, CancellationToken cancellationToken)
        => _tools.RunAsync(FamilyRuleset.Empty(family).RestoreTool, ["-w", "--noflush"], script, cancellationToken);

    private async Task<string> RollBackAsync(IEnumerable<IptablesSnapshot> snapshots, CancellationToken cancellationToken)
    {
        var lines = new List<string>();
        foreach (var snapshot in snapshots)
        {
            try
            {
                var now = await SnapshotAsync(snapshot.Family, cancellationToken);
                var script = RestoreScript.Build(snapshot.AsRuleset(), now);
                var result = script is null ? null : await RestoreAsync(snapshot.Family, script, cancellationToken);
                lines.Add(result is null || result.Ok
                    ? $"{Name(snapshot.Family)}: rolled back to what was installed before"
                    : $"{Name(snapshot.Family)}: ROLLBACK FAILED, the ruleset may be half-applied: {result.Message}");
            }
            catch (FirewallException ex)
            {
                lines.Add($"{Name(snapshot.Family)}: ROLLBACK FAILED, the ruleset may be half-applied: {ex.Message}");
            }
        }

        return string.Join('\n', lines);
    }

    private static string Name(IpFamily family) => family == IpFamily.V4 ? "IPv4" : "IPv6";

    private static string Describe(IReadOnlyList<OwnChain> chains)
        => chains.Count == 0 ? "nothing (no chains of ours)" : $"{string.Join(", ", chains.Select(c => $"{c.Table}/{c.Name} ({c.Rules.Count} rules)"))}";
}
