using Appliance.Protocols.Quic;
using Appliance.TestSupport;

namespace Appliance.Protocols.Tests.Quic;

public class QuicInitialReaderTests
{
    [Theory]
    [InlineData(QuicVersion.Version1)]
    [InlineData(QuicVersion.Version2)]
    public void TryReadHeader_RfcSample_ReadsEveryField(uint version)
    {
        var datagram = version == QuicVersion.Version1 ? QuicVectors.V1ClientInitial : QuicVectors.V2ClientInitial;

        Assert.Equal(ParseStatus.Ok, QuicInitialReader.TryReadHeader(datagram, out var header));

        Assert.Equal(version, header.Version);
        Assert.Equal(QuicPacketType.Initial, header.PacketType);
        Assert.True(header.IsInitial);
        Assert.Equal(QuicVectors.ConnectionId, header.DestinationConnectionId.ToArray());
        Assert.True(header.SourceConnectionId.IsEmpty);
        Assert.True(header.Token.IsEmpty);
        Assert.Equal(QuicVectors.PacketNumberOffset, header.PacketNumberOffset);
        Assert.Equal(datagram.Length, header.PacketLength);
    }

    [Fact]
    public void TryReadHeader_TokenAndSourceId_AreReadAsSpans()
    {
        var packet = InitialPackets.Protect(QuicVersion.Version1, [1, 2, 3, 4, 5, 6, 7, 8], new byte[40], sourceConnectionId: [9, 9], token: new byte[70]);

        Assert.Equal(ParseStatus.Ok, QuicInitialReader.TryReadHeader(packet, out var header));

        Assert.Equal([9, 9], header.SourceConnectionId.ToArray());
        Assert.Equal(70, header.Token.Length);
        Assert.Equal(1 + 4 + 9 + 3 + 2 + 70 + 2, header.PacketNumberOffset);   // token length 70 takes a 2-byte varint
        Assert.Equal(packet.Length, header.PacketLength);
    }

    [Theory]
    [InlineData(0xd0, QuicVersion.Version1, QuicPacketType.ZeroRtt)]     // type bits 01
    [InlineData(0xd0, QuicVersion.Version2, QuicPacketType.Initial)]     // RFC 9369 §3.2: v2 Initial is 01
    [InlineData(0xe0, QuicVersion.Version1, QuicPacketType.Handshake)]   // type bits 10
    [InlineData(0xe0, QuicVersion.Version2, QuicPacketType.ZeroRtt)]
    [InlineData(0xf0, QuicVersion.Version2, QuicPacketType.Handshake)]   // type bits 11
    public void TryReadHeader_TypeBits_AreMappedPerVersion(byte firstByte, uint version, QuicPacketType expected)
    {
        var header = InitialPackets.Header(version, [1, 2, 3, 4], [], [], 0, 1, 30, 0);
        header[0] = firstByte;
        byte[] datagram = [.. header, .. new byte[30 + 16]];
        if (expected != QuicPacketType.Initial)
        {
            // Only Initials carry a token length; drop ours so the rest of the header lines up.
            datagram = [.. datagram[..11], .. datagram[12..]];
        }

        Assert.Equal(ParseStatus.Ok, QuicInitialReader.TryReadHeader(datagram, out var read));
        Assert.Equal(expected, read.PacketType);
    }

    public static TheoryData<string, byte[]> NotQuicInitials() => new()
    {
        { "empty", [] },
        { "short header", [0x40, 0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08] },
        { "version negotiation", [0x80, 0, 0, 0, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 0, 1] },
        { "draft-29", [0xc0, 0xff, 0x00, 0x00, 0x1d, 8, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0x41, 0x00] },
        { "a GREASE version (RFC 9000 §15)", [0xc0, 0x1a, 0x2a, 0x3a, 0x4a, 0] },
        { "four bytes", [0xc0, 0x00, 0x00, 0x00] },
        { "DNS query", [0x12, 0x34, 0x01, 0x00, 0x00, 0x01] },
    };

    [Theory]
    [MemberData(nameof(NotQuicInitials))]
    public void TryReadHeader_NotAKnownVersion_IsNotThisProtocol(string what, byte[] datagram)
    {
        Assert.True(ParseStatus.NotThisProtocol == QuicInitialReader.TryReadHeader(datagram, out _), what);
    }

    public static TheoryData<string, byte[]> BrokenHeaders()
    {
        var sample = QuicVectors.V1ClientInitial;
        return new TheoryData<string, byte[]>
        {
            { "DCID of 21 bytes", [0xc0, 0, 0, 0, 1, 21, .. new byte[21], 0, 0, 0x41, 0] },
            { "SCID of 21 bytes", [0xc0, 0, 0, 0, 1, 0, 21, .. new byte[21], 0, 0x41, 0] },
            { "token longer than the datagram", [.. sample[..15], 0x44, 0xff, .. sample[17..]] },
            { "Length past the datagram", sample[..^1] },
            { "Retry, which clients never send", [0xf0, .. sample[1..]] },
        };
    }

    [Theory]
    [MemberData(nameof(BrokenHeaders))]
    public void TryReadHeader_BrokenHeader_IsMalformed(string what, byte[] datagram)
    {
        Assert.True(ParseStatus.Malformed == QuicInitialReader.TryReadHeader(datagram, out _), what);
    }

    [Fact]
    public void TryReadHeader_EveryTruncationOfTheHeader_IsMalformed()
    {
        var sample = QuicVectors.V1ClientInitial;
        for (var length = 5; length < QuicVectors.PacketNumberOffset; length++)
        {
            var datagram = sample[..length];

            Assert.Equal(ParseStatus.Malformed, QuicInitialReader.TryReadHeader(datagram, out _));
        }
    }
}
