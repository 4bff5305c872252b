namespace Appliance.PacketFilter.Firewall;

/// <summary>
/// Applies a <see cref="FirewallPlan"/> and removes what the product installed, in either form. Applying one form
/// removes the other form's leftovers (a kernel upgrade can change the form), so there is only ever one ruleset of ours.
/// </summary>
public sealed class FirewallInstaller
{
    private readonly IToolRunner _tools;
    private readonly IptablesInstaller _iptables;

    public FirewallInstaller(IToolRunner tools)
    {
        _tools = tools;
        _iptables = new IptablesInstaller(tools);
    }

    /// <returns>What changed, a line each.</returns>
    /// <exception cref="FirewallException">A tool failed; the message has its stderr and what was rolled back.</exception>
    public async Task<IReadOnlyList<string>> ApplyAsync(FirewallPlan plan, CancellationToken cancellationToken = default)
    {
        if (plan.Form == RulesetForm.Iptables)
        {
            var report = new List<string>(await _iptables.ApplyAsync(plan.V4, plan.V6, cancellationToken));
            report.Add(await RemoveNftTableAsync(cancellationToken));
            return report;
        }

        var lines = new List<string>();
        if (plan.NftScript.Length == 0)
        {
            lines.Add(await RemoveNftTableAsync(cancellationToken));
        }
        else
        {
            // One nft transaction: on failure the kernel keeps the previous table as it was.
            var result = await _tools.RunAsync("nft", ["-f", "-"], plan.NftScript, cancellationToken);
            if (!result.Ok)
            {
                throw new FirewallException($"nft -f failed (nothing was changed): {result.Message}");
            }

            lines.Add($"nft: installed table inet {NftGenerator.Table}");
        }

        lines.AddRange(await _iptables.RemoveAsync(cancellationToken));
        return lines;
    }

    /// <summary>Removes our chains (both families) and our nft table; a no-op, saying so, when none are installed.</summary>
    /// <exception cref="FirewallException">A tool failed.</exception>
    public async Task<IReadOnlyList<string>> RemoveAsync(CancellationToken cancellationToken = default)
    {
        var report = new List<string>(await _iptables.RemoveAsync(cancellationToken));
        report.Add(await RemoveNftTableAsync(cancellationToken));
        return report;
    }

    private async Task<string> RemoveNftTableAsync(CancellationToken cancellationToken)
    {
        var list = await _tools.RunAsync("nft", ["list", "table", "inet", NftGenerator.Table], null, cancellationToken);
        if (list.ExitCode == ToolResult.NotFound)
        {
            return "nft: not installed, so no native table of ours";
        }

        if (!list.Ok)
        {
            return list.Stderr.Contains("No such file or directory", StringComparison.Ordinal)
                ? "nft: no native table of ours"
                : $"nft: could not check for a native table of ours ({list.Message.Split('\n')[0]})";
        }

        var delete = await _tools.RunAsync("nft", ["-f", "-"], NftGenerator.DeleteScript, cancellationToken);
        return delete.Ok
            ? $"nft: removed table inet {NftGenerator.Table}"
            : throw new FirewallException($"nft: could not remove table inet {NftGenerator.Table}: {delete.Message}");
    }
}
