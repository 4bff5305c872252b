using System.Net;
using System.Text.Encodings.Web;
using Appliance.Core.Events;
using Appliance.Core.Lists;
using Appliance.Core.Net;
using Appliance.Core.Policy;
using Appliance.Journal;
using Appliance.Journal.Audit;
using Appliance.Journal.Checks;
using Appliance.Journal.Incidents;
using Appliance.Protocols.Dns;
using Appliance.WebUI.Accounts;
using Appliance.WebUI.Pages;
using Appliance.WebUI.Reports;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using RazorSlices;

namespace Appliance.Benchmarks;

/// <summary>
/// Issue 8's budget: the Reports page renders in under 100 ms with a journal of a million events. The journal is built
/// once: 1,000,000 events over 90 days from 2,000 clients in four groups, 5% of them blocked by one of eight categories
/// (a few by two at once), plus a term's audit log, incidents and checks. Measured: the one journal query the page
/// makes, the whole report (all stores), and the report rendered to a string, for the last 30 and 90 days.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(InProcessConfig))]
public class ReportBenchmarks
{
    /// <summary>In this process: the cases share one journal, and no generated project is built (its 2-minute build timeout is too short on a busy box).</summary>
    private sealed class InProcessConfig : ManualConfig
    {
        public InProcessConfig() =>
            AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance).WithLaunchCount(1).WithWarmupCount(3).WithIterationCount(10));
    }

    private const int Events = 1_000_000, Clients = 2_000, Batch = 10_000;
    private static readonly string[] Groups = ["primary", "secondary", "staff", "guest"];
    private static readonly Category[] Blocked =
        [Category.Pornography, Category.Gambling, Category.SelfHarm, Category.Drugs, Category.Malware, Category.SocialMedia, Category.Circumvention, Category.Violence];

    // Built once per process and kept for every case (run --inProcess: the cases share it, and a million inserts take a while).
    private static string? s_dir;
    private static DateTimeOffset s_now;
    private QueryJournal _journal = null!;
    private AuditLog _audit = null!;
    private IncidentStore _incidents = null!;
    private CheckLog _checks = null!;
    private DateTimeOffset _now;

    [Params(30, 90)]
    public int Days { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var build = s_dir is null;
        s_dir ??= Directory.CreateTempSubdirectory("report-bench-").FullName;
        _journal = QueryJournal.Open(Path.Combine(s_dir, "journal.db"));
        _audit = AuditLog.Open(Path.Combine(s_dir, "audit.db"));
        _incidents = IncidentStore.Open(Path.Combine(s_dir, "incidents.db"));
        _checks = CheckLog.Open(Path.Combine(s_dir, "checks.db"));
        if (build)
        {
            s_now = DateTimeOffset.UtcNow;
            Fill();
            var dir = s_dir;
            AppDomain.CurrentDomain.ProcessExit += (_, _) => Directory.Delete(dir, recursive: true);
        }

        _now = s_now;
    }

    private void Fill()
    {
        var start = s_now.AddDays(-90);
        var step = TimeSpan.FromDays(90) / Events;
        var random = new Random(8);
        var batch = new QueryEvent[Batch];
        for (var done = 0; done < Events; done += Batch)
        {
            for (var i = 0; i < Batch; i++)
            {
                var n = done + i;
                var client = random.Next(Clients);
                var blocked = random.Next(20) == 0;
                var e = new QueryEvent
                {
                    Time = start + step * n,
                    Client = ClientAddress.FromEndPoint(new IPEndPoint(new IPAddress([10, 20, (byte)(client / 250), (byte)(client % 250)]), 40000)),
                    QueryType = DnsType.A,
                    Reason = blocked ? ReasonCode.DnsBlockedCategory : ReasonCode.DnsAllowedDefault,
                    Flags = blocked ? QueryEventFlags.Blocked : QueryEventFlags.CacheHit,
                    Group = (byte)(client % Groups.Length),
                    Categories = blocked ? Categories.Bit(Blocked[random.Next(Blocked.Length)]) | (random.Next(10) == 0 ? Categories.Bit(Category.Malware) : 0) : 0,
                };
                e.SetName(DnsName.Encode($"www.site{random.Next(5_000)}.example.org"));
                batch[i] = e;
            }

            _journal.Append(batch, g => Groups[g]);
        }

        for (var i = 0; i < 200; i++)
        {
            _audit.Append($"head{i % 3}", i % 2 == 0 ? "policy.apply" : "config.changed", $"policy v{i}", $"{{\"reason\":\"term change {i}\"}}");
            _incidents.Raise(start.AddHours(i * 10), "panel-1", $"Room {i % 12}", "panel", test: i % 5 == 0);
        }

        for (var day = 0; day < 90; day++)
        {
            // A few records a day: the table holds one row per day and kind whatever the count, so this is what the report reads.
            for (var check = 0; check < 3; check++)
            {
                _checks.Record(start.AddDays(day).AddMinutes(check * 5), check == 0 ? CheckLog.ListKind : CheckLog.FilteringKind, "resolver", passed: check != 2);
            }
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _journal.Dispose();
        _audit.Dispose();
        _incidents.Dispose();
        _checks.Dispose();
    }

    [Benchmark]
    public int BlockCellsQuery() => _journal.BlockCells(ReportPeriod.Last(Days, _now).From, _now).Count;

    [Benchmark]
    public long BuildReport() => Build().Blocks.Total;

    [Benchmark]
    public async Task<int> BuildAndRenderPage()
    {
        var page = new ReportsPage(new PageFrame("Reports", new WebAccount("governor1", WebRole.Governor), "__af", "token", "/reports"), Build(), null, false);
        var html = await Appliance.WebUI.Slices.Reports.Create(page).RenderAsync(HtmlEncoder.Default);
        return html.Length;
    }

    private Report Build() => ReportBuilder.Build(ReportPeriod.Last(Days, _now), _journal, _audit, _incidents, _checks);
}
