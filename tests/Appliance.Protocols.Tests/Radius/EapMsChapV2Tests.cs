using System.Text;
using Appliance.Protocols.Radius;
using Appliance.Protocols.Tests.Fuzzing;
using static Appliance.Protocols.Tests.Radius.MsChapV2Tests;

namespace Appliance.Protocols.Tests.Radius;

/// <summary>EAP-MSCHAPv2 Type-Data, built from the RFC 2759 §9.2 values so that the crypto and the codec meet.</summary>
public class EapMsChapV2Tests
{
    private const int Seed = 20_260_402;

    /// <summary>Challenge from server "gw", MS-CHAPv2-ID 0x2a.</summary>
    internal static readonly byte[] ChallengeTypeData = RadiusVectors.FromHex(
        "01 2a 0017" +                                         // @0 OpCode Challenge, ID, MS-Length 23
        "10 5B5D7C7D7B3F2F3E3C2C602132262628" +                // @4 Value-Size 16, the authenticator challenge
        "6777");                                               // @21 Name "gw"; ends @23

    /// <summary>The peer's Response as "User" with the RFC 2759 §9.2 peer challenge and NT-Response.</summary>
    internal static readonly byte[] ResponseTypeData = RadiusVectors.FromHex(
        "02 2a 003a" +                                         // @0 OpCode Response, ID, MS-Length 58
        "31 21402324255E262A28295F2B3A337C7E" +                // @4 Value-Size 49, Peer-Challenge
        "0000000000000000" +                                   // @21 Reserved
        "82309ECD8D708B5EA08FAA3981CD83544233114A3D85D6DF" +   // @29 NT-Response
        "00" +                                                 // @53 Flags
        "55736572");                                           // @54 Name "User"; ends @58

    internal static readonly byte[] SuccessTypeData = RadiusVectors.FromHex("03 2a 0033").Concat(
        Encoding.ASCII.GetBytes(AuthenticatorResponse + " M=OK")).ToArray();

    [Fact]
    public void TryWriteChallenge_MatchesTheVector_AndReadsBack()
    {
        var buffer = new byte[64];
        Assert.True(EapMsChapV2.TryWriteChallenge(buffer, 0x2a, AuthenticatorChallenge, "gw"u8, out var written));
        Assert.Equal(ChallengeTypeData, buffer[..written]);

        Assert.Equal(ParseStatus.Ok, EapMsChapV2.TryReadChallenge(ChallengeTypeData, out var id, out var challenge, out var name));
        Assert.Equal(0x2a, id);
        Assert.Equal(AuthenticatorChallenge, challenge.ToArray());
        Assert.Equal("gw"u8, name);
        Assert.False(EapMsChapV2.TryWriteChallenge(buffer, 1, new byte[15], default, out _));
        Assert.False(EapMsChapV2.TryWriteChallenge(buffer.AsSpan(0, 22), 0x2a, AuthenticatorChallenge, "gw"u8, out _));
    }

    [Fact]
    public void TryReadResponse_Rfc2759Peer_VerifiesAndEarnsTheSuccessVector()
    {
        Assert.Equal(ParseStatus.Ok, EapMsChapV2.TryReadResponse(ResponseTypeData, out var response));
        Assert.Equal(0x2a, response.MsChapV2Id);
        Assert.Equal(PeerChallenge, response.PeerChallenge.ToArray());
        Assert.Equal(NtResponse, response.NtResponse.ToArray());
        Assert.Equal(0, response.Flags);
        Assert.Equal("User"u8, response.Name);
        Assert.True(MsChapV2.VerifyNtResponse(AuthenticatorChallenge, response.PeerChallenge, response.Name, NtPasswordHash, response.NtResponse));

        var authenticator = new byte[MsChapV2.AuthenticatorResponseLength];
        MsChapV2.GenerateAuthenticatorResponse(NtPasswordHash, response.NtResponse, response.PeerChallenge, AuthenticatorChallenge, response.Name, authenticator);
        var buffer = new byte[128];
        Assert.True(EapMsChapV2.TryWriteSuccess(buffer, response.MsChapV2Id, authenticator, "OK"u8, out var written));
        Assert.Equal(SuccessTypeData, buffer[..written]);
    }

