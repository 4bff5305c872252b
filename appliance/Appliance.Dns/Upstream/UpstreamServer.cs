using System.Net.Sockets;

namespace Appliance.Dns.Upstream;

/// <summary>
/// One configured upstream with its channels and health. Health is tracked from outcomes: three failures in a
/// row mark it down for a back-off that doubles up to 30 s; after the back-off it is tried again (a probe),
/// and one success restores it. The smoothed round-trip time orders healthy upstreams (fastest first).
/// </summary>
public sealed class UpstreamServer : IDisposable
{
    private const int FailuresToMarkDown = 3;
    private readonly TimeProvider _time;
    private readonly UdpUpstreamChannel[] _udp;
    private int _consecutiveFailures;
    private long _downUntil;
    private long _smoothedRttMicros;
    private long _answers;
    private long _failures;
    private long _rotations;
    private long _lastFailureAt = long.MinValue / 2;

    /// <summary>RFC 5452 §9.2: source ports should be unpredictable. A socket is retired after this many queries…</summary>
    public const int QueriesPerSocket = 1_000;

    /// <summary>…or after this long, so that the ports in use keep changing even when traffic is light.</summary>
    public static readonly TimeSpan SocketLifetime = TimeSpan.FromSeconds(60);

    /// <summary>A retired socket stays open this long to take answers to queries it already sent.</summary>
    public static readonly TimeSpan RetiredGrace = TimeSpan.FromSeconds(10);

    private readonly Forwarder _forwarder;
    private readonly long _lifetimeTicks;

    public UpstreamServer(int index, UpstreamOptions options, int udpSockets, Forwarder forwarder, TimeProvider time)
    {
        Index = index;
        Options = options;
        _time = time;
        _forwarder = forwarder;
        _lifetimeTicks = (long)(SocketLifetime.TotalSeconds * time.TimestampFrequency);
        _udp = options.Tls ? [] : new UdpUpstreamChannel[Math.Max(1, udpSockets)];
        for (var i = 0; i < _udp.Length; i++)
        {
            _udp[i] = new UdpUpstreamChannel(this, forwarder, time.GetTimestamp());
        }

        Stream = new StreamUpstreamChannel(this, forwarder);
    }

    public int Index { get; }

    public UpstreamOptions Options { get; }

    /// <summary>TCP (for TC fallback) or, for a DNS-over-TLS upstream, the only channel.</summary>
    public StreamUpstreamChannel Stream { get; }

    public long SmoothedRttMicros => Interlocked.Read(ref _smoothedRttMicros);

    public long Answers => Interlocked.Read(ref _answers);

    public long Failures => Interlocked.Read(ref _failures);

    /// <summary>How many UDP sockets have been replaced by fresh ones (new random source ports).</summary>
    public long Rotations => Interlocked.Read(ref _rotations);

    public bool IsDown(long now) => Volatile.Read(ref _consecutiveFailures) >= FailuresToMarkDown && now < Interlocked.Read(ref _downUntil);

    public bool IsHealthy => Volatile.Read(ref _consecutiveFailures) < FailuresToMarkDown;

    public void Start()
    {
        foreach (var channel in _udp)
        {
            channel.Start();
        }
    }

    /// <summary>
    /// The channel for a first attempt: one of the UDP sockets at random, or TLS. A socket past its query count or
    /// lifetime is replaced here by a new one, on a new port the kernel picks at random. Called under the
    /// forwarder's lock, so replacement needs no lock of its own.
    /// </summary>
    public IUpstreamChannel PrimaryChannel()
    {
        if (_udp.Length == 0)
        {
            return Stream;
        }

        var i = _udp.Length == 1 ? 0 : Random.Shared.Next(_udp.Length);
        var channel = _udp[i];
        var now = _time.GetTimestamp();
        if (channel.Sent < QueriesPerSocket && now - channel.OpenedAt < _lifetimeTicks)
        {
            return channel;
        }

        try
        {
            var fresh = new UdpUpstreamChannel(this, _forwarder, now);
            fresh.Start();
            _udp[i] = fresh;
            Interlocked.Increment(ref _rotations);
            _ = RetireAsync(channel);
            return fresh;
        }
        catch (System.Net.Sockets.SocketException)
        {
            return channel;   // out of sockets or ports: keep the old one rather than fail the query
        }
    }

    private async Task RetireAsync(UdpUpstreamChannel channel)
    {
        try
        {
            await Task.Delay(RetiredGrace, _time);
        }
        finally
        {
            channel.Dispose();
        }
    }

    public void ReportSuccess(long rttMicros)
    {
        Interlocked.Increment(ref _answers);
        Volatile.Write(ref _consecutiveFailures, 0);
        var old = Interlocked.Read(ref _smoothedRttMicros);
        Interlocked.Exchange(ref _smoothedRttMicros, old == 0 ? rttMicros : ((old * 7) + rttMicros) / 8);
    }

    /// <summary>
    /// A timeout or a refused port. Failures closer together than half a second count once: a burst of queries
    /// timing out together is one event, not a reason to back off for 30 s at once.
    /// </summary>
    public void ReportFailure()
    {
        var now = _time.GetTimestamp();
        var last = Interlocked.Read(ref _lastFailureAt);
        if (now - last < _time.TimestampFrequency / 2 || Interlocked.CompareExchange(ref _lastFailureAt, now, last) != last)
        {
            return;
        }

        Interlocked.Increment(ref _failures);
        var failures = Interlocked.Increment(ref _consecutiveFailures);
        if (failures >= FailuresToMarkDown)
        {
            var backoffSeconds = Math.Min(30, 1 << Math.Min(5, failures - FailuresToMarkDown));
            Interlocked.Exchange(ref _downUntil, _time.GetTimestamp() + (backoffSeconds * _time.TimestampFrequency));
        }
    }

    public AddressFamily Family => Options.EndPoint.AddressFamily;

    public void Dispose()
    {
        foreach (var channel in _udp)
        {
            channel.Dispose();
        }

        Stream.Dispose();
    }

    public override string ToString() => Options.ToString();
}

/// <summary>A way to send a query to an upstream; answers come back through <see cref="Forwarder.OnResponse"/>.</summary>
public interface IUpstreamChannel
{
    UpstreamServer Server { get; }

    bool IsStream { get; }

    /// <summary>Sends one query (no length prefix); false if it could not be sent at all.</summary>
    bool TrySend(ReadOnlySpan<byte> query);
}
