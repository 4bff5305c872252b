using System.Device.Gpio;
using Appliance.Hardware.Button;
using Appliance.Hardware.Leds;
using Appliance.Hardware.Pins;

namespace Appliance.Hardware;

/// <summary>
/// The physical panel: the LEDs and the panic button on the pins of the map, through any <see cref="GpioDriver"/>.
/// The host tells it the box's condition and the incident's; it tells the host what the teacher did.
/// </summary>
public sealed class Panel : IDisposable
{
    private readonly Lock _lock = new();
    private readonly GpioController _controller;
    private readonly TimeProvider _time;
    private readonly Dictionary<Led, PinAssignment> _leds = [];
    private readonly PinAssignment _button;
    private readonly Debouncer _debouncer;
    private readonly PressClassifier _classifier;
    private readonly LedRunner _runner;
    private SystemCondition _system = SystemCondition.Booting;
    private DateTimeOffset _systemSince;
    private PanicCondition _panic;
    private DateTimeOffset _panicSince;
    private bool _held;

    /// <param name="driver">The GPIO driver (disposed with the panel).</param>
    /// <param name="map">Which pins carry what.</param>
    /// <param name="timing">When presses count.</param>
    /// <param name="debounce">How long the button's level must hold (stable-level debounce).</param>
    /// <param name="time">The clock.</param>
    /// <param name="gesture">Called with what the teacher did (on a timer or GPIO thread; keep it short).</param>
    public Panel(GpioDriver driver, PinMap map, PressTiming timing, TimeSpan debounce, TimeProvider time, Action<Gesture, DateTimeOffset> gesture)
    {
        _time = time;
        _systemSince = _panicSince = time.GetUtcNow();
        _controller = new GpioController(driver);
        foreach (var (led, function) in new[] { (Led.Red, PanelFunctions.Red), (Led.Amber, PanelFunctions.Amber), (Led.Green, PanelFunctions.Green), (Led.Ring, PanelFunctions.Ring) })
        {
            if (map.Find(function) is { } pin)
            {
                _controller.OpenPin(pin.Bcm, PinMode.Output, pin.ActiveLow ? PinValue.High : PinValue.Low);
                _leds[led] = pin;
            }
        }

        _button = map.Find(PanelFunctions.Button) ?? throw new PanelException("pin map: has no 'button.panic'");
        _controller.OpenPin(_button.Bcm, _button.Pull switch { "up" => PinMode.InputPullUp, "down" => PinMode.InputPullDown, _ => PinMode.Input });
        PressClassifier? classifier = null;
        _debouncer = new Debouncer(debounce, time, ReadPressed, (pressed, at) => classifier?.Level(pressed, at));
        _classifier = classifier = new PressClassifier(timing, time, _debouncer.Pressed, (g, at) =>
        {
            if (g is Gesture.Down or Gesture.Up)
            {
                lock (_lock)
                {
                    _held = g == Gesture.Down;
                }

                _runner?.Refresh();
            }

            gesture(g, at);
        });
        _runner = new LedRunner(WriteLed, time, Look);
        _controller.RegisterCallbackForPinValueChangedEvent(_button.Bcm, PinEventTypes.Rising | PinEventTypes.Falling, OnEdge);
        _runner.Refresh();
    }

    /// <summary>BCM number of the button (the simulated panel presses it).</summary>
    public int ButtonPin => _button.Bcm;

    /// <summary>The level on the button's pin that means "pressed".</summary>
    public bool ButtonActiveHigh => !_button.ActiveLow;

    public PanelLook? Current => _runner.Current;

    /// <summary>A press now would count (the start-up quiet time is over, the button was not held through the start).</summary>
    public bool ButtonLive => _classifier.IsLive(_time.GetUtcNow());

    public bool IsLit(Led led) => _runner.IsLit(led);

    public void SetSystem(SystemCondition condition)
    {
        lock (_lock)
        {
            if (_system == condition)
            {
                return;
            }

            _system = condition;
            _systemSince = _time.GetUtcNow();
        }

        _runner.Refresh();
    }

    /// <param name="condition">Where the incident stands.</param>
    /// <param name="since">When it got there (a restored incident keeps its moment, so an acknowledgement's 60 s count from the acknowledgement).</param>
    public void SetPanic(PanicCondition condition, DateTimeOffset since)
    {
        lock (_lock)
        {
            if (_panic == condition && _panicSince == since)
            {
                return;
            }

            _panic = condition;
            _panicSince = since;
        }

        _runner.Refresh();
    }

    private PanelLook Look(DateTimeOffset now)
    {
        lock (_lock)
        {
            var look = PanelLanguage.Compose(_system, _systemSince, _panic, _panicSince, now);
            // While the button is held the ring lights: the teacher feels the press take before it commits.
            return _held && look.Ring.Pattern == LedPattern.Off ? look with { Ring = new LedShow(LedPattern.On, now) } : look;
        }
    }

    private bool ReadPressed() => (_controller.Read(_button.Bcm) == PinValue.High) == !_button.ActiveLow;

    private void WriteLed(Led led, bool lit)
    {
        if (_leds.TryGetValue(led, out var pin))
        {
            _controller.Write(pin.Bcm, lit != pin.ActiveLow ? PinValue.High : PinValue.Low);
        }
    }

    public void Dispose()
    {
        // Edges first (no callback may reach a disposed timer), then the timers, then the pins.
        try
        {
            _controller.UnregisterCallbackForPinValueChangedEvent(_button.Bcm, OnEdge);
        }
        catch (InvalidOperationException)
        {
            // the pin was already closed
        }

        _runner.Dispose();
        _debouncer.Dispose();    // before the classifier: a settling level calls into it
        _classifier.Dispose();
        _controller.Dispose();
    }

    private void OnEdge(object sender, PinValueChangedEventArgs e) => _debouncer.Edge();
}
