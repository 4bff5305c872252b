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
        var minTtl = uint.MaxValue;
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

            if (inAdditional)
            {
                additionalKept++;
            }

            ttlAt[kept++] = record.TtlOffset;
            bodyEnd = record.End;
            var ttl = Math.Clamp(record.Ttl & 0x7FFF_FFFF, options.MinTtlSeconds, options.MaxTtlSeconds);   // RFC 2181 §8: top bit set = 0
            minTtl = Math.Min(minTtl, ttl);

            // RFC 2308 §5: the negative TTL is the lesser of the SOA's own TTL and its MINIMUM field.
            var inAuthority = i >= header.AnswerCount && !inAdditional;
            if (inAuthority && record.Type == DnsType.Soa && soaTtlAt < 0 && record.RDataLength >= 22)
            {
                var minimum = BinaryPrimitives.ReadUInt32BigEndian(response.Slice(record.End - 4, 4));
                negativeTtl = Math.Min(record.Ttl & 0x7FFF_FFFF, minimum & 0x7FFF_FFFF);
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
            var ttl = BinaryPrimitives.ReadUInt32BigEndian(slot) & 0x7FFF_FFFF;
            ttl = ttlAt[i] == soaTtlAt && negative ? entryTtl : Math.Clamp(ttl, options.MinTtlSeconds, options.MaxTtlSeconds);
            BinaryPrimitives.WriteUInt32BigEndian(slot, ttl);
        }

        cacheable = entryTtl > 0 && !header.IsTruncated && rcode is DnsRcode.NoError or DnsRcode.NXDomain;
        entry = new CacheEntry(key.ToArray(), hash, body, offsets, header.AnswerCount, header.AuthorityCount, (ushort)additionalKept,
            rcode, header.AuthenticData, entryTtl, now);
        return ParseStatus.Ok;
    }
}
