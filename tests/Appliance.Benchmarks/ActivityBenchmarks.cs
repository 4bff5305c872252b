using System.Net;
using Appliance.Core.Events;
using Appliance.Core.Lists;
using Appliance.Core.Net;
using Appliance.Core.Policy;
using Appliance.Journal;
using Appliance.Protocols.Dns;
using Appliance.WebUI.Accounts;
using Appliance.WebUI.Activity;
using Appliance.WebUI.Pages;
using BenchmarkDotNet.Attributes;

namespace Appliance.Benchmarks;

/// <summary>
/// Issue 8's budget: the Activity pages render in under 100 ms with a journal of a million events. The journal is built
/// once (kept in the temp directory between BenchmarkDotNet's processes): 1,000,000 events over 30 days from 2,000
/// devices, 600 of them signed in as users, about 5% blocked, names drawn from 20,000 (a few popular, most rare). Each
/// benchmark is one page's work: the query, or the query plus the page model rendered to a string.
/// </summary>
// In process: on this shared machine BenchmarkDotNet's own rebuild of the solution outlasts its 2-minute build timeout.
[MemoryDiagnoser]
[InProcess]
[WarmupCount(3)]
[IterationCount(10)]
public class ActivityBenchmarks
{
    private const int Events = 1_000_000;
    private static readonly DateTimeOffset Start = new(2026, 10, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Span = TimeSpan.FromDays(30);
    private static readonly string[] Groups = ["guest", "secondary", "staff"];
    private QueryJournal _journal = null!;

    /// <summary>The middle of the month: the moment a DSL's timeline is opened around.</summary>
    private static DateTimeOffset Moment => Start + (Span / 2);

    [GlobalSetup]
    public void Setup()
    {
        var path = Path.Combine(Path.GetTempPath(), "appliance-activity-bench-v1", "journal.db");
        if (!File.Exists(path + ".complete"))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.Delete(path);
            using (var journal = QueryJournal.Open(path))
            {
                Build(journal);
            }

            File.WriteAllText(path + ".complete", "");
        }

        _journal = QueryJournal.Open(path);
    }

    [GlobalCleanup]
    public void Cleanup() => _journal.Dispose();

    private static void Build(QueryJournal journal)
    {
        var random = new Random(8);
        var batch = new QueryEvent[10_000];
        for (var done = 0; done < Events; done += batch.Length)
        {
            for (var i = 0; i < batch.Length; i++)
            {
                var n = done + i;
                var device = random.Next(2_000);
                // A few names are asked for all the time (Zipf-like), most rarely.
                var site = (int)Math.Min(19_999, Math.Pow(random.NextDouble(), 3) * 20_000);
                var blocked = random.Next(20) == 0;
                var e = new QueryEvent
                {
                    Time = Start + (Span * ((double)n / Events)),
                    Client = ClientAddress.FromEndPoint(new IPEndPoint(new IPAddress([10, 20, (byte)(device / 250), (byte)(device % 250)]), 40000)),
                    QueryType = random.Next(3) == 0 ? DnsType.Aaaa : DnsType.A,
                    Reason = blocked ? ReasonCode.DnsBlockedCategory : ReasonCode.DnsAllowedDefault,
                    Flags = blocked ? QueryEventFlags.Blocked : QueryEventFlags.Forwarded,
                    Categories = blocked ? Categories.Bit((Category)random.Next(17)) : 0,
                    Group = (byte)(device % 3),
                    Source = random.Next(4) == 0 ? RequestSource.TlsSni : RequestSource.DnsUdp,
                };
                e.SetName(DnsName.Encode(site == 7 ? "www.tiktok.com" : $"www.site{site}.example.org"));
                batch[i] = e;
            }

            journal.Append(batch, g => Groups[g], userOf: client => client.ToIPAddress().GetAddressBytes()[3] % 10 < 3
                ? ($"pupil{client.ToIPAddress().GetAddressBytes()[2]}-{client.ToIPAddress().GetAddressBytes()[3]}", "secondary")
                : null);
        }
    }

    [Benchmark]
    public int SearchNewest() => _journal.Search(new ActivityFilter(), 100).Rows.Count;

    [Benchmark]
    public int SearchByUser() => _journal.Search(new ActivityFilter { User = "pupil3-120" }, 100).Rows.Count;

    [Benchmark]
    public int SearchByDevice() => _journal.Search(new ActivityFilter { Client = "10.20.3.121" }, 100).Rows.Count;

    [Benchmark]
    public int SearchByName() => _journal.Search(new ActivityFilter { Name = "tiktok" }, 100).Rows.Count;

    /// <summary>The worst case: a name no row has, so the page reads its whole scan window.</summary>
    [Benchmark]
    public int SearchByNameNotFound() => _journal.Search(new ActivityFilter { Name = "no-such-name.example", NameMatch = NameMatch.Domain }, 100).Rows.Count;

    [Benchmark]
    public int SearchBlockedOnly() => _journal.Search(new ActivityFilter { BlockedOnly = true }, 100).Rows.Count;

    [Benchmark]
    public int SearchUserBlockedInADay() =>
        _journal.Search(new ActivityFilter { User = "pupil3-120", BlockedOnly = true, From = Moment.AddDays(-1), To = Moment }, 100).Rows.Count;

    [Benchmark]
    public int TimelineByUser() => _journal.TimelineAround(TimelineSubject.User, "pupil3-120", Moment, TimeSpan.FromHours(1), 100).Rows.Count;

    [Benchmark]
    public int TimelineByDevice() => _journal.TimelineAround(TimelineSubject.Device, "10.20.3.121", Moment, TimeSpan.FromHours(1), 100).Rows.Count;

    /// <summary>The whole page but HTTP: the blocked-only search, the rows' views, and the page rendered to a string.</summary>
    [Benchmark]
    public async Task<int> RenderBlockedPage()
    {
        var request = ActivityRequest.Parse(new Microsoft.AspNetCore.Http.QueryCollection(new Dictionary<string, Microsoft.Extensions.Primitives.StringValues> { ["blocked"] = "on" }));
        var page = _journal.Search(request.Filter!, 100);
        var rows = page.Rows.Select(r => ActivityRowView.From(r)).ToList();
        var frame = new PageFrame("Activity", new WebAccount("dsl", WebRole.Dsl), "__af", "token", "/activity");
        var model = new ActivitySearchPage(frame, request, rows, request.Link("/activity", $"before={page.Older}"), null, null, null, true, rows[0].Id);
        using var writer = new StringWriter();
        await Appliance.WebUI.Slices.Activity.Create(model).RenderAsync(writer);
        return writer.GetStringBuilder().Length;
    }
}
