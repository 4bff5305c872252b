using System.Text;
using Appliance.Protocols.Dns;

namespace Appliance.Protocols.Tests.Dns;

public class HostNameTests
{
    [Theory]
    [InlineData("www.example.test", "03 777777 07 6578616d706c65 04 74657374 00")]
    [InlineData("WWW.Example.TEST", "03 777777 07 6578616d706c65 04 74657374 00")]
    [InlineData("www.example.test.", "03 777777 07 6578616d706c65 04 74657374 00")]
    [InlineData("a", "01 61 00")]
    [InlineData("_dns.resolver.arpa", "04 5f646e73 08 7265736f6c766572 04 61727061 00")]
    [InlineData("xn--bcher-kva.example", "0d 786e2d2d62636865722d6b7661 07 6578616d706c65 00")]
    [InlineData("192.0.2.1", "03 313932 01 30 01 32 01 31 00")]
    public void TryEncodeHostName_ValidName_IsLowerCaseWireForm(string name, string expectedHex)
    {
        var destination = new byte[DnsLimits.MaxNameLength];

        Assert.True(DnsName.TryEncodeHostName(Encoding.ASCII.GetBytes(name), destination, out var written));

        Assert.Equal(DnsVectors.FromHex(expectedHex), destination[..written]);
    }

    public static TheoryData<string, byte[]> InvalidNames() => new()
    {
        { "empty", [] },
        { "only the root dot", "."u8.ToArray() },
        { "two trailing dots", "example.test.."u8.ToArray() },
        { "leading dot", ".example.test"u8.ToArray() },
        { "empty label", "www..example"u8.ToArray() },
        { "NUL inside", "www.exam\0ple.test"u8.ToArray() },
        { "NUL at the end (C string trick)", "blocked.test\0.allowed.test"u8.ToArray() },
        { "space", "www.example .test"u8.ToArray() },
        { "percent escape", "www.ex%61mple.test"u8.ToArray() },
        { "non-ASCII", "www.b\u00fccher.test"u8.ToArray() },
        { "high byte", [(byte)'a', 0xC3, (byte)'b'] },
        { "colon (a port left on)", "www.example.test:443"u8.ToArray() },
        { "bracketed IPv6", "[2001:db8::1]"u8.ToArray() },
        { "slash", "www.example.test/x"u8.ToArray() },
        { "backslash", "www.example\\.test"u8.ToArray() },
        { "label of 64", Encoding.ASCII.GetBytes(new string('a', 64) + ".test") },
        { "wire form of 256", Encoding.ASCII.GetBytes(string.Join('.', Enumerable.Repeat(new string('a', 63), 4))) },
    };

    [Theory]
    [MemberData(nameof(InvalidNames))]
    public void TryEncodeHostName_InvalidName_IsFalse(string what, byte[] name)
    {
        var destination = new byte[DnsLimits.MaxNameLength + 16];

        Assert.False(DnsName.TryEncodeHostName(name, destination, out var written), what);
        Assert.Equal(0, written);
    }

    [Fact]
    public void TryEncodeHostName_LongestNames_FitExactly()
    {
        // 63 + 63 + 63 + 61 bytes of labels and 3 dots: 253 text bytes, 255 on the wire.
        var name = string.Join('.', new string('a', 63), new string('b', 63), new string('c', 63), new string('d', 61));
        var destination = new byte[DnsLimits.MaxNameLength];

        Assert.True(DnsName.TryEncodeHostName(Encoding.ASCII.GetBytes(name), destination, out var written));
        Assert.Equal(DnsLimits.MaxNameLength, written);
        Assert.Equal(name + ".", DnsName.ToDisplayString(destination.AsSpan(0, written)));
        Assert.True(DnsName.TryEncodeHostName(Encoding.ASCII.GetBytes(name + "."), destination, out written));
        Assert.False(DnsName.TryEncodeHostName(Encoding.ASCII.GetBytes(name + "d"), new byte[300], out _));
        Assert.False(DnsName.TryEncodeHostName(Encoding.ASCII.GetBytes(name), new byte[DnsLimits.MaxNameLength - 1], out _));
    }

    [Fact]
    public void TryEncodeHostName_RandomNames_RoundTripThroughTryEncode()
    {
        var random = new Random(0x5EED);
        const string Alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_";
        var destination = new byte[DnsLimits.MaxNameLength];
        var expected = new byte[DnsLimits.MaxNameLength];
        for (var i = 0; i < 5_000; i++)
        {
            var labels = Enumerable.Range(0, random.Next(1, 6))
                .Select(_ => new string(Enumerable.Range(0, random.Next(1, 40)).Select(_ => Alphabet[random.Next(Alphabet.Length)]).ToArray()));
            var name = string.Join('.', labels);

            Assert.True(DnsName.TryEncodeHostName(Encoding.ASCII.GetBytes(name), destination, out var written), name);
            Assert.True(DnsName.TryEncode(name.ToLowerInvariant(), expected, out var expectedLength));
            Assert.Equal(expected[..expectedLength], destination[..written]);
        }
    }

    [Theory]
    [InlineData("192.0.2.1")]
    [InlineData("192.0.2.1.")]
    [InlineData("127.1")]                  // inet_aton and the WHATWG URL parser read these as addresses
    [InlineData("3221225985")]
    [InlineData("0xc0.0.2.1")]
    [InlineData("0xC0000201")]
    [InlineData("example.123")]            // a numeric last label makes browsers parse an address (and fail)
    [InlineData("2001:db8::1")]
    [InlineData("[2001:db8::1]")]
    [InlineData("::1")]
    [InlineData("[::ffff:192.0.2.1]")]
    [InlineData("fe80::1%25eth0")]
    public void IsIpLiteral_Address_IsTrue(string host)
    {
        Assert.True(DnsName.IsIpLiteral(Encoding.ASCII.GetBytes(host)));
    }

    [Theory]
    [InlineData("")]
    [InlineData(".")]
    [InlineData("www.example.test")]
    [InlineData("192.0.2.example")]
    [InlineData("1.2.3.4x")]
    [InlineData("0xg.test")]
    [InlineData("a1")]
    [InlineData("[]")]
    [InlineData("[www.example]")]
    [InlineData("host:name")]
    public void IsIpLiteral_Name_IsFalse(string host)
    {
        Assert.False(DnsName.IsIpLiteral(Encoding.ASCII.GetBytes(host)));
    }
}
