using Microsoft.Extensions.Hosting.Systemd;

namespace Appliance.Host.Hosting;

/// <summary>
/// systemd's watchdog (sd_watchdog_enabled(3)): when the unit sets WatchdogSec, systemd passes WATCHDOG_USEC and
/// restarts the service if no "WATCHDOG=1" arrives in time. We beat at half the interval, and only after a probe
/// query has gone through every UDP listener's real receive loop and come back, and while every packet-filter verdict
/// loop is still turning (DESIGN §5: the heartbeat proves the filtering loops are alive, not merely that the process
/// exists). The probe is a STATUS-opcode query, answered NOTIMP by the loop without touching cache, upstreams or policy.
/// </summary>
public sealed partial class WatchdogService : BackgroundService
{
    private readonly DnsService _dns;
    private readonly PacketFilterService? _packetFilter;
    private readonly ISystemdNotifier? _notifier;
    private readonly TimeProvider _time;
    private readonly ILogger<WatchdogService> _logger;
    private readonly IHostApplicationLifetime _lifetime;

    public WatchdogService(DnsService dns, TimeProvider time, IHostApplicationLifetime lifetime, ILogger<WatchdogService> logger, ISystemdNotifier? notifier = null,
        PacketFilterService? packetFilter = null)
    {
        _packetFilter = packetFilter;
        _lifetime = lifetime;
        _dns = dns;
        _time = time;
        _logger = logger;
        _notifier = notifier;
    }

    /// <summary>The interval systemd asked for, or null when no watchdog is configured for this process.</summary>
    public static TimeSpan? RequestedInterval()
    {
        if (!long.TryParse(Environment.GetEnvironmentVariable("WATCHDOG_USEC"), out var usec) || usec <= 0)
        {
            return null;
        }

        var pid = Environment.GetEnvironmentVariable("WATCHDOG_PID");
        return pid is null || pid == Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)
            ? TimeSpan.FromMicroseconds(usec)
            : null;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_notifier is not { IsEnabled: true } || RequestedInterval() is not { } interval)
        {
            return;
        }

        // Beat only once every service has started (ApplicationStarted), so a beat never vouches for a half-started box.
        var started = new TaskCompletionSource();
        using (_lifetime.ApplicationStarted.Register(started.SetResult))
        {
            await started.Task.WaitAsync(stoppingToken);
        }

        // The hosting library's READY=1 also hangs off ApplicationStarted, and a token runs its callbacks in reverse order
        // of registration, so ours runs first and our first beat could reach systemd before READY=1 (CI saw exactly
        // that). The first beat therefore carries READY=1 with it: sd_notify(3) takes several newline-separated
        // assignments in one datagram, and a second READY=1 while running is harmless.
        var state = "READY=1\nWATCHDOG=1";
        var period = interval / 2;
        using var timer = new PeriodicTimer(period, _time);
        do
        {
            var dns = await FilteringProbe.LoopsAnswerAsync(_dns.Server, TimeSpan.FromMilliseconds(Math.Min(1_000, period.TotalMilliseconds / 2)), stoppingToken);
            var queues = _packetFilter?.LoopsTurning() ?? true;
            if (dns && queues)
            {
                _notifier.Notify(new ServiceState(state));
                state = "WATCHDOG=1";
            }
            else if (!dns)
            {
                Log.ProbeFailed(_logger);   // no beat: systemd restarts us if this persists
            }
            else
            {
                Log.QueuesStalled(_logger);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "Watchdog probe got no answer from a DNS listener; withholding the systemd heartbeat")]
        public static partial void ProbeFailed(ILogger logger);

        [LoggerMessage(EventId = 14, Level = LogLevel.Warning, Message = "Watchdog: a packet-filter verdict loop has stopped turning; withholding the systemd heartbeat")]
        public static partial void QueuesStalled(ILogger logger);
    }
}
