using Appliance.WebUI.Dashboard;
using Appliance.WebUI.Pages;

namespace Appliance.Host.Hosting;

/// <summary>The web UI dashboard's figures, read from the same report as <c>/api/health</c>.</summary>
public sealed class HealthDashboard(IServiceProvider services, TimeProvider time) : IDashboardSource
{
    private readonly RateMeter _rates = new(time.GetUtcNow());

    public DashboardFacts Read()
    {
        var health = HealthEndpoints.Build(services);
        var rates = _rates.Read(time.GetUtcNow(), health.Counters.Queries, health.Counters.Blocked);
        return new DashboardFacts(
            health.Version,
            health.Status,
            health.Counters.Queries,
            health.Counters.Blocked,
            [.. health.Upstreams.Select(u => (u.Upstream, u.Healthy))],
            [.. health.Lists.Select(l => (l.Source, l.Outcome, l.LastGood))],
            health.Fleet is { } fleet ? $"{fleet.Broker}: {(fleet.Connected ? "connected" : "not connected" + (fleet.LastProblem is { } p ? $" ({p})" : ""))}" : null,
            health.Fleet?.Streams.Sum(s => s.Pending),
            health.Radius is { } radius ? $"{radius.Accepts} logins accepted, {radius.Rejects} refused; certificate SHA-256 {radius.CertificateSha256}" : null)
        {
            Rates = rates,
        };
    }
}
