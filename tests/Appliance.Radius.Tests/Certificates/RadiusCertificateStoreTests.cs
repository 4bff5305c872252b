using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Appliance.Radius.Certificates;
using Appliance.TestSupport;
using Microsoft.Extensions.Time.Testing;

namespace Appliance.Radius.Tests.Certificates;

[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class RadiusCertificateStoreTests : IDisposable
{
    private readonly TestDirectory _data = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 9, 1, 8, 0, 0, TimeSpan.Zero));
    private readonly RadiusCertificateOptions _generated = new(TestCertificates.ServerName);

    private string Radius(string file) => Path.Combine(_data.Path, "radius", file);

    public void Dispose() => _data.Dispose();

    [Fact]
    public void LoadOrCreate_FirstRun_WritesCaAndServerWithPrivateModes()
    {
        using var certificates = RadiusCertificateStore.LoadOrCreate(_data.Path, _generated, _time);

        Assert.True(certificates.TrustInfo.IsGenerated);
        Assert.Equal(PemFiles.PrivateDirectoryMode, File.GetUnixFileMode(Path.Combine(_data.Path, "radius")));
        Assert.Equal(PemFiles.PrivateFileMode, File.GetUnixFileMode(Radius("server.key")));
        Assert.Equal(PemFiles.PrivateFileMode, File.GetUnixFileMode(Radius("ca.key")));
        Assert.Equal(0, (int)(File.GetUnixFileMode(Radius("ca.pem")) & UnixFileMode.OtherWrite));
        Assert.Empty(Directory.GetFiles(Path.Combine(_data.Path, "radius"), "*.tmp"));
        Assert.StartsWith("-----BEGIN PRIVATE KEY-----", File.ReadAllText(Radius("server.key")), StringComparison.Ordinal);   // PKCS#8
        Assert.True(certificates.ServerCertificate.HasPrivateKey);
        Assert.Equal(GeneratedCertificates.ServerKeyBits, certificates.ServerCertificate.GetRSAPublicKey()!.KeySize);
        Assert.Equal(GeneratedCertificates.CaKeyBits, certificates.Authority!.GetRSAPublicKey()!.KeySize);
        Assert.Equal([TestCertificates.ServerName], certificates.TrustInfo.Server.DnsNames);
        Assert.Equal(_time.GetUtcNow().AddDays(730), certificates.TrustInfo.Server.NotAfter, TimeSpan.FromSeconds(1));
        Assert.Equal(_time.GetUtcNow().AddDays(3652), certificates.TrustInfo.Authority!.NotAfter, TimeSpan.FromSeconds(1));
        Assert.Empty(certificates.TrustInfo.Problems);
    }

    [Fact]
    public void LoadOrCreate_SecondRun_ReusesTheFiles()
    {
        string first, firstCa;
        using (var certificates = RadiusCertificateStore.LoadOrCreate(_data.Path, _generated, _time))
        {
            (first, firstCa) = (certificates.TrustInfo.Server.Sha256Fingerprint, certificates.TrustInfo.Authority!.Sha256Fingerprint);
        }

        var written = File.GetLastWriteTimeUtc(Radius("server.pem"));
        using var again = RadiusCertificateStore.LoadOrCreate(_data.Path, _generated, _time);
        Assert.Equal(first, again.TrustInfo.Server.Sha256Fingerprint);
        Assert.Equal(firstCa, again.TrustInfo.Authority!.Sha256Fingerprint);
        Assert.Equal(written, File.GetLastWriteTimeUtc(Radius("server.pem")));
        Assert.Matches("^([0-9A-F]{2}:){31}[0-9A-F]{2}$", first);
        Assert.Matches("^([0-9A-F]{2}:){19}[0-9A-F]{2}$", again.TrustInfo.Server.Sha1Fingerprint);
    }

    [Fact]
    public void LoadOrCreate_ServerFilesRemoved_IssuesANewServerCertificateFromTheSameCa()
    {
        string ca, server;
        using (var certificates = RadiusCertificateStore.LoadOrCreate(_data.Path, _generated, _time))
        {
            (ca, server) = (certificates.TrustInfo.Authority!.Sha256Fingerprint, certificates.TrustInfo.Server.Sha256Fingerprint);
        }

        File.Delete(Radius("server.pem"));
        File.Delete(Radius("server.key"));
        using var renewed = RadiusCertificateStore.LoadOrCreate(_data.Path, _generated, _time);
        Assert.Equal(ca, renewed.TrustInfo.Authority!.Sha256Fingerprint);
        Assert.NotEqual(server, renewed.TrustInfo.Server.Sha256Fingerprint);
    }

    [Fact]
    public void LoadOrCreate_KeyMissing_NamesTheMissingFileAndWritesNothing()
    {
        RadiusCertificateStore.LoadOrCreate(_data.Path, _generated, _time).Dispose();
        File.Delete(Radius("server.key"));
        var pem = File.ReadAllText(Radius("server.pem"));

        var error = Assert.Throws<RadiusCertificateException>(() => RadiusCertificateStore.LoadOrCreate(_data.Path, _generated, _time));
        Assert.Contains("server.key missing", error.Message, StringComparison.Ordinal);
        Assert.Equal(pem, File.ReadAllText(Radius("server.pem")));
        Assert.False(File.Exists(Radius("server.key")));
    }

    [Theory]
    [InlineData("server.pem", "-----BEGIN CERTIFICATE-----\nMIIBkjCB/AIJAKHHIG==\n-----END CERTIFICATE-----\n")]
    [InlineData("server.key", "not a key at all\n")]
    [InlineData("ca.pem", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")]
    public void LoadOrCreate_CorruptFile_NamesIt(string file, string content)
    {
        RadiusCertificateStore.LoadOrCreate(_data.Path, _generated, _time).Dispose();
        File.WriteAllText(Radius(file), content);

        var error = Assert.Throws<RadiusCertificateException>(() => RadiusCertificateStore.LoadOrCreate(_data.Path, _generated, _time));
        Assert.Contains(Radius(file), error.Message, StringComparison.Ordinal);
        Assert.Equal(content, File.ReadAllText(Radius(file)));   // left as it was, for the technician to look at
    }

    [Fact]
    public void LoadOrCreate_ConfiguredCertificate_WinsOverTheGeneratedOne()
    {
        RadiusCertificateStore.LoadOrCreate(_data.Path, _generated, _time).Dispose();
        var (ca, server) = TestCertificates.Issue(_time.GetUtcNow().AddDays(-10), _time.GetUtcNow().AddDays(300));
        var options = TestCertificates.Write(_data, server, ca);

        using var certificates = RadiusCertificateStore.LoadOrCreate(_data.Path, options, _time);
        Assert.False(certificates.TrustInfo.IsGenerated);
        Assert.Equal(server.Thumbprint, certificates.ServerCertificate.Thumbprint);
        Assert.Equal(ca.Thumbprint, Assert.Single(certificates.Chain).Thumbprint);
        Assert.Equal(ca.Thumbprint, certificates.Authority!.Thumbprint);
        Assert.Empty(certificates.TrustInfo.Problems);
        Assert.Equal(server.RawData, certificates.CertificateDer.ToArray());
        using var key = RSA.Create();
        key.ImportPkcs8PrivateKey(certificates.PrivateKeyPkcs8Der, out _);   // the TLS engine's view of the same key
        Assert.Equal(server.PublicKey.ExportSubjectPublicKeyInfo(), key.ExportSubjectPublicKeyInfo());
    }

    [Fact]
    public void LoadOrCreate_ConfiguredKeyOfAnotherCertificate_IsRefusedAsKeyDoesNotMatch()
    {
        var (ca, server) = TestCertificates.Issue(_time.GetUtcNow().AddDays(-10), _time.GetUtcNow().AddDays(300));
        using var other = RSA.Create(2048);
        var options = TestCertificates.Write(_data, server, ca, otherKey: other);

        var error = Assert.Throws<RadiusCertificateException>(() => RadiusCertificateStore.LoadOrCreate(_data.Path, options, _time));
        Assert.Contains(error.Problems, p => p is { Kind: CertificateProblemKind.KeyDoesNotMatch, IsFatal: true });
        Assert.Contains("real.pem", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadOrCreate_ConfiguredExpiredCertificate_IsRefusedAsExpired()
    {
        var (ca, server) = TestCertificates.Issue(_time.GetUtcNow().AddDays(-400), _time.GetUtcNow().AddDays(-1));
        var error = Assert.Throws<RadiusCertificateException>(() =>
            RadiusCertificateStore.LoadOrCreate(_data.Path, TestCertificates.Write(_data, server, ca), _time));
        Assert.Equal(CertificateProblemKind.Expired, Assert.Single(error.Problems, p => p.IsFatal).Kind);
    }

    [Fact]
    public void LoadOrCreate_ConfiguredClientAuthOnlyCertificate_IsRefusedAsNotForServerAuthentication()
    {
        var (ca, server) = TestCertificates.Issue(_time.GetUtcNow().AddDays(-1), _time.GetUtcNow().AddDays(300), eku: "1.3.6.1.5.5.7.3.2");
        var error = Assert.Throws<RadiusCertificateException>(() =>
            RadiusCertificateStore.LoadOrCreate(_data.Path, TestCertificates.Write(_data, server, ca), _time));
        Assert.Equal(CertificateProblemKind.NotForServerAuthentication, Assert.Single(error.Problems, p => p.IsFatal).Kind);
    }

    [Fact]
    public void LoadOrCreate_ConfiguredCertificateNearExpiryForAnotherName_LoadsWithTwoWarnings()
    {
        var (ca, server) = TestCertificates.Issue(_time.GetUtcNow().AddDays(-300), _time.GetUtcNow().AddDays(12), name: "wifi.example.org");
        using var certificates = RadiusCertificateStore.LoadOrCreate(_data.Path, TestCertificates.Write(_data, server, ca), _time);
        Assert.Equal([CertificateProblemKind.ExpiresSoon, CertificateProblemKind.ServerNameNotInCertificate],
            certificates.TrustInfo.Problems.Select(p => p.Kind));
        Assert.All(certificates.TrustInfo.Problems, p => Assert.False(p.IsFatal));
    }

    [Fact]
    public void LoadOrCreate_ConfiguredChainOfAnotherCa_IsRefusedAsChainBroken()
    {
        var (_, server) = TestCertificates.Issue(_time.GetUtcNow().AddDays(-1), _time.GetUtcNow().AddDays(300));
        var (otherCa, _) = TestCertificates.Issue(_time.GetUtcNow().AddDays(-1), _time.GetUtcNow().AddDays(300));
        var error = Assert.Throws<RadiusCertificateException>(() =>
            RadiusCertificateStore.LoadOrCreate(_data.Path, TestCertificates.Write(_data, server, otherCa), _time));
        Assert.Equal(CertificateProblemKind.ChainBroken, Assert.Single(error.Problems, p => p.IsFatal).Kind);
    }

    [Fact]
    public void LoadOrCreate_GeneratedFiles_VerifyWithOpensslAndShowSanAndServerAuth()
    {
        using var certificates = RadiusCertificateStore.LoadOrCreate(_data.Path, _generated, TimeProvider.System);

        // server.pem holds the chain (server, CA): verify only its first certificate against ca.pem
        File.WriteAllText(_data.File("leaf.pem"), certificates.CertificatePem);
        var (exit, output) = NetworkNamespace.TryRun("openssl", "verify", "-purpose", "sslserver", "-CAfile", Radius("ca.pem"), _data.File("leaf.pem"));
        Assert.True(exit == 0, output);
        Assert.Contains(": OK", output, StringComparison.Ordinal);

        var text = NetworkNamespace.Run("openssl", "x509", "-in", Radius("server.pem"), "-noout", "-text");
        Assert.Contains($"DNS:{TestCertificates.ServerName}", text, StringComparison.Ordinal);
        Assert.Contains("TLS Web Server Authentication", text, StringComparison.Ordinal);
        Assert.Contains("Digital Signature, Key Encipherment", text, StringComparison.Ordinal);
        Assert.Contains("CA:FALSE", text, StringComparison.Ordinal);

        var fingerprint = NetworkNamespace.Run("openssl", "x509", "-in", Radius("server.pem"), "-noout", "-fingerprint", "-sha256");
        Assert.Contains(certificates.TrustInfo.Server.Sha256Fingerprint, fingerprint, StringComparison.Ordinal);
        var keyCheck = NetworkNamespace.Run("openssl", "pkey", "-in", Radius("server.key"), "-pubout");
        Assert.Equal(PemEncoding.WriteString("PUBLIC KEY", certificates.ServerCertificate.PublicKey.ExportSubjectPublicKeyInfo()), keyCheck.Trim());
    }
}
