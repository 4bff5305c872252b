namespace Appliance.PacketFilter.Inspection;

/// <summary>How the inspector judges flows.</summary>
public sealed record InspectionOptions
{
    public UnnamedFlowPolicy UnnamedFlows { get; init; } = UnnamedFlowPolicy.Lenient;

    /// <summary>
    /// Flows held at once per queue; the least recently seen is dropped when full. A flow is held from its SYN until it
    /// has been idle for <see cref="FlowIdle"/> (about 140 bytes each): 16,384 covers 500 new flows a second per queue.
    /// </summary>
    public int FlowCapacity { get; init; } = 16_384;

    /// <summary>A flow not seen for this long is forgotten.</summary>
    public TimeSpan FlowIdle { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Data packets a flow may take to show its name. The ruleset queues the first N original-direction packets
    /// (connbytes 0:N, SYN and ACK among them); after the last one we are sent, the flow must be judged.
    /// </summary>
    public int MaxDataPackets { get; init; } = 10;

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

    /// <summary>Queued packets that were not IPv4/IPv6 TCP or UDP (passed untouched).</summary>
    public long NotIp => Volatile.Read(ref NotIpField);
}