    [Fact]
    public void TryWriteResponse_MatchesTheVector()
    {
        var buffer = new byte[64];
        Assert.True(EapMsChapV2.TryWriteResponse(buffer, 0x2a, PeerChallenge, NtResponse, "User"u8, out var written));
        Assert.Equal(ResponseTypeData, buffer[..written]);
        Assert.False(EapMsChapV2.TryWriteResponse(buffer, 0x2a, PeerChallenge, NtResponse.AsSpan(1), "User"u8, out _));
        Assert.False(EapMsChapV2.TryWriteResponse(buffer, 0x2a, PeerChallenge, NtResponse, new byte[257], out _));
    }

    [Fact]
    public void TryWriteFailure_WritesRfc2759Text_AndReadsBack()
    {
        var buffer = new byte[128];
        Assert.True(EapMsChapV2.TryWriteFailure(buffer, 7, 691, retry: false, AuthenticatorChallenge, "FAILED"u8, out var written));

        Assert.Equal(ParseStatus.Ok, EapMsChapV2.TryReadMessage(buffer.AsSpan(0, written), out var opCode, out var id, out var message));
        Assert.Equal(MsChapV2OpCode.Failure, opCode);
        Assert.Equal(7, id);
        Assert.Equal("E=691 R=0 C=5B5D7C7D7B3F2F3E3C2C602132262628 V=3 M=FAILED", Encoding.ASCII.GetString(message));
        Assert.Equal(written, (buffer[2] << 8) | buffer[3]);
        Assert.False(EapMsChapV2.TryWriteFailure(buffer, 7, 691, false, new byte[8], default, out _));
    }

    [Fact]
    public void TryWriteSuccess_WithoutMessage_OmitsM_AndRefusesAMalformedAuthenticator()
    {
        var buffer = new byte[64];
        var authenticator = Encoding.ASCII.GetBytes(AuthenticatorResponse);
        Assert.True(EapMsChapV2.TryWriteSuccess(buffer, 1, authenticator, default, out var written));
        Assert.Equal(ParseStatus.Ok, EapMsChapV2.TryReadMessage(buffer.AsSpan(0, written), out _, out _, out var message));
        Assert.Equal(AuthenticatorResponse, Encoding.ASCII.GetString(message));

        authenticator[0] = (byte)'X';
        Assert.False(EapMsChapV2.TryWriteSuccess(buffer, 1, authenticator, default, out _));
        Assert.False(EapMsChapV2.TryWriteSuccess(buffer, 1, authenticator.AsSpan(1), default, out _));
    }

    [Theory]
    [InlineData("03", ParseStatus.Ok, MsChapV2OpCode.Success)]
    [InlineData("04", ParseStatus.Ok, MsChapV2OpCode.Failure)]
    [InlineData("03 2a 0004", ParseStatus.Ok, MsChapV2OpCode.Success)]   // a peer that echoes the header: still its answer
    [InlineData("02", ParseStatus.Malformed, MsChapV2OpCode.Response)]
    [InlineData("", ParseStatus.NeedMoreData, default(MsChapV2OpCode))]
    public void TryReadAcknowledgement_Shapes(string hex, ParseStatus expected, MsChapV2OpCode opCode)
    {
        Assert.Equal(expected, EapMsChapV2.TryReadAcknowledgement(RadiusVectors.FromHex(hex), out var read));
        Assert.Equal(opCode, read);

        var buffer = new byte[1];
        Assert.Equal(expected == ParseStatus.Ok, EapMsChapV2.TryWriteAcknowledgement(buffer, opCode, out _));
    }

