using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Appliance.IntegrationTests.Peers;

namespace Appliance.IntegrationTests.Dns;

/// <summary>RFC 7766 behaviour of the TCP listener: out-of-order answers, idle timeout, connection cap; and IPv6.</summary>
public sealed class TcpTransportTests
{
    private static byte[] Query(string name, ushort id, byte type = 1)
    {
        var wire = new List<byte>();
        foreach (var label in name.Split('.'))
        {
            wire.Add((byte)label.Length);
            wire.AddRange(label.Select(c => (byte)c));
        }

        wire.Add(0);
        var message = new byte[12 + wire.Count + 4];
        BinaryPrimitives.WriteUInt16BigEndian(message, id);
        message[2] = 0x01;                                  // RD
        message[5] = 1;                                     // QDCOUNT
        wire.CopyTo(message, 12);
        message[^3] = type;                                 // type (A unless told)
        message[^1] = 1;                                    // class IN
        var framed = new byte[message.Length + 2];
        BinaryPrimitives.WriteUInt16BigEndian(framed, (ushort)message.Length);
        message.CopyTo(framed, 2);
        return framed;
    }

    private static async Task<ushort> ReadAnswerIdAsync(Socket socket, CancellationToken cancel)
    {
        var length = new byte[2];
        await ReadExactlyAsync(socket, length, cancel);
        var body = new byte[BinaryPrimitives.ReadUInt16BigEndian(length)];
        await ReadExactlyAsync(socket, body, cancel);
        return BinaryPrimitives.ReadUInt16BigEndian(body);
    }

    private static async Task ReadExactlyAsync(Socket socket, Memory<byte> buffer, CancellationToken cancel)
    {
        var read = 0;
        while (read < buffer.Length)
        {
            var n = await socket.ReceiveAsync(buffer[read..], cancel);
            read += n > 0 ? n : throw new IOException("the server closed the connection");
        }
    }

