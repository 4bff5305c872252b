namespace Appliance.PacketFilter.Firewall;

/// <summary>Where the box sits (DESIGN §3). Only <see cref="Bridge"/> and <see cref="Router"/> put rules in the kernel.</summary>
public enum FirewallMode
{
    /// <summary>No packet filter at all.</summary>
    Off,

    /// <summary>A transparent bridge (br_netfilter): bridged IP traffic passes the inet FORWARD hook with in = out = the bridge.</summary>
    Bridge,

    /// <summary>The box is the LAN's gateway: LAN traffic arrives on the LAN-side NICs and is routed.</summary>
    Router,

    /// <summary>
    /// The box is only the resolver DHCP hands out: it forwards nothing, so there is nothing to redirect or reject here
    /// (hard-coded DNS, DoT and DoH must be blocked on the school's router). No ruleset.
    /// </summary>
    DnsOnly,

    /// <summary>A mirror port: passive logging through libpcap, no verdicts. No ruleset.</summary>
    Monitor,
}

/// <summary>What happens to UDP 443 (QUIC) from the LAN.</summary>
public enum QuicPolicy
{
    /// <summary>ICMP port unreachable, so browsers fall back to TCP where the SNI is visible (packet-path.md §2.3: v1 rejects).</summary>
    Reject,

    /// <summary>Queued like TCP 443 (the verdict loop reads the QUIC Initial's SNI).</summary>
    Filter,
}

/// <summary>NFQUEUE numbers <see cref="First"/> … <see cref="Last"/>, one verdict worker each.</summary>
public readonly record struct QueueRange(ushort First, ushort Count)
{
    public int Last => First + Count - 1;

    /// <summary>The most workers a box runs (a Pi has 4 cores; more queues than cores only adds context switches).</summary>
    public const int MaxCount = 64;

    public override string ToString() => $"{First}:{Count}";
}

/// <summary>
/// What the ruleset is generated from. Interface names and numbers go into <c>iptables-restore</c> and <c>nft</c>
/// scripts verbatim, so <see cref="Validate"/> is strict: a name with a space or a newline could add a rule of its own.
/// </summary>
public sealed record FirewallOptions
{
    public FirewallMode Mode { get; init; } = FirewallMode.Off;

    /// <summary>Router: the LAN-side NICs. Bridge: the bridge (e.g. br0).</summary>
    public IReadOnlyList<string> Lan { get; init; } = [];

    /// <summary>
    /// Bridge mode: the bridge port towards the school's router. When given, traffic that enters through it (inbound
    /// connections to the school's own servers) is left alone (<c>-m physdev ! --physdev-in</c>). Router mode: unused.
    /// </summary>
    public string? Uplink { get; init; }

    /// <summary>The port the box's resolver listens on: LAN DNS (UDP and TCP 53 to any address) is redirected there.</summary>
    public int ResolverPort { get; init; } = 53;

    public QueueRange Queues { get; init; } = new(0, 1);

    public QuicPolicy Quic { get; init; } = QuicPolicy.Reject;

    /// <summary>How many original-direction packets of a flow go to the queue at most (connbytes 0:N); packet-path.md §1.4: N ≈ 10–16.</summary>
    public int InspectPackets { get; init; } = 12;

    /// <summary>Known DoH resolvers: TCP 443 to them is reset.</summary>
    public DohAddressList Doh { get; init; } = DohAddressList.Empty;

    public bool Ipv6 { get; init; } = true;

    /// <summary>Whether the mode needs rules in the kernel at all.</summary>
    public bool HasRuleset => Mode is FirewallMode.Bridge or FirewallMode.Router;

    public const int MinInspectPackets = 3;   // SYN, ACK, ClientHello: fewer never shows a name
    public const int MaxInspectPackets = 100;

    /// <summary>
    /// A name the kernel accepts (IFNAMSIZ: at most 15 bytes) made only of letters, digits, '-', '_' and '.', so it can
    /// stand unquoted in a restore script. Wildcards ('+' in iptables, '*' in nft) are not allowed: they differ between the two.
    /// </summary>
    public static bool IsInterfaceName(string? name)
        => name is { Length: > 0 and <= 15 } && name is not ("." or "..") && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');

    /// <summary>Every problem, each naming the setting (empty when the options can be turned into rules).</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (HasRuleset && Lan.Count == 0)
        {
            problems.Add($"lan: is required in {Mode.ToString().ToLowerInvariant()} mode");
        }

        problems.AddRange(Lan.Where(n => !IsInterfaceName(n)).Select(n => $"lan: '{n}' is not an interface name"));
        if (Uplink is not null && !IsInterfaceName(Uplink))
        {
            problems.Add($"uplink: '{Uplink}' is not an interface name");
        }

        if (ResolverPort is < 1 or > 65535)
        {
            problems.Add($"resolverPort: {ResolverPort} is not a port");
        }

        if (Queues.Count is < 1 or > QueueRange.MaxCount || Queues.Last > ushort.MaxValue)
        {
            problems.Add($"queues: {Queues} must be 1 to {QueueRange.MaxCount} queues ending at 65535 at most");
        }

        if (InspectPackets is < MinInspectPackets or > MaxInspectPackets)
        {
            problems.Add($"inspectPackets: {InspectPackets} must be from {MinInspectPackets} to {MaxInspectPackets}");
        }

        return problems;
    }

    /// <exception cref="ArgumentException">The options cannot be turned into rules; the message lists why.</exception>
    public void Validate()
    {
        var problems = Problems();
        if (problems.Count > 0)
        {
            throw new ArgumentException("firewall options: " + string.Join("; ", problems));
        }
    }
}
