using Appliance.Core.Events;
using Appliance.Core.Policy;
using Appliance.Host.Configuration;
using Appliance.PacketFilter;
using Appliance.PacketFilter.Capture;
using Appliance.PacketFilter.Firewall;

namespace Appliance.Host.Hosting;

/// <summary>
/// The packet filter in the running box (DESIGN §3). Inline modes (bridge, router): at start the ruleset is applied
/// (idempotent: an unchanged ruleset is left as it is) and every queue bound, so a box that cannot filter fails its
/// start with the reason instead of running blind; then one verdict loop per queue. Monitor mode: the mirror port is
/// watched. The ruleset is left in place at stop: its <c>--queue-bypass</c> lets traffic through while no one
/// listens (fail-open), and removing it would also lift the DNS redirect and the DoT/QUIC/DoH rejects.
/// </summary>
public sealed partial class PacketFilterService : BackgroundService
{
    private readonly PacketFilterSettings _settings;
    private readonly byte[]? _statutoryLogKey;
    private readonly PolicyEngine _policy;
    private readonly EventRing<QueryEvent> _events;
    private readonly TimeProvider _time;
    private readonly ILogger<PacketFilterService> _logger;
    private PacketFilterRunner? _runner;

    private readonly Appliance.Core.Identity.IIdentityMap? _identities;
    private readonly Appliance.Journal.Audit.AuditLog? _audit;

    // identities: who is behind an address, once something (RADIUS accounting, issue 7) registers a map; without, by subnet.
    public PacketFilterService(ApplianceSettings settings, PolicyEngine policy, EventRing<QueryEvent> events, TimeProvider time, ILogger<PacketFilterService> logger,
        Appliance.Core.Identity.IIdentityMap? identities = null, Appliance.Journal.Audit.AuditLog? audit = null)
    {
        _identities = identities;
        _audit = audit;
        _settings = settings.PacketFilter;
        _statutoryLogKey = settings.Dns.StatutoryLogKey;
        _policy = policy;
        _events = events;
        _time = time;
        _logger = logger;
    }

    /// <summary>What the filter has done, with the kernel's own queue counters; null when it is off.</summary>
    public PacketFilterHealth? Health() => _runner?.Health();

    /// <summary>For the watchdog: every verdict loop is turning (true when the filter runs no queues).</summary>
    public bool LoopsTurning() => _runner?.LoopsTurning() ?? true;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        var mode = _settings.Mode;
        if (mode is FirewallMode.Off or FirewallMode.DnsOnly)
        {
            return;
        }

        try
        {
            if (mode is FirewallMode.Bridge or FirewallMode.Router)
            {
                var plan = await FirewallPlan.CreateAsync(_settings.ToFirewallOptions(), new ProcessToolRunner(), cancellationToken: cancellationToken);
                var lines = await new FirewallInstaller(new ProcessToolRunner()).ApplyAsync(plan, cancellationToken);
                foreach (var line in lines)
                {
                    Log.Ruleset(_logger, line);
                }

                // A start that changed the ruleset (a new box, a changed packetFilter section) is a change like any other.
                if (lines.Any(l => l.Contains(": installed", StringComparison.Ordinal) || l.Contains(": removed", StringComparison.Ordinal)))
                {
                    var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(plan.Render())));
                    if (_audit is not null && !((IAuditSink)_audit).Record("system", "firewall.applied", FirewallPlan.ModeName(mode),
                        AuditDetail.Of(("rulesetSha256", hash), ("changes", string.Join("; ", lines)))))
                    {
                        Log.NotAudited(_logger, _audit.Path);
                    }
                }
            }

            var runner = new PacketFilterRunner(_settings.ToRunOptions(_statutoryLogKey));
            runner.Start(_policy, _identities, _events, _time);
            _runner = runner;
            var (name, described) = (FirewallPlan.ModeName(mode), _settings.Describe());
            Log.Started(_logger, name, described);
        }
        catch (Exception ex) when (ex is FirewallException or PacketFilterException or CaptureException)
        {
            throw new StartupException($"packet filter ({FirewallPlan.ModeName(mode)}): {ex.Message}", ex);
        }

        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_runner is null)
        {
            return;
        }

        try
        {
            await _runner.RunAsync(stoppingToken);
        }
        catch (Exception ex) when (ex is System.Net.Sockets.SocketException or ObjectDisposedException or PacketFilterException)
        {
            // Health carries the problem; traffic bypasses the dead queue (--queue-bypass) until the service restarts.
            Log.Failed(_logger, ex.Message);
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        _runner?.Dispose();
    }

    public override void Dispose()
    {
        _runner?.Dispose();
        base.Dispose();
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 60, Level = LogLevel.Information, Message = "Packet filter {Mode}: {Settings}")]
        public static partial void Started(ILogger logger, string mode, string settings);

        [LoggerMessage(EventId = 61, Level = LogLevel.Information, Message = "Firewall: {Line}")]
        public static partial void Ruleset(ILogger logger, string line);

        [LoggerMessage(EventId = 63, Level = LogLevel.Error, Message = "The ruleset was changed, but the audit log {Path} could not record it")]
        public static partial void NotAudited(ILogger logger, string path);

        [LoggerMessage(EventId = 62, Level = LogLevel.Error, Message = "Packet filter stopped: {Reason}; traffic now bypasses it (--queue-bypass)")]
        public static partial void Failed(ILogger logger, string reason);
    }
}
