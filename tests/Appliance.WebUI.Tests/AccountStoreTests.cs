using Appliance.WebUI.Accounts;
using Microsoft.Extensions.Time.Testing;

namespace Appliance.WebUI.Tests;

[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class AccountStoreTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("webui-").FullName;
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void The_setup_code_creates_one_technician_and_is_then_spent()
    {
        using var store = AccountStore.Open(_dir, _time);
        Assert.False(store.HasAccounts);
        var code = store.NewSetupCode()!;
        Assert.Matches("^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$", code);

        Assert.NotNull(store.CompleteSetup("AAAA-BBBB-CCCC", "tech", "a-long-enough-password"));
        Assert.Contains("at least 12", store.CompleteSetup(code, "tech", "short"), StringComparison.Ordinal);
        Assert.Null(store.CompleteSetup(code.ToLowerInvariant(), "Tech", "a-long-enough-password"));

        Assert.True(store.HasAccounts);
        Assert.Null(store.NewSetupCode());   // no more codes once an account exists
        Assert.NotNull(store.CompleteSetup(code, "second", "a-long-enough-password"));
        Assert.Equal((SignInOutcome.Accepted, new WebAccount("tech", WebRole.Technician)), store.SignIn("TECH", "a-long-enough-password"));
    }

    [Fact]
    public void Five_failures_lock_the_account_for_15_minutes_even_against_the_right_password()
    {
        using var store = AccountStore.Open(_dir, _time);
        Assert.Null(store.Add("dsl", WebRole.Dsl, "safeguarding-first"));
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(SignInOutcome.Refused, store.SignIn("dsl", "wrong").Outcome);
        }

        Assert.Equal(SignInOutcome.LockedOut, store.SignIn("dsl", "wrong").Outcome);
        Assert.Equal(SignInOutcome.LockedOut, store.SignIn("dsl", "safeguarding-first").Outcome);

        _time.Advance(TimeSpan.FromMinutes(16));
        Assert.Equal(SignInOutcome.Accepted, store.SignIn("dsl", "safeguarding-first").Outcome);
    }

    [Fact]
    public void Accounts_survive_a_restart_and_names_are_unique()
    {
        using (var store = AccountStore.Open(_dir, _time))
        {
            Assert.Null(store.Add("head", WebRole.Head, "the-head-teacher"));
            Assert.Contains("already an account", store.Add("Head", WebRole.Governor, "another-password"), StringComparison.Ordinal);
            Assert.Contains("letters, digits", store.Add("bad name", WebRole.Teacher, "another-password"), StringComparison.Ordinal);
        }

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_dir, AccountStore.FileName)));   // hashes
        using var reopened = AccountStore.Open(_dir, _time);
        Assert.Equal(WebRole.Head, reopened.SignIn("head", "the-head-teacher").Account!.Role);
        Assert.Equal(SignInOutcome.Refused, reopened.SignIn("nobody", "the-head-teacher").Outcome);
    }

    [Fact]
    public void The_web_UI_keeps_its_keys_in_a_private_keys_directory()
    {
        var services = new Microsoft.Extensions.DependencyInjection.ServiceCollection();

        services.AddWebUi(_dir);

        const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        Assert.Equal(Private, File.GetUnixFileMode(Path.Combine(_dir, "keys")));
        Assert.Equal(Private, File.GetUnixFileMode(Path.Combine(_dir, "keys", "webui")));
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
