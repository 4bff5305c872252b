using System.Text;
using Appliance.Protocols.Radius;
using Appliance.Protocols.Tests.Fuzzing;
using static Appliance.Protocols.Tests.Radius.MsChapV2Tests;

namespace Appliance.Protocols.Tests.Radius;

/// <summary>Diameter AVPs (RFC 5281 §10) and the TTLS inner methods built on them (§11.2.4, §11.2.5).</summary>
public class DiameterAvpTests
{
    private const int Seed = 20_260_404;
    private const byte Ident = 0x42;

    /// <summary>"ttls challenge" material: the RFC 2759 authenticator challenge, then the Ident.</summary>
    private static readonly byte[] ChallengeMaterial = [.. AuthenticatorChallenge, Ident];

    /// <summary>TTLS/MSCHAPv2 from the client, RFC 2759 §9.2 values. The last AVP is 4-aligned, so every cut shows.</summary>
    private static readonly byte[] MsChapV2Avps = RadiusVectors.FromHex(
        "00000019 c000003e 00000137" +                         // @0  MS-CHAP2-Response, V+M, Length 62, Microsoft
        "42 00 21402324255E262A28295F2B3A337C7E" +             // @12 Ident, Flags, Peer-Challenge
        "0000000000000000" +                                   // @30 Reserved
        "82309ECD8D708B5EA08FAA3981CD83544233114A3D85D6DF" +   // @38 NT-Response
        "0000" +                                               // @62 padding
        "00000001 4000000c 55736572" +                         // @64 User-Name, M, Length 12, "User"
        "0000000b c000001c 00000137" +                         // @76 MS-CHAP-Challenge, V+M, Length 28, Microsoft
        "5B5D7C7D7B3F2F3E3C2C602132262628");                   // @88 the derived challenge; ends @104

    /// <summary>TTLS/PAP: User-Name "bob" (padded), User-Password "secret" NUL-padded to 16.</summary>
    private static readonly byte[] PapAvps = RadiusVectors.FromHex(
        "00000001 4000000b 626f62 00" +                        // @0  User-Name, M, Length 11, "bob", 1 octet padding
        "00000002 40000018 736563726574 00000000000000000000"); // @12 User-Password, M, Length 24; ends @36

    [Fact]
    public void TryWrite_MakesTheVectorsAvps()
    {
        var buffer = new byte[128];
        Assert.True(DiameterAvpWriter.TryWrite(buffer, DiameterAvpCode.UserName, 0, mandatory: true, "bob"u8, out var written));
        Assert.Equal(PapAvps[..12], buffer[..written]);

        byte[] response = [Ident, 0, .. PeerChallenge, .. new byte[8], .. NtResponse];
        Assert.True(DiameterAvpWriter.TryWrite(buffer, MicrosoftAvpCode.MsChap2Response, RadiusVendor.Microsoft, true, response, out written));
        Assert.Equal(MsChapV2Avps[..64], buffer[..written]);
        Assert.Equal(64, DiameterAvpWriter.SizeOf(50, vendorSpecific: true));
        Assert.False(DiameterAvpWriter.TryWrite(buffer.AsSpan(0, 63), MicrosoftAvpCode.MsChap2Response, RadiusVendor.Microsoft, true, response, out _));
    }

    [Fact]
    public void TryRead_WalksEveryAvpWithVendorAndFlags()
    {
        var reader = new DiameterAvpReader(MsChapV2Avps);
        Assert.Equal(ParseStatus.Ok, reader.TryRead(out var first));
        Assert.True(first.Is(MicrosoftAvpCode.MsChap2Response, RadiusVendor.Microsoft));
        Assert.Equal(DiameterAvpFlags.VendorSpecific | DiameterAvpFlags.Mandatory, first.Flags);
        Assert.Equal(50, first.Data.Length);
        Assert.Equal(ParseStatus.Ok, reader.TryRead(out var name));
        Assert.True(name.Is(DiameterAvpCode.UserName));
        Assert.Equal(0u, name.VendorId);
        Assert.Equal("User"u8, name.Data);
        Assert.Equal(ParseStatus.Ok, reader.TryRead(out var challenge));
        Assert.Equal(AuthenticatorChallenge, challenge.Data.ToArray());
        Assert.True(reader.IsAtEnd);
        Assert.Equal(ParseStatus.NeedMoreData, reader.TryRead(out _));

        Assert.Equal(ParseStatus.Ok, DiameterAvpReader.TryFind(MsChapV2Avps, DiameterAvpCode.UserName, 0, out var found));
        Assert.Equal("User"u8, found);
        Assert.Equal(ParseStatus.NotThisProtocol, DiameterAvpReader.TryFind(MsChapV2Avps, DiameterAvpCode.UserName, RadiusVendor.Microsoft, out _));
    }

