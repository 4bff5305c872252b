using Appliance.PacketFilter.Firewall;

namespace Appliance.PacketFilter.Tests.Firewall;

public sealed class DohAddressListTests
{
    [Fact]
    public void Parse_AddressesCidrsCommentsAndBlankLines_SplitByFamilyWithoutDuplicates()
    {
        var list = DohAddressList.Parse("""
            # a comment line
            192.0.2.10
              198.51.100.0/24   # trailing comment

            2001:db8::53
            2001:db8:1::/48
            192.0.2.10
            """.Replace("\r", "", StringComparison.Ordinal), "doh.txt");

        Assert.Equal(["192.0.2.10/32", "198.51.100.0/24"], list.V4.Select(n => n.ToString()));
        Assert.Equal(["2001:db8::53/128", "2001:db8:1::/48"], list.V6.Select(n => n.ToString()));
        Assert.Equal(4, list.Count);
    }

    [Theory]
    [InlineData("dns.google", "doh.txt line 3: 'dns.google' is not an IP address or CIDR (e.g. 192.0.2.1, 198.51.100.0/24 or 2001:db8::/32)")]
    [InlineData("1", "doh.txt line 3: '1' is not an IP address or CIDR")]                  // inet_aton would read 0.0.0.1
    [InlineData("192.0.2", "doh.txt line 3: '192.0.2' is not an IP address or CIDR")]      // and this 192.0.0.2
    [InlineData("fe80::1%eth0", "doh.txt line 3: 'fe80::1%eth0' is not an IP address or CIDR")]
    [InlineData("::ffff:192.0.2.1", "doh.txt line 3: '::ffff:192.0.2.1' is not an IP address or CIDR")]
    [InlineData("192.0.2.0/33", "doh.txt line 3: '192.0.2.0/33' has a prefix length that is not a number from 0 to 32")]
    [InlineData("192.0.2.0/x", "doh.txt line 3: '192.0.2.0/x' has a prefix length that is not a number from 0 to 32")]
    [InlineData("192.0.2.7/24", "doh.txt line 3: '192.0.2.7/24' has bits set after the /24 prefix (did you mean 192.0.2.0/24?)")]
    [InlineData("0.0.0.0/0", "doh.txt line 3: '0.0.0.0/0' is wider than /8: it would reset HTTPS to far more than DoH resolvers")]
    [InlineData("2001::/15", "doh.txt line 3: '2001::/15' is wider than /16: it would reset HTTPS to far more than DoH resolvers")]
    public void Parse_BadLine_ErrorNamesFileLineAndProblem(string bad, string expected)
    {
        var ex = Assert.Throws<InvalidDataException>(() => DohAddressList.Parse($"# list\n192.0.2.1\n{bad}\n198.51.100.1\n", "doh.txt"));

        Assert.StartsWith(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BuiltIn_HasTheShippedResolvers()
    {
        var list = DohAddressList.BuiltIn();

        Assert.Equal(["1.1.1.1/32", "1.0.0.1/32", "8.8.8.8/32", "8.8.4.4/32", "9.9.9.9/32", "149.112.112.112/32", "94.140.14.14/32"], list.V4.Select(n => n.ToString()));
        Assert.Equal(["2606:4700:4700::1111/128", "2001:4860:4860::8888/128", "2620:fe::fe/128"], list.V6.Select(n => n.ToString()));
    }

    [Fact]
    public void Load_MissingFile_Throws()
        => Assert.ThrowsAny<IOException>(() => DohAddressList.Load("/nonexistent/doh.txt"));
}
