using System.Net;
using Appliance.Core.Net;
using Appliance.Radius.Accounting;

namespace Appliance.Radius.Tests.Accounting;

public sealed class AccountingIdentityMapTests
{
    private static readonly ClientAddress Device = ClientAddress.FromEndPoint(new IPEndPoint(IPAddress.Parse("192.0.2.20"), 0));

    [Fact]
    public void Apply_StartWithoutAddressThenInterimWithOne_KeepsTheSessionAndMapsTheAddressWhenItComes()
    {
        var map = new AccountingIdentityMap();
        map.Apply("ap", AccountingStatus.Start, "s1", "guest-0042", null);   // before DHCP: no Framed-IP-Address yet
        Assert.Null(Assert.Single(map.Snapshot()).Address);
        Assert.False(map.TryResolve(Device, out _));

        map.Apply("ap", AccountingStatus.InterimUpdate, "s1", "guest-0042", Device);
        Assert.True(map.TryResolve(Device, out var identity));
        Assert.Equal("guest-0042", identity.User);

        map.Apply("ap", AccountingStatus.InterimUpdate, "s1", "guest-0042", null);   // an Interim that leaves it out keeps it
        Assert.Equal(Device, Assert.Single(map.Snapshot()).Address);
        Assert.True(map.TryResolve(Device, out _));

        map.EndSession("ap", "s1");
        Assert.Empty(map.Snapshot());
        Assert.False(map.TryResolve(Device, out _));
    }

    [Fact]
    public void A_session_with_no_record_for_35_minutes_ends_and_its_address_is_no_longer_the_users()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        var map = new AccountingIdentityMap(time: time);
        map.Apply("ap", AccountingStatus.Start, "s1", "mr.jones", Device);

        time.Advance(TimeSpan.FromMinutes(30));
        map.Apply("ap", AccountingStatus.InterimUpdate, "s1", "mr.jones", Device);   // refreshed: lives on
        time.Advance(TimeSpan.FromMinutes(30));
        Assert.Single(map.Snapshot());
        Assert.True(map.TryResolve(Device, out _));

        time.Advance(TimeSpan.FromMinutes(6));   // 36 minutes since the last record: the Stop was lost
        Assert.Empty(map.Snapshot());            // the sweeper's minute tick ends it, accounting or not
        Assert.False(map.TryResolve(Device, out _));
    }

    [Fact]
    public void An_unverified_Start_takes_the_address_from_whoever_had_it()
    {
        var map = new AccountingIdentityMap();
        map.Apply("ap", AccountingStatus.Start, "s1", "mr.jones", Device);

        map.Apply("ap", AccountingStatus.Start, "s2", null, Device);   // DHCP gave the address to a device we cannot name

        Assert.False(map.TryResolve(Device, out _));
    }
}
