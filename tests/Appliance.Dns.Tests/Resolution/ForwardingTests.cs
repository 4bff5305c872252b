using System.Buffers.Binary;
using Appliance.Dns.Tests.Support;
using Appliance.Protocols;
using Appliance.Protocols.Dns;
using Microsoft.Extensions.Time.Testing;

namespace Appliance.Dns.Tests.Resolution;

/// <summary>What goes upstream, and which answers are believed.</summary>
public sealed class ForwardingTests
{
    private static (DnsHeader Header, int OptionBytes, List<ushort> Options) ReadUpstreamQuery(byte[] query)
    {
        var reader = new DnsMessageReader(query);
        Assert.Equal(ParseStatus.Ok, reader.ReadHeader(out var header));
        Assert.Equal(ParseStatus.Ok, reader.ReadQuestion(out _));
        var options = new List<ushort>();
        var optionBytes = 0;
        for (var i = 0; i < header.AdditionalCount; i++)
        {
            Assert.Equal(ParseStatus.Ok, reader.ReadRecord(out var record));
            if (record.Type == DnsType.Opt)
            {
                optionBytes = record.RDataLength;
                var data = query.AsSpan(record.RDataOffset, record.RDataLength);
                while (data.Length >= 4)
                {
                    options.Add(BinaryPrimitives.ReadUInt16BigEndian(data));
                    data = data[(4 + BinaryPrimitives.ReadUInt16BigEndian(data[2..]))..];
                }
            }
        }

        return (header, optionBytes, options);
    }

    [Fact]
    public void Forward_ClientSentEcsAndCookie_UpstreamQueryCarriesNeither()
    {
        using var upstream = new CannedUpstream();
        using var resolver = new InProcessResolver(upstream);
        // A query whose OPT (RFC 6891) carries ECS (option 8: family 1, /24, 192.0.2; RFC 7871) and a client
        // cookie (option 10, 8 bytes; RFC 7873).
        var query = Convert.FromHexString(
            "beef01000001000000000001" +        // id, RD, QD=1, AR=1
            "036563730474657374000001" + "0001" + // ecs.test A IN
            "00" + "0029" + "1000" + "00000000" + "0017" +   // OPT: root, type 41, 4096, ttl 0, rdlen 23
            "0008" + "0007" + "0001" + "18" + "00" + "c00002" +
            "000a" + "0008" + "0102030405060708");

        var answer = resolver.Ask(query);

        Assert.Equal(0xbe, answer[0]);
        var sent = Assert.Single(upstream.Queries);
        var (header, _, options) = ReadUpstreamQuery(sent);
        Assert.DoesNotContain(EdnsOptionCode.ClientSubnet, options);   // RFC 7871 §7.1.2
        Assert.DoesNotContain(EdnsOptionCode.Cookie, options);
        Assert.True(header.RecursionDesired);
    }

    [Fact]
    public void Forward_ManyQueries_UpstreamIdsAreNotTheClients()
    {
        using var upstream = new CannedUpstream();
        using var resolver = new InProcessResolver(upstream);

        for (var i = 0; i < 50; i++)
        {
            resolver.Ask(Messages.Query($"n{i}.test", id: 7));
        }

        var ids = upstream.Queries.Select(q => BinaryPrimitives.ReadUInt16BigEndian(q)).ToList();
        Assert.Equal(50, ids.Count);
        Assert.True(ids.Distinct().Count() >= 48, "ids must be random, not the client's (RFC 5452 §4.3)");
        Assert.True(ids.Count(id => id == 7) <= 1);
    }

    [Fact]
    public void Forward_ManyQueries_SourcePortsRotate()
    {
        using var upstream = new CannedUpstream();
        using var resolver = new InProcessResolver(upstream, configure: o => o with { UdpSocketsPerUpstream = 1 });

        for (var i = 0; i < (3 * Upstream.UpstreamServer.QueriesPerSocket) + 10; i++)
        {
            resolver.Ask(Messages.Query($"rotate{i}.test"));
        }

        // One socket at a time, replaced every 1,000 queries: four different ports (RFC 5452 §9.2).
        Assert.Equal(4, upstream.DistinctSourcePorts);
        Assert.Equal(3, resolver.Server.Forwarder.Servers[0].Rotations);
    }

