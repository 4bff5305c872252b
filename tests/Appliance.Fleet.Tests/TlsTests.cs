using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Appliance.Fleet.Mqtt;
using Appliance.Fleet.Outbox;
using Appliance.TestSupport;
using LaFleet.Ingest;
using Microsoft.Extensions.Logging.Abstractions;

namespace Appliance.Fleet.Tests;

/// <summary>The link over TLS with mutual authentication against Mosquitto: the broker takes each side's identity from its certificate.</summary>
public sealed class TlsTests : IDisposable
{
    private const string Box = "apl-0001";
    private readonly string _dir = Directory.CreateTempSubdirectory("fleet-tls-").FullName;
    private readonly Mosquitto _broker;

    public TlsTests()
    {
        using var ca = Ca("Test LA CA");
        WritePem(ca, "ca");
        Issue(ca, "broker", server: true);
        Issue(ca, Box);
        Issue(ca, "la-ingest");
        using var other = Ca("Some other CA");
        WritePem(other, "other-ca");
        Issue(other, "apl-rogue");
        _broker = new Mosquitto([Box], (File("broker.pem"), File("broker.key"), File("ca.pem")));
    }

    public void Dispose()
    {
        _broker.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private string File(string name) => Path.Combine(_dir, name);

    private static X509Certificate2 Ca(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
    }

    private void Issue(X509Certificate2 ca, string name, bool server = false)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(server ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2")], false));
        if (server)
        {
            var san = new SubjectAlternativeNameBuilder();
            san.AddIpAddress(IPAddress.Loopback);
            request.CertificateExtensions.Add(san.Build());
        }

        using var certificate = request.Create(ca, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(10), RandomNumberGenerator.GetBytes(8));
        System.IO.File.WriteAllText(File(name + ".pem"), certificate.ExportCertificatePem());
        System.IO.File.WriteAllText(File(name + ".key"), key.ExportPkcs8PrivateKeyPem());
    }

    private void WritePem(X509Certificate2 ca, string name) => System.IO.File.WriteAllText(File(name + ".pem"), ca.ExportCertificatePem());

    private FleetOptions Link(string certName, string caName, string appliance = Box) => new()
    {
        Host = "127.0.0.1", Port = _broker.Port, UseTls = true, CaFile = File(caName + ".pem"),
        ClientCertificateFile = File(certName + ".pem"), ClientKeyFile = File(certName + ".key"),
        Topics = new FleetTopics(Mosquitto.La, "SCH1", appliance), BackoffMin = TimeSpan.FromMilliseconds(100), BackoffMax = TimeSpan.FromSeconds(1),
        ResendAfter = TimeSpan.FromSeconds(3),   // a chunk sent before the ingest had subscribed goes again soon
    };

    [Fact]
    public async Task Records_flow_over_mutual_TLS_with_identities_from_the_certificates()
    {
        using var outbox = OutboxStore.Open(File("outbox.db"));
        using var store = new SqliteIngestStore(File("la.db"));
        using var stop = new CancellationTokenSource();
        await using var ingest = new IngestService(new IngestOptions
        {
            Host = "127.0.0.1", Port = _broker.Port, La = Mosquitto.La, UseTls = true, CaFile = File("ca.pem"),
            CertFile = File("la-ingest.pem"), KeyFile = File("la-ingest.key"), AckEvery = TimeSpan.FromMilliseconds(300),
        }, store, TimeProvider.System, NullLogger.Instance);
        var ingestRun = ingest.RunAsync(stop.Token);
        await Eventually.True(() => ingest.IsConnected, TimeSpan.FromSeconds(10), () => _broker.Log);
        // The user name the box sends is ignored: the broker takes the identity (and so the %u ACL) from the certificate's CN.
        await using var link = new FleetLink(Link(Box, "ca") with { Username = "not-the-identity" }, outbox, TimeProvider.System, NullLogger.Instance);
        var linkRun = link.RunAsync(stop.Token);

        outbox.Append(Streams.Block, OutboxTests.Records(1_000, "block"));
        await Eventually.True(() => outbox.Backlog().All(b => b.AckedSeq == b.LastSeq), TimeSpan.FromSeconds(30),
            () => $"link: {link.LastProblem}; ingest connected {ingest.IsConnected}; {_broker.Log}");
        Assert.Equal(1_000, store.Records(Box, Streams.Block, outbox.Epoch).Count);

        await stop.CancelAsync();
        await Task.WhenAll(ingestRun, linkRun);
    }

    [Fact]
    public async Task A_broker_certificate_from_another_CA_is_refused_and_so_is_a_client_certificate_from_one()
    {
        using var outbox = OutboxStore.Open(File("outbox.db"));
        using var stop = new CancellationTokenSource();

        // The box trusts only its LA's CA: a broker with a certificate from any other CA is not the LA's broker.
        await using var distrustful = new FleetLink(Link(Box, "other-ca"), outbox, TimeProvider.System, NullLogger.Instance);
        var run1 = distrustful.RunAsync(stop.Token);
        // A certificate the LA's CA did not sign gets no session at the broker.
        await using var rogue = new FleetLink(Link("apl-rogue", "ca", "apl-rogue"), outbox, TimeProvider.System, NullLogger.Instance);
        var run2 = rogue.RunAsync(stop.Token);

        await Eventually.True(() => distrustful.LastProblem is not null && rogue.LastProblem is not null, TimeSpan.FromSeconds(20), () => "no failure seen");
        await Task.Delay(500);
        Assert.False(distrustful.IsConnected);
        Assert.False(rogue.IsConnected);
        Assert.Equal(0, distrustful.Connects + rogue.Connects);

        await stop.CancelAsync();
        await Task.WhenAll(run1, run2);
    }
}
