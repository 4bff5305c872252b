namespace Appliance.PacketFilter.Firewall;

/// <summary>Whether the kernel has nft's native <c>queue</c> expression, and how that was found out.</summary>
public sealed record QueueSupport(bool NativeQueue, string Reason);

/// <summary>
/// Asks the kernel, not the nft version: <c>nft --check</c> sends a throw-away table with a <c>queue</c> rule through a
/// transaction the kernel validates and then aborts, so nothing is installed. Checked on this machine (kernel 6.18
/// without CONFIG_NFT_QUEUE, nftables 1.0.6): the rule is refused with "No such file or directory" (no such
/// expression type) while the same table with a <c>counter</c> passes. Parsing alone (nft's syntax) would not tell:
/// 1.0.6 parses <c>queue</c> happily. The check needs CAP_NET_ADMIN; without it the answer is "unknown", treated as no.
/// </summary>
public static class NftQueueProbe
{
    public static async Task<QueueSupport> DetectAsync(IToolRunner tools, CancellationToken cancellationToken = default)
    {
        // A regular (non-base) chain: no hook is registered even for the moment the transaction lives. Named uniquely,
        // so it can never merge into a real table.
        var table = $"schoolgw_probe_{Guid.NewGuid():N}";
        var script = $"table inet {table} {{\n\tchain probe {{\n\t\tqueue num 0 bypass\n\t}}\n}}\n";
        var result = await tools.RunAsync("nft", ["--check", "-f", "-"], script, cancellationToken);
        if (result.Ok)
        {
            return new QueueSupport(true, "nft --check accepted 'queue num 0 bypass' (the kernel has nft_queue)");
        }

        if (result.ExitCode == ToolResult.NotFound)
        {
            return new QueueSupport(false, "nft is not installed");
        }

        if (result.Stderr.Contains("No such file or directory", StringComparison.Ordinal))
        {
            return new QueueSupport(false, "nft --check: the kernel refused 'queue num 0 bypass' with \"No such file or directory\": no nft_queue, CONFIG_NFT_QUEUE unset");
        }

        var first = result.Message.Split('\n')[0];
        return new QueueSupport(false, $"unknown: nft --check failed otherwise ({first}); assuming no native queue");
    }
}
