using Appliance.WebUI.Pages;

namespace Appliance.Host.Hosting;

/// <summary>The web UI dashboard's figures, read from the same report as <c>/api/health</c>.</summary>
public sealed class HealthDashboard(IServiceProvider services) : IDashboardSource
{
    public DashboardFacts Read()
    {
        var health = HealthEndpoints.Build(services);
        return new DashboardFacts(
            health.Version,
            health.Status,
            health.Counters.Queries,
            health.Counters.Blocked,
            [.. health.Upstreams.Select(u => (u.Upstream, u.Healthy))],
            [.. health.Lists.Select(l => (l.Source, l.Outcome, l.LastGood))],
            health.Fleet is { } fleet ? $"{fleet.Broker}: {(fleet.Connected ? "connected" : "not connected" + (fleet.LastProblem is { } p ? $" ({p})" : ""))}" : null,
            health.Fleet?.Streams.Sum(s => s.Pending),
            health.Radius is { } radius ? $"{radius.Accepts} logins accepted, {radius.Rejects} refused; certificate SHA-256 {radius.CertificateSha256}" : null);
    }
}
