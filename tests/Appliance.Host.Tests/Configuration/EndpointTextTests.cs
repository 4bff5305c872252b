using Appliance.Host.Configuration;

namespace Appliance.Host.Tests.Configuration;

public sealed class EndpointTextTests
{
    [Theory]
    [InlineData("127.0.0.1:53", "127.0.0.1:53")]
    [InlineData("[::1]:5353", "[::1]:5353")]
    [InlineData("[2001:db8::1]:853", "[2001:db8::1]:853")]
    [InlineData("0.0.0.0:65535", "0.0.0.0:65535")]
    public void TryParse_Valid_Parsed(string text, string expected)
    {
        Assert.True(EndpointText.TryParse(text, out var endPoint, out _));
        Assert.Equal(expected, endPoint.ToString());
    }

    [Theory]
    [InlineData("", "is empty")]
    [InlineData("127.0.0.1", "has no port")]
    [InlineData("::1:53", "has no port")]
    [InlineData("[::1]", "has no port")]
    [InlineData("127.0.0.1:0", "invalid port '0'")]
    [InlineData("127.0.0.1:65536", "invalid port '65536'")]
    [InlineData("127.0.0.1:-1", "invalid port '-1'")]
    [InlineData("127.0.0.1:5x", "invalid port '5x'")]
    [InlineData("localhost:53", "not an IPv4 address")]
    [InlineData("[127.0.0.1]:53", "not an IPv4 address or a bracketed IPv6")]
    [InlineData("999.1.1.1:53", "not a valid address")]
    public void TryParse_Invalid_SaysWhy(string text, string problem)
    {
        Assert.False(EndpointText.TryParse(text, out _, out var message));
        Assert.Contains(problem, message, StringComparison.Ordinal);
    }
}
