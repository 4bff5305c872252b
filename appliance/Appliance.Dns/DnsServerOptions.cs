using System.Net;

namespace Appliance.Dns;

/// <summary>How a client that exceeds its rate is answered.</summary>
public enum RateLimitAction
{
    /// <summary>Answer REFUSED (cheap for us, tells a misconfigured client something is wrong).</summary>
    Refuse,

    /// <summary>Say nothing (denies a spoofed-source flood any reflection).</summary>
    Drop,
}

/// <summary>Which UDP receive engine the listeners use.</summary>
public enum UdpEngine
{
    /// <summary>Batched recvmmsg/sendmmsg on 64-bit Linux, async sockets elsewhere.</summary>
    Auto,

    /// <summary><c>Socket.ReceiveFromAsync(…, SocketAddress)</c>: portable, one system call per datagram.</summary>
    Async,

    /// <summary><c>recvmmsg</c>/<c>sendmmsg</c> on a dedicated thread: up to 64 datagrams per system call.</summary>
    Batched,
}

/// <summary>One upstream resolver.</summary>
public sealed record UpstreamOptions(IPEndPoint EndPoint, bool Tls = false, string? TlsName = null, string? TlsCaFile = null)
{
    public override string ToString() => Tls ? $"tls://{EndPoint}#{TlsName}" : EndPoint.ToString();
}

public sealed record CacheOptions
{
    /// <summary>At most this many answers are kept (the least recently used goes first).</summary>
    public int MaxEntries { get; init; } = 100_000;

    /// <summary>And at most this many bytes of answers.</summary>
    public long MaxBytes { get; init; } = 64L * 1024 * 1024;

    public uint MinTtlSeconds { get; init; }

    public uint MaxTtlSeconds { get; init; } = 86_400;

    /// <summary>RFC 2308 §5 caps negative caching; RFC 8767 §5 suggests 1–3 hours at most for practice.</summary>
    public uint NegativeMaxTtlSeconds { get; init; } = 3_600;

    /// <summary>RFC 8767: answer from expired data when every upstream fails.</summary>
    public bool ServeStale { get; init; } = true;

    /// <summary>RFC 8767 §5: keep expired data this long (1–3 days suggested).</summary>
    public uint StaleMaxAgeSeconds { get; init; } = 86_400;

    /// <summary>Refresh popular names shortly before they expire, so that clients keep hitting the cache.</summary>
    public bool Prefetch { get; init; } = true;
}

public sealed record RateLimitOptions
{
    /// <summary>Sustained queries per second per client (IPv4 address or IPv6 /64); 0 turns limiting off.</summary>
    public int QueriesPerSecond { get; init; } = 200;

    /// <summary>Bucket size: how many queries a client may send at once.</summary>
    public int Burst { get; init; } = 1_000;

    public RateLimitAction Action { get; init; } = RateLimitAction.Refuse;
}

public sealed record DnsServerOptions
{
    public IReadOnlyList<IPEndPoint> Listen { get; init; } = [new IPEndPoint(IPAddress.Loopback, 5353)];

    public IReadOnlyList<UpstreamOptions> Upstreams { get; init; } = [];

    public CacheOptions Cache { get; init; } = new();

    public RateLimitOptions RateLimit { get; init; } = new();

    /// <summary>Time allowed for one upstream attempt before the next upstream is tried.</summary>
    public TimeSpan UpstreamAttemptTimeout { get; init; } = TimeSpan.FromMilliseconds(1_000);

    /// <summary>Total time a query may spend upstream before it is answered stale or SERVFAIL.</summary>
    public TimeSpan ResolveTimeout { get; init; } = TimeSpan.FromMilliseconds(3_000);

    /// <summary>At most this many queries are waiting for upstreams at once; more get SERVFAIL at once.</summary>
    public int MaxInFlight { get; init; } = 4_096;

    /// <summary>
    /// At most this many of one client's queries (an IPv4 address or an IPv6 /64) wait for upstreams at once, so
    /// one infected PC asking random names of a dead domain cannot fill the table and starve the others.
    /// </summary>
    public int MaxInFlightPerClient { get; init; } = 100;

    /// <summary>UDP sockets (so source ports) per upstream; queries pick one at random.</summary>
    public int UdpSocketsPerUpstream { get; init; } = 4;

    /// <summary>RFC 7766 §6.2.3: close idle client connections after this long.</summary>
    public TimeSpan TcpIdleTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>At most this many client TCP connections; more are closed at once.</summary>
    public int MaxTcpConnections { get; init; } = 256;

    public UdpEngine UdpEngine { get; init; } = UdpEngine.Auto;

    /// <summary>
    /// The box's key for the keyed hash that stands in for statutory-list names in events
    /// (<see cref="Core.Policy.StatutoryRedaction"/>); a fresh random one when not given.
    /// </summary>
    public byte[]? StatutoryLogKey { get; init; }

    /// <summary>
    /// The box's own names (the lesson mirror's, issue 9) → their addresses, IPv4 and/or IPv6. The resolver answers
    /// them itself — A/AAAA with TTL 60 and AA set, other types NODATA — before the policy and never forwarded,
    /// journalled with reason 103 <see cref="Core.Policy.ReasonCode.DnsAnsweredLocal"/>. Only the exact name (any
    /// case); its subdomains are ordinary names.
    /// </summary>
    public IReadOnlyDictionary<string, IReadOnlyList<IPAddress>> LocalNames { get; init; } = new Dictionary<string, IReadOnlyList<IPAddress>>();

    /// <summary>Capacity of the query event ring the journal drains.</summary>
    public int EventRingCapacity { get; init; } = 16_384;
}
