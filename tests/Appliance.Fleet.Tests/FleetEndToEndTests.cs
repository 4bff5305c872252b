using System.Text.Json;
using Appliance.Fleet.Mqtt;
using Appliance.Fleet.Outbox;
using Appliance.TestSupport;
using LaFleet.Ingest;
using Microsoft.Extensions.Logging.Abstractions;

namespace Appliance.Fleet.Tests;

/// <summary>
/// The box's link and the LA's ingest against a real Mosquitto with passwords and per-appliance ACLs: every record
/// arrives exactly once per (appliance, stream, epoch, seq), in order, through broker crashes and outages.
/// </summary>
[Collection("mosquitto")]
public sealed class FleetEndToEndTests : IDisposable
{
    private const string School = "SCH1";
    private const string Box = "apl-0001";
    private readonly string _dir = Directory.CreateTempSubdirectory("fleet-e2e-").FullName;
    private readonly Mosquitto _broker = new([Box, "apl-0002"]);

    public void Dispose()
    {
        _broker.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private FleetOptions LinkOptions(string appliance = Box) => new()
    {
        Host = "127.0.0.1",
        Port = _broker.Port,
        UseTls = false,
        Password = Mosquitto.Password,
        Topics = new FleetTopics(Mosquitto.La, School, appliance),
        BackoffMin = TimeSpan.FromMilliseconds(100),
        BackoffMax = TimeSpan.FromSeconds(1),
        ResendAfter = TimeSpan.FromSeconds(3),
        PublishTimeout = TimeSpan.FromSeconds(5),
        WillDelay = TimeSpan.Zero,
    };

    private IngestOptions IngestOptions => new()
    {
        Host = "127.0.0.1",
        Port = _broker.Port,
        La = Mosquitto.La,
        UseTls = false,
        Password = Mosquitto.Password,
        AckEvery = TimeSpan.FromMilliseconds(300),
        GapPatience = TimeSpan.FromSeconds(2),
    };

    private static void Produce(OutboxStore outbox, string stream, int from, int count)
    {
        for (var done = 0; done < count; done += 1_000)
        {
            outbox.Append(stream, OutboxTests.Records(Math.Min(1_000, count - done), stream, from + done));
        }
    }

    /// <summary>A box's outbox and link, the LA's store (SQLite or a PostgreSQL the test starts) and ingest, running against the broker.</summary>
    private sealed class Pipeline : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Postgres? _postgres;
        private Task _runs = Task.CompletedTask;

        private Pipeline(FleetEndToEndTests test, string database)
        {
            Outbox = OutboxStore.Open(Path.Combine(test._dir, "outbox.db"));
            _postgres = database == "postgres" ? new Postgres() : null;
            Store = _postgres is null ? new SqliteIngestStore(Path.Combine(test._dir, "la.db")) : new PostgresIngestStore(_postgres.ConnectionString);
            Ingest = new IngestService(test.IngestOptions, Store, TimeProvider.System, NullLogger.Instance);
            Link = new FleetLink(test.LinkOptions(), Outbox, TimeProvider.System, NullLogger.Instance);
        }

        public OutboxStore Outbox { get; }

        public IIngestStore Store { get; }

        public IngestService Ingest { get; }

        public FleetLink Link { get; }

        public static async Task<Pipeline> StartAsync(FleetEndToEndTests test, string database)
        {
            var pipeline = new Pipeline(test, database);
            var ingest = pipeline.Ingest.RunAsync(pipeline._stop.Token);
            await Eventually.True(() => pipeline.Ingest.IsConnected, TimeSpan.FromSeconds(10), () => test._broker.Log);
            pipeline._runs = Task.WhenAll(ingest, pipeline.Link.RunAsync(pipeline._stop.Token));
            return pipeline;
        }

        public async Task StopAsync()
        {
            await _stop.CancelAsync();
            await _runs;
        }

        public async ValueTask DisposeAsync()
        {
            await StopAsync();
            await Link.DisposeAsync();
            await Ingest.DisposeAsync();
            Store.Dispose();
            Outbox.Dispose();
            _postgres?.Dispose();
            _stop.Dispose();
        }
    }

