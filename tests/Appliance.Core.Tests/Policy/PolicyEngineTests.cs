using System.Net;
using Appliance.Core.Identity;
using Appliance.Core.Lists;
using Appliance.Core.Net;
using Appliance.Core.Policy;
using Appliance.Protocols.Dns;

namespace Appliance.Core.Tests.Policy;

/// <summary>Every precedence rule of DESIGN §5, on a school's policy with real-looking groups and lists.</summary>
public sealed class PolicyEngineTests
{
    private static readonly ulong Drugs = Categories.Bit(Category.Drugs);
    private static readonly ulong Games = Categories.Bit(Category.Games);
    private static readonly ulong Social = Categories.Bit(Category.SocialMedia);
    private static readonly ulong Malware = Categories.Bit(Category.Malware);
    private static readonly ulong Iwf = Categories.Bit(Category.StatutoryIwf);

    // A Wednesday in term, mid-morning (GMT).
    private static readonly DateTimeOffset Lesson = new(2026, 11, 25, 10, 0, 0, TimeSpan.Zero);

    internal static PolicyDocument School { get; } = new()
    {
        DefaultGroup = "guest",
        Groups =
        [
            new GroupDefinition { Name = "guest", BlockedCategories = ["all"] },
            new GroupDefinition
            {
                Name = "secondary",
                BlockedCategories = ["drugs", "social-media", "malware"],
                Allow = ["wiki.pills.example", "=evil-but-allowed.example"],
                Deny = ["=chess.example"],
                YouTube = "strict",
                Schedules = [new ScheduleDefinition { Name = "lessons", Days = ["weekdays"], From = "09:00", To = "15:00", When = "term", Block = ["games"] }],
            },
            new GroupDefinition
            {
                Name = "staff",
                BlockedCategories = ["drugs"],
                SafeSearch = false,
                YouTube = "off",
                Allow = ["pills.example"],
            },
        ],
        Subnets =
        [
            new SubnetDefinition { Subnet = "10.20.0.0/16", Group = "secondary" },
            new SubnetDefinition { Subnet = "10.20.99.0/24", Group = "staff" },
            new SubnetDefinition { Subnet = "2001:db8:5::/48", Group = "staff" },
        ],
        Terms = [new TermDefinition { Name = "Autumn", Start = "2026-09-03", End = "2026-12-18" }],
    };

    internal static PolicyLists Lists()
    {
        var blocked = new DomainSetBuilder();
        blocked.Add("pills.example", Drugs);
        blocked.Add("arcade.example", Games);
        blocked.Add("chess.example", 0);   // listed in no blocked category
        blocked.Add("friends.example", Social);
        blocked.Add("evil-but-allowed.example", Malware);
        var exceptions = new DomainSetBuilder();
        exceptions.Add("help.pills.example", Drugs);
        var statutory = new DomainSetBuilder();
        statutory.Add("abuse.example", Iwf);
        return new PolicyLists(blocked.Build(), exceptions.Build(), statutory.Build());
    }

    private static readonly PolicySnapshot Snapshot = PolicyCompiler.Compile(School, Lists(), 1);

    internal static Verdict Decide(PolicySnapshot snapshot, string name, string client = "10.20.1.5", DateTimeOffset? at = null,
        ushort type = DnsType.A, string? identityGroup = null)
    {
        var address = ClientAddress.FromEndPoint(new IPEndPoint(IPAddress.Parse(client), 1234));
        var identity = new ClientIdentity(identityGroup is null ? null : "user", identityGroup);
        return PolicyEngine.Decide(snapshot, new RequestFacts(TestNames.Wire(name), type, address, RequestSource.DnsUdp, at ?? Lesson, identity));
    }

    private static Verdict Decide(string name, string client = "10.20.1.5", DateTimeOffset? at = null, ushort type = DnsType.A, string? identityGroup = null)
        => Decide(Snapshot, name, client, at, type, identityGroup);

    [Fact]
    public void Deciding_allocates_nothing_for_any_outcome()
    {
        // Every branch of the precedence, decided repeatedly: a category block once allocated a closure per call.
        var address = ClientAddress.FromEndPoint(new IPEndPoint(IPAddress.Parse("10.20.1.5"), 1234));
        var names = new[] { "img.abuse.example", "evil-but-allowed.example", "pills.example", "arcade.example", "chess.example", "www.google.com", "bbc.co.uk" }
            .Select(TestNames.Wire).ToArray();
        ulong sink = 0;
        void Round()
        {
            foreach (var name in names)
            {
                sink ^= PolicyEngine.Decide(Snapshot, new RequestFacts(name, DnsType.A, address, RequestSource.DnsUdp, Lesson)).Categories;
            }
        }

        Round();
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1_000; i++)
        {
            Round();
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        GC.KeepAlive(sink);
    }

