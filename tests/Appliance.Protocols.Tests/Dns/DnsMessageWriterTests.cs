using System.Buffers.Binary;
using Appliance.Protocols.Dns;

namespace Appliance.Protocols.Tests.Dns;

/// <summary>The writer rebuilds the labelled vectors byte for byte, and writes nothing when it does not fit.</summary>
public class DnsMessageWriterTests
{
    private delegate bool WriteStep(ref DnsMessageWriter writer);

    [Fact]
    public void TryWriteQuestion_PlainAQuery_MatchesVector()
    {
        var buffer = new byte[512];
        var writer = new DnsMessageWriter(buffer);

        Assert.True(writer.TryWriteHeader(new DnsHeader(0x1234, DnsHeader.RdBit, 1, 0, 0, 0)));
        Assert.True(writer.TryWriteQuestion(DnsVectors.Wire("www.example.com"), DnsType.A, DnsClass.IN));

        AssertHex(DnsVectors.PlainAQuery, writer.Written);
        Assert.Equal(33, writer.BytesWritten);
    }

    [Fact]
    public void TryWriteOpt_QueryWithDo_MatchesVector()
    {
        var buffer = new byte[512];
        var writer = new DnsMessageWriter(buffer);

        Assert.True(writer.TryWriteHeader(new DnsHeader(0xBEEF, DnsHeader.RdBit | DnsHeader.AdBit, 1, 0, 0, 1)));
        Assert.True(writer.TryWriteQuestion(DnsVectors.Wire("www.example.com."), DnsType.A, DnsClass.IN));
        Assert.True(writer.TryWriteOpt(1232, DnsRcode.NoError, dnssecOk: true));

        AssertHex(DnsVectors.QueryWithOptDo, writer.Written);
    }

    [Fact]
    public void TryWriteRecord_OptWithSubnetAndCookie_MatchesVector()
    {
        var buffer = new byte[512];
        var writer = new DnsMessageWriter(buffer);
        var options = DnsVectors.FromHex("0008 0007 0001 18 00 c00002 000a 0008 0102030405060708");

        Assert.True(writer.TryWriteHeader(new DnsHeader(0xABCD, DnsHeader.RdBit, 1, 0, 0, 1)));
        Assert.True(writer.TryWriteQuestion(DnsVectors.Wire("example.org"), DnsType.Aaaa, DnsClass.IN));
        Assert.True(writer.TryWriteRecord([0], DnsType.Opt, 4096, 0, options));

        AssertHex(DnsVectors.QueryWithSubnetAndCookie, writer.Written);
    }

    [Fact]
    public void TryWriteRecord_CompressedResponseThenSetCounts_MatchesVector()
    {
        var buffer = new byte[512];
        var writer = new DnsMessageWriter(buffer);
        var flags = DnsHeader.ResponseFlags(DnsOpcode.Query, rd: true, cd: false, ad: false, tc: false, DnsRcode.NoError);

        Assert.True(writer.TryWriteHeader(new DnsHeader(0x1234, flags, 0, 0, 0, 0)));
        Assert.True(writer.TryWriteQuestion(DnsVectors.Wire("www.example.com"), DnsType.A, DnsClass.IN));
        Assert.True(writer.TryWriteRecord([0xC0, 12], DnsType.CName, DnsClass.IN, 3600, DnsVectors.FromHex("03 776562 c010")));
        Assert.True(writer.TryWriteRecord([0xC0, 45], DnsType.A, DnsClass.IN, 300, [93, 184, 216, 34]));
        Assert.True(writer.TryWriteRecord([0xC0, 16], DnsType.NS, DnsClass.IN, 86400, DnsVectors.FromHex("03 6e7331 c010")));
        Assert.True(writer.TryWriteRecord([0xC0, 79], DnsType.A, DnsClass.IN, 86400, [192, 0, 2, 1]));
        DnsMessageWriter.SetCounts(writer.Written, 1, 2, 1, 1);

        AssertHex(DnsVectors.ResponseWithCompression, writer.Written);
    }

