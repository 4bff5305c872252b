using Appliance.Hardware.Button;
using Appliance.Hardware.Drivers;
using Appliance.Hardware.Leds;
using Appliance.Hardware.Pins;
using Microsoft.Extensions.Time.Testing;

namespace Appliance.Hardware.Tests;

/// <summary>The panel on the simulated driver with a fake clock: debounce, every press pattern, LED patterns over time. No sleeps.</summary>
public sealed class PanelTests : IDisposable
{
    private static readonly PinMap Map = PinMapLoader.Load(HardwareDocsTests.HardwareFile("pinmap.json"));
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 30, 9, 0, 0, TimeSpan.Zero));
    private readonly FakeGpioDriver _driver;
    private readonly Panel _panel;
    private readonly List<(Gesture Gesture, TimeSpan At)> _gestures = [];
    private readonly DateTimeOffset _start;

    public PanelTests()
    {
        _start = _time.GetUtcNow();
        _driver = new FakeGpioDriver(_time);
        _panel = new Panel(_driver, Map, new PressTiming(), TimeSpan.FromMilliseconds(30), _time, (g, at) => _gestures.Add((g, at - _start)));
        Run(_time, 3_000);   // past the start-up quiet time
    }

    public void Dispose() => _panel.Dispose();

    private IEnumerable<Gesture> Gestures(params Gesture[] kinds) => _gestures.Select(g => g.Gesture).Where(kinds.Contains);

    // The button is wired to ground with a pull-up: pressed reads low.
    private void Level(bool pressed) => _driver.SetInput(23, !pressed);

    // FakeTimeProvider runs a due timer with the clock already at the end of an Advance; a millisecond at a time,
    // timers run when they are due, as real ones do.
    private void Step(double ms) => Run(_time, ms);

    private static void Run(FakeTimeProvider time, double ms)
    {
        for (var i = 0; i < ms; i++)
        {
            time.Advance(TimeSpan.FromMilliseconds(1));
        }
    }

    private void Press(double holdMs)
    {
        Level(true);
        Step(holdMs);
        Level(false);
        Step(60);
    }

    [Fact]
    public void Holding_for_one_and_a_half_seconds_raises_while_still_held_and_a_short_bump_does_not()
    {
        Press(300);
        Assert.Empty(Gestures(Gesture.Raise));

        Level(true);
        Step(1_400);
        Assert.Empty(Gestures(Gesture.Raise));
        Step(200);   // 30 ms debounce + 1.5 s hold have passed; the button is still down
        var raise = Assert.Single(Gestures(Gesture.Raise));
        Assert.Equal(TimeSpan.FromMilliseconds(3_000 + 360 + 30 + 1_500), _gestures.Single(g => g.Gesture == Gesture.Raise).At);
        Step(2_000);
        Level(false);
        Step(60);
        Assert.Single(Gestures(Gesture.Raise));   // holding on raises nothing more
    }

    [Fact]
    public void Contact_bounce_delays_a_press_and_a_glitch_shorter_than_the_debounce_is_nothing()
    {
        // Bounce: six flips 2 ms apart, then held.
        for (var i = 0; i < 6; i++)
        {
            Level(i % 2 == 0);
            Step(2);
        }

        Level(true);
        Step(29);
        Assert.Empty(Gestures(Gesture.Down));
        Step(2);
        Assert.Single(Gestures(Gesture.Down));
        Level(false);
        Step(60);

        // A 10 ms glitch, and a burst of noise that ends where it began.
        Level(true);
        Step(10);
        Level(false);
        Step(100);
        Level(true);
        Step(5);
        Level(false);
        Step(5);
        Level(true);
        Step(5);
        Level(false);
        Step(100);
        Assert.Single(Gestures(Gesture.Down));
        Assert.Single(Gestures(Gesture.Up));
    }

    [Fact]
    public void Three_quick_presses_raise_but_three_slow_ones_do_not()
    {
        Press(200);
        Step(700);
        Press(200);
        Step(700);
        Press(200);
        Assert.Empty(Gestures(Gesture.Raise));   // the first began more than 2 s before the third ended

        Step(3_000);
        Press(150);
        Step(150);
        Press(150);
        Step(150);
        Press(150);
        Assert.Single(Gestures(Gesture.Raise));
    }

    [Fact]
    public void A_new_three_second_hold_within_ten_seconds_cancels_and_a_later_one_raises_again()
    {
        Level(true);
        Step(1_600);
        Level(false);
        Step(60);
        Assert.Single(Gestures(Gesture.Raise));

        // Within the window: short presses do nothing, a 3 s hold cancels (while held).
        Press(200);
        Step(1_000);
        Level(true);
        Step(2_900);
        Assert.Empty(Gestures(Gesture.Cancel));
        Step(200);
        Assert.Single(Gestures(Gesture.Cancel));
        Level(false);
        Step(60);
        Assert.Single(Gestures(Gesture.Raise));

        // After a cancel the next hold raises afresh.
        Step(1_000);
        Level(true);
        Step(1_600);
        Assert.Equal(2, Gestures(Gesture.Raise).Count());
        Level(false);

        // Past the window a long hold is a new raise's press, not a cancel.
        Step(11_000);
        Level(true);
        Step(3_100);
        Level(false);
        Step(60);
        Assert.Single(Gestures(Gesture.Cancel));
        Assert.Equal(3, Gestures(Gesture.Raise).Count());
    }

    [Fact]
    public void A_raise_by_three_presses_is_cancelled_by_the_next_three_second_hold()
    {
        Press(150);
        Step(150);
        Press(150);
        Step(150);
        Press(150);
        Assert.Single(Gestures(Gesture.Raise));
        Step(500);
        Level(true);
        Step(3_100);
        Level(false);
        Step(60);
        Assert.Single(Gestures(Gesture.Cancel));
    }

    [Fact]
    public void Nothing_counts_at_start_up_and_a_button_held_through_the_start_must_be_let_go_first()
    {
        var time = new FakeTimeProvider(_start);
        var driver = new FakeGpioDriver(time);
        driver.SetInput(23, false);   // held (or stuck) as the service starts
        var gestures = new List<Gesture>();
        using var panel = new Panel(driver, Map, new PressTiming(), TimeSpan.FromMilliseconds(30), time, (g, _) => gestures.Add(g));
        Run(time, 5_000);
        Assert.Empty(gestures);
        Assert.False(panel.ButtonLive);

        driver.SetInput(23, true);   // let go
        Run(time, 50);
        Assert.True(panel.ButtonLive);
        driver.SetInput(23, false);  // a real press
        Run(time, 1_600);
        Assert.Equal([Gesture.Down, Gesture.Raise], gestures);

        // And presses in the quiet time after start count for nothing.
        var time2 = new FakeTimeProvider(_start);
        var driver2 = new FakeGpioDriver(time2);
        var gestures2 = new List<Gesture>();
        using var panel2 = new Panel(driver2, Map, new PressTiming(), TimeSpan.FromMilliseconds(30), time2, (g, _) => gestures2.Add(g));
        Assert.False(panel2.ButtonLive);   // still in the quiet time
        driver2.SetInput(23, false);
        Run(time2, 1_600);
        driver2.SetInput(23, true);
        Run(time2, 100);
        Assert.Empty(gestures2);
    }

    [Fact]
    public void The_LEDs_follow_the_pattern_over_time_the_alive_dip_every_ten_seconds_and_the_ring_while_held()
    {
        _panel.SetSystem(SystemCondition.Ok);
        var from = _time.GetUtcNow();
        Step(25_000);
        var green = _driver.Writes.Where(w => w.Pin == 22 && w.At >= from).Select(w => (Ms: (w.At - from).TotalMilliseconds, w.High)).ToList();
        Assert.Equal([(0, true), (9_800, false), (10_000, true), (19_800, false), (20_000, true)], green);
        Assert.False(_driver.IsHigh(17));   // red dark

        Level(true);
        Step(100);
        Assert.True(_driver.IsHigh(24));     // the ring lights while held, before anything commits
        Level(false);
        Step(100);
        Assert.False(_driver.IsHigh(24));

        // Raised: red and ring blink together at 2 Hz; the panel never writes faster than that.
        var raisedAt = _time.GetUtcNow();
        _panel.SetPanic(PanicCondition.Raised, raisedAt);
        Step(2_000);
        var red = _driver.Writes.Where(w => w.Pin == 17 && w.At >= raisedAt).Select(w => ((w.At - raisedAt).TotalMilliseconds, w.High)).ToList();
        Assert.Equal([(0, true), (250, false), (500, true), (750, false), (1_000, true), (1_250, false), (1_500, true), (1_750, false), (2_000, true)], red);
        Assert.Equal(red, _driver.Writes.Where(w => w.Pin == 24 && w.At >= raisedAt).Select(w => ((w.At - raisedAt).TotalMilliseconds, w.High)).ToList());

        // Acknowledged: red steady for 60 s, ring steady; then the box's own look comes back with the ring still on.
        var ackAt = _time.GetUtcNow();
        _panel.SetPanic(PanicCondition.Acknowledged, ackAt);
        Step(59_000);
        Assert.True(_driver.IsHigh(17) && _driver.IsHigh(24));
        Assert.DoesNotContain(_driver.Writes, w => w.Pin == 17 && w.At > ackAt && !w.High);   // steady: it never went dark
        Step(2_000);
        Assert.False(_driver.IsHigh(17));
        Assert.True(_driver.IsHigh(24) && _driver.IsHigh(22));
    }
}
