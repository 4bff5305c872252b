namespace Appliance.PacketFilter.Inspection;

/// <summary>How the inspector judges flows.</summary>
public sealed record InspectionOptions
{
    /// <summary>Flows that show no name at all (not TLS or HTTP, no SNI, an IP literal, HTTP/1.0 without Host).</summary>
    public UnnamedFlowPolicy UnnamedFlows { get; init; } = UnnamedFlowPolicy.Lenient;

    /// <summary>
    /// Flows that claim TLS or HTTP but whose name cannot be read: malformed, too long, too fragmented, not complete
    /// within the packets we are sent, or first seen mid-stream. Strict by default: a client shapes these on purpose
    /// (a control byte in a header, a duplicated extension, a hello in a dozen segments) to get past a lenient filter.
    /// </summary>
    public UnnamedFlowPolicy UnreadableFlows { get; init; } = UnnamedFlowPolicy.Strict;

    /// <summary>
    /// Flows held at once per queue (about 140 bytes each); the least recently seen is dropped when full. A flow is
    /// held from its SYN until it has been idle for <see cref="FlowIdle"/>, but only its first second or so matters
    /// (after the verdict the connection mark takes over): 16,384 is several seconds of 5,000 new flows a second.
    /// </summary>
    public int FlowCapacity { get; init; } = 16_384;

    /// <summary>A flow not seen for this long is forgotten.</summary>
    public TimeSpan FlowIdle { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Packets a flow may take to show its name, counted as the ruleset's connbytes 0:N counts them (the SYN and pure
    /// ACKs included): on the N-th the flow is judged, since the kernel queues no more of it.
    /// </summary>
    public int MaxPackets { get; init; } = 12;

    /// <summary>Enforce verdicts (inline); false in monitor mode, where events are flagged NotEnforced.</summary>
    public bool Enforce { get; init; } = true;

    /// <summary>The box's key for logging statutory-list names as keyed hashes (the resolver uses the same key).</summary>
    public byte[]? StatutoryLogKey { get; init; }
}

/// <summary>What the inspector has done (read by health; written by one worker thread).</summary>
public sealed class InspectionCounters
{
    internal long FlowsField;
    internal long NamedField;
    internal long BlockedField;
    internal long UnnamedField;
    internal long UnreadableField;
    internal long NotIpField;

    /// <summary>Flows seen (new 5-tuples).</summary>
    public long Flows => Volatile.Read(ref FlowsField);

    /// <summary>Flows judged by their name.</summary>
    public long Named => Volatile.Read(ref NamedField);

    /// <summary>Flows reset or dropped (by name or by the strict policy).</summary>
    public long Blocked => Volatile.Read(ref BlockedField);

    /// <summary>Flows that showed no name.</summary>
    public long Unnamed => Volatile.Read(ref UnnamedField);

    /// <summary>Flows whose name could not be read.</summary>
    public long Unreadable => Volatile.Read(ref UnreadableField);

    /// <summary>Queued packets that were not readable IPv4/IPv6 TCP or UDP (blocked inline: the connection mark refuses the rest).</summary>
    public long NotIp => Volatile.Read(ref NotIpField);
}
