using Appliance.IntegrationTests.Peers;
using Appliance.Journal;

namespace Appliance.IntegrationTests.Dns;

/// <summary>Every query reaches the journal with who, when, what and which rule acted (issue 4), through a real run.</summary>
public sealed class JournalTests : IAsyncLifetime
{
    private readonly Nsd _nsd = new();
    private readonly string _dir = Directory.CreateTempSubdirectory("journal-it-").FullName;
    private ApplianceProcess _appliance = null!;

    public async Task InitializeAsync()
    {
        await _nsd.StartAsync();
        var list = Path.Combine(_dir, "gambling.txt");
        await File.WriteAllTextAsync(list, "h7.test\n");
        _appliance = await ApplianceProcess.StartAsync(["--upstream", _nsd.Address, "--block", list + ":gambling"]);
    }

    public Task DisposeAsync()
    {
        _appliance.Dispose();
        _nsd.Dispose();
        Directory.Delete(_dir, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Queries_AreJournalled_WithClientGroupReasonAndCategory()
    {
        var before = DateTimeOffset.UtcNow;
        await _appliance.DigAsync("h1.test");
        await _appliance.DigAsync("h7.test");
        await _appliance.DigAsync("-b", "127.0.0.3", "www.test", "AAAA");
        Assert.Equal(0, _appliance.StopGracefully());   // the drain flushes the ring on the way out

        using var journal = QueryJournal.Open(Path.Combine(_appliance.DataDir, "journal.db"));
        var mine = journal.Timeline("127.0.0.1", before, TimeSpan.FromMinutes(5));
        var other = journal.Timeline("127.0.0.3", before, TimeSpan.FromMinutes(5));

        var allowed = Assert.Single(mine, e => e.Name == "h1.test");
        var blocked = Assert.Single(mine, e => e.Name == "h7.test");
        Assert.Equal(("default", 100, 1), (allowed.Group, (int)allowed.Reason, (int)allowed.QueryType));
        Assert.Equal(110, blocked.Reason);
        Assert.Equal(1UL << 3, blocked.Categories);   // gambling
        Assert.True((blocked.Flags & 8) != 0);
        Assert.Equal(("www.test", 28), (Assert.Single(other).Name, (int)other[0].QueryType));
        Assert.Equal([new NameCount("h7.test", 1, 1)], journal.TopBlocked(before.AddMinutes(-5), before.AddMinutes(5), 10));
    }
}
