using Appliance.Protocols.Quic;
using Appliance.Protocols.Tests.Fuzzing;
using Appliance.TestSupport;

namespace Appliance.Protocols.Tests.Quic;

/// <summary>
/// Seeded fuzz runs. Mutating a protected datagram mostly exercises the header reader and the authentication check
/// (a changed byte fails the tag), so a second run mutates the plaintext frames and protects them properly,
/// to reach the frame walker and the reassembly buffer with hostile content that authenticates.
/// </summary>
public class QuicFuzzTests
{
    private static readonly byte[] Dcid = [8, 7, 6, 5, 4, 3, 2, 1];

    [Fact]
    public void Add_MutatedDatagrams_NeverThrow()
    {
        var coalesced = InitialPackets.Protect(QuicVersion.Version1, QuicVectors.ConnectionId, [.. InitialPackets.Crypto(0, QuicVectors.ClientHello().AsSpan(0, 100)), 0x01]);
        byte[][] inputs = [QuicVectors.V1ClientInitial, [.. coalesced, .. QuicVectors.V1ClientInitial[..600]], QuicVectors.V1ClientInitial[..300]];
        using var decoder = new QuicInitialDecoder(QuicVersion.Version1, QuicVectors.ConnectionId);

        var outcomes = FuzzRun.Run(0x0019_0001, 30_000, inputs, datagram =>
        {
            var status = QuicInitialReader.TryReadHeader(datagram, out var header);
            Assert.True(status != ParseStatus.Ok || (header.PacketLength <= datagram.Length && header.PacketNumberOffset <= header.PacketLength));
            status = decoder.Add(datagram);
            decoder.TryGetClientHello(out _);
            return status;
        });

        outcomes.AssertShare(ParseStatus.Malformed, 0.5);
        outcomes.AssertShare(ParseStatus.NotThisProtocol, 0.01);
    }

    [Fact]
    public void Add_MutatedFramesThatAuthenticate_NeverThrowAndNameLiesInTheRebuiltHello()
    {
        var hello = QuicVectors.ClientHello();
        byte[][] inputs =
        [
            QuicVectors.ClientHelloCryptoFrame,
            [0x01, .. InitialPackets.Crypto(100, hello.AsSpan(100)), 0x02, 0x00, 0x00, 0x00, 0x00, .. InitialPackets.Crypto(0, hello.AsSpan(0, 100))],
            [.. InitialPackets.Crypto(0, hello.AsSpan(0, 60)), 0x1c, 0x00, 0x00, 0x00, .. InitialPackets.Crypto(60, hello.AsSpan(60))],
        ];

        var outcomes = FuzzRun.Run(0x0019_0002, 10_000, inputs, frames =>
        {
            using var decoder = new QuicInitialDecoder(QuicVersion.Version1, Dcid);
            var status = decoder.Add(InitialPackets.Protect(QuicVersion.Version1, Dcid, frames));
            Assert.NotEqual(ParseStatus.NotThisProtocol, status);
            var helloStatus = decoder.TryGetClientHello(out var read);
            Assert.True(status == ParseStatus.Ok || helloStatus == ParseStatus.Malformed);
            Assert.True(helloStatus != ParseStatus.Ok || read.ServerName.Length <= frames.Length);
            return helloStatus;
        });

        outcomes.AssertShare(ParseStatus.Ok, 0.05);
        outcomes.AssertShare(ParseStatus.Malformed, 0.05);
        outcomes.AssertShare(ParseStatus.NeedMoreData, 0.002);
    }
}
