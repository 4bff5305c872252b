using System.Net;
using Appliance.Core.Net;

namespace Appliance.Core.Tests.Net;

public sealed class SubnetMapTests
{
    private static ClientAddress At(string ip) => ClientAddress.FromEndPoint(new IPEndPoint(IPAddress.Parse(ip), 53));

    private static readonly SubnetMap Map = SubnetMap.Build(
    [
        ("10.0.0.0/8", 1),
        ("10.20.0.0/16", 2),
        ("10.20.30.40", 3),
        ("2001:db8::/32", 4),
        ("2001:db8:aaaa:bbbb::/64", 5),
        ("0.0.0.0/0", 6),
    ]);

    [Theory]
    [InlineData("10.1.1.1", 1)]
    [InlineData("10.20.1.1", 2)]
    [InlineData("10.20.30.40", 3)]
    [InlineData("10.20.30.41", 2)]
    [InlineData("192.0.2.1", 6)]
    [InlineData("2001:db8:1::1", 4)]
    [InlineData("2001:db8:aaaa:bbbb:1:2:3:4", 5)]
    [InlineData("2001:db9::1", -1)]
    [InlineData("::ffff:10.20.30.40", 3)]
    public void Match_LongestPrefixWins(string ip, int expected) => Assert.Equal(expected, Map.Match(At(ip)));

    [Theory]
    [InlineData("10.0.0.0/33")]
    [InlineData("10.0.0/8")]
    [InlineData("fe80::1%eth0/64")]
    [InlineData("10.0.0.0/-1")]
    [InlineData("school")]
    public void Build_BadBlock_NamedInTheError(string cidr)
    {
        var ex = Assert.Throws<FormatException>(() => SubnetMap.Build([(cidr, 1)]));
        Assert.Contains(cidr, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("10.20.30.40", (1 << 1) | (1 << 2) | (1 << 3) | (1 << 6))]
    [InlineData("::ffff:10.20.1.1", (1 << 1) | (1 << 2) | (1 << 6))]
    [InlineData("2001:db8:aaaa:bbbb::9", (1 << 4) | (1 << 5))]
    [InlineData("2001:db9::1", 0)]
    public void MatchAll_EveryBlockHoldingTheClient_OneBitEach(string ip, long expected)
        => Assert.Equal((ulong)expected, Map.MatchAll(At(ip)));

    [Fact]
    public void MatchAll_ValuesBeyond63_Ignored() => Assert.Equal(1UL, SubnetMap.Build([("10.0.0.0/8", 0), ("10.0.0.0/8", 64)]).MatchAll(At("10.1.1.1")));

    [Fact]
    public void Build_HostBitsSet_TakenAsTheirNetwork() => Assert.Equal(7, SubnetMap.Build([("10.9.8.7/16", 7)]).Match(At("10.9.1.1")));
}
