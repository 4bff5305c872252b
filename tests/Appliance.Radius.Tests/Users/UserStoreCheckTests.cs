using System.Text;
using Appliance.Radius.Users;

namespace Appliance.Radius.Tests.Users;

public sealed class UserStoreCheckTests : IDisposable
{
    private readonly UserStoreFixture _fixture = new();

    public void Dispose() => _fixture.Dispose();

    [Fact]
    public void CheckPassword_RightPassword_AcceptsWithTheStoredUser()
    {
        using var store = _fixture.Open();
        store.Add(UserStoreFixture.Pupil("J.Smith", year: 9) with { Group = "year9" }, "correct horse", "technician");

        var check = store.CheckPassword("j.SMITH", "correct horse"u8);

        Assert.Equal(CredentialOutcome.Accepted, check.Outcome);
        Assert.Equal(new DirectoryUser("j.smith", UserKind.Pupil, "year9", 9, null), check.User);
    }

    [Fact]
    public void CheckPassword_WrongPassword_IsRefusedWithoutAUser()
    {
        using var store = _fixture.Open();
        store.Add(UserStoreFixture.Pupil("j.smith"), "correct horse", "technician");

        var check = store.CheckPassword("j.smith", "correct horsE"u8);

        Assert.Equal(CredentialOutcome.WrongPassword, check.Outcome);
        Assert.Null(check.User);
    }

    [Theory]
    [InlineData("nobody")]
    [InlineData("")]
    [InlineData("bad\u0001name")]
    public void CheckPassword_UnknownOrInvalidName_IsUnknownUser(string name)
    {
        using var store = _fixture.Open();
        store.Add(UserStoreFixture.Pupil("j.smith"), "correct horse", "technician");

        Assert.Equal(CredentialOutcome.UnknownUser, store.CheckPassword(name, "correct horse"u8).Outcome);
    }

    [Fact]
    public void CheckPassword_StoresPbkdf2WithItsParameters_AndRehashesWhenTheCostIsRaised()
    {
        using (var store = _fixture.Open())
        {
            store.Add(UserStoreFixture.Staff("head"), "a long staff passphrase", "technician");
        }

        Assert.Equal(("pbkdf2-sha256", 1_000L, 16, 32), ReadHash());
        using (var raised = _fixture.Open(_fixture.Options with { Pbkdf2Iterations = 2_000 }))
        {
            Assert.True(raised.CheckPassword("head", "a long staff passphrase"u8).Accepted);
        }

        Assert.Equal(("pbkdf2-sha256", 2_000L, 16, 32), ReadHash());
        using var again = _fixture.Open();
        Assert.True(again.CheckPassword("head", "a long staff passphrase"u8).Accepted);
    }

    [Fact]
    public void Checks_DisabledUser_AreDisabledUntilEnabledAgain()
    {
        using var store = _fixture.Open();
        store.Add(UserStoreFixture.Pupil("j.smith"), "correct horse", "technician");

        Assert.True(store.SetEnabled("j.smith", enabled: false, "technician"));

        Assert.Equal(CredentialOutcome.Disabled, store.CheckPassword("j.smith", "correct horse"u8).Outcome);
        Assert.Equal(CredentialOutcome.Disabled, store.CheckNtHash("j.smith", _ => true).Outcome);
        Assert.Null(store.GroupOf("j.smith"));
        store.SetEnabled("j.smith", enabled: true, "technician");
        Assert.True(store.CheckPassword("j.smith", "correct horse"u8).Accepted);
    }

    [Fact]
    public void Checks_GuestAfterExpiry_AreExpired()
    {
        using var store = _fixture.Open();
        var voucher = store.AddGuest(_fixture.Guest("", TimeSpan.FromHours(2)), "reception");
        var password = Encoding.UTF8.GetBytes(voucher.Password);
        Assert.True(store.CheckPassword(voucher.User.Name, password).Accepted);
        Assert.Equal("guests", store.GroupOf(voucher.User.Name));
        Assert.Empty(store.ExpiredGuests());

        _fixture.Time.Advance(TimeSpan.FromHours(2));

        Assert.Equal(CredentialOutcome.Expired, store.CheckPassword(voucher.User.Name, password).Outcome);
        Assert.Equal(CredentialOutcome.Expired, store.CheckNtHash(voucher.User.Name, _ => true).Outcome);
        Assert.Null(store.GroupOf(voucher.User.Name));
        Assert.Equal([voucher.User.Name], store.ExpiredGuests().Select(u => u.Name));
    }

    [Fact]
    public void CheckNtHash_GivesTheRfc2759NtPasswordHash_AndAcceptsWhenTheCheckMatches()
    {
        using var store = _fixture.Open();
        store.Add(UserStoreFixture.Pupil("peap.user"), "clientPass", "technician");
        string? seen = null;

        var check = store.CheckNtHash("peap.user", hash =>
        {
            seen = Convert.ToHexString(hash);
            return true;
        });

        Assert.Equal("44EBBA8D5312B8D611474411F56989AE", seen);   // RFC 2759 §9.2
        Assert.True(check.Accepted);
        Assert.Equal(CredentialOutcome.WrongPassword, store.CheckNtHash("peap.user", _ => false).Outcome);
    }

    [Fact]
    public void CheckNtHash_UserWithoutNtHash_IsNoNtHash_ButPapWorks()
    {
        using var store = _fixture.Open();
        store.Add(UserStoreFixture.Pupil("pap.only") with { StoreNtHash = false }, "correct horse", "technician");

        Assert.Equal(CredentialOutcome.NoNtHash, store.CheckNtHash("pap.only", _ => true).Outcome);
        Assert.True(store.CheckPassword("pap.only", "correct horse"u8).Accepted);
        Assert.False(store.Get("pap.only")!.HasNtHash);
        Assert.False(File.Exists(_fixture.KeyPath));   // no hash to seal, no key made
    }

    [Fact]
    public void Checks_FromManyThreads_AllSucceed()
    {
        using var store = _fixture.Open();
        store.Add(UserStoreFixture.Pupil("j.smith"), "correct horse", "technician");

        var results = new CredentialOutcome[64];
        Parallel.For(0, results.Length, i => results[i] = i % 2 == 0
            ? store.CheckPassword("j.smith", "correct horse"u8).Outcome
            : store.CheckNtHash("j.smith", hash => hash.Length == 16).Outcome);

        Assert.All(results, outcome => Assert.Equal(CredentialOutcome.Accepted, outcome));
    }

    private (string, long, int, int) ReadHash()
    {
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={_fixture.DbPath};Pooling=false");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT pw_algorithm, pw_iterations, length(pw_salt), length(pw_hash) FROM users";
        using var reader = command.ExecuteReader();
        reader.Read();
        return (reader.GetString(0), reader.GetInt64(1), reader.GetInt32(2), reader.GetInt32(3));
    }
}
