using System.Text;
using Appliance.Protocols.Quic;
using Appliance.Protocols.Tests.Tls;
using Appliance.TestSupport;

namespace Appliance.Protocols.Tests.Quic;

public class QuicInitialDecoderTests
{
    private static readonly byte[] Dcid = [0xc0, 0xff, 0xee, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55];

    [Theory]
    [InlineData(QuicVersion.Version1)]
    [InlineData(QuicVersion.Version2)]
    public void Protect_RfcSampleInputs_GivesTheRfcPacket(uint version)
    {
        // The test-side encoder must agree with the RFCs before it is trusted to build the other cases.
        var expected = version == QuicVersion.Version1 ? QuicVectors.V1ClientInitial : QuicVectors.V2ClientInitial;
        var header = version == QuicVersion.Version1 ? QuicVectors.V1Header : QuicVectors.V2Header;

        var packet = InitialPackets.Protect(version, QuicVectors.ConnectionId, QuicVectors.Payload(), packetNumber: 2);

        Assert.Equal(header, InitialPackets.Header(version, QuicVectors.ConnectionId, [], [], 2, 4, QuicVectors.PayloadLength, 0));
        Assert.Equal(expected, packet);
    }

    [Theory]
    [InlineData(QuicVersion.Version1)]
    [InlineData(QuicVersion.Version2)]
    public void Add_RfcSample_YieldsExampleCom(uint version)
    {
        using var decoder = new QuicInitialDecoder(version, QuicVectors.ConnectionId);
        Assert.Equal(ParseStatus.NeedMoreData, decoder.TryGetClientHello(out _));

        Assert.Equal(ParseStatus.Ok, decoder.Add(version == QuicVersion.Version1 ? QuicVectors.V1ClientInitial : QuicVectors.V2ClientInitial));

        Assert.Equal(ParseStatus.Ok, decoder.TryGetClientHello(out var hello));
        Assert.Equal("example.com", Encoding.ASCII.GetString(hello.ServerName));
        Assert.True(hello.OffersTls13);
        Assert.True(hello.OffersAlpn("alpn"u8));
        Assert.Equal(decoder.Version, version);
    }

