using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Appliance.Radius.Certificates;

/// <summary>
/// What the web UI shows about the server certificate, and what users compare on their device: Windows shows the
/// SHA-1 thumbprint in its "Continue connecting?" details, Apple and Android the SHA-256 fingerprint.
/// </summary>
/// <param name="ServerName">The configured RADIUS server name (Android's "Domain", Apple's trusted server name).</param>
/// <param name="Server">The server certificate.</param>
/// <param name="Authority">The root users install or pin; null for a configured certificate whose chain leaves it out (a public CA).</param>
/// <param name="IsGenerated">True for the appliance's own CA; false for a configured certificate.</param>
/// <param name="Problems">Warnings (e.g. expires within 30 days); fatal problems never get this far.</param>
public sealed record CertificateTrustInfo(
    string ServerName,
    CertificateSummary Server,
    CertificateSummary? Authority,
    bool IsGenerated,
    IReadOnlyList<CertificateProblem> Problems);

/// <summary>One certificate as people read it.</summary>
public sealed record CertificateSummary(
    string Subject,
    string Issuer,
    IReadOnlyList<string> DnsNames,
    DateTimeOffset NotBefore,
    DateTimeOffset NotAfter,
    string Sha256Fingerprint,
    string Sha1Fingerprint)
{
    public static CertificateSummary Of(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return new(certificate.Subject, certificate.Issuer, CertificateChecks.DnsNames(certificate),
            new DateTimeOffset(certificate.NotBefore.ToUniversalTime()), new DateTimeOffset(certificate.NotAfter.ToUniversalTime()),
            RadiusCertificates.Fingerprint(certificate, HashAlgorithmName.SHA256), RadiusCertificates.Fingerprint(certificate, HashAlgorithmName.SHA1));
    }
}

/// <summary>
/// The server's certificate, key and chain, ready for the EAP server's TLS. The TLS engine binds OpenSSL itself, so
/// besides the <see cref="X509Certificate2"/> (with its private key) the PEM and DER bytes are here too.
/// </summary>
public sealed class RadiusCertificates : IDisposable
{
    private readonly byte[] _privateKeyPkcs8;

    internal RadiusCertificates(X509Certificate2 server, X509Certificate2Collection chain, X509Certificate2? authority, string serverName,
        bool isGenerated, IReadOnlyList<CertificateProblem> problems)
    {
        ServerCertificate = server;
        Chain = chain;
        Authority = authority;
        using var key = (AsymmetricAlgorithm?)server.GetRSAPrivateKey() ?? server.GetECDsaPrivateKey()
            ?? throw new ArgumentException("the server certificate has no private key", nameof(server));
        _privateKeyPkcs8 = key.ExportPkcs8PrivateKey();
        PrivateKeyPem = PemFiles.ExportPrivateKeyPem(key);
        TrustInfo = new CertificateTrustInfo(serverName, CertificateSummary.Of(server), authority is null ? null : CertificateSummary.Of(authority),
            isGenerated, problems);
    }

    /// <summary>The server certificate with its private key.</summary>
    public X509Certificate2 ServerCertificate { get; }

    /// <summary>The certificates sent after the server's in the TLS Certificate message: intermediates, then (if known) the root.</summary>
    public X509Certificate2Collection Chain { get; }

    /// <summary>The root that clients trust: the generated CA, or a self-signed root at the end of a configured chain.</summary>
    public X509Certificate2? Authority { get; }

    public CertificateTrustInfo TrustInfo { get; }

    public ReadOnlyMemory<byte> CertificateDer => ServerCertificate.RawData;

    /// <summary>DER of each chain certificate, in sending order.</summary>
    public IReadOnlyList<ReadOnlyMemory<byte>> ChainDer => [.. Chain.Select(c => (ReadOnlyMemory<byte>)c.RawData)];

    /// <summary>The private key as PKCS#8 DER (for OpenSSL's d2i_AutoPrivateKey). Handle with care: it is the server's identity.</summary>
    public ReadOnlySpan<byte> PrivateKeyPkcs8Der => _privateKeyPkcs8;

    /// <summary>The private key as a PKCS#8 PEM ("PRIVATE KEY").</summary>
    public string PrivateKeyPem { get; }

    public string CertificatePem => ServerCertificate.ExportCertificatePem();

    /// <summary>The server certificate followed by its chain, as server.pem holds it (what OpenSSL's use_certificate_chain_file reads).</summary>
    public string CertificateChainPem => string.Concat(new[] { ServerCertificate }.Concat(Chain).Select(c => c.ExportCertificatePem() + "\n"));

    /// <summary>Colon-separated upper-case hex of the certificate's hash, as Windows, macOS and openssl -fingerprint show it.</summary>
    public static string Fingerprint(X509Certificate2 certificate, HashAlgorithmName algorithm)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return string.Join(':', certificate.GetCertHash(algorithm).Select(b => b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture)));
    }

    public void Dispose()
    {
        CryptographicOperations.ZeroMemory(_privateKeyPkcs8);
        ServerCertificate.Dispose();
        foreach (var certificate in Chain)
        {
            certificate.Dispose();
        }
    }
}