    [Fact]
    public void Statutory_BlockedForEveryGroup_EvenWithAnAllowEntry()
    {
        var withAllow = PolicyCompiler.Compile(
            School with { Groups = [.. School.Groups.Select(g => g with { Allow = [.. g.Allow, "abuse.example"] })] }, Lists(), 2);
        foreach (var client in new[] { "10.20.1.5", "10.20.99.5", "192.0.2.1" })
        {
            var verdict = Decide(withAllow, "img.abuse.example", client);
            Assert.Equal(VerdictAction.Block, verdict.Action);
            Assert.Equal(ReasonCode.DnsBlockedStatutory, verdict.Reason);
            Assert.Equal(Iwf, verdict.Categories);
        }
    }

    [Fact]
    public void Security_BlockedAboveAnAllowEntry()
    {
        var verdict = Decide("evil-but-allowed.example");
        Assert.Equal(ReasonCode.DnsBlockedSecurity, verdict.Reason);
        Assert.Equal(Malware, verdict.Categories);
    }

    [Fact]
    public void AllowEntry_OverridesTheGroupsCategory_AndCoversSubdomains()
    {
        Assert.Equal(ReasonCode.DnsBlockedCategory, Decide("www.pills.example").Reason);
        var allowed = Decide("en.wiki.pills.example");
        Assert.Equal(VerdictAction.Allow, allowed.Action);
        Assert.Equal(ReasonCode.DnsAllowedCustom, allowed.Reason);
    }

    [Fact]
    public void AllowEntry_AppliesOnlyToItsGroup()
    {
        Assert.Equal(ReasonCode.DnsAllowedCustom, Decide("pills.example", client: "10.20.99.7").Reason);   // staff
        Assert.True(Decide("pills.example", client: "192.0.2.1").IsBlocked);                            // guest
    }

    [Fact]
    public void DenyEntry_ExactOnly_BlocksTheNameNotItsSubdomains()
    {
        Assert.Equal(ReasonCode.DnsBlockedCustom, Decide("chess.example").Reason);
        Assert.False(Decide("www.chess.example").IsBlocked);
        Assert.False(Decide("chess.example", client: "10.20.99.7").IsBlocked);
    }

    [Fact]
    public void ListException_LiftsTheListsEntry() => Assert.False(Decide("help.pills.example", client: "192.0.2.1").IsBlocked);

    [Fact]
    public void Categories_ArePerGroup()
    {
        Assert.True(Decide("friends.example").IsBlocked);                          // secondary blocks social media
        Assert.False(Decide("friends.example", client: "10.20.99.7").IsBlocked);  // staff does not
        Assert.True(Decide("friends.example", client: "192.0.2.1").IsBlocked);     // guest blocks all
    }

    [Fact]
    public void Schedule_BlocksGamesOnlyInLessonTime()
    {
        var verdict = Decide("arcade.example");
        Assert.Equal(ReasonCode.DnsBlockedSchedule, verdict.Reason);
        Assert.Equal(Games, verdict.Categories);
        Assert.False(Decide("arcade.example", at: Lesson.AddHours(6)).IsBlocked);   // 16:00
    }

    [Fact]
    public void Group_LongestSubnetWins_AndUnknownClientsGetTheDefault()
    {
        Assert.Equal("secondary", Snapshot.Groups[Decide("x.example").Group].Name);
        Assert.Equal("staff", Snapshot.Groups[Decide("x.example", client: "10.20.99.1").Group].Name);
        Assert.Equal("staff", Snapshot.Groups[Decide("x.example", client: "2001:db8:5:1::9").Group].Name);
        Assert.Equal("guest", Snapshot.Groups[Decide("x.example", client: "192.0.2.1").Group].Name);
        Assert.Equal("secondary", Snapshot.Groups[Decide("x.example", client: "::ffff:10.20.1.1").Group].Name);
    }

    [Fact]
    public void Group_IdentityOutranksSubnet_UnknownIdentityGroupFallsBack()
    {
        Assert.Equal("staff", Snapshot.Groups[Decide("x.example", identityGroup: "Staff").Group].Name);
        Assert.Equal("secondary", Snapshot.Groups[Decide("x.example", identityGroup: "no-such-group").Group].Name);
    }

    [Theory]
    [InlineData("www.google.co.uk", SafeSearchTarget.Google)]
    [InlineData("www.google.com", SafeSearchTarget.Google)]
    [InlineData("www.bing.com", SafeSearchTarget.Bing)]
    [InlineData("duckduckgo.com", SafeSearchTarget.DuckDuckGo)]
    [InlineData("search.brave.com", SafeSearchTarget.Brave)]
    [InlineData("www.ecosia.org", SafeSearchTarget.Ecosia)]
    [InlineData("www.youtube.com", SafeSearchTarget.YouTubeStrict)]
    [InlineData("youtubei.googleapis.com", SafeSearchTarget.YouTubeStrict)]
    public void SafeSearch_RewritesEachEngine(string name, SafeSearchTarget target)
    {
        var verdict = Decide(name);
        Assert.Equal(VerdictAction.Rewrite, verdict.Action);
        Assert.Equal(target, verdict.Target);
    }

