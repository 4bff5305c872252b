using System.Buffers.Binary;
using Appliance.Protocols.Dns;

namespace Appliance.Protocols.Tests.Dns;

/// <summary>Every field the reader reports for the labelled vectors in <see cref="DnsVectors"/>.</summary>
public class DnsMessageReaderTests
{
    [Fact]
    public void ReadQuestion_PlainAQuery_ReportsNameTypeAndClass()
    {
        var message = DnsVectors.PlainAQuery;
        var walk = DnsMessageWalk.Run(message);

        Assert.Equal(ParseStatus.Ok, walk.Status);
        Assert.Equal(new DnsHeader(0x1234, 0x0100, 1, 0, 0, 0), walk.Header);
        Assert.Equal([new DnsQuestion(12, 17, 17, DnsType.A, DnsClass.IN)], walk.Questions);
        Assert.Empty(walk.Records);
        Assert.Null(walk.Edns);
        Assert.Equal(33, walk.Position);
        Assert.Equal("www.example.com.", ExpandToString(message, 12));
    }

    [Fact]
    public void ReadRecord_QueryWithOptDo_ReportsOptAndDnssecOk()
    {
        var message = DnsVectors.QueryWithOptDo;
        var walk = DnsMessageWalk.Run(message);

        Assert.Equal(ParseStatus.Ok, walk.Status);
        Assert.Equal(new DnsHeader(0xBEEF, 0x0120, 1, 0, 0, 1), walk.Header);
        Assert.Equal([new DnsQuestion(12, 17, 17, DnsType.A, DnsClass.IN)], walk.Questions);
        var opt = Assert.Single(walk.Records);
        Assert.Equal(new DnsRecord(33, 1, DnsType.Opt, 1232, 0x0000_8000, 44, 0), opt);
        AssertTtlAt(message, opt, expectedTtlOffset: 38);
        Assert.Equal(44, opt.End);
        Assert.Equal(11, opt.Length);
        Assert.Equal(new EdnsInfo(1232, 0, 0, DnssecOk: true, HasClientSubnet: false, HasCookie: false), walk.Edns);
    }

    [Fact]
    public void ReadRecord_QueryWithSubnetAndCookie_ReportsBothOptions()
    {
        var message = DnsVectors.QueryWithSubnetAndCookie;
        var walk = DnsMessageWalk.Run(message);

        Assert.Equal(ParseStatus.Ok, walk.Status);
        Assert.Equal(new DnsHeader(0xABCD, 0x0100, 1, 0, 0, 1), walk.Header);
        Assert.Equal([new DnsQuestion(12, 13, 13, DnsType.Aaaa, DnsClass.IN)], walk.Questions);
        var opt = Assert.Single(walk.Records);
        Assert.Equal(new DnsRecord(29, 1, DnsType.Opt, 4096, 0, 40, 23), opt);
        AssertTtlAt(message, opt, expectedTtlOffset: 34);
        Assert.Equal(63, opt.End);
        Assert.Equal(new EdnsInfo(4096, 0, 0, DnssecOk: false, HasClientSubnet: true, HasCookie: true), walk.Edns);
    }

    [Fact]
    public void ReadRecord_ResponseWithCompression_ReportsEverySection()
    {
        var message = DnsVectors.ResponseWithCompression;
        var walk = DnsMessageWalk.Run(message);

        Assert.Equal(ParseStatus.Ok, walk.Status);
        Assert.Equal(new DnsHeader(0x1234, 0x8180, 1, 2, 1, 1), walk.Header);
        Assert.Equal([new DnsQuestion(12, 17, 17, DnsType.A, DnsClass.IN)], walk.Questions);
        Assert.Equal(
            [
                new DnsRecord(33, 2, DnsType.CName, DnsClass.IN, 3600, 45, 6),
                new DnsRecord(51, 2, DnsType.A, DnsClass.IN, 300, 63, 4),
                new DnsRecord(67, 2, DnsType.NS, DnsClass.IN, 86400, 79, 6),
                new DnsRecord(85, 2, DnsType.A, DnsClass.IN, 86400, 97, 4),
            ],
            walk.Records);
        Assert.Equal([39, 57, 73, 91], walk.Records.Select(r => r.TtlOffset));
        foreach (var record in walk.Records)
        {
            AssertTtlAt(message, record, record.TtlOffset);
            Assert.Equal(12, record.Length - record.RDataLength);   // 2-byte pointer owner + 10 fixed bytes
        }

        Assert.Null(walk.Edns);
        Assert.Equal(101, walk.Position);

        // Owners and RDATA names expand through their pointers.
        Assert.Equal("www.example.com.", ExpandToString(message, 33));
        Assert.Equal("web.example.com.", ExpandToString(message, 45));
        Assert.Equal("web.example.com.", ExpandToString(message, 51));   // @51 -> @45 -> @16: two hops
        Assert.Equal("example.com.", ExpandToString(message, 67));
        Assert.Equal("ns1.example.com.", ExpandToString(message, 79));
        Assert.Equal("ns1.example.com.", ExpandToString(message, 85));
        Assert.Equal([93, 184, 216, 34], message[63..67]);
        Assert.Equal([192, 0, 2, 1], message[97..101]);
    }

