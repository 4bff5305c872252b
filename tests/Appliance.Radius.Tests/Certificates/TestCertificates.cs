using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Appliance.Radius.Tests.Certificates;

/// <summary>A temporary DATA_DIR and helpers that make "real" (configured) certificates the way an outside CA would.</summary>
internal sealed class TestDirectory : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("radius-certs-").FullName;

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose() => Directory.Delete(Path, recursive: true);
}

internal static class TestCertificates
{
    public const string ServerName = "radius.school.internal";

    /// <summary>A CA and a server certificate it signed, as a school's own or an LA's PKI would hand them over.</summary>
    public static (X509Certificate2 Ca, X509Certificate2 Server) Issue(DateTimeOffset notBefore, DateTimeOffset notAfter,
        string eku = "1.3.6.1.5.5.7.3.1", string name = ServerName)
    {
        using var caKey = RSA.Create(2048);
        var caRequest = new CertificateRequest("CN=LA Test Root", caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        var ca = caRequest.CreateSelfSigned(notBefore.AddDays(-1), notAfter.AddYears(1));

        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(eku)], false));
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(name);
        request.CertificateExtensions.Add(san.Build());
        using var signed = request.Create(ca, notBefore, notAfter, [1, 2, 3, 4]);
        return (ca, signed.CopyWithPrivateKey(key));
    }

    /// <summary>Writes the server certificate + chain and the key as PEM files; returns the options pointing at them.</summary>
    public static Appliance.Radius.Certificates.RadiusCertificateOptions Write(TestDirectory directory, X509Certificate2 server, X509Certificate2 ca,
        RSA? otherKey = null)
    {
        System.IO.File.WriteAllText(directory.File("real.pem"), server.ExportCertificatePem() + "\n");
        System.IO.File.WriteAllText(directory.File("real-chain.pem"), ca.ExportCertificatePem() + "\n");
        using var key = server.GetRSAPrivateKey()!;
        System.IO.File.WriteAllText(directory.File("real.key"), (otherKey ?? key).ExportRSAPrivateKeyPem());
        return new(ServerName, directory.File("real.pem"), directory.File("real.key"), directory.File("real-chain.pem"));
    }
}
