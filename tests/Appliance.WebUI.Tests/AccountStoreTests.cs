using Appliance.WebUI.Accounts;
using Microsoft.Extensions.Time.Testing;

namespace Appliance.WebUI.Tests;

[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class AccountStoreTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("webui-").FullName;
    private const string Pupil = "192.0.2.50";
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
        var signedIn = store.SignIn("TECH", "a-long-enough-password", Pupil);
        Assert.Equal((SignInOutcome.Accepted, new WebAccount("tech", WebRole.Technician)), (signedIn.Outcome, signedIn.Account));
        Assert.Equal(store.Stamp("tech"), signedIn.Stamp);
    }

    [Fact]
    public void A_console_code_is_marked_as_such_until_a_printed_code_replaces_it_or_setup_spends_it()
    {
        using var store = AccountStore.Open(_dir, _time);
        Assert.False(store.HasConsoleSetupCode);   // nothing waiting

        var console = store.NewSetupCode(fromConsole: true)!;
        Assert.True(store.HasConsoleSetupCode);
        var printed = store.NewSetupCode()!;        // what the service does when no console code waits
        Assert.False(store.HasConsoleSetupCode);
        Assert.NotNull(store.CompleteSetup(console, "tech", "a-long-enough-password"));

        store.NewSetupCode(fromConsole: true);
        Assert.NotNull(store.CompleteSetup(printed, "tech", "a-long-enough-password"));   // replaced
        Assert.True(store.HasConsoleSetupCode);
    }

    [Fact]
    public void Five_failures_lock_that_address_out_for_15_minutes_while_the_owner_signs_in_from_elsewhere()
    {
        using var store = AccountStore.Open(_dir, _time);
        Assert.Null(store.Add("dsl", WebRole.Dsl, "safeguarding-first"));
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(SignInOutcome.Refused, store.SignIn("dsl", "wrong", Pupil).Outcome);
        }

        Assert.Equal(SignInOutcome.LockedOut, store.SignIn("dsl", "wrong", Pupil).Outcome);
        Assert.Equal(SignInOutcome.LockedOut, store.SignIn("dsl", "safeguarding-first", Pupil).Outcome);
        Assert.Equal(SignInOutcome.Accepted, store.SignIn("dsl", "safeguarding-first", "192.0.2.20").Outcome);   // the DSL's own desk

        _time.Advance(TimeSpan.FromMinutes(16));
        Assert.Equal(SignInOutcome.Accepted, store.SignIn("dsl", "safeguarding-first", Pupil).Outcome);
    }

    [Fact]
    public void Fifty_failures_from_many_addresses_lock_the_account_everywhere_and_unknown_names_count_the_same_way()
    {
        using var store = AccountStore.Open(_dir, _time);
        Assert.Null(store.Add("head", WebRole.Head, "the-head-teacher"));
        for (var i = 0; i < 50; i++)
        {
            store.SignIn("head", "guess", $"198.51.100.{i}");
            store.SignIn("no.such.person", "guess", $"198.51.100.{i}");
        }

        Assert.Equal(SignInOutcome.LockedOut, store.SignIn("head", "the-head-teacher", "192.0.2.99").Outcome);
        Assert.Equal(SignInOutcome.LockedOut, store.SignIn("no.such.person", "guess", "192.0.2.99").Outcome);   // a name's existence is not told
        _time.Advance(TimeSpan.FromMinutes(16));
        Assert.Equal(SignInOutcome.Accepted, store.SignIn("head", "the-head-teacher", "192.0.2.99").Outcome);
    }

    [Fact]
    public void Password_role_and_enabled_changes_make_a_new_stamp_and_the_last_technician_stays()
    {
        using var store = AccountStore.Open(_dir, _time);
        Assert.Null(store.Add("tech", WebRole.Technician, "a-long-enough-password"));
        Assert.Null(store.Add("teacher", WebRole.Teacher, "teachers-password"));
        var stamp = store.Stamp("teacher");

        Assert.Null(store.SetPassword("teacher", "a-new-teachers-password"));
        Assert.NotEqual(stamp, store.Stamp("teacher"));
        Assert.Equal(SignInOutcome.Refused, store.SignIn("teacher", "teachers-password", Pupil).Outcome);
        stamp = store.Stamp("teacher");
        Assert.Null(store.SetRole("teacher", WebRole.Dsl));
        Assert.NotEqual(stamp, store.Stamp("teacher"));
        Assert.Null(store.SetEnabled("teacher", false));
        Assert.Null(store.Stamp("teacher"));   // a disabled account has no valid session
        Assert.Equal(SignInOutcome.Refused, store.SignIn("teacher", "a-new-teachers-password", Pupil).Outcome);

        Assert.Contains("last technician", store.SetEnabled("tech", false), StringComparison.Ordinal);
        Assert.Contains("last technician", store.SetRole("tech", WebRole.Governor), StringComparison.Ordinal);
        Assert.Contains("last technician", store.Remove("tech"), StringComparison.Ordinal);
        Assert.Null(store.SetEnabled("teacher", true));
        Assert.Null(store.SetRole("teacher", WebRole.Technician));
        Assert.Null(store.Remove("tech"));   // now there is another
        Assert.Null(store.Stamp("tech"));
        Assert.Contains("no account called", store.SetPassword("tech", "a-long-enough-password"), StringComparison.Ordinal);
    }

    [Fact]
    public void An_authenticator_is_asked_for_after_the_password_and_each_code_works_once()
    {
        using var store = AccountStore.Open(_dir, _time);
        Assert.Null(store.Add("dsl", WebRole.Dsl, "safeguarding-first"));
        var secret = Totp.NewSecret();
        var before = store.Stamp("dsl");
        Assert.NotNull(store.EnableSecondFactor("dsl", secret, "000000x").Problem);
        var (stamp, problem) = store.EnableSecondFactor("dsl", secret, Totp.Code(secret, Totp.StepAt(_time.GetUtcNow())));
        Assert.Null(problem);
        Assert.NotEqual(before, stamp);

        var first = store.SignIn("dsl", "safeguarding-first", Pupil);
        Assert.Equal(SignInOutcome.CodeNeeded, first.Outcome);
        Assert.Null(first.Stamp);   // no session from the password alone

        _time.Advance(TimeSpan.FromSeconds(30));
        var code = Totp.Code(secret, Totp.StepAt(_time.GetUtcNow()));
        Assert.Equal(SignInOutcome.Accepted, store.VerifyCode("dsl", code, Pupil).Outcome);
        Assert.Equal(SignInOutcome.Refused, store.VerifyCode("dsl", code, Pupil).Outcome);   // replayed
        // The right password posted again does not wipe the count of wrong codes: the fifth wrong one (the replay above
        // was the first) locks.
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(SignInOutcome.CodeNeeded, store.SignIn("dsl", "safeguarding-first", Pupil).Outcome);
            Assert.Equal(SignInOutcome.Refused, store.VerifyCode("dsl", "000000", Pupil).Outcome);
        }

        Assert.Equal(SignInOutcome.CodeNeeded, store.SignIn("dsl", "safeguarding-first", Pupil).Outcome);
        Assert.Equal(SignInOutcome.LockedOut, store.VerifyCode("dsl", "000001", Pupil).Outcome);
        _time.Advance(TimeSpan.FromMinutes(16));
        Assert.Null(store.DisableSecondFactor("dsl"));
        Assert.Equal(SignInOutcome.Accepted, store.SignIn("dsl", "safeguarding-first", Pupil).Outcome);
    }

    [Fact]
    public void Totp_matches_RFC_6238_appendix_B_and_base32_matches_RFC_4648()
    {
        var secret = "12345678901234567890"u8.ToArray();
        // RFC 6238 Appendix B, SHA-1: the 8-digit values' last six digits (6 digits is the same value modulo 10^6).
        Assert.Equal("287082", Totp.Code(secret, Totp.StepAt(DateTimeOffset.FromUnixTimeSeconds(59))));
        Assert.Equal("081804", Totp.Code(secret, Totp.StepAt(DateTimeOffset.FromUnixTimeSeconds(1111111109))));
        Assert.Equal("050471", Totp.Code(secret, Totp.StepAt(DateTimeOffset.FromUnixTimeSeconds(1111111111))));
        Assert.Equal("005924", Totp.Code(secret, Totp.StepAt(DateTimeOffset.FromUnixTimeSeconds(1234567890))));
        Assert.Equal("279037", Totp.Code(secret, Totp.StepAt(DateTimeOffset.FromUnixTimeSeconds(2000000000))));
        Assert.Equal("MZXW6YTBOI", Totp.Base32("foobar"u8));   // RFC 4648 §10, unpadded
        Assert.Equal("MY", Totp.Base32("f"u8));
    }

    [Fact]
    public void Api_tokens_act_as_their_role_until_they_expire_or_are_revoked_and_only_their_hash_is_kept()
    {
        using var accounts = AccountStore.Open(_dir, _time);
        using var tokens = ApiTokenStore.Open(_dir, _time);
        Assert.NotNull(tokens.Create("mis sync", WebRole.Technician, 400, "tech").Problem);
        Assert.Contains("Technician or Governor only", tokens.Create("approve for me", WebRole.Head, 30, "tech").Problem, StringComparison.OrdinalIgnoreCase);
        Assert.NotNull(tokens.Create("read incidents", WebRole.Dsl, 30, "tech").Problem);
        var (token, problem) = tokens.Create("mis sync", WebRole.Governor, 30, "tech");
        Assert.Null(problem);
        Assert.StartsWith(ApiTokenStore.Prefix, token, StringComparison.Ordinal);
        Assert.Equal(("mis sync", WebRole.Governor), tokens.Authenticate(token!));
        Assert.Null(tokens.Authenticate(token![..^1] + (token[^1] == 'A' ? 'B' : 'A')));
        Assert.DoesNotContain(token, File.ReadAllText(Path.Combine(_dir, AccountStore.FileName), System.Text.Encoding.Latin1), StringComparison.Ordinal);

        _time.Advance(TimeSpan.FromDays(31));
        Assert.Null(tokens.Authenticate(token));
        var (second, _) = tokens.Create("la tooling", WebRole.Governor, 1, "tech");
        Assert.True(tokens.Revoke(tokens.List()[0].Id));
        Assert.Null(tokens.Authenticate(second!));
        Assert.Equal(2, tokens.List().Count);
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
        Assert.Equal(WebRole.Head, reopened.SignIn("head", "the-head-teacher", Pupil).Account!.Role);
        Assert.Equal(SignInOutcome.Refused, reopened.SignIn("nobody", "the-head-teacher", Pupil).Outcome);
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
