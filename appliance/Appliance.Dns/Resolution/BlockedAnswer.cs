using System.Buffers.Binary;
using System.Numerics;
using System.Text;
using Appliance.Core.Lists;
using Appliance.Protocols.Dns;

namespace Appliance.Dns.Resolution;

/// <summary>
/// The answer for a blocked name (DESIGN §5, packet-path.md §3.2): A → 0.0.0.0 and AAAA → :: so clients do not
/// even try to connect; every other type (HTTPS and SVCB included, so their address hints cannot bypass the
/// block) → NOERROR with no answer and a synthesized SOA, a proper negative answer per RFC 2308. Short TTL, and
/// Extended DNS Error 15 "Blocked" (RFC 8914) naming the category. Circumvention canaries get NXDOMAIN or
/// NODATA with the same SOA and EDE 17 "Filtered". Allocation-free.
/// </summary>
public static class BlockedAnswer
{
    /// <summary>Short, so an unblock takes effect quickly (Pi-hole uses 2 s, AdGuard Home 10 s).</summary>
    public const uint Ttl = 10;

    // SOA RDATA: MNAME blocked.appliance.invalid., RNAME hostmaster.appliance.invalid. (RFC 6761 .invalid),
    // serial 1, refresh 3600, retry 600, expire 86400, minimum = Ttl (the negative TTL, RFC 2308 §5).
    private static readonly byte[] SoaRdata = BuildSoa();

    // "blocked: drugs" and so on, prepared once: EDE EXTRA-TEXT (RFC 8914 §2) without allocating per answer.
    private static readonly byte[][] EdeTexts = Enumerable.Range(0, 64)
        .Select(bit => Encoding.UTF8.GetBytes("blocked: " + (Enum.IsDefined((Category)bit) ? Categories.Name((Category)bit) : $"category {bit}")))
        .ToArray();

    public static int Write(Span<byte> destination, in ClientQuery query, ushort type, ushort @class, Core.Policy.VerdictAction action,
        ulong categories, int limit)
    {
        var block = action == Core.Policy.VerdictAction.Block;
        var address = !block || @class != DnsClass.IN ? 0 : type == DnsType.A ? 4 : type == DnsType.Aaaa ? 16 : 0;
        var rcode = action == Core.Policy.VerdictAction.NxDomain ? DnsRcode.NXDomain : DnsRcode.NoError;
        var header = new DnsHeader(
            query.Id,
            DnsHeader.ResponseFlags(query.Opcode, query.RecursionDesired, query.CheckingDisabled, ad: false, tc: false, rcode),
            1,
            (ushort)(address > 0 ? 1 : 0),
            (ushort)(address > 0 ? 0 : 1),
            (ushort)(query.HasEdns ? 1 : 0));
        var writer = new DnsMessageWriter(destination[..Math.Min(destination.Length, limit)]);
        ReadOnlySpan<byte> owner = [0xC0, 0x0C];   // the question's name (RFC 1035 §4.1.4)
        Span<byte> zeros = stackalloc byte[16];
        zeros.Clear();
        var ok = writer.TryWriteHeader(header) && writer.TryWriteBytes(query.Question)
            && (address > 0
                ? writer.TryWriteRecord(owner, type, DnsClass.IN, Ttl, zeros[..address])
                : writer.TryWriteRecord(owner, DnsType.Soa, @class, Ttl, SoaRdata));
        if (ok && query.HasEdns)
        {
            var text = categories == 0 ? default : EdeTexts[BitOperations.TrailingZeroCount(categories)].AsSpan();
            ok = writer.TryWriteOpt(DnsLimits.EdnsUdpSize, rcode, query.DnssecOk, block ? EdeCode.Blocked : EdeCode.Filtered, text);
        }

        return ok ? writer.BytesWritten : 0;
    }

    private static byte[] BuildSoa()
    {
        var rdata = new List<byte>();
        foreach (var name in new[] { "blocked.appliance.invalid", "hostmaster.appliance.invalid" })
        {
            var wire = new byte[256];
            DnsName.TryEncode(name, wire, out var n);
            rdata.AddRange(wire[..n]);
        }

        var numbers = new byte[20];
        uint[] values = [1, 3600, 600, 86400, Ttl];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(numbers.AsSpan(i * 4), values[i]);
        }

        rdata.AddRange(numbers);
        return rdata.ToArray();
    }
}
