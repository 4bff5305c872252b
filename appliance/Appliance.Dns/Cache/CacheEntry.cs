using Appliance.Protocols.Dns;

namespace Appliance.Dns.Cache;

/// <summary>
/// One cached answer in wire form. <see cref="Body"/> is everything after the question of the upstream's
/// reply (its OPT record removed), with compression pointers that stay valid because the question we put in
/// front of it always has the same length (the same name, only its case may differ). TTLs inside the body are
/// already clamped; on the way out each is lowered by the entry's age (<see cref="TtlOffsets"/>).
/// Immutable once published, except for the hit counter and the prefetch flag.
/// </summary>
public sealed class CacheEntry
{
    internal CacheEntry(byte[] key, int hash, byte[] body, ushort[] ttlOffsets, ushort answerCount, ushort authorityCount,
        ushort additionalCount, DnsRcode rcode, bool authenticData, uint ttlSeconds, long storedAt, int additionalOffset = -1)
    {
        AdditionalOffset = additionalOffset < 0 ? body.Length : additionalOffset;
        Key = key;
        Hash = hash;
        Body = body;
        TtlOffsets = ttlOffsets;
        AnswerCount = answerCount;
        AuthorityCount = authorityCount;
        AdditionalCount = additionalCount;
        Rcode = rcode;
        AuthenticData = authenticData;
        TtlSeconds = ttlSeconds;
        StoredAt = storedAt;
    }

    /// <summary>Lower-cased wire name, type, class and a flags byte (DO, CD): see <see cref="CacheKey"/>.</summary>
    public byte[] Key { get; }

    internal int Hash { get; }

    public byte[] Body { get; }

    public ushort[] TtlOffsets { get; }

    public ushort AnswerCount { get; }

    public ushort AuthorityCount { get; }

    public ushort AdditionalCount { get; }

    /// <summary>Where the additional section starts in <see cref="Body"/> (its length when there is none).</summary>
    public int AdditionalOffset { get; }

    public DnsRcode Rcode { get; }

    /// <summary>The answer holds a CNAME: its targets must pass the client's policy too (DESIGN §5 answers).</summary>
    public bool HasCname { get; init; }

    public bool AuthenticData { get; }

    /// <summary>The lowest TTL in the answer (or the negative TTL): the entry is fresh for this long.</summary>
    public uint TtlSeconds { get; }

    /// <summary><see cref="TimeProvider.GetTimestamp"/> when stored.</summary>
    public long StoredAt { get; }

    internal int Hits;
    internal int Refreshing;

    // Intrusive links: the hash chain and the LRU list of the owning shard (guarded by its lock).
    internal CacheEntry? NextInBucket;
    internal CacheEntry? LruPrevious;
    internal CacheEntry? LruNext;

    /// <summary>Bytes this entry costs, roughly, for the cache's byte budget.</summary>
    internal int Cost => Body.Length + Key.Length + (TtlOffsets.Length * 2) + 96;
}
