using Appliance.Hardware;
using Appliance.Hardware.Button;
using Appliance.Hardware.Drivers;
using Appliance.Hardware.Leds;
using Appliance.Hardware.Pins;
using Appliance.Host.Configuration;

namespace Appliance.Host.Hosting;

/// <summary>
/// The panel in the running box: opens the configured GPIO driver on the pin map's pins at start (a missing chip or
/// library stops the start with the reason), shows the box's condition and the newest incident on the LEDs, and
/// turns the teacher's gestures into incidents. With the simulated driver, <see cref="PressAsync"/> presses the
/// button (the local default's virtual panel; tests).
/// </summary>
public sealed partial class PanelService : BackgroundService
{
    /// <summary>More than this waiting for the LA shows as a backlog on the panel.</summary>
    public const long BacklogRecords = 100_000;

    private static readonly TimeSpan LookEvery = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan ProbeEvery = TimeSpan.FromSeconds(5);
    private readonly PanelSettings _settings;
    private readonly IncidentService _incidents;
    private readonly DnsService _dns;
    private readonly FleetService? _fleet;
    private readonly TimeProvider _time;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly ILogger<PanelService> _logger;
    private FakeGpioDriver? _simulated;

    public PanelService(ApplianceSettings settings, IncidentService incidents, DnsService dns, TimeProvider time, IHostApplicationLifetime lifetime,
        ILogger<PanelService> logger, FleetService? fleet = null)
    {
        _settings = settings.Panel;
        _incidents = incidents;
        _dns = dns;
        _fleet = fleet;
        _time = time;
        _lifetime = lifetime;
        _logger = logger;
    }

    /// <summary>The panel; null for a headless box (driver none) or before start.</summary>
    public Panel? Panel { get; private set; }

    public bool Simulated => _simulated is not null;

    public SystemCondition System { get; private set; } = SystemCondition.Booting;

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        System.Device.Gpio.GpioDriver? driver = null;
        try
        {
            var map = PinMaps.Load(_settings.PinMap);
            driver = GpioDrivers.Create(_settings.Driver, map.ChipLabels, _time);
            if (driver is not null)
            {
                _simulated = driver as FakeGpioDriver;
                Panel = new Panel(driver, map, new PressTiming(), _settings.Debounce, _time, OnGesture);
                Log.Started(_logger, _settings.Driver, _settings.Id, _settings.Room);
            }
        }
        catch (PanelException ex)
        {
            driver?.Dispose();
            throw new StartupException(ex.Message, ex);
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or UnauthorizedAccessException or ArgumentException)
        {
            // A line another program holds, a pin the chip does not have: the start fails with the reason.
            driver?.Dispose();
            throw new StartupException($"panel: cannot open the pins of the pin map: {ex.Message}", ex);
        }

        _incidents.Changed += Refresh;
        return base.StartAsync(cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _incidents.Changed -= Refresh;
        await base.StopAsync(cancellationToken);
    }

    /// <summary>The simulated panel only: holds the button down for <paramref name="hold"/>, as a finger would.</summary>
    public async Task PressAsync(TimeSpan hold, CancellationToken cancellationToken)
    {
        if (_simulated is null || Panel is null)
        {
            throw new InvalidOperationException("only the simulated panel can be pressed from software");
        }

        _simulated.SetInput(Panel.ButtonPin, Panel.ButtonActiveHigh);
        try
        {
            await Task.Delay(hold, _time, cancellationToken);
        }
        finally
        {
            _simulated.SetInput(Panel.ButtonPin, !Panel.ButtonActiveHigh);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (Panel is null)
        {
            return;
        }

        var started = new TaskCompletionSource();
        using var registration = _lifetime.ApplicationStarted.Register(started.SetResult);
        var lastProbe = DateTimeOffset.MinValue;
        while (!stoppingToken.IsCancellationRequested)
        {
            if (started.Task.IsCompleted && _time.GetUtcNow() - lastProbe >= ProbeEvery)
            {
                lastProbe = _time.GetUtcNow();
                System = await ConditionAsync(stoppingToken);
                Panel.SetSystem(System);
            }

            Refresh();
            try
            {
                await Task.Delay(LookEvery, _time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private void Refresh()
    {
        try
        {
            var (condition, since) = _incidents.PanelState(_time.GetUtcNow());
            Panel?.SetPanic(condition, since);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.Failed(_logger, ex.Message);   // the LEDs keep their last look; tried again at the next look
        }
    }

    // Highest priority first: filtering broken, no upstream, the LA link far behind, else OK.
    private async Task<SystemCondition> ConditionAsync(CancellationToken cancel)
    {
        if (!await FilteringProbe.LoopsAnswerAsync(_dns.Server, TimeSpan.FromSeconds(1), cancel))
        {
            return SystemCondition.Fault;
        }

        if (_dns.Server.Forwarder.Servers.All(u => !u.IsHealthy))
        {
            return SystemCondition.UpstreamDown;
        }

        if (_fleet is not null && _fleet.Outbox.Waiting() > BacklogRecords)
        {
            return SystemCondition.Backlog;
        }

        return SystemCondition.Ok;
    }

    private void OnGesture(Gesture gesture, DateTimeOffset at)
    {
        // Off the GPIO/timer thread: a raise writes to disk and seals evidence.
        switch (gesture)
        {
            case Gesture.Raise:
                _ = Task.Run(() => Run(() => _incidents.Raise($"panel {_settings.Id}")));
                break;
            case Gesture.Cancel:
                _ = Task.Run(() => Run(() => _incidents.Cancel($"panel {_settings.Id}")));
                break;
        }
    }

    private void Run(Action action)
    {
        try
        {
            action();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Not stored (or not fully handled): the LED does not confirm a raise that is not on disk, and the log
            // says why (the teacher uses the fallback).
            Log.RaiseFailed(_logger, ex.Message);
        }
    }

    public override void Dispose()
    {
        Panel?.Dispose();
        base.Dispose();
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 520, Level = LogLevel.Information, Message = "Panel: {Driver} driver, {Id} in {Room}")]
        public static partial void Started(ILogger logger, PanelDriverKind driver, string id, string room);

        [LoggerMessage(EventId = 521, Level = LogLevel.Critical, Message = "ALERT: a panic-button raise could not be recorded: {Problem}")]
        public static partial void RaiseFailed(ILogger logger, string problem);

        [LoggerMessage(EventId = 522, Level = LogLevel.Error, Message = "ALERT: the panel cannot read the incidents: {Problem}")]
        public static partial void Failed(ILogger logger, string problem);
    }
}
