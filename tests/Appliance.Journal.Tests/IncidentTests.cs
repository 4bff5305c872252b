using System.Net;
using System.Text.Json;
using Appliance.Core.Lists;
using Appliance.Journal.Incidents;
using Microsoft.Data.Sqlite;

namespace Appliance.Journal.Tests;

public sealed class IncidentTests : IDisposable
{
    private static readonly DateTimeOffset Raised = new(2026, 11, 30, 10, 15, 0, TimeSpan.Zero);
    private readonly string _dir = Directory.CreateTempSubdirectory("incidents-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public void A_raise_is_on_disk_when_it_returns_survives_a_reopen_and_moves_only_the_ways_the_DSL_allows()
    {
        var path = Path.Combine(_dir, "incidents.db");
        using (var store = IncidentStore.Open(path))
        {
            var raised = store.Raise(Raised, "panel-1", "Room 4", "panel panel-1", test: false);
            Assert.Equal((1L, IncidentState.Raised, "Room 4"), (raised.Id, raised.State, raised.Room));
        }

        // A new connection (as after a power cut): the raise is there.
        using var reopened = IncidentStore.Open(path);
        var incident = reopened.Latest()!;
        Assert.Equal(Raised, incident.RaisedAt);
        Assert.Equal([incident.Id], reopened.NotForwarded().Select(i => i.Id));

        Assert.False(reopened.SetState(1, IncidentState.Raised, "x", Raised));
        Assert.True(reopened.SetState(1, IncidentState.Acknowledged, "dsl:jones", Raised.AddMinutes(2)));
        Assert.False(reopened.SetState(1, IncidentState.Cancelled, "panel", Raised.AddMinutes(3)));   // too late to cancel
        Assert.True(reopened.SetState(1, IncidentState.Closed, "dsl:jones", Raised.AddMinutes(30)));
        Assert.False(reopened.SetState(1, IncidentState.Acknowledged, "x", Raised.AddMinutes(31)));  // closed stays closed
        Assert.Equal(("dsl:jones", IncidentState.Closed), (reopened.Get(1)!.StateBy, reopened.Get(1)!.State));

        reopened.SetForwarded(1, "closed");
        Assert.Empty(reopened.NotForwarded());
        reopened.SetTestMode(Raised.AddMinutes(15));
        Assert.Equal(Raised.AddMinutes(15), reopened.TestModeUntil);
        reopened.SetTestMode(null);
        Assert.Null(reopened.TestModeUntil);
    }

    [Fact]
    public void Triage_notes_are_kept_with_their_incident_across_a_reopen_and_need_an_incident()
    {
        var path = Path.Combine(_dir, "incidents.db");
        using (var store = IncidentStore.Open(path))
        {
            var incident = store.Raise(Raised, "panel-1", "Room 4", "panel panel-1", test: false);
            Assert.True(store.AddNote(incident.Id, Raised.AddMinutes(2), "dsl.jones", "Spoke to the teacher."));
            Assert.True(store.AddNote(incident.Id, Raised.AddMinutes(3), "dsl.jones", "Parents called."));
            Assert.False(store.AddNote(incident.Id + 1, Raised, "dsl.jones", "no such incident"));
        }

        using var reopened = IncidentStore.Open(path);
        Assert.Equal([new IncidentNote(1, Raised.AddMinutes(2), "dsl.jones", "Spoke to the teacher."), new IncidentNote(1, Raised.AddMinutes(3), "dsl.jones", "Parents called.")],
            reopened.Notes(1));
        Assert.Empty(reopened.Notes(2));
    }

    [Fact]
    public void Not_an_incident_store_is_refused_by_name()
    {
        var path = Path.Combine(_dir, "incidents.db");
        File.WriteAllText(path, "this is not SQLite, it is a text file that happens to be in the way");
        var ex = Assert.Throws<JournalException>(() => IncidentStore.Open(path));
        Assert.StartsWith($"incident store {path}: ", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_evidence_holds_the_rooms_devices_in_the_window_and_its_digest_finds_any_change()
    {
        using var journal = QueryJournal.Open(Path.Combine(_dir, "journal.db"));
        journal.Append(
        [
            QueryJournalTests.Event(Raised.AddMinutes(-20), "10.1.4.20", "too-early.example"),
            QueryJournalTests.Event(Raised.AddMinutes(-10), "10.1.4.20", "homework.example"),
            QueryJournalTests.Event(Raised.AddMinutes(-5), "10.1.4.21", "pills.example", blocked: true, category: Category.Drugs),
            QueryJournalTests.Event(Raised.AddMinutes(-4), "10.9.9.9", "other-room.example"),
            QueryJournalTests.Event(Raised.AddMinutes(1), "10.1.4.20", "after.example"),
        ], QueryJournalTests.Group);
        using var store = IncidentStore.Open(Path.Combine(_dir, "incidents.db"));
        var incident = store.Raise(Raised, "panel-4", "Room 4", "panel panel-4", test: true);

        var sealedEvidence = EvidenceBundle.Seal(incident, journal, new EvidenceScope([IPNetwork.Parse("10.1.4.0/24")], TimeSpan.FromMinutes(15)),
            Path.Combine(_dir, "evidence"), Raised.AddSeconds(1));

        Assert.Equal((2, 2), (sealedEvidence.Events, sealedEvidence.Devices));
        using var document = JsonDocument.Parse(File.ReadAllText(sealedEvidence.File));
        var root = document.RootElement;
        Assert.Equal(["homework.example", "pills.example"], root.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("name").GetString()));
        Assert.Equal("drugs", root.GetProperty("events")[1].GetProperty("categories").GetString());
        Assert.True(root.GetProperty("test").GetBoolean());
        Assert.Equal(1, root.GetProperty("devices").EnumerateArray().Single(d => d.GetProperty("client").GetString() == "10.1.4.21").GetProperty("blocked").GetInt32());

        Assert.Equal(sealedEvidence.Sha256, Sha256(sealedEvidence.File));
        File.WriteAllText(sealedEvidence.File, File.ReadAllText(sealedEvidence.File).Replace("pills.example", "pi11s.example", StringComparison.Ordinal));
        Assert.NotEqual(sealedEvidence.Sha256, Sha256(sealedEvidence.File));
    }

    private static string Sha256(string file) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(file)));

