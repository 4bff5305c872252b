using System.Net;
using Appliance.Core.Events;
using Appliance.Core.Identity;
using Appliance.Core.Net;
using Appliance.Core.Policy;
using Appliance.Dns.Cache;
using Appliance.Dns.RateLimit;
using Appliance.Dns.Resolution;
using Appliance.Dns.Transport;
using Appliance.Dns.Upstream;
using Appliance.Protocols.Dns;
using Microsoft.Extensions.Logging;

namespace Appliance.Dns;

/// <summary>
/// The resolver, assembled: a UDP and a TCP listener per configured endpoint, one query processor, one cache,
/// one forwarder. The data flow:
/// <code>
///  UDP/TCP listener ─► QueryProcessor ─► PolicyEngine.Decide ─► DnsCache ─hit─► answer
///                                                                  │miss
///                                                                  ▼
///                          answer ◄─ Forwarder (slots, retries) ◄─► upstream channels (UDP, TCP, TLS)
///  every query ─► EventRing&lt;QueryEvent&gt; ─► (drained by the host; made durable by the journal)
/// </code>
/// </summary>
public sealed class DnsServer : INameWarmer, IDisposable
{
    private readonly DnsServerOptions _options;
    private readonly ILoggerFactory _loggers;
    private readonly List<IDisposable> _listeners = [];
    private readonly TimeProvider _time;
    private int _disposed;

    public DnsServer(DnsServerOptions options, PolicyEngine policy, EventRing<QueryEvent> events, TimeProvider time, ILoggerFactory loggers,
        IIdentityMap? identities = null)
    {
        _options = options;
        _loggers = loggers;
        _time = time;
        Events = events;
        Cache = new DnsCache(options.Cache, time);
        Policy = new AnswerPolicy(policy, identities, time, options.StatutoryLogKey);
        Forwarder = new Forwarder(options, Cache, Counters, events, time, loggers.CreateLogger<Forwarder>()) { Policy = Policy };
        Processor = new QueryProcessor(Cache, Forwarder, Policy, new ClientRateLimiter(options.RateLimit, time), events, Counters, time, options,
            loggers.CreateLogger<QueryProcessor>());
        Warmer = new NameWarmer(Cache, Forwarder, time);
    }

    public DnsCounters Counters { get; } = new();

    public DnsCache Cache { get; }

    public Forwarder Forwarder { get; }

    public AnswerPolicy Policy { get; }

    public QueryProcessor Processor { get; }

    public EventRing<QueryEvent> Events { get; }

    /// <summary>Keeps names (a lesson's hosts) warm in <see cref="Cache"/>: see <see cref="KeepWarm"/>.</summary>
    public NameWarmer Warmer { get; }

    /// <summary>The endpoints actually bound (a configured port 0 becomes the port the system chose).</summary>
    public IReadOnlyList<IPEndPoint> EndPoints { get; private set; } = [];

    /// <summary>The UDP engine in use, for health and benchmarks.</summary>
    public UdpEngine Engine { get; private set; }

    /// <summary>Binds every endpoint (UDP, then TCP on the same port) and starts serving.</summary>
    /// <exception cref="System.Net.Sockets.SocketException">An endpoint could not be bound.</exception>
    public void Start()
    {
        Forwarder.Start();
        Engine = _options.UdpEngine == UdpEngine.Async || !BatchedUdpListener.IsSupported ? UdpEngine.Async : UdpEngine.Batched;
        var bound = new List<IPEndPoint>();
        foreach (var endPoint in _options.Listen)
        {
            // Port 0 (tests, tools): the system picks a free UDP port, and TCP must then get the same number. Another
            // process may hold that TCP port, so pick again rather than fail.
            for (var attempt = 1; ; attempt++)
            {
                var udp = BindUdp(endPoint);
                var local = udp.LocalEndPoint;
                try
                {
                    var tcp = new DnsTcpListener(local, Processor, _options, _loggers.CreateLogger<DnsTcpListener>());
                    udp.Start();
                    _listeners.Add(udp);
                    _listeners.Add(tcp);
                    tcp.Start();
                    bound.Add(local);
                    break;
                }
                catch (System.Net.Sockets.SocketException ex) when (endPoint.Port == 0 && attempt < 10
                    && ex.SocketErrorCode == System.Net.Sockets.SocketError.AddressAlreadyInUse)
                {
                    udp.Dispose();
                }
            }
        }

        EndPoints = bound;
    }

    private IUdpListener BindUdp(IPEndPoint endPoint) => Engine == UdpEngine.Batched
        ? new BatchedUdpListener(endPoint, Processor, _loggers.CreateLogger<BatchedUdpListener>(), Counters)
        : new UdpListener(endPoint, Processor, _loggers.CreateLogger<UdpListener>());

    /// <summary>
    /// Looks up the addresses of every safe-search enforcement name (A and AAAA) into the cache, so that the first
    /// pupil to search gets an enforced answer at once; prefetch keeps them fresh while they are used.
    /// </summary>
    public void WarmSafeSearch()
    {
        Span<byte> key = stackalloc byte[CacheKey.MaxLength];
        foreach (var target in SafeSearch.Targets)
        {
            foreach (var type in (ReadOnlySpan<ushort>)[DnsType.A, DnsType.Aaaa])
            {
                var length = CacheKey.Write(key, SafeSearch.TargetName(target), type, DnsClass.IN, dnssecOk: false, checkingDisabled: false);
                Forwarder.Warm(key[..length], CacheKey.Hash(key[..length]), _time.GetTimestamp());
            }
        }
    }

    /// <inheritdoc/>
    public int KeepWarm(IReadOnlyCollection<string> hostNames) => Warmer.KeepWarm(hostNames);

    /// <summary>Stops every listener and upstream channel. Safe to call more than once (host stop, then DI).</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        // Upstreams first, so no late answer is sent on a listener socket that is already closed.
        Forwarder.Dispose();
        foreach (var listener in _listeners)
        {
            listener.Dispose();
        }
    }
}
