using System.Globalization;
using System.Net;

namespace Appliance.PacketFilter.Firewall;

/// <summary>
/// The ruleset in iptables form (iptables-nft: the NFQUEUE target through nft_compat, which this machine's kernel
/// has while nft's native <c>queue</c> expression is missing; packet-path.md "Verified on this machine"). A pure
/// function of <see cref="FirewallOptions"/>. Rules are in iptables-save's own spelling (<c>-d</c> before <c>-i</c>
/// before <c>-p</c>, <c>-m tcp</c> spelled out, /32 on addresses) so the installed ruleset compares equal as text.
/// </summary>
/// <remarks>
/// SCHOOLGW-FWD, in order (the verdict loop's NF_REPEAT sends a packet through the chain again from the top, so
/// everything that reads our marks comes before the queue rule; Suricata's repeat mode, packet-path.md §1.4):
/// <code>
///  packet marked Block (the repeated packet)  → save to connmark, then TCP reset / ICMP unreachable
///  connection marked Block (later packets)    → TCP reset / ICMP unreachable, in both directions
///  connection marked Decided                  → RETURN (fast path: the flow no longer meets the queue)
///  packet marked Decided (an NF_REPEAT allow) → save to connmark, RETURN
///  LAN: TCP 853 → reset; UDP 853 (and UDP 443 unless QUIC is filtered) → ICMP port unreachable
///  LAN: new TCP 443 (UDP 443 too when QUIC is filtered) → SCHOOLGW-DOH: reset when the address is a DoH resolver
///  LAN: TCP 80/443, original direction, packets 0..N, not Decided → NFQUEUE --queue-bypass
/// </code>
/// The fast path RETURNs instead of ACCEPTing, so the school's own FORWARD rules after our jump still apply to
/// decided flows. An NF_ACCEPT verdict, though, resumes at the next hook, skipping the rest of filter FORWARD
/// (net/netfilter/nf_queue.c, nf_reinject): so the Decided mark of an accepted packet is saved in mangle POSTROUTING.
/// </remarks>
public static class IptablesGenerator
{
    private static readonly string Decided = Mark(FilterMarks.Decided, FilterMarks.Decided);
    private static readonly string Block = Mark(FilterMarks.Block, FilterMarks.Block);
    private static readonly string SaveMark = $"-j CONNMARK --save-mark --nfmask 0x{FilterMarks.Mask:x} --ctmask 0x{FilterMarks.Mask:x}";

    /// <summary>Our chains for one family; empty when the mode has no ruleset or the family is IPv6 and IPv6 is off.</summary>
    /// <exception cref="ArgumentException">The options are not valid (<see cref="FirewallOptions.Validate"/>).</exception>
    public static FamilyRuleset Generate(FirewallOptions options, IpFamily family)
    {
        options.Validate();
        if (!options.HasRuleset || (family == IpFamily.V6 && !options.Ipv6))
        {
            return FamilyRuleset.Empty(family);
        }

        var lans = options.Lan.Select(lan => LanMatch(options, lan)).ToList();
        var doh = family == IpFamily.V4 ? options.Doh.V4 : options.Doh.V6;
        var chains = new List<OwnChain>
        {
            new("filter", OwnChains.Forward, "FORWARD", ForwardRules(options, family, lans, doh.Count > 0)),
            new("nat", OwnChains.DnsRedirect, "PREROUTING", [.. lans.SelectMany(lan => DnsRedirect(lan, options.ResolverPort))]),
            new("mangle", OwnChains.SaveDecided, "POSTROUTING", [$"{Decided} {SaveMark}"]),
        };
        if (doh.Count > 0)
        {
            chains.Add(new OwnChain("filter", OwnChains.DohReject, null, DohRules(options, family, doh)));
        }

        return new FamilyRuleset(family, chains);
    }