    [Fact]
    public void SafeSearch_OtherHostsOfTheEngine_Untouched()
    {
        Assert.Equal(VerdictAction.Allow, Decide("mail.google.com").Action);
        Assert.Equal(VerdictAction.Allow, Decide("google.com").Action);
    }

    [Fact]
    public void SafeSearch_HttpsRecords_NoData()
    {
        var verdict = Decide("www.google.com", type: DnsType.Https);
        Assert.Equal(VerdictAction.NoData, verdict.Action);
        Assert.Equal(ReasonCode.DnsSafeSearch, verdict.Reason);
    }

    [Fact]
    public void SafeSearch_YouTubeModeIsPerGroup()
    {
        Assert.Equal(SafeSearchTarget.YouTubeModerate, Decide("m.youtube.com", client: "192.0.2.1").Target);   // guest: default
        Assert.Equal(SafeSearchTarget.YouTubeStrict, Decide("m.youtube.com").Target);
        Assert.Equal(VerdictAction.Allow, Decide("m.youtube.com", client: "10.20.99.3").Action);                // staff: off
    }

    [Fact]
    public void SafeSearch_NotSwitchedOffByAnAllowEntry()
    {
        var withAllow = PolicyCompiler.Compile(
            School with { Groups = [.. School.Groups.Select(g => g with { Allow = [.. g.Allow, "google.com", "www.youtube.com"] })] }, Lists(), 2);
        Assert.Equal(VerdictAction.Rewrite, Decide(withAllow, "www.google.com").Action);
        Assert.Equal(ReasonCode.DnsYouTubeRestricted, Decide(withAllow, "www.youtube.com").Reason);
    }

    [Theory]
    [InlineData("use-application-dns.net", VerdictAction.NxDomain)]
    [InlineData("mask.icloud.com", VerdictAction.NxDomain)]
    [InlineData("mask-h2.icloud.com", VerdictAction.NxDomain)]
    [InlineData("_dns.resolver.arpa", VerdictAction.NoData)]
    public void Canary_AnsweredSoTheBypassStaysOff_ForEveryGroup(string name, VerdictAction expected)
    {
        foreach (var client in new[] { "10.20.1.5", "10.20.99.5", "192.0.2.1" })
        {
            var verdict = Decide(name, client);
            Assert.Equal(expected, verdict.Action);
            Assert.Equal(ReasonCode.DnsCircumventionCanary, verdict.Reason);
        }
    }

    [Theory]
    [InlineData("www.use-application-dns.net")]   // exact names only
    [InlineData("icloud.com")]
    [InlineData("resolver.arpa")]
    public void NearCanaryNames_Allowed(string name) => Assert.False(Decide(name).IsBlocked);

    [Fact]
    public void UnlistedName_AllowedDefault() => Assert.Equal(ReasonCode.DnsAllowedDefault, Decide("school.example").Reason);

    [Fact]
    public void Swap_NewSnapshot_TakesEffectForTheNextDecision()
    {
        var engine = new PolicyEngine();
        var client = ClientAddress.FromEndPoint(new IPEndPoint(IPAddress.Parse("10.20.1.5"), 1));
        var facts = new RequestFacts(TestNames.Wire("pills.example"), DnsType.A, client, RequestSource.DnsUdp, Lesson);
        Assert.False(engine.Decide(facts).IsBlocked);
        engine.Swap(Snapshot);
        Assert.True(engine.Decide(facts).IsBlocked);
    }

    [Fact]
    public void HttpsRecords_NoDataWhenConfigured_OtherwiseAllowed()
    {
        var nodata = PolicyCompiler.Compile(School with { HttpsRecords = "nodata" }, Lists(), 2);

        Assert.Equal(VerdictAction.Allow, Decide("school.example", type: DnsType.Https).Action);
        var verdict = Decide(nodata, "school.example", type: DnsType.Https);
        Assert.Equal((VerdictAction.NoData, ReasonCode.DnsHttpsRecordRefused), (verdict.Action, verdict.Reason));
        Assert.Equal(VerdictAction.Allow, Decide(nodata, "school.example").Action);
    }

    [Theory]
    [InlineData("dns.google")]
    [InlineData("mozilla.cloudflare-dns.com")]
    [InlineData("dns.nextdns.io")]
    [InlineData("abc123.dns.nextdns.io")]   // subdomains (NextDNS profiles) too
    public void DohResolvers_BuiltIn_InTheCircumventionCategory(string name)
    {
        var guest = Decide(name, client: "192.0.2.1");     // blocks all categories
        var staff = Decide(name, client: "10.20.99.1");    // blocks drugs only

        Assert.Equal(ReasonCode.DnsBlockedCategory, guest.Reason);
        Assert.Equal(Categories.Bit(Category.Circumvention), guest.Categories);
        Assert.False(staff.IsBlocked);
    }
}
