using Appliance.Core.Policy;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;

namespace Appliance.Policy.Tests;

public sealed class PolicyStoreTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("policy-store-").FullName;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 25, 9, 0, 0, TimeSpan.Zero));

    private string DbPath => Path.Combine(_dir, "policy.db");

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    internal static PolicyDocument Doc(params string[] blocked)
        => new() { Groups = [new GroupDefinition { Name = "default", BlockedCategories = blocked }] };

    [Fact]
    public void New_HasNoVersion()
    {
        using var store = PolicyStore.Open(DbPath, _time);
        Assert.Null(store.Current());
        Assert.Equal(0, store.LatestVersion());
    }

    [Fact]
    public void Append_NumbersVersions_AndKeepsEveryOne_AcrossReopening()
    {
        using (var store = PolicyStore.Open(DbPath, _time))
        {
            store.Append(Doc("drugs"), "alice", "initial", "initial policy");
            _time.Advance(TimeSpan.FromHours(1));
            store.Append(Doc("drugs", "games"), "bob", "lesson focus", "group 'default': blocked +games");
        }

        using var reopened = PolicyStore.Open(DbPath, _time);
        var current = reopened.Current()!;
        Assert.Equal(2, current.Version);
        Assert.Equal(["drugs", "games"], current.Document.Groups[0].BlockedCategories);
        Assert.Equal(("bob", "lesson focus"), (current.Actor, current.Reason));
        Assert.Equal(_time.GetUtcNow(), current.At);
        Assert.Equal(["drugs"], reopened.Get(1)!.Document.Groups[0].BlockedCategories);
        Assert.Equal([2L, 1L], reopened.History().Select(v => v.Version));
        Assert.Equal(64, current.Sha256.Length);
    }

    [Fact]
    public void Append_BasedOnAnOlderVersion_StoresNothing_WhoeverWroteTheNewerOne()
    {
        using var web = PolicyStore.Open(DbPath, _time);
        using var cli = PolicyStore.Open(DbPath, _time);   // another process's connection, as `appliance policy set` has
        web.Append(Doc(), "alice", "initial", "initial policy");
        cli.Append(Doc("drugs"), "tech", "cli change", "blocked +drugs");

        Assert.Null(web.Append(Doc("games"), "head", "approved proposal", "blocked +games", basedOn: 1));
        Assert.Equal(2, web.LatestVersion());
        Assert.Equal("tech", web.Current()!.Actor);
        Assert.Equal(3, web.Append(Doc("games"), "head", "approved proposal", "blocked +games", basedOn: 2)!.Version);
    }

    [Fact]
    public void Audit_RecordsAppliedAndRefused_NewestFirst()
    {
        using var store = PolicyStore.Open(DbPath, _time);
        store.Append(Doc(), "alice", "initial", "initial policy");
        store.RecordRefusal("mallory", "", "reason: every change needs a written reason");

        var log = store.AuditLog();
        Assert.Equal(["refused", "applied"], log.Select(e => e.Action));
        Assert.Null(log[0].Version);
        Assert.Equal(1, log[1].Version);
        Assert.Equal("mallory", log[0].Actor);
    }

    [Fact]
    public void Open_NotADatabase_ClearErrorNamingTheFile_AndTheFileIsLeftAlone()
    {
        File.WriteAllText(DbPath, "this is not a database, it is a text file that happens to be here");
        var before = File.ReadAllBytes(DbPath);

        var ex = Assert.Throws<PolicyStoreException>(() => PolicyStore.Open(DbPath, _time));

        Assert.Contains(DbPath, ex.Message, StringComparison.Ordinal);
        Assert.Contains("not a database", ex.Message, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(DbPath));
    }

    [Fact]
    public void Append_DiskFull_ClearError_AndThePreviousVersionIsIntact()
    {
        using var store = PolicyStore.Open(DbPath, _time);
        store.Append(Doc("drugs"), "alice", "initial", "initial policy");
        using (var limit = store.Connection.CreateCommand())
        {
            // The database may not grow by a page: what a full disk looks like to SQLite (SQLITE_FULL).
            limit.CommandText = "PRAGMA max_page_count = " + new SqliteCommand("PRAGMA page_count", store.Connection).ExecuteScalar();
            limit.ExecuteNonQuery();
        }

        var big = Doc([.. Enumerable.Range(0, 2000).Select(i => $"category-{i}")]);
        var ex = Assert.Throws<PolicyStoreException>(() => store.Append(big, "bob", "too big for the disk", "x"));

        Assert.Contains("not saved", ex.Message, StringComparison.Ordinal);
        Assert.Contains("full", ex.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(1, store.Current()!.Version);
        Assert.Equal(["drugs"], store.Current()!.Document.Groups[0].BlockedCategories);
        Assert.Single(store.AuditLog());
    }
}
