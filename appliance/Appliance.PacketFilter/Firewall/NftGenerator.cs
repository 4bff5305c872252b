using System.Text;

namespace Appliance.PacketFilter.Firewall;

/// <summary>
/// The ruleset as one native nftables table (<c>table inet schoolgw</c>), for kernels that have nft's <c>queue</c>
/// expression (CONFIG_NFT_QUEUE). The same rules and order as <see cref="IptablesGenerator"/>, both families in one
/// table, the DoH addresses in interval sets. The script replaces any earlier table in one transaction (the
/// "create, delete, define" idiom of nft(8)), so apply is atomic for IPv4 and IPv6 together.
/// </summary>
/// <remarks>
/// Our base chains sit 10 below the usual priorities: the DNS redirect then binds before a school's own DNAT, and our
/// verdicts come before the school's filter chains. An <c>accept</c> in our chain ends only our chain; every other base
/// chain on the hook still sees the packet (nft(8), "base chains"), so the fast path can accept.
/// Checked on this machine with <c>nft -c</c>: every statement but <c>queue</c> is accepted by the kernel.
/// </remarks>
public static class NftGenerator
{
    public const string Table = "schoolgw";

    /// <summary>An nft script that deletes our table if it is there and does nothing otherwise (nft 1.0.6 has no "destroy").</summary>
    public const string DeleteScript = $"table inet {Table}\ndelete table inet {Table}\n";

    /// <summary>The script <c>nft -f</c> runs; empty when the mode has no ruleset.</summary>
    /// <exception cref="ArgumentException">The options are not valid, or name a bridge uplink (nft has no physdev match for br_netfilter).</exception>
    public static string Generate(FirewallOptions options)
    {
        options.Validate();
        if (!options.HasRuleset)
        {
            return "";
        }

        if (options.Mode == FirewallMode.Bridge && options.Uplink is not null)
        {
            throw new ArgumentException("native nft cannot match the bridge port a packet came in on (br_netfilter's physdev); use the iptables form");
        }

        var lan = $"iifname {{ {string.Join(", ", options.Lan.Select(n => $"\"{n}\""))} }}";
        var d = $"0x{FilterMarks.Decided:x}";
        var b = $"0x{FilterMarks.Block:x}";
        var filterQuic = options.Quic == QuicPolicy.Filter;
        var doh4 = options.Doh.V4.Count > 0;
        var doh6 = options.Ipv6 && options.Doh.V6.Count > 0;
        var onlyV4 = options.Ipv6 ? null : "meta nfproto ipv6 accept";
        var queue = options.Queues.Count == 1
            ? $"queue flags bypass to {options.Queues.First}"
            : $"queue flags bypass to {options.Queues.First}-{options.Queues.Last}";   // a range without "fanout" is hashed, as --queue-balance is

        var text = new StringBuilder(DeleteScript);
        text.Append($"table inet {Table} {{\n");
        if (doh4)
        {
            Set(text, "doh4", "ipv4_addr", options.Doh.V4);
        }

        if (doh6)
        {
            Set(text, "doh6", "ipv6_addr", options.Doh.V6);
        }

        Chain(text, "dns-redirect", "type nat hook prerouting priority dstnat - 10; policy accept;",
            onlyV4,
            $"{lan} udp dport 53 redirect to :{options.ResolverPort}",
            $"{lan} tcp dport 53 redirect to :{options.ResolverPort}");
        Chain(text, "forward", "type filter hook forward priority filter - 10; policy accept;",
            onlyV4,
            $"meta mark & {b} == {b} ct mark set ct mark | 0x{FilterMarks.Mask:x}",
            $"meta mark & {b} == {b} meta l4proto tcp reject with tcp reset",
            $"meta mark & {b} == {b} reject with icmpx port-unreachable",
            $"ct mark & {b} == {b} meta l4proto tcp reject with tcp reset",
            $"ct mark & {b} == {b} reject with icmpx port-unreachable",
            $"ct mark & {d} == {d} accept",
            $"meta mark & {d} == {d} ct mark set ct mark | {d} accept",
            $"{lan} tcp dport 853 reject with tcp reset",
            filterQuic ? $"{lan} udp dport 853 reject with icmpx port-unreachable" : $"{lan} udp dport {{ 443, 853 }} reject with icmpx port-unreachable",
            doh4 ? $"{lan} ip daddr @doh4 tcp dport 443 reject with tcp reset" : null,
            doh6 ? $"{lan} ip6 daddr @doh6 tcp dport 443 reject with tcp reset" : null,
            doh4 && filterQuic ? $"{lan} ip daddr @doh4 udp dport 443 reject with icmpx port-unreachable" : null,
            doh6 && filterQuic ? $"{lan} ip6 daddr @doh6 udp dport 443 reject with icmpx port-unreachable" : null,
            $"{lan} tcp dport {{ 80, 443 }} ct direction original ct original packets 0-{options.InspectPackets} meta mark & {d} != {d} {queue}",
            filterQuic ? $"{lan} udp dport 443 ct direction original ct original packets 0-{options.InspectPackets} meta mark & {d} != {d} {queue}" : null);
        Chain(text, "save-decided", "type filter hook postrouting priority mangle; policy accept;",
            onlyV4,
            $"meta mark & {d} == {d} ct mark set ct mark | {d}");
        text.Append("}\n");
        return text.ToString();
    }

    private static void Set(StringBuilder text, string name, string type, IReadOnlyList<System.Net.IPNetwork> networks)
    {
        var elements = networks.Select(n => n.PrefixLength == (type == "ipv4_addr" ? 32 : 128) ? n.BaseAddress.ToString() : n.ToString());
        text.Append($"\tset {name} {{\n\t\ttype {type}\n\t\tflags interval\n\t\telements = {{ {string.Join(", ", elements)} }}\n\t}}\n");
    }

    private static void Chain(StringBuilder text, string name, string hook, params string?[] rules)
    {
        text.Append($"\tchain {name} {{\n\t\t{hook}\n");
        foreach (var rule in rules.OfType<string>())
        {
            text.Append("\t\t").Append(rule).Append('\n');
        }

        text.Append("\t}\n");
    }
}
