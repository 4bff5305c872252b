using Appliance.Protocols.Radius;
using Appliance.Protocols.Tests.Fuzzing;

namespace Appliance.Protocols.Tests.Radius;

public class PeapTlvTests
{
    private const int Seed = 20_260_403;

    /// <summary>The EAP-TLV Request that ends a successful PEAPv0 login (hostapd and FreeRADIUS send these octets).</summary>
    private static readonly byte[] ResultSuccessRequest = RadiusVectors.FromHex(
        "01 09 000b 21" +                                      // @0 Request, ID 9, Length 11, Type 33 (EAP-TLV)
        "8003 0002 0001");                                     // @5 M + Result TLV, Length 2, Success; ends @11

    /// <summary>A peer's answer carrying an unknown optional TLV before the Result.</summary>
    private static readonly byte[] TlvsWithOptionalExtra = RadiusVectors.FromHex("0007 0003 aabbcc 8003 0002 0002");

    [Fact]
    public void TryWriteResult_MakesTheRequestVector()
    {
        var tlvs = new byte[PeapTlvs.ResultTlvLength];
        Assert.True(PeapTlvs.TryWriteResult(tlvs, PeapResult.Success, out var written));
        var packet = new byte[32];
        Assert.True(EapPacketReader.TryWrite(packet, EapCode.Request, 9, EapType.Tlv, tlvs.AsSpan(0, written), out var length));
        Assert.Equal(ResultSuccessRequest, packet[..length]);

        Assert.False(PeapTlvs.TryWriteResult(new byte[5], PeapResult.Success, out _));
        Assert.False(PeapTlvs.TryWriteResult(tlvs, (PeapResult)3, out _));
    }

    [Theory]
    [InlineData(PeapResult.Success)]
    [InlineData(PeapResult.Failure)]
    public void TryReadResult_RoundTrips(PeapResult result)
    {
        var tlvs = new byte[6];
        Assert.True(PeapTlvs.TryWriteResult(tlvs, result, out _));
        Assert.Equal(ParseStatus.Ok, PeapTlvs.TryReadResult(tlvs, out var read, out var unknown));
        Assert.Equal(result, read);
        Assert.Equal(-1, unknown);
    }

    [Fact]
    public void TryReadResult_SkipsUnknownOptionalTlvs()
    {
        Assert.Equal(ParseStatus.Ok, PeapTlvs.TryReadResult(TlvsWithOptionalExtra, out var result, out var unknown));
        Assert.Equal(PeapResult.Failure, result);
        Assert.Equal(-1, unknown);
    }

    [Fact]
    public void TryReadResult_UnknownMandatoryTlv_IsReportedWithoutAResult()
    {
        // A Crypto-Binding TLV (12) with M: we never offered crypto-binding, so the peer's one is not understood.
        var tlvs = RadiusVectors.FromHex("8003 0002 0001 800c 0004 01020304");
        Assert.Equal(ParseStatus.Ok, PeapTlvs.TryReadResult(tlvs, out var result, out var unknown));
        Assert.Equal(PeapTlvType.CryptoBinding, unknown);
        Assert.Equal(default, result);
    }

    [Theory]
    [InlineData("8003 ffff 0001", ParseStatus.NeedMoreData, "TLV Length 65535 runs past the end")]
    [InlineData("8003 0003 000100", ParseStatus.Malformed, "Result TLV of 3 octets")]
    [InlineData("8003 0002 0003", ParseStatus.Malformed, "Status 3")]
    [InlineData("8003 0002 0001 8003 0002 0002", ParseStatus.Malformed, "two Result TLVs")]
    [InlineData("", ParseStatus.Malformed, "no Result TLV")]
    [InlineData("0007 0000", ParseStatus.Malformed, "only an optional TLV")]
    [InlineData("8003 0002 0001 80", ParseStatus.NeedMoreData, "a partial header after the Result")]
    public void TryReadResult_Hostile(string hex, ParseStatus expected, string because)
    {
        Assert.True(PeapTlvs.TryReadResult(RadiusVectors.FromHex(hex), out _, out _) == expected, because);
    }

    [Fact]
    public void TryReadResult_EveryTruncation_Fails()
    {
        foreach (var full in new[] { ResultSuccessRequest[5..], TlvsWithOptionalExtra })
        {
            for (var length = 0; length < full.Length; length++)
            {
                var status = PeapTlvs.TryReadResult(full.AsSpan(0, length), out _, out _);
                Assert.True(status is ParseStatus.NeedMoreData or ParseStatus.Malformed, $"cut to {length}: {status}");
            }
        }
    }

