using System.Buffers;
using System.Security.Cryptography;
using Appliance.Radius.Tls;
using BenchmarkDotNet.Attributes;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.Tls;
using Org.BouncyCastle.Tls.Crypto;
using Org.BouncyCastle.Tls.Crypto.Impl.BC;

namespace Appliance.Benchmarks;

/// <summary>
/// The EAP tunnel's engine choice (issue 7): one full TLS 1.2 handshake (ECDHE-RSA, RSA-2048 server key, both ends in
/// this thread, bytes passed by hand as EAP round trips would) plus the 64-byte MSK export, through our OpenSSL binding
/// and through BouncyCastle's non-blocking <see cref="TlsServerProtocol"/>. The server's share is most of it (the RSA
/// signature); the client's (ECDHE, RSA verify) is the same work on both sides of the comparison.
/// </summary>
[MemoryDiagnoser]
public class RadiusTlsBenchmarks
{
    private string _directory = null!;
    private Appliance.Radius.Tls.EapTlsContext _openSslServer = null!;
    private Appliance.Radius.Tls.EapTlsContext _openSslClient = null!;
    private BcTlsCrypto _crypto = null!;
    private Certificate _bcCertificate = null!;
    private AsymmetricKeyParameter _bcKey = null!;
    private readonly ArrayBufferWriter<byte> _buffer = new();
    private readonly byte[] _msk = new byte[64];

    [GlobalSetup]
    public void Setup()
    {
        using var key = RSA.Create(2048);
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=radius.school.test", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        _directory = Directory.CreateTempSubdirectory("radius-bench-").FullName;
        File.WriteAllText(Path.Combine(_directory, "server.pem"), certificate.ExportCertificatePem());
        File.WriteAllText(Path.Combine(_directory, "server.key"), key.ExportPkcs8PrivateKeyPem());
        _openSslServer = EapTlsContext.Load(Path.Combine(_directory, "server.pem"), Path.Combine(_directory, "server.key"));
        _openSslClient = EapTlsContext.CreateClient();

        _crypto = new BcTlsCrypto(new SecureRandom());
        _bcCertificate = new Certificate([_crypto.CreateCertificate(certificate.RawData)]);
        _bcKey = PrivateKeyFactory.CreateKey(key.ExportPkcs8PrivateKey());
    }

    [Benchmark(Baseline = true)]
    public byte OpenSsl()
    {
        using var server = TlsTunnel.Accept(_openSslServer);
        using var client = TlsTunnel.Connect(_openSslClient);
        client.Advance();
        while (!server.IsEstablished || !client.IsEstablished)
        {
            Move(client, server);
            server.Advance();
            Move(server, client);
            client.Advance();
        }

        server.ExportKeyingMaterial("client EAP encryption", _msk);
        return _msk[0];
    }

    [Benchmark]
    public byte BouncyCastle()
    {
        var server = new Server(_crypto, _bcCertificate, _bcKey);
        var serverProtocol = new TlsServerProtocol();
        serverProtocol.Accept(server);
        var clientProtocol = new TlsClientProtocol();
        clientProtocol.Connect(new Client(_crypto));
        var bytes = new byte[16 * 1024];
        while (!server.Established)
        {
            var n = clientProtocol.ReadOutput(bytes, 0, bytes.Length);
            serverProtocol.OfferInput(bytes, 0, n);
            n = serverProtocol.ReadOutput(bytes, 0, bytes.Length);
            clientProtocol.OfferInput(bytes, 0, n);
        }

        return server.Msk[0];
    }

    private void Move(TlsTunnel from, TlsTunnel to)
    {
        _buffer.ResetWrittenCount();
        from.TakeOutput(_buffer);
        to.Feed(_buffer.WrittenSpan);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _openSslServer.Dispose();
        _openSslClient.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    private sealed class Server(TlsCrypto crypto, Certificate certificate, AsymmetricKeyParameter key) : DefaultTlsServer(crypto)
    {
        public bool Established { get; private set; }

        // BouncyCastle erases the master secret once the handshake is over: the export has to happen in this callback.
        public byte[] Msk { get; private set; } = [];

        protected override ProtocolVersion[] GetSupportedVersions() => ProtocolVersion.TLSv12.Only();

        protected override TlsCredentialedSigner GetRsaSignerCredentials() =>
            new BcDefaultTlsCredentialedSigner(new TlsCryptoParameters(m_context), (BcTlsCrypto)m_context.Crypto, key, certificate,
                new SignatureAndHashAlgorithm(Org.BouncyCastle.Tls.HashAlgorithm.sha256, SignatureAlgorithm.rsa));

        public override void NotifyHandshakeComplete()
        {
            base.NotifyHandshakeComplete();
            Msk = m_context.ExportKeyingMaterial("client EAP encryption", null, 64);
            Established = true;
        }
    }

    private sealed class Client(TlsCrypto crypto) : DefaultTlsClient(crypto)
    {
        protected override ProtocolVersion[] GetSupportedVersions() => ProtocolVersion.TLSv12.Only();

        public override TlsAuthentication GetAuthentication() => new TrustAll();

        private sealed class TrustAll : TlsAuthentication
        {
            public void NotifyServerCertificate(TlsServerCertificate serverCertificate)
            {
            }

            public TlsCredentials? GetClientCredentials(Org.BouncyCastle.Tls.CertificateRequest certificateRequest) => null;
        }
    }
}
