using System.Buffers.Binary;
using Appliance.Dns.Cache;
using Appliance.Dns.Tests.Support;
using Appliance.Protocols;
using Appliance.Protocols.Dns;

namespace Appliance.Dns.Tests.Cache;

public sealed class CacheEntryBuilderTests
{
    private static CacheEntry Build(byte[] response, CacheOptions options, out bool cacheable)
    {
        DnsHeader.TryRead(response, out var header);
        var reader = new DnsMessageReader(response);
        reader.ReadHeader(out _);
        reader.ReadQuestion(out var question);
        byte[] key = [1, 2, 3];
        Assert.Equal(ParseStatus.Ok, CacheEntryBuilder.TryBuild(response, header, question.End, key, 7, options, 1000, out var entry, out cacheable));
        return entry!;
    }

    private static uint TtlAt(CacheEntry entry, int index) => BinaryPrimitives.ReadUInt32BigEndian(entry.Body.AsSpan(entry.TtlOffsets[index], 4));

    [Fact]
    public void TryBuild_PositiveAnswer_MinTtlAndOptStripped()
    {
        var query = Messages.Query("www.test");
        var response = Messages.Answer(query, DnsRcode.NoError, [(DnsType.A, 300, Messages.A(192, 0, 2, 1)), (DnsType.A, 120, Messages.A(192, 0, 2, 2))]);

        var entry = Build(response, new CacheOptions(), out var cacheable);

        Assert.True(cacheable);
        Assert.Equal(120u, entry.TtlSeconds);
        Assert.Equal(2, entry.AnswerCount);
        Assert.Equal(0, entry.AdditionalCount);                  // the upstream's OPT is not kept
        Assert.Equal(2 * (2 + 10 + 4), entry.Body.Length);       // two pointer-owned A records, nothing else
        Assert.Equal([300u, 120u], new[] { TtlAt(entry, 0), TtlAt(entry, 1) });
    }

    [Fact]
    public void TryBuild_TtlsOutsideClamps_Clamped()
    {
        var query = Messages.Query("www.test");
        var response = Messages.Answer(query, DnsRcode.NoError, [(DnsType.A, 5, Messages.A(192, 0, 2, 1)), (DnsType.A, 999_999, Messages.A(192, 0, 2, 2))]);

        var entry = Build(response, new CacheOptions { MinTtlSeconds = 60, MaxTtlSeconds = 3600 }, out _);

        Assert.Equal(60u, entry.TtlSeconds);
        Assert.Equal([60u, 3600u], new[] { TtlAt(entry, 0), TtlAt(entry, 1) });
    }

    [Theory]
    [InlineData(900u, 60u, 60u)]     // RFC 2308 §5: the lesser of the SOA TTL and MINIMUM
    [InlineData(30u, 600u, 30u)]
    [InlineData(90_000u, 90_000u, 3600u)]   // capped by NegativeMaxTtlSeconds
    public void TryBuild_NxDomainWithSoa_NegativeTtlPerRfc2308(uint soaTtl, uint minimum, uint expected)
    {
        var query = Messages.Query("nope.test");
        var response = Messages.Answer(query, DnsRcode.NXDomain, [], soa: (soaTtl, minimum));

        var entry = Build(response, new CacheOptions(), out var cacheable);

        Assert.True(cacheable);
        Assert.Equal(expected, entry.TtlSeconds);
        Assert.Equal(expected, TtlAt(entry, 0));   // the SOA goes out with the negative TTL
        Assert.Equal(DnsRcode.NXDomain, entry.Rcode);
    }

    [Fact]
    public void TryBuild_NegativeWithoutSoa_NotCacheable()
    {
        var query = Messages.Query("nope.test");
        var response = Messages.Answer(query, DnsRcode.NXDomain, []);

        Build(response, new CacheOptions(), out var cacheable);

        Assert.False(cacheable);   // RFC 2308 §5: SHOULD NOT cache without SOA
    }

    [Theory]
    [InlineData(DnsRcode.ServFail)]
    [InlineData(DnsRcode.Refused)]
    public void TryBuild_ErrorRcodes_NotCacheable(DnsRcode rcode)
    {
        var query = Messages.Query("www.test");
        Build(Messages.Answer(query, rcode, []), new CacheOptions(), out var cacheable);
        Assert.False(cacheable);
    }

    [Fact]
    public void TryBuild_ZeroTtl_NotCacheable()
    {
        var query = Messages.Query("www.test");
        Build(Messages.Answer(query, DnsRcode.NoError, [(DnsType.A, 0, Messages.A(192, 0, 2, 1))]), new CacheOptions(), out var cacheable);
        Assert.False(cacheable);
    }

    [Fact]
    public void TryBuild_TtlWithTopBitSet_TreatedAsZeroAndNotCached()
    {
        var query = Messages.Query("www.test");
        var entry = Build(Messages.Answer(query, DnsRcode.NoError, [(DnsType.A, 0xFFFF_FFFF, Messages.A(192, 0, 2, 1))]), new CacheOptions(), out var cacheable);

        Assert.False(cacheable);            // RFC 2181 §8
        Assert.Equal(0u, entry.TtlSeconds);
        Assert.Equal(0u, TtlAt(entry, 0));
    }

    [Theory]
    [InlineData("c00c")]        // CNAME target: a pointer to the question name, legal
    [InlineData("c0ff")]        // a forward pointer (into what would be the OPT record)
    [InlineData("0161c03c")]    // "a" then a pointer to itself: a loop
    [InlineData("0161")]        // a name that runs out of RDATA
    public void TryBuild_CnameTargetPointers_OnlyBackwardAndInsideRdataAccepted(string rdataHex)
    {
        var query = Messages.Query("www.test");
        var response = Messages.Answer(query, DnsRcode.NoError, [(DnsType.CName, 60, Convert.FromHexString(rdataHex))]);
        DnsHeader.TryRead(response, out var header);
        var questionEnd = 12 + Messages.Name("www.test").Length + 4;

        var status = CacheEntryBuilder.TryBuild(response, header, questionEnd, [1], 1, new CacheOptions(), 0, out _, out _);

        Assert.Equal(rdataHex == "c00c" ? ParseStatus.Ok : ParseStatus.Malformed, status);
    }

    [Fact]
    public void TryBuild_TruncatedBody_Malformed()
    {
        var query = Messages.Query("www.test");
        var response = Messages.Answer(query, DnsRcode.NoError, [(DnsType.A, 60, Messages.A(192, 0, 2, 1))]);
        var cut = response[..^14];   // into the answer record
        DnsHeader.TryRead(cut, out var header);

        var status = CacheEntryBuilder.TryBuild(cut, header, 12 + Messages.Name("www.test").Length + 4, [1], 1, new CacheOptions(), 0, out var entry, out _);

        Assert.Equal(ParseStatus.Malformed, status);
        Assert.Null(entry);
    }
}
