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
    private LessonAllowTable _lessons = null!;
    private ClientAddress _pupil;
    private byte[] _unlisted = null!;
    private byte[] _listed = null!;
    private byte[] _search = null!;
    private byte[] _lessonSite = null!;
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

        // A week of a school's timetable: 40 rooms × 5 days × 6 periods = 1,200 windows of 5 sites each, the pupil's
        // room (10.38.0.0/16) having a lesson now whose site is on a blocked list.
        var monday = new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);
        var windows = new List<LessonWindow>();
        for (var room = 0; room < 40; room++)
        {
            for (var period = 0; period < 30; period++)
            {
                var start = monday.AddDays(period / 6).AddHours(period % 6);
                string[] sites = [.. Enumerable.Range(0, 4).Select(s => $"site{s}.room{room}.lessons.example"), $"blk{(room * 30) + period}.zone{((room * 30) + period) % 1000}.blocked.example"];
                windows.Add(new LessonWindow($"r{room}p{period}", sites, null, $"10.{room}.0.0/16", start, start.AddHours(1)));
            }
        }

        _lessons = LessonAllowTable.Build(windows);
        var now = (38 * 30) + 13;   // Wednesday 10:00 in room 38
        _lessonSite = DnsName.Encode($"www.blk{now}.zone{now % 1000}.blocked.example");
    }

    [Benchmark(Baseline = true)]
    public Verdict DecideUnlisted() => PolicyEngine.Decide(_snapshot, new RequestFacts(_unlisted, DnsType.A, _pupil, RequestSource.DnsUdp, _lesson));

    [Benchmark]
    public Verdict DecideListed() => PolicyEngine.Decide(_snapshot, new RequestFacts(_listed, DnsType.A, _pupil, RequestSource.DnsUdp, _lesson));

    /// <summary>An unlisted name with a week's lesson windows in force: what every query pays for lessons.</summary>
    [Benchmark]
    public Verdict DecideUnlistedWithLessons()
        => PolicyEngine.Decide(_snapshot, _lessons, new RequestFacts(_unlisted, DnsType.A, _pupil, RequestSource.DnsUdp, _lesson));

    /// <summary>A listed name that the pupil's lesson now allows (102).</summary>
    [Benchmark]
    public Verdict DecideLessonAllowed()
        => PolicyEngine.Decide(_snapshot, _lessons, new RequestFacts(_lessonSite, DnsType.A, _pupil, RequestSource.DnsUdp, _lesson));

    [Benchmark]
    public Verdict DecideSafeSearch() => PolicyEngine.Decide(_snapshot, new RequestFacts(_search, DnsType.A, _pupil, RequestSource.DnsUdp, _lesson));
}
