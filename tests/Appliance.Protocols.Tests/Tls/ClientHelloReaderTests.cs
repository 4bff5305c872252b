using System.Text;
using Appliance.Protocols.Tests.Dns;
using Appliance.Protocols.Tls;
using static Appliance.Protocols.Tests.Tls.ClientHelloBuilder;

namespace Appliance.Protocols.Tests.Tls;

public class ClientHelloReaderTests
{
    [Fact]
    public void TryRead_OpenSslCapture_ReadsEveryField()
    {
        var message = ClientHelloVectors.Message(nameof(ClientHelloVectors.OpenSsl));

        Assert.Equal(ParseStatus.Ok, ClientHelloReader.TryRead(message, out var hello));

        Assert.Equal(0x0303, hello.LegacyVersion);
        Assert.True(hello.HasServerName);
        Assert.Equal("www.example.test"u8.ToArray(), hello.ServerName.ToArray());
        Assert.True(hello.OffersTls13);
        Assert.False(hello.HasEncryptedClientHello);
        Assert.Equal("\u0002h2\u0008http/1.1"u8.ToArray(), hello.Alpn.ToArray());
        Assert.True(hello.OffersAlpn("h2"u8));
        Assert.True(hello.OffersAlpn("http/1.1"u8));
        Assert.False(hello.OffersAlpn("h3"u8));
        Assert.False(hello.OffersAlpn("h"u8));

        // The name is a view of the input at the labelled offset, not a copy.
        Assert.True(message.AsSpan().Overlaps(hello.ServerName, out var at));
        Assert.Equal(ClientHelloVectors.OpenSslServerNameOffset - ClientHelloVectors.MessageOffset, at);
    }

    [Fact]
    public void TryRead_BrowserLike_SkipsGreaseAndSeesEch()
    {
        var message = ClientHelloVectors.Message(nameof(ClientHelloVectors.BrowserLike));

        Assert.Equal(ParseStatus.Ok, ClientHelloReader.TryRead(message, out var hello));

        Assert.Equal("www.example.org", Encoding.ASCII.GetString(hello.ServerName));
        Assert.True(message.AsSpan().Overlaps(hello.ServerName, out var at));
        Assert.Equal(ClientHelloVectors.BrowserLikeServerNameOffset - ClientHelloVectors.MessageOffset, at);
        Assert.True(hello.HasEncryptedClientHello);
        Assert.True(hello.OffersTls13);
        Assert.True(hello.OffersAlpn("h2"u8));
    }

    [Fact]
    public void TryRead_NoExtensions_IsOkWithoutName()
    {
        var message = ClientHelloVectors.Message(nameof(ClientHelloVectors.NoExtensions));

        Assert.Equal(ParseStatus.Ok, ClientHelloReader.TryRead(message, out var hello));

        Assert.False(hello.HasServerName);
        Assert.True(hello.ServerName.IsEmpty);
        Assert.True(hello.Alpn.IsEmpty);
        Assert.False(hello.OffersTls13);
        Assert.False(hello.HasEncryptedClientHello);
    }

    [Theory]
    [MemberData(nameof(ClientHelloVectors.Names), MemberType = typeof(ClientHelloVectors))]
    public void TryRead_EveryTruncation_IsNeedMoreData(string vector)
    {
        var full = ClientHelloVectors.Message(vector);
        for (var length = 0; length < full.Length; length++)
        {
            // A fresh array of exactly this length: any read past the cut would throw.
            var message = full[..length];

            Assert.Equal(ParseStatus.NeedMoreData, ClientHelloReader.TryRead(message, out var hello));
            Assert.False(hello.HasServerName);
        }
    }

    [Fact]
    public void TryRead_TrailingBytesAfterMessage_AreIgnored()
    {
        byte[] message = [.. ClientHelloVectors.Message(nameof(ClientHelloVectors.OpenSsl)), 0x14, 0x03, 0x03];

        Assert.Equal(ParseStatus.Ok, ClientHelloReader.TryRead(message, out var hello));
        Assert.Equal("www.example.test", Encoding.ASCII.GetString(hello.ServerName));
    }

    [Fact]
    public void TryRead_NameIsReturnedAsSent_CaseAndOddBytesIncluded()
    {
        // The reader reports; judging the name is DnsName.TryEncodeHostName's job.
        var message = new ClientHelloBuilder().Extension(0, ServerNameData((0, "WWW.Ex\0ample.TEST"u8.ToArray()))).Build();

        Assert.Equal(ParseStatus.Ok, ClientHelloReader.TryRead(message, out var hello));
        Assert.Equal("WWW.Ex\0ample.TEST"u8.ToArray(), hello.ServerName.ToArray());
    }

    [Theory]
    [InlineData("unknown name type first: skipped by its length", "07 0006 6f7061717565 | 00 000c 7265616c2e6578616d706c65", "real.example")]
    [InlineData("only an unknown name type: no name", "07 0006 6f7061717565", null)]
    public void TryRead_ServerNameList_TakesTheHostName(string what, string entriesHex, string? expected)
    {
        var entries = DnsVectors.FromHex(entriesHex.Replace("|", "", StringComparison.Ordinal));
        var message = new ClientHelloBuilder().Extension(0, Vector16(entries)).Build();

        Assert.Equal(ParseStatus.Ok, ClientHelloReader.TryRead(message, out var hello));
        Assert.True(expected is not null == hello.HasServerName, what);
        Assert.Equal(expected ?? "", Encoding.ASCII.GetString(hello.ServerName));
    }

