using Appliance.Radius.Server;
using Microsoft.Extensions.Time.Testing;

namespace Appliance.Radius.Tests.Server;

public sealed class RecentLoginsTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void A_device_we_let_in_is_known_by_its_MAC_in_any_format_through_any_access_point()
    {
        var logins = new RecentLogins(_time);
        logins.Record("hall-ap", "02-00-00-AA-BB-01", "alice");

        Assert.Equal("alice", logins.Verify("hall-ap", "02:00:00:aa:bb:01", "anonymous"));
        Assert.Equal("alice", logins.Verify("gym-ap", "020000aabb01", "anonymous"));   // roamed (PMK caching: no new login)
    }

    [Fact]
    public void A_record_naming_a_device_we_did_not_let_in_is_not_believed_on_its_User_Name()
    {
        var logins = new RecentLogins(_time);
        logins.Record("hall-ap", "02-00-00-AA-BB-01", "head.teacher");

        Assert.Null(logins.Verify("hall-ap", "02-00-00-AA-BB-99", "head.teacher"));   // another device claiming the head
        Assert.Equal("head.teacher", logins.Verify("hall-ap", null, "Head.Teacher"));   // no device named: the user's own login
        Assert.Null(logins.Verify("gym-ap", null, "head.teacher"));                     // …through that access point only
        Assert.Null(logins.Verify("hall-ap", null, "someone.else"));
    }

    [Fact]
    public void Logins_are_forgotten_after_the_lifetime()
    {
        var logins = new RecentLogins(_time);
        logins.Record("hall-ap", "02-00-00-AA-BB-01", "alice");

        _time.Advance(RecentLogins.Lifetime + TimeSpan.FromMinutes(1));

        Assert.Null(logins.Verify("hall-ap", "02-00-00-AA-BB-01", "alice"));
        Assert.Null(logins.Verify("hall-ap", null, "alice"));
    }
}
