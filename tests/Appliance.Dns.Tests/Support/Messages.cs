using Appliance.Protocols.Dns;

namespace Appliance.Dns.Tests.Support;

/// <summary>Builds DNS messages for tests with the production writer.</summary>
public static class Messages
{
    public static byte[] Name(string name)
    {
        var buffer = new byte[256];
        Assert.True(DnsName.TryEncode(name, buffer, out var n));
        return buffer[..n];
    }

    public static byte[] Query(string name, ushort type = DnsType.A, ushort id = 0x1234, bool edns = true, bool dnssecOk = false, ushort udpSize = 1232)
    {
        var buffer = new byte[512];
        var w = new DnsMessageWriter(buffer);
        w.TryWriteHeader(new DnsHeader(id, DnsHeader.RdBit, 1, 0, 0, (ushort)(edns ? 1 : 0)));
        w.TryWriteQuestion(Name(name), type, DnsClass.IN);
        if (edns)
        {
            w.TryWriteOpt(udpSize, DnsRcode.NoError, dnssecOk);
        }

        return buffer[..w.BytesWritten];
    }

    /// <summary>
    /// An upstream-style answer: question, the given answer records (owner = pointer to the question), an
    /// optional SOA in authority, and an OPT.
    /// </summary>
    public static byte[] Answer(byte[] query, DnsRcode rcode, (ushort Type, uint Ttl, byte[] Data)[] answers, (uint Ttl, uint Minimum)? soa = null, bool opt = true, bool truncated = false)
    {
        var q = new DnsMessageReader(query);
        q.ReadHeader(out var header);
        q.ReadQuestion(out var question);
        var buffer = new byte[4096];
        var w = new DnsMessageWriter(buffer);
        var flags = DnsHeader.ResponseFlags(DnsOpcode.Query, true, false, false, truncated, rcode);
        w.TryWriteHeader(new DnsHeader(header.Id, flags, 1, (ushort)answers.Length, (ushort)(soa is null ? 0 : 1), (ushort)(opt ? 1 : 0)));
        w.TryWriteBytes(query.AsSpan(question.NameOffset, question.End - question.NameOffset));
        byte[] pointer = [0xC0, 0x0C];
        foreach (var (type, ttl, data) in answers)
        {
            w.TryWriteRecord(pointer, type, DnsClass.IN, ttl, data);
        }

        if (soa is { } s)
        {
            var rdata = new List<byte>();
            rdata.AddRange(Name("ns.test"));
            rdata.AddRange(Name("admin.test"));
            foreach (var v in new uint[] { 1, 3600, 600, 86400, s.Minimum })
            {
                rdata.AddRange([(byte)(v >> 24), (byte)(v >> 16), (byte)(v >> 8), (byte)v]);
            }

            w.TryWriteRecord(Name("test"), DnsType.Soa, DnsClass.IN, s.Ttl, rdata.ToArray());
        }

        if (opt)
        {
            w.TryWriteOpt(1232, DnsRcode.NoError, false);
        }

        return buffer[..w.BytesWritten];
    }

    public static byte[] A(byte a, byte b, byte c, byte d) => [a, b, c, d];
}
