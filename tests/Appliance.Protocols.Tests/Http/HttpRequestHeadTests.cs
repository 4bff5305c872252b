using System.Text;
using Appliance.Protocols.Http;
using Appliance.Protocols.Tests.Fuzzing;
using Appliance.Protocols.Tests.Tls;

namespace Appliance.Protocols.Tests.Http;

public class HttpRequestHeadTests
{
    [Theory]
    [MemberData(nameof(HttpVectors.Names), MemberType = typeof(HttpVectors))]
    public void TryReadHost_Vector_ReadsTheHostFromTheInput(string vector)
    {
        var (head, expected) = (HttpVectors.All[vector].Bytes, HttpVectors.All[vector].ExpectedHost);

        Assert.Equal(ParseStatus.Ok, HttpRequestHead.TryReadHost(head, out var host));

        Assert.Equal(expected, Encoding.Latin1.GetString(host));
        Assert.True(host.IsEmpty || SpanPlace.IsInside(head, host));
    }

    [Theory]
    [MemberData(nameof(HttpVectors.Names), MemberType = typeof(HttpVectors))]
    public void TryReadHost_EveryTruncation_IsNeedMoreData(string vector)
    {
        // The reader is stateless, so this is also every split into two TCP segments.
        var full = HttpVectors.All[vector].Bytes;
        for (var length = 0; length < full.Length; length++)
        {
            // A fresh array of exactly this length: any read past the cut would throw.
            var head = full[..length];

            var status = HttpRequestHead.TryReadHost(head, out var host);

            Assert.True(status == ParseStatus.NeedMoreData, $"{length} of {full.Length} bytes: {status}");
            Assert.True(host.IsEmpty);
        }
    }

    [Theory]
    [MemberData(nameof(HttpVectors.Names), MemberType = typeof(HttpVectors))]
    public void TryReadHost_BodyAfterTheHead_IsIgnored(string vector)
    {
        byte[] stream = [.. HttpVectors.All[vector].Bytes, .. "name=value\r\n\r\nHost: evil.example\r\n"u8];

        Assert.Equal(ParseStatus.Ok, HttpRequestHead.TryReadHost(stream, out var host));
        Assert.Equal(HttpVectors.All[vector].ExpectedHost, Encoding.Latin1.GetString(host));
    }

    [Theory]
    [InlineData("GET / HTTP/1.1\r\nHost: example.test:8080\r\n\r\n", "example.test")]
    [InlineData("GET / HTTP/1.1\r\nHost: example.test:\r\n\r\n", "example.test")]          // RFC 3986 §3.2.3: empty port
    [InlineData("GET / HTTP/1.1\r\nHost:example.test\r\n\r\n", "example.test")]            // no OWS at all
    [InlineData("GET / HTTP/1.1\r\nHost:\r\n\r\n", "")]                                    // RFC 9112 §3.2: empty Host is valid
    [InlineData("GET / HTTP/1.1\r\nHost:   \r\n\r\n", "")]
    [InlineData("GET / HTTP/1.1\r\nhost: 192.0.2.1:80\r\n\r\n", "192.0.2.1")]
    [InlineData("GET / HTTP/1.1\r\nHOST: [::1]\r\n\r\n", "[::1]")]
    [InlineData("GET / HTTP/1.1\r\nX-Host: decoy.example\r\nHost: real.example\r\nHosts: decoy.example\r\n\r\n", "real.example")]
    [InlineData("GET https://Secure.Example/ HTTP/1.1\r\nHost: secure.example\r\n\r\n", "Secure.Example")]
    [InlineData("GET http://a.example?x=1 HTTP/1.1\r\nHost: a.example\r\n\r\n", "a.example")]
    [InlineData("GET http://a.example#frag HTTP/1.1\r\nHost: a.example\r\n\r\n", "a.example")]
    [InlineData("GET http://[2001:db8::2]:8080/ HTTP/1.1\r\nHost: x.example\r\n\r\n", "[2001:db8::2]")]
    [InlineData("GET http://a.example/ HTTP/1.0\r\n\r\n", "a.example")]                      // 1.0: Host optional
    [InlineData("OPTIONS * HTTP/1.1\r\nHost: star.example\r\n\r\n", "star.example")]
    [InlineData("GET / HTTP/1.0\r\nHost: old.example\r\n\r\n", "old.example")]
    [InlineData("GET / HTTP/1.2\r\nHost: newer.example\r\n\r\n", "newer.example")]             // RFC 9112 §2.3: read as 1.1
    [InlineData("\r\nGET / HTTP/1.1\r\nHost: after-empty-line.example\r\n\r\n", "after-empty-line.example")] // RFC 9112 §2.2
    [InlineData("GET / HTTP/1.1\r\nHost: a.example\r\nX-Odd: caf\u00e9\r\n\r\n", "a.example")]  // obs-text in another value
    [InlineData("M-SEARCH * HTTP/1.1\r\nHost: 239.255.255.250:1900\r\n\r\n", "239.255.255.250")]
    public void TryReadHost_HostForms_StripThePortAndKeepTheName(string request, string expected)
    {
        Assert.Equal(ParseStatus.Ok, HttpRequestHead.TryReadHost(Encoding.Latin1.GetBytes(request), out var host));
        Assert.Equal(expected, Encoding.Latin1.GetString(host));
    }

