using System.Buffers.Binary;
using Appliance.Protocols;
using Appliance.Protocols.Dns;

namespace Appliance.Dns.Cache;

/// <summary>
/// Turns an upstream reply into a <see cref="CacheEntry"/>: strips the upstream's OPT (we speak our own EDNS to
/// clients), clamps TTLs, works out how long the answer may be cached — positive answers by their lowest TTL,
/// negative ones by their SOA per RFC 2308 §5 — and whether it may be cached at all.
/// Runs on the miss path and allocates the entry.
/// </summary>
public static class CacheEntryBuilder
{
    private const int MaxRecords = 512;

    /// <summary>
    /// Builds the entry from a whole upstream reply whose question (already checked) ends at questionEnd.
    /// <c>cacheable</c> is false for answers to pass on but not keep (SERVFAIL, TTL 0, negative without SOA).
    /// </summary>
    public static ParseStatus TryBuild(ReadOnlySpan<byte> response, in DnsHeader header, int questionEnd, ReadOnlySpan<byte> key, int hash,
        CacheOptions options, long now, out CacheEntry? entry, out bool cacheable)
    {
        entry = null;
        cacheable = false;
        var reader = new DnsMessageReader(response);
        reader.ReadHeader(out _);
        reader.ReadQuestion(out _);

        var total = header.AnswerCount + header.AuthorityCount + header.AdditionalCount;
        if (total > MaxRecords || reader.Position != questionEnd)
        {
            return ParseStatus.Malformed;
        }

        Span<int> ttlAt = stackalloc int[total];
        var kept = 0;
        var bodyEnd = questionEnd;
        var additionalKept = 0;
        var additionalAt = -1;
        var minTtl = uint.MaxValue;
        var hasCname = false;
        int soaTtlAt = -1;
        uint negativeTtl = 0;
        for (var i = 0; i < total; i++)
        {
            if (reader.ReadRecord(out var record) != ParseStatus.Ok)
            {
                return ParseStatus.Malformed;
            }

            var inAdditional = i >= header.AnswerCount + header.AuthorityCount;
            if (record.Type == DnsType.Opt)
            {
                // We answer with our own OPT. Records after an OPT (rare) are dropped with it: additional data is
                // optional (RFC 2181 §9), and cutting there keeps every compression pointer in what remains valid.
                if (!inAdditional)
                {
                    return ParseStatus.Malformed;
                }

                break;
            }

            if (!RDataNamesValid(response, record))
            {
                return ParseStatus.Malformed;   // a hostile upstream must not get a pointer loop cached and served
            }

            hasCname |= i < header.AnswerCount && record.Type == DnsType.CName;
            if (inAdditional)
            {
                additionalAt = additionalAt < 0 ? record.Offset - questionEnd : additionalAt;
                additionalKept++;
            }

            ttlAt[kept++] = record.TtlOffset;
            bodyEnd = record.End;
            var ttl = Math.Clamp(WireTtl(record.Ttl), options.MinTtlSeconds, options.MaxTtlSeconds);
            minTtl = Math.Min(minTtl, ttl);

            // RFC 2308 §5: the negative TTL is the lesser of the SOA's own TTL and its MINIMUM field.
            var inAuthority = i >= header.AnswerCount && !inAdditional;
            if (inAuthority && record.Type == DnsType.Soa && soaTtlAt < 0 && record.RDataLength >= 22)
            {
                var minimum = BinaryPrimitives.ReadUInt32BigEndian(response.Slice(record.End - 4, 4));
                negativeTtl = Math.Min(WireTtl(record.Ttl), WireTtl(minimum));
                soaTtlAt = record.TtlOffset;
            }
        }

        var rcode = header.Rcode;
        var negative = rcode == DnsRcode.NXDomain || (rcode == DnsRcode.NoError && header.AnswerCount == 0);
        uint entryTtl;
        if (negative)
        {
            entryTtl = soaTtlAt < 0 ? 0 : Math.Min(Math.Max(negativeTtl, options.MinTtlSeconds), options.NegativeMaxTtlSeconds);
        }
        else
        {
            entryTtl = minTtl == uint.MaxValue ? 0 : minTtl;
        }

        var body = response[questionEnd..bodyEnd].ToArray();
        var offsets = new ushort[kept];
        for (var i = 0; i < kept; i++)
        {
            var at = ttlAt[i] - questionEnd;
            offsets[i] = (ushort)at;
            var slot = body.AsSpan(at, 4);
            var ttl = WireTtl(BinaryPrimitives.ReadUInt32BigEndian(slot));
            ttl = ttlAt[i] == soaTtlAt && negative ? entryTtl : Math.Clamp(ttl, options.MinTtlSeconds, options.MaxTtlSeconds);
            BinaryPrimitives.WriteUInt32BigEndian(slot, ttl);
        }

        cacheable = entryTtl > 0 && !header.IsTruncated && rcode is DnsRcode.NoError or DnsRcode.NXDomain;
        entry = new CacheEntry(key.ToArray(), hash, body, offsets, header.AnswerCount, header.AuthorityCount, (ushort)additionalKept,
            rcode, header.AuthenticData, entryTtl, now, additionalAt) { HasCname = hasCname };
        return ParseStatus.Ok;
    }

    /// <summary>
    /// Names inside RDATA may be compressed too (RFC 3597 §4 lists the types: NS, CNAME, SOA, PTR, MX, and for
    /// compatibility SRV and DNAME). They must obey the same rules as owner names — backward pointers only, no
    /// loops, 255 bytes at most — and fit inside the RDATA.
    /// </summary>
    private static bool RDataNamesValid(ReadOnlySpan<byte> message, in DnsRecord record)
    {
        var at = record.RDataOffset;
        var end = record.End;
        switch (record.Type)
        {
            case DnsType.NS or DnsType.CName or DnsType.Ptr or 39:   // 39: DNAME
                return NameFits(message, ref at, end) && at == end;
            case DnsType.MX:
                at += 2;
                return NameFits(message, ref at, end) && at == end;
            case 33:   // SRV: priority, weight, port, target
                at += 6;
                return NameFits(message, ref at, end) && at == end;
            case DnsType.Soa:
                return NameFits(message, ref at, end) && NameFits(message, ref at, end) && at + 20 == end;
            default:
                return true;
        }
    }

    private static bool NameFits(ReadOnlySpan<byte> message, ref int at, int end)
    {
        if (at >= end || DnsName.TryMeasure(message[..end], at, out var consumed, out _) != ParseStatus.Ok)
        {
            return false;
        }

        at += consumed;
        return at <= end;
    }

    /// <summary>RFC 2181 §8: a TTL with its top bit set is treated as if the whole value were zero.</summary>
    private static uint WireTtl(uint ttl) => (ttl & 0x8000_0000) != 0 ? 0 : ttl;
}
