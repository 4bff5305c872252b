using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Appliance.Host.Configuration;
using Appliance.Radius.Certificates;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Appliance.Host.Hosting;

/// <summary>
/// The web UI's HTTPS listener and its certificate: the configured PEM files, or else the box's own RADIUS server
/// certificate (issued by the box's CA for its server name — the CA that devices joining the Wi-Fi already trust).
/// </summary>
public static class WebCertificate
{
    /// <summary>Reads the certificate now (a bad one stops the start with its reason), for <see cref="Listen"/>.</summary>
    /// <exception cref="ConfigException">The certificate or key cannot be read or do not belong together.</exception>
    public static (X509Certificate2 Certificate, X509Certificate2Collection Chain)? Load(ApplianceSettings settings, TimeProvider time) =>
        settings.WebHttps is { } https ? Load(settings, https, time) : null;

    /// <summary>Adds the HTTPS listener when configured.</summary>
    public static void Listen(KestrelServerOptions kestrel, ApplianceSettings settings, (X509Certificate2 Certificate, X509Certificate2Collection Chain)? loaded)
    {
        if (settings.WebHttps is { } https && loaded is var (certificate, chain))
        {
            kestrel.Listen(https.Listen, listen => listen.UseHttps(options =>
            {
                options.ServerCertificate = certificate;
                options.ServerCertificateChain = chain;
            }));
        }
    }

    private static (X509Certificate2 Certificate, X509Certificate2Collection Chain) Load(ApplianceSettings settings, WebHttpsSettings https, TimeProvider time)
    {
        try
        {
            if (https.CertificateFile is { } certificateFile && https.KeyFile is { } keyFile)
            {
                var chain = new X509Certificate2Collection();
                chain.ImportFromPemFile(certificateFile);
                return (X509Certificate2.CreateFromPemFile(certificateFile, keyFile), new X509Certificate2Collection(chain.Skip(1).ToArray()));
            }

            var box = RadiusCertificateStore.LoadOrCreate(settings.DataDir, settings.Radius.Certificate, time);
            return (box.ServerCertificate, box.Chain);
        }
        catch (Exception ex) when (ex is CryptographicException or IOException or RadiusCertificateException or ArgumentException)
        {
            throw new ConfigException($"web.https: cannot use the certificate: {ex.Message}", ex);
        }
    }
}
