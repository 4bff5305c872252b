using Appliance.Core.Events;
using Appliance.Core.Identity;
using Appliance.Core.Lists;
using Appliance.Core.Net;
using Appliance.Core.Policy;
using Appliance.Dns.Tests.Support;
using Appliance.Protocols;
using Appliance.Protocols.Dns;

namespace Appliance.Dns.Tests.Resolution;

/// <summary>The answers policy shapes: safe search rewrites, CNAME-target blocks, statutory redaction, identity groups.</summary>
public sealed class PolicyAnswerTests
{
    private static readonly PolicyDocument TwoGroups = new()
    {
        Groups =
        [
            new GroupDefinition { Name = "default", BlockedCategories = ["all"] },
            new GroupDefinition { Name = "staff", SafeSearch = false, YouTube = "off" },
        ],
    };

    private static PolicyEngine Engine(string? blocked = null, string? statutory = null)
    {
        var lists = new DomainSetBuilder();
        if (blocked is not null)
        {
            lists.Add(blocked, Categories.Bit(Category.Drugs));
        }

        var locked = new DomainSetBuilder();
        if (statutory is not null)
        {
            locked.Add(statutory, Categories.Bit(Category.StatutoryIwf));
        }

        return new PolicyEngine(PolicyCompiler.Compile(TwoGroups, new PolicyLists(lists.Build(), DomainSet.Empty, locked.Build()), 1));
    }

    private static List<(string Owner, ushort Type, byte[] Data)> Answers(byte[] message, out DnsHeader header)
    {
        var reader = new DnsMessageReader(message);
        Assert.Equal(ParseStatus.Ok, reader.ReadHeader(out header));
        Assert.Equal(ParseStatus.Ok, reader.ReadQuestion(out _));
        var records = new List<(string, ushort, byte[])>();
        var name = new byte[256];
        for (var i = 0; i < header.AnswerCount; i++)
        {
            Assert.Equal(ParseStatus.Ok, reader.ReadRecord(out var r));
            Assert.Equal(ParseStatus.Ok, DnsName.TryExpand(message, r.Offset, name, out _, out var n));
            var data = r.Type == DnsType.CName && DnsName.TryExpand(message, r.RDataOffset, name.AsSpan(128), out _, out var m) == ParseStatus.Ok
                ? name.AsSpan(128, m).ToArray()
                : message.AsSpan(r.RDataOffset, r.RDataLength).ToArray();
            records.Add((DnsName.ToDisplayString(name.AsSpan(0, n)), r.Type, data));
        }

        return records;
    }

    private static List<QueryEvent> Drain(EventRing<QueryEvent> ring)
    {
        var events = new List<QueryEvent>();
        while (ring.TryRead(out var e))
        {
            events.Add(e);
        }

        return events;
    }

    private static void WaitFor(Func<bool> condition)
    {
        for (var i = 0; i < 300 && !condition(); i++)
        {
            Thread.Sleep(10);
        }

        Assert.True(condition());
    }

    [Fact]
    public void SafeSearch_Warmed_AnsweredWithCnameAndTheTargetsAddresses()
    {
        using var upstream = new CannedUpstream();
        using var resolver = new InProcessResolver(upstream, policy: Engine());
        resolver.Server.WarmSafeSearch();
        WaitFor(() => resolver.Server.Cache.Count >= SafeSearch.Targets.Count() * 2);

        var answer = resolver.Ask(Messages.Query("WWW.Google.co.uk"));

        var records = Answers(answer, out var header);
        Assert.Equal(DnsRcode.NoError, header.Rcode);
        Assert.Equal(2, records.Count);
        Assert.Equal(("WWW.Google.co.uk.", DnsType.CName), (records[0].Owner, records[0].Type));
        Assert.Equal(Messages.Name("forcesafesearch.google.com"), records[0].Data);
        Assert.Equal(("forcesafesearch.google.com.", DnsType.A), (records[1].Owner, records[1].Type));
        Assert.Equal(Messages.A(192, 0, 2, 1), records[1].Data);
        Assert.Contains(upstream.Queries, q => q.AsSpan().IndexOf(Messages.Name("forcesafesearch.google.com")) > 0);
        Assert.DoesNotContain(upstream.Queries, q => q.AsSpan().IndexOf(Messages.Name("www.google.co.uk")) > 0);
        var e = Assert.Single(Drain(resolver.Events), e => e.Reason == ReasonCode.DnsSafeSearch);
        Assert.True(e.Flags.HasFlag(QueryEventFlags.CacheHit));
    }

    [Fact]
    public void SafeSearch_NotYetWarm_ServFailNotReady_ThenEnforcedOnRetry()
    {
        using var upstream = new CannedUpstream();
        using var resolver = new InProcessResolver(upstream, policy: Engine());

        var first = resolver.Ask(Messages.Query("www.youtube.com"));
        Answers(first, out var header);
        Assert.Equal(DnsRcode.ServFail, header.Rcode);
        WaitFor(() => resolver.Server.Cache.Count >= 1);
        var second = resolver.Ask(Messages.Query("www.youtube.com"));

        var records = Answers(second, out _);
        Assert.Equal(Messages.Name("restrictmoderate.youtube.com"), records[0].Data);
        Assert.Equal(DnsType.A, records[1].Type);
    }

    [Fact]
    public void SafeSearch_HttpsRecord_NoData()
    {
        using var upstream = new CannedUpstream();
        using var resolver = new InProcessResolver(upstream, policy: Engine());

        var answer = resolver.Ask(Messages.Query("www.bing.com", DnsType.Https));

        Assert.Empty(Answers(answer, out var header));
        Assert.Equal(DnsRcode.NoError, header.Rcode);
        Assert.Equal(1, header.AuthorityCount);
        Assert.Equal(0, upstream.Answered);
    }

