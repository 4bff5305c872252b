using System.Device.Gpio;

namespace Appliance.Hardware.Drivers;

/// <summary>
/// GPIO in memory: the local default's simulated panel (the web UI shows it) and the tests' panel. Inputs are set
/// with <see cref="SetInput"/>, which fires the callbacks a real chip's edge would; every output write is logged with
/// its time so a test can check an LED pattern. After dotnet/iot's MockableGpioDriver (reference §3).
/// </summary>
public sealed class FakeGpioDriver : GpioDriver
{
    private readonly Lock _lock = new();
    private readonly Dictionary<int, PinValue> _values = [];
    private readonly Dictionary<int, PinMode> _modes = [];
    private readonly Dictionary<int, List<(PinEventTypes Types, PinChangeEventHandler Handler)>> _callbacks = [];
    // The newest writes only: the simulated panel runs for months in the local default (the alive dip alone is
    // 17,000 writes a day); a test looks at seconds.
    private const int KeptWrites = 4_096;
    private readonly Queue<(DateTimeOffset At, int Pin, bool High)> _writes = new();
    private readonly TimeProvider _time;

    public FakeGpioDriver(TimeProvider time) => _time = time;

    /// <summary>The newest output writes (up to 4,096), oldest first.</summary>
    public IReadOnlyList<(DateTimeOffset At, int Pin, bool High)> Writes
    {
        get
        {
            lock (_lock)
            {
                return [.. _writes];
            }
        }
    }

    protected override int PinCount => 58;

    /// <summary>Drives an input pin as the outside world would, firing the edge callbacks.</summary>
    public void SetInput(int pin, bool high)
    {
        List<(PinEventTypes Types, PinChangeEventHandler Handler)> callbacks;
        lock (_lock)
        {
            var old = _values.GetValueOrDefault(pin, PinValue.Low);
            _values[pin] = high ? PinValue.High : PinValue.Low;
            if ((old == PinValue.High) == high)
            {
                return;
            }

            callbacks = [.. _callbacks.GetValueOrDefault(pin, [])];
        }

        var type = high ? PinEventTypes.Rising : PinEventTypes.Falling;
        foreach (var (types, handler) in callbacks.Where(c => (c.Types & type) != 0))
        {
            handler(this, new PinValueChangedEventArgs(type, pin));
        }
    }

    /// <summary>The level last written to (or set on) a pin.</summary>
    public bool IsHigh(int pin)
    {
        lock (_lock)
        {
            return _values.GetValueOrDefault(pin, PinValue.Low) == PinValue.High;
        }
    }

    protected override void OpenPin(int pinNumber)
    {
    }

    protected override void ClosePin(int pinNumber)
    {
        lock (_lock)
        {
            _callbacks.Remove(pinNumber);
        }
    }

    protected override void SetPinMode(int pinNumber, PinMode mode)
    {
        lock (_lock)
        {
            _modes[pinNumber] = mode;
            if (mode == PinMode.InputPullUp && !_values.ContainsKey(pinNumber))
            {
                _values[pinNumber] = PinValue.High;   // a pulled-up input with nothing pressing it reads high
            }
        }
    }

    protected override PinMode GetPinMode(int pinNumber)
    {
        lock (_lock)
        {
            return _modes.GetValueOrDefault(pinNumber, PinMode.Input);
        }
    }

    protected override bool IsPinModeSupported(int pinNumber, PinMode mode) => true;

    protected override PinValue Read(int pinNumber)
    {
        lock (_lock)
        {
            return _values.GetValueOrDefault(pinNumber, PinValue.Low);
        }
    }

    protected override void Write(int pinNumber, PinValue value)
    {
        lock (_lock)
        {
            _values[pinNumber] = value;
            _writes.Enqueue((_time.GetUtcNow(), pinNumber, value == PinValue.High));
            if (_writes.Count > KeptWrites)
            {
                _writes.Dequeue();
            }
        }
    }

    protected override WaitForEventResult WaitForEvent(int pinNumber, PinEventTypes eventTypes, CancellationToken cancellationToken)
        => throw new NotSupportedException("the panel uses callbacks, not waits");

    protected override void AddCallbackForPinValueChangedEvent(int pinNumber, PinEventTypes eventTypes, PinChangeEventHandler callback)
    {
        lock (_lock)
        {
            if (!_callbacks.TryGetValue(pinNumber, out var list))
            {
                _callbacks[pinNumber] = list = [];
            }

            list.Add((eventTypes, callback));
        }
    }

    protected override void RemoveCallbackForPinValueChangedEvent(int pinNumber, PinChangeEventHandler callback)
    {
        lock (_lock)
        {
            _callbacks.GetValueOrDefault(pinNumber)?.RemoveAll(c => c.Handler == callback);
        }
    }

    public override GpioChipInfo GetChipInfo() => new(0, "fake", "simulated panel", PinCount);
}
