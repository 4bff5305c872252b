namespace Appliance.Dns;

/// <summary>Monotonic counters for health and the dashboard; incremented without locks.</summary>
public sealed class DnsCounters
{
    internal long Queries;
    internal long CacheHits;
    internal long StaleAnswers;
    internal long Forwarded;
    internal long UpstreamAnswers;
    internal long ServFail;
    internal long FormErr;
    internal long Dropped;
    internal long RateLimited;
    internal long Truncated;
    internal long Prefetches;
    internal long TcpFallbacks;
    internal long SpoofedOrLate;
    internal long Overloaded;
    internal long Coalesced;
    internal long Blocked;
    internal long ClientCapped;
    internal long UdpBatches;
    internal long UdpBatchedDatagrams;
    internal long EchStripped;

    public DnsCountersSnapshot Snapshot() => new(
        Interlocked.Read(ref Queries), Interlocked.Read(ref CacheHits), Interlocked.Read(ref StaleAnswers),
        Interlocked.Read(ref Forwarded), Interlocked.Read(ref UpstreamAnswers), Interlocked.Read(ref ServFail),
        Interlocked.Read(ref FormErr), Interlocked.Read(ref Dropped), Interlocked.Read(ref RateLimited),
        Interlocked.Read(ref Truncated), Interlocked.Read(ref Prefetches), Interlocked.Read(ref TcpFallbacks),
        Interlocked.Read(ref SpoofedOrLate), Interlocked.Read(ref Overloaded), Interlocked.Read(ref Coalesced), Interlocked.Read(ref Blocked), Interlocked.Read(ref ClientCapped), Interlocked.Read(ref UdpBatches),
        Interlocked.Read(ref UdpBatchedDatagrams), Interlocked.Read(ref EchStripped));
}

public sealed record DnsCountersSnapshot(
    long Queries, long CacheHits, long StaleAnswers, long Forwarded, long UpstreamAnswers, long ServFail, long FormErr,
    long Dropped, long RateLimited, long Truncated, long Prefetches, long TcpFallbacks, long SpoofedOrLate, long Overloaded,
    long Coalesced, long Blocked, long ClientCapped, long UdpBatches, long UdpBatchedDatagrams, long EchStripped);