    private static List<string> ForwardRules(FirewallOptions options, IpFamily family, List<Lan> lans, bool hasDoh)
    {
        var unreachable = Unreachable(family);
        var filterQuic = options.Quic == QuicPolicy.Filter;
        var rules = new List<string>
        {
            // Blocked by the verdict loop: the repeated packet carries Decided|Block. Saved first (REJECT ends the
            // chain), so the flow's later packets, either way, meet the connmark rules below.
            $"{Block} {SaveMark}",
            $"-p tcp {Block} -j REJECT --reject-with tcp-reset",
            $"{Block} -j REJECT --reject-with {unreachable}",
            $"-p tcp {ConnMark(FilterMarks.Block)} -j REJECT --reject-with tcp-reset",
            $"{ConnMark(FilterMarks.Block)} -j REJECT --reject-with {unreachable}",
            $"{ConnMark(FilterMarks.Decided)} -j RETURN",
            $"{Decided} {SaveMark}",
            $"{Decided} -j RETURN",
        };

        foreach (var lan in lans)
        {
            // DoT and DoQ (RFC 7858, RFC 9250) on their port: a reset is an immediate, clean failure, and clients fall back to port 53.
            rules.Add(lan.Rule("tcp", "-m tcp --dport 853 -j REJECT --reject-with tcp-reset"));
            rules.Add(lan.Rule("udp", $"-m udp --dport 853 -j REJECT --reject-with {unreachable}"));
            if (!filterQuic)
            {
                // QUIC hides the name from a TCP-only filter; browsers fall back to TCP on ICMP unreachable (packet-path.md §2.3).
                rules.Add(lan.Rule("udp", $"-m udp --dport 443 -j REJECT --reject-with {unreachable}"));
            }

            if (hasDoh)
            {
                // Only a flow's first packet walks the per-address list (no ipset with iptables-nft; about 2,000 addresses in a maintained list).
                rules.Add(lan.Rule("tcp", $"-m tcp --dport 443 -m conntrack --ctstate NEW -j {OwnChains.DohReject}"));
                if (filterQuic)
                {
                    rules.Add(lan.Rule("udp", $"-m udp --dport 443 -m conntrack --ctstate NEW -j {OwnChains.DohReject}"));
                }
            }
        }

        foreach (var lan in lans)
        {
            rules.Add(lan.Rule("tcp", $"-m multiport --dports 80,443 {Inspect(options)}"));
            if (filterQuic)
            {
                rules.Add(lan.Rule("udp", $"-m udp --dport 443 {Inspect(options)}"));
            }
        }

        return rules;
    }

    // connbytes needs conntrack accounting, which the match switches on by itself (xt_connbytes.c). --ctdir ORIGINAL:
    // a reply from a LAN server to an outside client is not a flow of ours to name. Not Decided: a guard like
    // Suricata's repeat mode ("! --mark"), though the fast path above already returned those.
    private static string Inspect(FirewallOptions options)
        => $"-m conntrack --ctdir ORIGINAL -m connbytes --connbytes 0:{options.InspectPackets} --connbytes-mode packets --connbytes-dir original "
         + $"-m mark ! --mark 0x{FilterMarks.Decided:x}/0x{FilterMarks.Decided:x} -j NFQUEUE {QueueTarget(options.Queues)} --queue-bypass";

    /// <summary>The NFQUEUE target's queue choice: one number, or a range balanced by a hash of the address pair (packet-path.md).</summary>
    public static string QueueTarget(QueueRange queues)
        => queues.Count == 1
            ? $"--queue-num {queues.First}"
            : $"--queue-balance {queues.First}:{queues.Last}";

    private static IEnumerable<string> DnsRedirect(Lan lan, int port)
    {
        // Any UDP/TCP 53 from the LAN, whatever address it was sent to, is answered by the box (RFC 7766: TCP too).
        // REDIRECT rewrites the destination to the incoming interface's primary address (xt_REDIRECT, nf_nat_redirect.c):
        // the resolver must listen on 0.0.0.0/[::] or on that address, and in bridge mode the bridge needs an address.
        yield return lan.Rule("udp", $"-m udp --dport 53 -j REDIRECT --to-ports {port}");
        yield return lan.Rule("tcp", $"-m tcp --dport 53 -j REDIRECT --to-ports {port}");
    }

    private static List<string> DohRules(FirewallOptions options, IpFamily family, IReadOnlyList<IPNetwork> addresses)
    {
        var rules = new List<string>();
        foreach (var network in addresses)
        {
            var destination = $"-d {network.BaseAddress}/{network.PrefixLength.ToString(CultureInfo.InvariantCulture)}";
            rules.Add($"{destination} -p tcp -j REJECT --reject-with tcp-reset");
            if (options.Quic == QuicPolicy.Filter)
            {
                rules.Add($"{destination} -p udp -j REJECT --reject-with {Unreachable(family)}");
            }
        }

        return rules;
    }

    private static string Unreachable(IpFamily family) => family == IpFamily.V4 ? "icmp-port-unreachable" : "icmp6-port-unreachable";

    private static string Mark(uint value, uint mask) => $"-m mark --mark 0x{value:x}/0x{mask:x}";

    private static string ConnMark(uint bit) => $"-m connmark --mark 0x{bit:x}/0x{bit:x}";

    private static Lan LanMatch(FirewallOptions options, string name)
        => new(name, options.Mode == FirewallMode.Bridge && options.Uplink is { } uplink ? $"-m physdev ! --physdev-in {uplink}" : null);

    /// <summary>
    /// Traffic from the school's side. Router: in on a LAN NIC. Bridge: in on the bridge (br_netfilter hands bridged IP
    /// to the inet hooks with in = out = the bridge, packet-path.md §1.1) and, when the uplink port is known, not
    /// entering through it (xt_physdev matches the bridge port; a routed packet has none and passes the negation).
    /// </summary>
    private sealed record Lan(string Interface, string? PhysdevMatch)
    {
        public string Rule(string protocol, string rest)
            => PhysdevMatch is null ? $"-i {Interface} -p {protocol} {rest}" : $"-i {Interface} -p {protocol} {PhysdevMatch} {rest}";
    }
}
