using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Appliance.Radius.Certificates;

/// <summary>
/// Finds the RADIUS server's certificate at start-up. A configured certificate and key win; otherwise the appliance's
/// own, kept in DATA_DIR/radius/ (mode 0700):
/// <code>
///   ca.pem      the CA certificate users install or pin            0644
///   ca.key      the CA's key (PKCS#8), to issue the next server    0600
///   server.pem  the server certificate, then ca.pem (the chain)    0644
///   server.key  the server's key (PKCS#8)                          0600
/// </code>
/// First run: none exist, all four are made. Later runs load them. If only the CA exists (a run stopped half-way, or
/// server.* removed to renew), a new server certificate is issued by it. Existing files are never overwritten; any
/// other combination, a corrupt file or a fatal problem is an error that names the file.
/// </summary>
public static class RadiusCertificateStore
{
    public const string DirectoryName = "radius";
    public const string CaCertificateFile = "ca.pem";
    public const string CaKeyFile = "ca.key";
    public const string ServerCertificateFile = "server.pem";
    public const string ServerKeyFile = "server.key";

    /// <exception cref="RadiusCertificateException">A file is unreadable, corrupt or missing, or the certificate has a fatal problem.</exception>
    public static RadiusCertificates LoadOrCreate(string dataDirectory, RadiusCertificateOptions options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        if (!GeneratedCertificates.IsValidServerName(options.ServerName))
        {
            throw new RadiusCertificateException($"radius server name '{options.ServerName}' is not a DNS name (e.g. radius.school.internal)");
        }

        return options.UsesConfiguredCertificate
            ? LoadConfigured(options, time.GetUtcNow())
            : LoadOrCreateGenerated(Path.Combine(dataDirectory, DirectoryName), options.ServerName, time.GetUtcNow());
    }

    private static RadiusCertificates LoadConfigured(RadiusCertificateOptions options, DateTimeOffset now)
    {
        if (options.CertificatePath is null || options.KeyPath is null)
        {
            throw new RadiusCertificateException("radius certificate: both the certificate and the key path must be set (or neither)");
        }

        var certificates = PemFiles.ReadCertificates(options.CertificatePath);
        var server = certificates[0];
        var chain = new X509Certificate2Collection();
        chain.AddRange(certificates.Skip(1).ToArray());
        if (options.ChainPath is not null)
        {
            chain.AddRange(PemFiles.ReadCertificates(options.ChainPath));
        }

        using var key = PemFiles.ReadPrivateKey(options.KeyPath);
        var problems = CertificateChecks.Check(server, chain, key.ExportSubjectPublicKeyInfo(), options.ServerName, now);
        ThrowIfFatal(options.CertificatePath, problems);
        var root = chain.FirstOrDefault(c => c.SubjectName.RawData.AsSpan().SequenceEqual(c.IssuerName.RawData));
        return new RadiusCertificates(WithKey(server, key), chain, root, options.ServerName, isGenerated: false, problems);
    }

    private static RadiusCertificates LoadOrCreateGenerated(string directory, string serverName, DateTimeOffset now)
    {
        PemFiles.EnsurePrivateDirectory(directory);
        var caPem = Path.Combine(directory, CaCertificateFile);
        var caKey = Path.Combine(directory, CaKeyFile);
        var serverPem = Path.Combine(directory, ServerCertificateFile);
        var serverKey = Path.Combine(directory, ServerKeyFile);
        var present = new[] { caPem, caKey, serverPem, serverKey }.Select(File.Exists).ToArray();

        if (present.All(p => !p))
        {
            using var created = GeneratedCertificates.CreateAuthority(serverName, now);
            using var createdKey = created.GetRSAPrivateKey()!;
            PemFiles.WriteNew(caKey, PemFiles.ExportPrivateKeyPem(createdKey), isPrivate: true);
            PemFiles.WriteNew(caPem, created.ExportCertificatePem() + "\n", isPrivate: false);   // ca.pem last: its presence means the CA is complete
        }
        else if (!present[0] || !present[1])
        {
            throw Missing(directory, present);
        }

        var authority = PemFiles.ReadCertificates(caPem)[0];
        if (!present[2] && !present[3])
        {
            using var caPrivateKey = PemFiles.ReadPrivateKey(caKey);
            using var signer = WithKey(authority, caPrivateKey);
            using var issued = GeneratedCertificates.CreateServer(signer, serverName, now);
            using var issuedKey = issued.GetRSAPrivateKey()!;
            PemFiles.WriteNew(serverKey, PemFiles.ExportPrivateKeyPem(issuedKey), isPrivate: true);
            PemFiles.WriteNew(serverPem, issued.ExportCertificatePem() + "\n" + authority.ExportCertificatePem() + "\n", isPrivate: false);
        }
        else if (!present[2] || !present[3])
        {
            throw Missing(directory, present);
        }

        var certificates = PemFiles.ReadCertificates(serverPem);
        using var key = PemFiles.ReadPrivateKey(serverKey);
        var chain = new X509Certificate2Collection(authority);
        var problems = CertificateChecks.Check(certificates[0], chain, key.ExportSubjectPublicKeyInfo(), serverName, now);
        ThrowIfFatal(serverPem, problems);
        return new RadiusCertificates(WithKey(certificates[0], key), chain, authority, serverName, isGenerated: true, problems);
    }

    private static X509Certificate2 WithKey(X509Certificate2 certificate, AsymmetricAlgorithm key) => key switch
    {
        RSA rsa => certificate.CopyWithPrivateKey(rsa),
        ECDsa ecdsa => certificate.CopyWithPrivateKey(ecdsa),
        _ => throw new RadiusCertificateException($"{key.GetType().Name} keys are not supported"),
    };

    private static void ThrowIfFatal(string path, IReadOnlyList<CertificateProblem> problems)
    {
        var fatal = problems.Where(p => p.IsFatal).ToList();
        if (fatal.Count > 0)
        {
            throw new RadiusCertificateException($"{path}: {string.Join("; ", fatal)}") { Problems = problems };
        }
    }

    private static RadiusCertificateException Missing(string directory, bool[] present)
    {
        var names = new[] { CaCertificateFile, CaKeyFile, ServerCertificateFile, ServerKeyFile };
        var missing = names.Where((_, i) => !present[i]);
        return new RadiusCertificateException(
            $"{directory}: {string.Join(", ", missing)} missing while {string.Join(", ", names.Where((_, i) => present[i]))} exist; "
            + "restore them from a backup, or move the whole directory away to start over with a new CA (devices must then trust it again)");
    }
}
