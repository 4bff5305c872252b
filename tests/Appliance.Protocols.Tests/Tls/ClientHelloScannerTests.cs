using System.Text;
using Appliance.Protocols.Tls;

namespace Appliance.Protocols.Tests.Tls;

public class ClientHelloScannerTests
{
    // In the message: the low byte of the server_name list length (@149 of the record stream: @144 + type, length, high byte).
    private const int OpenSslSniListLength = 149 - ClientHelloVectors.MessageOffset;

    private readonly byte[] _scratch = new byte[ClientHelloScanner.MaxHandshakeBytes];

    [Theory]
    [MemberData(nameof(ClientHelloVectors.Names), MemberType = typeof(ClientHelloVectors))]
    public void Scan_SingleRecordVector_ReadsTheNameWithoutCopying(string vector)
    {
        var stream = ClientHelloVectors.All[vector];

        Assert.Equal(ParseStatus.Ok, ClientHelloScanner.Scan(stream, _scratch, out var hello));

        Assert.Equal(vector != nameof(ClientHelloVectors.NoExtensions), hello.HasServerName);
        if (hello.HasServerName)
        {
            Assert.True(stream.AsSpan().Overlaps(hello.ServerName));
        }
    }

    [Theory]
    [MemberData(nameof(ClientHelloVectors.Names), MemberType = typeof(ClientHelloVectors))]
    public void Scan_EveryTruncation_IsNeedMoreData(string vector)
    {
        AssertEveryPrefixNeedsMoreData(ClientHelloVectors.All[vector]);
    }

    [Theory]
    [MemberData(nameof(ClientHelloVectors.Names), MemberType = typeof(ClientHelloVectors))]
    public void Scan_TwoRecordsSplitAtEveryPoint_ReadsTheSameHello(string vector)
    {
        var message = ClientHelloVectors.Message(vector);
        var expected = Expected(ClientHelloVectors.All[vector]);

        for (var split = 1; split < message.Length; split++)
        {
            var stream = TlsRecords.Wrap(message, split);

            Assert.Equal(ParseStatus.Ok, ClientHelloScanner.Scan(stream, _scratch, out var hello));
            Assert.Equal(expected, Encoding.Latin1.GetString(hello.ServerName));
            Assert.Equal(expected.Length > 0, hello.HasServerName);
            AssertEveryPrefixNeedsMoreData(stream);
        }
    }

    [Theory]
    [MemberData(nameof(ClientHelloVectors.Names), MemberType = typeof(ClientHelloVectors))]
    public void Scan_OneBytePerRecord_ReadsTheSameHello(string vector)
    {
        var message = ClientHelloVectors.Message(vector);
        var stream = TlsRecords.WrapEvery(message, 1);

        Assert.Equal(ParseStatus.Ok, ClientHelloScanner.Scan(stream, _scratch, out var hello));

        Assert.Equal(Expected(ClientHelloVectors.All[vector]), Encoding.Latin1.GetString(hello.ServerName));
        AssertEveryPrefixNeedsMoreData(stream);
    }

    [Fact]
    public void Scan_RecordBoundaryInsideTheName_ReadsTheWholeName()
    {
        // The evasion of CluvexStudio/Aether#116: "www.exam" in one record, "ple.test" in the next.
        var message = ClientHelloVectors.Message(nameof(ClientHelloVectors.OpenSsl));
        var nameInMessage = ClientHelloVectors.OpenSslServerNameOffset - ClientHelloVectors.MessageOffset;
        var stream = TlsRecords.Wrap(message, nameInMessage + 8);

        Assert.Equal(ParseStatus.Ok, ClientHelloScanner.Scan(stream, _scratch, out var hello));

        Assert.Equal("www.example.test", Encoding.ASCII.GetString(hello.ServerName));
        Assert.True(_scratch.AsSpan().Overlaps(hello.ServerName));
    }

