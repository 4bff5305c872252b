namespace Appliance.WebUI.Dashboard;

/// <summary>Queries and blocks a second, and the span they were measured over.</summary>
public sealed record Rates(double QueriesPerSecond, double BlockedPerSecond, TimeSpan Over);

/// <summary>
/// Turns the resolver's running totals into rates for the dashboard: each reading is kept for five minutes, and the rate
/// is taken against the newest reading at least ten seconds older than now (so two page loads a second apart do not show
/// a rate of one query), or against the start (totals zero) before there is one. Thread-safe.
/// </summary>
public sealed class RateMeter(DateTimeOffset started)
{
    private static readonly TimeSpan MinimumSpan = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Keep = TimeSpan.FromMinutes(5);
    private readonly Queue<(DateTimeOffset At, long Queries, long Blocked)> _readings = new();
    private readonly Lock _lock = new();

    public Rates Read(DateTimeOffset now, long queries, long blocked)
    {
        lock (_lock)
        {
            while (_readings.Count > 0 && now - _readings.Peek().At > Keep)
            {
                _readings.Dequeue();
            }

            var baseline = (At: started, Queries: 0L, Blocked: 0L);
            foreach (var reading in _readings)
            {
                if (now - reading.At >= MinimumSpan)
                {
                    baseline = reading;   // in time order: the last one that is old enough is the newest such
                }
            }

            _readings.Enqueue((now, queries, blocked));
            var span = now - baseline.At;
            return span <= TimeSpan.Zero
                ? new Rates(0, 0, TimeSpan.Zero)
                : new Rates(Math.Max(0, queries - baseline.Queries) / span.TotalSeconds, Math.Max(0, blocked - baseline.Blocked) / span.TotalSeconds, span);
        }
    }
}