    [Fact]
    public void TryRead_LastAvpWithoutPadding_IsAccepted_AndNoOctetInsideIsLost()
    {
        // "bob" (Length 11) as the only AVP: cuts inside the header or data fail; the missing padding does not.
        var single = PapAvps[..12];
        for (var length = 0; length <= single.Length; length++)
        {
            var reader = new DiameterAvpReader(single.AsSpan(0, length));
            var status = reader.TryRead(out var avp);
            if (length >= 11)
            {
                Assert.Equal(ParseStatus.Ok, status);
                Assert.Equal("bob"u8, avp.Data);
                Assert.True(reader.IsAtEnd);
            }
            else
            {
                Assert.True(status is ParseStatus.NeedMoreData or ParseStatus.Malformed, $"cut to {length}: {status}");
            }
        }
    }

    [Theory]
    [InlineData("00000001 40000007 00000000", ParseStatus.Malformed, "AVP Length 7, under the header")]
    [InlineData("00000001 40000000", ParseStatus.Malformed, "AVP Length 0 would never advance")]
    [InlineData("00000019 c000000b 00000137", ParseStatus.Malformed, "V set with Length 11, no room for the Vendor-ID")]
    [InlineData("00000001 4000000d 626f62", ParseStatus.NeedMoreData, "Length past the end")]
    [InlineData("00000001 40ffffff 626f62", ParseStatus.NeedMoreData, "the largest 24-bit Length")]
    [InlineData("00000001 40", ParseStatus.NeedMoreData, "a partial header")]
    public void TryRead_HostileLengths(string hex, ParseStatus expected, string because)
    {
        var reader = new DiameterAvpReader(RadiusVectors.FromHex(hex));
        Assert.True(reader.TryRead(out _) == expected, because);
    }

    [Fact]
    public void TtlsMsChapV2_Rfc2759Client_VerifiesAndEarnsItsSuccessAvp()
    {
        Assert.Equal(ParseStatus.Ok, TtlsMsChapV2.TryReadResponse(MsChapV2Avps, ChallengeMaterial, out var response));
        Assert.Equal(Ident, response.Ident);
        Assert.Equal("User"u8, response.UserName);
        Assert.Equal(NtResponse, response.NtResponse.ToArray());
        Assert.True(TtlsMsChapV2.Verify(NtPasswordHash, response));
        Assert.False(TtlsMsChapV2.Verify(new byte[16], response));

        var buffer = new byte[64];
        Assert.True(TtlsMsChapV2.TryWriteSuccess(buffer, NtPasswordHash, response, out var written));
        var reader = new DiameterAvpReader(buffer.AsSpan(0, written));
        Assert.Equal(ParseStatus.Ok, reader.TryRead(out var success));
        Assert.True(success.Is(MicrosoftAvpCode.MsChap2Success, RadiusVendor.Microsoft) && success.IsMandatory);
        Assert.Equal(Ident, success.Data[0]);
        Assert.Equal(AuthenticatorResponse, Encoding.ASCII.GetString(success.Data[1..]));
        Assert.Equal(56, written);   // 12 + 43 = 55, padded

        Assert.True(TtlsMsChapV2.TryWriteError(buffer, Ident, out written));
        reader = new DiameterAvpReader(buffer.AsSpan(0, written));
        Assert.Equal(ParseStatus.Ok, reader.TryRead(out var error));
        Assert.Equal("\u0042E=691 R=0"u8, error.Data);
    }

    [Theory]
    [InlineData(12, "the Ident differs from the derived 17th octet")]
    [InlineData(88, "MS-CHAP-Challenge differs from the derived challenge")]
    [InlineData(67, "User-Name's code changed: no User-Name left, and an unknown mandatory AVP")]
    public void TtlsMsChapV2_Tampered_IsMalformed(int at, string because)
    {
        var avps = (byte[])MsChapV2Avps.Clone();
        avps[at] ^= 0x01;
        Assert.True(TtlsMsChapV2.TryReadResponse(avps, ChallengeMaterial, out _) == ParseStatus.Malformed, because);
    }

