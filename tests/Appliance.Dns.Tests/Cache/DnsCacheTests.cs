using Appliance.Dns.Cache;
using Appliance.Protocols.Dns;
using Microsoft.Extensions.Time.Testing;

namespace Appliance.Dns.Tests.Cache;

public sealed class DnsCacheTests
{
    private readonly FakeTimeProvider _time = new();

    private static CacheEntry Entry(string name, uint ttl, long storedAt, int bodyBytes = 16)
    {
        var key = new byte[CacheKey.MaxLength];
        var n = CacheKey.Write(key, Support.Messages.Name(name), DnsType.A, DnsClass.IN, false, false);
        key = key[..n];
        return new CacheEntry(key, CacheKey.Hash(key), new byte[bodyBytes], [], 1, 0, 0, DnsRcode.NoError, false, ttl, storedAt);
    }

    [Fact]
    public void TryGet_FreshThenStaleThenGone_FollowsTtlAndStaleWindow()
    {
        var cache = new DnsCache(new CacheOptions { StaleMaxAgeSeconds = 100 }, _time);
        var entry = Entry("www.test", 60, _time.GetTimestamp());
        cache.Insert(entry);

        Assert.Equal(CacheLookup.Fresh, cache.TryGet(entry.Key, entry.Hash, _time.GetTimestamp(), out var found));
        Assert.Same(entry, found);

        _time.Advance(TimeSpan.FromSeconds(61));
        Assert.Equal(CacheLookup.Stale, cache.TryGet(entry.Key, entry.Hash, _time.GetTimestamp(), out _));

        _time.Advance(TimeSpan.FromSeconds(100));
        Assert.Equal(CacheLookup.Miss, cache.TryGet(entry.Key, entry.Hash, _time.GetTimestamp(), out _));
        Assert.Equal(0, cache.Count);
    }

    [Fact]
    public void TryGet_ServeStaleOff_ExpiredIsMiss()
    {
        var cache = new DnsCache(new CacheOptions { ServeStale = false }, _time);
        var entry = Entry("www.test", 1, _time.GetTimestamp());
        cache.Insert(entry);
        _time.Advance(TimeSpan.FromSeconds(2));

        Assert.Equal(CacheLookup.Miss, cache.TryGet(entry.Key, entry.Hash, _time.GetTimestamp(), out _));
    }

    [Fact]
    public void Insert_SameKey_Replaces()
    {
        var cache = new DnsCache(new CacheOptions(), _time);
        var first = Entry("www.test", 60, 0);
        var second = Entry("www.test", 60, 0);
        cache.Insert(first);
        cache.Insert(second);

        cache.TryGet(first.Key, first.Hash, 0, out var found);
        Assert.Same(second, found);
        Assert.Equal(1, cache.Count);
    }

    [Fact]
    public void Insert_BeyondMaxEntries_EvictsLeastRecentlyUsed()
    {
        var cache = new DnsCache(new CacheOptions { MaxEntries = 64 }, _time);
        var entries = Enumerable.Range(0, 2_000).Select(i => Entry($"n{i}.test", 600, 0)).ToArray();
        foreach (var e in entries)
        {
            cache.Insert(e);
        }

        Assert.InRange(cache.Count, 1, 64);
        Assert.True(cache.Evictions >= 2_000 - 64);
        Assert.Equal(CacheLookup.Fresh, cache.TryGet(entries[^1].Key, entries[^1].Hash, 0, out _));   // the newest survives
        Assert.Equal(CacheLookup.Miss, cache.TryGet(entries[0].Key, entries[0].Hash, 0, out _));
    }

    [Fact]
    public void Insert_BeyondMaxBytes_StaysWithinBudget()
    {
        var cache = new DnsCache(new CacheOptions { MaxEntries = 100_000, MaxBytes = 16 * 65_536 }, _time);
        for (var i = 0; i < 1_000; i++)
        {
            cache.Insert(Entry($"n{i}.test", 600, 0, bodyBytes: 4_000));
        }

        Assert.True(cache.Bytes <= 16 * 65_536, $"{cache.Bytes} bytes");
        Assert.True(cache.Count < 1_000);
    }

    [Fact]
    public void CacheKey_DifferentCaseOfName_SameKeyAfterLowering()
    {
        Span<byte> a = stackalloc byte[CacheKey.MaxLength];
        Span<byte> b = stackalloc byte[CacheKey.MaxLength];
        var upper = Support.Messages.Name("WwW.TeSt");
        DnsName.ToLowerInPlace(upper);
        var na = CacheKey.Write(a, upper, DnsType.A, DnsClass.IN, false, false);
        var nb = CacheKey.Write(b, Support.Messages.Name("www.test"), DnsType.A, DnsClass.IN, false, false);
        var nc = CacheKey.Write(stackalloc byte[CacheKey.MaxLength], Support.Messages.Name("www.test"), DnsType.A, DnsClass.IN, true, false);

        Assert.True(a[..na].SequenceEqual(b[..nb]));
        Assert.Equal(na, nc);
        Assert.Equal(CacheKey.Hash(a[..na]), CacheKey.Hash(b[..nb]));
    }
}