    [Fact]
    public void PeapV0_MsChapV2Request_TravelsWithoutItsHeader()
    {
        var packet = new byte[64];
        Assert.True(EapPacketReader.TryWrite(packet, EapCode.Request, 5, EapType.MsChapV2, EapMsChapV2Tests.ChallengeTypeData, out var length));
        var tunnel = new byte[64];

        Assert.True(PeapV0InnerEap.TryWrap(packet.AsSpan(0, length), tunnel, out var wrapped));
        Assert.Equal(length - 4, wrapped);
        Assert.Equal(EapType.MsChapV2, tunnel[0]);
        Assert.Equal(EapMsChapV2Tests.ChallengeTypeData, tunnel[1..wrapped]);

        var rebuilt = new byte[64];
        Assert.Equal(ParseStatus.Ok, PeapV0InnerEap.TryUnwrap(tunnel.AsSpan(0, wrapped), false, EapCode.Request, 5, rebuilt, out var unwrapped));
        Assert.Equal(packet[..length], rebuilt[..unwrapped]);
    }

    [Fact]
    public void PeapV0_ExtensionsPacket_KeepsItsHeaderBothWays()
    {
        var tunnel = new byte[32];
        Assert.True(PeapV0InnerEap.TryWrap(ResultSuccessRequest, tunnel, out var wrapped));
        Assert.Equal(ResultSuccessRequest, tunnel[..wrapped]);

        var rebuilt = new byte[32];
        var padded = ResultSuccessRequest.Concat(new byte[] { 0, 0 }).ToArray();
        Assert.Equal(ParseStatus.Ok, PeapV0InnerEap.TryUnwrap(padded, true, EapCode.Request, 0, rebuilt, out var unwrapped));
        Assert.Equal(ResultSuccessRequest, rebuilt[..unwrapped]);
    }

    [Fact]
    public void PeapV0_Unwrap_RefusesTheWrongShape()
    {
        var destination = new byte[64];
        // Expecting the EAP-TLV answer, a stripped packet (Type 26 first) is not one.
        Assert.Equal(ParseStatus.Malformed, PeapV0InnerEap.TryUnwrap(RadiusVectors.FromHex("1a 03 2a 0004"), true, EapCode.Response, 1, destination, out _));
        // The EAP-TLV answer with another Code.
        Assert.Equal(ParseStatus.Malformed, PeapV0InnerEap.TryUnwrap(ResultSuccessRequest, true, EapCode.Response, 9, destination, out _));
        // A stripped Type 33: EAP-TLV must keep its header.
        Assert.Equal(ParseStatus.Malformed, PeapV0InnerEap.TryUnwrap(RadiusVectors.FromHex("21 8003 0002 0001"), false, EapCode.Response, 1, destination, out _));
        Assert.Equal(ParseStatus.NeedMoreData, PeapV0InnerEap.TryUnwrap(default, false, EapCode.Response, 1, destination, out _));
        Assert.Equal(ParseStatus.Malformed, PeapV0InnerEap.TryUnwrap("\u0001bob"u8, false, EapCode.Response, 1, destination.AsSpan(0, 7), out _));
        Assert.False(PeapV0InnerEap.TryWrap(RadiusVectors.FromHex("03 05 0004"), destination, out _));   // EAP-Success
    }

    [Fact]
    public void Fuzz_PeapTlvsAndInnerFraming_100kMutations_NeverThrow()
    {
        var destination = new byte[4096];
        var outcomes = FuzzRun.Run(Seed, 100_000, [ResultSuccessRequest, TlvsWithOptionalExtra, ResultSuccessRequest[5..]], input =>
        {
            if (PeapV0InnerEap.TryUnwrap(input, true, EapCode.Request, 0, destination, out var written) == ParseStatus.Ok)
            {
                Assert.Equal(input.AsSpan(0, written), destination.AsSpan(0, written));
            }

            if (PeapV0InnerEap.TryUnwrap(input, false, EapCode.Response, 3, destination, out written) == ParseStatus.Ok)
            {
                Assert.Equal(input.Length + 4, written);
            }

            var status = PeapTlvs.TryReadResult(input, out var result, out var unknown);
            if (status == ParseStatus.Ok)
            {
                Assert.True(unknown >= 0 ^ result is PeapResult.Success or PeapResult.Failure);
            }

            return status;
        });

        outcomes.AssertShare(ParseStatus.Ok, 0.02);
        outcomes.AssertShare(ParseStatus.Malformed, 0.05);
    }
}
