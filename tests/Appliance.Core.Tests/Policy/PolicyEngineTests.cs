using System.Net;
using Appliance.Core.Lists;
using Appliance.Core.Net;
using Appliance.Core.Policy;

namespace Appliance.Core.Tests.Policy;

public sealed class PolicyEngineTests
{
    private static readonly ulong Drugs = Categories.Bit(Category.Drugs);
    private static readonly ulong Games = Categories.Bit(Category.Games);

    private static byte[] Wire(string name) => TestNames.Wire(name);

    private static Verdict Decide(PolicyEngine engine, string name)
    {
        var client = ClientAddress.FromEndPoint(new IPEndPoint(IPAddress.Parse("192.0.2.10"), 1234));
        return engine.Decide(new RequestFacts(Wire(name), 1, client, RequestSource.DnsUdp, DateTimeOffset.UnixEpoch));
    }

    private static PolicyEngine Engine(ulong blockedCategories = ulong.MaxValue)
    {
        var blocked = new DomainSetBuilder();
        blocked.Add("pills.example", Drugs);
        blocked.Add("arcade.example", Games);
        var exceptions = new DomainSetBuilder();
        exceptions.Add("help.pills.example", Drugs);
        return new PolicyEngine(new PolicySnapshot(1, blocked.Build(), exceptions.Build(), blockedCategories));
    }

    [Fact]
    public void Decide_ListedName_BlockedWithCategoryAndReason()
    {
        var verdict = Decide(Engine(), "www.pills.example");

        Assert.True(verdict.IsBlocked);
        Assert.Equal(ReasonCode.DnsBlockedCategory, verdict.Reason);
        Assert.Equal(Drugs, verdict.Categories);
    }

    [Fact]
    public void Decide_ExceptedName_Allowed() => Assert.False(Decide(Engine(), "help.pills.example").IsBlocked);

    [Fact]
    public void Decide_CategoryNotBlocked_Allowed()
    {
        var engine = Engine(blockedCategories: Drugs);
        Assert.False(Decide(engine, "arcade.example").IsBlocked);
        Assert.True(Decide(engine, "pills.example").IsBlocked);
    }

    [Fact]
    public void Decide_UnlistedName_AllowedDefault() => Assert.Equal(Verdict.AllowDefault, Decide(Engine(), "school.example"));

    [Theory]
    [InlineData("use-application-dns.net", VerdictAction.NxDomain)]
    [InlineData("mask.icloud.com", VerdictAction.NxDomain)]
    [InlineData("mask-h2.icloud.com", VerdictAction.NxDomain)]
    [InlineData("_dns.resolver.arpa", VerdictAction.NoData)]
    public void Decide_CircumventionCanary_AnsweredSoTheBypassStaysOff(string name, VerdictAction expected)
    {
        var verdict = Decide(new PolicyEngine(), name);

        Assert.Equal(expected, verdict.Action);
        Assert.Equal(ReasonCode.DnsCircumventionCanary, verdict.Reason);
    }

    [Theory]
    [InlineData("www.use-application-dns.net")]   // exact names only
    [InlineData("icloud.com")]
    [InlineData("resolver.arpa")]
    public void Decide_NearCanaryNames_Allowed(string name) => Assert.False(Decide(new PolicyEngine(), name).IsBlocked);

    [Fact]
    public void Swap_NewSnapshot_TakesEffectForTheNextDecision()
    {
        var engine = new PolicyEngine();
        Assert.False(Decide(engine, "pills.example").IsBlocked);
        engine.Swap(Engine().Snapshot);
        Assert.True(Decide(engine, "pills.example").IsBlocked);
    }
}
