namespace Appliance.Radius.Certificates;

/// <summary>What can be wrong with a server certificate. Stable names: the web UI and the logs show them.</summary>
public enum CertificateProblemKind
{
    /// <summary>The private key is not the one whose public half is in the certificate: TLS would fail for every client.</summary>
    KeyDoesNotMatch,

    Expired,

    NotYetValid,

    /// <summary>
    /// An Extended Key Usage without serverAuth (1.3.6.1.5.5.7.3.1): Windows refuses it for PEAP, and OpenSSL-based
    /// supplicants (Android, ChromeOS, wpa_supplicant) check the purpose too.
    /// </summary>
    NotForServerAuthentication,

    /// <summary>Expires within <see cref="CertificateChecks.ExpiryWarning"/>: a warning, the certificate still works.</summary>
    ExpiresSoon,

    /// <summary>
    /// The configured server name is not among the certificate's DNS names: Android's "Domain" and Apple's
    /// TLSTrustedServerNames check it, so those clients would refuse to join. A warning, not fatal.
    /// </summary>
    ServerNameNotInCertificate,

    /// <summary>The chain does not lead from the server certificate to its issuer (a wrong chain or CA file).</summary>
    ChainBroken,
}

/// <summary>One named problem; <see cref="IsFatal"/> ones stop the certificate from being used.</summary>
public sealed record CertificateProblem(CertificateProblemKind Kind, bool IsFatal, string Message)
{
    public override string ToString() => $"{Kind}: {Message}";
}

/// <summary>
/// A certificate or key file that cannot be used: unreadable, corrupt, or with fatal problems. The message names the
/// file and every problem, so that a technician can fix it from the log line alone.
/// </summary>
public sealed class RadiusCertificateException : Exception
{
    public RadiusCertificateException(string message)
        : base(message)
    {
    }

    public RadiusCertificateException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public RadiusCertificateException()
    {
    }

    /// <summary>The problems found, when the cause is a failed check rather than an unreadable file.</summary>
    public IReadOnlyList<CertificateProblem> Problems { get; init; } = [];
}

/// <summary>
/// Where the RADIUS server's certificate comes from. With no paths the appliance makes its own CA and server
/// certificate in DATA_DIR/radius/; with <see cref="CertificatePath"/> and <see cref="KeyPath"/> a real certificate
/// (e.g. from the LA's CA or a public CA for a real DNS name) is used instead.
/// </summary>
/// <param name="ServerName">The RADIUS server's DNS name, e.g. radius.school.internal: the certificate's SAN, Android's "Domain".</param>
/// <param name="CertificatePath">PEM: the server certificate, optionally followed by its intermediates.</param>
/// <param name="KeyPath">PEM: the server's private key (PKCS#8, or traditional RSA/EC), unencrypted.</param>
/// <param name="ChainPath">PEM: intermediates and root, when not in <paramref name="CertificatePath"/>.</param>
public sealed record RadiusCertificateOptions(string ServerName, string? CertificatePath = null, string? KeyPath = null, string? ChainPath = null)
{
    public bool UsesConfiguredCertificate => CertificatePath is not null || KeyPath is not null;
}
