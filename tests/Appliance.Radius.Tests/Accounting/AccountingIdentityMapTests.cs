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
}
