namespace Appliance.Hardware.Leds;

/// <summary>
/// How one LED behaves over time, from the moment the pattern started: constantly on or off, or a period with the
/// spans in it during which the LED is lit, optionally ending after a while (then off). Patterns are data, so the
/// runner can compute the next change and sleep until then, and a test can check them without a clock.
/// No pattern flashes more than three times in any second (WCAG 2.3.1 "three flashes"; reference §3).
/// </summary>
public sealed class LedPattern
{
    private readonly (TimeSpan From, TimeSpan To)[] _lit;

    private LedPattern(string name, TimeSpan period, (TimeSpan From, TimeSpan To)[] lit, TimeSpan? lasts)
    {
        Name = name;
        Period = period;
        _lit = lit;
        Lasts = lasts;
        if (FlashesPerSecond() > 3)
        {
            throw new ArgumentException($"LED pattern '{name}' flashes more than three times a second (WCAG 2.3.1)");
        }
    }

    public string Name { get; }

    /// <summary>Zero for a constant pattern.</summary>
    public TimeSpan Period { get; }

    /// <summary>After this the LED is off for good (a one-off pattern); null: for as long as it is shown.</summary>
    public TimeSpan? Lasts { get; }

    public static LedPattern Off { get; } = new("off", TimeSpan.Zero, [], null);

    public static LedPattern On { get; } = new("on", TimeSpan.Zero, [(TimeSpan.Zero, TimeSpan.MaxValue)], null);

    /// <summary>Half on, half off, <paramref name="hz"/> times a second.</summary>
    public static LedPattern Blink(double hz, string? name = null)
    {
        // Whole milliseconds, rounded up: 3 Hz is 334 ms, so three flashes never fit in less than a second.
        var period = TimeSpan.FromMilliseconds(Math.Ceiling(1_000 / hz));
        return new(name ?? $"blink {hz} Hz", period, [(TimeSpan.Zero, period / 2)], null);
    }

    /// <summary>Two short flashes every three seconds: "the LA link has a backlog".</summary>
    public static LedPattern DoubleBlink { get; } = new("double-blink / 3 s", TimeSpan.FromSeconds(3),
        [(TimeSpan.Zero, TimeSpan.FromMilliseconds(150)), (TimeSpan.FromMilliseconds(450), TimeSpan.FromMilliseconds(600))], null);

    /// <summary>On, with a brief dip every ten seconds: only a running loop makes the dip, so it proves the software is alive.</summary>
    public static LedPattern Heartbeat { get; } = new("on, dip every 10 s", TimeSpan.FromSeconds(10), [(TimeSpan.Zero, TimeSpan.FromMilliseconds(9_800))], null);

    /// <summary>1 Hz, in one of two phases, so two LEDs alternate (update in progress).</summary>
    public static LedPattern Alternate(bool secondPhase) => new(secondPhase ? "alternate (b)" : "alternate (a)", TimeSpan.FromSeconds(1),
        [secondPhase ? (TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(1)) : (TimeSpan.Zero, TimeSpan.FromMilliseconds(500))], null);

    /// <summary>Three quick flashes, once (a cancelled incident).</summary>
    public static LedPattern TripleBlink { get; } = new("3 quick blinks", TimeSpan.FromMilliseconds(1_200),
        [(TimeSpan.Zero, TimeSpan.FromMilliseconds(180)), (TimeSpan.FromMilliseconds(400), TimeSpan.FromMilliseconds(580)), (TimeSpan.FromMilliseconds(800), TimeSpan.FromMilliseconds(980))],
        TimeSpan.FromMilliseconds(1_200));

    /// <summary>Steadily on for a while, then off (an acknowledged incident: red for 60 s).</summary>
    public static LedPattern OnFor(TimeSpan lasts) => new($"on {lasts.TotalSeconds:0} s", TimeSpan.Zero, [(TimeSpan.Zero, TimeSpan.MaxValue)], lasts);

    public bool IsOn(TimeSpan elapsed)
    {
        if (elapsed < TimeSpan.Zero || (Lasts is { } lasts && elapsed >= lasts))
        {
            return false;
        }

        var t = Period == TimeSpan.Zero ? elapsed : TimeSpan.FromTicks(elapsed.Ticks % Period.Ticks);
        foreach (var (from, to) in _lit)
        {
            if (t >= from && t < to)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The next moment after <paramref name="elapsed"/> at which <see cref="IsOn"/> changes; null if it never does.</summary>
    public TimeSpan? NextChange(TimeSpan elapsed)
    {
        if (Lasts is { } end && elapsed >= end)
        {
            return null;
        }

        TimeSpan? next = null;
        if (Period != TimeSpan.Zero)
        {
            var cycleStart = TimeSpan.FromTicks(elapsed.Ticks - (elapsed.Ticks % Period.Ticks));
            for (var cycle = 0; cycle < 2 && next is null; cycle++)
            {
                foreach (var (from, to) in _lit)
                {
                    foreach (var edge in (ReadOnlySpan<TimeSpan>)[from, to])
                    {
                        var at = cycleStart + (Period * cycle) + edge;
                        if (at > elapsed && (next is null || at < next) && IsOn(at) != IsOn(at - TimeSpan.FromTicks(1)))
                        {
                            next = at;
                        }
                    }
                }
            }
        }

        // A one-off pattern ends at Lasts: a change then only if the LED was lit just before.
        if (Lasts is { } last && (next is null || next >= last))
        {
            return IsOn(last - TimeSpan.FromTicks(1)) ? last : null;
        }

        return next;
    }

    // The most flashes (off→on changes) that start within any one second of the pattern.
    private int FlashesPerSecond()
    {
        if (_lit.Length == 0 || Period == TimeSpan.Zero)
        {
            return 0;
        }

        var starts = Enumerable.Range(0, (int)Math.Ceiling(TimeSpan.FromSeconds(2) / Period) + 2)
            .SelectMany(c => _lit.Select(s => s.From + (Period * c)))
            .Order()
            .ToList();
        return starts.Max(s => starts.Count(o => o >= s && o < s + TimeSpan.FromSeconds(1)));
    }

    public override string ToString() => Name;
}
