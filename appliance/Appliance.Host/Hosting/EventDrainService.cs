using Appliance.Core.Events;
using Appliance.Core.Policy;
using Appliance.Journal;
using Appliance.Policy;
using Appliance.Protocols.Dns;

namespace Appliance.Host.Hosting;

/// <summary>
/// The background consumer of the query event ring: drains it every 20 ms (a 16k ring then absorbs 800k queries/s)
/// so the hot path never waits, writes each batch to the journal (SQLite, <see cref="QueryJournal"/>), keeps
/// running totals for health, logs each query at Debug level when asked, and prunes the journal hourly by its
/// retention. A batch the journal cannot take (full disk) is counted and reported, and the drain goes on: the
/// resolver never waits for storage.
/// </summary>
public sealed partial class EventDrainService : BackgroundService
{
    public static readonly TimeSpan PruneInterval = TimeSpan.FromHours(1);
    public static readonly TimeSpan DrainInterval = TimeSpan.FromMilliseconds(20);

    private readonly EventRing<QueryEvent> _ring;
    private readonly QueryJournal _journal;
    private readonly PolicyEngine _policy;
    private readonly ILogger<EventDrainService> _logger;
    private readonly TimeProvider _time;
    private readonly FleetService? _fleet;
    private readonly AlertService? _alerts;
    private readonly Appliance.Journal.Audit.AuditLog? _audit;
    private readonly TimeSpan _auditRetention;
    private readonly Pseudonyms? _pseudonyms;

    // Who is behind an address (RADIUS accounting): the journal's user column.
    private readonly Func<Appliance.Core.Net.ClientAddress, (string User, string? Group)?>? _userOf;

    /// <summary>The key behind the pseudonyms (journal and fleet share it, so one pupil has one pseudonym).</summary>
    public const string PseudonymKeyFile = "pseudonym.key";
    private readonly QueryEvent[] _batch = new QueryEvent[4_096];
    private long _drained;
    private long _lost;
    private DateTimeOffset _lastPrune;

    public EventDrainService(EventRing<QueryEvent> ring, QueryJournal journal, PolicyEngine policy, TimeProvider time, ILogger<EventDrainService> logger,
        AlertService? alerts = null, FleetService? fleet = null, Appliance.Journal.Audit.AuditLog? audit = null, Configuration.ApplianceSettings? settings = null,
        Appliance.Core.Identity.IIdentityMap? identities = null)
    {
        _userOf = identities is null ? null : client => identities.TryResolve(client, out var identity) && identity.User is { } user ? (user, identity.Group) : null;
        _audit = audit;
        _auditRetention = settings?.Journal.AuditRetention ?? TimeSpan.MaxValue;
        _pseudonyms = settings is { Journal.PseudonymiseGroups.Count: > 0 }
            ? new Pseudonyms(PolicySetup.SecretKey(settings.DataDir, PseudonymKeyFile), settings.Journal.PseudonymiseGroups)
            : null;
        _fleet = fleet;
        _alerts = alerts;
        _ring = ring;
        _journal = journal;
        _policy = policy;
        _time = time;
        _logger = logger;
        _lastPrune = time.GetUtcNow();
    }

    public long Drained => Interlocked.Read(ref _drained);

    /// <summary>Events drained but not stored because the journal refused a batch.</summary>
    public long NotStored => Interlocked.Read(ref _lost);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Its own thread at nice 19 (BackgroundWork): the journal must never take the CPU from the threads that
        // answer. With one core saturated, writing every query to SQLite cut the resolver's max qps by a third;
        // now, under such overload, the ring overflows and the events it could not hold are counted
        // (health: eventsDropped) while filtering goes on. At a school's real rates the drain keeps up easily
        // (88,000 events/s measured, docs/performance.md).
        var debug = _logger.IsEnabled(LogLevel.Debug);
        await BackgroundWork.RunAsync(() =>
        {
            while (!stoppingToken.WaitHandle.WaitOne(DrainInterval))
            {
                Drain(debug);
                _fleet?.FlushRecords(final: false);
            }

            Drain(debug);
            _fleet?.FlushRecords(final: true);
            return true;
        }, "event drain");
    }

    private void Drain(bool debug)
    {
        while (true)
        {
            var n = 0;
            while (n < _batch.Length && _ring.TryRead(out _batch[n]))
            {
                n++;
            }

            if (n == 0)
            {
                break;
            }

            Interlocked.Add(ref _drained, n);
            Store(_batch.AsSpan(0, n));
            if (debug && _logger.IsEnabled(LogLevel.Debug))
            {
                foreach (ref readonly var e in _batch.AsSpan(0, n))
                {
#pragma warning disable CA1873 // guarded by IsEnabled above; the analyzer does not see through the local
                    Log.Query(_logger, e.Source, e.Client.ToIPAddress(), DnsName.ToDisplayString(e.WireName), e.QueryType, e.Rcode, (int)e.Reason, e.Flags);
#pragma warning restore CA1873
                }
            }
        }

        var now = _time.GetUtcNow();
        if (now - _lastPrune >= PruneInterval)
        {
            _lastPrune = now;
            try
            {
                var pruned = _journal.Prune(now);
                if (_audit is not null && _auditRetention < TimeSpan.MaxValue)
                {
                    pruned += _audit.Prune(now - _auditRetention);
                }

                Log.Pruned(_logger, pruned);
            }
            catch (Microsoft.Data.Sqlite.SqliteException ex)
            {
                Log.PruneFailed(_logger, ex.Message);
            }
        }
    }

    private void Store(ReadOnlySpan<QueryEvent> batch)
    {
        var groups = _policy.Snapshot.Groups;
        // Group names from the current policy: a swap between the decision and this drain (20 ms) could name a
        // renamed group by its new name, never a wrong index.
        string GroupName(byte g) => g < groups.Count ? groups[g].Name : $"group {g}";
        try
        {
            _fleet?.Append(batch, GroupName);
            if (_alerts?.Raise(batch, GroupName) is { Count: > 0 } raised)
            {
                _fleet?.AppendAlerts(raised);
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Nothing the fleet or the alerts do may stop the drain: the journal below and the resolver's ring depend on it.
            Log.NotStored(_logger, $"fleet/alerts: {ex.Message}");
        }

        try
        {
            _journal.Append(batch, GroupName, _pseudonyms, _userOf);
        }
        catch (JournalException ex)
        {
            Interlocked.Add(ref _lost, batch.Length);
            Log.NotStored(_logger, ex.Message);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 100, Level = LogLevel.Debug, Message = "{Source} {Client} {Name} type {Type} -> rcode {Rcode} reason {Reason} {Flags}")]
        public static partial void Query(ILogger logger, Appliance.Core.Policy.RequestSource source, System.Net.IPAddress client, string name, ushort type, byte rcode, int reason, QueryEventFlags flags);

        [LoggerMessage(EventId = 101, Level = LogLevel.Error, Message = "ALERT: query events not stored: {Problem}")]
        public static partial void NotStored(ILogger logger, string problem);

        [LoggerMessage(EventId = 102, Level = LogLevel.Information, Message = "Journal pruned by retention: {Rows} rows")]
        public static partial void Pruned(ILogger logger, long rows);

        [LoggerMessage(EventId = 103, Level = LogLevel.Error, Message = "Journal could not be pruned: {Problem}")]
        public static partial void PruneFailed(ILogger logger, string problem);
    }
}
