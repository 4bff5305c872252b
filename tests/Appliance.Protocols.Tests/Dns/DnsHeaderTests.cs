using Appliance.Protocols.Dns;

namespace Appliance.Protocols.Tests.Dns;

/// <summary>The flag word of RFC 1035 §4.1.1 (QR, Opcode, AA, TC, RD, RA, Z, AD, CD, RCODE) and its accessors.</summary>
public class DnsHeaderTests
{
    [Theory]
    //            flags   QR     opcode                 TC     RD     AD     CD     rcode
    [InlineData(0x0000, false, DnsOpcode.Query, false, false, false, false, DnsRcode.NoError)]
    [InlineData(0x8000, true, DnsOpcode.Query, false, false, false, false, DnsRcode.NoError)]
    [InlineData(0x0800, false, DnsOpcode.IQuery, false, false, false, false, DnsRcode.NoError)]
    [InlineData(0x1000, false, DnsOpcode.Status, false, false, false, false, DnsRcode.NoError)]
    [InlineData(0x2000, false, DnsOpcode.Notify, false, false, false, false, DnsRcode.NoError)]
    [InlineData(0x2800, false, DnsOpcode.Update, false, false, false, false, DnsRcode.NoError)]
    [InlineData(0x0200, false, DnsOpcode.Query, true, false, false, false, DnsRcode.NoError)]
    [InlineData(0x0100, false, DnsOpcode.Query, false, true, false, false, DnsRcode.NoError)]
    [InlineData(0x0020, false, DnsOpcode.Query, false, false, true, false, DnsRcode.NoError)]
    [InlineData(0x0010, false, DnsOpcode.Query, false, false, false, true, DnsRcode.NoError)]
    [InlineData(0x0005, false, DnsOpcode.Query, false, false, false, false, DnsRcode.Refused)]
    [InlineData(0x8183, true, DnsOpcode.Query, false, true, false, false, DnsRcode.NXDomain)]
    [InlineData(0x0400, false, DnsOpcode.Query, false, false, false, false, DnsRcode.NoError)]   // AA alone
    [InlineData(0x0080, false, DnsOpcode.Query, false, false, false, false, DnsRcode.NoError)]   // RA alone
    [InlineData(0x0040, false, DnsOpcode.Query, false, false, false, false, DnsRcode.NoError)]   // Z alone
    [InlineData(0xFFFF, true, (DnsOpcode)15, true, true, true, true, (DnsRcode)15)]
    public void Accessors_FlagWord_UnpackEachField(
        int flags, bool qr, DnsOpcode opcode, bool tc, bool rd, bool ad, bool cd, DnsRcode rcode)
    {
        var header = new DnsHeader(1, (ushort)flags, 0, 0, 0, 0);

        Assert.Equal(qr, header.IsResponse);
        Assert.Equal(opcode, header.Opcode);
        Assert.Equal(tc, header.IsTruncated);
        Assert.Equal(rd, header.RecursionDesired);
        Assert.Equal(ad, header.AuthenticData);
        Assert.Equal(cd, header.CheckingDisabled);
        Assert.Equal(rcode, header.Rcode);
    }

    [Fact]
    public void BitConstants_MatchRfc1035AndRfc4035Positions()
    {
        Assert.Equal(1 << 15, DnsHeader.QrBit);
        Assert.Equal(1 << 10, DnsHeader.AaBit);
        Assert.Equal(1 << 9, DnsHeader.TcBit);
        Assert.Equal(1 << 8, DnsHeader.RdBit);
        Assert.Equal(1 << 7, DnsHeader.RaBit);
        Assert.Equal(1 << 5, DnsHeader.AdBit);
        Assert.Equal(1 << 4, DnsHeader.CdBit);
    }

    [Theory]
    //          opcode            rd     cd     ad     tc     rcode              expected
    [InlineData(DnsOpcode.Query, false, false, false, false, DnsRcode.NoError, 0x8080)]
    [InlineData(DnsOpcode.Query, true, false, false, false, DnsRcode.NoError, 0x8180)]
    [InlineData(DnsOpcode.Query, true, true, false, false, DnsRcode.NoError, 0x8190)]
    [InlineData(DnsOpcode.Query, true, false, true, false, DnsRcode.NoError, 0x81A0)]
    [InlineData(DnsOpcode.Query, true, false, false, true, DnsRcode.NoError, 0x8380)]
    [InlineData(DnsOpcode.Query, true, false, false, false, DnsRcode.ServFail, 0x8182)]
    [InlineData(DnsOpcode.Query, true, false, false, false, DnsRcode.NXDomain, 0x8183)]
    [InlineData(DnsOpcode.Query, false, false, false, false, DnsRcode.Refused, 0x8085)]
    [InlineData(DnsOpcode.Notify, false, false, false, false, DnsRcode.NotImp, 0xA084)]
    [InlineData(DnsOpcode.Update, true, true, true, true, DnsRcode.FormErr, 0xABB1)]
    [InlineData(DnsOpcode.Query, false, false, false, false, DnsRcode.BadVers, 0x8080)]   // upper bits go in OPT
    public void ResponseFlags_Parts_BuildFlagWordWithQrAndRa(
        DnsOpcode opcode, bool rd, bool cd, bool ad, bool tc, DnsRcode rcode, int expected)
    {
        var flags = DnsHeader.ResponseFlags(opcode, rd, cd, ad, tc, rcode);

        Assert.Equal($"{expected:X4}", $"{flags:X4}");
        var header = new DnsHeader(0, flags, 0, 0, 0, 0);
        Assert.True(header.IsResponse);
        Assert.Equal(opcode, header.Opcode);
        Assert.Equal(rd, header.RecursionDesired);
        Assert.Equal(cd, header.CheckingDisabled);
        Assert.Equal(ad, header.AuthenticData);
        Assert.Equal(tc, header.IsTruncated);
        Assert.Equal((DnsRcode)((int)rcode & 0xF), header.Rcode);
        Assert.Equal(0, flags & DnsHeader.AaBit);   // a recursive resolver is never authoritative
    }

    [Fact]
    public void TryWrite_ThenTryRead_RoundTripsEveryField()
    {
        var header = new DnsHeader(0xFEDC, 0x8583, 0x0102, 0x0304, 0x0506, 0x0708);
        var buffer = new byte[12];

        Assert.True(header.TryWrite(buffer));

        Assert.Equal("FEDC85830102030405060708", Convert.ToHexString(buffer));
        Assert.Equal(ParseStatus.Ok, DnsHeader.TryRead(buffer, out var read));
        Assert.Equal(header, read);
    }

    [Fact]
    public void TryRead_ElevenBytes_IsMalformed()
    {
        Assert.Equal(ParseStatus.Malformed, DnsHeader.TryRead(new byte[11], out var header));
        Assert.Equal(default, header);
    }

    [Fact]
    public void TryWrite_ElevenBytes_ReturnsFalseAndWritesNothing()
    {
        var buffer = new byte[11];

        Assert.False(new DnsHeader(0xFFFF, 0xFFFF, 1, 1, 1, 1).TryWrite(buffer));

        Assert.All(buffer, b => Assert.Equal(0, b));
    }
}
