namespace Appliance.Hardware.Button;

/// <summary>
/// Stable-level debounce on both edges: a level counts only once the input has stayed at it for
/// <see cref="StableFor"/> since its last edge. Contact bounce only delays the change; a glitch shorter than that
/// (a cable picking up noise) changes nothing. Iot.Device.Button only ignored presses soon after a release
/// (reference §3), which lets a glitch through as a press.
/// </summary>
public sealed class Debouncer : IDisposable
{
    private readonly Lock _lock = new();
    private readonly Func<bool> _readPressed;
    private readonly Action<bool, DateTimeOffset> _changed;
    private readonly TimeProvider _time;
    private readonly ITimer _timer;
    private bool _stable;

    /// <param name="stableFor">How long a level must hold before it counts (20–50 ms for a push button).</param>
    /// <param name="time">The clock (a fake one in tests).</param>
    /// <param name="readPressed">Reads the input now: true while the button is held.</param>
    /// <param name="changed">Called with the new stable level and when it became stable.</param>
    public Debouncer(TimeSpan stableFor, TimeProvider time, Func<bool> readPressed, Action<bool, DateTimeOffset> changed)
    {
        StableFor = stableFor;
        _time = time;
        _readPressed = readPressed;
        _changed = changed;
        _stable = readPressed();
        _timer = time.CreateTimer(_ => Settle(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    public TimeSpan StableFor { get; }

    /// <summary>The debounced level: true while held.</summary>
    public bool Pressed
    {
        get
        {
            lock (_lock)
            {
                return _stable;
            }
        }
    }

    /// <summary>The input changed (either edge): wait for it to settle again.</summary>
    public void Edge() => _timer.Change(StableFor, Timeout.InfiniteTimeSpan);

    private void Settle()
    {
        bool level;
        lock (_lock)
        {
            level = _readPressed();
            if (level == _stable)
            {
                return;   // it bounced back: a glitch
            }

            _stable = level;
        }

        _changed(level, _time.GetUtcNow());
    }

    public void Dispose() => _timer.Dispose();
}
