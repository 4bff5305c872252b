using Appliance.Core.Events;
using Appliance.Core.Identity;
using Appliance.Core.Policy;
using Appliance.PacketFilter.Inspection;
using Appliance.PacketFilter.Monitor;
using Appliance.PacketFilter.Queue;

namespace Appliance.PacketFilter;

/// <summary>What the running packet filter does: judge queued packets inline, or watch a mirror port.</summary>
public sealed record PacketFilterRunOptions
{
    /// <summary>Inline (bridge or router mode): one NFQUEUE worker per queue number from <see cref="FirstQueue"/>.</summary>
    public bool Inline { get; init; }

    public ushort FirstQueue { get; init; }

    public ushort QueueCount { get; init; } = 1;

    public uint CopyRange { get; init; } = 4096;

    public uint QueueMaxLength { get; init; } = 4096;

    /// <summary>Monitor mode: the mirror port to watch (null: no monitor).</summary>
    public string? MonitorInterface { get; init; }

    public InspectionOptions Inspection { get; init; } = new();
}

/// <summary>A point-in-time view of the packet filter for health and the web UI.</summary>
public sealed record PacketFilterHealth(string Mode, IReadOnlyList<QueueHealth> Queues, long MonitorPackets, long Flows, long Named, long Blocked,
    long Unnamed, long Unreadable, int FlowsHeld, long FlowsEvicted, string? Problem);

/// <summary>One queue's worker: what it has answered.</summary>
public sealed record QueueHealth(ushort Queue, long Packets, long Allowed, long Blocked, long Passed, long KernelErrors, long Truncated, long JudgeFailures);

/// <summary>
/// The packet filter in the running box: the queue workers (one <see cref="NfQueue"/> and one <see cref="FlowInspector"/>
/// each — flows of one host pair always hash to the same queue, so no state is shared) or the mirror-port monitor.
/// Queues are bound at <see cref="Start"/>, so a box that cannot filter says so before it reports ready.
/// </summary>
public sealed class PacketFilterRunner : IDisposable
{
    private readonly PacketFilterRunOptions _options;
    private readonly List<(NfQueue Queue, FlowInspector Inspector)> _workers = [];
    private FlowInspector? _monitorInspector;
    private MirrorMonitor? _monitor;
    private volatile string? _problem;
    private Task? _running;
    private QueueLiveness? _liveness;

    public PacketFilterRunner(PacketFilterRunOptions options) => _options = options;

    /// <summary>
    /// Binds every queue (in the calling thread's network namespace) or starts the monitor, each with its own
    /// inspector sharing the policy, identities and event ring.
    /// </summary>
    /// <exception cref="PacketFilterException">A queue cannot be bound; nothing is left open.</exception>
    /// <exception cref="Capture.CaptureException">The mirror port cannot be watched.</exception>
    public void Start(PolicyEngine policy, IIdentityMap? identities, EventRing<QueryEvent> events, TimeProvider time)
    {
        try
        {
            if (_options.Inline)
            {
                _liveness = new QueueLiveness(time, StallLimit);
                for (var i = 0; i < _options.QueueCount; i++)
                {
                    var queue = NfQueue.Open(new NfQueueOptions
                    {
                        Queue = (ushort)(_options.FirstQueue + i),
                        CopyRange = _options.CopyRange,
                        MaxLength = _options.QueueMaxLength,

                        // A packet whose judging throws is treated as an unreadable flow: reset when those are (strict).
                        FailureVerdict = _options.Inspection.UnreadableFlows == UnnamedFlowPolicy.Strict ? PacketVerdict.Block : PacketVerdict.Allow,
                    });
                    _workers.Add((queue, new FlowInspector(policy, identities, events, time, _options.Inspection)));
                }
            }

            if (_options.MonitorInterface is { } mirror)
            {
                _monitorInspector = new FlowInspector(policy, identities, events, time, _options.Inspection with { Enforce = false });
                _monitor = MirrorMonitor.Start(mirror, _monitorInspector);
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>Runs the queue workers until cancelled, each on its own thread; a worker that fails is reported in <see cref="Health"/> (traffic then bypasses the queue).</summary>
    public Task RunAsync(CancellationToken cancellationToken) => _running = Task.WhenAll(_workers.Select(async w =>
    {
        try
        {
            await w.Queue.RunAsync(w.Inspector, cancellationToken);
        }
        catch (Exception ex) when (ex is System.Net.Sockets.SocketException or ObjectDisposedException or PacketFilterException)
        {
            _problem = $"queue {w.Queue.Number} stopped: {ex.Message}; its traffic now bypasses the filter (--queue-bypass)";
            throw;
        }
        finally
        {
            w.Inspector.Dispose();   // only once its loop has stopped: the flow table is the loop thread's alone
        }
    }));

    /// <summary>How long a verdict loop may go without turning before it counts as stuck (eight receive timeouts).</summary>
    public static readonly TimeSpan StallLimit = TimeSpan.FromSeconds(2);

    /// <summary>
    /// False when a queue's loop has stopped or has not turned for <see cref="StallLimit"/>; true with no queues (the
    /// watchdog then vouches for DNS alone). Called by one thread.
    /// </summary>
    public bool LoopsTurning() =>
        _liveness is null || (_problem is null && _running is not { IsCompleted: true } && _liveness.AllTurning([.. _workers.Select(w => w.Queue.Counters.Turns)]));

    public PacketFilterHealth Health()
    {
        var inspectors = _workers.Select(w => w.Inspector).Concat(_monitorInspector is null ? [] : [_monitorInspector]).ToList();
        return new PacketFilterHealth(
            _options.Inline ? "inline" : _monitor is not null ? "monitor" : "off",
            [.. _workers.Select(w => new QueueHealth(w.Queue.Number, w.Queue.Counters.Packets, w.Queue.Counters.Allowed, w.Queue.Counters.Blocked,
                w.Queue.Counters.Passed, w.Queue.Counters.KernelErrors, w.Queue.Counters.Truncated, w.Queue.Counters.JudgeFailures))],
            _monitor?.Packets ?? 0,
            inspectors.Sum(i => i.Counters.Flows),
            inspectors.Sum(i => i.Counters.Named),
            inspectors.Sum(i => i.Counters.Blocked),
            inspectors.Sum(i => i.Counters.Unnamed),
            inspectors.Sum(i => i.Counters.Unreadable),
            inspectors.Sum(i => i.FlowTableState.Held),
            inspectors.Sum(i => i.FlowTableState.Evicted),
            _problem ?? Failure());
    }

    // A packet whose judging threw (it was let through): a bug to see in health, not a reason to stop.
    private string? Failure()
    {
        var queued = _workers.Select(w => w.Queue.Counters.LastFailure).FirstOrDefault(f => f is not null);
        return queued is not null ? $"a queued packet could not be judged (it got the failure verdict): {queued}"
            : _monitor?.LastFailure is { } mirrored ? $"a mirrored packet could not be judged: {mirrored}"
            : null;
    }

    public void Dispose()
    {
        // The loops notice cancellation within their 250 ms receive timeout; close nothing under a loop still running.
        try
        {
            _running?.Wait(TimeSpan.FromSeconds(2));
        }
        catch (AggregateException)
        {
            // reported in Health by the worker itself
        }

        foreach (var (queue, _) in _workers)
        {
            queue.Dispose();
        }

        _workers.Clear();
        _monitor?.Dispose();   // stops the capture, then gives back the monitor inspector's buffers under its lock
        _monitor = null;
    }
}
