namespace Appliance.Hardware.Leds;

/// <summary>The box's own condition, highest priority first as the host computes it (reference §3, "LED language").</summary>
public enum SystemCondition
{
    /// <summary>Before the service said READY.</summary>
    Booting,

    /// <summary>First boot: nobody has set the box up yet.</summary>
    Unclaimed,

    Ok,

    /// <summary>The LA link has more waiting than the threshold.</summary>
    Backlog,

    /// <summary>No upstream resolver answers (or the WAN is down).</summary>
    UpstreamDown,

    Updating,

    /// <summary>Filtering is not working: staff must not trust the box.</summary>
    Fault,
}

/// <summary>Where the panel's incident stands, as the LEDs show it.</summary>
public enum PanicCondition
{
    None,

    /// <summary>Raised and delivered, waiting for the DSL.</summary>
    Raised,

    /// <summary>Raised, but nobody has it yet (the LA link is down and no e-mail went): the teacher uses the fallback.</summary>
    NotDelivered,

    Acknowledged,

    Cancelled,
}

public enum Led
{
    Red,
    Amber,
    Green,
    Ring,
}

/// <summary>One LED's pattern and the moment it started (so two LEDs started together blink together).</summary>
public readonly record struct LedShow(LedPattern Pattern, DateTimeOffset Since)
{
    public bool IsOn(DateTimeOffset now) => Pattern.IsOn(now - Since);
}

/// <summary>What the four LEDs show, why, and until when this look holds (a one-off part ends), if it ends.</summary>
public sealed record PanelLook(LedShow Red, LedShow Amber, LedShow Green, LedShow Ring, string Meaning, DateTimeOffset? Until)
{
    public LedShow this[Led led] => led switch
    {
        Led.Red => Red,
        Led.Amber => Amber,
        Led.Green => Green,
        _ => Ring,
    };
}

/// <summary>
/// The panel's language (reference §3): panic &gt; fault &gt; upstream &gt; backlog &gt; OK, in traffic-light order and
/// rhythm rather than colour alone, never faster than 3 Hz. A pure function of the conditions and the time.
/// </summary>
public static class PanelLanguage
{
    public static readonly TimeSpan AcknowledgedRedFor = TimeSpan.FromSeconds(60);

    public static PanelLook Compose(SystemCondition system, DateTimeOffset systemSince, PanicCondition panic, DateTimeOffset panicSince, DateTimeOffset now)
    {
        var off = new LedShow(LedPattern.Off, panicSince);
        var twoHz = new LedShow(LedPattern.Blink(2), panicSince);
        switch (panic)
        {
            case PanicCondition.Raised:
                return new(twoHz, off, off, twoHz, "incident raised, waiting for the DSL", null);
            case PanicCondition.NotDelivered:
                return new(twoHz, twoHz, off, twoHz, "incident NOT delivered: use the fallback (phone the DSL)", null);
            case PanicCondition.Acknowledged when now - panicSince < AcknowledgedRedFor:
                return new(new LedShow(LedPattern.OnFor(AcknowledgedRedFor), panicSince), off, off, new LedShow(LedPattern.On, panicSince),
                    "incident acknowledged by the DSL", panicSince + AcknowledgedRedFor);
            case PanicCondition.Cancelled when now - panicSince < LedPattern.TripleBlink.Lasts:
                return new(off, off, new LedShow(LedPattern.TripleBlink, panicSince), off, "incident cancelled", panicSince + LedPattern.TripleBlink.Lasts);
        }

        var look = System(system, systemSince);
        return panic == PanicCondition.Acknowledged
            ? look with { Ring = new LedShow(LedPattern.On, panicSince), Meaning = look.Meaning + "; an acknowledged incident is open" }
            : look;
    }

    private static PanelLook System(SystemCondition system, DateTimeOffset since)
    {
        var off = new LedShow(LedPattern.Off, since);
        var on = new LedShow(LedPattern.On, since);
        return system switch
        {
            SystemCondition.Booting => new(off, new LedShow(LedPattern.Blink(1), since), off, off, "starting", null),
            SystemCondition.Unclaimed => new(off, on, new LedShow(LedPattern.Blink(1), since), off, "not set up yet", null),
            SystemCondition.Ok => new(off, off, new LedShow(LedPattern.Heartbeat, since), off, "filtering", null),
            SystemCondition.Backlog => new(off, new LedShow(LedPattern.DoubleBlink, since), on, off, "filtering; the LA link has a backlog", null),
            SystemCondition.UpstreamDown => new(off, on, on, off, "filtering; the internet or the upstream resolvers are down", null),
            SystemCondition.Updating => new(off, new LedShow(LedPattern.Alternate(false), since), new LedShow(LedPattern.Alternate(true), since), off, "updating", null),
            _ => new(on, off, off, off, "FILTERING FAULT", null),
        };
    }
}
