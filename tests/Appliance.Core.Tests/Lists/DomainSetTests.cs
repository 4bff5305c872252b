using Appliance.Core.Lists;

namespace Appliance.Core.Tests.Lists;

public sealed class DomainSetTests
{
    private static readonly ulong Drugs = Categories.Bit(Category.Drugs);
    private static readonly ulong Gambling = Categories.Bit(Category.Gambling);
    private static readonly ulong Malware = Categories.Bit(Category.Malware);

    private static DomainSet Sample()
    {
        var builder = new DomainSetBuilder();
        builder.Add("bad.example", Drugs);
        builder.Add("bets.example", Gambling);
        builder.Add("bets.example", Malware);             // listed twice: masks merge
        builder.Add("only-this.example", Malware, exactOnly: true);
        builder.Add("Mixed.CASE.example", Drugs);
        return builder.Build();
    }

    private static byte[] Wire(string name) => TestNames.Wire(name);

    [Theory]
    [InlineData("bad.example", 1UL << (int)Category.Drugs)]
    [InlineData("www.bad.example", 1UL << (int)Category.Drugs)]              // subdomains match
    [InlineData("a.b.c.BAD.Example", 1UL << (int)Category.Drugs)]            // any depth, any case
    [InlineData("notbad.example", 0UL)]                                      // a label boundary, not a string suffix
    [InlineData("example", 0UL)]                                             // parents do not match
    [InlineData("bets.example", (1UL << (int)Category.Gambling) | (1UL << (int)Category.Malware))]
    [InlineData("only-this.example", 1UL << (int)Category.Malware)]
    [InlineData("sub.only-this.example", 0UL)]                               // exact-only entry
    [InlineData("mixed.case.example", 1UL << (int)Category.Drugs)]
    public void Match_Names_ExpectedMask(string name, ulong expected)
    {
        using var set = Sample();
        Assert.Equal(expected, set.Match(Wire(name)));
        Assert.Equal(expected, set.MatchText(name));
    }

    [Fact]
    public void Match_ExactAndSubdomainEntriesForOneName_BothApply()
    {
        var builder = new DomainSetBuilder();
        builder.Add("site.example", Drugs, exactOnly: true);
        builder.Add("site.example", Gambling);
        using var set = builder.Build();

        Assert.Equal(Drugs | Gambling, set.MatchText("site.example"));
        Assert.Equal(Gambling, set.MatchText("www.site.example"));
    }

    [Fact]
    public void Match_EmptySetAndMalformedWireNames_NoMatchNoThrow()
    {
        using var set = Sample();
        Assert.Equal(0UL, DomainSet.Empty.Match(Wire("bad.example")));
        Assert.Equal(0UL, set.Match([]));
        Assert.Equal(0UL, set.Match([3, (byte)'b', (byte)'a']));             // runs out
        Assert.Equal(0UL, set.Match([64, 0]));                               // label too long
        Assert.Equal(0UL, set.Match(Wire("bad.example").AsSpan(0, 12)));      // no root label
    }

    [Fact]
    public void Match_Allocates_Nothing()
    {
        using var set = Sample();
        var name = Wire("deep.sub.www.bad.example");
        set.Match(name);
        var before = GC.GetAllocatedBytesForCurrentThread();
        ulong sink = 0;
        for (var i = 0; i < 100_000; i++)
        {
            sink |= set.Match(name);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(Drugs, sink);
    }

    [Fact]
    public void Build_ManyNames_AllFoundAboutElevenBytesEach()
    {
        var builder = new DomainSetBuilder();
        for (var i = 0; i < 200_000; i++)
        {
            builder.Add($"host{i}.zone{i % 97}.example", 1UL << (i % 17));
        }

        using var set = builder.Build();

        Assert.Equal(200_000, set.Count);
        Assert.InRange(set.SizeBytes / (double)set.Count, 10, 12);
        for (var i = 0; i < 200_000; i += 997)
        {
            Assert.Equal(1UL << (i % 17), set.MatchText($"www.host{i}.zone{i % 97}.example"));
        }

        Assert.Equal(0UL, set.MatchText("host200001.zone1.example"));
    }
}