    /// <summary>Every record of the stream stored once, seq 1..n with no hole, and record i is the i-th produced.</summary>
    private static void AssertExactlyOnceInOrder(IIngestStore store, long epoch, string stream, int expected)
    {
        var records = store.Records(Box, stream, epoch);
        Assert.Equal(expected, records.Count);
        for (var i = 0; i < records.Count; i++)
        {
            Assert.Equal(i + 1, records[i].Seq);
            Assert.Equal(i, JsonDocument.Parse(records[i].Record).RootElement.GetProperty("n").GetInt32());
        }
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Records_reach_the_LA_exactly_once_and_acknowledgements_empty_the_outbox(string database)
    {
        await using var run = await Pipeline.StartAsync(this, database);
        var (outbox, store, ingest, link) = (run.Outbox, run.Store, run.Ingest, run.Link);

        Produce(outbox, Streams.Dns, 0, 20_000);
        Produce(outbox, Streams.Block, 0, 3_000);
        outbox.Append(Streams.Incident, OutboxTests.Records(1, "incident"));

        await Eventually.True(() => outbox.Backlog().All(b => b.AckedSeq == b.LastSeq), TimeSpan.FromSeconds(60),
            () => string.Join("; ", outbox.Backlog()) + $" ingest {ingest.Records} link connected {link.IsConnected} published {link.Published} problem {link.LastProblem}");
        AssertExactlyOnceInOrder(store, outbox.Epoch, Streams.Dns, 20_000);
        AssertExactlyOnceInOrder(store, outbox.Epoch, Streams.Block, 3_000);
        Assert.Single(store.Records(Box, Streams.Incident, outbox.Epoch));
        Assert.Empty(outbox.NextPending(10));
        Assert.Equal(0, outbox.StoredBytes);

        var status = Assert.Single(store.Status());
        Assert.Equal((Box, School, "online", outbox.Epoch), (status.Appliance, status.School, status.Presence, status.Epoch));

        await run.StopAsync();
        // The goodbye is retained presence "offline": the LA's view must not keep a stopped box "online".
        await using var again = new IngestService(IngestOptions with { ClientId = "la-ingest-2" }, store, TimeProvider.System, NullLogger.Instance);
        Assert.Equal("offline", await PresenceAfterRestart(again, store));
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task A_broker_killed_mid_stream_and_down_while_100k_records_pile_up_loses_nothing_and_duplicates_nothing(string database)
    {
        await using var run = await Pipeline.StartAsync(this, database);
        var (outbox, store, ingest, link) = (run.Outbox, run.Store, run.Ingest, run.Link);

        // 1. SIGKILL the broker while records are flowing: what it had only in memory (PUBACKed, queued for the
        //    ingest) is gone, and only the end-to-end ack can tell.
        Produce(outbox, Streams.Dns, 0, 30_000);
        await Eventually.True(() => ingest.Records > 2_000, TimeSpan.FromSeconds(30), () => $"ingest {ingest.Records}");
        _broker.Kill();
        var storedAtKill = ingest.Records;

        // 2. While it is down, the box goes on producing: 100k more DNS records and a few blocks.
        Produce(outbox, Streams.Dns, 30_000, 100_000);
        Produce(outbox, Streams.Block, 0, 500);
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.False(link.IsConnected);
        _broker.Start();

        await Eventually.True(() => outbox.Backlog().All(b => b.AckedSeq == b.LastSeq), TimeSpan.FromSeconds(120),
            () => string.Join("; ", outbox.Backlog()) + $" ingest {ingest.Records} link connected {link.IsConnected} published {link.Published} problem {link.LastProblem}");
        AssertExactlyOnceInOrder(store, outbox.Epoch, Streams.Dns, 130_000);
        AssertExactlyOnceInOrder(store, outbox.Epoch, Streams.Block, 500);
        Assert.True(storedAtKill < 130_000);
        Assert.True(link.Connects >= 2);
        Assert.Equal(130_500, ingest.Records);   // newly stored: every record once, duplicates absorbed
    }

    [Fact]
    public async Task A_box_cannot_publish_under_another_box_and_a_box_under_the_wrong_school_is_refused()
    {
        using var store = new SqliteIngestStore(Path.Combine(_dir, "la.db"));
        store.Register("apl-0002", "SCH2");
        using var stop = new CancellationTokenSource();
        await using var ingest = new IngestService(IngestOptions, store, TimeProvider.System, NullLogger.Instance);
        var ingestRun = ingest.RunAsync(stop.Token);
        await Eventually.True(() => ingest.IsConnected, TimeSpan.FromSeconds(10), () => _broker.Log);

        // apl-0002 logs in with its own credentials but claims to be apl-0001: the broker refuses (%u ACL, 135).
        using var impostorOutbox = OutboxStore.Open(Path.Combine(_dir, "impostor.db"));
        impostorOutbox.Append(Streams.Incident, OutboxTests.Records(1, "incident"));
        await using var impostor = new FleetLink(LinkOptions(Box) with { Username = "apl-0002" }, impostorOutbox, TimeProvider.System, NullLogger.Instance);
        var impostorRun = impostor.RunAsync(stop.Token);
        await Eventually.True(() => impostor.LastProblem?.Contains("NotAuthorized", StringComparison.Ordinal) == true, TimeSpan.FromSeconds(20),
            () => $"impostor: {impostor.LastProblem}");

        // apl-0002 under its own name but as school SCH1, while the LA's registry says SCH2: the ingest refuses.
        using var wrongSchoolOutbox = OutboxStore.Open(Path.Combine(_dir, "wrong-school.db"));
        wrongSchoolOutbox.Append(Streams.Dns, OutboxTests.Records(10));
        await using var wrongSchool = new FleetLink(LinkOptions("apl-0002"), wrongSchoolOutbox, TimeProvider.System, NullLogger.Instance);
        var wrongRun = wrongSchool.RunAsync(stop.Token);
        await Eventually.True(() => ingest.Rejected >= 2, TimeSpan.FromSeconds(20), () => $"rejected {ingest.Rejected}");   // presence + the chunk

        Assert.Equal(0, ingest.Records);
        Assert.Empty(store.Records(Box, Streams.Incident, impostorOutbox.Epoch));
        Assert.Empty(store.Records("apl-0002", Streams.Dns, wrongSchoolOutbox.Epoch));
        await stop.CancelAsync();
        await Task.WhenAll(ingestRun, impostorRun, wrongRun);
    }

    private static async Task<string> PresenceAfterRestart(IngestService ingest, IIngestStore store)
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var run = ingest.RunAsync(stop.Token);
        while (!stop.IsCancellationRequested && store.Status().Single().Presence == "online")
        {
            await Task.Delay(50);
        }

        await stop.CancelAsync();
        await run;
        return store.Status().Single().Presence;
    }
}