    [Fact]
    public void TryWriteRecord_AaaaAnswer_MatchesVector()
    {
        var buffer = new byte[512];
        var writer = new DnsMessageWriter(buffer);
        var address = System.Net.IPAddress.Parse("2001:db8::1").GetAddressBytes();

        Assert.True(writer.TryWriteHeader(new DnsHeader(2, 0x8180, 1, 1, 0, 0)));
        Assert.True(writer.TryWriteQuestion(DnsVectors.Wire("example.com"), DnsType.Aaaa, DnsClass.IN));
        Assert.True(writer.TryWriteRecord([0xC0, 12], DnsType.Aaaa, DnsClass.IN, 3600, address));

        AssertHex(DnsVectors.AaaaAnswer, writer.Written);
    }

    [Fact]
    public void TryWriteBytes_SoaRData_MatchesNxDomainVector()
    {
        var buffer = new byte[512];
        var writer = new DnsMessageWriter(buffer);
        var flags = DnsHeader.ResponseFlags(DnsOpcode.Query, rd: true, cd: false, ad: false, tc: false, DnsRcode.NXDomain);
        var soa = DnsVectors.FromHex(
            "03 6e7331 c014 0a 686f73746d6173746572 c014 78a3f175 00001c20 00000e10 00127500 00000384");

        Assert.True(writer.TryWriteHeader(new DnsHeader(3, flags, 1, 0, 1, 0)));
        Assert.True(writer.TryWriteBytes(DnsVectors.Wire("nothere.example.com")));
        Assert.True(writer.TryWriteBytes([0, 1, 0, 1]));
        Assert.True(writer.TryWriteRecord([0xC0, 20], DnsType.Soa, DnsClass.IN, 900, soa));

        AssertHex(DnsVectors.NxDomainWithSoa, writer.Written);
    }

    [Fact]
    public void TryWriteOpt_WithEde_MatchesVector()
    {
        var buffer = new byte[512];
        var writer = new DnsMessageWriter(buffer);
        var flags = DnsHeader.ResponseFlags(DnsOpcode.Query, rd: true, cd: false, ad: false, tc: false, DnsRcode.NXDomain);

        Assert.True(writer.TryWriteHeader(new DnsHeader(4, flags, 1, 0, 0, 1)));
        Assert.True(writer.TryWriteQuestion(DnsVectors.Wire("ads.example.com"), DnsType.A, DnsClass.IN));
        Assert.True(writer.TryWriteOpt(1232, DnsRcode.NXDomain, dnssecOk: false, EdeCode.Blocked, "blocklist"u8));

        AssertHex(DnsVectors.ResponseWithEde, writer.Written);
    }

    [Theory]
    [InlineData(false, "00 0029 04d0 00 00 0000 0000")]
    [InlineData(true, "00 0029 04d0 00 00 8000 0000")]
    public void TryWriteOpt_WithoutEde_WritesElevenBytes(bool dnssecOk, string expected)
    {
        var buffer = new byte[64];
        var writer = new DnsMessageWriter(buffer);

        Assert.True(writer.TryWriteOpt(1232, DnsRcode.ServFail, dnssecOk));

        AssertHex(DnsVectors.FromHex(expected), writer.Written);
        Assert.All(buffer[11..], b => Assert.Equal(0, b));
    }

    [Fact]
    public void TryWriteOpt_BadVers_PutsUpperRcodeBitsInTtl()
    {
        // RFC 6891 §6.1.3: BADVERS (16) is EXTENDED-RCODE 1 with a header RCODE of 0.
        var buffer = new byte[64];
        var writer = new DnsMessageWriter(buffer);

        Assert.True(writer.TryWriteOpt(512, DnsRcode.BadVers, dnssecOk: true));

        AssertHex(DnsVectors.FromHex("00 0029 0200 01 00 8000 0000"), writer.Written);
    }