    [Theory]
    [InlineData("two Host fields", "GET / HTTP/1.1\r\nHost: a.example\r\nHost: b.example\r\n\r\n")]
    [InlineData("two Host fields in other cases", "GET / HTTP/1.1\r\nhost: a.example\r\nHOST: a.example\r\n\r\n")]
    [InlineData("HTTP/1.1 without Host", "GET / HTTP/1.1\r\nAccept: */*\r\n\r\n")]
    [InlineData("absolute-form HTTP/1.1 without Host", "GET http://a.example/ HTTP/1.1\r\n\r\n")]
    [InlineData("obs-fold", "GET / HTTP/1.1\r\nHost: a.example\r\nX-Long: one\r\n two\r\n\r\n")]
    [InlineData("obs-fold continuing Host", "GET / HTTP/1.1\r\nHost:\r\n\tblocked.example\r\n\r\n")]
    [InlineData("whitespace line after the request line", "GET / HTTP/1.1\r\n Host: a.example\r\n\r\n")]
    [InlineData("whitespace before the colon", "GET / HTTP/1.1\r\nHost : a.example\r\n\r\n")]
    [InlineData("field line without a colon", "GET / HTTP/1.1\r\nHost a.example\r\n\r\n")]
    [InlineData("empty field name", "GET / HTTP/1.1\r\n: a.example\r\nHost: a.example\r\n\r\n")]
    [InlineData("NUL in a value", "GET / HTTP/1.1\r\nHost: a.example\0.b.example\r\n\r\n")]
    [InlineData("bare CR in a value", "GET / HTTP/1.1\r\nHost: a.example\rX: y\r\n\r\n")]
    [InlineData("bare CR ending the head", "GET / HTTP/1.1\r\nHost: a.example\r\n\rX")]
    [InlineData("userinfo in Host", "GET / HTTP/1.1\r\nHost: allowed.example@blocked.example\r\n\r\n")]
    [InlineData("userinfo in the target", "GET http://allowed.example@blocked.example/ HTTP/1.1\r\nHost: allowed.example\r\n\r\n")]
    [InlineData("empty host in the target", "GET http:///path HTTP/1.1\r\nHost: a.example\r\n\r\n")]
    [InlineData("target without //", "GET http:a.example/ HTTP/1.1\r\nHost: a.example\r\n\r\n")]
    [InlineData("target that is no URI", "GET a.example HTTP/1.1\r\nHost: a.example\r\n\r\n")]
    [InlineData("letters in the port", "GET / HTTP/1.1\r\nHost: a.example:http\r\n\r\n")]
    [InlineData("two ports", "GET / HTTP/1.1\r\nHost: a.example:80:81\r\n\r\n")]
    [InlineData("space inside Host", "GET / HTTP/1.1\r\nHost: a.example b.example\r\n\r\n")]
    [InlineData("slash in Host", "GET / HTTP/1.1\r\nHost: a.example/x\r\n\r\n")]
    [InlineData("unclosed IPv6 bracket", "GET / HTTP/1.1\r\nHost: [::1\r\n\r\n")]
    [InlineData("invalid Host even when the target wins", "GET http://a.example/ HTTP/1.1\r\nHost: b c\r\n\r\n")]
    [InlineData("two spaces after the method", "GET  / HTTP/1.1\r\nHost: a.example\r\n\r\n")]
    [InlineData("tab after the method", "GET\t/ HTTP/1.1\r\nHost: a.example\r\n\r\n")]
    [InlineData("lower-case version", "GET / http/1.1\r\nHost: a.example\r\n\r\n")]
    [InlineData("HTTP/3 in a request line", "GET / HTTP/3\r\nHost: a.example\r\n\r\n")]
    [InlineData("two-digit minor version", "GET / HTTP/1.10\r\nHost: a.example\r\n\r\n")]
    [InlineData("CTL in the target", "GET /a\u0001b HTTP/1.1\r\nHost: a.example\r\n\r\n")]
    [InlineData("too many empty lines first", "\r\n\r\n\r\n\r\n\r\nGET / HTTP/1.1\r\nHost: a.example\r\n\r\n")]
    public void TryReadHost_BrokenHead_IsMalformed(string what, string request)
    {
        var status = HttpRequestHead.TryReadHost(Encoding.Latin1.GetBytes(request), out var host);

        Assert.True(status == ParseStatus.Malformed, $"{what}: {status}");
        Assert.True(host.IsEmpty);
    }

