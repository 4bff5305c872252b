using System.Buffers.Binary;
using Appliance.Dns.Cache;
using Appliance.Protocols;
using Appliance.Protocols.Dns;

namespace Appliance.Dns.Resolution;

/// <summary>
/// The answer that enforces safe search (packet-path.md §3.5): the client's question, a CNAME from the engine's
/// host to its enforcement name (<c>www.google.co.uk CNAME forcesafesearch.google.com</c>), and that name's
/// addresses as the box resolved them (a cache entry for the target), so the client needs no second lookup.
/// The browser keeps the host name, so TLS and cookies work; the engine serves its locked-safe front end.
/// Allocation-free.
/// </summary>
public static class SafeSearchAnswer
{
    /// <summary>TTL of the CNAME when the target's addresses are not at hand (other query types).</summary>
    public const uint CnameTtl = 300;

    /// <param name="destination">Where the answer goes.</param>
    /// <param name="query">The client's side.</param>
    /// <param name="type">The query type: A or AAAA get the target's addresses, other types the CNAME alone.</param>
    /// <param name="target">The enforcement name, wire form.</param>
    /// <param name="addresses">The cache entry for the target name and <paramref name="type"/>, or null.</param>
    /// <param name="ageSeconds">The entry's age, to lower its TTLs.</param>
    /// <param name="stale">The entry has expired (TTL 30, RFC 8767).</param>
    /// <param name="limit">The client's size limit.</param>
    public static int Write(Span<byte> destination, in ClientQuery query, ushort type, ReadOnlySpan<byte> target, CacheEntry? addresses,
        long ageSeconds, bool stale, int limit)
    {
        var writer = new DnsMessageWriter(destination[..Math.Min(destination.Length, limit)]);
        var header = new DnsHeader(query.Id,
            DnsHeader.ResponseFlags(query.Opcode, query.RecursionDesired, query.CheckingDisabled, ad: false, tc: false, DnsRcode.NoError), 1, 0, 0, 0);
        ReadOnlySpan<byte> owner = [0xC0, 0x0C];   // the question's name (RFC 1035 §4.1.4)
        if (!writer.TryWriteHeader(header) || !writer.TryWriteBytes(query.Question))
        {
            return 0;
        }

        var cnameTtlAt = writer.BytesWritten + owner.Length + 4;
        var targetAt = writer.BytesWritten + owner.Length + 10;
        if (!writer.TryWriteRecord(owner, DnsType.CName, DnsClass.IN, CnameTtl, target))
        {
            return Truncated(destination, query);
        }

        ushort answers = 1;
        var minTtl = CnameTtl;
        if (addresses is not null && addresses.Rcode == DnsRcode.NoError)
        {
            // Rebuild the target's own message around the cached body, so its compression pointers resolve.
            Span<byte> message = stackalloc byte[DnsLimits.MaxMessageLength / 16];
            var bodyLength = addresses.AdditionalOffset;
            var at = DnsLimits.HeaderLength + target.Length + 4;
            if (at + bodyLength <= message.Length)
            {
                new DnsHeader(0, 0, 1, addresses.AnswerCount, 0, 0).TryWrite(message);
                target.CopyTo(message[DnsLimits.HeaderLength..]);
                BinaryPrimitives.WriteUInt16BigEndian(message[(at - 4)..], type);
                BinaryPrimitives.WriteUInt16BigEndian(message[(at - 2)..], DnsClass.IN);
                addresses.Body.AsSpan(0, bodyLength).CopyTo(message[at..]);
                var reader = new DnsMessageReader(message[..(at + bodyLength)]);
                reader.ReadHeader(out _);
                reader.ReadQuestion(out _);
                ReadOnlySpan<byte> pointer = [(byte)(0xC0 | (targetAt >> 8)), (byte)targetAt];
                for (var i = 0; i < addresses.AnswerCount && reader.ReadRecord(out var record) == ParseStatus.Ok; i++)
                {
                    if (record.Type != type || record.Class != DnsClass.IN)
                    {
                        continue;   // the target's own CNAME chain (strict.bing.com is one) is not the client's business
                    }

                    var ttl = stale ? ResponseWriter.StaleTtl : (uint)Math.Max(0, record.Ttl - ageSeconds);
                    if (!writer.TryWriteRecord(pointer, type, DnsClass.IN, ttl, message.Slice(record.RDataOffset, record.RDataLength)))
                    {
                        return Truncated(destination, query);
                    }

                    answers++;
                    minTtl = Math.Min(minTtl, ttl);
                }
            }
        }

        // The alias lives no longer than the addresses it comes with.
        BinaryPrimitives.WriteUInt32BigEndian(destination[cnameTtlAt..], minTtl);
        if (query.HasEdns && !writer.TryWriteOpt(DnsLimits.EdnsUdpSize, DnsRcode.NoError, query.DnssecOk))
        {
            return Truncated(destination, query);
        }

        DnsMessageWriter.SetCounts(destination, 1, answers, 0, (ushort)(query.HasEdns ? 1 : 0));
        return writer.BytesWritten;
    }

    private static int Truncated(Span<byte> destination, in ClientQuery query)
        => ResponseWriter.WriteHeaderOnly(destination, query, DnsRcode.NoError, truncated: true, ad: false, ede: null);
}
