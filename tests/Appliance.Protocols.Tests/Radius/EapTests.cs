using Appliance.Protocols.Radius;
using Appliance.Protocols.Tests.Fuzzing;

namespace Appliance.Protocols.Tests.Radius;

public class EapTests
{
    private const int Seed = 20_250_307;

    [Fact]
    public void TryReassemble_TwoFragments_MakeTheIdentityResponse()
    {
        var eap = new byte[64];

        Assert.Equal(ParseStatus.Ok, EapPacketReader.TryReassemble(RadiusVectors.EapAccessRequest.AsSpan(20), eap, out var length));

        Assert.Equal(RadiusVectors.EapIdentityBob, eap[..length]);
        Assert.Equal(ParseStatus.Ok, EapPacketReader.TryRead(eap.AsSpan(0, length), out var packet));
        Assert.Equal(EapCode.Response, packet.Code);
        Assert.Equal(1, packet.Identifier);
        Assert.Equal(EapType.Identity, packet.Type);
        Assert.Equal("bob"u8, packet.TypeData);
    }

    [Fact]
    public void TryReassemble_300OneOctetFragments_JoinsOrRefusesWithoutThrowing()
    {
        var eap = new byte[300];
        Assert.True(EapPacketReader.TryWrite(eap, EapCode.Response, 1, EapType.Identity, new byte[295], out _));
        var attributes = eap.SelectMany(b => new byte[] { RadiusAttributeType.EapMessage, 3, b }).ToArray();
        var joined = new byte[300];

        Assert.Equal(ParseStatus.Ok, EapPacketReader.TryReassemble(attributes, joined, out var length));
        Assert.Equal(eap, joined[..length]);
        Assert.Equal(ParseStatus.Malformed, EapPacketReader.TryReassemble(attributes, joined.AsSpan(0, 299), out _));
        attributes[2] = 0x7f;   // the first fragment now claims another EAP Code: still joins, then the length check decides
        Assert.Equal(ParseStatus.Ok, EapPacketReader.TryReassemble(attributes, joined, out _));
    }

    [Theory]
    [InlineData("4f 06 02010008 1804 5354 4f 06 0162 6f62", "fragments not consecutive")]
    [InlineData("4f 06 02010009 4f 06 01626f62", "EAP Length disagrees with the joined octets")]
    [InlineData("4f 04 0201", "shorter than an EAP header")]
    [InlineData("4f 01", "attribute length 1")]
    public void TryReassemble_Hostile_IsMalformed(string attributes, string because)
    {
        Assert.True(EapPacketReader.TryReassemble(RadiusVectors.FromHex(attributes), new byte[64], out _) == ParseStatus.Malformed, because);
    }

    [Fact]
    public void TryReassemble_EmptyEapMessage_IsEapStart()
    {
        Assert.Equal(ParseStatus.Ok, EapPacketReader.TryReassemble(RadiusVectors.FromHex("4f 02"), new byte[4], out var length));
        Assert.Equal(0, length);
    }

    [Theory]
    [InlineData("03 05 0004", ParseStatus.Ok)]          // Success
    [InlineData("04 05 0005 00", ParseStatus.Malformed)] // Failure with data
    [InlineData("01 05 0004", ParseStatus.Malformed)]    // Request without a Type
    [InlineData("05 05 0005 01", ParseStatus.Malformed)] // unknown Code
    [InlineData("01 05 0006 01", ParseStatus.NeedMoreData)]
    public void TryRead_Shapes(string hex, ParseStatus expected)
    {
        Assert.Equal(expected, EapPacketReader.TryRead(RadiusVectors.FromHex(hex), out _));
    }

    [Fact]
    public void TryRead_EveryTruncation_IsNeedMoreDataOrMalformed()
    {
        var full = RadiusVectors.EapIdentityBob;
        for (var length = 0; length < full.Length; length++)
        {
            var status = EapPacketReader.TryRead(full.AsSpan(0, length), out _);
            Assert.True(status is ParseStatus.NeedMoreData or ParseStatus.Malformed, $"cut to {length}: {status}");
        }
    }