    [Fact]
    public void Forward_SameQuestionWhileInFlight_OneUpstreamQueryEveryClientAnsweredInItsOwnCase()
    {
        using var upstream = new CannedUpstream(script: query =>
        {
            Thread.Sleep(300);   // a slow upstream: the other askers arrive while the first query is out
            return [Messages.Answer(query, DnsRcode.NoError, [(DnsType.A, 60, Messages.A(192, 0, 2, 7))])];
        });
        using var resolver = new InProcessResolver(upstream);
        string[] spellings = ["class.test", "CLASS.test", "Class.Test", "cLaSs.TeSt", "class.TEST"];
        var clients = spellings.Select(_ => new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork,
            System.Net.Sockets.SocketType.Dgram, System.Net.Sockets.ProtocolType.Udp)).ToArray();
        try
        {
            for (var i = 0; i < clients.Length; i++)
            {
                clients[i].Connect(resolver.Server.EndPoints[0]);
                clients[i].ReceiveTimeout = 3_000;
                clients[i].Send(Messages.Query(spellings[i], id: (ushort)(100 + i)));
            }

            for (var i = 0; i < clients.Length; i++)
            {
                var buffer = new byte[512];
                var n = clients[i].Receive(buffer);
                Assert.Equal(100 + i, BinaryPrimitives.ReadUInt16BigEndian(buffer));
                Assert.True(buffer.AsSpan(12, n - 12).StartsWith(Messages.Name(spellings[i])), $"client {i} did not get its own 0x20 case back");
                Assert.True(buffer.AsSpan(0, n).IndexOf((byte[])[192, 0, 2, 7]) > 0);
            }
        }
        finally
        {
            Array.ForEach(clients, c => c.Dispose());
        }