    [Fact]
    public void TtlsInnerMethods_TellEachOtherApart()
    {
        Assert.Equal(ParseStatus.NotThisProtocol, TtlsMsChapV2.TryReadResponse(PapAvps, ChallengeMaterial, out _));
        Assert.Equal(ParseStatus.NotThisProtocol, TtlsPap.TryReadPassword(MsChapV2Avps, out _, out _));

        // An unknown AVP without M is ignored; the same AVP with M fails the exchange (RFC 5281 §10.1).
        var extra = new byte[16];
        Assert.True(DiameterAvpWriter.TryWrite(extra, 9999, 0, mandatory: false, "x"u8, out var written));
        Assert.Equal(ParseStatus.Ok, TtlsPap.TryReadPassword([.. extra[..written], .. PapAvps], out _, out _));
        Assert.True(DiameterAvpWriter.TryWrite(extra, 9999, 0, mandatory: true, "x"u8, out written));
        Assert.Equal(ParseStatus.Malformed, TtlsPap.TryReadPassword([.. extra[..written], .. PapAvps], out _, out _));
    }

    [Fact]
    public void TtlsPap_StripsTheNulPadding()
    {
        Assert.Equal(ParseStatus.Ok, TtlsPap.TryReadPassword(PapAvps, out var userName, out var password));
        Assert.Equal("bob"u8, userName);
        Assert.Equal("secret"u8, password);

        var onlyNuls = (byte[])PapAvps.Clone();
        onlyNuls.AsSpan(20, 6).Clear();
        Assert.Equal(ParseStatus.Malformed, TtlsPap.TryReadPassword(onlyNuls, out _, out _));
        Assert.Equal(ParseStatus.Malformed, TtlsPap.TryReadPassword([.. PapAvps, .. PapAvps[12..]], out _, out _));   // two passwords
    }

    [Fact]
    public void TtlsReaders_EveryTruncation_Fails()
    {
        for (var length = 0; length < MsChapV2Avps.Length; length++)
        {
            var status = TtlsMsChapV2.TryReadResponse(MsChapV2Avps.AsSpan(0, length), ChallengeMaterial, out _);
            Assert.True(status is ParseStatus.NeedMoreData or ParseStatus.Malformed or ParseStatus.NotThisProtocol, $"cut to {length}: {status}");
        }

        for (var length = 0; length < PapAvps.Length; length++)
        {
            var status = TtlsPap.TryReadPassword(PapAvps.AsSpan(0, length), out _, out _);
            Assert.True(status is ParseStatus.NeedMoreData or ParseStatus.Malformed or ParseStatus.NotThisProtocol, $"cut to {length}: {status}");
        }
    }

    [Fact]
    public void Fuzz_DiameterAvpsAndTtls_100kMutations_NeverThrowAndOkIsConsistent()
    {
        var outcomes = FuzzRun.Run(Seed, 100_000, [MsChapV2Avps, PapAvps], input =>
        {
            if (TtlsMsChapV2.TryReadResponse(input, ChallengeMaterial, out var response) == ParseStatus.Ok)
            {
                Assert.Equal(Ident, response.Ident);
                Assert.Equal(AuthenticatorChallenge, response.AuthenticatorChallenge.ToArray());
                Assert.Equal(24, response.NtResponse.Length);
                TtlsMsChapV2.Verify(NtPasswordHash, response);
            }

            if (TtlsPap.TryReadPassword(input, out _, out var password) == ParseStatus.Ok)
            {
                Assert.NotEqual(0, password[^1]);
            }

            var reader = new DiameterAvpReader(input);
            var status = ParseStatus.Ok;
            var consumed = 0;
            while (status == ParseStatus.Ok && !reader.IsAtEnd)
            {
                status = reader.TryRead(out var avp);
                if (status == ParseStatus.Ok)
                {
                    Assert.True(avp.Data.IsEmpty || SpanPlace.IsInside(input, avp.Data));
                    Assert.True(avp.VendorId == 0 || (avp.Flags & DiameterAvpFlags.VendorSpecific) != 0);
                    consumed++;
                }
            }

            Assert.True(consumed <= input.Length / 8);
            return status;
        });

        outcomes.AssertShare(ParseStatus.Ok, 0.05);
        outcomes.AssertShare(ParseStatus.Malformed, 0.02);
        outcomes.AssertShare(ParseStatus.NeedMoreData, 0.02);
    }
}
