using Appliance.TestSupport;
using LaFleet.Ingest;

namespace Appliance.Fleet.Tests;

/// <summary>Both LA stores: idempotent inserts, and a contiguous mark that waits at holes and passes skipped (gap) ranges.</summary>
public sealed class IngestStoreTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ingest-store-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static IngestBatch Batch(string stream, long first, int count, long epoch = 7)
        => new("SCH1", "apl-1", stream, epoch, first, [.. Enumerable.Range(0, count).Select(i => $$"""{"ts":{{first + i}},"kind":"{{stream}}","n":{{first + i}}}""")]);

    private static IngestBatch Gap(long from, long to)
        => new("SCH1", "apl-1", "audit", 7, 1, [$$"""{"ts":1,"kind":"gap","stream":"dns","epoch":7,"fromSeq":{{from}},"toSeq":{{to}},"records":{{to - from + 1}},"reason":"disk-budget"}"""]);

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public void The_mark_waits_at_a_hole_passes_a_skipped_range_and_duplicates_are_stored_once(string database)
    {
        using var postgres = database == "postgres" ? new Postgres() : null;
        using IIngestStore store = postgres is null ? new SqliteIngestStore(Path.Combine(_dir, "la.db")) : new PostgresIngestStore(postgres.ConnectionString);

        Assert.Equal(10, store.Store(Batch("dns", 1, 10)));
        Assert.Equal(0, store.Store(Batch("dns", 1, 10)));            // a resend: nothing new
        Assert.Equal(10, store.Store(Batch("dns", 2_021, 10)));       // after a hole
        long Mark() => store.Progress().Single(p => p.Stream == "dns").Contiguous;
        Assert.Equal(10, Mark());
        Assert.Equal(2_030, store.Progress().Single(p => p.Stream == "dns").Highest);

        Assert.Equal(1, store.Store(Gap(1_011, 2_020)));              // the box says 1,011–2,020 were dropped on purpose
        Assert.Equal(10, Mark());                                     // 11–1,010 are still missing
        Assert.Equal(1_000, store.Store(Batch("dns", 11, 1_000)));    // they arrive (a resend after the LA asked)
        Assert.Equal(2_030, Mark());
        Assert.Equal(1_020, store.Records("apl-1", "dns", 7).Count);
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public void Status_shows_each_boxs_presence_and_its_latest_reported_state(string database)
    {
        using var postgres = database == "postgres" ? new Postgres() : null;
        using IIngestStore store = postgres is null ? new SqliteIngestStore(Path.Combine(_dir, "la.db")) : new PostgresIngestStore(postgres.ConnectionString);
        var at = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);
        store.SetPresence("SCH1", "apl-1", "online", "1.2.3", 7, at);
        store.SetPresence("SCH1", "apl-2", "lost", null, null, at);
        store.SetReported("apl-1", """{"desiredVersion":20,"applied":true,"errors":[]}""", at);
        store.SetReported("apl-1", """{"desiredVersion":21,"applied":false,"errors":["config: dataDir: is set on the box itself"]}""", at);

        var status = store.Status();
        Assert.Equal(["apl-1", "apl-2"], status.Select(s => s.Appliance));
        Assert.Contains("\"desiredVersion\":21", status[0].Reported, StringComparison.Ordinal);
        Assert.Equal(("online", "1.2.3", 7L), (status[0].Presence, status[0].Version, status[0].Epoch!.Value));
        Assert.Null(status[1].Reported);
    }
}
