using Appliance.PacketFilter;
using Appliance.PacketFilter.Firewall;

namespace Appliance.Host.Configuration;

/// <summary>The packet filter's validated settings: the ruleset's (<see cref="ToFirewallOptions"/>) and the verdict loop's.</summary>
public sealed record PacketFilterSettings
{
    private static readonly Lazy<DohAddressList> BuiltInDoh = new(DohAddressList.BuiltIn);

    public FirewallMode Mode { get; init; } = FirewallMode.Off;

    public IReadOnlyList<string> Lan { get; init; } = [];

    public string? Wan { get; init; }

    public int ResolverPort { get; init; } = 53;

    public QueueRange Queues { get; init; } = new(0, 1);

    public int QueueMaxLength { get; init; } = 4096;

    public int CopyRange { get; init; } = 4096;

    public int InspectPackets { get; init; } = 12;

    public UnnamedFlowPolicy UnnamedFlows { get; init; } = UnnamedFlowPolicy.Lenient;

    public UnnamedFlowPolicy UnreadableFlows { get; init; } = UnnamedFlowPolicy.Strict;

    public QuicPolicy Quic { get; init; } = QuicPolicy.Reject;

    public int FlowTableCapacity { get; init; } = 16_384;

    public TimeSpan FlowIdle { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The file the DoH addresses came from; null: the built-in list.</summary>
    public string? DohAddressesFile { get; init; }

    public DohAddressList DohAddresses { get; init; } = BuiltInDoh.Value;

    public string? MonitorInterface { get; init; }

    public bool Ipv6 { get; init; } = true;

    /// <summary>What the firewall ruleset is generated from. The uplink only matters on a bridge (router mode names it for information).</summary>
    public FirewallOptions ToFirewallOptions() => new()
    {
        Mode = Mode,
        Lan = Lan,
        Uplink = Mode == FirewallMode.Bridge ? Wan : null,
        ResolverPort = ResolverPort,
        Queues = Queues,
        Quic = Quic,
        InspectPackets = InspectPackets,
        Doh = DohAddresses,
        Ipv6 = Ipv6,
    };

    /// <summary>What the running packet filter does: queue workers inline (bridge, router), or the mirror-port monitor.</summary>
    public PacketFilterRunOptions ToRunOptions(byte[]? statutoryLogKey) => new()
    {
        Inline = Mode is FirewallMode.Bridge or FirewallMode.Router,
        FirstQueue = Queues.First,
        QueueCount = Queues.Count,
        CopyRange = (uint)CopyRange,
        QueueMaxLength = (uint)QueueMaxLength,
        MonitorInterface = Mode == FirewallMode.Monitor ? MonitorInterface : null,
        Inspection = new Appliance.PacketFilter.Inspection.InspectionOptions
        {
            UnnamedFlows = UnnamedFlows,
            UnreadableFlows = UnreadableFlows,
            FlowCapacity = FlowTableCapacity,
            FlowIdle = FlowIdle,
            MaxPackets = InspectPackets,   // the connbytes 0:N of the ruleset
            StatutoryLogKey = statutoryLogKey,
        },
    };

    /// <summary>One line for <c>config check</c>.</summary>
    public string Describe() => Mode switch
    {
        FirewallMode.Off => "off",
        FirewallMode.DnsOnly => "dns-only (no ruleset: the box is only the resolver)",
        FirewallMode.Monitor => $"monitor on {MonitorInterface} (no ruleset, no verdicts)",
        _ => $"{FirewallPlan.ModeName(Mode)} on {string.Join(", ", Lan)}{(Wan is null ? "" : $" (uplink {Wan})")}; DNS to port {ResolverPort}; "
           + $"queues {Queues.First}-{Queues.Last}, max {QueueMaxLength} each, copy {CopyRange} B, first {InspectPackets} packets of a flow; "
           + $"unnamed flows {UnnamedFlows.ToString().ToLowerInvariant()}, unreadable {UnreadableFlows.ToString().ToLowerInvariant()}; QUIC {Quic.ToString().ToLowerInvariant()}; "
           + $"flow table {FlowTableCapacity}, idle {FlowIdle.TotalSeconds} s; DoH addresses {DohAddresses.Count} ({DohAddressesFile ?? "built-in"}); IPv6 {(Ipv6 ? "on" : "off")}",
    };
}
