using Appliance.Core.Lists;
using Appliance.Journal.Checks;
using Microsoft.Data.Sqlite;
using static Appliance.Journal.Tests.QueryJournalTests;

namespace Appliance.Journal.Tests;

/// <summary>The Reports page's aggregates: blocks by category, by group and per day from one pass; the record of checks.</summary>
public sealed class ReportAggregateTests : IDisposable
{
    private static readonly DateTimeOffset Noon = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);
    private static readonly DateOnly Day = new(2026, 11, 25);
    private readonly string _dir = Directory.CreateTempSubdirectory("report-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public void BlockCells_CountPerDayGroupAndMask_OnlyBlocksInThePeriod()
    {
        using var journal = QueryJournal.Open(Path.Combine(_dir, "journal.db"));
        var twoCategories = Event(Noon, "10.20.1.7", "both.example", group: 0, blocked: true, category: Category.Drugs);
        twoCategories.Categories |= Categories.Bit(Category.SelfHarm);
        journal.Append(
        [
            Event(Noon, "10.20.1.5", "a.example", group: 1, blocked: true, category: Category.SelfHarm),
            Event(Noon.AddHours(1), "10.20.1.6", "b.example", group: 1, blocked: true, category: Category.SelfHarm),
            twoCategories,
            Event(Noon.AddDays(1), "10.20.1.5", "custom.example", group: 2, blocked: true),              // a custom block: no category
            Event(Noon.AddDays(1), "10.20.1.5", "allowed.example", group: 2),                           // allowed: not a block
            Event(Noon.AddDays(-3), "10.20.1.5", "early.example", group: 1, blocked: true, category: Category.Drugs),   // before the period
        ], Group);

        var cells = journal.BlockCells(Noon.AddHours(-12), Noon.AddDays(2));
        var summary = BlockSummary.From(cells);

        Assert.Equal(4, summary.Total);
        Assert.Equal([new("self-harm", 3), new("(custom)", 1), new("drugs", 1)], summary.ByCategory);
        Assert.Equal([new("secondary", 2), new("guest", 1), new("staff", 1)], summary.ByGroup);
        Assert.Equal([new(Day, "guest", 1), new(Day, "secondary", 2), new(Day.AddDays(1), "staff", 1)], journal.BlocksByGroup(Noon.AddHours(-12), Noon.AddDays(2)));
        Assert.Equal([new(Day, "drugs", 1), new(Day, "self-harm", 3), new(Day.AddDays(1), "(custom)", 1)], summary.CategoryTrend);
    }

    [Fact]
    public void BlockCells_EmptyPeriod_GiveAnEmptySummary()
    {
        using var journal = QueryJournal.Open(Path.Combine(_dir, "journal.db"));
        journal.Append([Event(Noon, "10.20.1.5", "a.example", blocked: true, category: Category.Drugs)], Group);

        var summary = BlockSummary.From(journal.BlockCells(Noon.AddDays(1), Noon.AddDays(8)));

        Assert.Equal(0, summary.Total);
        Assert.Empty(summary.ByCategory);
        Assert.Empty(summary.ByGroup);
        Assert.Empty(summary.GroupTrend);
    }

    [Fact]
    public void BlockRollup_FilledForAnOlderJournal_AndPrunedWithTheBlocks()
    {
        var path = Path.Combine(_dir, "journal.db");
        using (var journal = QueryJournal.Open(path, new JournalOptions { BlockRetention = TimeSpan.FromDays(365) }))
        {
            journal.Append([Event(Noon, "10.20.1.5", "a.example", blocked: true, category: Category.Drugs),
                Event(Noon.AddDays(-400), "10.20.1.5", "old.example", blocked: true, category: Category.Drugs)], Group);
            using var drop = journal.Connection.CreateCommand();
            drop.CommandText = "DROP TABLE block_days";   // as a journal written before the rollup
            drop.ExecuteNonQuery();
        }

        using var reopened = QueryJournal.Open(path, new JournalOptions { BlockRetention = TimeSpan.FromDays(365) });
        Assert.Equal(2, BlockSummary.From(reopened.BlockCells(Noon.AddDays(-500), Noon.AddDays(1))).Total);

        reopened.Append([Event(Noon.AddHours(1), "10.20.1.6", "b.example", blocked: true, category: Category.Drugs)], Group);
        reopened.Prune(Noon);

        Assert.Equal([new BlockCell(Day, "secondary", Categories.Bit(Category.Drugs), 2)], reopened.BlockCells(Noon.AddDays(-500), Noon.AddDays(1)));
    }

    [Fact]
    public void CheckLog_CountsPerDay_KeepsTheLastFailure_AndSurvivesReopening()
    {
        var path = Path.Combine(_dir, "checks.db");
        using (var checks = CheckLog.Open(path))
        {
            checks.Record(Noon, CheckLog.FilteringKind, "resolver", passed: true);
            checks.Record(Noon.AddMinutes(5), CheckLog.FilteringKind, "resolver", passed: false, "a DNS listener did not answer the probe");
            checks.Record(Noon.AddMinutes(10), CheckLog.FilteringKind, "resolver", passed: true);
            checks.Record(Noon.AddDays(1), CheckLog.ListKind, "https://lists.example/adult", passed: true);
            checks.Record(Noon.AddDays(5), CheckLog.FilteringKind, "resolver", passed: true);   // after the period
        }

        using var reopened = CheckLog.Open(path);
        var days = reopened.Days(Noon.AddHours(-12), Noon.AddDays(2));

        Assert.Equal(
            [
                new CheckDay(Day, CheckLog.FilteringKind, "resolver", 2, 1, Noon.AddMinutes(5), "a DNS listener did not answer the probe"),
                new CheckDay(Day.AddDays(1), CheckLog.ListKind, "https://lists.example/adult", 1, 0, null, null),
            ],
            days);
    }
}