    [Fact]
    public void EapTlsFrame_FirstFragmentWithLength_RoundTrips()
    {
        var typeData = new byte[64];
        Assert.True(EapTlsFrame.TryWrite(typeData, (byte)EapTlsFlags.MoreFragments, 1500, "hello"u8, out var written));
        Assert.Equal("C0000005DC68656C6C6F", Convert.ToHexString(typeData, 0, written));

        Assert.Equal(ParseStatus.Ok, EapTlsFrame.TryRead(typeData.AsSpan(0, written), out var frame));
        Assert.Equal(EapTlsFlags.LengthIncluded | EapTlsFlags.MoreFragments, frame.Flags);
        Assert.Equal(1500, frame.MessageLength);
        Assert.Equal("hello"u8, frame.Data);

        for (var length = 0; length < 5; length++)
        {
            Assert.Equal(ParseStatus.NeedMoreData, EapTlsFrame.TryRead(typeData.AsSpan(0, length), out _));
        }
    }

    [Theory]
    [InlineData("80 00010001", "a TLS Message Length over the cap")]
    [InlineData("80 00000001 4142", "a fragment longer than the announced total")]
    public void EapTlsFrame_Hostile_IsMalformed(string hex, string because)
    {
        Assert.True(EapTlsFrame.TryRead(RadiusVectors.FromHex(hex), out _) == ParseStatus.Malformed, because);
    }

    [Fact]
    public void EapTlsFrame_PeapStartWithVersion_ReadsFlagsAndVersion()
    {
        Assert.Equal(ParseStatus.Ok, EapTlsFrame.TryRead(RadiusVectors.FromHex("21"), out var frame));
        Assert.Equal(EapTlsFlags.Start, frame.Flags);
        Assert.Equal(1, frame.Version);
        Assert.True(frame.Data.IsEmpty);
    }

    [Fact]
    public void Fuzz_RadiusPackets_100kMutations_NeverThrow()
    {
        var outcomes = FuzzRun.Run(Seed, 100_000, [.. RadiusVectors.Packets.Values], input =>
        {
            var status = RadiusPacketReaderTests.Walk(input, out _);
            RadiusAuthenticators.VerifyMessageAuthenticator(input, new byte[16], RadiusVectors.Rfc2865Secret);
            return status;
        });

        outcomes.AssertShare(ParseStatus.Ok, 0.05);
        outcomes.AssertShare(ParseStatus.Malformed, 0.05);
    }

    [Fact]
    public void Fuzz_EapAndTlsFraming_100kMutations_NeverThrow()
    {
        var scratch = new byte[4096];
        byte[] tlsFirst = [0x02, 0x05, 0x00, 0x10, EapType.Peap, 0xC0, 0x00, 0x00, 0x00, 0x20, 1, 2, 3, 4, 5, 6];
        var outcomes = FuzzRun.Run(Seed + 1, 100_000, [RadiusVectors.EapIdentityBob, tlsFirst, RadiusVectors.EapAccessRequest], input =>
        {
            EapPacketReader.TryReassemble(input.AsSpan(Math.Min(20, input.Length)), scratch, out _);
            var status = EapPacketReader.TryRead(input, out var eap);
            return status == ParseStatus.Ok && eap.Type == EapType.Peap ? EapTlsFrame.TryRead(eap.TypeData, out _) : status;
        });

        outcomes.AssertShare(ParseStatus.Ok, 0.05);
        outcomes.AssertShare(ParseStatus.Malformed, 0.05);
    }

    [Fact]
    public void Fuzz_VendorSpecificValues_100kMutations_NeverThrow()
    {
        var vsa = RadiusVectors.EapAccessRequest[52..59];
        var outcomes = FuzzRun.Run(Seed + 2, 100_000, [vsa, RadiusVectors.MppeEncrypted], input =>
        {
            var key = new byte[240];
            MppeKey.TryDecrypt(input, RadiusVectors.MppeSecret, RadiusVectors.MppeRequestAuthenticator, key, out _);
            var status = RadiusAttributeReader.TryReadVendorSpecific(input, out _, out var sub);
            while (status == ParseStatus.Ok && !sub.IsAtEnd)
            {
                status = sub.TryRead(out _);
            }

            return status;
        });

        outcomes.AssertShare(ParseStatus.Malformed, 0.05);
    }
}
