using Appliance.Core.Events;
using Appliance.Dns.Cache;
using Appliance.Dns.Resolution;
using Microsoft.Extensions.Logging;

namespace Appliance.Dns.Upstream;

/// <summary>
/// Sends cache misses to the upstreams and brings their answers back. A fixed table of
/// <see cref="PendingQuery"/> slots (never more than <see cref="DnsServerOptions.MaxInFlight"/>) is indexed by a
/// random 16-bit query id; an answer is accepted only from the channel the query went out on, with the slot's
/// current id and the same question (anti-spoofing, RFC 5452 §9.1). Timeouts, refused ports and SERVFAIL move a
/// query to the next upstream; TC moves it to TCP; when nothing is left it is answered stale (RFC 8767) or
/// SERVFAIL. Every upstream query is our own: new id, the client's question, our OPT — so ECS and cookies from
/// clients are never forwarded (RFC 7871 §7.1.2: a forwarder may strip ECS).
/// </summary>
public sealed partial class Forwarder : IDisposable
{
    private const int NoSlot = -1;
    private readonly PendingQuery[] _slots;
    private readonly int[] _free;
    private int _freeCount;
    private readonly int[] _idToSlot = new int[65_536];
    private readonly ushort[] _randomIds = new ushort[1_024];
    private int _randomIdsUsed;
    private readonly Lock _lock = new();
    private readonly Lock _scanLock = new();
    private readonly PendingQuery[] _expired;
    private readonly (Waiter Waiter, CacheEntry Entry)[] _staleNow;
    private readonly long _staleAfterTicks;

    /// <summary>
    /// RFC 8767 §5 "client response timer": a client whose question has an expired answer in the cache gets that
    /// answer after this long if the upstreams have not answered yet; the refresh carries on in the background.
    /// </summary>
    public static readonly TimeSpan StaleAnswerDelay = TimeSpan.FromMilliseconds(1_800);
    private readonly Waiter[] _waiters;
    private readonly int[] _freeWaiters;
    private int _freeWaiterCount;
    private readonly int[] _inFlightBuckets;
    private readonly Dictionary<ulong, int> _perClient;
    private readonly byte[] _scanScratch = new byte[65_536];

    private readonly DnsServerOptions _options;
    private readonly DnsCache _cache;
    private readonly DnsCounters _counters;
    private readonly EventRing<QueryEvent> _events;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly long _attemptTicks;
    private readonly long _resolveTicks;
    private readonly int _maxAttempts;
    private UpstreamServer[] _servers = [];
    private ITimer? _timer;
    private volatile bool _stopped;

    public Forwarder(DnsServerOptions options, DnsCache cache, DnsCounters counters, EventRing<QueryEvent> events, TimeProvider time, ILogger logger)
    {
        if (options.Upstreams.Count > 32)
        {
            throw new ArgumentException("At most 32 upstreams are supported.", nameof(options));
        }

        _options = options;
        _cache = cache;
        _counters = counters;
        _events = events;
        _time = time;
        _logger = logger;
        _attemptTicks = (long)(options.UpstreamAttemptTimeout.TotalSeconds * time.TimestampFrequency);
        _resolveTicks = (long)(options.ResolveTimeout.TotalSeconds * time.TimestampFrequency);
        _maxAttempts = Math.Max(2, options.Upstreams.Count);
        _slots = new PendingQuery[options.MaxInFlight];
        _free = new int[options.MaxInFlight];
        _expired = new PendingQuery[options.MaxInFlight];
        _staleNow = new (Waiter, CacheEntry)[options.MaxInFlight];
        _staleAfterTicks = (long)(StaleAnswerDelay.TotalSeconds * time.TimestampFrequency);
        for (var i = 0; i < _slots.Length; i++)
        {
            _slots[i] = new PendingQuery(i);
            _free[i] = _slots.Length - 1 - i;
        }

        _freeCount = _slots.Length;
        _waiters = new Waiter[options.MaxInFlight];
        _freeWaiters = new int[options.MaxInFlight];
        for (var i = 0; i < _waiters.Length; i++)
        {
            _waiters[i] = new Waiter(i);
            _freeWaiters[i] = i;
        }

        _freeWaiterCount = _waiters.Length;
        _inFlightBuckets = new int[System.Numerics.BitOperations.RoundUpToPowerOf2((uint)options.MaxInFlight * 2)];
        Array.Fill(_inFlightBuckets, NoSlot);
        Array.Fill(_idToSlot, NoSlot);
        _perClient = new Dictionary<ulong, int>(options.MaxInFlight);   // sized once: never grows past the slots
        _randomIdsUsed = _randomIds.Length;
    }

    public IReadOnlyList<UpstreamServer> Servers => _servers;

    /// <summary>Checks the CNAME chains of answers against each client's policy before they go out (set once, at start).</summary>
    public AnswerPolicy? Policy { get; set; }

    public int InFlight => _slots.Length - Volatile.Read(ref _freeCount);

    public void Start()
    {
        _servers = _options.Upstreams.Select((u, i) => new UpstreamServer(i, u, _options.UdpSocketsPerUpstream, this, _time)).ToArray();
        foreach (var server in _servers)
        {
            server.Start();
        }

        var period = TimeSpan.FromMilliseconds(Math.Clamp(_options.UpstreamAttemptTimeout.TotalMilliseconds / 10, 10, 100));
        _timer = _time.CreateTimer(_ => ScanGuarded(), null, period, period);
    }

    /// <summary>True when upstreams exist and every one is marked down: answer stale at once rather than wait.</summary>
    public bool AllUpstreamsDown(long now)
    {
        var servers = _servers;
        if (servers.Length == 0)
        {
            return true;
        }

        foreach (var server in servers)
        {
            if (!server.IsDown(now))
            {
                return false;
            }
        }

        return true;
    }

    public void Dispose()
    {
        var timer = Interlocked.Exchange(ref _timer, null);
        if (timer is null)
        {
            return;
        }

        // A scan running now (a timer callback is not waited for by Dispose) finishes before the sockets close, and
        // none starts after: otherwise a stop right after start logged a send on a disposed socket.
        _stopped = true;
        timer.Dispose();
        lock (_scanLock)
        {
        }

        foreach (var server in _servers)
        {
            server.Dispose();
        }
    }
}