    [Fact]
    public void ReadRecord_AaaaAnswer_Reports16ByteRData()
    {
        var message = DnsVectors.AaaaAnswer;
        var walk = DnsMessageWalk.Run(message);

        Assert.Equal(ParseStatus.Ok, walk.Status);
        Assert.Equal(new DnsHeader(2, 0x8180, 1, 1, 0, 0), walk.Header);
        Assert.Equal([new DnsQuestion(12, 13, 13, DnsType.Aaaa, DnsClass.IN)], walk.Questions);
        var answer = Assert.Single(walk.Records);
        Assert.Equal(new DnsRecord(29, 2, DnsType.Aaaa, DnsClass.IN, 3600, 41, 16), answer);
        AssertTtlAt(message, answer, expectedTtlOffset: 35);
        Assert.Equal(
            System.Net.IPAddress.Parse("2001:db8::1"),
            new System.Net.IPAddress(message.AsSpan(answer.RDataOffset, answer.RDataLength)));
        Assert.Equal("example.com.", ExpandToString(message, answer.Offset));
    }

    [Fact]
    public void ReadRecord_NxDomainWithSoa_ReportsRcodeAndSoa()
    {
        var message = DnsVectors.NxDomainWithSoa;
        var walk = DnsMessageWalk.Run(message);

        Assert.Equal(ParseStatus.Ok, walk.Status);
        Assert.Equal(new DnsHeader(3, 0x8183, 1, 0, 1, 0), walk.Header);
        Assert.Equal(DnsRcode.NXDomain, walk.Header.Rcode);
        Assert.Equal([new DnsQuestion(12, 21, 21, DnsType.A, DnsClass.IN)], walk.Questions);
        var soa = Assert.Single(walk.Records);
        Assert.Equal(new DnsRecord(37, 2, DnsType.Soa, DnsClass.IN, 900, 49, 39), soa);
        AssertTtlAt(message, soa, expectedTtlOffset: 43);
        Assert.Equal(88, soa.End);

        // RDATA: MNAME and RNAME are compressed; the five 32-bit fields follow them (RFC 1035 §3.3.13).
        Assert.Equal(ParseStatus.Ok, DnsName.TryMeasure(message, 49, out var mname, out _));
        Assert.Equal(6, mname);
        Assert.Equal(ParseStatus.Ok, DnsName.TryMeasure(message, 55, out var rname, out _));
        Assert.Equal(13, rname);
        Assert.Equal("ns1.example.com.", ExpandToString(message, 49));
        Assert.Equal("hostmaster.example.com.", ExpandToString(message, 55));
        Assert.Equal(2024010101u, BinaryPrimitives.ReadUInt32BigEndian(message.AsSpan(68)));
        Assert.Equal(900u, BinaryPrimitives.ReadUInt32BigEndian(message.AsSpan(84)));   // MINIMUM: the negative TTL
    }

    [Fact]
    public void ReadRecord_ResponseWithEde_ReportsOptWithoutSubnetOrCookie()
    {
        var message = DnsVectors.ResponseWithEde;
        var walk = DnsMessageWalk.Run(message);

        Assert.Equal(ParseStatus.Ok, walk.Status);
        Assert.Equal(new DnsHeader(4, 0x8183, 1, 0, 0, 1), walk.Header);
        Assert.Equal([new DnsQuestion(12, 17, 17, DnsType.A, DnsClass.IN)], walk.Questions);
        var opt = Assert.Single(walk.Records);
        Assert.Equal(new DnsRecord(33, 1, DnsType.Opt, 1232, 0, 44, 15), opt);
        AssertTtlAt(message, opt, expectedTtlOffset: 38);
        Assert.Equal(new EdnsInfo(1232, 0, 0, DnssecOk: false, HasClientSubnet: false, HasCookie: false), walk.Edns);

        var option = message.AsSpan(opt.RDataOffset, opt.RDataLength);
        Assert.Equal(EdnsOptionCode.ExtendedError, BinaryPrimitives.ReadUInt16BigEndian(option));
        Assert.Equal(11, BinaryPrimitives.ReadUInt16BigEndian(option[2..]));
        Assert.Equal((ushort)EdeCode.Blocked, BinaryPrimitives.ReadUInt16BigEndian(option[4..]));
        Assert.Equal("blocklist"u8.ToArray(), option[6..].ToArray());
    }