    [Theory]
    [InlineData("TLS record", new byte[] { 0x16 }, 1)]
    [InlineData("TLS record, more bytes", new byte[] { 0x16, 0x03, 0x01, 0x01, 0x4f }, 1)]
    [InlineData("binary", new byte[] { 0x00, 0x01, 0x02 }, 1)]
    [InlineData("SSL 2 hello", new byte[] { 0x80, 0x2e, 0x01 }, 1)]
    [InlineData("leading space", new byte[] { (byte)' ', (byte)'G' }, 1)]
    [InlineData("letters then binary", new byte[] { (byte)'G', 0xFF }, 2)]
    [InlineData("bare CR first", new byte[] { (byte)'\r', (byte)'G' }, 2)]
    public void TryReadHost_NotHttp_IsRejectedWithinTheFirstBytes(string what, byte[] stream, int decidedAfter)
    {
        Assert.True(ParseStatus.NotThisProtocol == HttpRequestHead.TryReadHost(stream.AsSpan(0, decidedAfter), out _), what);
        Assert.Equal(ParseStatus.NotThisProtocol, HttpRequestHead.TryReadHost(stream, out _));
    }

    [Fact]
    public void TryReadHost_SecondHostField_IsMalformedBeforeTheHeadEnds()
    {
        Assert.Equal(ParseStatus.Malformed, HttpRequestHead.TryReadHost("GET / HTTP/1.1\r\nHost: a.example\r\nhost: b.example\r\nAcc"u8, out _));
    }

    [Theory]
    [InlineData("SSH banner", "SSH-2.0-OpenSSH_9.6\r\n")]
    [InlineData("method longer than any registered one", "ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGHIJ / HTTP/1.1\r\n")]
    [InlineData("HTTP/2 prior-knowledge preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")]
    [InlineData("SMTP command", "EHLO client.example\r\n")]
    [InlineData("HTTP/0.9 simple request, which names no host", "GET /\r\n\r\n")]
    public void TryReadHost_OtherTextProtocol_IsNotThisProtocol(string what, string stream)
    {
        Assert.True(ParseStatus.NotThisProtocol == HttpRequestHead.TryReadHost(Encoding.Latin1.GetBytes(stream), out _), what);
    }

    [Fact]
    public void TryReadHost_TlsClientHello_IsRejectedAfterOneByte()
    {
        Assert.Equal(ParseStatus.NotThisProtocol, HttpRequestHead.TryReadHost(ClientHelloVectors.OpenSsl.AsSpan(0, 1), out _));
        Assert.Equal(ParseStatus.NotThisProtocol, HttpRequestHead.TryReadHost(ClientHelloVectors.OpenSsl, out _));
    }

    [Fact]
    public void TryReadHost_HeadAtTheLimit_IsOkAndOneByteMoreIsMalformed()
    {
        var atLimit = HeadOfLength(HttpRequestHead.MaxHeadBytes);
        var overLimit = HeadOfLength(HttpRequestHead.MaxHeadBytes + 1);

        Assert.Equal(ParseStatus.Ok, HttpRequestHead.TryReadHost(atLimit, out var host));
        Assert.Equal("a.example", Encoding.ASCII.GetString(host));
        Assert.Equal(ParseStatus.NeedMoreData, HttpRequestHead.TryReadHost(overLimit.AsSpan(0, HttpRequestHead.MaxHeadBytes - 1), out _));
        Assert.Equal(ParseStatus.Malformed, HttpRequestHead.TryReadHost(overLimit.AsSpan(0, HttpRequestHead.MaxHeadBytes), out _));
        Assert.Equal(ParseStatus.Malformed, HttpRequestHead.TryReadHost(overLimit, out _));
    }

    [Fact]
    public void TryReadHost_ValidHeads_AllocateNothing()
    {
        var curl = HttpVectors.Curl.Bytes;
        var proxy = HttpVectors.AbsoluteForm.Bytes;
        var named = 0;
        Read(curl, ref named);
        Read(proxy, ref named);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 10_000; i++)
        {
            Read(curl, ref named);
            Read(proxy, ref named);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(20_002, named);

        static void Read(byte[] stream, ref int named)
        {
            if (HttpRequestHead.TryReadHost(stream, out var host) == ParseStatus.Ok && !host.IsEmpty)
            {
                named++;
            }
        }
    }

    private static byte[] HeadOfLength(int length)
    {
        const string Start = "GET / HTTP/1.1\r\nHost: a.example\r\nX-Pad: ";
        const string End = "\r\n\r\n";
        return Encoding.ASCII.GetBytes(Start + new string('p', length - Start.Length - End.Length) + End);
    }
}
