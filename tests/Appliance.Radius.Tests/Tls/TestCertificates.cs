using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Appliance.Radius.Tests.Tls;

/// <summary>A throw-away CA and server certificate in PEM files, for tunnels under test.</summary>
internal sealed class TestCertificates : IDisposable
{
    private static readonly Lazy<(string Ca, string Chain, string Key)> Pems = new(Make);

    public TestCertificates()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("radius-certs-").FullName;
        CaPath = Path.Combine(Directory, "ca.pem");
        ChainPath = Path.Combine(Directory, "server.pem");
        KeyPath = Path.Combine(Directory, "server.key");
        File.WriteAllText(CaPath, Pems.Value.Ca);
        File.WriteAllText(ChainPath, Pems.Value.Chain);
        File.WriteAllText(KeyPath, Pems.Value.Key);
    }

    public string Directory { get; }

    public string CaPath { get; }

    public string ChainPath { get; }

    public string KeyPath { get; }

    // RSA-2048, as FreeRADIUS's bootstrap makes them: the cost per handshake is then comparable.
    private static (string, string, string) Make()
    {
        using var caKey = RSA.Create(2048);
        var caRequest = new CertificateRequest("CN=Test School RADIUS CA", caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        using var ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));

        using var serverKey = RSA.Create(2048);
        var request = new CertificateRequest("CN=radius.school.test", serverKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("radius.school.test");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var server = request.Create(ca, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddMonths(6), [1, 2, 3, 4]);
        return (ca.ExportCertificatePem(), server.ExportCertificatePem() + "\n" + ca.ExportCertificatePem(), serverKey.ExportPkcs8PrivateKeyPem());
    }

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
}