    [Fact]
    public void Identity_PlacesTheClientInItsGroup_StaffSearchUnfiltered()
    {
        using var upstream = new CannedUpstream();
        using var resolver = new InProcessResolver(upstream, policy: Engine(), identities: new EveryoneIs("staff"));

        var answer = resolver.Ask(Messages.Query("www.google.com"));

        var record = Assert.Single(Answers(answer, out _));
        Assert.Equal(DnsType.A, record.Type);   // forwarded as asked, no rewrite
        Assert.Equal(1, upstream.Answered);
        WaitFor(() => resolver.Events.Written >= 1);   // a forwarded answer's event follows its reply
        Assert.Equal(1, Assert.Single(Drain(resolver.Events)).Group);
    }

    [Fact]
    public void CnameToABlockedName_BlockedWhenForwarded_AndWhenCached()
    {
        var script = (byte[] q) => new[]
        {
            Messages.Answer(q, DnsRcode.NoError, [(DnsType.CName, 300, Messages.Name("cdn.pills.example")), (DnsType.A, 300, Messages.A(192, 0, 2, 7))]),
        };
        using var upstream = new CannedUpstream(script: script);
        using var resolver = new InProcessResolver(upstream, policy: Engine(blocked: "pills.example"));

        foreach (var attempt in new[] { "forwarded", "cached" })
        {
            var answer = resolver.Ask(Messages.Query("innocent.example"));
            var record = Assert.Single(Answers(answer, out _));
            Assert.True(record.Type == DnsType.A && record.Data.SequenceEqual(new byte[4]), attempt);
        }

        Assert.Equal(1, upstream.Answered);
        WaitFor(() => resolver.Events.Written >= 2);
        var events = Drain(resolver.Events);
        Assert.Equal(2, events.Count(e => e.Reason == ReasonCode.DnsBlockedCnameTarget && e.Flags.HasFlag(QueryEventFlags.Blocked)));
        Assert.All(events, e => Assert.Equal(Categories.Bit(Category.Drugs), e.Categories));
    }

    [Fact]
    public void CnameToABlockedName_AllowedForAGroupThatDoesNotBlockIt()
    {
        var script = (byte[] q) => new[] { Messages.Answer(q, DnsRcode.NoError, [(DnsType.CName, 300, Messages.Name("pills.example"))]) };
        using var upstream = new CannedUpstream(script: script);
        using var resolver = new InProcessResolver(upstream, policy: Engine(blocked: "pills.example"), identities: new EveryoneIs("staff"));

        var record = Assert.Single(Answers(resolver.Ask(Messages.Query("innocent.example")), out _));

        Assert.Equal(DnsType.CName, record.Type);
    }

    [Fact]
    public void Statutory_Blocked_AndTheLoggedNameIsAKeyedHash_NeverTheName()
    {
        using var upstream = new CannedUpstream();
        var key = StatutoryRedaction.NewKey();
        using var resolver = new InProcessResolver(upstream, configure: o => o with { StatutoryLogKey = key }, policy: Engine(statutory: "abuse.example"));

        var answer = resolver.Ask(Messages.Query("img.abuse.example"));

        Assert.Equal(Messages.A(0, 0, 0, 0), Assert.Single(Answers(answer, out _)).Data);
        var e = Assert.Single(Drain(resolver.Events));
        Assert.Equal(ReasonCode.DnsBlockedStatutory, e.Reason);
        var logged = DnsName.ToDisplayString(e.WireName);
        Assert.DoesNotContain("abuse", logged, StringComparison.Ordinal);
        Assert.Matches("^h-[0-9a-f]{24}\\.statutory-iwf\\.statutory\\.invalid\\.$", logged);

        // Whoever holds the key can check a suspected name against the record; nobody else can.
        var expected = new byte[256];
        var n = StatutoryRedaction.Write(key, Messages.Name("img.abuse.example"), Categories.Bit(Category.StatutoryIwf), expected);
        Assert.Equal(expected[..n], e.WireName.ToArray());
        Assert.Equal(0, upstream.Answered);
    }

    [Fact]
    public void HttpsAnswer_EchStrippedBeforeCachingAndSending()
    {
        // ech=01020304 then ipv6hint; the resolver must pass the record on without the ech parameter.
        var rdata = Convert.FromHexString("0001" + "00" + "0005" + "0004" + "01020304" + "0006" + "0010" + "20010db8000000000000000000000001");
        var script = (byte[] q) => new[] { Messages.Answer(q, DnsRcode.NoError, [(DnsType.Https, 300, rdata)]) };
        using var upstream = new CannedUpstream(script: script);
        using var resolver = new InProcessResolver(upstream, policy: Engine());

        foreach (var attempt in new[] { "forwarded", "cached" })
        {
            var record = Assert.Single(Answers(resolver.Ask(Messages.Query("site.example", DnsType.Https)), out _));
            Assert.Equal(Convert.FromHexString("0001" + "00" + "0006" + "0010" + "20010db8000000000000000000000001"), record.Data);
        }

        Assert.Equal(1, resolver.Server.Counters.Snapshot().EchStripped);
    }

    private sealed class EveryoneIs(string group) : IIdentityMap
    {
        public bool TryResolve(in ClientAddress client, out ClientIdentity identity)
        {
            identity = new ClientIdentity("someone", group);
            return true;
        }
    }
}