    [Fact]
    public void ReadHeader_Twice_IsMalformedAndDoesNotMove()
    {
        var reader = new DnsMessageReader(DnsVectors.PlainAQuery);
        Assert.Equal(ParseStatus.Ok, reader.ReadHeader(out _));

        Assert.Equal(ParseStatus.Malformed, reader.ReadHeader(out var second));

        Assert.Equal(default, second);
        Assert.Equal(12, reader.Position);
        Assert.Equal(21, reader.Remaining);
    }

    [Fact]
    public void ReadHeader_ElevenBytes_IsMalformedAndDoesNotMove()
    {
        var reader = new DnsMessageReader(DnsVectors.PlainAQuery.AsSpan(0, 11));

        Assert.Equal(ParseStatus.Malformed, reader.ReadHeader(out var header));

        Assert.Equal(default, header);
        Assert.Equal(0, reader.Position);
    }

    [Fact]
    public void ReadQuestion_FixedFieldsCutShort_IsMalformedAndDoesNotMove()
    {
        // The name is complete but QCLASS is missing.
        var reader = new DnsMessageReader(DnsVectors.PlainAQuery.AsSpan(0, 31));
        Assert.Equal(ParseStatus.Ok, reader.ReadHeader(out _));

        Assert.Equal(ParseStatus.Malformed, reader.ReadQuestion(out var question));

        Assert.Equal(default, question);
        Assert.Equal(12, reader.Position);
    }

    [Fact]
    public void ReadRecord_RDataLengthPastEnd_IsMalformedAndDoesNotMove()
    {
        var message = DnsVectors.AaaaAnswer.ToArray();
        message[40] = 0x11;   // RDLENGTH 17, one more than is there
        var reader = new DnsMessageReader(message);
        Assert.Equal(ParseStatus.Ok, reader.ReadHeader(out _));
        Assert.Equal(ParseStatus.Ok, reader.ReadQuestion(out _));

        Assert.Equal(ParseStatus.Malformed, reader.ReadRecord(out var record));

        Assert.Equal(default, record);
        Assert.Equal(29, reader.Position);
    }

    [Fact]
    public void ReadRecord_HostileOwner_IsMalformed()
    {
        var message = DnsVectors.AaaaAnswer.ToArray();
        message[30] = 29;   // the answer's owner now points at itself
        var reader = new DnsMessageReader(message);
        Assert.Equal(ParseStatus.Ok, reader.ReadHeader(out _));
        Assert.Equal(ParseStatus.Ok, reader.ReadQuestion(out _));

        Assert.Equal(ParseStatus.Malformed, reader.ReadRecord(out _));
        Assert.Equal(29, reader.Position);
    }

    [Fact]
    public void Message_AfterConstruction_IsTheWholeInput()
    {
        var reader = new DnsMessageReader(DnsVectors.AaaaAnswer);

        Assert.True(reader.Message == DnsVectors.AaaaAnswer.AsSpan());
        Assert.Equal(0, reader.Position);
        Assert.Equal(DnsVectors.AaaaAnswer.Length, reader.Remaining);
    }

    private static void AssertTtlAt(byte[] message, DnsRecord record, int expectedTtlOffset)
    {
        Assert.Equal(expectedTtlOffset, record.TtlOffset);
        Assert.Equal(record.Ttl, BinaryPrimitives.ReadUInt32BigEndian(message.AsSpan(record.TtlOffset)));
    }

    internal static string ExpandToString(byte[] message, int offset)
    {
        var name = new byte[DnsLimits.MaxNameLength];
        Assert.Equal(ParseStatus.Ok, DnsName.TryExpand(message, offset, name, out _, out var written));
        return DnsName.ToDisplayString(name.AsSpan(0, written));
    }
}
