using System.Text.Json.Serialization;
using Appliance.Core.Events;
using Appliance.Dns;

namespace Appliance.Host.Hosting;

public sealed record UpstreamHealth(string Upstream, bool Healthy, long SmoothedRttMicros, long Answers, long Failures, long SocketRotations, string? LastStreamError);

public sealed record ListHealth(string Source, string Outcome, string Detail, int Names, DateTimeOffset? LastGood, string? Sha256);

/// <summary>The LA link: up or why not, what the broker took, and per stream what still waits for the LA's acknowledgement.</summary>
public sealed record FleetHealth(string Broker, bool Connected, string? LastProblem, long Connects, int Window, long Published, long Epoch,
    long OutboxBytes, long Dropped, long NotQueued, IReadOnlyList<Appliance.Fleet.Outbox.StreamBacklog> Streams);

/// <summary>DSL alerts: raised and held back by the rate limit since start, not stored (full disk), and whether e-mail works.</summary>
public sealed record AlertHealth(long Raised, long Suppressed, long NotStored, bool Email, string? EmailProblem);

/// <summary>What the settings came from: the file (or the local default), its hash with the LA's settings, and whether those are in use.</summary>
public sealed record ConfigHealth(string Source, string Sha256, bool LaSettings, string? LaProblem);

public sealed record HealthReport(
    string Version,
    string Status,
    IReadOnlyList<string> DnsEndPoints,
    string UdpEngine,
    DnsCountersSnapshot Counters,
    int CacheEntries,
    long CacheBytes,
    int InFlight,
    long EventsWritten,
    long EventsDropped,
    long EventsDrained,
    long EventsNotStored,
    long ManagedAllocatedBytes,
    IReadOnlyList<UpstreamHealth> Upstreams,
    long PolicyVersion,
    long ListReloads,
    IReadOnlyList<ListHealth> Lists,
    AlertHealth Alerts,
    FleetHealth? Fleet,
    ConfigHealth Config,
    PacketFilterReport? PacketFilter,
    RadiusReport? Radius);

/// <summary>
/// The RADIUS server (null when it is off): requests and outcomes since start, EAP conversations in progress and
/// refused, accounting sessions known, and the certificate clients are told to trust.
/// </summary>
public sealed record RadiusReport(
    long Requests, long Accepts, long Rejects, long Challenges, long Accounting, long UnknownClient, long MissingMessageAuthenticator,
    long BadAuthenticator, long Malformed, long Duplicates, long Overloaded, long Failed, long UnverifiedAccounting, int EapConversations, long EapRefused, long EapExpired,
    int Sessions, string CertificateSha256, string CertificateSha1, DateTimeOffset CertificateNotAfter, IReadOnlyList<string> CertificateProblems);

/// <summary>The packet filter (null when it is off): what its workers did, and the kernel's own counters for our queues.</summary>
public sealed record PacketFilterReport(Appliance.PacketFilter.PacketFilterHealth Filter, IReadOnlyList<Appliance.PacketFilter.Firewall.QueueCounters> Kernel);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(HealthReport))]
internal sealed partial class HealthJsonContext : JsonSerializerContext;

/// <summary>
/// The JSON health endpoint on the web listener: what the dashboard, scripts and tests read. The web UI
/// issue adds the pages; this stays as the machine-readable view.
/// </summary>
public static class HealthEndpoints
{
    public static void Map(WebApplication app)
    {
        app.MapGet("/api/health", (IServiceProvider services) => Results.Json(Build(services), HealthJsonContext.Default.HealthReport)).AllowAnonymous();
    }

    /// <summary>The report the endpoint serves; the fleet service also sends it to the LA in the health stream.</summary>
    public static HealthReport Build(IServiceProvider services)
    {
        var server = services.GetRequiredService<DnsService>().Server;
        var ring = services.GetRequiredService<EventRing<QueryEvent>>();
        var drain = services.GetRequiredService<EventDrainService>();
        var lists = services.GetRequiredService<ListRefreshService>();
        var alerts = services.GetRequiredService<AlertService>();
        var upstreams = server.Forwarder.Servers
            .Select(u => new UpstreamHealth(u.ToString(), u.IsHealthy, u.SmoothedRttMicros, u.Answers, u.Failures, u.Rotations, u.Stream.LastError))
            .ToList();
        return new HealthReport(
            Program.Version,
            upstreams.Any(u => u.Healthy) ? "ok" : "degraded",
            server.EndPoints.Select(e => e.ToString()).ToList(),
            server.Engine.ToString().ToLowerInvariant(),
            server.Counters.Snapshot(),
            server.Cache.Count,
            server.Cache.Bytes,
            server.Forwarder.InFlight,
            ring.Written,
            ring.Dropped,
            drain.Drained,
            drain.NotStored,
            GC.GetTotalAllocatedBytes(precise: false),
            upstreams,
            services.GetRequiredService<Appliance.Core.Policy.PolicyEngine>().Snapshot.Version,
            lists.Reloads,
            lists.Statuses.Select(s => new ListHealth(s.Source, s.Outcome.ToString().ToLowerInvariant(), s.Detail, s.Names, s.LastGood, s.Sha256)).ToList(),
            new AlertHealth(alerts.Raised, alerts.Suppressed, alerts.NotStored, alerts.MailEnabled, alerts.MailProblem),
            services.GetService<FleetService>() is { } fleet ? Fleet(fleet) : null,
            Config(services.GetRequiredService<Configuration.ApplianceSettings>()),
            services.GetService<PacketFilterService>()?.Health() is { } filter ? new PacketFilterReport(filter, KernelQueues()) : null,
            services.GetService<RadiusService>() is { Server: { } radius } service ? Radius(service, radius) : null);
    }

    private static RadiusReport Radius(RadiusService service, Appliance.Radius.Server.RadiusServer server)
    {
        var c = server.Counters;
        var certificate = service.Certificate!;
        return new RadiusReport(c.Requests, c.Accepts, c.Rejects, c.Challenges, c.Accounting, c.UnknownClient, c.MissingMessageAuthenticator,
            c.BadAuthenticator, c.Malformed, c.Duplicates, c.Overloaded, c.Failed, c.UnverifiedAccounting, service.Eap?.Conversations ?? 0, service.Eap?.Refused ?? 0,
            service.Eap?.Expired ?? 0, service.Identities.Sessions, certificate.Server.Sha256Fingerprint, certificate.Server.Sha1Fingerprint,
            certificate.Server.NotAfter, certificate.Problems.Select(p => p.Message).ToList());
    }

    // The kernel's view of our queues (waiting, dropped because full, dropped because we were slow). Absent without netfilter.
    private static IReadOnlyList<Appliance.PacketFilter.Firewall.QueueCounters> KernelQueues()
    {
        try
        {
            return Appliance.PacketFilter.Firewall.QueueCounters.Read();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or InvalidDataException)
        {
            return [];
        }
    }

    private static ConfigHealth Config(Configuration.ApplianceSettings settings)
        => new(settings.ConfigSource, settings.ConfigSha256, settings.LaConfigApplied, settings.LaConfigProblem);

    private static FleetHealth Fleet(FleetService fleet) => new(
        $"{fleet.Options.Host}:{fleet.Options.Port}", fleet.Link.IsConnected, fleet.Link.LastProblem, fleet.Link.Connects, fleet.Link.Window,
        fleet.Link.Published, fleet.Outbox.Epoch, fleet.Outbox.StoredBytes, fleet.Outbox.Dropped, fleet.NotQueued, fleet.Outbox.Backlog());
}
