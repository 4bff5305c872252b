using System.Text.Json.Serialization;
using Appliance.Core.Events;
using Appliance.Dns;

namespace Appliance.Host.Hosting;

public sealed record UpstreamHealth(string Upstream, bool Healthy, long SmoothedRttMicros, long Answers, long Failures, long SocketRotations, string? LastStreamError);

public sealed record ListHealth(string Source, string Outcome, string Detail, int Names, DateTimeOffset? LastGood, string? Sha256);

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
    IReadOnlyList<ListHealth> Lists);

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
        app.MapGet("/api/health", (DnsService dns, EventRing<QueryEvent> ring, EventDrainService drain, ListRefreshService lists,
            Appliance.Core.Policy.PolicyEngine policy) =>
        {
            var server = dns.Server;
            var upstreams = server.Forwarder.Servers
                .Select(u => new UpstreamHealth(u.ToString(), u.IsHealthy, u.SmoothedRttMicros, u.Answers, u.Failures, u.Rotations, u.Stream.LastError))
                .ToList();
            var report = new HealthReport(
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
                policy.Snapshot.Version,
                lists.Reloads,
                lists.Statuses.Select(s => new ListHealth(s.Source, s.Outcome.ToString().ToLowerInvariant(), s.Detail, s.Names, s.LastGood, s.Sha256)).ToList());
            return Results.Json(report, HealthJsonContext.Default.HealthReport);
        });
    }
}
