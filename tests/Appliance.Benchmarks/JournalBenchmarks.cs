using System.Net;
using Appliance.Core.Events;
using Appliance.Core.Net;
using Appliance.Core.Policy;
using Appliance.Journal;
using Appliance.Protocols.Dns;
using BenchmarkDotNet.Attributes;

namespace Appliance.Benchmarks;

/// <summary>
/// Issue 4's journal target: ≥ 50,000 events a second into SQLite. One operation is one batch of 10,000 events
/// (what the drain hands over at 500k qps every 20 ms), so events/s = 10,000 / mean. Like a school's traffic: time
/// moves forward and about 1,000 clients ask; the table grows by every batch, to over a million rows in a run.
/// </summary>
[MemoryDiagnoser]
public class JournalBenchmarks
{
    private const int Batch = 10_000;
    private static readonly string[] Groups = ["guest", "secondary", "staff"];
    private string _dir = null!;
    private QueryJournal _journal = null!;
    private QueryEvent[] _events = null!;

    [GlobalSetup]
    public void Setup()
    {
        _dir = Directory.CreateTempSubdirectory("journal-bench-").FullName;
        _journal = QueryJournal.Open(Path.Combine(_dir, "journal.db"));
        _events = new QueryEvent[Batch];
        var now = DateTimeOffset.UtcNow;
        for (var i = 0; i < Batch; i++)
        {
            var e = new QueryEvent
            {
                Time = now.AddMilliseconds(i),
                Client = ClientAddress.FromEndPoint(new IPEndPoint(new IPAddress([10, 20, (byte)(i % 1000 / 250), (byte)(i % 250)]), 40000)),
                QueryType = DnsType.A,
                Reason = i % 20 == 0 ? ReasonCode.DnsBlockedCategory : ReasonCode.DnsAllowedDefault,
                Flags = i % 20 == 0 ? QueryEventFlags.Blocked : QueryEventFlags.CacheHit,
                Group = (byte)(i % 3),
            };
            e.SetName(DnsName.Encode($"www.site{i % 2000}.example.org"));
            _events[i] = e;
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _journal.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private long _clock;

    [Benchmark]
    public void Append10000()
    {
        var start = DateTimeOffset.UtcNow;
        for (var i = 0; i < _events.Length; i++)
        {
            _events[i].Time = start.AddMilliseconds(_clock++);
        }

        _journal.Append(_events, g => Groups[g]);
    }
}