        Assert.Single(upstream.Queries);
        Assert.Equal(4, resolver.Server.Counters.Snapshot().Coalesced);
    }

    [Fact]
    public void Forward_UpstreamServFailsOneDomain_StaysHealthyAndAnswersOthers()
    {
        using var upstream = new CannedUpstream(script: query =>
            query.AsSpan().IndexOf("broken"u8) > 0
                ? [Messages.Answer(query, DnsRcode.ServFail, [])]
                : [Messages.Answer(query, DnsRcode.NoError, [(DnsType.A, 60, Messages.A(192, 0, 2, 1))])]);
        using var resolver = new InProcessResolver(upstream);

        for (var i = 0; i < 10; i++)
        {
            var failed = resolver.Ask(Messages.Query($"x{i}.broken.test"));
            Assert.Equal(DnsRcode.ServFail, (DnsRcode)(failed[3] & 0x0F));
        }

        var server = resolver.Server.Forwarder.Servers[0];
        Assert.True(server.IsHealthy, "SERVFAIL for one domain must not mark the upstream down");
        Assert.Equal(0, server.Failures);
        var good = resolver.Ask(Messages.Query("fine.test"));
        Assert.Equal(DnsRcode.NoError, (DnsRcode)(good[3] & 0x0F));
    }

    [Fact]
    public void Forward_ClientOverItsWaitingCap_ServFailAtOnceOthersUnaffected()
    {
        using var upstream = new CannedUpstream(script: query =>
        {
            Thread.Sleep(400);
            return [Messages.Answer(query, DnsRcode.NoError, [(DnsType.A, 60, Messages.A(192, 0, 2, 1))])];
        });
        using var resolver = new InProcessResolver(upstream, configure: o => o with { MaxInFlightPerClient = 2 });
        using var greedy = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Dgram,
            System.Net.Sockets.ProtocolType.Udp);
        greedy.Connect(resolver.Server.EndPoints[0]);
        greedy.ReceiveTimeout = 3_000;

        for (var i = 0; i < 3; i++)
        {
            greedy.Send(Messages.Query($"random{i}.dead.test", id: (ushort)i));
        }

        var first = new byte[512];
        greedy.Receive(first);   // the third query is refused at once, before the slow upstream answers the others
        Assert.Equal(2, BinaryPrimitives.ReadUInt16BigEndian(first));
        Assert.Equal(DnsRcode.ServFail, (DnsRcode)(first[3] & 0x0F));
        Assert.Equal(1, resolver.Server.Counters.Snapshot().ClientCapped);
    }

    [Fact]
    public void Forward_UpstreamSilentAndAnswerExpired_StaleAfterClientResponseTimerWhileRefreshGoesOn()
    {
        var time = new FakeTimeProvider();
        var calls = 0;
        using var upstream = new CannedUpstream(script: query => Interlocked.Increment(ref calls) == 1
            ? [Messages.Answer(query, DnsRcode.NoError, [(DnsType.A, 1, Messages.A(192, 0, 2, 9))])]
            : []);   // answers once, then goes silent
        using var resolver = new InProcessResolver(upstream, time, o => o with { ResolveTimeout = TimeSpan.FromSeconds(10) });
        var query = Messages.Query("slow.test");
        resolver.Ask(query);
        time.Advance(TimeSpan.FromSeconds(5));   // the 1 s answer has expired; it is still within the stale window

        resolver.Send(query);
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (upstream.Queries.Count < 2 && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(10);   // the refresh query reaches the (silent) upstream over real sockets
        }

        for (var i = 0; i < 17; i++)
        {
            time.Advance(TimeSpan.FromMilliseconds(100));   // 1.7 s: still waiting (a retry went out at 1 s)
        }

        Assert.Equal(0, resolver.Server.Counters.Snapshot().StaleAnswers);
        for (var i = 0; i < 2; i++)
        {
            time.Advance(TimeSpan.FromMilliseconds(100));   // 1.9 s: past RFC 8767's 1.8 s client response timer
        }

        var answer = resolver.Receive();
        var reader = new DnsMessageReader(answer);
        reader.ReadHeader(out var header);
        reader.ReadQuestion(out _);
        reader.ReadRecord(out var a);
        Assert.Equal(DnsRcode.NoError, header.Rcode);
        Assert.Equal(30u, a.Ttl);                                             // RFC 8767 §4
        Assert.True(answer.AsSpan().IndexOf((byte[])[0x00, 0x0f, 0x00, 0x02, 0x00, 0x03]) > 0);   // EDE 3 Stale Answer
        Assert.Equal(1, resolver.Server.Forwarder.InFlight);                  // the refresh is still waiting upstream
    }

    [Fact]
    public void Forward_SpoofedAnswersFirst_OnlyTheMatchingAnswerIsBelieved()
    {
        // Before the real answer the "upstream" sends: a wrong id, and the right id with a different question.
        using var upstream = new CannedUpstream(script: query =>
        {
            var wrongId = Messages.Answer(query, DnsRcode.NoError, [(DnsType.A, 60, Messages.A(6, 6, 6, 6))]);
            wrongId[0] ^= 0xFF;
            var otherQuestion = Messages.Answer(Messages.Query("evil.test", id: BinaryPrimitives.ReadUInt16BigEndian(query)), DnsRcode.NoError,
                [(DnsType.A, 60, Messages.A(6, 6, 6, 6))]);
            var real = Messages.Answer(query, DnsRcode.NoError, [(DnsType.A, 60, Messages.A(192, 0, 2, 1))]);
            return [wrongId, otherQuestion, real];
        });
        using var resolver = new InProcessResolver(upstream);

        var answer = resolver.Ask(Messages.Query("bank.test"));

        Assert.True(answer.AsSpan().IndexOf((byte[])[192, 0, 2, 1]) > 0);
        Assert.True(answer.AsSpan().IndexOf((byte[])[6, 6, 6, 6]) < 0, "a spoofed address reached the client");
        Assert.True(resolver.Server.Counters.Snapshot().SpoofedOrLate >= 2);
    }

    [Fact]
    public void Prefetch_PopularNameInLastTenthOfTtl_RefreshedBeforeExpiry()
    {
        var time = new FakeTimeProvider();
        using var upstream = new CannedUpstream(ttl: 100);
        using var resolver = new InProcessResolver(upstream, time);
        var query = Messages.Query("popular.test");

        resolver.Ask(query);          // miss: forwarded
        resolver.Ask(query);          // hit
        Assert.Equal(1, upstream.Answered);

        time.Advance(TimeSpan.FromSeconds(95));   // 5 s left of 100
        resolver.Ask(query);          // hit, and popular, and near expiry: refreshed in the background
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while ((upstream.Answered < 2 || resolver.Server.Forwarder.InFlight > 0) && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(10);   // real sockets: wait for the refresh to be answered and stored
        }

        Assert.Equal(2, upstream.Answered);
        time.Advance(TimeSpan.FromSeconds(10));   // past the old expiry: the refreshed entry still serves
        var hitsBefore = resolver.Server.Counters.Snapshot().CacheHits;
        resolver.Ask(query);
        Assert.Equal(hitsBefore + 1, resolver.Server.Counters.Snapshot().CacheHits);
        Assert.Equal(2, upstream.Answered);
    }
}
