using LaFleet.Ingest;

namespace Appliance.Fleet.Tests;

public sealed class AckScheduleTests
{
    [Fact]
    public void A_quiet_stream_is_acknowledged_again_every_ten_seconds_even_while_another_stream_moves_all_the_time()
    {
        var schedule = new AckSchedule();
        var t0 = DateTimeOffset.UnixEpoch;
        var incidentAcked = new List<int>();
        for (var second = 0; second <= 30; second++)
        {
            // dns moves every second; incident stopped at 4 before the clock started.
            StreamProgress[] box = [new("apl-1", "SCH1", "dns", 7, 100 + second, 100 + second), new("apl-1", "SCH1", "incident", 7, 4, 4)];
            var due = schedule.Due(box, t0.AddSeconds(second));
            Assert.Equal(100 + second, due["dns"]);   // moved: always named
            if (due.TryGetValue("incident", out var seq))
            {
                Assert.Equal(4, seq);
                incidentAcked.Add(second);
            }

            schedule.Sent("apl-1", 7, due, t0.AddSeconds(second));
        }

        Assert.Equal([0, 10, 20, 30], incidentAcked);
    }
}