    [Fact]
    public void TryRead_TwoHostNames_Malformed()
    {
        // RFC 6066 §3: no more than one name of the same type. A server might take the second where we judged the first.
        var entries = DnsVectors.FromHex("00 000d 66697273742e6578616d706c65 00 000e 7365636f6e642e6578616d706c65");
        var message = new ClientHelloBuilder().Extension(0, Vector16(entries)).Build();

        Assert.Equal(ParseStatus.Malformed, ClientHelloReader.TryRead(message, out _));
    }

    [Fact]
    public void TryRead_SupportedVersionsWithoutTls13_DoesNotOfferTls13()
    {
        var message = new ClientHelloBuilder().ServerName("a.example").SupportedVersions(0x0303, 0x7a7a).Build();

        Assert.Equal(ParseStatus.Ok, ClientHelloReader.TryRead(message, out var hello));
        Assert.False(hello.OffersTls13);
    }

    [Fact]
    public void TryRead_PreSharedKeyLast_IsOk()
    {
        var message = new ClientHelloBuilder().ServerName("a.example").Extension(41, [0, 0]).Build();

        Assert.Equal(ParseStatus.Ok, ClientHelloReader.TryRead(message, out _));
    }

    [Fact]
    public void TryRead_ExactlyMaxExtensions_IsOk()
    {
        var builder = new ClientHelloBuilder().ServerName("a.example");
        for (var i = 1; i < TlsLimits.MaxExtensions; i++)
        {
            builder.Extension((ushort)(1000 + i), []);
        }

        Assert.Equal(ParseStatus.Ok, ClientHelloReader.TryRead(builder.Build(), out var hello));
        Assert.Equal("a.example", Encoding.ASCII.GetString(hello.ServerName));
    }

    public static TheoryData<string, byte[]> MalformedHellos()
    {
        var many = new ClientHelloBuilder();
        for (var i = 0; i <= TlsLimits.MaxExtensions; i++)
        {
            many.Extension((ushort)(1000 + i), []);
        }

        var valid = ClientHelloVectors.Message(nameof(ClientHelloVectors.OpenSsl));
        return new TheoryData<string, byte[]>
        {
            { "server hello type", [2, .. valid[1..]] },
            { "declared longer than the cap", [1, 0x00, 0x40, 0x00, .. new byte[0x4000]] },
            { "SSL 2 legacy_version", new ClientHelloBuilder { LegacyVersion = 0x0200 }.Build() },
            { "session id of 33 bytes", new ClientHelloBuilder { SessionId = new byte[33] }.Build() },
            { "odd cipher suite length", new ClientHelloBuilder { CipherSuites = [0x13, 0x01, 0x13] }.Build() },
            { "no cipher suites", new ClientHelloBuilder { CipherSuites = [] }.Build() },
            { "no compression methods", new ClientHelloBuilder { CompressionMethods = [] }.Build() },
            { "extensions length past the body", Message([.. Body(valid)[..^1]]) },
            { "bytes after the extensions", Message([.. Body(valid), 0]) },
            { "extension length past the block", new ClientHelloBuilder().Extension(0x1234, [1, 2]).Build().Patch(^3, 0x05) },
            { "duplicate server_name", new ClientHelloBuilder().ServerName("a.example").ServerName("b.example").Build() },
            { "duplicate unknown extension", new ClientHelloBuilder().Extension(0x4444, []).ServerName("a.example").Extension(0x4444, [1]).Build() },
            { "duplicate GREASE extension", new ClientHelloBuilder().Extension(0x2a2a, []).ServerName("a.example").Extension(0x2a2a, []).Build() },
            { "too many extensions", many.Build() },
            { "server_name empty", new ClientHelloBuilder().Extension(0, []).Build() },
            { "server_name list empty", new ClientHelloBuilder().Extension(0, [0, 0]).Build() },
            { "server_name list longer than the extension", new ClientHelloBuilder().Extension(0, [0, 9, 0, 0, 1, (byte)'a']).Build() },
            { "server_name list shorter than the extension", new ClientHelloBuilder().Extension(0, [0, 4, 0, 0, 1, (byte)'a', 0]).Build() },
            { "host_name longer than the list", new ClientHelloBuilder().Extension(0, [0, 4, 0, 0, 9, (byte)'a']).Build() },
            { "host_name empty", new ClientHelloBuilder().Extension(0, ServerNameData((0, []))).Build() },
            { "second entry cut short", new ClientHelloBuilder().Extension(0, [0, 6, 0, 0, 1, (byte)'a', 0, 0]).Build() },
            { "ALPN protocol empty", new ClientHelloBuilder().Extension(16, [0, 3, 0, 1, (byte)'x']).Build() },
            { "ALPN name past the list", new ClientHelloBuilder().Extension(16, [0, 3, 5, (byte)'h', (byte)'2']).Build() },
            { "ALPN list empty", new ClientHelloBuilder().Extension(16, [0, 0]).Build() },
            { "supported_versions odd", new ClientHelloBuilder().Extension(43, [3, 3, 4, 3]).Build() },
            { "supported_versions empty", new ClientHelloBuilder().Extension(43, [0]).Build() },
            { "pre_shared_key not last", new ClientHelloBuilder().Extension(41, [0, 0]).ServerName("a.example").Build() },
        };
    }

    [Theory]
    [MemberData(nameof(MalformedHellos))]
    public void TryRead_BrokenRule_IsMalformed(string rule, byte[] message)
    {
        Assert.True(ParseStatus.Malformed == ClientHelloReader.TryRead(message, out var hello), rule);
        Assert.False(hello.HasServerName);
    }

    private static byte[] Body(byte[] message) => message[4..];
}

internal static class ByteArrayExtensions
{
    /// <summary>A copy with the byte at <paramref name="index"/> replaced.</summary>
    public static byte[] Patch(this byte[] bytes, Index index, byte value)
    {
        var copy = (byte[])bytes.Clone();
        copy[index] = value;
        return copy;
    }
}
