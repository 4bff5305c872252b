using System.Net;
using System.Net.Sockets;
using Appliance.Core.Net;

namespace Appliance.Core.Tests.Net;

public sealed class ClientAddressTests
{
    [Theory]
    [InlineData("192.0.2.7", 5353)]
    [InlineData("2001:db8::7", 53)]
    public void TryFromSockaddr_DotNetSocketAddressBytes_SameAddressAndPort(string ip, int port)
    {
        var endPoint = new IPEndPoint(IPAddress.Parse(ip), port);
        var raw = endPoint.Serialize();

        Assert.True(ClientAddress.TryFromSockaddr(raw.Buffer.Span[..raw.Size], out var address));

        Assert.Equal(endPoint.AddressFamily, address.Family);
        Assert.Equal(port, address.Port);
        Assert.Equal(IPAddress.Parse(ip), address.ToIPAddress());
        Assert.Equal(ClientAddress.FromEndPoint(endPoint), address);
    }

    [Fact]
    public void TryFromSockaddr_UnknownFamilyOrShort_False()
    {
        Assert.False(ClientAddress.TryFromSockaddr(new byte[4], out _));
        var unix = new byte[16];
        unix[0] = (byte)AddressFamily.Unix;
        Assert.False(ClientAddress.TryFromSockaddr(unix, out _));
    }

    [Fact]
    public void RateKey_Ipv6_SharedWithinSlash64()
    {
        var a = ClientAddress.FromEndPoint(IPEndPoint.Parse("[2001:db8:1:2::a]:1"));
        var b = ClientAddress.FromEndPoint(IPEndPoint.Parse("[2001:db8:1:2::b]:1"));
        var c = ClientAddress.FromEndPoint(IPEndPoint.Parse("[2001:db8:1:3::a]:1"));
        Assert.Equal(a.RateKey, b.RateKey);
        Assert.NotEqual(a.RateKey, c.RateKey);
    }
}
