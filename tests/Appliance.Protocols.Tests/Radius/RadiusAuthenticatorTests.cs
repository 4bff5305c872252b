using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Security.Cryptography;
using Appliance.Protocols.Radius;

namespace Appliance.Protocols.Tests.Radius;

[SuppressMessage("Security", "CA5351", Justification = "The tests recompute RADIUS's mandated MD5/HMAC-MD5 independently.")]
public class RadiusAuthenticatorTests
{
    private static readonly byte[] Secret = RadiusVectors.Rfc2865Secret;
    private static readonly byte[] Rfc2865RequestAuth = RadiusVectors.Rfc2865AccessRequest[4..20];

    [Fact]
    public void VerifyResponse_Rfc2865Accept_MatchesAndFailsWithAnotherSecret()
    {
        Assert.True(RadiusAuthenticators.VerifyResponse(RadiusVectors.Rfc2865AccessAccept, Rfc2865RequestAuth, Secret));
        Assert.False(RadiusAuthenticators.VerifyResponse(RadiusVectors.Rfc2865AccessAccept, Rfc2865RequestAuth, "xyzzy5462"u8));
    }

    [Fact]
    public void TryFinish_Rfc2865AcceptWithoutMessageAuthenticator_IsByteForByteTheRfc()
    {
        var buffer = new byte[4096];
        var writer = new RadiusPacketWriter(buffer);

        Assert.True(writer.TryWriteHeader(RadiusCode.AccessAccept, 0, Rfc2865RequestAuth, withMessageAuthenticator: false));
        Assert.True(writer.TryWriteUInt32(6, 1));
        Assert.True(writer.TryWriteUInt32(15, 0));
        Assert.True(writer.TryWriteIPv4(14, IPAddress.Parse("192.168.1.3")));
        Assert.True(writer.TryFinish(Secret, out var length));

        Assert.Equal(Convert.ToHexString(RadiusVectors.Rfc2865AccessAccept), Convert.ToHexString(buffer, 0, length));
    }

    [Fact]
    public void Rfc5997_StatusServerMessageAuthenticatorAndAcceptResponse_Verify()
    {
        var status = RadiusVectors.Rfc5997StatusServer;
        Assert.Equal(MessageAuthenticatorCheck.Valid, RadiusAuthenticators.VerifyMessageAuthenticator(status, default, Secret));
        Assert.Equal(MessageAuthenticatorCheck.Invalid, RadiusAuthenticators.VerifyMessageAuthenticator(status, default, "wrong"u8));
        Assert.True(RadiusAuthenticators.VerifyResponse(RadiusVectors.Rfc5997AccessAccept, status.AsSpan(4, 16), Secret));
    }

    [Fact]
    public void VerifyMessageAuthenticator_RequestWithout_IsMissing_AndTwoAreMalformed()
    {
        Assert.Equal(MessageAuthenticatorCheck.Missing, RadiusAuthenticators.VerifyMessageAuthenticator(RadiusVectors.Rfc2865AccessRequest, default, Secret));
        var twice = RadiusPacketReaderTests.Packet(RadiusVectors.FromHex("50 12" + new string('0', 32) + "50 12" + new string('0', 32)));
        Assert.Equal(MessageAuthenticatorCheck.Malformed, RadiusAuthenticators.VerifyMessageAuthenticator(twice, new byte[16], Secret));
        var shortOne = RadiusPacketReaderTests.Packet(RadiusVectors.FromHex("50 03 00"));
        Assert.Equal(MessageAuthenticatorCheck.Malformed, RadiusAuthenticators.VerifyMessageAuthenticator(shortOne, new byte[16], Secret));
    }

    [Fact]
    public void TryFinish_Challenge_PutsMessageAuthenticatorFirstAndBothFieldsVerify()
    {
        var requestAuth = RandomNumberGenerator.GetBytes(16);
        var eap = new byte[600];
        Assert.True(EapPacketReader.TryWrite(eap, EapCode.Request, 9, EapType.Peap, new byte[595], out var eapLength));
        var buffer = new byte[4096];
        var writer = new RadiusPacketWriter(buffer);

        Assert.True(writer.TryWriteHeader(RadiusCode.AccessChallenge, 42, requestAuth));
        Assert.True(writer.TryWriteEapMessage(eap.AsSpan(0, eapLength)));
        Assert.True(writer.TryWriteAttribute(RadiusAttributeType.State, "session-1"u8));
        Assert.True(writer.TryFinish(Secret, out var length));
        var packet = buffer[..length];

        Assert.Equal(RadiusAttributeType.MessageAuthenticator, packet[20]);
        Assert.Equal(18, packet[21]);
        Assert.Equal(MessageAuthenticatorCheck.Valid, RadiusAuthenticators.VerifyMessageAuthenticator(packet, requestAuth, Secret));
        Assert.True(RadiusAuthenticators.VerifyResponse(packet, requestAuth, Secret));
        Assert.Equal(MessageAuthenticatorCheck.Invalid, RadiusAuthenticators.VerifyMessageAuthenticator(packet, new byte[16], Secret));

        // Independently: HMAC-MD5 over the packet with the Request Authenticator back in place and the MA zeroed.
        var copy = (byte[])packet.Clone();
        requestAuth.CopyTo(copy, 4);
        Array.Clear(copy, 22, 16);
        Assert.Equal(HMACMD5.HashData(Secret, copy), packet[22..38]);
        Assert.Equal(MD5.HashData([.. copy[..4], .. requestAuth, .. packet[20..], .. Secret]), packet[4..20]);

        var split = new byte[eapLength];
        Assert.Equal(ParseStatus.Ok, EapPacketReader.TryReassemble(packet.AsSpan(20), split, out var joined));
        Assert.Equal(eap[..eapLength], split[..joined]);
        Assert.Equal(3, CountType(packet, RadiusAttributeType.EapMessage));   // 600 octets: 253 + 253 + 94
    }

