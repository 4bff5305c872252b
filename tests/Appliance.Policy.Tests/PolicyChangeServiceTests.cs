using System.Net;
using Appliance.Core.Lists;
using Appliance.Core.Net;
using Appliance.Core.Policy;
using Appliance.Protocols.Dns;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;

namespace Appliance.Policy.Tests;

public sealed class PolicyChangeServiceTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("policy-change-").FullName;
    private readonly PolicyEngine _engine = new();
    private readonly PolicyLists _lists = Lists();

    private string DbPath => Path.Combine(_dir, "policy.db");

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    private static PolicyLists Lists()
    {
        var blocked = new DomainSetBuilder();
        blocked.Add("arcade.example", Categories.Bit(Category.Games));
        blocked.Add("pills.example", Categories.Bit(Category.Drugs));
        return new PolicyLists(blocked.Build(), DomainSet.Empty, DomainSet.Empty);
    }

    private bool Blocked(string name)
    {
        var client = ClientAddress.FromEndPoint(new IPEndPoint(IPAddress.Loopback, 1));
        return _engine.Decide(new RequestFacts(DnsName.Encode(name), DnsType.A, client, RequestSource.DnsUdp, DateTimeOffset.UtcNow)).IsBlocked;
    }

    private PolicyChangeService Start(PolicyDocument seed) => PolicyChangeService.Start(PolicyStore.Open(DbPath), _engine, _lists, seed, "test", NullLogger.Instance);

    [Fact]
    public void Start_NewBox_StoresTheSeedAsVersion1_AndAppliesIt()
    {
        var changes = Start(PolicyStoreTests.Doc("drugs"));
        using var store = changes.Store;

        Assert.Equal(1, changes.Current.Version);
        Assert.Equal(1, _engine.Snapshot.Version);
        Assert.True(Blocked("pills.example"));
        Assert.False(Blocked("arcade.example"));
    }

    [Fact]
    public void Start_ExistingBox_UsesTheStoredVersion_NotTheSeed()
    {
        using (var first = Start(PolicyStoreTests.Doc("drugs")).Store)
        {
        }

        using var store = Start(PolicyStoreTests.Doc("games")).Store;
        Assert.True(Blocked("pills.example"));
        Assert.False(Blocked("arcade.example"));
    }

    [Fact]
    public void Apply_Valid_StoresAuditsAndSwaps()
    {
        var changes = Start(PolicyStoreTests.Doc("drugs"));
        using var store = changes.Store;

        var result = changes.Apply(PolicyStoreTests.Doc("drugs", "games"), "head", "exam week");

        Assert.True(result.Applied);
        Assert.Equal(2, _engine.Snapshot.Version);
        Assert.True(Blocked("arcade.example"));
        Assert.Equal("group 'default': blocked +games", store.Current()!.Summary);
        Assert.Equal("exam week", store.AuditLog()[0].Reason);
    }

    [Theory]
    [InlineData("", "why", "actor: every change must say who made it")]
    [InlineData("head", " ", "reason: every change needs a written reason")]
    public void Apply_WithoutActorOrReason_Refused(string actor, string reason, string expected)
    {
        var changes = Start(PolicyStoreTests.Doc("drugs"));
        using var store = changes.Store;

        var result = changes.Apply(PolicyStoreTests.Doc("games"), actor, reason);

        Assert.False(result.Applied);
        Assert.Contains(expected, result.Errors);
        Assert.Equal(1, _engine.Snapshot.Version);
        Assert.Equal("refused", store.AuditLog()[0].Action);
    }

    [Fact]
    public void Apply_InvalidDocument_RefusedWithEveryError_NothingChanges()
    {
        var changes = Start(PolicyStoreTests.Doc("drugs"));
        using var store = changes.Store;
        var snapshot = _engine.Snapshot;

        var result = changes.Apply(PolicyStoreTests.Doc("porn", "statutory-iwf"), "tech", "try");

        Assert.False(result.Applied);
        Assert.Equal(2, result.Errors.Count);
        Assert.Same(snapshot, _engine.Snapshot);
        Assert.Equal(1, store.LatestVersion());
        Assert.Contains("'porn' is not a category", store.AuditLog()[0].Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Refresh_PicksUpAVersionStoredByAnotherProcess()
    {
        var running = Start(PolicyStoreTests.Doc("drugs"));
        using var store = running.Store;
        Assert.False(running.Refresh());

        // The CLI, in another process, opens its own connection to the same file.
        var cliEngine = new PolicyEngine();
        var cli = PolicyChangeService.Start(PolicyStore.Open(DbPath), cliEngine, PolicyLists.None, PolicyCompiler.DefaultDocument, "cli", NullLogger.Instance);
        using (cli.Store)
        {
            Assert.True(cli.Apply(PolicyStoreTests.Doc("games"), "tech", "from the command line").Applied);
        }

        Assert.True(running.Refresh());
        Assert.Equal(2, _engine.Snapshot.Version);
        Assert.True(Blocked("arcade.example"));
        Assert.False(Blocked("pills.example"));
    }

    [Fact]
    public void ReplaceLists_RecompilesTheCurrentPolicy()
    {
        var changes = Start(PolicyStoreTests.Doc("games"));
        using var store = changes.Store;
        var more = new DomainSetBuilder();
        more.Add("new-arcade.example", Categories.Bit(Category.Games));

        var old = changes.ReplaceLists(new PolicyLists(more.Build(), DomainSet.Empty, DomainSet.Empty));

        Assert.Same(_lists, old);
        Assert.True(Blocked("new-arcade.example"));
        Assert.False(Blocked("arcade.example"));
    }
}
