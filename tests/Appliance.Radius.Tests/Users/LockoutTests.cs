using Appliance.Radius.Users;

namespace Appliance.Radius.Tests.Users;

public sealed class LockoutTests : IDisposable
{
    private readonly UserStoreFixture _fixture = new();

    public void Dispose() => _fixture.Dispose();

    [Fact]
    public void TenFailures_LockTheAccount_EvenAgainstTheRightPassword_ForFifteenMinutes()
    {
        using var store = Seeded();

        Fail(store, 10);

        Assert.Equal(CredentialOutcome.LockedOut, store.CheckPassword("j.smith", "correct horse"u8).Outcome);
        Assert.Equal(CredentialOutcome.LockedOut, store.CheckNtHash("j.smith", _ => true).Outcome);
        Assert.Equal(_fixture.Time.GetUtcNow().AddMinutes(15), store.Get("j.smith")!.LockedUntil);
        _fixture.Time.Advance(TimeSpan.FromMinutes(15) - TimeSpan.FromSeconds(1));
        Assert.Equal(CredentialOutcome.LockedOut, store.CheckPassword("j.smith", "correct horse"u8).Outcome);
        _fixture.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(store.CheckPassword("j.smith", "correct horse"u8).Accepted);
        Assert.Null(store.Get("j.smith")!.LockedUntil);
    }

    [Fact]
    public void NineFailures_DoNotLock_AndASuccessStartsTheCountAgain()
    {
        using var store = Seeded();

        Fail(store, 9);
        Assert.True(store.CheckPassword("j.smith", "correct horse"u8).Accepted);
        Fail(store, 9);

        Assert.True(store.CheckPassword("j.smith", "correct horse"u8).Accepted);
    }

    [Fact]
    public void FailuresOutsideTheWindow_DoNotAddUp()
    {
        using var store = Seeded();

        Fail(store, 9);
        _fixture.Time.Advance(TimeSpan.FromMinutes(15));
        Fail(store, 9);

        Assert.True(store.CheckPassword("j.smith", "correct horse"u8).Accepted);
    }

    [Fact]
    public void Failures_SurviveARestart()
    {
        using (var store = Seeded())
        {
            Fail(store, 9);
        }

        using (var reopened = _fixture.Open())
        {
            Fail(reopened, 1);
        }

        using var again = _fixture.Open();
        Assert.Equal(CredentialOutcome.LockedOut, again.CheckPassword("j.smith", "correct horse"u8).Outcome);
    }

    [Fact]
    public void SuccessWithNoFailures_WritesNothing_AndLockedRefusalsWriteNothing()
    {
        using var store = Seeded();
        var before = Changes(store);

        for (var i = 0; i < 20; i++)
        {
            Assert.True(store.CheckPassword("j.smith", "correct horse"u8).Accepted);
            Assert.True(store.CheckNtHash("j.smith", _ => true).Accepted);
        }

        Assert.Equal(before, Changes(store));
        Fail(store, 10);
        var locked = Changes(store);
        Fail(store, 50);
        Assert.Equal(locked, Changes(store));
    }

    [Fact]
    public void Lockout_IsAudited_AndEnablingUnlocks()
    {
        using var store = Seeded();

        Fail(store, 10);

        var entry = Assert.Single(_fixture.Audit.Entries, e => e.Action == "user.locked-out");
        Assert.Equal(("radius", "j.smith"), (entry.Actor, entry.Subject));
        store.SetEnabled("j.smith", enabled: true, "technician");
        Assert.True(store.CheckPassword("j.smith", "correct horse"u8).Accepted);
    }

    [Fact]
    public void ConfiguredPolicy_IsUsed()
    {
        using var fixture = new UserStoreFixture(new UserStoreOptions
        {
            Pbkdf2Iterations = UserStoreFixture.TestIterations,
            Lockout = new LockoutPolicy { MaxFailures = 3, Duration = TimeSpan.FromHours(1) },
        });
        using var store = fixture.Open();
        store.Add(UserStoreFixture.Pupil("j.smith"), "correct horse", "technician");

        Fail(store, 3);
        fixture.Time.Advance(TimeSpan.FromMinutes(59));

        Assert.Equal(CredentialOutcome.LockedOut, store.CheckPassword("j.smith", "correct horse"u8).Outcome);
    }

    private UserStore Seeded()
    {
        var store = _fixture.Open();
        store.Add(UserStoreFixture.Pupil("j.smith"), "correct horse", "technician");
        return store;
    }

    private static void Fail(UserStore store, int times)
    {
        for (var i = 0; i < times; i++)
        {
            store.CheckPassword("j.smith", "wrong"u8);
        }
    }

    private static long Changes(UserStore store)
    {
        using var command = store.Connection.CreateCommand();
        command.CommandText = "SELECT total_changes()";
        return (long)command.ExecuteScalar()!;
    }
}
