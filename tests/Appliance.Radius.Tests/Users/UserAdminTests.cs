using System.Text;
using Appliance.Radius.Users;

namespace Appliance.Radius.Tests.Users;

public sealed class UserAdminTests : IDisposable
{
    private readonly UserStoreFixture _fixture = new();

    public void Dispose() => _fixture.Dispose();

    [Theory]
    [InlineData(null, "Visit", 2.0, "a sponsor")]
    [InlineData("Mrs Khan", "  ", 2.0, "a reason")]
    [InlineData("Mrs Khan", "Visit", -1.0, "not in the future")]
    [InlineData("Mrs Khan", "Visit", 31 * 24.0, "more than 30 days")]
    public void AddGuest_WithoutSponsorReasonOrGoodExpiry_IsRefused(string? sponsor, string reason, double hours, string expected)
    {
        using var store = _fixture.Open();

        var error = Assert.Throws<UserInputException>(() => store.AddGuest(new NewUser
        {
            Name = "",
            Kind = UserKind.Guest,
            Sponsor = sponsor,
            Reason = reason,
            ExpiresAt = _fixture.Time.GetUtcNow().AddHours(hours),
        }, "reception"));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Equal(0, store.List(new UserQuery()).Total);
    }

    [Fact]
    public void Add_ExistingName_IsRefusedInAnyCase()
    {
        using var store = _fixture.Open();
        store.Add(UserStoreFixture.Pupil("j.smith"), "correct horse", "technician");

        Assert.Contains("already exists", Assert.Throws<UserInputException>(() => store.Add(UserStoreFixture.Pupil("J.Smith"), "correct horse", "technician")).Message,
            StringComparison.Ordinal);
    }

    [Fact]
    public void Changes_AreAudited_WithoutPasswordsOrHashes()
    {
        using var store = _fixture.Open();
        store.Add(UserStoreFixture.Staff("head"), "first staff passphrase", "technician");
        store.SetPassword("head", "second staff passphrase", "technician");
        store.SetEnabled("head", enabled: false, "technician");
        store.SetEnabled("head", enabled: true, "technician");
        var voucher = store.AddGuest(_fixture.Guest("visitor", TimeSpan.FromDays(1)), "reception");
        store.RemoveGuest("visitor", "reception");

        Assert.Equal(["user.added", "user.password-set", "user.disabled", "user.enabled", "user.added", "user.removed"], _fixture.Audit.Entries.Select(e => e.Action));
        Assert.Equal(["head", "head", "head", "head", "visitor", "visitor"], _fixture.Audit.Entries.Select(e => e.Subject));
        var all = string.Join('\n', _fixture.Audit.Entries.Select(e => e.Detail));
        Assert.Contains("\"sponsor\":\"Mrs Khan\"", all, StringComparison.Ordinal);
        foreach (var secret in new[] { "first staff passphrase", "second staff passphrase", voucher.Password })
        {
            Assert.DoesNotContain(secret, all, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("hash\":\"", all, StringComparison.Ordinal);
    }

    [Fact]
    public void SetPassword_ReplacesBothHashes_AndKeepsPapOnlyUsersPapOnly()
    {
        using var store = _fixture.Open();
        store.Add(UserStoreFixture.Pupil("j.smith"), "correct horse", "technician");
        store.Add(UserStoreFixture.Pupil("pap.only") with { StoreNtHash = false }, "correct horse", "technician");

        store.SetPassword("j.smith", "battery staple", "technician");
        store.SetPassword("pap.only", "battery staple", "technician");

        Assert.Equal(CredentialOutcome.WrongPassword, store.CheckPassword("j.smith", "correct horse"u8).Outcome);
        Assert.True(store.CheckPassword("j.smith", "battery staple"u8).Accepted);
        Assert.True(store.CheckNtHash("j.smith", h => Convert.ToHexString(h) == Convert.ToHexString(NtHash("battery staple"))).Accepted);
        Assert.Equal(CredentialOutcome.NoNtHash, store.CheckNtHash("pap.only", _ => true).Outcome);
    }

    [Fact]
    public void RemoveGuest_RefusesStaffAndPupils()
    {
        using var store = _fixture.Open();
        store.Add(UserStoreFixture.Pupil("j.smith"), "correct horse", "technician");

        Assert.Contains("not a guest", Assert.Throws<UserInputException>(() => store.RemoveGuest("j.smith", "technician")).Message, StringComparison.Ordinal);
        Assert.False(store.RemoveGuest("nobody", "technician"));
        Assert.NotNull(store.Get("j.smith"));
    }

    [Fact]
    public void List_FiltersSearchesAndPages()
    {
        using var store = _fixture.Open();
        for (var i = 0; i < 12; i++)
        {
            store.Add(UserStoreFixture.Pupil($"pupil{i:00}") with { Group = i < 5 ? "year7" : "year8", LastName = i == 3 ? "Fotheringham" : null }, "correct horse", "t");
        }

        store.Add(UserStoreFixture.Staff("teacher"), "a long staff passphrase", "t");
        store.SetEnabled("pupil11", enabled: false, "t");

        Assert.Equal(13, store.List(new UserQuery()).Total);
        Assert.Equal(["pupil05", "pupil06"], store.List(new UserQuery { Group = "YEAR8", Limit = 2 }).Users.Select(u => u.Name));
        Assert.Equal(["pupil07", "pupil08"], store.List(new UserQuery { Group = "year8", Offset = 2, Limit = 2 }).Users.Select(u => u.Name));
        Assert.Equal(7, store.List(new UserQuery { Group = "year8" }).Total);
        Assert.Equal(["teacher"], store.List(new UserQuery { Kind = UserKind.Staff }).Users.Select(u => u.Name));
        Assert.Equal(["pupil03"], store.List(new UserQuery { Search = "fother" }).Users.Select(u => u.Name));
        Assert.Equal(["pupil11"], store.List(new UserQuery { Enabled = false }).Users.Select(u => u.Name));
    }

    private static byte[] NtHash(string password)
    {
        var hash = new byte[16];
        Appliance.Protocols.Radius.Md4.HashData(Encoding.Unicode.GetBytes(password), hash);
        return hash;
    }
}
