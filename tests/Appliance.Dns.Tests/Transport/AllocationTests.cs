using System.Net;
using System.Net.Sockets;
using Appliance.Core.Events;
using Appliance.Core.Policy;
using Appliance.Dns.Tests.Support;
using Xunit.Abstractions;
using Microsoft.Extensions.Logging.Abstractions;

namespace Appliance.Dns.Tests.Transport;

/// <summary>
/// DESIGN §5: the path UDP receive → parse → decide → cache hit → send allocates nothing. This drives 100,000
/// queries through the real listener loop over loopback and counts every byte the process allocates meanwhile
/// (the client side is allocation-free: synchronous span sends and receives on a connected socket).
/// </summary>
[Collection(AllocationCollection.Name)]
public sealed class AllocationTests
{
    private readonly ITestOutputHelper _output;

    public AllocationTests(ITestOutputHelper output) => _output = output;

    private const int Names = 64;
    private const int Queries = 100_000;

    /// <remarks>
    /// The batched engine is what runs on Linux (the appliance's platform) and must stay under 1 B/query. The
    /// portable async engine measured 0.48–1.25 B/query over 100,000 queries but 0.088 B/query over 1,000,000
    /// (an AllocationTick listener saw one ~100 KB tick, an <c>SByte[]</c>): what it shows here is a fixed 50–120 KB
    /// of background allocation by the runtime's thread pool during the window, not a cost per query. Its bound
    /// is 2 B/query over this shorter run to stay clear of that noise.
    /// </remarks>
    /// <remarks>With <paramref name="localNames"/>, the 64 names are the box's own (the lesson mirror's, issue 9): answered by
    /// the resolver itself, never forwarded, on the same zero-allocation path.</remarks>
    [Theory]
    [InlineData(UdpEngine.Batched, 1.0, false)]
    [InlineData(UdpEngine.Async, 2.0, false)]
    [InlineData(UdpEngine.Batched, 1.0, true)]
    public void UdpCacheHits_100kQueries_AllocateAlmostNothing(UdpEngine engine, double bytesPerQuery, bool localNames)
    {
        var names = Enumerable.Range(0, Names).Select(i => $"name{i}.alloc.test").ToArray();
        using var upstream = new CannedUpstream();
        var options = new DnsServerOptions
        {
            Listen = [new IPEndPoint(IPAddress.Loopback, 0)],
            Upstreams = [new UpstreamOptions(upstream.EndPoint)],
            RateLimit = new RateLimitOptions { QueriesPerSecond = 0 },
            UdpEngine = engine,
            EventRingCapacity = 4_096,
            LocalNames = localNames
                ? names.ToDictionary(n => n, IReadOnlyList<IPAddress> (_) => [IPAddress.Parse("10.20.0.1"), IPAddress.Parse("2001:db8::1")])
                : new Dictionary<string, IReadOnlyList<IPAddress>>(),
        };
        var ring = new EventRing<QueryEvent>(options.EventRingCapacity);
        using var server = new DnsServer(options, new PolicyEngine(), ring, TimeProvider.System, NullLoggerFactory.Instance);
        server.Start();
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        client.Connect(server.EndPoints[0]);
        client.ReceiveTimeout = 2_000;
        var queries = names.Select((name, i) => Messages.Query(name, id: (ushort)i)).ToArray();
        var answer = new byte[2048];

        // Warm: every name forwarded once and cached, then JIT tiers settle on the hit path.
        for (var round = 0; round < 200; round++)
        {
            foreach (var q in queries)
            {
                client.Send(q);
                client.Receive(answer);
            }
        }

        Assert.Equal(localNames ? 0 : Names, upstream.Answered);
        var hitsBefore = server.Counters.Snapshot().CacheHits;
        var before = GC.GetTotalAllocatedBytes(precise: true);
        for (var i = 0; i < Queries; i++)
        {
            client.Send(queries[i % Names]);
            var n = client.Receive(answer);
            if (n < 12 || answer[0] != queries[i % Names][0] || answer[1] != queries[i % Names][1])
            {
                Assert.Fail($"query {i}: bad answer of {n} bytes");
            }
        }

        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        Assert.Equal(localNames, (answer[2] & 0x04) != 0);   // AA: the last answer was the box's own
        var hits = server.Counters.Snapshot().CacheHits - hitsBefore;

        _output.WriteLine($"{engine}: {allocated} bytes allocated for {Queries} {(localNames ? "local-name" : "cache-hit")} queries = {allocated / (double)Queries:F4} B/query");
        Assert.Equal(localNames ? 0 : Queries, hits);
        Assert.Equal(localNames ? 0 : Names, upstream.Answered);
        Assert.True(allocated < Queries * bytesPerQuery, $"{engine}: {allocated} bytes for {Queries} queries = {allocated / (double)Queries:F3} B/query");
    }
}

/// <summary>GC.GetTotalAllocatedBytes counts every thread: nothing else may run while this collection runs.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AllocationCollection
{
    public const string Name = "allocation";
}
