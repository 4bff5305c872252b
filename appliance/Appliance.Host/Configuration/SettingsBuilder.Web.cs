namespace Appliance.Host.Configuration;

/// <summary>The web section's HTTPS part.</summary>
public sealed partial class SettingsBuilder
{
    private WebHttpsSettings? WebHttps(WebHttpsConfig? config, bool radius)
    {
        if (config is null)
        {
            return null;
        }

        if (config.Listen is null)
        {
            Error("web.https.listen", "is missing; expected ADDR:PORT such as 0.0.0.0:443");
            return null;
        }

        if (!EndpointText.TryParse(config.Listen, out var listen, out var problem, allowPortZero: true))
        {
            Error("web.https.listen", problem);
            return null;
        }

        if ((config.CertificateFile is null) != (config.KeyFile is null))
        {
            Error(config.CertificateFile is null ? "web.https.certificateFile" : "web.https.keyFile", "is needed with the other: a certificate needs both its file and its key");
        }
        else if (config.CertificateFile is null && !radius)
        {
            Error("web.https.certificateFile", "is missing: give the certificate and key files, or turn RADIUS on so the box's own certificate is used");
        }

        foreach (var (field, path) in new[] { ("web.https.certificateFile", config.CertificateFile), ("web.https.keyFile", config.KeyFile) })
        {
            if (path is not null && !File.Exists(path))
            {
                Error(field, $"'{path}' does not exist");
            }
        }

        return new WebHttpsSettings(listen, config.CertificateFile, config.KeyFile);
    }
}
