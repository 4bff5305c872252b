namespace Appliance.Hardware.Button;

/// <summary>What the teacher did with the button.</summary>
public enum Gesture
{
    /// <summary>The button went down (the ring lights while it is held, as feedback).</summary>
    Down,

    /// <summary>It came up.</summary>
    Up,

    /// <summary>Held for the raise time, or pressed quickly three times: report an incident.</summary>
    Raise,

    /// <summary>Held for the cancel time within the cancel window after a raise.</summary>
    Cancel,
}

/// <summary>When the gestures count (reference §3, "Panic-button UX").</summary>
public sealed record PressTiming
{
    /// <summary>Hold this long to raise (fires while still held, so the teacher feels it take).</summary>
    public TimeSpan RaiseHold { get; init; } = TimeSpan.FromSeconds(1.5);

    /// <summary>Three presses, each shorter than <see cref="RaiseHold"/>, all within this window, also raise.</summary>
    public TimeSpan TriplePressWindow { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>A new press starting this soon after a raise and held for <see cref="CancelHold"/> cancels it.</summary>
    public TimeSpan CancelWindow { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan CancelHold { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>Nothing counts this soon after start (inputs settle, a stuck button does not raise at boot).</summary>
    public TimeSpan StartupQuiet { get; init; } = TimeSpan.FromSeconds(2);
}

/// <summary>
/// Turns the debounced button into gestures: hold to raise, three quick presses to raise, hold longer soon after to
/// cancel. Bumps do not raise (a press shorter than the hold that is not one of three), and nothing counts at start
/// until the quiet time has passed with the button seen released. All timing through <see cref="TimeProvider"/>.
/// </summary>
public sealed class PressClassifier : IDisposable
{
    private readonly Lock _lock = new();
    private readonly PressTiming _timing;
    private readonly TimeProvider _time;
    private readonly Action<Gesture, DateTimeOffset> _gesture;
    private readonly ITimer _holdTimer;
    private readonly DateTimeOffset _quietUntil;
    private readonly List<DateTimeOffset> _quickPresses = [];
    private bool _armed;
    private bool _down;
    private DateTimeOffset _downAt;
    private bool _holdFired;
    private bool _holdIsCancel;
    private DateTimeOffset? _raisedAt;
    private bool _releasedSinceRaise;

    /// <param name="timing">When the gestures count.</param>
    /// <param name="time">The clock (a fake one in tests).</param>
    /// <param name="pressedAtStart">The debounced level when the panel started.</param>
    /// <param name="gesture">Called with each gesture and its moment.</param>
    public PressClassifier(PressTiming timing, TimeProvider time, bool pressedAtStart, Action<Gesture, DateTimeOffset> gesture)
    {
        _down = pressedAtStart;
        _timing = timing;
        _time = time;
        _gesture = gesture;
        _quietUntil = time.GetUtcNow() + timing.StartupQuiet;
        _holdTimer = time.CreateTimer(_ => HoldElapsed(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Whether a press now would count: the start-up quiet time is over and the button is not held from the start.</summary>
    public bool IsLive(DateTimeOffset now)
    {
        lock (_lock)
        {
            return _armed || (now >= _quietUntil && !_down);
        }
    }

    /// <summary>Feed the debounced level.</summary>
    public void Level(bool pressed, DateTimeOffset at)
    {
        var events = new List<(Gesture, DateTimeOffset)>(2);
        lock (_lock)
        {
            if (!_armed)
            {
                // Armed once the quiet time is over with the button up: a button held (or stuck) through the start
                // raises nothing until it has been let go.
                if (at >= _quietUntil && !_down)
                {
                    _armed = true;
                }
                else
                {
                    _down = pressed;
                    return;
                }
            }

            if (pressed == _down)
            {
                return;
            }

            _down = pressed;
            if (pressed)
            {
                _downAt = at;
                _holdFired = false;
                _holdIsCancel = _raisedAt is { } raised && _releasedSinceRaise && at - raised <= _timing.CancelWindow;
                _holdTimer.Change(_holdIsCancel ? _timing.CancelHold : _timing.RaiseHold, Timeout.InfiniteTimeSpan);
                events.Add((Gesture.Down, at));
            }
            else
            {
                _holdTimer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
                events.Add((Gesture.Up, at));
                if (_raisedAt is not null)
                {
                    _releasedSinceRaise = true;
                }

                if (!_holdFired && !_holdIsCancel && !InCancelWindow(at))
                {
                    _quickPresses.Add(_downAt);
                    _quickPresses.RemoveAll(d => at - d > _timing.TriplePressWindow);
                    if (_quickPresses.Count >= 3)
                    {
                        _quickPresses.Clear();
                        Raised(at);
                        _releasedSinceRaise = true;   // raised on a release: the next hold may cancel it
                        events.Add((Gesture.Raise, at));
                    }
                }
            }
        }

        foreach (var (gesture, when) in events)
        {
            _gesture(gesture, when);
        }
    }

    // The held button reached its time: a raise, or a cancel if this press began in the cancel window.
    private void HoldElapsed()
    {
        Gesture gesture;
        var now = _time.GetUtcNow();
        lock (_lock)
        {
            if (!_down || _holdFired)
            {
                return;
            }

            _holdFired = true;
            if (_holdIsCancel)
            {
                _raisedAt = null;
                gesture = Gesture.Cancel;
            }
            else if (InCancelWindow(now))
            {
                return;   // already raised: holding on raises nothing more
            }
            else
            {
                Raised(now);
                gesture = Gesture.Raise;
            }
        }

        _gesture(gesture, now);
    }

    private bool InCancelWindow(DateTimeOffset at) => _raisedAt is { } raised && at - raised <= _timing.CancelWindow;

    private void Raised(DateTimeOffset at)
    {
        _raisedAt = at;
        _releasedSinceRaise = false;
        _quickPresses.Clear();
    }

    public void Dispose() => _holdTimer.Dispose();
}
