using System.Text;
using Appliance.Protocols.Radius;

namespace Appliance.Protocols.Tests.Radius;

public class Md4Tests
{
    // RFC 1320 Appendix A.5, the test suite.
    [Theory]
    [InlineData("", "31d6cfe0d16ae931b73c59d7e0c089c0")]
    [InlineData("a", "bde52cb31de33e46245e05fbdbd6fb24")]
    [InlineData("abc", "a448017aaf21d8525fc10ae87aa6729d")]
    [InlineData("message digest", "d9130a8164549fe818874806e1c7014b")]
    [InlineData("abcdefghijklmnopqrstuvwxyz", "d79e1c308aa5bbcdeea8ed63df412da9")]
    [InlineData("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", "043f8582f241db351ce627e153e7f0e4")]
    [InlineData("12345678901234567890123456789012345678901234567890123456789012345678901234567890", "e33b4ddc9c38f2199c3e7b164fcc0536")]
    public void HashData_Rfc1320Suite_MatchesTheRfc(string message, string expected)
    {
        var digest = new byte[Md4.HashSizeInBytes];

        Md4.HashData(Encoding.ASCII.GetBytes(message), digest);

        Assert.Equal(expected, Convert.ToHexStringLower(digest));
    }

    [Fact]
    public void HashData_Rfc2759ClientPass_IsTheNtPasswordHash()
    {
        // RFC 2759 §9.2: NtPasswordHash of "clientPass" (UTF-16LE, §8.3).
        var digest = new byte[Md4.HashSizeInBytes];

        Md4.HashData(Encoding.Unicode.GetBytes("clientPass"), digest);

        Assert.Equal("44EBBA8D5312B8D611474411F56989AE", Convert.ToHexString(digest));
    }

    [Fact]
    public void HashData_ShortDestination_Throws()
    {
        Assert.Throws<ArgumentException>(() => Md4.HashData("abc"u8, new byte[15]));
    }
}
