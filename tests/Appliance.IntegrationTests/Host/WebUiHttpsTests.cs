using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Appliance.IntegrationTests.Peers;

namespace Appliance.IntegrationTests.Host;

/// <summary>
/// The web UI over HTTPS with a configured certificate, over real TLS: the box presents that certificate, plain HTTP is
/// sent to HTTPS (the health report stays on HTTP for scripts), and the session cookie is <c>__Host-</c>, Secure.
/// </summary>
public sealed class WebUiHttpsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("webui-https-").FullName;

    [Fact]
    public async Task The_configured_certificate_is_served_http_is_sent_to_https_and_the_session_cookie_is_host_only_and_secure()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=gateway.school.internal", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(30));
        var certificateFile = Path.Combine(_dir, "web.pem");
        var keyFile = Path.Combine(_dir, "web.key");
        await File.WriteAllTextAsync(certificateFile, certificate.ExportCertificatePem());
        await File.WriteAllTextAsync(keyFile, key.ExportPkcs8PrivateKeyPem());
        var httpsPort = Processes.FreePort();
        var config = Path.Combine(_dir, "appliance.json");
        await File.WriteAllTextAsync(config, $$"""
            { "web": { "https": { "listen": "127.0.0.1:{{httpsPort}}", "certificateFile": "{{certificateFile}}", "keyFile": "{{keyFile}}" } } }
            """);
        using var appliance = await ApplianceProcess.StartAsync(["--config", config]);

        X509Certificate2? presented = null;
        var cookies = new CookieContainer();
        using var https = new HttpClient(new HttpClientHandler
        {
            CookieContainer = cookies,
            ServerCertificateCustomValidationCallback = (_, cert, _, _) =>
            {
                presented = cert is null ? null : X509CertificateLoader.LoadCertificate(cert.RawData);
                return cert?.Thumbprint == certificate.Thumbprint;   // pinned: exactly the configured certificate
            },
        });
        var setup = await https.GetStringAsync($"https://127.0.0.1:{httpsPort}/setup");
        Assert.Contains("Set up the appliance", setup, StringComparison.Ordinal);
        Assert.Equal(certificate.Thumbprint, presented?.Thumbprint);

        using var plain = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        var redirect = await plain.GetAsync($"http://127.0.0.1:{appliance.WebPort}/login?ReturnUrl=%2Faccounts");
        Assert.Equal(HttpStatusCode.PermanentRedirect, redirect.StatusCode);
        Assert.Equal($"https://127.0.0.1:{httpsPort}/login?ReturnUrl=%2Faccounts", redirect.Headers.Location!.ToString());
        Assert.Equal(HttpStatusCode.OK, (await plain.GetAsync($"http://127.0.0.1:{appliance.WebPort}/api/health")).StatusCode);

        var token = WebSession.TokenRegex().Match(setup).Groups[1].Value;
        var signedIn = await https.PostAsync($"https://127.0.0.1:{httpsPort}/setup", WebSession.Form(
            ("code", WebSession.SetupCode(appliance)), ("name", "tech"), ("password", WebSession.TechnicianPassword), ("__af", token)));
        Assert.Contains("<h1>Dashboard</h1>", await signedIn.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var session = cookies.GetAllCookies().Single(c => c.Name.Contains("appliance.session", StringComparison.Ordinal));
        Assert.Equal("__Host-appliance.session", session.Name);
        Assert.True(session is { Secure: true, HttpOnly: true, Path: "/" });
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