    [Fact]
    public void Between_finds_a_period_in_a_long_journal_with_holes_left_by_retention()
    {
        using var journal = QueryJournal.Open(Path.Combine(_dir, "journal.db"));
        var start = Raised.AddDays(-2);
        journal.Append([.. Enumerable.Range(0, 5_000).Select(i => QueryJournalTests.Event(start.AddMinutes(i), "10.0.0.1", $"n{i}.example"))], QueryJournalTests.Group);
        using (var connection = new SqliteConnection($"Data Source={Path.Combine(_dir, "journal.db")};Pooling=False"))
        {
            connection.Open();
            using var delete = connection.CreateCommand();
            delete.CommandText = "DELETE FROM dns_events WHERE id % 7 = 0 OR id BETWEEN 1000 AND 3000";
            delete.ExecuteNonQuery();
        }

        var found = journal.Between(start.AddMinutes(3_500), start.AddMinutes(3_520), 100);
        Assert.Equal(Enumerable.Range(3_500, 21).Where(i => (i + 1) % 7 != 0).Select(i => $"n{i}.example"), found.Select(e => e.Name));
        Assert.Equal(["n3517.example", "n3518.example", "n3519.example"], journal.Between(start.AddMinutes(3_500), start.AddMinutes(3_520), 3).Select(e => e.Name));   // the newest (n3520 was removed)
        Assert.Empty(journal.Between(start.AddMinutes(1_500), start.AddMinutes(1_600), 100));   // retention removed it
        Assert.Equal(["n0.example"], journal.Between(start.AddMinutes(-5), start, 100).Select(e => e.Name));
    }
}
