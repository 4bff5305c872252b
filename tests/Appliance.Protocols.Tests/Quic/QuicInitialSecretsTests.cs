using Appliance.Protocols.Quic;
using Appliance.Protocols.Tests.Dns;

namespace Appliance.Protocols.Tests.Quic;

public class QuicInitialSecretsTests
{
    [Theory]
    [InlineData(QuicVersion.Version1, QuicVectors.V1ClientSecret, QuicVectors.V1Key, QuicVectors.V1Iv, QuicVectors.V1HeaderProtection)]
    [InlineData(QuicVersion.Version2, QuicVectors.V2ClientSecret, QuicVectors.V2Key, QuicVectors.V2Iv, QuicVectors.V2HeaderProtection)]
    public void Derive_RfcSampleConnectionId_GivesTheRfcKeys(uint version, string secretHex, string keyHex, string ivHex, string hpHex)
    {
        var secret = new byte[QuicInitialSecrets.SecretLength];
        var key = new byte[QuicInitialSecrets.KeyLength];
        var iv = new byte[QuicInitialSecrets.IvLength];
        var hp = new byte[QuicInitialSecrets.HeaderProtectionKeyLength];

        QuicInitialSecrets.DeriveClientSecret(version, QuicVectors.ConnectionId, secret);
        QuicInitialSecrets.DerivePacketKeys(version, secret, key, iv, hp);

        Assert.Equal(DnsVectors.FromHex(secretHex), secret);
        Assert.Equal(DnsVectors.FromHex(keyHex), key);
        Assert.Equal(DnsVectors.FromHex(ivHex), iv);
        Assert.Equal(DnsVectors.FromHex(hpHex), hp);
    }

    [Fact]
    public void DeriveClientSecret_UnknownVersion_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => QuicInitialSecrets.DeriveClientSecret(0xff00001d, QuicVectors.ConnectionId, new byte[32]));
    }
}