    [Fact]
    public void TryFinish_AccountingRequest_VerifiesAsRfc2866AndTamperingFails()
    {
        var buffer = new byte[256];
        var writer = new RadiusPacketWriter(buffer);
        Assert.True(writer.TryWriteHeader(RadiusCode.AccountingRequest, 3, default, withMessageAuthenticator: false));
        Assert.True(writer.TryWriteUInt32(RadiusAttributeType.AcctStatusType, 1));
        Assert.True(writer.TryWriteString(RadiusAttributeType.AcctSessionId, "5F3A0001"));
        Assert.True(writer.TryFinish(Secret, out var length));
        var packet = buffer[..length];

        var zeroed = (byte[])packet.Clone();
        Array.Clear(zeroed, 4, 16);
        Assert.Equal(MD5.HashData([.. zeroed, .. Secret]), packet[4..20]);
        Assert.True(RadiusAuthenticators.VerifyAccountingRequest(packet, Secret));
        packet[^1] ^= 1;
        Assert.False(RadiusAuthenticators.VerifyAccountingRequest(packet, Secret));
        Assert.False(RadiusAuthenticators.VerifyAccountingRequest(RadiusVectors.Rfc2865AccessRequest, Secret));
    }

    [Fact]
    public void TryFinish_DisconnectRequestWithMessageAuthenticator_BothVerify()
    {
        var buffer = new byte[256];
        var writer = new RadiusPacketWriter(buffer);
        Assert.True(writer.TryWriteHeader(RadiusCode.DisconnectRequest, 5, default));
        Assert.True(writer.TryWriteString(RadiusAttributeType.UserName, "guest-7"));
        Assert.True(writer.TryFinish(Secret, out var length));

        Assert.True(RadiusAuthenticators.VerifyAccountingRequest(buffer.AsSpan(0, length), Secret));
        Assert.Equal(MessageAuthenticatorCheck.Valid, RadiusAuthenticators.VerifyMessageAuthenticator(buffer.AsSpan(0, length), default, Secret));
    }

    [Fact]
    public void TryWriteTagged_VlanAttributes_FollowRfc2868()
    {
        var buffer = new byte[128];
        var writer = new RadiusPacketWriter(buffer);
        Assert.True(writer.TryWriteHeader(RadiusCode.AccessAccept, 1, new byte[16], withMessageAuthenticator: false));
        Assert.True(writer.TryWriteTaggedUInt24(RadiusAttributeType.TunnelType, 0, 13));
        Assert.True(writer.TryWriteTaggedUInt24(RadiusAttributeType.TunnelMediumType, 0, 6));
        Assert.True(writer.TryWriteTaggedString(RadiusAttributeType.TunnelPrivateGroupId, 0, "20"u8));
        Assert.True(writer.TryWriteTaggedString(RadiusAttributeType.TunnelPrivateGroupId, 1, "20"u8));
        Assert.False(writer.TryWriteTaggedUInt24(RadiusAttributeType.TunnelType, 0x20, 13));

        Assert.Equal("4006000000 0D 4106000000 06 5104 3230 5105 01 3230".Replace(" ", "", StringComparison.Ordinal), Convert.ToHexString(buffer, 20, writer.BytesWritten - 20));
    }

    [Fact]
    public void TryWriteAttribute_TooLongOrPastBuffer_WritesNothing()
    {
        var buffer = new byte[40];
        var writer = new RadiusPacketWriter(buffer);
        Assert.True(writer.TryWriteHeader(RadiusCode.AccessReject, 1, new byte[16]));

        Assert.False(writer.TryWriteAttribute(RadiusAttributeType.ReplyMessage, new byte[254]));
        Assert.False(writer.TryWriteAttribute(RadiusAttributeType.ReplyMessage, new byte[3]));
        Assert.False(writer.TryWriteEapMessage(new byte[10]));
        Assert.Equal(38, writer.BytesWritten);
    }

    private static int CountType(ReadOnlySpan<byte> packet, byte type)
    {
        Assert.Equal(ParseStatus.Ok, RadiusPacketReader.TryRead(packet, out var reader));
        var count = 0;
        while (!reader.IsAtEnd)
        {
            Assert.Equal(ParseStatus.Ok, reader.TryReadAttribute(out var attribute));
            count += attribute.Type == type ? 1 : 0;
        }

        return count;
    }
}
