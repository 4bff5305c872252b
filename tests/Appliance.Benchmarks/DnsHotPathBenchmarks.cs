using System.Net;
using Appliance.Core.Events;
using Appliance.Core.Policy;
using Appliance.Dns;
using Appliance.Dns.Cache;
using Appliance.Dns.Resolution;
using Appliance.Dns.Transport;
using Appliance.Protocols.Dns;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;

namespace Appliance.Benchmarks;

/// <summary>
/// The stages of a cached answer, each alone and all together (QueryProcessor.Process), on a typical query:
/// "www.example-school.sch.uk" A with EDNS. Every one must show 0 B allocated per operation.
/// </summary>
[MemoryDiagnoser]
public class DnsHotPathBenchmarks
{
    private readonly byte[] _query = BuildQuery();
    private readonly byte[] _response = new byte[4096];
    private readonly byte[] _sockaddr = new IPEndPoint(IPAddress.Parse("192.0.2.44"), 40000).Serialize().Buffer.ToArray();
    private readonly byte[] _name = new byte[255];
    private DnsServer _server = null!;
    private DnsCache _cache = null!;
    private CacheEntry _entry = null!;
    private byte[] _key = null!;
    private int _hash;
    private NullSink _sink = null!;

    [GlobalSetup]
    public void Setup()
    {
        var options = new DnsServerOptions { Upstreams = [new UpstreamOptions(new IPEndPoint(IPAddress.Loopback, 53))], RateLimit = new RateLimitOptions() };
        _server = new DnsServer(options, new PolicyEngine(), new EventRing<QueryEvent>(1_024), TimeProvider.System, NullLoggerFactory.Instance);
        _cache = _server.Cache;
        _sink = new NullSink();

        // Fill the cache the way the forwarder does: from an upstream-style answer, through CacheEntryBuilder.
        ParsedQuery.Read(_query, _name, out var q);
        var lower = _name[..q.NameLength];
        DnsName.ToLowerInPlace(lower);
        _key = new byte[CacheKey.MaxLength];
        _key = _key[..CacheKey.Write(_key, lower, q.Type, q.Class, q.DnssecOk, q.CheckingDisabled)];
        _hash = CacheKey.Hash(_key);
        var answer = BuildAnswer(_query);
        DnsHeader.TryRead(answer, out var header);
        CacheEntryBuilder.TryBuild(answer, header, 12 + q.NameLength + 4, _key, _hash, options.Cache, TimeProvider.System.GetTimestamp(), out var entry, out _);
        _entry = entry!;
        _cache.Insert(_entry);

        // 10,000 other names, so lookups walk a realistically filled table.
        for (var i = 0; i < 10_000; i++)
        {
            var other = BuildQuery($"host{i}.example.org");
            ParsedQuery.Read(other, _name, out var oq);
            var key = new byte[CacheKey.MaxLength];
            key = key[..CacheKey.Write(key, _name.AsSpan(0, oq.NameLength), oq.Type, oq.Class, false, false)];
            var otherAnswer = BuildAnswer(other);
            DnsHeader.TryRead(otherAnswer, out var oh);
            CacheEntryBuilder.TryBuild(otherAnswer, oh, 12 + oq.NameLength + 4, key, CacheKey.Hash(key), options.Cache, TimeProvider.System.GetTimestamp(), out var e, out _);
            _cache.Insert(e!);
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _server.Dispose();

    [Benchmark]
    public int ParseQuery() => ParsedQuery.Read(_query, _name, out var q) == QueryDisposition.Resolve ? q.NameLength : -1;

    [Benchmark]
    public CacheLookup CacheLookup()
    {
        Span<byte> key = stackalloc byte[CacheKey.MaxLength];
        var n = CacheKey.Write(key, _key.AsSpan(0, _key.Length - 5), DnsType.A, DnsClass.IN, false, false);
        return _cache.TryGet(key[..n], CacheKey.Hash(key[..n]), TimeProvider.System.GetTimestamp(), out _);
    }

    [Benchmark]
    public int WriteAnswer()
    {
        var question = _query.AsSpan(12, _key.Length - 1);
        return ResponseWriter.WriteFromEntry(_response, new ClientQuery(0x1234, DnsHeader.RdBit, question, true, false), _entry, 5, false, 1232);
    }

    /// <summary>Everything between receive and send: parse, rate limit, Decide, cache, write, event.</summary>
    [Benchmark]
    public int ProcessCacheHit() => _server.Processor.Process(_query, _response, _sockaddr, _sink);

    private static byte[] BuildQuery(string name = "www.Example-School.sch.uk")
    {
        var buffer = new byte[512];
        var w = new DnsMessageWriter(buffer);
        w.TryWriteHeader(new DnsHeader(0x1234, DnsHeader.RdBit, 1, 0, 0, 1));
        Span<byte> wire = stackalloc byte[256];
        DnsName.TryEncode(name, wire, out var n);
        w.TryWriteQuestion(wire[..n], DnsType.A, DnsClass.IN);
        w.TryWriteOpt(1232, DnsRcode.NoError, false);
        return buffer[..w.BytesWritten];
    }

    private static byte[] BuildAnswer(byte[] query)
    {
        var buffer = new byte[1024];
        var w = new DnsMessageWriter(buffer);
        DnsHeader.TryRead(query, out var h);
        w.TryWriteHeader(new DnsHeader(h.Id, DnsHeader.ResponseFlags(DnsOpcode.Query, true, false, false, false, DnsRcode.NoError), 1, 2, 0, 1));
        w.TryWriteBytes(query.AsSpan(12, query.Length - 12 - 11));
        w.TryWriteRecord([0xC0, 0x0C], DnsType.A, DnsClass.IN, 3600, [192, 0, 2, 1]);
        w.TryWriteRecord([0xC0, 0x0C], DnsType.A, DnsClass.IN, 3600, [192, 0, 2, 2]);
        w.TryWriteOpt(1232, DnsRcode.NoError, false);
        return buffer[..w.BytesWritten];
    }

    private sealed class NullSink : IReplySink
    {
        public bool IsStream => false;

        public void SendReply(ReadOnlySpan<byte> response, SocketAddress address)
        {
        }
    }
}
