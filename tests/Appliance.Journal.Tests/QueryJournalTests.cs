using System.Net;
using Appliance.Core.Events;
using Appliance.Core.Lists;
using Appliance.Core.Net;
using Appliance.Core.Policy;
using Appliance.Protocols.Dns;
using Microsoft.Data.Sqlite;

namespace Appliance.Journal.Tests;

public sealed class QueryJournalTests : IDisposable
{
    private static readonly DateTimeOffset Noon = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);
    private static readonly string[] GroupNames = ["guest", "secondary", "staff"];

    private readonly string _dir = Directory.CreateTempSubdirectory("journal-").FullName;

    private string DbPath => Path.Combine(_dir, "journal.db");

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    internal static QueryEvent Event(DateTimeOffset at, string client, string name, byte group = 1, bool blocked = false, Category? category = null)
    {
        var e = new QueryEvent
        {
            Time = at,
            Client = ClientAddress.FromEndPoint(new IPEndPoint(IPAddress.Parse(client), 5000)),
            QueryType = DnsType.A,
            Reason = blocked ? ReasonCode.DnsBlockedCategory : ReasonCode.DnsAllowedDefault,
            Flags = blocked ? QueryEventFlags.Blocked : QueryEventFlags.CacheHit,
            Group = group,
            Categories = category is { } c ? Categories.Bit(c) : 0,
        };
        e.SetName(DnsName.Encode(name));
        return e;
    }

    internal static string Group(byte index) => GroupNames[index];

    [Fact]
    public void Append_ThenTimeline_PlusMinusAnHour_InOrder()
    {
        using var journal = QueryJournal.Open(DbPath);
        journal.Append(
        [
            Event(Noon.AddMinutes(-90), "10.20.1.5", "too-early.example"),
            Event(Noon.AddMinutes(-30), "10.20.1.5", "homework.example"),
            Event(Noon, "10.20.1.5", "pills.example", blocked: true, category: Category.Drugs),
            Event(Noon.AddMinutes(1), "10.20.1.6", "someone-else.example"),
            Event(Noon.AddMinutes(59), "10.20.1.5", "bbc.co.uk"),
            Event(Noon.AddMinutes(61), "10.20.1.5", "too-late.example"),
        ], Group);

        var timeline = journal.Timeline("10.20.1.5", Noon, TimeSpan.FromHours(1));

        Assert.Equal(["homework.example", "pills.example", "bbc.co.uk"], timeline.Select(e => e.Name));
        var blocked = timeline[1];
        Assert.Equal(("secondary", (ushort)ReasonCode.DnsBlockedCategory, Categories.Bit(Category.Drugs)), (blocked.Group, blocked.Reason, blocked.Categories));
        Assert.Equal(Noon, blocked.At);
    }

    [Fact]
    public void Pseudonymised_groups_are_journalled_as_pseudonyms_and_their_timeline_is_found_by_pseudonym()
    {
        using var journal = QueryJournal.Open(DbPath);
        var pseudonyms = new Pseudonyms(Enumerable.Repeat((byte)7, 32).ToArray(), ["secondary"]);
        journal.Append([Event(Noon, "10.20.1.5", "homework.example"), Event(Noon, "10.20.9.9", "staffroom.example", group: 2)], Group, pseudonyms);

        var pupil = pseudonyms.Of(ClientAddress.FromEndPoint(new IPEndPoint(IPAddress.Parse("10.20.1.5"), 0)));
        Assert.Empty(journal.Timeline("10.20.1.5", Noon, TimeSpan.FromHours(1)));
        Assert.Equal("homework.example", Assert.Single(journal.Timeline(pupil, Noon, TimeSpan.FromHours(1))).Name);
        Assert.Equal("staffroom.example", Assert.Single(journal.Timeline("10.20.9.9", Noon, TimeSpan.FromHours(1))).Name);
    }

    [Fact]
    public void The_user_behind_an_address_is_journalled_and_pseudonymised_when_their_own_group_is()
    {
        using var journal = QueryJournal.Open(DbPath);
        var pseudonyms = new Pseudonyms(Enumerable.Repeat((byte)7, 32).ToArray(), ["secondary"]);
        (string, string?)? UserOf(ClientAddress client) => client.ToIPAddress().ToString() switch
        {
            "10.20.9.9" => ("mr.jones", "staff"),
            "10.20.9.10" => ("alice", "secondary"),   // a pupil, though the decision placed the address in group 2 by subnet
            _ => null,
        };

        journal.Append([Event(Noon, "10.20.9.9", "staffroom.example", group: 2), Event(Noon, "10.20.9.10", "games.example", group: 2),
            Event(Noon, "10.20.9.11", "news.example", group: 2)], Group, pseudonyms, UserOf);

        Assert.Equal("mr.jones", Assert.Single(journal.Timeline("10.20.9.9", Noon, TimeSpan.FromHours(1))).User);
        Assert.Null(Assert.Single(journal.Timeline("10.20.9.11", Noon, TimeSpan.FromHours(1))).User);
        Assert.Empty(journal.Timeline("10.20.9.10", Noon, TimeSpan.FromHours(1)));   // neither her address nor her name in clear
        var pupil = Assert.Single(journal.Timeline(pseudonyms.Of(ClientAddress.FromEndPoint(new IPEndPoint(IPAddress.Parse("10.20.9.10"), 0))), Noon, TimeSpan.FromHours(1)));
        Assert.Equal(pseudonyms.Of("alice"), pupil.User);
    }

    [Fact]
    public void Trend_counts_blocks_per_day_and_category()
    {
        using var journal = QueryJournal.Open(DbPath);
        journal.Append(
        [
            Event(Noon, "10.20.1.5", "a.example", blocked: true, category: Category.SelfHarm),
            Event(Noon.AddHours(1), "10.20.1.6", "b.example", blocked: true, category: Category.SelfHarm),
            Event(Noon.AddDays(1), "10.20.1.5", "c.example", blocked: true, category: Category.Drugs),
            Event(Noon.AddDays(1), "10.20.1.5", "d.example"),                                          // allowed: not a block
            Event(Noon.AddDays(9), "10.20.1.5", "e.example", blocked: true, category: Category.Drugs),  // outside the period
        ], Group);

        Assert.Equal(
            [new DayCount(new DateOnly(2026, 11, 25), "self-harm", 2), new DayCount(new DateOnly(2026, 11, 26), "drugs", 1)],
            journal.Trend(Noon.AddDays(-1), Noon.AddDays(7)));
    }

    [Fact]
    public void Reports_BlocksByCategoryAndGroup_AndTopBlockedNames()
    {
        using var journal = QueryJournal.Open(DbPath);
        var events = new List<QueryEvent>();
        for (var i = 0; i < 30; i++)
        {
            events.Add(Event(Noon.AddSeconds(i), $"10.20.1.{i % 5}", "casino.example", group: 1, blocked: true, category: Category.Gambling));
        }

        for (var i = 0; i < 10; i++)
        {
            events.Add(Event(Noon.AddSeconds(i), "10.30.0.1", "pills.example", group: 0, blocked: true, category: Category.Drugs));
            events.Add(Event(Noon.AddSeconds(i), "10.30.0.1", "allowed.example", group: 0));
        }

        journal.Append(events.ToArray(), Group);

        var byCategory = journal.BlocksByCategory(Noon.AddHours(-1), Noon.AddHours(1));
        var top = journal.TopBlocked(Noon.AddHours(-1), Noon.AddHours(1), 10);

        Assert.Equal([new CategoryCount("gambling", "secondary", 30), new CategoryCount("drugs", "guest", 10)], byCategory);
        Assert.Equal([new NameCount("casino.example", 30, 5), new NameCount("pills.example", 10, 1)], top);
    }

    [Fact]
    public void Prune_AllowedAfterTheQueryRetention_BlocksAfterTheBlockRetention()
    {
        var options = new JournalOptions { QueryRetention = TimeSpan.FromDays(30), BlockRetention = TimeSpan.FromDays(365) };
        using var journal = QueryJournal.Open(DbPath, options);
        journal.Append(
        [
            Event(Noon.AddDays(-400), "10.0.0.1", "old-block.example", blocked: true),
            Event(Noon.AddDays(-100), "10.0.0.1", "kept-block.example", blocked: true),
            Event(Noon.AddDays(-100), "10.0.0.1", "old-query.example"),
            Event(Noon.AddDays(-10), "10.0.0.1", "kept-query.example"),
        ], Group);

        var deleted = journal.Prune(Noon);

        Assert.Equal(2, deleted);
        Assert.Equal(
            ["kept-block.example", "kept-query.example"],
            journal.Timeline("10.0.0.1", Noon.AddDays(-50), TimeSpan.FromDays(60)).Select(e => e.Name));
    }

    [Fact]
    public void Append_DiskFull_ClearError_EarlierBatchesIntact()
    {
        using var journal = QueryJournal.Open(DbPath);
        journal.Append([Event(Noon, "10.0.0.1", "first.example")], Group);
        using (var limit = journal.Connection.CreateCommand())
        {
            limit.CommandText = "PRAGMA max_page_count = " + new SqliteCommand("PRAGMA page_count", journal.Connection).ExecuteScalar();
            limit.ExecuteNonQuery();
        }

        var big = Enumerable.Range(0, 5_000).Select(i => Event(Noon, "10.0.0.1", $"n{i}.filler.example")).ToArray();
        var ex = Assert.Throws<JournalException>(() => journal.Append(big, Group));

        Assert.Contains("5000 events was not stored", ex.Message, StringComparison.Ordinal);
        Assert.Contains("full", ex.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(1, journal.Count());
    }

    [Fact]
    public void Open_NotADatabase_ClearError()
    {
        File.WriteAllText(DbPath, "not a database at all, just some text that is long enough to look like a header");

        var ex = Assert.Throws<JournalException>(() => QueryJournal.Open(DbPath));

        Assert.Contains(DbPath, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_journal_from_before_the_packet_filter_gains_the_source_column_and_keeps_its_rows()
    {
        using (var old = new SqliteConnection($"Data Source={DbPath}"))
        {
            old.Open();
            using var command = old.CreateCommand();
            command.CommandText = """
                CREATE TABLE dns_events (id INTEGER PRIMARY KEY, at INTEGER NOT NULL, client TEXT NOT NULL, user TEXT, grp TEXT NOT NULL,
                    name TEXT NOT NULL, qtype INTEGER NOT NULL, reason INTEGER NOT NULL, rcode INTEGER NOT NULL, flags INTEGER NOT NULL,
                    categories INTEGER NOT NULL, upstream_us INTEGER NOT NULL);
                INSERT INTO dns_events (at, client, grp, name, qtype, reason, rcode, flags, categories, upstream_us)
                VALUES (1795000000000, '10.20.1.5', 'secondary', 'old.example', 1, 100, 0, 1, 0, 0);
                """;
            command.ExecuteNonQuery();
        }

        SqliteConnection.ClearAllPools();
        using var journal = QueryJournal.Open(DbPath);
        var sni = Event(Noon, "10.20.1.5", "games.example", blocked: true, category: Category.Games);
        sni.Source = RequestSource.TlsSni;
        journal.Append([sni], Group);

        var rows = journal.Between(DateTimeOffset.FromUnixTimeMilliseconds(0), Noon.AddDays(1), 10);
        Assert.Equal([("old.example", RequestSource.DnsUdp), ("games.example", RequestSource.TlsSni)], rows.Select(r => (r.Name, r.Source)));
    }
}
