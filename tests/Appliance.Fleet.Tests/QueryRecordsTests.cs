using System.Net;
using Appliance.Core.Events;
using Appliance.Core.Lists;
using Appliance.Core.Net;
using Appliance.Fleet.Outbox;
using Appliance.Protocols.Dns;

namespace Appliance.Fleet.Tests;

public sealed class QueryRecordsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("records-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static QueryEvent Event(string client, int port, byte group, bool blocked)
    {
        var e = new QueryEvent
        {
            Time = DateTimeOffset.UnixEpoch,
            Client = ClientAddress.FromEndPoint(new IPEndPoint(IPAddress.Parse(client), port)),
            QueryType = 1,
            Group = group,
            Flags = blocked ? QueryEventFlags.Blocked : QueryEventFlags.Forwarded,
            Categories = blocked ? Categories.Bit(Category.Gambling) : 0,
        };
        e.SetName(DnsName.Encode("www.example.org"));
        return e;
    }

    [Fact]
    public void Each_event_goes_to_one_stream_and_pupils_leave_the_box_as_stable_pseudonyms()
    {
        using var outbox = OutboxStore.Open(Path.Combine(_dir, "outbox.db"));
        var pseudonyms = new Pseudonyms(new byte[32], ["pupils"]);
        using var records = new QueryRecords(outbox, sendQueries: true, pseudonyms);
        records.Append(new[]
        {
            Event("10.1.0.5", 40000, group: 0, blocked: true),
            Event("10.1.0.5", 40001, group: 0, blocked: false),
            Event("10.9.0.7", 40002, group: 1, blocked: false),
        }, g => g == 0 ? "pupils" : "staff");
        Assert.Empty(outbox.NextPending(10));   // part-filled chunks wait (up to a second) for more records
        records.Flush();

        var sent = outbox.NextPending(10).ToDictionary(c => c.Stream, c => OutboxTests.Lines(c));
        var block = Assert.Single(sent[Streams.Block]);
        Assert.Equal(2, sent[Streams.Dns].Count);
        var pupil = block.GetProperty("client").GetString()!;
        Assert.Matches("^anon-[0-9a-f]{12}$", pupil);
        Assert.Equal(pupil, sent[Streams.Dns][0].GetProperty("client").GetString());   // same device, another port: same pseudonym
        Assert.Equal("10.9.0.7", sent[Streams.Dns][1].GetProperty("client").GetString());   // staff as they are
        Assert.Equal(["gambling"], block.GetProperty("categories").EnumerateArray().Select(c => c.GetString()));
        Assert.Equal(pseudonyms.Of(ClientAddress.FromEndPoint(new IPEndPoint(IPAddress.Parse("10.1.0.5"), 0))), pupil);   // the school can re-identify
    }

    [Fact]
    public void Records_are_gathered_across_drains_into_full_chunks_and_a_part_filled_one_waits_at_most_a_second()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UnixEpoch);
        using var outbox = OutboxStore.Open(Path.Combine(_dir, "outbox.db"));
        using var records = new QueryRecords(outbox, sendQueries: true, time: time);
        for (var drain = 0; drain < 60; drain++)   // 60 drains of 10 events, 20 ms apart
        {
            records.Append(Enumerable.Range(0, 10).Select(_ => Event("10.1.0.5", 1, 0, blocked: false)).ToArray(), _ => "pupils");
            time.Advance(TimeSpan.FromMilliseconds(20));
        }

        Assert.Equal([500], outbox.NextPending(10).Select(c => c.Count));   // one full chunk; 100 records wait
        time.Advance(TimeSpan.FromSeconds(1));
        records.FlushIfDue();
        Assert.Equal([500, 100], outbox.NextPending(10).Select(c => c.Count));
    }

    [Fact]
    public void Without_sending_queries_only_blocks_leave_the_box()
    {
        using var outbox = OutboxStore.Open(Path.Combine(_dir, "outbox.db"));
        using var records = new QueryRecords(outbox, sendQueries: false);
        records.Append(new[] { Event("10.1.0.5", 1, 0, blocked: true), Event("10.1.0.5", 1, 0, blocked: false) }, _ => "pupils");
        records.Flush();
        Assert.Equal([Streams.Block], outbox.NextPending(10).Select(c => c.Stream));
    }
}
