using Appliance.WebUI.Dashboard;

namespace Appliance.WebUI.Tests;

public sealed class RateMeterTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 30, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Rates_are_since_start_at_first_then_over_the_newest_reading_at_least_ten_seconds_old()
    {
        var meter = new RateMeter(Start);
        Assert.Equal(new Rates(10, 1, TimeSpan.FromSeconds(100)), meter.Read(Start.AddSeconds(100), 1_000, 100));

        // A second later: no reading is ten seconds old yet, so still since start (not 1 query in 1 s).
        Assert.Equal(new Rates(1_001 / 101.0, 1, TimeSpan.FromSeconds(101)), meter.Read(Start.AddSeconds(101), 1_001, 101));

        // Twenty seconds on, both earlier readings are old enough: the newer one (at 101 s) is the baseline.
        var rates = meter.Read(Start.AddSeconds(121), 3_001, 121);
        Assert.Equal(new Rates(100, 1, TimeSpan.FromSeconds(20)), rates);
    }

    [Fact]
    public void Readings_older_than_five_minutes_are_forgotten_and_a_counter_reset_never_gives_a_negative_rate()
    {
        var meter = new RateMeter(Start);
        meter.Read(Start.AddSeconds(10), 500, 5);
        Assert.Equal(TimeSpan.FromSeconds(20), meter.Read(Start.AddSeconds(30), 700, 7).Over);
        Assert.Equal(TimeSpan.FromMinutes(10), meter.Read(Start.AddMinutes(10), 900, 9).Over);   // both older than 5 min: since start
        Assert.Equal(0, meter.Read(Start.AddMinutes(11), 10, 1).QueriesPerSecond);              // totals restarted
    }
}
