using System.Text;
using System.Text.Json;
using Appliance.Fleet.Outbox;
using Microsoft.Extensions.Time.Testing;

namespace Appliance.Fleet.Tests;

public sealed class OutboxTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("outbox-").FullName;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 29, 9, 0, 0, TimeSpan.Zero));

    private string DbPath => Path.Combine(_dir, "outbox.db");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    internal static IReadOnlyList<PendingChunk> Records(int n, string kind = "dns", int from = 0)
    {
        using var builder = new ChunkBuilder();
        for (var i = 0; i < n; i++)
        {
            var w = builder.BeginRecord(kind, DateTimeOffset.UnixEpoch.AddSeconds(from + i));
            w.WriteNumber("n", from + i);
            w.WriteString("name", $"host-{from + i}.example.org");
            builder.EndRecord();
        }

        return builder.Take();
    }

    internal static List<JsonElement> Lines(OutboxChunk chunk)
        => [.. Encoding.UTF8.GetString(ChunkCodec.Decompress(chunk.Body)).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement)];

    [Fact]
    public void Records_are_cut_into_chunks_and_get_consecutive_sequence_numbers_per_stream()
    {
        using var outbox = OutboxStore.Open(DbPath, time: _time);
        var chunks = Records(1_200);
        Assert.Equal([500, 500, 200], chunks.Select(c => c.Count));

        Assert.Equal((1, 1_200), outbox.Append(Streams.Dns, chunks));
        Assert.Equal((1_201, 1_210), outbox.Append(Streams.Dns, Records(10)));
        Assert.Equal((1, 3), outbox.Append(Streams.Block, Records(3, "block")));

        var pending = outbox.NextPending(100);
        // The block lane goes before DNS; within a stream, seq order.
        Assert.Equal([Streams.Block, Streams.Dns, Streams.Dns, Streams.Dns, Streams.Dns], pending.Select(c => c.Stream));
        Assert.Equal([1L, 1, 501, 1_001, 1_201], pending.Select(c => c.SeqFirst));
        var lines = Lines(pending[2]);
        Assert.Equal(500, lines.Count);
        Assert.Equal(500, lines[0].GetProperty("n").GetInt32());
        Assert.Equal("dns", lines[0].GetProperty("kind").GetString());
        Assert.Equal(500_000, lines[0].GetProperty("ts").GetInt64());
    }

    [Fact]
    public void Incidents_go_first_whatever_was_queued_before_them()
    {
        using var outbox = OutboxStore.Open(DbPath, time: _time);
        outbox.Append(Streams.Dns, Records(10));
        outbox.Append(Streams.Health, Records(1, "health"));
        outbox.Append(Streams.Incident, Records(1, "incident"));
        outbox.Append(Streams.Alert, Records(1, "alert"));
        Assert.Equal([Streams.Incident, Streams.Alert, Streams.Health, Streams.Dns], outbox.NextPending(10).Select(c => c.Stream));
    }

    [Fact]
    public void Sequence_numbers_and_the_epoch_survive_a_reopen_and_are_never_reused_after_an_acknowledgement()
    {
        long epoch;
        using (var outbox = OutboxStore.Open(DbPath, time: _time))
        {
            epoch = outbox.Epoch;
            outbox.Append(Streams.Dns, Records(20));
            outbox.MarkSent(outbox.NextPending(10).Select(c => c.Id));
            Assert.Equal(1, outbox.Acknowledge(epoch, Streams.Dns, 20));
            Assert.Empty(outbox.NextPending(10));
        }

        using var reopened = OutboxStore.Open(DbPath, time: _time);
        Assert.Equal(epoch, reopened.Epoch);
        Assert.Equal((21, 25), reopened.Append(Streams.Dns, Records(5)));
        var backlog = Assert.Single(reopened.Backlog());
        Assert.Equal(new StreamBacklog(Streams.Dns, 25, 20, 5, 0, _time.GetUtcNow()), backlog);
    }

    [Fact]
    public void Sent_chunks_stay_until_the_LA_acknowledges_them_and_can_be_requeued()
    {
        using var outbox = OutboxStore.Open(DbPath, time: _time);
        outbox.Append(Streams.Dns, Records(1_000));
        var pending = outbox.NextPending(10);
        outbox.MarkSent(pending.Select(c => c.Id));
        Assert.Empty(outbox.NextPending(10));
        Assert.Equal(1_000, outbox.Backlog()[0].Unacknowledged);

        // An acknowledgement for another epoch (an outbox since recreated) changes nothing.
        Assert.Equal(0, outbox.Acknowledge(outbox.Epoch + 1, Streams.Dns, 1_000));
        // Acknowledging part of a chunk keeps the chunk.
        Assert.Equal(1, outbox.Acknowledge(outbox.Epoch, Streams.Dns, 700));
        Assert.Equal(500, outbox.Backlog()[0].Unacknowledged);

        Assert.Equal(500, outbox.Waiting());   // as Backlog: the chunk with seq 501–1,000 waits whole
        _time.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal(0, outbox.RequeueOverdue(TimeSpan.FromMinutes(15)));
        Assert.Equal(1, outbox.RequeueOverdue(TimeSpan.FromMinutes(5)));
        Assert.Equal(501, Assert.Single(outbox.NextPending(10)).SeqFirst);
    }

    [Fact]
    public void Resends_while_the_LA_does_not_acknowledge_back_off_per_chunk_so_the_brokers_queue_cannot_grow_without_bound()
    {
        using var outbox = OutboxStore.Open(DbPath, time: _time);
        outbox.Append(Streams.Dns, Records(100));
        var after = TimeSpan.FromMinutes(10);
        void Send() => outbox.MarkSent(outbox.NextPending(10).Select(c => c.Id));

        Send();
        var resentAt = new List<double>();
        for (var minute = 1; minute <= 24 * 60; minute++)
        {
            _time.Advance(TimeSpan.FromMinutes(1));
            if (outbox.RequeueOverdue(after) > 0)
            {
                resentAt.Add(minute);
                Send();
            }
        }

        // 10, +20, +40, +80, +160, +320 minutes, then every 320 (the cap): 8 resends in a day, not 144.
        Assert.Equal([11, 32, 73, 154, 315, 636, 957, 1278], resentAt);

        // The session lost at the broker: everything goes again at once, whatever its backoff.
        Assert.Equal(1, outbox.Requeue());
    }

    [Fact]
    public void An_outbox_from_before_the_backoff_is_upgraded_in_place_and_keeps_its_chunks()
    {
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={DbPath};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = """
                CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
                CREATE TABLE streams (name TEXT PRIMARY KEY, next_seq INTEGER NOT NULL, acked_seq INTEGER NOT NULL);
                CREATE TABLE chunks (id INTEGER PRIMARY KEY, stream TEXT NOT NULL, seq_first INTEGER NOT NULL, count INTEGER NOT NULL,
                    lane INTEGER NOT NULL, created_ms INTEGER NOT NULL, body BLOB NOT NULL, state INTEGER NOT NULL DEFAULT 0, sent_ms INTEGER,
                    UNIQUE (stream, seq_first));
                INSERT INTO meta VALUES ('epoch', 77);
                INSERT INTO streams VALUES ('dns', 2, 0);
                INSERT INTO chunks (stream, seq_first, count, lane, created_ms, body, state, sent_ms) VALUES ('dns', 1, 1, 5, 0, x'00', 1, 0);
                PRAGMA user_version = 1;
                """;
            command.ExecuteNonQuery();
        }

        using (var outbox = OutboxStore.Open(DbPath, time: _time))
        {
            Assert.Equal(77, outbox.Epoch);
            Assert.Equal(1, outbox.RequeueOverdue(TimeSpan.FromMinutes(1)));
        }

        // A power cut after the column was added but before the version was: the next open still works.
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={DbPath};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA user_version = 1";
            command.ExecuteNonQuery();
        }

        using var reopened = OutboxStore.Open(DbPath, time: _time);
        Assert.Equal(77, reopened.Epoch);
    }

    [Fact]
    public void An_acknowledgement_removes_only_what_the_broker_accepted_so_a_forged_one_cannot_empty_the_outbox()
    {
        using var outbox = OutboxStore.Open(DbPath, time: _time);
        outbox.Append(Streams.Incident, Records(3, "incident"));
        outbox.Append(Streams.Dns, Records(600));
        outbox.MarkSent([outbox.NextPending(10).Single(c => c is { Stream: Streams.Dns, SeqFirst: 1 }).Id]);

        Assert.Equal(0, outbox.Acknowledge(outbox.Epoch, Streams.Incident, long.MaxValue / 2));
        Assert.Equal(1, outbox.Acknowledge(outbox.Epoch, Streams.Dns, long.MaxValue / 2));
        var backlog = outbox.Backlog().ToDictionary(b => b.Stream);
        Assert.Equal((0L, 3L), (backlog[Streams.Incident].AckedSeq, backlog[Streams.Incident].Pending));
        Assert.Equal((500L, 100L), (backlog[Streams.Dns].AckedSeq, backlog[Streams.Dns].Pending));
    }

    [Fact]
    public void A_resend_request_puts_back_what_is_still_stored_from_that_seq()
    {
        using var outbox = OutboxStore.Open(DbPath, time: _time);
        outbox.Append(Streams.Dns, Records(1_200));
        outbox.MarkSent(outbox.NextPending(10).Select(c => c.Id));
        Assert.Equal(2, outbox.Resend(Streams.Dns, 600));
        Assert.Equal([501L, 1_001], outbox.NextPending(10).Select(c => c.SeqFirst));
    }

    [Fact]
    public void Over_the_disk_budget_logs_are_dropped_oldest_first_with_a_gap_record_and_incidents_never()
    {
        // Incompressible records so the budget is reached quickly.
        static IReadOnlyList<PendingChunk> Noise(int n, string kind)
        {
            using var builder = new ChunkBuilder();
            for (var i = 0; i < n; i++)
            {
                builder.BeginRecord(kind, DateTimeOffset.UnixEpoch).WriteString("noise", Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(600)));
                builder.EndRecord();
            }

            return builder.Take();
        }

        using var outbox = OutboxStore.Open(DbPath, new OutboxOptions { BudgetBytes = 400_000 }, _time);
        outbox.Append(Streams.Incident, Noise(300, "incident"));   // ~240 kB, kept whatever happens
        outbox.Append(Streams.Block, Noise(100, "block"));
        for (var i = 0; i < 5; i++)
        {
            outbox.Append(Streams.Dns, Noise(100, "dns"));
        }

        Assert.True(outbox.StoredBytes <= 400_000 + 10_000, $"{outbox.StoredBytes} bytes stored");
        Assert.True(outbox.Dropped > 0);
        var backlog = outbox.Backlog().ToDictionary(b => b.Stream);
        Assert.Equal(300, backlog[Streams.Incident].Pending);
        Assert.Equal(500, backlog[Streams.Dns].LastSeq);
        Assert.True(backlog[Streams.Dns].Pending < 500);

        var gaps = outbox.NextPending(1_000).Where(c => c.Stream == Streams.Audit).SelectMany(Lines).ToList();
        Assert.NotEmpty(gaps);
        Assert.All(gaps, g => Assert.Equal("gap", g.GetProperty("kind").GetString()));
        var droppedDns = gaps.Where(g => g.GetProperty("stream").GetString() == Streams.Dns).Sum(g => g.GetProperty("records").GetInt64());
        Assert.Equal(500 - backlog[Streams.Dns].Pending, droppedDns);
        Assert.Equal(1, gaps.Where(g => g.GetProperty("stream").GetString() == Streams.Dns).Min(g => g.GetProperty("fromSeq").GetInt64()));
        Assert.DoesNotContain(gaps, g => g.GetProperty("stream").GetString() == Streams.Incident);
    }

    [Fact]
    public void An_unreadable_outbox_is_set_aside_not_deleted_and_a_new_epoch_starts_with_an_audit_record()
    {
        File.WriteAllText(DbPath, "this is not a database, it is a broken file with enough bytes to have a header........................");
        using var outbox = OutboxStore.Open(DbPath, time: _time);
        Assert.NotNull(outbox.SetAside);
        Assert.StartsWith("this is not a database", File.ReadAllText(outbox.SetAside!));
        var record = Lines(Assert.Single(outbox.NextPending(10))).Single();
        Assert.Equal("outbox-recreated", record.GetProperty("reason").GetString());
        Assert.Contains(outbox.SetAside!, record.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_stream_is_refused_by_name()
    {
        using var outbox = OutboxStore.Open(DbPath, time: _time);
        var ex = Assert.Throws<ArgumentException>(() => outbox.Append("dnss", Records(1)));
        Assert.Contains("'dnss' is not an outbox stream", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_full_disk_is_named_and_loses_nothing_already_stored()
    {
        using var outbox = OutboxStore.Open(DbPath, time: _time);
        outbox.Append(Streams.Dns, Records(10));
        // SQLite's page limit stands in for a full disk: it fails the write inside the transaction with SQLITE_FULL.
        using (var limit = outbox.Connection.CreateCommand())
        {
            limit.CommandText = "SELECT page_count FROM pragma_page_count()";
            var pages = (long)limit.ExecuteScalar()!;
            limit.CommandText = $"PRAGMA max_page_count = {pages}";
            limit.ExecuteNonQuery();
        }

        var ex = Assert.Throws<OutboxException>(() => outbox.Append(Streams.Dns, Records(5_000)));
        Assert.Contains("5000 dns records were not stored", ex.Message, StringComparison.Ordinal);
        Assert.Contains("full", ex.Message, StringComparison.Ordinal);
        var backlog = Assert.Single(outbox.Backlog());
        Assert.Equal((10L, 10L), (backlog.LastSeq, backlog.Pending));
    }
}
