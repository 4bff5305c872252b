using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Appliance.Radius.Certificates;

/// <summary>
/// The checks a server certificate must pass before the EAP server presents it (the generated one and a configured
/// real one alike). Each finding is a named <see cref="CertificateProblem"/>; fatal ones stop it being used.
/// </summary>
public static class CertificateChecks
{
    /// <summary>How early an expiry is warned about: enough time to renew and to re-provision devices that pin it.</summary>
    public static readonly TimeSpan ExpiryWarning = TimeSpan.FromDays(30);

    /// <summary>id-kp-serverAuth (RFC 5280 §4.2.1.12).</summary>
    public const string ServerAuthOid = "1.3.6.1.5.5.7.3.1";

    /// <summary>anyExtendedKeyUsage (RFC 5280 §4.2.1.12): allows every purpose.</summary>
    private const string AnyExtendedKeyUsageOid = "2.5.29.37.0";

    /// <param name="certificate">The server certificate.</param>
    /// <param name="issuers">Its intermediates and (optionally) root, as they will be sent and trusted.</param>
    /// <param name="publicKeyOfPrivateKey">The SubjectPublicKeyInfo of the private key to be used with it.</param>
    /// <param name="serverName">The configured RADIUS server name, expected among its DNS names.</param>
    /// <param name="now">The time to judge validity at.</param>
    public static IReadOnlyList<CertificateProblem> Check(X509Certificate2 certificate, X509Certificate2Collection issuers,
        ReadOnlySpan<byte> publicKeyOfPrivateKey, string serverName, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        ArgumentNullException.ThrowIfNull(issuers);
        var problems = new List<CertificateProblem>();
        if (!publicKeyOfPrivateKey.SequenceEqual(certificate.PublicKey.ExportSubjectPublicKeyInfo()))
        {
            problems.Add(new(CertificateProblemKind.KeyDoesNotMatch, true,
                $"the private key does not belong to the certificate '{certificate.Subject}'"));
        }

        var notBefore = new DateTimeOffset(certificate.NotBefore.ToUniversalTime());
        var notAfter = new DateTimeOffset(certificate.NotAfter.ToUniversalTime());
        if (now >= notAfter)
        {
            problems.Add(new(CertificateProblemKind.Expired, true, $"expired on {notAfter:yyyy-MM-dd HH:mm} UTC"));
        }
        else if (now < notBefore)
        {
            problems.Add(new(CertificateProblemKind.NotYetValid, true, $"not valid before {notBefore:yyyy-MM-dd HH:mm} UTC (is the clock right?)"));
        }
        else if (notAfter - now < ExpiryWarning)
        {
            problems.Add(new(CertificateProblemKind.ExpiresSoon, false,
                $"expires on {notAfter:yyyy-MM-dd} UTC, in {(int)(notAfter - now).TotalDays} days: renew it and update devices that pin it"));
        }

        if (certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().FirstOrDefault() is { } eku
            && !eku.EnhancedKeyUsages.Cast<Oid>().Any(o => o.Value is ServerAuthOid or AnyExtendedKeyUsageOid))
        {
            var usages = string.Join(", ", eku.EnhancedKeyUsages.Cast<Oid>().Select(o => o.FriendlyName ?? o.Value));
            problems.Add(new(CertificateProblemKind.NotForServerAuthentication, true,
                $"its Extended Key Usage ({usages}) lacks serverAuth ({ServerAuthOid}); Windows refuses it for PEAP"));
        }

        if (!DnsNames(certificate).Contains(serverName, StringComparer.OrdinalIgnoreCase))
        {
            problems.Add(new(CertificateProblemKind.ServerNameNotInCertificate, false,
                $"'{serverName}' is not among its DNS names ({string.Join(", ", DnsNames(certificate))}): Android's Domain check and Apple profiles will refuse it"));
        }

        if (issuers.Count > 0 && ChainProblem(certificate, issuers, now) is { } broken)
        {
            problems.Add(new(CertificateProblemKind.ChainBroken, true, broken));
        }

        return problems;
    }

    /// <summary>The subjectAltName dNSName entries (RFC 5280 §4.2.1.6); the CN only when there is no SAN extension.</summary>
    public static IReadOnlyList<string> DnsNames(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        var san = certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().FirstOrDefault();
        if (san is not null)
        {
            return [.. san.EnumerateDnsNames()];
        }

        var cn = certificate.GetNameInfo(X509NameType.DnsName, forIssuer: false);
        return string.IsNullOrEmpty(cn) ? [] : [cn];
    }

    // Builds the chain against the given issuers only (self-signed ones as roots): a chain file with the wrong CA, or
    // an intermediate that did not sign the certificate, is found here rather than by every client at connect time.
    private static string? ChainProblem(X509Certificate2 certificate, X509Certificate2Collection issuers, DateTimeOffset now)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;   // a private CA publishes no CRL; the check must not go online
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.VerificationTime = now.UtcDateTime;
        chain.ChainPolicy.VerificationFlags = X509VerificationFlags.AllowUnknownCertificateAuthority   // a public CA's root may be left out
            | X509VerificationFlags.IgnoreNotTimeValid;                                            // expiry is reported above, by name
        foreach (var issuer in issuers)
        {
            (issuer.SubjectName.RawData.AsSpan().SequenceEqual(issuer.IssuerName.RawData) ? chain.ChainPolicy.CustomTrustStore : chain.ChainPolicy.ExtraStore).Add(issuer);
        }

        chain.Build(certificate);
        var bad = chain.ChainStatus.Where(s => s.Status is not (X509ChainStatusFlags.NoError or X509ChainStatusFlags.PartialChain
            or X509ChainStatusFlags.UntrustedRoot or X509ChainStatusFlags.NotTimeValid)).ToList();
        if (bad.Count > 0)
        {
            return "the chain does not verify: " + string.Join("; ", bad.Select(s => s.StatusInformation.Trim()));
        }

        return chain.ChainElements.Count < 2 || !issuers.Contains(chain.ChainElements[1].Certificate)
            ? $"none of the chain's certificates issued '{certificate.Subject}' (issuer '{certificate.Issuer}')"
            : null;
    }
}
