using System.Buffers.Binary;
using Appliance.Dns.Cache;
using Appliance.Protocols.Dns;

namespace Appliance.Dns.Resolution;

/// <summary>
/// The client's side of an answer: its id and flags, its question bytes exactly as it sent them (0x20 case
/// kept), whether it spoke EDNS. Built from a packet on the hot path or from a pending slot after forwarding.
/// </summary>
public readonly ref struct ClientQuery
{
    public ClientQuery(ushort id, ushort flags, ReadOnlySpan<byte> question, bool hasEdns, bool dnssecOk)
    {
        Id = id;
        Flags = flags;
        Question = question;
        HasEdns = hasEdns;
        DnssecOk = dnssecOk;
    }

    public ushort Id { get; }

    public ushort Flags { get; }

    /// <summary>Uncompressed name followed by type and class; empty when the question could not be read.</summary>
    public ReadOnlySpan<byte> Question { get; }

    public bool HasEdns { get; }

    public bool DnssecOk { get; }

    public DnsOpcode Opcode => (DnsOpcode)((Flags >> 11) & 0xF);

    public bool RecursionDesired => (Flags & DnsHeader.RdBit) != 0;

    public bool CheckingDisabled => (Flags & DnsHeader.CdBit) != 0;
}

/// <summary>Writes answers to clients: from a cache entry, or an error code. Allocation-free.</summary>
public static class ResponseWriter
{
    /// <summary>RFC 8767 §4: stale answers go out with a 30-second TTL.</summary>
    public const uint StaleTtl = 30;

    private const int OptLength = 11;

    /// <summary>
    /// Writes header, the client's question, the cached body with TTLs aged, and an OPT when the client sent
    /// one. If that exceeds <paramref name="limit"/>, the additional section is left out when that is enough
    /// (RFC 2181 §9: missing additional data does not set TC); otherwise the reply is cut to header, question and
    /// OPT with TC set (RFC 1035 §4.2.1), so the client retries over TCP.
    /// </summary>
    public static int WriteFromEntry(Span<byte> destination, in ClientQuery query, CacheEntry entry, long ageSeconds, bool stale, int limit)
    {
        var bodyAt = DnsLimits.HeaderLength + query.Question.Length;
        var optLength = query.HasEdns ? OptLength + (stale ? 6 : 0) : 0;
        var ad = entry.AuthenticData && (query.DnssecOk || (query.Flags & DnsHeader.AdBit) != 0);   // RFC 6840 §5.8
        var bodyLength = entry.Body.Length;
        var additional = entry.AdditionalCount;
        if (bodyAt + bodyLength + optLength > Math.Min(limit, destination.Length))
        {
            bodyLength = entry.AdditionalOffset;
            additional = 0;
            if (bodyAt + bodyLength + optLength > Math.Min(limit, destination.Length))
            {
                return WriteHeaderOnly(destination, query, entry.Rcode, truncated: true, ad: false, ede: null);
            }
        }

        var header = new DnsHeader(
            query.Id,
            DnsHeader.ResponseFlags(query.Opcode, query.RecursionDesired, query.CheckingDisabled, ad, tc: false, entry.Rcode),
            1,
            entry.AnswerCount,
            entry.AuthorityCount,
            (ushort)(additional + (query.HasEdns ? 1 : 0)));
        header.TryWrite(destination);
        query.Question.CopyTo(destination[DnsLimits.HeaderLength..]);
        var body = destination.Slice(bodyAt, bodyLength);
        entry.Body.AsSpan(0, bodyLength).CopyTo(body);
        foreach (var offset in entry.TtlOffsets)
        {
            if (offset >= bodyLength)
            {
                break;   // the offsets are in order: the rest belong to left-out additional records
            }

            var slot = body.Slice(offset, 4);
            var ttl = BinaryPrimitives.ReadUInt32BigEndian(slot);
            ttl = stale ? StaleTtl : (uint)Math.Max(0, ttl - ageSeconds);
            BinaryPrimitives.WriteUInt32BigEndian(slot, ttl);
        }

        var length = bodyAt + bodyLength;
        if (query.HasEdns)
        {
            var writer = new DnsMessageWriter(destination[length..]);
            writer.TryWriteOpt(DnsLimits.EdnsUdpSize, entry.Rcode, query.DnssecOk, stale ? EdeCode.StaleAnswer : null);
            length += writer.BytesWritten;
        }

        return length;
    }

    /// <summary>An answer with no records: errors (FORMERR, SERVFAIL, REFUSED, NOTIMP, BADVERS) and TC replies.</summary>
    public static int WriteHeaderOnly(Span<byte> destination, in ClientQuery query, DnsRcode rcode, bool truncated, bool ad, EdeCode? ede)
    {
        var opt = query.HasEdns || rcode == DnsRcode.BadVers;
        var header = new DnsHeader(
            query.Id,
            DnsHeader.ResponseFlags(query.Opcode, query.RecursionDesired, query.CheckingDisabled, ad, truncated, rcode),
            (ushort)(query.Question.IsEmpty ? 0 : 1),
            0,
            0,
            (ushort)(opt ? 1 : 0));
        var writer = new DnsMessageWriter(destination);
        if (!writer.TryWriteHeader(header) || !writer.TryWriteBytes(query.Question))
        {
            return 0;
        }

        if (opt && !writer.TryWriteOpt(DnsLimits.EdnsUdpSize, rcode, query.DnssecOk, ede))
        {
            return 0;
        }

        return writer.BytesWritten;
    }
}