    [Fact]
    public void EveryTruncation_IsNeedMoreDataOrMalformed()
    {
        foreach (var full in new[] { ResponseTypeData, ChallengeTypeData, SuccessTypeData })
        {
            for (var length = 0; length < full.Length; length++)
            {
                var cut = full.AsSpan(0, length);
                var statuses = new[]
                {
                    EapMsChapV2.TryReadResponse(cut, out _),
                    EapMsChapV2.TryReadChallenge(cut, out _, out _, out _),
                    EapMsChapV2.TryReadMessage(cut, out _, out _, out _),
                };
                Assert.All(statuses, s => Assert.True(s is ParseStatus.NeedMoreData or ParseStatus.Malformed, $"cut to {length}: {s}"));
            }
        }
    }

    [Theory]
    [InlineData(4, 0x30, "Value-Size 48")]
    [InlineData(0, 0x01, "OpCode Challenge where a Response belongs")]
    [InlineData(3, 0x03, "MS-Length 3, under the header")]
    [InlineData(3, 0x20, "MS-Length 32 ends inside the value")]
    public void TryReadResponse_Hostile_IsMalformed(int at, byte value, string because)
    {
        var data = (byte[])ResponseTypeData.Clone();
        data[at] = value;
        Assert.True(EapMsChapV2.TryReadResponse(data, out _) == ParseStatus.Malformed, because);
    }

    [Fact]
    public void TryReadResponse_NameLimits()
    {
        var buffer = new byte[400];
        Assert.True(EapMsChapV2.TryWriteResponse(buffer, 1, PeerChallenge, NtResponse, new byte[256], out var written));
        Assert.Equal(ParseStatus.Ok, EapMsChapV2.TryReadResponse(buffer.AsSpan(0, written), out var longest));
        Assert.Equal(256, longest.Name.Length);

        // One octet more, with MS-Length raised to match: a 257-octet name is refused, not hashed.
        buffer[written] = (byte)'x';
        buffer[3]++;
        Assert.Equal(ParseStatus.Malformed, EapMsChapV2.TryReadResponse(buffer.AsSpan(0, written + 1), out _));
    }

    [Fact]
    public void TryReadResponse_OctetsPastMsLength_AreNotPartOfTheName()
    {
        var padded = ResponseTypeData.Concat("junk"u8.ToArray()).ToArray();
        Assert.Equal(ParseStatus.Ok, EapMsChapV2.TryReadResponse(padded, out var response));
        Assert.Equal("User"u8, response.Name);
    }

    [Fact]
    public void Fuzz_EapMsChapV2_100kMutations_NeverThrowAndOkIsConsistent()
    {
        var outcomes = FuzzRun.Run(Seed, 100_000, [ResponseTypeData, ChallengeTypeData, SuccessTypeData], input =>
        {
            EapMsChapV2.TryReadAcknowledgement(input, out _);
            var message = EapMsChapV2.TryReadMessage(input, out _, out _, out var text);
            Assert.True(message != ParseStatus.Ok || SpanPlace.IsInside(input, text) || text.IsEmpty);
            var challenge = EapMsChapV2.TryReadChallenge(input, out _, out var value, out var serverName);
            Assert.True(challenge != ParseStatus.Ok || (value.Length == 16 && serverName.Length <= 256));

            var status = EapMsChapV2.TryReadResponse(input, out var response);
            if (status == ParseStatus.Ok)
            {
                Assert.Equal(16, response.PeerChallenge.Length);
                Assert.Equal(24, response.NtResponse.Length);
                Assert.True(response.Name.Length <= EapMsChapV2.MaxNameLength);
                Assert.True(SpanPlace.IsInside(input, response.NtResponse));
                Assert.Equal(input[1], response.MsChapV2Id);
            }

            return status;
        });

        outcomes.AssertShare(ParseStatus.Ok, 0.02);
        outcomes.AssertShare(ParseStatus.Malformed, 0.05);
    }
}
