namespace Appliance.Hardware.Leds;

/// <summary>
/// Drives the four LEDs from the current look: writes a pin only when its level changes, and sleeps until the next
/// change of any LED (or the end of a one-off look) rather than polling. Because the "alive" dip of the OK pattern
/// is made by this loop, a hung process shows as a steady green with no dip.
/// </summary>
public sealed class LedRunner : IDisposable
{
    private readonly Lock _lock = new();
    private readonly Action<Led, bool> _write;
    private readonly TimeProvider _time;
    private readonly Func<DateTimeOffset, PanelLook> _look;
    private readonly bool?[] _written = new bool?[4];
    private readonly ITimer _timer;
    private bool _disposed;

    /// <param name="write">Sets one LED lit or dark (the pin's active level is the caller's business).</param>
    /// <param name="time">The clock (a fake one in tests).</param>
    /// <param name="look">What the panel should show at a moment.</param>
    public LedRunner(Action<Led, bool> write, TimeProvider time, Func<DateTimeOffset, PanelLook> look)
    {
        _write = write;
        _time = time;
        _look = look;
        _timer = time.CreateTimer(_ => Refresh(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>The look shown now.</summary>
    public PanelLook? Current { get; private set; }

    /// <summary>Shows the look for now and schedules the next change; call when any condition changed.</summary>
    public void Refresh()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            var now = _time.GetUtcNow();
            var look = _look(now);
            Current = look;
            var next = look.Until;
            foreach (var led in (ReadOnlySpan<Led>)[Led.Red, Led.Amber, Led.Green, Led.Ring])
            {
                var show = look[led];
                var lit = show.IsOn(now);
                if (_written[(int)led] != lit)
                {
                    _write(led, lit);
                    _written[(int)led] = lit;
                }

                if (show.Pattern.NextChange(now - show.Since) is { } change && (next is null || show.Since + change < next))
                {
                    next = show.Since + change;
                }
            }

            var wait = next is { } at ? at - now : Timeout.InfiniteTimeSpan;
            _timer.Change(wait == Timeout.InfiniteTimeSpan ? wait : TimeSpan.FromTicks(Math.Max(wait.Ticks, TimeSpan.TicksPerMillisecond)), Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>Whether an LED is lit now, as last written.</summary>
    public bool IsLit(Led led)
    {
        lock (_lock)
        {
            return _written[(int)led] == true;
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            _timer.Dispose();
        }
    }
}
