using System.Text;
using Appliance.Protocols.Tests.Fuzzing;
using Appliance.Protocols.Tls;

namespace Appliance.Protocols.Tests.Tls;

/// <summary>
/// Seeded fuzz and property runs: mutated record streams and messages never throw, and an Ok result's name always
/// lies inside the bytes the reader was given. A failure names its iteration and input; the same seed reproduces it.
/// </summary>
public class ClientHelloFuzzTests
{
    private const int Seed = 0x7153_0001;
    private const int Iterations = 100_000;

    [Fact]
    public void Scan_MutatedStreams_NeverThrowAndKeepTheNameInsideTheInput()
    {
        var scratch = new byte[ClientHelloScanner.MaxHandshakeBytes];

        var outcomes = FuzzRun.Run(Seed, Iterations, Streams(), stream =>
        {
            var status = ClientHelloScanner.Scan(stream, scratch, out var hello);
            if (status == ParseStatus.Ok && hello.HasServerName)
            {
                Assert.True(SpanPlace.IsInside(stream, hello.ServerName) || SpanPlace.IsInside(scratch, hello.ServerName));
                Assert.False(hello.ServerName.IsEmpty);
            }

            return status;
        });

        outcomes.AssertShare(ParseStatus.Ok, 0.05);
        outcomes.AssertShare(ParseStatus.Malformed, 0.05);
        outcomes.AssertShare(ParseStatus.NeedMoreData, 0.01);
        outcomes.AssertShare(ParseStatus.NotThisProtocol, 0);
    }

    [Fact]
    public void TryRead_MutatedMessages_NeverThrowAndKeepTheNameInsideTheInput()
    {
        var inputs = ClientHelloVectors.All.Keys.Select(ClientHelloVectors.Message).ToArray();

        var outcomes = FuzzRun.Run(Seed + 1, Iterations, inputs, message =>
        {
            var status = ClientHelloReader.TryRead(message, out var hello);
            Assert.True(status != ParseStatus.Ok || !hello.HasServerName || SpanPlace.IsInside(message, hello.ServerName));
            Assert.True(status != ParseStatus.Ok || hello.Alpn.IsEmpty || SpanPlace.IsInside(message, hello.Alpn));
            return status;
        });

        outcomes.AssertShare(ParseStatus.Ok, 0.05);
        outcomes.AssertShare(ParseStatus.Malformed, 0.05);
    }

    [Fact]
    public void Scan_RandomNamesInRandomRecordSplits_ReadBackTheName()
    {
        var random = new Random(Seed + 2);
        var scratch = new byte[ClientHelloScanner.MaxHandshakeBytes];
        const string Alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.";

        for (var i = 0; i < 5_000; i++)
        {
            var name = new string(Enumerable.Range(0, random.Next(1, 254)).Select(_ => Alphabet[random.Next(Alphabet.Length)]).ToArray());
            var builder = new ClientHelloBuilder().Extension(0x0a0a, []);
            for (var e = random.Next(0, 6); e > 0; e--)
            {
                builder.Extension((ushort)(0x7000 + e), new byte[random.Next(0, 300)]);
            }

            var message = builder.ServerName(name).Alpn("h2", "http/1.1").Extension(0x1a1a, [0]).Build();
            var splits = Enumerable.Range(0, random.Next(0, 8)).Select(_ => random.Next(1, 200)).ToArray();
            var stream = TlsRecords.Wrap(message, splits);

            Assert.Equal(ParseStatus.Ok, ClientHelloScanner.Scan(stream, scratch, out var hello));
            Assert.Equal(name, Encoding.ASCII.GetString(hello.ServerName));

            var cut = random.Next(stream.Length);
            Assert.Equal(ParseStatus.NeedMoreData, ClientHelloScanner.Scan(stream.AsSpan(0, cut), scratch, out _));
        }
    }

    private static byte[][] Streams()
    {
        var browser = ClientHelloVectors.Message(nameof(ClientHelloVectors.BrowserLike));
        var openSsl = ClientHelloVectors.Message(nameof(ClientHelloVectors.OpenSsl));
        return
        [
            .. ClientHelloVectors.All.Values,
            TlsRecords.Wrap(openSsl, 100),
            TlsRecords.Wrap(browser, 3, 90, 40),
            TlsRecords.WrapEvery(browser, 1),
            TlsRecords.WrapEvery(openSsl, 17),
        ];
    }
}
