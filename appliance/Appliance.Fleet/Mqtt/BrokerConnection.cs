using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using MQTTnet;
using MQTTnet.Formatter;

namespace Appliance.Fleet.Mqtt;

/// <summary>
/// The MQTT 5 connect options both ends use (the box's link and the LA's tools): a persistent session with an
/// expiry, keep-alive, and TLS that trusts exactly the configured CA, with an optional client certificate.
/// </summary>
public static class BrokerConnection
{
    public static MqttClientOptionsBuilder Options(string host, int port, string clientId, string? username, string? password,
        TimeSpan sessionExpiry, TimeSpan keepAlive, bool useTls, string? caFile, string? certFile, string? keyFile)
    {
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(host, port)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithClientId(clientId)
            .WithCleanStart(false)
            .WithSessionExpiryInterval((uint)sessionExpiry.TotalSeconds)
            .WithKeepAlivePeriod(keepAlive)
            .WithTimeout(TimeSpan.FromSeconds(15));
        if (username is not null)
        {
            builder.WithCredentials(username, password ?? "");
        }

        if (useTls)
        {
            builder.WithTlsOptions(tls => Tls(tls, host, caFile, certFile, keyFile));
        }

        return builder;
    }

    private static void Tls(MqttClientTlsOptionsBuilder tls, string host, string? caFile, string? certFile, string? keyFile)
    {
        tls.UseTls().WithTargetHost(host);
        if (caFile is not null)
        {
            var ca = X509CertificateLoader.LoadCertificateFromFile(caFile);
            // Only this CA: a school box must not trust whatever public CA a man in the middle can get a certificate from.
            tls.WithCertificateValidationHandler(e => Validate(e.Certificate, e.SslPolicyErrors, ca));
        }

        if (certFile is not null)
        {
            tls.WithClientCertificates([X509Certificate2.CreateFromPemFile(certFile, keyFile)]);
        }
    }

    private static bool Validate(System.Security.Cryptography.X509Certificates.X509Certificate? presented, SslPolicyErrors errors, X509Certificate2 ca)
    {
        if (presented is null || (errors & (SslPolicyErrors.RemoteCertificateNotAvailable | SslPolicyErrors.RemoteCertificateNameMismatch)) != 0)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var certificate = new X509Certificate2(presented);
        return chain.Build(certificate);
    }
}
