using System.Security.Cryptography.X509Certificates;

namespace Appliance.Radius.Tests.Tls;

/// <summary>
/// A throw-away CA and server certificate (RSA-2048, as FreeRADIUS's bootstrap makes them, so a handshake costs alike)
/// in PEM files, for tunnels under test: the certificates come from <see cref="Certificates.TestCertificates.Issue"/>.
/// </summary>
internal sealed class TunnelCertificateFiles : IDisposable
{
    private static readonly Lazy<(string Ca, string Chain, string Key)> Pems = new(Make);

    public TunnelCertificateFiles()
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

    private static (string, string, string) Make()
    {
        var (ca, server) = Certificates.TestCertificates.Issue(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddMonths(6));
        using (ca)
        using (server)
        using (var key = server.GetRSAPrivateKey()!)
        {
            return (ca.ExportCertificatePem(), server.ExportCertificatePem() + "\n" + ca.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem());
        }
    }

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
}
