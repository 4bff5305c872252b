using Appliance.Protocols.Dns;

namespace Appliance.Dns.Resolution;

/// <summary>
/// The answer for one of the box's own names (<see cref="LocalNameTable"/>), written by the resolver itself and never
/// forwarded: AA set (the box is the authority for its own name, RFC 1035 §4.1.1), A or AAAA records from the
/// configured addresses with TTL <see cref="Ttl"/>. Any other type, or an address family the name has none of, gets
/// NOERROR with an empty answer and no SOA: a NODATA response of RFC 2308 §2.2 "type 3", which RFC 2308 §5 says is
/// not cached as negative — fine for a name the box answers at once. Allocation-free.
/// </summary>
public static class LocalAnswer
{
    /// <summary>Short, so that a changed mirror address reaches clients within a minute.</summary>
    public const uint Ttl = 60;

    public static int Write(Span<byte> destination, in ClientQuery query, ushort type, ushort @class, LocalName name, int limit)
    {
        var records = @class == DnsClass.IN ? name.AddressesOf(type) : [];
        var flags = (ushort)(DnsHeader.ResponseFlags(query.Opcode, query.RecursionDesired, query.CheckingDisabled, ad: false, tc: false, DnsRcode.NoError)
            | DnsHeader.AaBit);
        var header = new DnsHeader(query.Id, flags, 1, (ushort)records.Count, 0, (ushort)(query.HasEdns ? 1 : 0));
        var writer = new DnsMessageWriter(destination[..Math.Min(destination.Length, limit)]);
        ReadOnlySpan<byte> owner = [0xC0, 0x0C];   // the question's name (RFC 1035 §4.1.4)
        var ok = writer.TryWriteHeader(header) && writer.TryWriteBytes(query.Question);
        for (var i = 0; ok && i < records.Count; i++)
        {
            ok = writer.TryWriteRecord(owner, type, DnsClass.IN, Ttl, records[i]);
        }

        if (ok && query.HasEdns)
        {
            ok = writer.TryWriteOpt(DnsLimits.EdnsUdpSize, DnsRcode.NoError, query.DnssecOk);
        }

        // More addresses than the client's UDP size holds: TC, so it asks again over TCP (RFC 1035 §4.2.1).
        return ok ? writer.BytesWritten : ResponseWriter.WriteHeaderOnly(destination, query, DnsRcode.NoError, truncated: true, ad: false, ede: null);
    }
}
