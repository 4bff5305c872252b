namespace Appliance.Host.Configuration;

/// <summary>The packetFilter section as the technician writes it (validated into <see cref="PacketFilterSettings"/>).</summary>
public sealed record PacketFilterConfig
{
    /// <summary>"off" (default), "bridge", "router", "dns-only" or "monitor".</summary>
    public string? Mode { get; init; }

    /// <summary>The school-side interfaces: router mode the LAN NICs, bridge mode the bridge (e.g. "br0"). Required for bridge and router.</summary>
    public IReadOnlyList<string>? Lan { get; init; }

    /// <summary>The uplink. Bridge mode: the bridge port towards the router (what enters there is left alone). Router mode: informational.</summary>
    public string? Wan { get; init; }

    /// <summary>Where LAN DNS is redirected (default: the port of the first dns.listen endpoint).</summary>
    public int? ResolverPort { get; init; }

    /// <summary>The NFQUEUE numbers, one verdict worker each (default first 0, count 1).</summary>
    public PacketFilterQueuesConfig? Queues { get; init; }

    /// <summary>Packets a queue holds before more pass unfiltered (fail-open; default 4096).</summary>
    public int? QueueMaxLength { get; init; }

    /// <summary>Bytes of each queued packet copied to the verdict loop (default 4096).</summary>
    public int? CopyRange { get; init; }

    /// <summary>The first packets of each flow the verdict loop sees at most (default 12).</summary>
    public int? InspectPackets { get; init; }

    /// <summary>A TCP 80/443 flow that shows no name (not TLS or HTTP, no SNI, an IP literal): "lenient" allows it (default), "strict" resets it.</summary>
    public string? UnnamedFlows { get; init; }

    /// <summary>"strict" (default) or "lenient": a flow that claims TLS or HTTP but whose name cannot be read.</summary>
    public string? UnreadableFlows { get; init; }

    /// <summary>UDP 443: "reject" (default; browsers fall back to TCP) or "filter" (queued for the QUIC Initial's name).</summary>
    public string? Quic { get; init; }

    public PacketFilterFlowTableConfig? FlowTable { get; init; }

    /// <summary>Addresses of DoH resolvers whose HTTPS is reset, one address or CIDR a line (default: the built-in list).</summary>
    public string? DohAddressesFile { get; init; }

    /// <summary>Monitor mode: the mirror port to capture from.</summary>
    public string? MonitorInterface { get; init; }

    /// <summary>Filter IPv6 as well (default true).</summary>
    public bool? Ipv6 { get; init; }
}

public sealed record PacketFilterQueuesConfig
{
    public int? First { get; init; }

    public int? Count { get; init; }
}

public sealed record PacketFilterFlowTableConfig
{
    /// <summary>Flows tracked at once per queue (default 16384, about 140 bytes each).</summary>
    public int? Capacity { get; init; }

    /// <summary>Seconds a flow without packets is kept (default 30).</summary>
    public int? IdleSeconds { get; init; }
}
