using System.Net;
using Appliance.Core.Events;
using Appliance.Core.Lists;
using Appliance.Core.Net;
using Appliance.Protocols.Dns;
using Microsoft.Data.Sqlite;
using static Appliance.Journal.Tests.QueryJournalTests;

namespace Appliance.Journal.Tests;

/// <summary>The DSL's search and timeline over the journal (issue 8, Activity): filters, keyset paging, redaction, the read connection.</summary>
public sealed class ActivitySearchTests : IDisposable
{
    private static readonly DateTimeOffset Noon = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);
    private readonly string _dir = Directory.CreateTempSubdirectory("activity-").FullName;
    private readonly QueryJournal _journal;

    public ActivitySearchTests() => _journal = QueryJournal.Open(Path.Combine(_dir, "journal.db"));

    public void Dispose()
    {
        _journal.Dispose();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    private static (string, string?)? UserOf(ClientAddress client) => client.ToIPAddress().ToString() switch
    {
        "10.20.1.5" => ("alice", "secondary"),
        "10.20.9.9" => ("mr.jones", "staff"),
        _ => null,
    };

    private void Seed() => _journal.Append(
    [
        Event(Noon.AddHours(-3), "10.20.1.5", "homework.example"),
        Event(Noon.AddHours(-2), "10.20.1.6", "www.tiktok.com", blocked: true, category: Category.SocialMedia),
        Event(Noon.AddHours(-1), "10.20.1.5", "nottiktok.com"),
        Event(Noon, "10.20.1.5", "tiktok.com", blocked: true, category: Category.SocialMedia),
        Event(Noon.AddMinutes(5), "10.20.9.9", "staffroom.example", group: 2),
        Event(Noon.AddMinutes(10), "10.20.1.6", "pills.example", blocked: true, category: Category.Drugs),
    ], Group, userOf: UserOf);

    private string[] Names(ActivityFilter filter) => [.. _journal.Search(filter, 100).Rows.Select(r => r.Entry.Name)];

    [Fact]
    public void Search_each_filter_finds_its_rows_newest_first()
    {
        Seed();

        Assert.Equal(["pills.example", "staffroom.example", "tiktok.com", "nottiktok.com", "www.tiktok.com", "homework.example"], Names(new ActivityFilter()));
        Assert.Equal(["tiktok.com", "nottiktok.com", "homework.example"], Names(new ActivityFilter { User = "alice" }));
        Assert.Equal(["pills.example", "www.tiktok.com"], Names(new ActivityFilter { Client = "10.20.1.6" }));
        Assert.Equal(["staffroom.example"], Names(new ActivityFilter { Group = "staff" }));
        Assert.Equal(["tiktok.com", "nottiktok.com", "www.tiktok.com"], Names(new ActivityFilter { Name = "tiktok" }));
        Assert.Equal(["tiktok.com", "www.tiktok.com"], Names(new ActivityFilter { Name = "tiktok.com", NameMatch = NameMatch.Domain }));
        Assert.Equal(["pills.example"], Names(new ActivityFilter { Categories = Categories.Bit(Category.Drugs) }));
        Assert.Equal(["pills.example", "tiktok.com", "www.tiktok.com"], Names(new ActivityFilter { BlockedOnly = true }));
        Assert.Equal(["tiktok.com", "nottiktok.com"], Names(new ActivityFilter { From = Noon.AddHours(-1), To = Noon }));
        Assert.Equal(["tiktok.com"], Names(new ActivityFilter { User = "alice", BlockedOnly = true, Name = "tik" }));
        Assert.Empty(Names(new ActivityFilter { User = "Alice" }));   // exactly as stored
        Assert.Equal("www.example.org", ActivityFilter.NormaliseName(" WWW.Example.org. "));
        Assert.Null(ActivityFilter.NormaliseName("  "));
    }

    [Fact]
    public void Search_pages_by_id_older_then_newer_each_row_once()
    {
        var events = Enumerable.Range(0, 250).Select(i => Event(Noon.AddSeconds(i), "10.20.1.5", $"n{i}.example")).ToArray();
        _journal.Append(events, Group);

        var first = _journal.Search(new ActivityFilter(), 100);
        var second = _journal.Search(new ActivityFilter(), 100, before: first.Older);
        var third = _journal.Search(new ActivityFilter(), 100, before: second.Older);

        Assert.Equal(("n249.example", "n150.example"), (first.Rows[0].Entry.Name, first.Rows[^1].Entry.Name));
        Assert.Equal(("n149.example", "n50.example"), (second.Rows[0].Entry.Name, second.Rows[^1].Entry.Name));
        Assert.Equal(50, third.Rows.Count);
        Assert.Null(third.Older);   // the end of the journal
        Assert.Equal(250, first.Rows.Concat(second.Rows).Concat(third.Rows).Select(r => r.Id).Distinct().Count());

        // Forward from the oldest: the rows just newer, still shown newest first, and whether more are newer still.
        var newer = _journal.Search(new ActivityFilter(), 100, after: third.Rows[0].Id);
        Assert.Equal(("n149.example", "n50.example", true), (newer.Rows[0].Entry.Name, newer.Rows[^1].Entry.Name, newer.MoreNewer));
        var newest = _journal.Search(new ActivityFilter(), 100, after: first.Rows[0].Id);
        Assert.Equal((0, false), (newest.Rows.Count, newest.MoreNewer));
        Assert.Equal(100, _journal.Search(new ActivityFilter(), 5_000).Rows.Count);   // never more than a page
    }

    [Fact]
    public void Search_without_an_index_reads_a_bounded_window_and_says_how_far_back_it_looked()
    {
        _journal.ScanWindowRows = 100;
        var events = Enumerable.Range(0, 300).Select(i => Event(Noon.AddSeconds(i), "10.20.1.5", i == 10 ? "rare.example" : $"n{i}.example")).ToArray();
        _journal.Append(events, Group);

        var first = _journal.Search(new ActivityFilter { Name = "rare" }, 100);
        Assert.Empty(first.Rows);
        Assert.Equal(Noon.AddSeconds(200), first.SearchedBackTo);
        var second = _journal.Search(new ActivityFilter { Name = "rare" }, 100, before: first.Older);
        var third = _journal.Search(new ActivityFilter { Name = "rare" }, 100, before: second.Older);

        Assert.Equal("rare.example", Assert.Single(third.Rows).Entry.Name);
        Assert.Null(third.Older);
        Assert.Null(third.SearchedBackTo);
        Assert.Equal("rare.example", Assert.Single(_journal.Search(new ActivityFilter { Name = "rare", Client = "10.20.1.5" }, 100).Rows).Entry.Name);   // indexed: no window

        // Forward too: a page reads at most the window after its cursor and says where to go on from.
        var forward = _journal.Search(new ActivityFilter { Name = "n29" }, 100, after: 0);
        Assert.Equal(["n29.example"], forward.Rows.Select(r => r.Entry.Name));
        Assert.Equal((100L, true), (forward.Newer!.Value, forward.MoreNewer));
        var onward = _journal.Search(new ActivityFilter { Name = "n29" }, 100, after: forward.Newer);
        Assert.Equal((0, 200L, true), (onward.Rows.Count, onward.Newer!.Value, onward.MoreNewer));   // none in this window: go on after it
        var last = _journal.Search(new ActivityFilter { Name = "n29" }, 100, after: onward.Newer);
        Assert.Equal(["n299.example", "n298.example", "n297.example", "n296.example", "n295.example", "n294.example", "n293.example", "n292.example",
            "n291.example", "n290.example"], last.Rows.Select(r => r.Entry.Name));
        Assert.Equal((300L, false), (last.Newer!.Value, last.MoreNewer));
    }

    [Fact]
    public void Statutory_hits_are_found_only_as_stored_redacted_never_by_their_real_name()
    {
        var hit = Event(Noon, "10.20.1.5", "x", blocked: true, category: Category.StatutoryIwf);
        Span<byte> redacted = stackalloc byte[DnsLimits.MaxNameLength];
        var length = Appliance.Core.Policy.StatutoryRedaction.Write(new byte[32], DnsName.Encode("abuse.example"), Categories.Bit(Category.StatutoryIwf), redacted);
        hit.SetName(redacted[..length]);
        hit.Reason = Appliance.Core.Policy.ReasonCode.DnsBlockedStatutory;
        _journal.Append([hit], Group);

        Assert.Empty(_journal.Search(new ActivityFilter { Name = "abuse" }, 100).Rows);
        var row = Assert.Single(_journal.Search(new ActivityFilter { BlockedOnly = true }, 100).Rows);
        Assert.EndsWith(".statutory-iwf.statutory.invalid", row.Entry.Name, StringComparison.Ordinal);
    }

    [Fact]
    public void Timeline_by_user_or_device_is_the_window_around_the_moment_in_time_order()
    {
        Seed();

        var alice = _journal.TimelineAround(TimelineSubject.User, "alice", Noon.AddMinutes(-30), TimeSpan.FromHours(1), 100);
        Assert.Equal(["nottiktok.com", "tiktok.com"], alice.Rows.Select(r => r.Entry.Name));
        var device = _journal.TimelineAround(TimelineSubject.Device, "10.20.1.6", Noon, TimeSpan.FromHours(1), 100);
        Assert.Equal(["pills.example"], device.Rows.Select(r => r.Entry.Name));

        _journal.Append([.. Enumerable.Range(0, 20).Select(i => Event(Noon.AddMinutes(20).AddSeconds(i), "10.20.1.5", $"n{i}.example"))], Group, userOf: UserOf);
        var capped = _journal.TimelineAround(TimelineSubject.User, "alice", Noon.AddMinutes(20).AddSeconds(10), TimeSpan.FromHours(1), 5);
        Assert.Equal(["n5.example", "n6.example", "n7.example", "n8.example", "n9.example", "n10.example", "n11.example", "n12.example", "n13.example", "n14.example"],
            capped.Rows.Select(r => r.Entry.Name));
        Assert.True(capped.MoreEarlier && capped.MoreLater);
        Assert.Equal("n10.example", _journal.Find(capped.Rows[5].Id)!.Entry.Name);
        Assert.Null(_journal.Find(-1));
    }

    [Fact]
    public void Search_reads_on_its_own_connection_while_the_writer_holds_a_transaction()
    {
        Seed();
        using var transaction = _journal.Connection.BeginTransaction();
        using (var insert = _journal.Connection.CreateCommand())
        {
            insert.Transaction = transaction;
            insert.CommandText = "INSERT INTO dns_events (at, client, grp, name, qtype, reason, rcode, flags, categories, upstream_us) VALUES (1, 'c', 'g', 'uncommitted.example', 1, 100, 0, 0, 0, 0)";
            insert.ExecuteNonQuery();
        }

        // The writer's connection is busy with an open transaction (a command on it without that transaction throws):
        // the search answers from the last committed state.
        Assert.Equal(6, _journal.Search(new ActivityFilter(), 100).Rows.Count);
        Assert.Empty(_journal.Search(new ActivityFilter { Name = "uncommitted" }, 100).Rows);
    }

    [Fact]
    public void Pseudonymised_rows_are_searched_by_their_pseudonyms()
    {
        var pseudonyms = new Pseudonyms(Enumerable.Repeat((byte)7, 32).ToArray(), ["secondary"]);
        _journal.Append([Event(Noon, "10.20.1.5", "homework.example")], Group, pseudonyms, UserOf);
        var device = pseudonyms.Of(ClientAddress.FromEndPoint(new IPEndPoint(IPAddress.Parse("10.20.1.5"), 0)));

        Assert.Empty(_journal.Search(new ActivityFilter { User = "alice" }, 100).Rows);
        Assert.Empty(_journal.Search(new ActivityFilter { Client = "10.20.1.5" }, 100).Rows);
        var row = Assert.Single(_journal.Search(new ActivityFilter { User = pseudonyms.Of("alice") }, 100).Rows);
        Assert.Equal(device, row.Entry.Client);
    }
}
