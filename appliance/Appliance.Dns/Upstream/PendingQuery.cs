using Appliance.Dns.Cache;
using Appliance.Protocols.Dns;

namespace Appliance.Dns.Upstream;

/// <summary>
/// One slot of the forwarder's fixed table: a client query waiting for an upstream. Every buffer is allocated
/// once at start-up and reused, so forwarding costs no per-query objects for the slot itself.
/// <code>
///   Free ──TryForward/Prefetch──► InFlight ──answer──────────► Completing ──reply sent──► Free
///                                   │  ▲  ╲──TC──► (same slot, stream channel)
///                                   │  └──timeout/refused/SERVFAIL: next upstream, new id
///                                   └──no upstream left or deadline passed──► Completing (stale or SERVFAIL)
/// </code>
/// </summary>
internal sealed class PendingQuery : Recipient
{
    public const int Free = 0;
    public const int InFlight = 1;
    public const int Completing = 2;

    public PendingQuery(int index) => Index = index;

    public int Index { get; }

    public int State;
    public ushort UpstreamId;
    public IUpstreamChannel? Channel;
    public uint TriedMask;
    public int Attempts;
    public long AttemptSentAt;
    public long AttemptDeadline;
    public long FinalDeadline;
    public CacheEntry? RefreshEntry;

    /// <summary>Since when the current recipients have waited (for the RFC 8767 client response timer).</summary>
    public long WaitingSince;

    /// <summary>Coalesced clients waiting on this query (index into the waiter pool, -1 for none).</summary>
    public int FirstWaiter = -1;

    /// <summary>Chain of the in-flight index (by cache key), -1 at the end; <see cref="Indexed"/> while listed.</summary>
    public int NextInBucket = -1;
    public bool Indexed;

    public readonly byte[] Key = new byte[CacheKey.MaxLength];
    public int KeyLength;
    public int Hash;

    /// <summary>The query as sent upstream: header, question, our OPT.</summary>
    public readonly byte[] Query = new byte[DnsLimits.HeaderLength + DnsLimits.MaxNameLength + 4 + 11];
    public int QueryLength;

    public bool IsPrefetch => Sink is null;

    public ReadOnlySpan<byte> QuestionName => Question.AsSpan(0, QuestionLength - 4);

    public ReadOnlySpan<byte> KeyBytes => Key.AsSpan(0, KeyLength);

    public void Reset()
    {
        State = Free;
        Channel = null;
        Sink = null;
        RefreshEntry = null;
        TriedMask = 0;
        Attempts = 0;
        FirstWaiter = -1;
    }

    public override string ToString() => $"slot {Index} id {UpstreamId} {DnsName.ToDisplayString(QuestionName)} via {Channel?.Server}";
}
