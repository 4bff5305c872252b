namespace Appliance.PacketFilter;

/// <summary>
/// What the verdict loop does with a TCP 80/443 flow that shows no name (no SNI, no Host) or something unparseable
/// within the packets it sees (packet-path.md §1.4: a packet cap plus a default policy).
/// </summary>
public enum UnnamedFlowPolicy
{
    /// <summary>Allow it: nothing breaks that the DNS filter let through.</summary>
    Lenient,

    /// <summary>Reset it: nothing passes that could not be named (non-TLS on 443, a ClientHello hidden past the cap).</summary>
    Strict,
}