    [Theory]
    [InlineData(EdeCode.Other, 0)]
    [InlineData(EdeCode.StaleAnswer, 3)]
    [InlineData(EdeCode.Blocked, 15)]
    [InlineData(EdeCode.Censored, 16)]
    [InlineData(EdeCode.Filtered, 17)]
    [InlineData(EdeCode.Prohibited, 18)]
    [InlineData(EdeCode.NoReachableAuthority, 22)]
    [InlineData(EdeCode.NetworkError, 23)]
    public void TryWriteOpt_EdeWithoutText_WritesRfc8914InfoCode(EdeCode code, ushort infoCode)
    {
        var buffer = new byte[64];
        var writer = new DnsMessageWriter(buffer);

        Assert.True(writer.TryWriteOpt(1232, DnsRcode.NoError, dnssecOk: false, code));

        var opt = writer.Written;
        Assert.Equal(17, opt.Length);
        Assert.Equal(6, BinaryPrimitives.ReadUInt16BigEndian(opt[9..]));      // RDLENGTH: one option, no text
        Assert.Equal(15, BinaryPrimitives.ReadUInt16BigEndian(opt[11..]));    // OPTION-CODE 15 (RFC 8914 §2)
        Assert.Equal(2, BinaryPrimitives.ReadUInt16BigEndian(opt[13..]));     // OPTION-LENGTH: INFO-CODE only
        Assert.Equal(infoCode, BinaryPrimitives.ReadUInt16BigEndian(opt[15..]));
    }

    [Fact]
    public void TryWriteOpt_EdeWithText_ReadsBackThroughReader()
    {
        var buffer = new byte[128];
        var writer = new DnsMessageWriter(buffer);
        Assert.True(writer.TryWriteHeader(new DnsHeader(7, 0x8182, 0, 0, 0, 1)));

        Assert.True(writer.TryWriteOpt(1232, DnsRcode.ServFail, dnssecOk: true, EdeCode.NetworkError, "upstream timed out"u8));

        var message = writer.Written.ToArray();
        var walk = DnsMessageWalk.Run(message);
        Assert.Equal(ParseStatus.Ok, walk.Status);
        var opt = Assert.Single(walk.Records);
        Assert.Equal(new DnsRecord(12, 1, DnsType.Opt, 1232, EdnsInfo.DoBit, 23, 4 + 2 + 18), opt);
        Assert.Equal(new EdnsInfo(1232, 0, 0, DnssecOk: true, HasClientSubnet: false, HasCookie: false), walk.Edns);
        var option = message.AsSpan(opt.RDataOffset, opt.RDataLength);
        Assert.Equal(EdnsOptionCode.ExtendedError, BinaryPrimitives.ReadUInt16BigEndian(option));
        Assert.Equal(2 + 18, BinaryPrimitives.ReadUInt16BigEndian(option[2..]));
        Assert.Equal((ushort)EdeCode.NetworkError, BinaryPrimitives.ReadUInt16BigEndian(option[4..]));
        Assert.Equal("upstream timed out", System.Text.Encoding.UTF8.GetString(option[6..]));
    }

    [Fact]
    public void TryWriteOpt_EdeTextOverflowingRdLength_ReturnsFalse()
    {
        // RDLENGTH is 16 bits (RFC 6891 §6.1.2): 4 + 2 + 65530 bytes of options cannot be described.
        var buffer = new byte[70_000];
        var writer = new DnsMessageWriter(buffer);
        var text = new byte[65_530];

        Assert.False(writer.TryWriteOpt(1232, DnsRcode.NoError, dnssecOk: false, EdeCode.Other, text));
        Assert.Equal(0, writer.BytesWritten);

        Assert.True(writer.TryWriteOpt(1232, DnsRcode.NoError, dnssecOk: false, EdeCode.Other, text.AsSpan(1)));
        Assert.Equal(ushort.MaxValue, BinaryPrimitives.ReadUInt16BigEndian(buffer.AsSpan(9)));
        Assert.Equal(11 + ushort.MaxValue, writer.BytesWritten);
    }

    [Fact]
    public void TryWriteRecord_RDataLongerThan65535_ReturnsFalse()
    {
        var buffer = new byte[70_000];
        var writer = new DnsMessageWriter(buffer);

        Assert.False(writer.TryWriteRecord([0], DnsType.Txt, DnsClass.IN, 0, new byte[ushort.MaxValue + 1]));
        Assert.Equal(0, writer.BytesWritten);
    }

    [Fact]
    public void TryWriteHeader_Twice_ReturnsFalse()
    {
        var buffer = new byte[64];
        var writer = new DnsMessageWriter(buffer);
        Assert.True(writer.TryWriteHeader(new DnsHeader(1, 0, 0, 0, 0, 0)));

        Assert.False(writer.TryWriteHeader(new DnsHeader(2, 0, 0, 0, 0, 0)));

        Assert.Equal(12, writer.BytesWritten);
        Assert.Equal(1, buffer[1]);
    }

