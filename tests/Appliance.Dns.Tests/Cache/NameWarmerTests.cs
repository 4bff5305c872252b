using Appliance.Core.Net;
using Appliance.Dns.Tests.Support;
using Appliance.Protocols.Dns;
using Microsoft.Extensions.Time.Testing;

namespace Appliance.Dns.Tests.Cache;

/// <summary>
/// Keeping a lesson's hosts warm (issue 9): missing, expired and nearly expired answers are looked up, fresh ones are
/// left alone, and a warmed name is then answered from the cache with no upstream query. Real sockets to a canned
/// upstream on loopback; the cache's clock is a <see cref="FakeTimeProvider"/>.
/// </summary>
public sealed class NameWarmerTests : IDisposable
{
    private readonly FakeTimeProvider _time = new();
    private readonly CannedUpstream _upstream = new(script: AnswerInKind);
    private readonly InProcessResolver _resolver;

    public NameWarmerTests() => _resolver = new InProcessResolver(_upstream, _time);

    public void Dispose()
    {
        _resolver.Dispose();
        _upstream.Dispose();
    }

    // A and AAAA, each answered in its own type with TTL 100 (the canned upstream's default answers only A).
    private static byte[][] AnswerInKind(byte[] query)
    {
        var reader = new DnsMessageReader(query);
        reader.ReadHeader(out _);
        reader.ReadQuestion(out var question);
        var data = question.Type == DnsType.Aaaa ? new byte[] { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 } : Messages.A(192, 0, 2, 1);
        return [Messages.Answer(query, DnsRcode.NoError, [(question.Type, 100, data)])];
    }

    private static void WaitForAnswers(CannedUpstream upstream, InProcessResolver resolver, int answered)
    {
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while ((upstream.Answered < answered || resolver.Server.Forwarder.InFlight > 0) && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(10);   // real sockets: wait for the lookups to be answered and stored
        }

        Assert.Equal(answered, upstream.Answered);
        Assert.Equal(0, resolver.Server.Forwarder.InFlight);
    }

    // A slow upstream: its lookups stay out until released.
    private static CannedUpstream HeldUpstream(ManualResetEventSlim release) => new(script: query =>
    {
        release.Wait(TimeSpan.FromSeconds(5));
        return AnswerInKind(query);
    });

    private long CacheHits() => _resolver.Server.Counters.Snapshot().CacheHits;

    // lesson.example's A and AAAA looked up and stored at the fake clock's now, TTL 100 s.
    private void WarmOnce()
    {
        Assert.Equal(2, _resolver.Server.KeepWarm(["lesson.example"]));
        WaitForAnswers(_upstream, _resolver, 2);
    }

    [Fact]
    public void KeepWarm_UnknownName_LooksUpAAndAaaa_ThenClientsAreAnsweredFromTheCache()
    {
        INameWarmer warmer = _resolver.Server;

        Assert.Equal(2, warmer.KeepWarm(["Lesson.Example"]));
        WaitForAnswers(_upstream, _resolver, 2);

        var hits = CacheHits();
        var a = _resolver.Ask(Messages.Query("lesson.example"));
        var aaaa = _resolver.Ask(Messages.Query("LESSON.example", DnsType.Aaaa));
        Assert.Equal(hits + 2, CacheHits());
        Assert.Equal(2, _upstream.Answered);   // nothing more went upstream
        Assert.True(a.AsSpan().IndexOf(Messages.A(192, 0, 2, 1)) > 0);
        Assert.True(aaaa.AsSpan().IndexOf((byte[])[0x20, 0x01, 0x0d, 0xb8]) > 0);
    }

    [Fact]
    public void KeepWarm_FreshAnswers_LeftAlone()
    {
        WarmOnce();

        _time.Advance(TimeSpan.FromSeconds(74));   // 26 s of 100 left: more than a quarter
        Assert.Equal(0, _resolver.Server.KeepWarm(["lesson.example", "=lesson.example"]));
        Assert.Equal(2, _upstream.Answered);
    }

    [Fact]
    public void KeepWarm_LessThanAQuarterOfTheTtlLeft_Refreshed_AndServesPastTheOldExpiry()
    {
        WarmOnce();

        _time.Advance(TimeSpan.FromSeconds(76));   // 24 s of 100 left
        Assert.Equal(2, _resolver.Server.KeepWarm(["lesson.example"]));
        WaitForAnswers(_upstream, _resolver, 4);

        _time.Advance(TimeSpan.FromSeconds(30));   // past the first answers' expiry: the refreshed ones serve
        var hits = CacheHits();
        _resolver.Ask(Messages.Query("lesson.example"));
        Assert.Equal(hits + 1, CacheHits());
        Assert.Equal(4, _upstream.Answered);
    }

    [Fact]
    public void KeepWarm_ExpiredAnswers_Refreshed()
    {
        WarmOnce();

        _time.Advance(TimeSpan.FromSeconds(500));   // expired, still kept to serve stale (RFC 8767)
        Assert.Equal(2, _resolver.Server.KeepWarm(["lesson.example"]));
        WaitForAnswers(_upstream, _resolver, 4);
    }

    [Fact]
    public void KeepWarm_InvalidNames_SkippedNotThrown_ValidOnesStillWarmed()
    {
        string[] names = ["", "   ", "http://lesson.example/page", "192.0.2.7", "bad..name", "localhost", new string('a', 300), "=Exact.Example."];

        Assert.Equal(2, _resolver.Server.KeepWarm(names));
        WaitForAnswers(_upstream, _resolver, 2);
        Assert.All(_upstream.Queries, q => Assert.True(q.AsSpan().IndexOf(Messages.Name("exact.example")) > 0));
    }

    [Fact]
    public void KeepWarm_LookupAlreadyOnItsWay_NotLaunchedTwice()
    {
        using var release = new ManualResetEventSlim();
        using var upstream = HeldUpstream(release);
        using var resolver = new InProcessResolver(upstream);

        Assert.Equal(2, resolver.Server.KeepWarm(["slow.example"]));
        Assert.Equal(0, resolver.Server.KeepWarm(["slow.example"]));
        release.Set();
        WaitForAnswers(upstream, resolver, 2);
    }

    [Fact]
    public void KeepWarm_ManyNames_LeavesThreeQuartersOfTheSlotsForClients()
    {
        using var release = new ManualResetEventSlim();
        using var upstream = HeldUpstream(release);
        using var resolver = new InProcessResolver(upstream, configure: o => o with { MaxInFlight = 64 });

        var launched = resolver.Server.KeepWarm([.. Enumerable.Range(0, 100).Select(i => $"site{i}.lesson.example")]);

        Assert.Equal(16, launched);   // a quarter of 64 slots; 48 stay free for clients' queries
        Assert.Equal(16, resolver.Server.Forwarder.InFlight);
        release.Set();
        WaitForAnswers(upstream, resolver, 16);
        var answer = resolver.Ask(Messages.Query("client.example"));
        Assert.Equal(DnsRcode.NoError, (DnsRcode)(answer[3] & 0x0F));
    }
}
