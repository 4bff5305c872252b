using System.Text.Json.Serialization;
using Appliance.Core.Events;
using Appliance.Dns;

namespace Appliance.Host.Hosting;

public sealed record UpstreamHealth(string Upstream, bool Healthy, long SmoothedRttMicros, long Answers, long Failures, long SocketRotations, string? LastStreamError);

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
    long ManagedAllocatedBytes,
    IReadOnlyList<UpstreamHealth> Upstreams);

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
        app.MapGet("/api/health", (DnsService dns, EventRing<QueryEvent> ring, EventDrainService drain) =>
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
                GC.GetTotalAllocatedBytes(precise: false),
                upstreams);
            return Results.Json(report, HealthJsonContext.Default.HealthReport);
        });
    }
}
