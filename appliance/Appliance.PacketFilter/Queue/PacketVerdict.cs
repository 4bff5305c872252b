namespace Appliance.PacketFilter.Queue;

/// <summary>What the verdict loop tells the kernel about one packet.</summary>
public enum PacketVerdict : byte
{
    /// <summary>Let it through and keep queueing the flow: no decision yet (a ClientHello still incomplete).</summary>
    Pass = 0,

    /// <summary>Let it through and mark the flow decided: the ruleset saves the mark and the rest bypasses the queue.</summary>
    Allow = 1,

    /// <summary>NF_REPEAT with the block mark: the packet meets the ruleset's TCP-reset rule (packet-path.md §0.3).</summary>
    Block = 2,

    /// <summary>Drop silently (a UDP flow we refuse, where there is no reset to send).</summary>
    Drop = 3,
}

/// <summary>Decides queued packets. Called on the queue's worker thread only, one packet at a time; must not block.</summary>
public interface IPacketJudge
{
    PacketVerdict Judge(in QueuedPacket packet);
}
