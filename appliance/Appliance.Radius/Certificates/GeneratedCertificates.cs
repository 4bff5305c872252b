using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Appliance.Radius.Certificates;

/// <summary>
/// The appliance's own CA and the RADIUS server certificate it signs, made with the BCL's <see cref="CertificateRequest"/>.
/// <para>
/// Key type: RSA, not ECDSA. Every EAP client we must serve (Windows 10/11 PEAP, Apple, Android 11+, ChromeOS,
/// wpa_supplicant) takes RSA with TLS 1.2's RSA and ECDHE_RSA suites; ECDSA server certificates work on the current
/// ones but are where embedded supplicants, older Android builds and some AP-side TLS offloads fall short, and a
/// failed EAP handshake shows the user nothing useful. The CA is RSA-3072 because it lives 10 years (NIST SP 800-57
/// puts RSA-2048 at "acceptable through 2030"); the server key is RSA-2048 because it is used in every handshake
/// (cheaper signing on a Raspberry Pi, fewer EAP fragments) and is replaced after 2 years.
/// </para>
/// <para>
/// Lifetimes: CA 10 years (devices that installed it keep working across server renewals); server 730 days. Apple's
/// 398-day limit applies only to certificates from its preinstalled public roots, and its 825-day limit (iOS 13 /
/// macOS 10.15, "TLS server certificates") is aimed at TLS servers; we did not find Apple applying either to EAP
/// server certificates, and 730 days stays under 825 anyway, so the question does not arise.
/// </para>
/// </summary>
public static class GeneratedCertificates
{
    public const int CaKeyBits = 3072;
    public const int ServerKeyBits = 2048;
    public static readonly TimeSpan CaLifetime = TimeSpan.FromDays(3652);
    public static readonly TimeSpan ServerLifetime = TimeSpan.FromDays(730);

    /// <summary>Certificates start an hour early so that a client whose clock is a little behind still accepts them.</summary>
    private static readonly TimeSpan ClockSkew = TimeSpan.FromHours(1);

    /// <summary>A self-signed CA for <paramref name="serverName"/>'s RADIUS server; the returned certificate holds its key.</summary>
    public static X509Certificate2 CreateAuthority(string serverName, DateTimeOffset now)
    {
        using var key = RSA.Create(CaKeyBits);

        // The name carries the server name and a random suffix: a device that has trusted several appliances' CAs
        // (a supply teacher's laptop) shows them apart.
        var subject = new X500DistinguishedName($"CN=RADIUS CA {serverName} {Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}, O=School gateway appliance");
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));   // RFC 5280 §4.2.1.9: signs end entities only
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request.CreateSelfSigned(now - ClockSkew, now + CaLifetime);
    }

    /// <summary>
    /// A server certificate for <paramref name="serverName"/> signed by <paramref name="authority"/> (which must hold
    /// its private key); the returned certificate holds the new server key.
    /// </summary>
    public static X509Certificate2 CreateServer(X509Certificate2 authority, string serverName, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(authority);
        using var key = RSA.Create(ServerKeyBits);
        var request = new CertificateRequest(new X500DistinguishedName($"CN={serverName}"), key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));

        // Microsoft's PEAP server requirements: serverAuth EKU, digitalSignature + keyEncipherment (RSA key exchange
        // in TLS 1.2), the name in the SAN as a dNSName (RFC 5280 §4.2.1.6; Android's Domain and Apple's
        // TLSTrustedServerNames match it).
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(CertificateChecks.ServerAuthOid)], false));
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(serverName);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(authority, true, false));

        var notAfter = now + ServerLifetime;
        if (notAfter > authority.NotAfter.ToUniversalTime())
        {
            notAfter = authority.NotAfter.ToUniversalTime();   // RFC 5280 §6: no validity past the issuer's
        }

        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] = (byte)((serial[0] & 0x3F) | 0x40);   // positive, no leading zero octet: a minimal DER INTEGER (RFC 5280 §4.1.2.2)
        using var signed = request.Create(authority, now - ClockSkew, notAfter, serial);
        return signed.CopyWithPrivateKey(key);
    }

    /// <summary>True when <paramref name="name"/> can be a certificate's dNSName (letters, digits, hyphens, dots).</summary>
    public static bool IsValidServerName(string? name) =>
        !string.IsNullOrWhiteSpace(name) && name.Length <= 253 && Uri.CheckHostName(name) == UriHostNameType.Dns && !name.EndsWith('.');
}
