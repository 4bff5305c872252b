using Appliance.Core.Events;
using Appliance.Core.Lists;
using Appliance.Core.Policy;
using Appliance.PacketFilter.Inspection;
using Appliance.Protocols.Http;
using Appliance.Protocols.Quic;
using Appliance.Protocols.Tls;
using Appliance.TestSupport;
using BenchmarkDotNet.Attributes;

namespace Appliance.Benchmarks;

/// <summary>
/// The packet filter's per-flow work (issue 6): reading the name from a ClientHello (one record; a Chrome-sized one
/// across two TCP segments' worth of records), an HTTP request head and a QUIC Initial, and the whole judgement of a
/// new TLS flow — SYN, then ClientHello → flow table, reassembly, parse, <see cref="PolicyEngine.Decide(in RequestFacts)"/>
/// against a million listed names, event — as the verdict loop calls it.
/// </summary>
[MemoryDiagnoser]
public class PacketFilterBenchmarks
{
    private readonly byte[] _scratch = new byte[ClientHelloScanner.MaxHandshakeBytes];
    private byte[] _hello = null!;
    private byte[] _chromeSized = null!;
    private byte[] _http = null!;
    private byte[] _quic = null!;
    private byte[][] _syn = null!;
    private byte[][] _flowHello = null!;
    private FlowInspector _inspector = null!;
    private EventRing<QueryEvent> _events = null!;
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        _hello = Hellos.Stream("www.example-school.sch.uk");
        _chromeSized = Hellos.Stream("www.example-school.sch.uk", recordSize: 1400, padding: 1700);   // ~1.8 KB, two records
        _http = "GET /lesson HTTP/1.1\r\nHost: www.example-school.sch.uk\r\nUser-Agent: Mozilla/5.0\r\nAccept: */*\r\n\r\n"u8.ToArray();
        _quic = InitialPackets.ProtectPadded(QuicVersion.Version1, [1, 2, 3, 4, 5, 6, 7, 8], InitialPackets.Crypto(0, Hellos.Message("www.example-school.sch.uk")));

        var blocked = new DomainSetBuilder(1_000_000);
        for (var i = 0; i < 1_000_000; i++)
        {
            blocked.Add($"blk{i}.zone{i % 1000}.blocked.example", Categories.Bit((Category)(i % 17)));
        }

        var document = new PolicyDocument { DefaultGroup = "pupils", Groups = [new GroupDefinition { Name = "pupils", BlockedCategories = ["all"] }] };
        var engine = new PolicyEngine(PolicyCompiler.Compile(document, new PolicyLists(blocked.Build(), DomainSet.Empty, DomainSet.Empty), 1));
        _events = new EventRing<QueryEvent>(1024);
        _inspector = new FlowInspector(engine, null, _events, TimeProvider.System, new InspectionOptions { FlowCapacity = 16_384 });
        const int Flows = 65_536;   // more flows than the table holds: every judgement starts a flow and evicts an old one
        _syn = new byte[Flows][];
        _flowHello = new byte[Flows][];
        var payload = Hellos.Stream("blk123.zone123.blocked.example");
        for (var i = 0; i < Flows; i++)
        {
            var client = $"10.{i >> 16}.{(i >> 8) & 255}.{i & 255}";
            _syn[i] = PacketBuilder.Tcp(client, 40000, "203.0.113.5", 443, 1000, PacketBuilder.Syn, []);
            _flowHello[i] = PacketBuilder.Tcp(client, 40000, "203.0.113.5", 443, 1001, PacketBuilder.Ack, payload);
        }
    }

    [Benchmark]
    public int ClientHello_one_record()
    {
        ClientHelloScanner.Scan(_hello, _scratch, out var hello);
        return hello.ServerName.Length;
    }

    [Benchmark]
    public int ClientHello_chrome_sized_two_records()
    {
        ClientHelloScanner.Scan(_chromeSized, _scratch, out var hello);
        return hello.ServerName.Length;
    }

    [Benchmark]
    public int HttpHost()
    {
        HttpRequestHead.TryReadHost(_http, out var host);
        return host.Length;
    }

    /// <summary>A new decoder per QUIC connection attempt (keys derived, AES objects made), then the Initial opened.</summary>
    [Benchmark]
    public int QuicInitial_new_connection()
    {
        using var decoder = new QuicInitialDecoder(QuicVersion.Version1, [1, 2, 3, 4, 5, 6, 7, 8]);
        decoder.Add(_quic);
        decoder.TryGetClientHello(out var hello);
        return hello.ServerName.Length;
    }

    /// <summary>A new flow judged: its SYN and its ClientHello (a blocked name), through the flow table and the policy.</summary>
    [Benchmark]
    public int New_TLS_flow_SYN_and_ClientHello_decided()
    {
        var i = _next++ & (_syn.Length - 1);
        _inspector.Inspect(_syn[i]);
        var verdict = _inspector.Inspect(_flowHello[i]);
        _events.TryRead(out _);
        return (int)verdict;
    }
}
