using System.Net;
using Appliance.Core.Lists;
using Appliance.Core.Net;
using Appliance.Core.Policy;
using Appliance.Protocols.Dns;
using BenchmarkDotNet.Attributes;

namespace Appliance.Benchmarks;

/// <summary>
/// One <c>PolicyEngine.Decide</c> on a school's policy (five groups, subnets, a term-time schedule, custom
/// entries, safe search) over 1,000,000 listed names and a statutory list: the whole DESIGN §5 precedence per
/// query, which must allocate nothing.
/// </summary>
[MemoryDiagnoser]
public class PolicyBenchmarks
{
    private PolicySnapshot _snapshot = null!;
    private ClientAddress _pupil;
    private byte[] _unlisted = null!;
    private byte[] _listed = null!;
    private byte[] _search = null!;
    private readonly DateTimeOffset _lesson = new(2026, 11, 25, 10, 0, 0, TimeSpan.Zero);

    [GlobalSetup]
    public void Setup()
    {
        var blocked = new DomainSetBuilder(1_000_000);
        for (var i = 0; i < 1_000_000; i++)
        {
            blocked.Add($"blk{i}.zone{i % 1000}.blocked.example", Categories.Bit((Category)(i % 17)));
        }

        var statutory = new DomainSetBuilder();
        for (var i = 0; i < 10_000; i++)
        {
            statutory.Add($"s{i}.statutory.example", Categories.Bit(Category.StatutoryIwf));
        }

        var groups = new[] { "guest", "primary", "secondary", "sixth-form", "staff" }
            .Select((name, i) => new GroupDefinition
            {
                Name = name,
                BlockedCategories = i == 4 ? ["pornography"] : ["all"],
                Allow = [$"allowed{i}.example"],
                Deny = [$"=denied{i}.example"],
                YouTube = i == 4 ? "off" : "strict",
                Schedules = [new ScheduleDefinition { Name = "lessons", Days = ["weekdays"], From = "09:00", To = "15:00", When = "term", Block = ["games"] }],
            })
            .ToList();
        var document = new PolicyDocument
        {
            DefaultGroup = "guest",
            Groups = groups,
            Subnets = [.. Enumerable.Range(0, 40).Select(i => new SubnetDefinition { Subnet = $"10.{i}.0.0/16", Group = groups[1 + (i % 4)].Name })],
            Terms = [new TermDefinition { Name = "Autumn", Start = "2026-09-03", End = "2026-12-18" }],
        };
        _snapshot = PolicyCompiler.Compile(document, new PolicyLists(blocked.Build(), DomainSet.Empty, statutory.Build()), 1);
        _pupil = ClientAddress.FromEndPoint(new IPEndPoint(IPAddress.Parse("10.38.1.20"), 40000));
        _unlisted = DnsName.Encode("www.example-school.sch.uk");
        _listed = DnsName.Encode("cdn.blk123.zone123.blocked.example");
        _search = DnsName.Encode("www.google.co.uk");
    }

    [Benchmark(Baseline = true)]
    public Verdict DecideUnlisted() => PolicyEngine.Decide(_snapshot, new RequestFacts(_unlisted, DnsType.A, _pupil, RequestSource.DnsUdp, _lesson));

    [Benchmark]
    public Verdict DecideListed() => PolicyEngine.Decide(_snapshot, new RequestFacts(_listed, DnsType.A, _pupil, RequestSource.DnsUdp, _lesson));

    [Benchmark]
    public Verdict DecideSafeSearch() => PolicyEngine.Decide(_snapshot, new RequestFacts(_search, DnsType.A, _pupil, RequestSource.DnsUdp, _lesson));
}
