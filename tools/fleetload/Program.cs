using System.Diagnostics;
using System.Globalization;
using System.Net;
using Appliance.Core.Events;
using Appliance.Core.Net;
using Appliance.Fleet.Mqtt;
using Appliance.Fleet.Outbox;
using Appliance.Protocols.Dns;
using Appliance.TestSupport;
using LaFleet.Ingest;
using Microsoft.Extensions.Logging.Abstractions;

// fleetload RECORDS [ingest|broker]
//   broker: drain to Mosquitto with nobody subscribed (the broker's PUBACK rate, what the box can push)
//   ingest: drain with the LA's ingest storing and acknowledging end to end (the whole path)
var records = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 200_000;
var mode = args.Length > 1 ? args[1] : "ingest";
var dir = Directory.CreateTempSubdirectory("fleetload-").FullName;
try
{
    using var outbox = OutboxStore.Open(Path.Combine(dir, "outbox.db"));

    // 1. Produce as the event drain does: batches of 4096 query events → NDJSON chunks → one durable commit per batch.
    var batch = new QueryEvent[4_096];
    var random = new Random(42);
    using var producer = new QueryRecords(outbox, sendQueries: true);
    var produce = Stopwatch.StartNew();
    for (var done = 0; done < records; done += batch.Length)
    {
        var n = Math.Min(batch.Length, records - done);
        for (var i = 0; i < n; i++)
        {
            batch[i] = new QueryEvent
            {
                Time = DateTimeOffset.UtcNow,
                Client = ClientAddress.FromEndPoint(new IPEndPoint(new IPAddress([10, 20, (byte)random.Next(8), (byte)random.Next(250)]), 0)),
                QueryType = 1,
                Reason = Appliance.Core.Policy.ReasonCode.DnsAllowedDefault,
                Flags = QueryEventFlags.Forwarded,
                UpstreamMicroseconds = (uint)random.Next(20_000),
            };
            batch[i].SetName(DnsName.Encode($"www.site{random.Next(5_000)}.example.org"));
        }

        producer.Append(batch.AsSpan(0, n), _ => "pupils");
    }

    producer.Flush();
    produce.Stop();
    var chunks = outbox.NextPending(int.MaxValue).Count;
    Console.WriteLine($"produce: {records} records in {chunks} chunks, {outbox.StoredBytes / 1024} KiB stored, {produce.Elapsed.TotalSeconds:F2} s = {records / produce.Elapsed.TotalSeconds:F0} records/s (synchronous=FULL)");

    // 2. Drain.
    using var broker = new Mosquitto(["apl-load"]);
    using var stop = new CancellationTokenSource();
    using var store = new SqliteIngestStore(Path.Combine(dir, "la.db"));
    await using var ingest = new IngestService(new IngestOptions
    {
        Host = "127.0.0.1", Port = broker.Port, La = Mosquitto.La, UseTls = false, Password = Mosquitto.Password, AckEvery = TimeSpan.FromMilliseconds(250),
    }, store, TimeProvider.System, NullLogger.Instance);
    var ingestRun = Task.CompletedTask;
    if (mode == "ingest")
    {
        ingestRun = ingest.RunAsync(stop.Token);
        while (!ingest.IsConnected)
        {
            await Task.Delay(20);
        }
    }

    await using var link = new FleetLink(new FleetOptions
    {
        Host = "127.0.0.1", Port = broker.Port, UseTls = false, Password = Mosquitto.Password, Topics = new FleetTopics(Mosquitto.La, "SCH1", "apl-load"),
    }, outbox, TimeProvider.System, NullLogger.Instance);
    var drain = Stopwatch.StartNew();
    var linkRun = link.RunAsync(stop.Token);
    while (link.Published < chunks)
    {
        await Task.Delay(5);
    }

    var published = drain.Elapsed;
    Console.WriteLine($"drain to broker: {chunks} PUBLISHes ({records} records) accepted in {published.TotalSeconds:F2} s = {records / published.TotalSeconds:F0} records/s, window {link.Window}");
    if (mode == "ingest")
    {
        while (outbox.Backlog().Any(b => b.AckedSeq < b.LastSeq))
        {
            await Task.Delay(5);
        }

        Console.WriteLine($"end to end: stored by the LA ingest and acknowledged in {drain.Elapsed.TotalSeconds:F2} s = {records / drain.Elapsed.TotalSeconds:F0} records/s; LA stored {ingest.Records}");
    }

    await stop.CancelAsync();
    await Task.WhenAll(linkRun, ingestRun);
    return 0;
}
finally
{
    Directory.Delete(dir, recursive: true);
}