    [Fact]
    public void Scan_PostQuantumSizedHelloInThreeRecords_IsOk()
    {
        // X25519MLKEM768 makes 1.8 KB hellos that arrive in two TCP segments (packet-path.md §2.1).
        var message = new ClientHelloBuilder().ServerName("pq.example").Alpn("h2").Extension(51, new byte[1216]).Build();
        var stream = TlsRecords.Wrap(message, 600, 600);

        Assert.Equal(ParseStatus.NeedMoreData, ClientHelloScanner.Scan(stream.AsSpan(0, 1000), _scratch, out _));
        Assert.Equal(ParseStatus.Ok, ClientHelloScanner.Scan(stream, _scratch, out var hello));
        Assert.Equal("pq.example", Encoding.ASCII.GetString(hello.ServerName));
    }

    [Fact]
    public void Scan_HelloOfExactlyMaxBytes_IsOk()
    {
        var message = HelloOfLength(ClientHelloScanner.MaxHandshakeBytes);
        var stream = TlsRecords.Wrap(message, TlsLimits.MaxRecordFragment - 1);

        Assert.Equal(ParseStatus.Ok, ClientHelloScanner.Scan(stream, _scratch, out var hello));
        Assert.Equal("big.example", Encoding.ASCII.GetString(hello.ServerName));
    }

    [Fact]
    public void Scan_HelloOneByteOverMax_IsMalformedAsSoonAsTheHeaderArrives()
    {
        var message = HelloOfLength(ClientHelloScanner.MaxHandshakeBytes + 1);
        var stream = TlsRecords.Wrap(message, 2, 2);

        Assert.Equal(ParseStatus.NeedMoreData, ClientHelloScanner.Scan(stream.AsSpan(0, 7 + 3), _scratch, out _));
        Assert.Equal(ParseStatus.Malformed, ClientHelloScanner.Scan(stream.AsSpan(0, 7 + 7), _scratch, out _));
    }

    [Fact]
    public void Scan_BytesAfterTheHello_AreIgnored()
    {
        // A TLS 1.3 client may send change_cipher_spec and early data right behind its ClientHello.
        byte[] stream = [.. ClientHelloVectors.OpenSsl, .. TlsRecords.Record(TlsContentType.ChangeCipherSpec, [1]), .. TlsRecords.Record(TlsContentType.ApplicationData, [9, 9, 9])];

        Assert.Equal(ParseStatus.Ok, ClientHelloScanner.Scan(stream, _scratch, out var hello));
        Assert.Equal("www.example.test", Encoding.ASCII.GetString(hello.ServerName));
    }

    [Fact]
    public void Scan_HandshakeBytesAfterTheHelloInTheSameRecord_AreIgnored()
    {
        var message = ClientHelloVectors.Message(nameof(ClientHelloVectors.OpenSsl));
        var stream = TlsRecords.Wrap([.. message, 0x01, 0x00], 100);

        Assert.Equal(ParseStatus.Ok, ClientHelloScanner.Scan(stream, _scratch, out var hello));
        Assert.Equal("www.example.test", Encoding.ASCII.GetString(hello.ServerName));
    }

    public static TheoryData<string, byte[]> NotTls() => new()
    {
        { "HTTP request", "GET / HTTP/1.1\r\nHost: a.example\r\n\r\n"u8.ToArray() },
        { "SSH banner", "SSH-2.0-OpenSSH_9.6\r\n"u8.ToArray() },
        { "SSL 2 compatible hello", [0x80, 0x2e, 0x01, 0x03, 0x01] },
        { "handshake type with SSL 2 version", [0x16, 0x02, 0x00, 0x00, 0x10] },
        { "application data first", [0x17, 0x03, 0x03, 0x00, 0x10] },
        { "one HTTP byte", "G"u8.ToArray() },
    };

    [Theory]
    [MemberData(nameof(NotTls))]
    public void Scan_NotATlsHandshakeRecord_IsNotThisProtocol(string what, byte[] stream)
    {
        Assert.True(ParseStatus.NotThisProtocol == ClientHelloScanner.Scan(stream, _scratch, out _), what);
    }

