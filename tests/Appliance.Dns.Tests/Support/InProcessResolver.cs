using System.Net;
using System.Net.Sockets;
using Appliance.Core.Events;
using Appliance.Core.Policy;
using Microsoft.Extensions.Logging.Abstractions;

namespace Appliance.Dns.Tests.Support;

/// <summary>A <see cref="DnsServer"/> on a loopback port with a synchronous test client.</summary>
public sealed class InProcessResolver : IDisposable
{
    private readonly Socket _client = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);

    public InProcessResolver(CannedUpstream upstream, TimeProvider? time = null, Func<DnsServerOptions, DnsServerOptions>? configure = null,
        PolicyEngine? policy = null, Appliance.Core.Identity.IIdentityMap? identities = null)
    {
        var options = new DnsServerOptions
        {
            Listen = [new IPEndPoint(IPAddress.Loopback, 0)],
            Upstreams = [new UpstreamOptions(upstream.EndPoint)],
            RateLimit = new RateLimitOptions { QueriesPerSecond = 0 },
            UdpSocketsPerUpstream = 1,
        };
        options = configure?.Invoke(options) ?? options;
        Events = new EventRing<QueryEvent>(4_096);
        Server = new DnsServer(options, policy ?? new PolicyEngine(), Events, time ?? TimeProvider.System, NullLoggerFactory.Instance, identities);
        Server.Start();
        _client.Connect(Server.EndPoints[0]);
        _client.ReceiveTimeout = 3_000;
    }

    public DnsServer Server { get; }

    public EventRing<QueryEvent> Events { get; }

    public byte[] Ask(byte[] query)
    {
        Send(query);
        return Receive();
    }

    public void Send(byte[] query) => _client.Send(query);

    public byte[] Receive()
    {
        var buffer = new byte[4096];
        var n = _client.Receive(buffer);
        return buffer[..n];
    }

    public void Dispose()
    {
        _client.Dispose();
        Server.Dispose();
    }
}