    [Fact]
    public void TryWriteHeader_SpanTooSmall_ReturnsFalseAndWritesNothing()
    {
        for (var length = 0; length < 12; length++)
        {
            var buffer = Sentinel(length);
            var writer = new DnsMessageWriter(buffer);

            Assert.False(writer.TryWriteHeader(new DnsHeader(0x1234, 0x0100, 1, 0, 0, 0)));

            Assert.Equal(0, writer.BytesWritten);
            Assert.Equal(Sentinel(length), buffer);
        }
    }

    [Fact]
    public void TryWriteBytes_SpanTooSmall_ReturnsFalseAndWritesNothing()
    {
        AssertAllOrNothing(5, (ref DnsMessageWriter w) => w.TryWriteBytes([1, 2, 3, 4, 5]));
    }

    [Fact]
    public void TryWriteQuestion_SpanTooSmall_ReturnsFalseAndWritesNothing()
    {
        var name = DnsVectors.Wire("www.example.com");
        AssertAllOrNothing(name.Length + 4, (ref DnsMessageWriter w) => w.TryWriteQuestion(name, DnsType.A, DnsClass.IN));
    }

    [Fact]
    public void TryWriteRecord_SpanTooSmall_ReturnsFalseAndWritesNothing()
    {
        AssertAllOrNothing(2 + 10 + 4, (ref DnsMessageWriter w) => w.TryWriteRecord([0xC0, 12], DnsType.A, DnsClass.IN, 60, [192, 0, 2, 1]));
    }

    [Fact]
    public void TryWriteOpt_SpanTooSmall_ReturnsFalseAndWritesNothing()
    {
        AssertAllOrNothing(11, (ref DnsMessageWriter w) => w.TryWriteOpt(1232, DnsRcode.NoError, dnssecOk: true));
    }

    [Fact]
    public void TryWriteOpt_WithEdeSpanTooSmall_ReturnsFalseAndWritesNothing()
    {
        AssertAllOrNothing(11 + 6 + 9, (ref DnsMessageWriter w) => w.TryWriteOpt(1232, DnsRcode.NoError, dnssecOk: false, EdeCode.Blocked, "blocklist"u8));
    }

    [Fact]
    public void SetCounts_WrittenHeader_OverwritesOnlyTheFourCounts()
    {
        var message = DnsVectors.FromHex("1234 8180 0000 0000 0000 0000 ff");

        DnsMessageWriter.SetCounts(message, 0x0102, 0x0304, 0x0506, 0x0708);

        AssertHex(DnsVectors.FromHex("1234 8180 0102 0304 0506 0708 ff"), message);
    }

    /// <summary>
    /// After a header, a write that needs <paramref name="size"/> bytes fails and leaves the buffer untouched for
    /// every shorter span, and succeeds with exactly <paramref name="size"/> bytes to spare.
    /// </summary>
    private static void AssertAllOrNothing(int size, WriteStep write)
    {
        for (var spare = 0; spare <= size; spare++)
        {
            var buffer = Sentinel(12 + spare);
            var writer = new DnsMessageWriter(buffer);
            Assert.True(writer.TryWriteHeader(new DnsHeader(0x1234, 0, 0, 0, 0, 0)));
            var before = buffer.ToArray();

            var ok = write(ref writer);

            if (spare < size)
            {
                Assert.False(ok, $"a write of {size} bytes succeeded with {spare} to spare");
                Assert.Equal(12, writer.BytesWritten);
                Assert.Equal(before, buffer);
            }
            else
            {
                Assert.True(ok, $"a write of {size} bytes failed with exactly that much room");
                Assert.Equal(12 + size, writer.BytesWritten);
            }
        }
    }

    private static byte[] Sentinel(int length)
    {
        var buffer = new byte[length];
        buffer.AsSpan().Fill(0xA5);
        return buffer;
    }

    private static void AssertHex(byte[] expected, ReadOnlySpan<byte> actual)
        => Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(actual));
}
