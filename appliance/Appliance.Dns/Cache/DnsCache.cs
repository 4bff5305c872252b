using System.Numerics;

namespace Appliance.Dns.Cache;

/// <summary>What a cache lookup found.</summary>
public enum CacheLookup
{
    Miss,
    Fresh,

    /// <summary>Expired, but inside the serve-stale window (RFC 8767): usable only if upstreams fail.</summary>
    Stale,
}

/// <summary>
/// A fixed-capacity answer cache: sharded hash tables with intrusive chains and a least-recently-used list per
/// shard, bounded both in entries and in bytes. Lookups take one uncontended shard lock, compare key bytes and
/// allocate nothing; inserts (the miss path) replace, then evict from the LRU tail until within budget.
/// </summary>
public sealed class DnsCache
{
    private const int ShardCount = 16;
    private readonly Shard[] _shards;
    private readonly TimeProvider _time;
    private readonly long _staleTicks;
    private readonly bool _serveStale;

    public DnsCache(CacheOptions options, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxEntries, ShardCount);
        _time = time;
        _serveStale = options.ServeStale;
        _staleTicks = (long)options.StaleMaxAgeSeconds * time.TimestampFrequency;
        _shards = new Shard[ShardCount];
        for (var i = 0; i < ShardCount; i++)
        {
            _shards[i] = new Shard(options.MaxEntries / ShardCount, options.MaxBytes / ShardCount);
        }
    }

    public int Count => _shards.Sum(s => s.Count);

    public long Bytes => _shards.Sum(s => s.Bytes);

    public long Evictions => _shards.Sum(s => Interlocked.Read(ref s.Evictions));

    /// <summary>Whole seconds since the entry was stored.</summary>
    public long AgeSeconds(CacheEntry entry, long now) => (now - entry.StoredAt) / _time.TimestampFrequency;

    public CacheLookup TryGet(ReadOnlySpan<byte> key, int hash, long now, out CacheEntry? entry)
    {
        var shard = _shards[(uint)hash % ShardCount];
        lock (shard)
        {
            entry = shard.Find(key, hash);
            if (entry is null)
            {
                return CacheLookup.Miss;
            }

            var expiresAt = entry.StoredAt + (entry.TtlSeconds * _time.TimestampFrequency);
            if (now < expiresAt)
            {
                shard.Touch(entry);
                return CacheLookup.Fresh;
            }

            if (_serveStale && now < expiresAt + _staleTicks)
            {
                return CacheLookup.Stale;
            }

            shard.Remove(entry);
            entry = null;
            return CacheLookup.Miss;
        }
    }

    public void Insert(CacheEntry entry)
    {
        var shard = _shards[(uint)entry.Hash % ShardCount];
        lock (shard)
        {
            if (shard.Find(entry.Key, entry.Hash) is { } old)
            {
                shard.Remove(old);
            }

            shard.Add(entry);
        }
    }

    private sealed class Shard
    {
        private readonly CacheEntry?[] _buckets;
        private readonly int _maxEntries;
        private readonly long _maxBytes;
        private CacheEntry? _head;

        public Shard(int maxEntries, long maxBytes)
        {
            _maxEntries = Math.Max(1, maxEntries);
            _maxBytes = Math.Max(4096, maxBytes);
            _buckets = new CacheEntry?[BitOperations.RoundUpToPowerOf2((uint)_maxEntries)];
        }

        public int Count { get; private set; }

        public long Bytes { get; private set; }

        public long Evictions;

        public CacheEntry? Tail { get; private set; }

        public CacheEntry? Find(ReadOnlySpan<byte> key, int hash)
        {
            for (var e = _buckets[BucketOf(hash)]; e is not null; e = e.NextInBucket)
            {
                if (e.Hash == hash && key.SequenceEqual(e.Key))
                {
                    return e;
                }
            }

            return null;
        }

        public void Add(CacheEntry entry)
        {
            ref var bucket = ref _buckets[BucketOf(entry.Hash)];
            entry.NextInBucket = bucket;
            bucket = entry;
            LinkFront(entry);
            Count++;
            Bytes += entry.Cost;
            while ((Count > _maxEntries || Bytes > _maxBytes) && Tail is { } victim && victim != entry)
            {
                Remove(victim);
                Evictions++;
            }
        }

        public void Remove(CacheEntry entry)
        {
            ref var link = ref _buckets[BucketOf(entry.Hash)];
            while (link is not null)
            {
                if (link == entry)
                {
                    link = entry.NextInBucket;
                    break;
                }

                link = ref link.NextInBucket;
            }

            Unlink(entry);
            entry.NextInBucket = null;
            Count--;
            Bytes -= entry.Cost;
        }

        public void Touch(CacheEntry entry)
        {
            if (_head != entry)
            {
                Unlink(entry);
                LinkFront(entry);
            }
        }

        private int BucketOf(int hash) => hash & (_buckets.Length - 1);

        private void LinkFront(CacheEntry entry)
        {
            entry.LruPrevious = null;
            entry.LruNext = _head;
            if (_head is not null)
            {
                _head.LruPrevious = entry;
            }

            _head = entry;
            Tail ??= entry;
        }

        private void Unlink(CacheEntry entry)
        {
            if (entry.LruPrevious is not null)
            {
                entry.LruPrevious.LruNext = entry.LruNext;
            }
            else
            {
                _head = entry.LruNext;
            }

            if (entry.LruNext is not null)
            {
                entry.LruNext.LruPrevious = entry.LruPrevious;
            }
            else
            {
                Tail = entry.LruPrevious;
            }

            entry.LruPrevious = entry.LruNext = null;
        }
    }
}
