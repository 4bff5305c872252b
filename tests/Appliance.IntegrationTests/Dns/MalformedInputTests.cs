using System.Net;
using System.Net.Sockets;
using Appliance.IntegrationTests.Peers;

namespace Appliance.IntegrationTests.Dns;

/// <summary>Garbage on the wire gets FORMERR or silence, and never stops good queries being answered.</summary>
[Collection(ResolverCollection.Name)]
public sealed class MalformedInputTests
{
    private readonly ResolverFixture _fixture;

    public MalformedInputTests(ResolverFixture fixture) => _fixture = fixture;

    public static TheoryData<string, string, string> Packets => new()
    {
        // label, hex, expected: "formerr", "silence", "notimp"
        { "too short for a header", "1234", "silence" },
        { "a response (QR=1) is never answered", "abcd81800001000000000000" + "0377777704746573740000010001", "silence" },
        { "QDCOUNT 0", "abcd01000000000000000000", "formerr" },
        { "QDCOUNT 2", "abcd01000002000000000000" + "0377777704746573740000010001", "formerr" },
        { "name runs past the end", "abcd01000001000000000000" + "3f7777", "formerr" },
        { "compression pointer loop", "abcd01000001000000000000" + "c00c00010001", "formerr" },
        { "label type 0x40", "abcd01000001000000000000" + "41777704746573740000010001", "formerr" },
        { "question cut before class", "abcd01000001000000000000" + "03777777047465737400000100", "formerr" },
        { "ARCOUNT 1 but nothing follows", "abcd01000001000000000001" + "0377777704746573740000010001", "formerr" },
        { "two OPT records", "abcd01000001000000000002" + "0377777704746573740000010001" + "0000290200000000000000" + "0000290200000000000000", "formerr" },
        { "trailing garbage", "abcd01000001000000000000" + "0377777704746573740000010001" + "deadbeef", "formerr" },
        { "opcode UPDATE", "abcd28000001000000000000" + "0377777704746573740000010001", "notimp" },
    };

    [Theory]
    [MemberData(nameof(Packets))]
    public async Task Malformed_Packet_FormErrOrSilence_ThenGoodQueryStillWorks(string label, string hex, string expected)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Connect(new IPEndPoint(IPAddress.Loopback, _fixture.Appliance.DnsPort));
        await socket.SendAsync(Convert.FromHexString(hex));
        var buffer = new byte[2048];
        using var wait = new CancellationTokenSource(TimeSpan.FromMilliseconds(expected == "silence" ? 500 : 3_000));
        int received;
        try
        {
            received = await socket.ReceiveAsync(buffer, wait.Token);
        }
        catch (OperationCanceledException)
        {
            received = -1;
        }

        if (expected == "silence")
        {
            Assert.True(received < 0, $"{label}: expected no answer");
        }
        else
        {
            Assert.True(received >= 12, $"{label}: expected an answer");
            Assert.Equal(0xab, buffer[0]);                      // our id back
            Assert.Equal(0x80, buffer[2] & 0x80);               // QR
            var rcode = buffer[3] & 0x0f;
            Assert.Equal(expected == "formerr" ? 1 : 4, rcode);
        }

        var good = await _fixture.Appliance.DigAsync("www.test");
        Assert.Equal("NOERROR", DigOutput.Status(good.Stdout));
    }

    [Fact]
    public async Task Garbage_ThousandRandomDatagrams_ServerKeepsAnswering()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Connect(new IPEndPoint(IPAddress.Loopback, _fixture.Appliance.DnsPort));
        var random = new Random(1234);
        var packet = new byte[600];
        for (var i = 0; i < 1_000; i++)
        {
            var length = random.Next(0, packet.Length);
            random.NextBytes(packet.AsSpan(0, length));
            packet[2] &= 0x7f;   // mostly queries, so they get past the QR check
            await socket.SendAsync(packet.AsMemory(0, length));
        }

        var good = await _fixture.Appliance.DigAsync("www.test");
        Assert.Equal("NOERROR", DigOutput.Status(good.Stdout));
        Assert.False(_fixture.Appliance.HasExited);
    }
}
