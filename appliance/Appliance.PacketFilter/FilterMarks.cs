namespace Appliance.PacketFilter;

/// <summary>
/// The packet marks the verdict loop and the firewall ruleset agree on. Dedicated bits, so that a school's own
/// QoS or policy-routing marks are left alone (packet-path.md §1.4: NethServer/dev#6681, an IPS bypass mark that
/// collided with the QoS connmark mask). The ruleset saves <see cref="Decided"/> into the connection mark so the rest
/// of a decided flow skips the queue; <see cref="Block"/> sends the flow to the TCP-reset rule.
/// </summary>
public static class FilterMarks
{
    /// <summary>The flow has had its verdict: the rest of it bypasses userspace (saved to the connmark).</summary>
    public const uint Decided = 0x4000_0000;

    /// <summary>The flow is blocked: the repeated packet meets the reset rule.</summary>
    public const uint Block = 0x2000_0000;

    /// <summary>Every bit this product owns; all other bits of the mark are the school's.</summary>
    public const uint Mask = Decided | Block;
}
