namespace Appliance.PacketFilter.Queue;

/// <summary>How one NFQUEUE is set up (packet-path.md §1.2).</summary>
public sealed record NfQueueOptions
{
    /// <summary>The queue number the ruleset sends to (one worker per queue; --queue-balance spreads flows over them).</summary>
    public ushort Queue { get; init; }

    /// <summary>Bytes of each packet copied to us: enough for the headers and a ClientHello segment (GSO packets may be longer; we read what fits).</summary>
    public uint CopyRange { get; init; } = 4096;

    /// <summary>Packets the kernel holds for us; beyond it FAIL_OPEN lets them pass rather than drop.</summary>
    public uint MaxLength { get; init; } = 4096;

    /// <summary>Packets read per wakeup (one recvmmsg), all answered in one write.</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>The verdict for a packet whose judging threw (a bug): Block (the connection is refused) or Allow.</summary>
    public PacketVerdict FailureVerdict { get; init; } = PacketVerdict.Block;

    /// <summary>The socket's receive buffer (SO_RCVBUFFORCE).</summary>
    public int ReceiveBuffer { get; init; } = 8 * 1024 * 1024;

    public void Validate()
    {
        if (CopyRange is < 128 or > 65535)
        {
            throw new ArgumentOutOfRangeException(nameof(CopyRange), CopyRange, "copy range must be 128-65535 bytes");
        }

        if (MaxLength is < 1 or > 1_000_000)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxLength), MaxLength, "queue length must be 1-1000000 packets");
        }

        if (BatchSize is < 1 or > 1024)
        {
            throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "batch size must be 1-1024");
        }
    }
}

/// <summary>What one queue's worker has done since it started (read by health; written by the worker alone).</summary>
public sealed class NfQueueCounters
{
    internal long PacketsField;
    internal long BatchesField;
    internal long AllowedField;
    internal long BlockedField;
    internal long PassedField;
    internal long DroppedField;
    internal long UnreadableField;
    internal long KernelErrorsField;
    internal long TruncatedField;
    internal long JudgeFailuresField;
    internal long TurnsField;
    private volatile string? _lastFailure;

    public long Packets => Volatile.Read(ref PacketsField);
    public long Batches => Volatile.Read(ref BatchesField);
    public long Allowed => Volatile.Read(ref AllowedField);
    public long Blocked => Volatile.Read(ref BlockedField);
    public long Passed => Volatile.Read(ref PassedField);
    public long Dropped => Volatile.Read(ref DroppedField);

    /// <summary>Messages from the kernel we could not read (should stay 0).</summary>
    public long Unreadable => Volatile.Read(ref UnreadableField);

    /// <summary>NLMSG_ERROR replies to our verdicts (an unknown packet id, a refused mark).</summary>
    public long KernelErrors => Volatile.Read(ref KernelErrorsField);

    /// <summary>Packets longer than the copy range (judged on what was copied).</summary>
    public long Truncated => Volatile.Read(ref TruncatedField);

    /// <summary>Packets whose judging threw (each got <see cref="NfQueueOptions.FailureVerdict"/>); should stay 0.</summary>
    public long JudgeFailures => Volatile.Read(ref JudgeFailuresField);

    /// <summary>
    /// Times round the receive loop: it turns at least every receive timeout (250 ms) while alive, with or without
    /// packets, so a count that stops moving is a stuck or dead loop (<see cref="QueueLiveness"/>, the watchdog).
    /// </summary>
    public long Turns => Volatile.Read(ref TurnsField);

    /// <summary>The last such failure, for health.</summary>
    public string? LastFailure { get => _lastFailure; internal set => _lastFailure = value; }
}
