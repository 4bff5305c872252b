using Appliance.Protocols.Dns;

namespace Appliance.Protocols.Tests.Dns;

/// <summary>EdnsInfo.TryRead over OPT records (RFC 6891 §6.1.2–6.1.3) in a message with no question.</summary>
public class EdnsInfoTests
{
    // ID 0, flags 0, QD=0 AN=0 NS=0 AR=1: the OPT record starts @12.
    private const string Header = "0000 0000 0000 0000 0000 0001";

    [Fact]
    public void TryRead_TtlFields_UnpacksExtendedRcodeVersionAndDo()
    {
        var (status, info) = ReadOpt(
            "00 0029 0400" +     // owner root, OPT, UDP size 1024
            "01 02 8000" +       // EXTENDED-RCODE 1, VERSION 2, DO=1
            "0000");             // no options

        Assert.Equal(ParseStatus.Ok, status);
        Assert.Equal(new EdnsInfo(1024, ExtendedRcode: 1, Version: 2, DnssecOk: true, HasClientSubnet: false, HasCookie: false), info);
    }

    [Fact]
    public void TryRead_ZBitsWithoutDo_IsNotDnssecOk()
    {
        var (status, info) = ReadOpt("00 0029 0200 00 00 7fff 0000");   // every Z bit set, DO clear

        Assert.Equal(ParseStatus.Ok, status);
        Assert.False(info.DnssecOk);
        Assert.Equal(512, info.UdpPayloadSize);
    }

    [Fact]
    public void TryRead_EmptyAndUnknownOptions_AreSkipped()
    {
        var (status, info) = ReadOpt(
            "00 0029 04d0 00 00 0000 000c" +   // RDLENGTH 12
            "000c 0000" +                       // PADDING, empty
            "fde9 0004 deadbeef");              // an unknown local option

        Assert.Equal(ParseStatus.Ok, status);
        Assert.Equal(new EdnsInfo(1232, 0, 0, false, false, false), info);
    }

    [Fact]
    public void TryRead_CookieOnly_ReportsCookieNotSubnet()
    {
        var (status, info) = ReadOpt("00 0029 04d0 00 00 0000 000c  000a 0008 0102030405060708");

        Assert.Equal(ParseStatus.Ok, status);
        Assert.True(info.HasCookie);
        Assert.False(info.HasClientSubnet);
    }

    [Theory]
    [InlineData("01 61 00 0029 04d0 00 00 0000 0000", 3)]   // owner "a."
    [InlineData("c00c 0029 04d0 00 00 0000 0000", 2)]       // owner a pointer
    [InlineData("01 61 00 0029 04d0 00 00 0000 0000", 1)]   // a one-byte owner that is not the zero byte
    public void TryRead_OwnerNotRoot_IsMalformed(string opt, int ownerLength)
    {
        var message = DnsVectors.FromHex(Header + opt);
        var record = new DnsRecord(12, ownerLength, DnsType.Opt, 1232, 0, message.Length, 0);

        Assert.Equal(ParseStatus.Malformed, EdnsInfo.TryRead(message, record, out var info));
        Assert.Equal(default, info);
    }

    [Fact]
    public void TryRead_OwnerNotRootThroughReader_IsMalformed()
    {
        // @12 "a." then the OPT fields; the reader accepts the record, EDNS does not.
        var message = DnsVectors.FromHex(Header + "01 61 00 0029 04d0 00 00 8000 0000");

        var walk = DnsMessageWalk.Run(message);

        Assert.Equal(ParseStatus.Malformed, walk.Status);
        Assert.Equal(WalkStep.Edns, walk.Step);
        Assert.Equal(new DnsRecord(12, 3, DnsType.Opt, 1232, 0x8000, 25, 0), Assert.Single(walk.Records));
    }

    [Theory]
    [InlineData("0006  0008 0008 0001")]                 // ECS claims 8 bytes, 2 present
    [InlineData("0007  000a 0008 010203")]               // cookie claims 8, 3 present
    [InlineData("0008  000c 0000  000a 0001")]           // a good option, then one claiming 1 byte with 0 left
    [InlineData("0006  000f ffff 0016")]                 // EDE claims 65535
    public void TryRead_OptionOverrunningRData_IsMalformed(string rdlengthAndOptions)
    {
        var (status, info) = ReadOpt("00 0029 04d0 00 00 0000 " + rdlengthAndOptions);

        Assert.Equal(ParseStatus.Malformed, status);
        Assert.Equal(default, info);
    }

    [Theory]
    [InlineData("0001  00")]                             // 1 byte of option header
    [InlineData("0002  000a")]                           // code only
    [InlineData("0003  000a 00")]                        // code and half a length
    [InlineData("0007  000c 0000 000a 00")]              // a good option, then 3 bytes of the next header
    public void TryRead_OptionHeaderCutShort_IsMalformed(string rdlengthAndOptions)
    {
        var (status, info) = ReadOpt("00 0029 04d0 00 00 0000 " + rdlengthAndOptions);

        Assert.Equal(ParseStatus.Malformed, status);
        Assert.Equal(default, info);
    }

    [Fact]
    public void TryRead_OptionEndingExactlyAtRData_IsOkEvenWithBytesAfterTheRecord()
    {
        // RDLENGTH 4 covers one empty option; the bytes after the record must not be read as options.
        var message = DnsVectors.FromHex(Header + "00 0029 04d0 00 00 0000 0004 000c 0000" + "000a 0008");
        var reader = new DnsMessageReader(message);
        Assert.Equal(ParseStatus.Ok, reader.ReadHeader(out _));
        Assert.Equal(ParseStatus.Ok, reader.ReadRecord(out var opt));

        Assert.Equal(ParseStatus.Ok, EdnsInfo.TryRead(message, opt, out var info));

        Assert.False(info.HasCookie);
        Assert.Equal(4, reader.Remaining);
    }

    /// <summary>Reads the OPT record @12 with the reader, then interprets it.</summary>
    private static (ParseStatus Status, EdnsInfo Info) ReadOpt(string opt)
    {
        var message = DnsVectors.FromHex(Header + opt);
        var reader = new DnsMessageReader(message);
        Assert.Equal(ParseStatus.Ok, reader.ReadHeader(out _));
        Assert.Equal(ParseStatus.Ok, reader.ReadRecord(out var record));
        Assert.Equal(DnsType.Opt, record.Type);
        Assert.Equal(message.Length, record.End);

        var status = EdnsInfo.TryRead(message, record, out var info);
        return (status, info);
    }
}
