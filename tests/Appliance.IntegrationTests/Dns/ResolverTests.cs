using Appliance.IntegrationTests.Peers;

namespace Appliance.IntegrationTests.Dns;

/// <summary>The real appliance answering dig and kdig, forwarding to a real NSD.</summary>
[Collection(ResolverCollection.Name)]
public sealed class ResolverTests
{
    private readonly ResolverFixture _fixture;

    public ResolverTests(ResolverFixture fixture) => _fixture = fixture;

    private ApplianceProcess Appliance => _fixture.Appliance;

    [Fact]
    public async Task Udp_AQuery_AnswersFromUpstream()
    {
        var result = await Appliance.DigAsync("www.test", "A");

        Assert.Equal("NOERROR", DigOutput.Status(result.Stdout));
        Assert.True(DigOutput.HasFlag(result.Stdout, "ra"), result.Stdout);
        Assert.False(DigOutput.HasFlag(result.Stdout, "aa"), "a forwarder must not claim authority: " + result.Stdout);
        var answer = Assert.Single(DigOutput.Answers(result.Stdout));
        Assert.Equal(["www.test.", "IN", "A", "192.0.2.10"], [answer[0], answer[2], answer[3], answer[4]]);
        Assert.Contains("(UDP)", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tcp_DigAndKdig_AnswerOverTcp()
    {
        var dig = await Appliance.DigAsync("+tcp", "www.test", "AAAA");
        var kdig = await Appliance.KdigAsync("+tcp", "www.test", "AAAA");

        Assert.Equal("NOERROR", DigOutput.Status(dig.Stdout));
        Assert.Contains("(TCP)", dig.Stdout, StringComparison.Ordinal);
        Assert.Equal("2001:db8::10", DigOutput.Answers(dig.Stdout).Single()[4]);
        Assert.Contains("2001:db8::10", kdig.Stdout, StringComparison.Ordinal);
        Assert.Contains("TCP", kdig.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tcp_PipelinedQueriesOnOneConnection_AllAnswered()
    {
        // kdig sends every query of one invocation over the same TCP connection (RFC 7766 pipelining).
        var names = Enumerable.Range(0, 20).Select(i => $"h{i}.test").ToArray();
        var result = await Processes.RunAsync("kdig", ["@127.0.0.1", "-p", Appliance.DnsPort.ToString(), "+tcp", "+keepopen", .. names]);

        for (var i = 0; i < names.Length; i++)
        {
            Assert.Contains($"192.0.2.{100 + i}", result.Stdout, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Edns_QueryWithOpt_AnswersWith1232AndEchoesDo()
    {
        var withDo = await Appliance.DigAsync("+dnssec", "+bufsize=4096", "www.test");
        var without = await Appliance.DigAsync("+noedns", "www.test");

        Assert.Contains("udp: 1232", withDo.Stdout, StringComparison.Ordinal);   // we advertise 1232, not the client's 4096
        Assert.Contains("flags: do;", withDo.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("OPT PSEUDOSECTION", without.Stdout, StringComparison.Ordinal);
        Assert.Equal("NOERROR", DigOutput.Status(without.Stdout));
    }

    [Fact]
    public async Task Case0x20_MixedCaseQuestion_CopiedIntoAnswer()
    {
        await Appliance.DigAsync("www.test");   // make sure the lower-case form is cached first
        var result = await Appliance.DigAsync("wWw.TeSt", "A");

        Assert.Contains(";wWw.TeSt.\t", result.Stdout, StringComparison.Ordinal);
        Assert.Equal("wWw.TeSt.", DigOutput.Answers(result.Stdout).Single()[0]);
    }

    [Fact]
    public async Task Truncation_LargeAnswer_TcOverUdpThenWholeOverTcp()
    {
        var fallbacksBefore = await Appliance.CounterAsync("tcpFallbacks");

        var udp = await Appliance.DigAsync("+ignore", "big.test", "TXT");
        var retried = await Appliance.DigAsync("big.test", "TXT");   // dig retries over TCP on TC
        var tcp = await Appliance.KdigAsync("+tcp", "big.test", "TXT");

        Assert.True(DigOutput.HasFlag(udp.Stdout, "tc"), udp.Stdout);
        Assert.Equal(0, DigOutput.AnswerCount(udp.Stdout));
        Assert.Equal(Nsd.BigTxtRecords, DigOutput.AnswerCount(retried.Stdout));
        Assert.Equal(Nsd.BigTxtRecords, DigOutput.AnswerCount(tcp.Stdout));

        // The appliance itself got a TC answer from NSD over UDP (1232-byte buffer) and retried over TCP,
        // unless an earlier test already cached the name.
        var fallbacksAfter = await Appliance.CounterAsync("tcpFallbacks");
        Assert.True(fallbacksAfter >= 1 && fallbacksAfter >= fallbacksBefore, $"tcpFallbacks {fallbacksBefore} -> {fallbacksAfter}");
    }

    [Fact]
    public async Task Negative_NxDomain_AnsweredWithSoaAndCached()
    {
        var first = await Appliance.DigAsync("does-not-exist.test");
        var hitsBefore = await Appliance.CounterAsync("cacheHits");
        var second = await Appliance.DigAsync("does-not-exist.test");
        var hitsAfter = await Appliance.CounterAsync("cacheHits");

        Assert.Equal("NXDOMAIN", DigOutput.Status(first.Stdout));
        Assert.Contains("SOA", first.Stdout, StringComparison.Ordinal);
        Assert.Equal("NXDOMAIN", DigOutput.Status(second.Stdout));
        Assert.True(hitsAfter > hitsBefore, "the second NXDOMAIN should come from the negative cache (RFC 2308)");
    }

    [Fact]
    public async Task Cache_SecondQuery_AnsweredFromCacheWithLowerOrEqualTtl()
    {
        var first = await Appliance.DigAsync("alias.test");
        var hitsBefore = await Appliance.CounterAsync("cacheHits");
        await Task.Delay(1_100);
        var second = await Appliance.DigAsync("alias.test");
        var hitsAfter = await Appliance.CounterAsync("cacheHits");

        Assert.True(hitsAfter > hitsBefore);
        var ttl1 = int.Parse(DigOutput.Answers(first.Stdout)[0][1]);
        var ttl2 = int.Parse(DigOutput.Answers(second.Stdout)[0][1]);
        Assert.True(ttl2 < ttl1, $"cached TTL should count down: {ttl1} then {ttl2}");
        Assert.Equal("CNAME", DigOutput.Answers(second.Stdout)[0][3]);
    }

    [Theory]
    [InlineData("use-application-dns.net", "A", "NXDOMAIN")]
    [InlineData("MASK.icloud.com", "AAAA", "NXDOMAIN")]
    [InlineData("mask-h2.icloud.com", "A", "NXDOMAIN")]
    [InlineData("_dns.resolver.arpa", "SVCB", "NOERROR")]
    public async Task Canary_CircumventionNames_AnsweredLocallyWithSoaAndEde17(string name, string type, string status)
    {
        var result = await Appliance.DigAsync(name, type);

        Assert.Equal(status, DigOutput.Status(result.Stdout));
        Assert.Equal(0, DigOutput.AnswerCount(result.Stdout));
        Assert.Contains("SOA\tblocked.appliance.invalid.", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("EDE: 17 (Filtered)", result.Stdout, StringComparison.Ordinal);
    }
}
