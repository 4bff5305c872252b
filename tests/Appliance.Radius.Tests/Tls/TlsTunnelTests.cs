using System.Buffers;
using Appliance.Radius.Tls;

namespace Appliance.Radius.Tests.Tls;

public sealed class TlsTunnelTests : IDisposable
{
    private readonly TunnelCertificateFiles _certificates = new();

    [Fact]
    public void Handshake_InRoundTrips_ThenDataBothWays_AndBothEndsExportTheSameKeys()
    {
        using var serverContext = EapTlsContext.Load(_certificates.ChainPath, _certificates.KeyPath);
        using var clientContext = EapTlsContext.CreateClient();
        using var server = TlsTunnel.Accept(serverContext);
        using var client = TlsTunnel.Connect(clientContext);

        var roundTrips = Handshake(client, server);

        Assert.Equal(2, roundTrips);   // TLS 1.2 full handshake: ClientHello → flight; Finished → Finished
        Assert.StartsWith("TLSv1.2 ECDHE-RSA-", server.Description);

        client.Write("inner identity"u8);
        server.Feed(Take(client));
        var received = new ArrayBufferWriter<byte>();
        Assert.Equal(14, server.Read(received));
        Assert.Equal("inner identity"u8.ToArray(), received.WrittenSpan.ToArray());

        Span<byte> serverKey = stackalloc byte[64];
        Span<byte> clientKey = stackalloc byte[64];
        server.ExportKeyingMaterial("client EAP encryption", serverKey);
        client.ExportKeyingMaterial("client EAP encryption", clientKey);
        Assert.True(serverKey.SequenceEqual(clientKey));
        Span<byte> other = stackalloc byte[64];
        server.ExportKeyingMaterial("ttls keying material", other);
        Assert.False(other.SequenceEqual(serverKey));
    }

    [Fact]
    public void GarbageFromThePeer_FailsTheHandshake_WithOpenSslsReason()
    {
        using var serverContext = EapTlsContext.Load(_certificates.ChainPath, _certificates.KeyPath);
        using var server = TlsTunnel.Accept(serverContext);

        server.Feed("GET / HTTP/1.1\r\nHost: x\r\n\r\n"u8);

        Assert.Equal(TlsProgress.Failed, server.Advance());
        Assert.Contains("http request", server.Failure, StringComparison.OrdinalIgnoreCase);
        Assert.Throws<InvalidOperationException>(() => server.Write("x"u8));
    }

    [Fact]
    public void KeyThatIsNotTheCertificates_IsRefusedByName()
    {
        var wrongKey = Path.Combine(_certificates.Directory, "other.key");
        using (var rsa = System.Security.Cryptography.RSA.Create(2048))
        {
            File.WriteAllText(wrongKey, rsa.ExportPkcs8PrivateKeyPem());
        }

        var ex = Assert.Throws<TlsSetupException>(() => EapTlsContext.Load(_certificates.ChainPath, wrongKey));
        Assert.Contains("other.key", ex.Message);
        Assert.Contains("match", ex.Message);
        var missing = Assert.Throws<TlsSetupException>(() => EapTlsContext.Load(Path.Combine(_certificates.Directory, "missing.pem"), wrongKey));
        Assert.Contains("missing.pem", missing.Message);
    }

    internal static int Handshake(TlsTunnel client, TlsTunnel server)
    {
        Assert.Equal(TlsProgress.NeedInput, client.Advance());
        var roundTrips = 0;
        while (!server.IsEstablished || !client.IsEstablished)
        {
            roundTrips++;
            server.Feed(Take(client));
            Assert.NotEqual(TlsProgress.Failed, server.Advance());
            client.Feed(Take(server));
            Assert.NotEqual(TlsProgress.Failed, client.Advance());
            Assert.True(roundTrips < 5, "the handshake does not finish");
        }

        return roundTrips;
    }

    internal static byte[] Take(TlsTunnel tunnel)
    {
        var buffer = new ArrayBufferWriter<byte>();
        tunnel.TakeOutput(buffer);
        return buffer.WrittenSpan.ToArray();
    }

    public void Dispose() => _certificates.Dispose();
}