    [Theory]
    [InlineData(QuicVersion.Version1, 1100, false)]
    [InlineData(QuicVersion.Version2, 1000, false)]
    [InlineData(QuicVersion.Version1, 700, true)]    // the datagram with the end of the hello arrives first
    public void Add_ClientHelloSplitAcrossTwoDatagrams_CompletesWithTheLastPiece(uint version, int split, bool reversed)
    {
        var hello = LargeHello("split.example");
        var first = InitialPackets.ProtectPadded(version, Dcid, InitialPackets.Crypto(0, hello.AsSpan(0, split)), packetNumber: 0);
        var second = InitialPackets.ProtectPadded(version, Dcid, InitialPackets.Crypto(split, hello.AsSpan(split)), packetNumber: 1);
        using var decoder = new QuicInitialDecoder(version, Dcid);

        Assert.Equal(ParseStatus.Ok, decoder.Add(reversed ? second : first));
        Assert.Equal(ParseStatus.NeedMoreData, decoder.TryGetClientHello(out _));
        Assert.Equal(ParseStatus.Ok, decoder.Add(reversed ? first : second));

        Assert.Equal(ParseStatus.Ok, decoder.TryGetClientHello(out var read));
        Assert.Equal("split.example", Encoding.ASCII.GetString(read.ServerName));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Add_ShuffledCryptoFramesAmongPingAndPadding_Reassemble(int seed)
    {
        // Chrome cuts its ClientHello into pieces and scrambles them inside and across packets (ntop/nDPI#1195).
        var random = new Random(seed);
        var hello = LargeHello("shuffled.example");
        var cuts = Enumerable.Range(0, 9).Select(_ => random.Next(1, hello.Length)).Append(0).Append(hello.Length).Distinct().Order().ToArray();
        var frames = cuts.Zip(cuts.Skip(1), (from, to) => InitialPackets.Crypto(from, hello.AsSpan(from, to - from)))
            .Concat([[0x01], [0x00, 0x00, 0x00], [0x01]])
            .OrderBy(_ => random.Next())
            .ToArray();
        var half = frames.Length / 2;

        var name = ServerNameAfter(
            InitialPackets.ProtectPadded(QuicVersion.Version1, Dcid, [.. frames[..half].SelectMany(f => f)], packetNumber: 0),
            InitialPackets.ProtectPadded(QuicVersion.Version1, Dcid, [.. frames[half..].SelectMany(f => f)], packetNumber: 1));

        Assert.Equal("shuffled.example", name);
    }

    [Fact]
    public void Add_TwoInitialsCoalescedInOneDatagram_ReadsBoth()
    {
        var hello = ClientHelloOf("coalesced.example");
        var first = InitialPackets.Protect(QuicVersion.Version1, Dcid, InitialPackets.Crypto(0, hello.AsSpan(0, 50)), packetNumber: 0);
        var second = InitialPackets.ProtectPadded(QuicVersion.Version1, Dcid, InitialPackets.Crypto(50, hello.AsSpan(50)), packetNumber: 1, size: 1200 - first.Length);

        Assert.Equal("coalesced.example", ServerNameAfter([.. first, .. second]));
    }

    [Fact]
    public void Add_InitialThenZeroRttAndPadding_IgnoresWhatFollows()
    {
        // RFC 9000 §12.2: a client may coalesce 0-RTT after its Initial, and pad the datagram with zero bytes.
        var initial = InitialPackets.Protect(QuicVersion.Version1, Dcid, InitialPackets.Crypto(0, ClientHelloOf("early.example")));
        byte[] zeroRtt = [0xd1, 0, 0, 0, 1, (byte)Dcid.Length, .. Dcid, 0, 0x40, 0x20, .. new byte[32]];

        Assert.Equal("early.example", ServerNameAfter([.. initial, .. zeroRtt, .. new byte[300]]));
    }

    [Fact]
    public void Add_CoalescedPacketOfAnotherConnection_IsIgnored()
    {
        var hello = ClientHelloOf("mine.example");
        var mine = InitialPackets.Protect(QuicVersion.Version1, Dcid, InitialPackets.Crypto(0, hello.AsSpan(0, 20)), packetNumber: 0);
        var theirs = InitialPackets.Protect(QuicVersion.Version1, [1, 2, 3, 4, 5, 6, 7, 8], InitialPackets.Crypto(20, hello.AsSpan(20)), packetNumber: 1);
        using var decoder = new QuicInitialDecoder(QuicVersion.Version1, Dcid);

        Assert.Equal(ParseStatus.Ok, decoder.Add([.. mine, .. theirs]));

        Assert.Equal(ParseStatus.NeedMoreData, decoder.TryGetClientHello(out _));
    }

    [Fact]
    public void Add_CoalescedPacketThatFailsAuthentication_IsDroppedAlone()
    {
        var hello = ClientHelloOf("kept.example");
        var good = InitialPackets.Protect(QuicVersion.Version1, Dcid, InitialPackets.Crypto(0, hello.AsSpan(0, 30)), packetNumber: 0);
        var damaged = InitialPackets.Protect(QuicVersion.Version1, Dcid, InitialPackets.Crypto(30, hello.AsSpan(30)), packetNumber: 1);
        damaged[^1] ^= 1;
        var resent = InitialPackets.Protect(QuicVersion.Version1, Dcid, InitialPackets.Crypto(30, hello.AsSpan(30)), packetNumber: 2);

        Assert.Equal("kept.example", ServerNameAfter([.. good, .. damaged], resent));
    }

    [Fact]
    public void Add_OverlappingFrames_FirstBytesWin()
    {
        var real = ClientHelloOf("first.example");
        var decoy = ClientHelloOf("decoy.example");   // same length, so only the name's bytes differ

        var name = ServerNameAfter(
            InitialPackets.ProtectPadded(QuicVersion.Version1, Dcid, InitialPackets.Crypto(0, real.AsSpan(0, real.Length - 10)), 0),
            InitialPackets.ProtectPadded(QuicVersion.Version1, Dcid, InitialPackets.Crypto(0, decoy), 1));

        Assert.Equal("first.example", name);
    }

    [Fact]
    public void Add_AckPingPaddingAndConnectionClose_AreSkipped()
    {
        byte[] frames =
        [
            0x02, 0x05, 0x00, 0x01, 0x00, 0x01, 0x00,               // ACK: largest 5, delay 0, 1 range: first 0, gap 1, length 0
            0x03, 0x05, 0x00, 0x00, 0x00, 0x07, 0x08, 0x09,         // ACK with ECN counts
            0x01, 0x00, 0x00,                                       // PING, PADDING
            .. InitialPackets.Crypto(0, ClientHelloOf("frames.example")),
            0x1c, 0x0a, 0x00, 0x03, (byte)'b', (byte)'y', (byte)'e', // CONNECTION_CLOSE: code 10, frame 0, "bye"
        ];

        Assert.Equal("frames.example", ServerNameAfter(InitialPackets.ProtectPadded(QuicVersion.Version1, Dcid, frames)));
    }

    [Fact]
    public void Add_TamperedPacket_IsMalformedAndChangesNothing()
    {
        using var decoder = new QuicInitialDecoder(QuicVersion.Version1, QuicVectors.ConnectionId);
        foreach (var at in new[] { 0, 5, 17, 18, 21, 100, 600, 1199 })   // first byte, DCID length, Length, pn, payload, tag
        {
            var tampered = (byte[])QuicVectors.V1ClientInitial.Clone();
            tampered[at] ^= 0x40;

            Assert.True(ParseStatus.Malformed == decoder.Add(tampered), $"byte {at}");
            Assert.Equal(ParseStatus.NeedMoreData, decoder.TryGetClientHello(out _));
        }

        Assert.Equal(ParseStatus.Ok, decoder.Add(QuicVectors.V1ClientInitial));
        Assert.Equal(ParseStatus.Ok, decoder.TryGetClientHello(out var hello));
        Assert.Equal("example.com", Encoding.ASCII.GetString(hello.ServerName));
    }

    [Fact]
    public void Add_EveryTruncationOfTheSample_IsRefusedWithoutThrowing()
    {
        using var decoder = new QuicInitialDecoder(QuicVersion.Version1, QuicVectors.ConnectionId);
        for (var length = 0; length < QuicVectors.V1ClientInitial.Length; length++)
        {
            var datagram = QuicVectors.V1ClientInitial[..length];

            var status = decoder.Add(datagram);

            Assert.True(status is ParseStatus.Malformed or ParseStatus.NotThisProtocol, $"{length} bytes: {status}");
        }

        Assert.Equal(ParseStatus.NeedMoreData, decoder.TryGetClientHello(out _));
    }

    [Fact]
    public void Add_OtherConnectionOrVersionOrPacketType_IsNotThisProtocol()
    {
        using var decoder = new QuicInitialDecoder(QuicVersion.Version1, Dcid);
        var otherId = InitialPackets.ProtectPadded(QuicVersion.Version1, [1, 2, 3, 4, 5, 6, 7, 8], InitialPackets.Crypto(0, [1]));
        var otherVersion = InitialPackets.ProtectPadded(QuicVersion.Version2, Dcid, InitialPackets.Crypto(0, [1]));
        byte[] handshake = [0xe0, 0, 0, 0, 1, (byte)Dcid.Length, .. Dcid, 0, 0x40, 0x20, .. new byte[32]];
        byte[] shortHeader = [0x41, .. Dcid, .. new byte[40]];

        Assert.Equal(ParseStatus.NotThisProtocol, decoder.Add(otherId));
        Assert.Equal(ParseStatus.NotThisProtocol, decoder.Add(otherVersion));
        Assert.Equal(ParseStatus.NotThisProtocol, decoder.Add(handshake));
        Assert.Equal(ParseStatus.NotThisProtocol, decoder.Add(shortHeader));
        Assert.Equal(ParseStatus.NeedMoreData, decoder.TryGetClientHello(out _));
    }

    public static TheoryData<string, byte[]> ForbiddenPayloads() => new()
    {
        { "STREAM frame (not allowed in an Initial)", [0x08, 0x00, 0x01, 0x41] },
        { "NEW_TOKEN frame", [0x07, 0x01, 0xAA] },
        { "CONNECTION_CLOSE of the application (0x1d)", [0x1d, 0x00, 0x00] },
        { "frame type in a 2-byte varint", [0x40, 0x06, 0x00, 0x01, 0x01] },
        { "CRYPTO data past the payload", [0x06, 0x00, 0x44, 0x00, 0x01] },
        { "CRYPTO past 16 KiB", [0x06, 0x80, 0x00, 0x40, 0x00, 0x01, 0x01] },
        { "ACK cut short", [0x02, 0x05, 0x00, 0x40] },
        { "ACK range count past the payload", [0x02, 0x05, 0x00, 0x3f, 0x00, 0x00, 0x00] },
        { "CONNECTION_CLOSE reason past the payload", [0x1c, 0x0a, 0x00, 0x44, 0x00] },
    };

    [Theory]
    [MemberData(nameof(ForbiddenPayloads))]
    public void Add_AuthenticatedPacketBreakingAFrameRule_BreaksTheDecoder(string what, byte[] frames)
    {
        // No padding: zero bytes after a cut-short frame would complete it. The 16-byte tag makes room for the sample.
        using var decoder = new QuicInitialDecoder(QuicVersion.Version1, Dcid);

        Assert.True(ParseStatus.Malformed == decoder.Add(InitialPackets.Protect(QuicVersion.Version1, Dcid, frames)), what);

        Assert.Equal(ParseStatus.Malformed, decoder.TryGetClientHello(out _));
        Assert.Equal(ParseStatus.Malformed, decoder.Add(QuicVectors.V1ClientInitial));
    }

    [Fact]
    public void Add_NonZeroReservedBits_IsMalformed()
    {
        using var decoder = new QuicInitialDecoder(QuicVersion.Version1, Dcid);
        var packet = InitialPackets.Protect(QuicVersion.Version1, Dcid, [.. InitialPackets.Crypto(0, [1]), .. new byte[30]], reservedBits: 2);

        Assert.Equal(ParseStatus.Malformed, decoder.Add(packet));
        Assert.Equal(ParseStatus.Malformed, decoder.TryGetClientHello(out _));
    }

    [Fact]
    public void Add_EmptyPayload_IsMalformed()
    {
        // RFC 9000 §12.4: a packet must hold at least one frame.
        using var decoder = new QuicInitialDecoder(QuicVersion.Version1, Dcid);

        Assert.Equal(ParseStatus.Malformed, decoder.Add(InitialPackets.Protect(QuicVersion.Version1, Dcid, [])));
    }

    [Fact]
    public void Add_TooManyGapsInTheCryptoStream_IsMalformed()
    {
        var frames = Enumerable.Range(0, CryptoStreamBuffer.MaxRanges + 1).SelectMany(i => InitialPackets.Crypto(2 * i, [0x01])).ToArray();
        using var decoder = new QuicInitialDecoder(QuicVersion.Version1, Dcid);

        Assert.Equal(ParseStatus.Malformed, decoder.Add(InitialPackets.ProtectPadded(QuicVersion.Version1, Dcid, frames)));
    }

    [Fact]
    public void Add_PacketNumbersBeyondOneByte_AreDecodedAgainstTheLargestSeen()
    {
        // Packet numbers 0..299 sent with 1-byte encodings: from 256 on the decoder must expand them (RFC 9000 §A.3).
        var hello = ClientHelloOf("numbers.example");
        var datagrams = Enumerable.Range(0, 300).Select(pn =>
        {
            byte[] piece = pn < hello.Length ? InitialPackets.Crypto(pn, hello.AsSpan(pn, 1)) : [0x01];
            return InitialPackets.Protect(QuicVersion.Version1, Dcid, [.. piece, .. new byte[20]], packetNumber: pn, packetNumberLength: 1);
        });

        Assert.Equal("numbers.example", ServerNameAfter([.. datagrams]));
    }

    [Fact]
    public void Add_SteadyState_AllocatesNothingPerDatagram()
    {
        using var decoder = new QuicInitialDecoder(QuicVersion.Version1, QuicVectors.ConnectionId);
        decoder.Add(QuicVectors.V1ClientInitial);
        var named = 0;

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 2_000; i++)
        {
            if (decoder.Add(QuicVectors.V1ClientInitial) == ParseStatus.Ok && decoder.TryGetClientHello(out var hello) == ParseStatus.Ok && hello.HasServerName)
            {
                named++;
            }
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        // Less than a byte per datagram (the packet-path.md CI gate): pool bookkeeping may show, buffers may not.
        Assert.True(allocated < 2_000, $"{allocated} bytes for 2000 datagrams");
        Assert.Equal(2_000, named);
    }

    [Fact]
    public void Constructor_UnknownVersionOrLongConnectionId_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new QuicInitialDecoder(0xff00001d, Dcid));
        Assert.Throws<ArgumentOutOfRangeException>(() => new QuicInitialDecoder(QuicVersion.Version1, new byte[21]));
    }

    /// <summary>Adds each version 1 datagram (each must be taken in) and returns the finished ClientHello's server name.</summary>
    private static string ServerNameAfter(params byte[][] datagrams)
    {
        using var decoder = new QuicInitialDecoder(QuicVersion.Version1, Dcid);
        for (var i = 0; i < datagrams.Length; i++)
        {
            Assert.True(ParseStatus.Ok == decoder.Add(datagrams[i]), $"datagram {i}");
        }

        Assert.Equal(ParseStatus.Ok, decoder.TryGetClientHello(out var hello));
        return Encoding.ASCII.GetString(hello.ServerName);
    }

    /// <summary>A ClientHello near Chrome's post-quantum size (about 1.8 KB), so it needs two 1200-byte datagrams.</summary>
    private static byte[] LargeHello(string name) =>
        new ClientHelloBuilder { SessionId = [] }.ServerName(name).Alpn("h3").SupportedVersions(0x0304).Extension(51, new byte[1216]).Extension(57, new byte[60]).Build();

    private static byte[] ClientHelloOf(string name) =>
        new ClientHelloBuilder { SessionId = [] }.ServerName(name).Alpn("h3").SupportedVersions(0x0304).Build();
}
