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

    public UpstreamServer(int index, UpstreamOptions options, int udpSockets, Forwarder forwarder, TimeProvider time)
    {
        Index = index;
        Options = options;
        _time = time;
        _udp = options.Tls ? [] : new UdpUpstreamChannel[Math.Max(1, udpSockets)];
        for (var i = 0; i < _udp.Length; i++)
        {
            _udp[i] = new UdpUpstreamChannel(this, forwarder);
        }

        Stream = new StreamUpstreamChannel(this, forwarder, time);
    }

    public int Index { get; }

    public UpstreamOptions Options { get; }

    /// <summary>TCP (for TC fallback) or, for a DNS-over-TLS upstream, the only channel.</summary>
    public StreamUpstreamChannel Stream { get; }

    public long SmoothedRttMicros => Interlocked.Read(ref _smoothedRttMicros);

    public long Answers => Interlocked.Read(ref _answers);

    public long Failures => Interlocked.Read(ref _failures);

    public bool IsDown(long now) => Volatile.Read(ref _consecutiveFailures) >= FailuresToMarkDown && now < Interlocked.Read(ref _downUntil);

    public bool IsHealthy => Volatile.Read(ref _consecutiveFailures) < FailuresToMarkDown;

    public void Start()
    {
        foreach (var channel in _udp)
        {
            channel.Start();
        }
    }

    /// <summary>The channel for a first attempt: a random UDP socket (random source port), or TLS.</summary>
    public IUpstreamChannel PrimaryChannel()
        => _udp.Length == 0 ? Stream : _udp[_udp.Length == 1 ? 0 : Random.Shared.Next(_udp.Length)];

    public void ReportSuccess(long rttMicros)
    {
        Interlocked.Increment(ref _answers);
        Volatile.Write(ref _consecutiveFailures, 0);
        var old = Interlocked.Read(ref _smoothedRttMicros);
        Interlocked.Exchange(ref _smoothedRttMicros, old == 0 ? rttMicros : ((old * 7) + rttMicros) / 8);
    }

    public void ReportFailure()
    {
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