    private static async Task<string> WriteConfigAsync(string json)
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("cfg-").FullName, "appliance.json");
        await File.WriteAllTextAsync(path, json);
        return path;
    }

    [Fact]
    public async Task Pipelined_SlowForwardThenCachedName_CachedAnswerComesFirst()
    {
        using var nsd = new Nsd();
        await nsd.StartAsync();
        // The first upstream swallows queries (a bound socket that never answers), so a forwarded query waits
        // one attempt timeout before NSD answers it: answers on one connection must not wait for each other.
        using var blackhole = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        blackhole.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var config = await WriteConfigAsync("""{ "dns": { "upstreamTimeoutMs": 400 } }""");
        using var appliance = await ApplianceProcess.StartAsync(["--config", config, "--upstream", blackhole.LocalEndPoint!.ToString()!, "--upstream", nsd.Address]);
        await appliance.DigAsync("+time=5", "www.test");   // cached now (after the blackhole's timeout)

        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, appliance.DnsPort);
        await socket.SendAsync(Query("h7.test", 1).Concat(Query("www.test", 2)).ToArray());
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10));

        var first = await ReadAnswerIdAsync(socket, wait.Token);
        var second = await ReadAnswerIdAsync(socket, wait.Token);

        Assert.Equal((ushort)2, first);    // the cached answer did not wait behind the forwarded one
        Assert.Equal((ushort)1, second);
    }

    [Fact]
    public async Task IdleConnection_ClosedAfterTimeout()
    {
        using var nsd = new Nsd();
        await nsd.StartAsync();
        var config = await WriteConfigAsync("""{ "dns": { "tcpIdleTimeoutSeconds": 1 } }""");
        using var appliance = await ApplianceProcess.StartAsync(["--config", config, "--upstream", nsd.Address]);
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, appliance.DnsPort);
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var started = DateTime.UtcNow;

        var n = await socket.ReceiveAsync(new byte[16], wait.Token);   // returns 0 when the server closes

        Assert.Equal(0, n);
        Assert.InRange((DateTime.UtcNow - started).TotalSeconds, 0.8, 5);
    }

    [Fact]
    public async Task ConnectionCap_ExtraConnectionClosed_OthersStillServed()
    {
        using var nsd = new Nsd();
        await nsd.StartAsync();
        var config = await WriteConfigAsync("""{ "dns": { "maxTcpConnections": 2 } }""");
        using var appliance = await ApplianceProcess.StartAsync(["--config", config, "--upstream", nsd.Address]);
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var sockets = new List<Socket>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                await s.ConnectAsync(IPAddress.Loopback, appliance.DnsPort);
                sockets.Add(s);
                await Task.Delay(100);   // let the server accept in order
            }

            var closed = await sockets[2].ReceiveAsync(new byte[16], wait.Token);
            Assert.Equal(0, closed);

            await sockets[0].SendAsync(Query("www.test", 9));
            Assert.Equal((ushort)9, await ReadAnswerIdAsync(sockets[0], wait.Token));
            Assert.Contains("connection limit 2 reached", appliance.Output, StringComparison.Ordinal);
        }
        finally
        {
            sockets.ForEach(s => s.Dispose());
        }
    }

    private static async Task<bool> ServedWithinAsync(ApplianceProcess appliance, TimeSpan within)
    {
        var until = DateTime.UtcNow + within;
        while (DateTime.UtcNow < until)
        {
            using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await probe.ConnectAsync(IPAddress.Loopback, appliance.DnsPort);
            await probe.SendAsync(Query("www.test", 77));
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            try
            {
                if (await ReadAnswerIdAsync(probe, wait.Token) == 77)
                {
                    return true;
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or IOException)
            {
            }

            await Task.Delay(200);
        }

        return false;
    }

    [Fact]
    public async Task SlowClient_TricklesHalfAMessage_LosesTheConnectionAfterTheIdleTimeout()
    {
        using var nsd = new Nsd();
        await nsd.StartAsync();
        var config = await WriteConfigAsync("""{ "dns": { "maxTcpConnections": 1, "tcpIdleTimeoutSeconds": 1 } }""");
        using var appliance = await ApplianceProcess.StartAsync(["--config", config, "--upstream", nsd.Address]);
        await appliance.DigAsync("www.test");
        using var slow = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await slow.ConnectAsync(IPAddress.Loopback, appliance.DnsPort);
        await slow.SendAsync(new byte[] { 0, 30, 0xab });   // announces 30 bytes, sends 1, then nothing

        Assert.True(await ServedWithinAsync(appliance, TimeSpan.FromSeconds(6)), "the only TCP slot stayed taken by a client that sent half a message");
    }

    [Fact]
    public async Task NonReadingClient_PipelinesLargeAnswers_IsCutOffAndTheSlotFreed()
    {
        using var nsd = new Nsd();
        await nsd.StartAsync();
        var config = await WriteConfigAsync("""{ "dns": { "maxTcpConnections": 1, "tcpIdleTimeoutSeconds": 1, "rateLimit": { "queriesPerSecond": 0 } } }""");
        using var appliance = await ApplianceProcess.StartAsync(["--config", config, "--upstream", nsd.Address]);
        await appliance.DigAsync("+tcp", "big.test", "TXT");   // cached: every answer below is about 2.5 kB
        using var greedy = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
        await greedy.ConnectAsync(IPAddress.Loopback, appliance.DnsPort);
        // 3,000 queries (about 90 kB, which the kernel takes at once) ask for about 7.5 MB of answers, more than
        // the kernel's socket buffers hold, so the appliance's writes block on a client that never reads.
        var queries = Enumerable.Range(0, 3_000).SelectMany(i => Query("big.test", (ushort)i, type: 16)).ToArray();
        await greedy.SendAsync(queries, SocketFlags.None);

        Assert.True(await ServedWithinAsync(appliance, TimeSpan.FromSeconds(20)), "a client that never reads kept the only TCP slot");
        Assert.False(appliance.HasExited);
    }

    [Fact]
    public async Task Ipv6Listener_AnswersOverUdpAndTcp()
    {
        using var nsd = new Nsd();
        await nsd.StartAsync();
        var port = Processes.FreePort();
        using var appliance = await ApplianceProcess.StartAsync(["--upstream", nsd.Address, "--dns-listen", $"[::1]:{port}"]);

        var udp = await Processes.RunAsync("dig", ["@::1", "-p", port.ToString(), "+time=3", "+tries=1", "www.test"]);
        var tcp = await Processes.RunAsync("dig", ["@::1", "-p", port.ToString(), "+time=3", "+tries=1", "+tcp", "www.test"]);

        Assert.Equal("192.0.2.10", DigOutput.Answers(udp.Stdout).Single()[4]);
        Assert.Equal("192.0.2.10", DigOutput.Answers(tcp.Stdout).Single()[4]);
    }
}
