using Appliance.Protocols.Radius;

namespace Appliance.Protocols.Tests.Radius;

public class RadiusHidingTests
{
    [Fact]
    public void TryDecrypt_Rfc2865Password_IsArctangent()
    {
        var request = RadiusVectors.Rfc2865AccessRequest;
        var password = new byte[128];

        Assert.True(RadiusUserPassword.TryDecrypt(request.AsSpan(28, 16), RadiusVectors.Rfc2865Secret, request.AsSpan(4, 16), password, out var length));

        Assert.Equal("arctangent"u8, password.AsSpan(0, length));
    }

    [Fact]
    public void TryEncrypt_Arctangent_IsTheRfc2865Ciphertext()
    {
        var request = RadiusVectors.Rfc2865AccessRequest;
        var hidden = new byte[128];

        Assert.True(RadiusUserPassword.TryEncrypt("arctangent"u8, RadiusVectors.Rfc2865Secret, request.AsSpan(4, 16), hidden, out var length));

        Assert.Equal(request.AsSpan(28, 16), hidden.AsSpan(0, length));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(15)]
    [InlineData(17)]
    [InlineData(144)]
    public void TryDecrypt_LengthNotBlocksOf16UpTo128_IsRefused(int length)
    {
        Assert.False(RadiusUserPassword.TryDecrypt(new byte[length], "s"u8, new byte[16], new byte[256], out _));
    }

    [Fact]
    public void UserPassword_LongPasswordRoundTrips_AcrossChainedBlocks()
    {
        var password = "correct horse battery staple, and then some more words"u8;
        var auth = RadiusVectors.MppeRequestAuthenticator;
        var hidden = new byte[128];
        var plain = new byte[128];

        Assert.True(RadiusUserPassword.TryEncrypt(password, "secret"u8, auth, hidden, out var hiddenLength));
        Assert.Equal(64, hiddenLength);
        Assert.True(RadiusUserPassword.TryDecrypt(hidden.AsSpan(0, hiddenLength), "secret"u8, auth, plain, out var length));
        Assert.Equal(password, plain.AsSpan(0, length));
    }

    [Fact]
    public void MppeTryDecrypt_OpenBsdVector_GivesTheKey()
    {
        var key = new byte[64];

        Assert.True(MppeKey.TryDecrypt(RadiusVectors.MppeEncrypted, RadiusVectors.MppeSecret, RadiusVectors.MppeRequestAuthenticator, key, out var length));

        Assert.Equal(RadiusVectors.MppeKey, key[..length]);
    }

    [Fact]
    public void MppeTryEncrypt_OpenBsdSalt_IsTheVectorByteForByte()
    {
        var value = new byte[64];

        Assert.True(MppeKey.TryEncrypt(RadiusVectors.MppeKey, RadiusVectors.MppeSecret, RadiusVectors.MppeRequestAuthenticator, 0x0036, value, out var length));

        Assert.Equal(Convert.ToHexString(RadiusVectors.MppeEncrypted), Convert.ToHexString(value, 0, length));
    }

    [Fact]
    public void TryWriteMppeKeys_Msk_RecvIsFirstHalfSendIsSecondWithDistinctSalts()
    {
        var msk = Enumerable.Range(0, 64).Select(i => (byte)i).ToArray();
        var requestAuth = RadiusVectors.MppeRequestAuthenticator;
        var buffer = new byte[512];
        var writer = new RadiusPacketWriter(buffer);
        Assert.True(writer.TryWriteHeader(RadiusCode.AccessAccept, 1, requestAuth));
        Assert.True(writer.TryWriteMppeKeys(msk, "s3cret"u8, 0x1234));
        Assert.True(writer.TryFinish("s3cret"u8, out var length));

        Assert.Equal(ParseStatus.Ok, RadiusPacketReader.TryRead(buffer.AsSpan(0, length), out var reader));
        var keys = new Dictionary<byte, (byte[] Key, int Salt)>();
        while (!reader.IsAtEnd)
        {
            Assert.Equal(ParseStatus.Ok, reader.TryReadAttribute(out var attribute));
            if (attribute.Type != RadiusAttributeType.VendorSpecific)
            {
                continue;
            }

            Assert.Equal(ParseStatus.Ok, RadiusAttributeReader.TryReadVendorSpecific(attribute.Value, out var vendor, out var sub));
            Assert.Equal(RadiusVendor.Microsoft, vendor);
            Assert.Equal(ParseStatus.Ok, sub.TryRead(out var mppe));
            Assert.Equal(2 + 48, mppe.Value.Length);
            var key = new byte[64];
            Assert.True(MppeKey.TryDecrypt(mppe.Value, "s3cret"u8, requestAuth, key, out var keyLength));
            keys[mppe.Type] = (key[..keyLength], (mppe.Value[0] << 8) | mppe.Value[1]);
        }

        Assert.Equal(msk.AsSpan(0, 32), keys[MicrosoftAttributeType.MppeRecvKey].Key.AsSpan());
        Assert.Equal(msk.AsSpan(32), keys[MicrosoftAttributeType.MppeSendKey].Key.AsSpan());
        Assert.NotEqual(keys[MicrosoftAttributeType.MppeRecvKey].Salt, keys[MicrosoftAttributeType.MppeSendKey].Salt);
        Assert.All(keys.Values, k => Assert.True(k.Salt >= 0x8000));
    }

    [Fact]
    public void MppeTryDecrypt_BadShapes_AreRefused()
    {
        var key = new byte[64];
        var value = (byte[])RadiusVectors.MppeEncrypted.Clone();
        Assert.False(MppeKey.TryDecrypt(value.AsSpan(0, 33), RadiusVectors.MppeSecret, RadiusVectors.MppeRequestAuthenticator, key, out _));
        Assert.False(MppeKey.TryDecrypt(value.AsSpan(0, 2), RadiusVectors.MppeSecret, RadiusVectors.MppeRequestAuthenticator, key, out _));
        Assert.False(MppeKey.TryDecrypt(value, RadiusVectors.MppeSecret, RadiusVectors.MppeRequestAuthenticator, key.AsSpan(0, 15), out _));
        value[0] &= 0x7f;
        Assert.False(MppeKey.TryDecrypt(value, RadiusVectors.MppeSecret, RadiusVectors.MppeRequestAuthenticator, key, out _));
    }
}
