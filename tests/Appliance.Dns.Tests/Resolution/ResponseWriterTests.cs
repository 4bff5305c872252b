using System.Buffers.Binary;
using Appliance.Dns.Cache;
using Appliance.Dns.Resolution;
using Appliance.Dns.Tests.Support;
using Appliance.Protocols;
using Appliance.Protocols.Dns;

namespace Appliance.Dns.Tests.Resolution;

public sealed class ResponseWriterTests
{
    private static CacheEntry Entry(byte[] query, int records, uint ttl)
    {
        var answers = Enumerable.Range(0, records).Select(i => (DnsType.A, ttl, Messages.A(192, 0, 2, (byte)i))).ToArray();
        var response = Messages.Answer(query, DnsRcode.NoError, answers);
        DnsHeader.TryRead(response, out var header);
        var end = 12 + Messages.Name("www.test").Length + 4;
        CacheEntryBuilder.TryBuild(response, header, end, [1], 1, new CacheOptions(), 0, out var entry, out _);
        return entry!;
    }

    private static ClientQuery Client(byte[] question, bool edns = true) => new(0x7777, DnsHeader.RdBit, question, edns, false);

    [Fact]
    public void WriteFromEntry_AgedTtls_ClientIdQuestionAndOpt()
    {
        var query = Messages.Query("www.test");
        var entry = Entry(query, 2, 300);
        var question = query[12..(12 + Messages.Name("www.test").Length + 4)];
        var buffer = new byte[1232];

        var n = ResponseWriter.WriteFromEntry(buffer, Client(question), entry, ageSeconds: 100, stale: false, limit: 1232);

        var reader = new DnsMessageReader(buffer.AsSpan(0, n));
        Assert.Equal(ParseStatus.Ok, reader.ReadHeader(out var h));
        Assert.Equal((ushort)0x7777, h.Id);
        Assert.True(h.IsResponse);
        Assert.Equal((ushort)2, h.AnswerCount);
        Assert.Equal((ushort)1, h.AdditionalCount);
        reader.ReadQuestion(out _);
        reader.ReadRecord(out var a1);
        reader.ReadRecord(out var a2);
        Assert.Equal(200u, a1.Ttl);
        Assert.Equal(200u, a2.Ttl);
        reader.ReadRecord(out var opt);
        Assert.Equal(DnsType.Opt, opt.Type);
        Assert.Equal((ushort)1232, opt.Class);
        Assert.Equal(0, reader.Remaining);
    }

    [Fact]
    public void WriteFromEntry_Stale_Ttl30AndEde3()
    {
        var query = Messages.Query("www.test");
        var entry = Entry(query, 1, 300);
        var question = query[12..(12 + Messages.Name("www.test").Length + 4)];
        var buffer = new byte[1232];

        var n = ResponseWriter.WriteFromEntry(buffer, Client(question), entry, ageSeconds: 0, stale: true, limit: 1232);

        var reader = new DnsMessageReader(buffer.AsSpan(0, n));
        reader.ReadHeader(out _);
        reader.ReadQuestion(out _);
        reader.ReadRecord(out var a);
        reader.ReadRecord(out var opt);
        Assert.Equal(ResponseWriter.StaleTtl, a.Ttl);
        var option = buffer.AsSpan(opt.RDataOffset, opt.RDataLength);
        Assert.Equal(EdnsOptionCode.ExtendedError, BinaryPrimitives.ReadUInt16BigEndian(option));
        Assert.Equal((ushort)EdeCode.StaleAnswer, BinaryPrimitives.ReadUInt16BigEndian(option[4..]));
    }

    [Fact]
    public void WriteFromEntry_TooBigForClient_TruncatedWithTc()
    {
        var query = Messages.Query("www.test", edns: false);
        var entry = Entry(query, 40, 300);   // 40 × 16 bytes = 640 > 512
        var question = query[12..(12 + Messages.Name("www.test").Length + 4)];
        var buffer = new byte[4096];

        var n = ResponseWriter.WriteFromEntry(buffer, Client(question, edns: false), entry, 0, false, limit: 512);

        DnsHeader.TryRead(buffer.AsSpan(0, n), out var h);
        Assert.True(h.IsTruncated);
        Assert.Equal((ushort)0, h.AnswerCount);
        Assert.Equal((ushort)1, h.QuestionCount);
        Assert.Equal(12 + question.Length, n);
    }

    [Fact]
    public void WriteFromEntry_OnlyAdditionalRecordsOverflow_LeftOutWithoutTc()
    {
        // One A answer, then 40 additional A records (glue-like): 16 + 40 × 15 bytes, beyond 512.
        var query = Messages.Query("www.test", edns: false);
        var q = new DnsMessageReader(query);
        q.ReadHeader(out var h);
        q.ReadQuestion(out var question);
        var buffer = new byte[4096];
        var w = new DnsMessageWriter(buffer);
        w.TryWriteHeader(new DnsHeader(h.Id, DnsHeader.ResponseFlags(DnsOpcode.Query, true, false, false, false, DnsRcode.NoError), 1, 1, 0, 40));
        w.TryWriteBytes(query.AsSpan(12, question.End - 12));
        w.TryWriteRecord([0xC0, 0x0C], DnsType.A, DnsClass.IN, 300, [192, 0, 2, 1]);
        for (var i = 0; i < 40; i++)
        {
            w.TryWriteRecord([1, (byte)'a', 0xC0, 0x0C], DnsType.A, DnsClass.IN, 300, [198, 51, 100, (byte)i]);
        }

        var response = buffer[..w.BytesWritten];
        DnsHeader.TryRead(response, out var rh);
        CacheEntryBuilder.TryBuild(response, rh, question.End, [1], 1, new CacheOptions(), 0, out var entry, out _);
        var answer = new byte[4096];

        var n = ResponseWriter.WriteFromEntry(answer, Client(query[12..question.End], edns: false), entry!, 0, false, limit: 512);

        DnsHeader.TryRead(answer.AsSpan(0, n), out var out1);
        Assert.False(out1.IsTruncated);                 // RFC 2181 §9: missing additional data is not truncation
        Assert.Equal((ushort)1, out1.AnswerCount);
        Assert.Equal((ushort)0, out1.AdditionalCount);
        Assert.True(n <= 512);
        var reader = new DnsMessageReader(answer.AsSpan(0, n));
        reader.ReadHeader(out _);
        reader.ReadQuestion(out _);
        Assert.Equal(ParseStatus.Ok, reader.ReadRecord(out var a));
        Assert.Equal(300u, a.Ttl);
        Assert.Equal(0, reader.Remaining);
    }

    [Fact]
    public void WriteHeaderOnly_BadVers_ExtendedRcodeInOpt()
    {
        var buffer = new byte[512];
        var n = ResponseWriter.WriteHeaderOnly(buffer, new ClientQuery(1, 0, default, true, false), DnsRcode.BadVers, false, false, null);

        var reader = new DnsMessageReader(buffer.AsSpan(0, n));
        reader.ReadHeader(out var h);
        reader.ReadRecord(out var opt);
        Assert.Equal(DnsRcode.NoError, h.Rcode);           // low 4 bits of 16 are 0
        Assert.Equal(1u, opt.Ttl >> 24);                    // RFC 6891 §6.1.3: upper 8 bits of the 12-bit RCODE
    }
}