    public static TheoryData<string, byte[]> Broken()
    {
        var message = ClientHelloVectors.Message(nameof(ClientHelloVectors.OpenSsl));
        var head = message[..40];
        var tail = message[40..];
        return new TheoryData<string, byte[]>
        {
            { "zero-length first record", [.. TlsRecords.Record(TlsContentType.Handshake, []), .. TlsRecords.Wrap(message)] },
            { "zero-length record mid-hello", [.. TlsRecords.Wrap(head), .. TlsRecords.Record(TlsContentType.Handshake, []), .. TlsRecords.Wrap(tail)] },
            { "alert mid-hello", [.. TlsRecords.Wrap(head), .. TlsRecords.Record(TlsContentType.Alert, [1, 0]), .. TlsRecords.Wrap(tail)] },
            { "change_cipher_spec mid-hello", [.. TlsRecords.Wrap(head), .. TlsRecords.Record(TlsContentType.ChangeCipherSpec, [1]), .. TlsRecords.Wrap(tail)] },
            { "application data mid-hello", [.. TlsRecords.Wrap(head), .. TlsRecords.Record(TlsContentType.ApplicationData, [1]), .. TlsRecords.Wrap(tail)] },
            { "SSL 2 version mid-hello", [.. TlsRecords.Wrap(head), 0x16, 0x02, 0x00, 0x00, 0x01, 0x00] },
            { "record longer than 2^14", [0x16, 0x03, 0x01, 0x40, 0x01, .. message] },
            { "first message not a ClientHello", TlsRecords.Wrap([2, .. message[1..]]) },
            { "first byte of the second record's message wrong", TlsRecords.Wrap([2, .. message[1..]], 1) },
            { "declared length over the cap", [0x16, 0x03, 0x01, 0x00, 0x04, 0x01, 0x01, 0x00, 0x00] },
            { "server_name list length wrong, in good records", TlsRecords.Wrap(message.Patch(OpenSslSniListLength, 0x14), 7) },
        };
    }

    [Theory]
    [MemberData(nameof(Broken))]
    public void Scan_BrokenRecordOrHello_IsMalformed(string what, byte[] stream)
    {
        Assert.True(ParseStatus.Malformed == ClientHelloScanner.Scan(stream, _scratch, out var hello), what);
        Assert.False(hello.HasServerName);
    }

    [Fact]
    public void Scan_ScratchTooSmall_Throws()
    {
        var scratch = new byte[ClientHelloScanner.MaxHandshakeBytes - 1];

        Assert.Throws<ArgumentException>(() => ClientHelloScanner.Scan(ClientHelloVectors.OpenSsl, scratch, out _));
    }

    [Fact]
    public void Scan_ValidHellos_AllocateNothing()
    {
        var single = ClientHelloVectors.OpenSsl;
        var fragmented = TlsRecords.WrapEvery(ClientHelloVectors.Message(nameof(ClientHelloVectors.BrowserLike)), 1);
        var names = 0;
        Scan(single, _scratch, ref names);
        Scan(fragmented, _scratch, ref names);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 10_000; i++)
        {
            Scan(single, _scratch, ref names);
            Scan(fragmented, _scratch, ref names);
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.Equal(20_002, names);

        static void Scan(byte[] stream, byte[] scratch, ref int names)
        {
            if (ClientHelloScanner.Scan(stream, scratch, out var hello) == ParseStatus.Ok && hello.HasServerName)
            {
                names++;
            }
        }
    }

    private void AssertEveryPrefixNeedsMoreData(byte[] stream)
    {
        for (var length = 0; length < stream.Length; length++)
        {
            var status = ClientHelloScanner.Scan(stream.AsSpan(0, length), _scratch, out var hello);
            Assert.True(status == ParseStatus.NeedMoreData, $"{length} of {stream.Length} bytes: {status}");
            Assert.False(hello.HasServerName);
        }
    }

    private string Expected(byte[] singleRecord)
    {
        Assert.Equal(ParseStatus.Ok, ClientHelloScanner.Scan(singleRecord, _scratch, out var hello));
        return Encoding.Latin1.GetString(hello.ServerName);
    }

    /// <summary>A ClientHello of exactly <paramref name="length"/> bytes, padded with an unknown extension.</summary>
    private static byte[] HelloOfLength(int length)
    {
        var bare = new ClientHelloBuilder().ServerName("big.example").Extension(0xffce, []).Build();
        return new ClientHelloBuilder().ServerName("big.example").Extension(0xffce, new byte[length - bare.Length]).Build();
    }
}
