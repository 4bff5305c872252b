using Appliance.Hardware.Leds;

namespace Appliance.Hardware.Tests;

public sealed class LedPatternTests
{
    private static TimeSpan Ms(double ms) => TimeSpan.FromMilliseconds(ms);

    [Fact]
    public void A_blink_is_half_on_half_off_and_its_next_change_is_the_next_edge()
    {
        var blink = LedPattern.Blink(2);
        Assert.True(blink.IsOn(Ms(0)));
        Assert.True(blink.IsOn(Ms(249)));
        Assert.False(blink.IsOn(Ms(250)));
        Assert.True(blink.IsOn(Ms(500)));
        Assert.Equal(Ms(250), blink.NextChange(Ms(0)));
        Assert.Equal(Ms(500), blink.NextChange(Ms(250)));
        Assert.Equal(Ms(750), blink.NextChange(Ms(600)));
    }

    [Fact]
    public void The_alive_pattern_dips_once_every_ten_seconds()
    {
        var heartbeat = LedPattern.Heartbeat;
        Assert.True(heartbeat.IsOn(Ms(9_799)));
        Assert.False(heartbeat.IsOn(Ms(9_800)));
        Assert.True(heartbeat.IsOn(Ms(10_000)));
        Assert.Equal(Ms(9_800), heartbeat.NextChange(Ms(0)));
        Assert.Equal(Ms(10_000), heartbeat.NextChange(Ms(9_800)));
        Assert.Equal(Ms(19_800), heartbeat.NextChange(Ms(10_000)));
    }

    [Fact]
    public void One_off_patterns_end_dark_and_then_never_change()
    {
        var red = LedPattern.OnFor(TimeSpan.FromSeconds(60));
        Assert.True(red.IsOn(TimeSpan.FromSeconds(59)));
        Assert.False(red.IsOn(TimeSpan.FromSeconds(60)));
        Assert.Equal(TimeSpan.FromSeconds(60), red.NextChange(TimeSpan.Zero));
        Assert.Null(red.NextChange(TimeSpan.FromSeconds(61)));

        var triple = LedPattern.TripleBlink;
        var flashes = Enumerable.Range(0, 1_500).Count(ms => triple.IsOn(Ms(ms)) && !triple.IsOn(Ms(ms - 1)));
        Assert.Equal(3, flashes);
        Assert.Equal(Ms(980), triple.NextChange(Ms(800)));
        Assert.Null(triple.NextChange(Ms(1_000)));
        Assert.Null(LedPattern.On.NextChange(TimeSpan.FromHours(1)));
        Assert.Null(LedPattern.Off.NextChange(TimeSpan.Zero));
    }

    [Fact]
    public void Every_pattern_flashes_at_most_three_times_a_second_and_a_faster_one_cannot_be_made()
    {
        LedPattern[] all = [LedPattern.Blink(1), LedPattern.Blink(2), LedPattern.Blink(3), LedPattern.DoubleBlink, LedPattern.Heartbeat,
            LedPattern.Alternate(false), LedPattern.Alternate(true), LedPattern.TripleBlink];
        foreach (var pattern in all)
        {
            // Walk 10 s by the pattern's own next-change steps and count the off→on edges in every 1 s window.
            var onsets = new List<TimeSpan>();
            var t = TimeSpan.Zero;
            while (pattern.NextChange(t) is { } next && next < TimeSpan.FromSeconds(10))
            {
                if (pattern.IsOn(next))
                {
                    onsets.Add(next);
                }

                t = next;
            }

            Assert.All(onsets, o => Assert.True(onsets.Count(x => x >= o && x < o + TimeSpan.FromSeconds(1)) <= 3, pattern.Name));
        }

        Assert.Throws<ArgumentException>(() => LedPattern.Blink(4));
    }

    [Fact]
    public void The_panel_speaks_in_priority_panic_then_fault_then_upstream_then_backlog_then_ok()
    {
        var t0 = DateTimeOffset.UnixEpoch;
        var now = t0 + TimeSpan.FromSeconds(1);
        PanelLook Look(SystemCondition s, PanicCondition p = PanicCondition.None) => PanelLanguage.Compose(s, t0, p, t0, now);

        Assert.Equal("incident raised, waiting for the DSL", Look(SystemCondition.Fault, PanicCondition.Raised).Meaning);
        Assert.Equal(LedPattern.On, Look(SystemCondition.Fault).Red.Pattern);
        Assert.Equal([LedPattern.On, LedPattern.On], new[] { Look(SystemCondition.UpstreamDown).Amber.Pattern, Look(SystemCondition.UpstreamDown).Green.Pattern });
        Assert.Equal(LedPattern.DoubleBlink, Look(SystemCondition.Backlog).Amber.Pattern);
        Assert.Equal(LedPattern.Heartbeat, Look(SystemCondition.Ok).Green.Pattern);
        Assert.Equal(LedPattern.Off, Look(SystemCondition.Ok).Red.Pattern);

        var notDelivered = Look(SystemCondition.Ok, PanicCondition.NotDelivered);
        Assert.Equal("blink 2 Hz", notDelivered.Red.Pattern.Name);
        Assert.Equal("blink 2 Hz", notDelivered.Amber.Pattern.Name);

        // Acknowledged: red steady for 60 s, then the box's own look with the ring steady while the incident is open.
        var acknowledged = Look(SystemCondition.Ok, PanicCondition.Acknowledged);
        Assert.True(acknowledged.Red.IsOn(now) && acknowledged.Ring.IsOn(now));
        Assert.Equal(t0 + TimeSpan.FromSeconds(60), acknowledged.Until);
        var later = PanelLanguage.Compose(SystemCondition.Ok, t0, PanicCondition.Acknowledged, t0, t0 + TimeSpan.FromSeconds(61));
        Assert.Equal(LedPattern.Heartbeat, later.Green.Pattern);
        Assert.Equal(LedPattern.On, later.Ring.Pattern);
    }
}
