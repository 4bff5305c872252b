using System.Text;

namespace Appliance.PacketFilter.Firewall;

/// <summary>Which tools carry the ruleset.</summary>
public enum RulesetForm
{
    /// <summary>iptables-restore / ip6tables-restore (on Debian 12 the nf_tables backend, NFQUEUE through nft_compat).</summary>
    Iptables,

    /// <summary>One native <c>table inet schoolgw</c>, when the kernel has nft's queue expression.</summary>
    Nft,
}

/// <summary>
/// Everything <c>apply</c> would install and why in that form: what <c>print</c> shows and <see cref="FirewallInstaller"/>
/// installs. Built once from the options and the kernel probe, so what is printed is what is applied.
/// </summary>
public sealed record FirewallPlan(FirewallOptions Options, RulesetForm Form, string FormReason, QueueSupport Detection)
{
    public FamilyRuleset V4 { get; init; } = FamilyRuleset.Empty(IpFamily.V4);

    public FamilyRuleset V6 { get; init; } = FamilyRuleset.Empty(IpFamily.V6);

    /// <summary>The nft script (only for <see cref="RulesetForm.Nft"/>; empty otherwise).</summary>
    public string NftScript { get; init; } = "";

    /// <param name="options">What to generate.</param>
    /// <param name="tools">Runs nft for the probe.</param>
    /// <param name="form">A form chosen by the user; null: native nft when the kernel has its queue expression.</param>
    /// <param name="cancellationToken">Stops the probe.</param>
    /// <exception cref="ArgumentException">The options are invalid, or cannot be written in the chosen form.</exception>
    public static async Task<FirewallPlan> CreateAsync(FirewallOptions options, IToolRunner tools, RulesetForm? form = null, CancellationToken cancellationToken = default)
    {
        options.Validate();
        var detection = await NftQueueProbe.DetectAsync(tools, cancellationToken);
        var physdev = options.Mode == FirewallMode.Bridge && options.Uplink is not null;
        var (chosen, reason) = form switch
        {
            RulesetForm.Iptables => (RulesetForm.Iptables, "chosen with --form"),
            RulesetForm.Nft => (RulesetForm.Nft, "chosen with --form"),
            _ when detection.NativeQueue && physdev => (RulesetForm.Iptables, "the bridge uplink match (xt physdev) has no native nft form"),
            _ when detection.NativeQueue => (RulesetForm.Nft, "the kernel has nft's queue expression"),
            _ => (RulesetForm.Iptables, "the kernel lacks nft's queue expression; iptables' NFQUEUE target works through nft_compat"),
        };

        var plan = new FirewallPlan(options, chosen, reason, detection);
        return chosen == RulesetForm.Nft
            ? plan with { NftScript = NftGenerator.Generate(options) }
            : plan with { V4 = IptablesGenerator.Generate(options, IpFamily.V4), V6 = IptablesGenerator.Generate(options, IpFamily.V6) };
    }

    /// <summary>The text <c>appliance firewall print</c> shows: a header of '#' comments, then the exact restore or nft input.</summary>
    public string Render()
    {
        var o = Options;
        var text = new StringBuilder();
        text.Append($"# appliance firewall: mode {ModeName(o.Mode)}");
        if (!o.HasRuleset)
        {
            text.Append(o.Mode switch
            {
                FirewallMode.DnsOnly => ": the box is only the resolver DHCP hands out and forwards nothing, so there is nothing to redirect or reject"
                    + " here (block DNS to other servers, 853 and DoH on the school's router).",
                FirewallMode.Monitor => ": passive logging from the mirror port, no verdicts.",
                _ => ": the packet filter is off.",
            });
            text.Append("\n# No ruleset; apply removes one an earlier mode installed.\n");
            return text.ToString();
        }

        text.Append($"; LAN {string.Join(", ", o.Lan)}{(o.Uplink is null ? "" : $" (not from {o.Uplink})")}; DNS redirected to port {o.ResolverPort}; ");
        text.Append($"NFQUEUE {(o.Queues.Count == 1 ? $"{o.Queues.First}" : $"{o.Queues.First}-{o.Queues.Last}")} for the first {o.InspectPackets} packets of a flow; ");
        text.Append($"QUIC {(o.Quic == QuicPolicy.Reject ? "rejected" : "queued")}; DoH addresses {o.Doh.V4.Count} IPv4 + {o.Doh.V6.Count} IPv6; IPv6 {(o.Ipv6 ? "on" : "off")}\n");
        text.Append($"# form: {(Form == RulesetForm.Nft ? "native nft" : "iptables-nft")} ({FormReason})\n");
        text.Append($"# native nft queue: {(Detection.NativeQueue ? "yes" : "no")} ({Detection.Reason})\n");
        if (Form == RulesetForm.Nft)
        {
            text.Append("# nft -f - (one transaction for IPv4 and IPv6)\n").Append(NftScript);
            return text.ToString();
        }

        foreach (var family in new[] { V4, V6 })
        {
            text.Append($"# {(family.Family == IpFamily.V4 ? "IPv4" : "IPv6")}: {family.RestoreTool} -w --noflush");
            text.Append(family.IsEmpty ? " (nothing: IPv6 is off)\n" : " (our chains are created or flushed; each jump is added only when missing)\n");
            text.Append(family.ToRestoreText());
        }

        return text.ToString();
    }

    /// <summary>The mode as the configuration spells it.</summary>
    public static string ModeName(FirewallMode mode) => mode == FirewallMode.DnsOnly ? "dns-only" : mode.ToString().ToLowerInvariant();
}
