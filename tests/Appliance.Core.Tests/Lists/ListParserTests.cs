using Appliance.Core.Lists;

namespace Appliance.Core.Tests.Lists;

public sealed class ListParserTests
{
    private static readonly ulong Drugs = Categories.Bit(Category.Drugs);

    /// <summary>The real Block List Project lists in shared/data (Unlicense), beside the repository.</summary>
    private static string RealList(string file)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Appliance.sln")))
        {
            dir = dir.Parent;
        }

        var path = Path.GetFullPath(Path.Combine(dir!.FullName, "..", "shared", "data", "blocklists", "blocklistproject", file));
        Assert.True(File.Exists(path), $"test data missing: {path}");
        return path;
    }

    private static (ListParseReport Report, DomainSet Set, DomainSet Exceptions) Parse(string text, ListFormat format = ListFormat.Auto)
    {
        var blocks = new DomainSetBuilder();
        var exceptions = new DomainSetBuilder();
        var report = ListParser.Parse(new StringReader(text), "test", format, Drugs, blocks, exceptions);
        return (report, blocks.Build(), exceptions.Build());
    }

    [Fact]
    public void Parse_RealHostsAndDomainsEditionsOfOneList_SameNames()
    {
        var hostsBuilder = new DomainSetBuilder();
        var domainsBuilder = new DomainSetBuilder();

        ListParseReport hosts, domains;
        using (var reader = File.OpenText(RealList("drugs.hosts")))
        {
            hosts = ListParser.Parse(reader, "drugs.hosts", ListFormat.Auto, Drugs, hostsBuilder);
        }

        using (var reader = File.OpenText(RealList("drugs.domains")))
        {
            domains = ListParser.Parse(reader, "drugs.domains", ListFormat.Auto, Drugs, domainsBuilder);
        }

        using var hostsSet = hostsBuilder.Build();
        using var domainsSet = domainsBuilder.Build();
        Assert.Equal(ListFormat.Hosts, hosts.Format);
        Assert.Equal(ListFormat.Domains, domains.Format);
        Assert.True(hosts.Added > 25_000, $"{hosts.Added} names");
        Assert.Equal(hosts.Added, domains.Added);
        Assert.Equal(hostsSet.Entries(), domainsSet.Entries());
        Assert.False(hosts.LooksLikeHtml);
    }

    [Fact]
    public void Parse_RealPhishingList_AllLinesAccountedFor()
    {
        var builder = new DomainSetBuilder();
        using var reader = File.OpenText(RealList("phishing.domains"));

        var report = ListParser.Parse(reader, "phishing.domains", ListFormat.Auto, Categories.Bit(Category.Malware), builder);
        using var set = builder.Build();

        Assert.True(report.Added > 150_000, $"{report.Added} names");
        var comments = File.ReadLines(RealList("phishing.domains")).Count(l => l.TrimStart().StartsWith('#') || string.IsNullOrWhiteSpace(l));
        Assert.Equal(report.Lines, report.Added + report.SkippedTotal + comments);   // every line is a name, a skip or a comment
        Assert.InRange(set.SizeBytes / (double)set.Count, 10, 12);
    }

    [Fact]
    public void Parse_HostsFile_AllNamesOnALineLocalEntriesIgnoredBadOnesReported()
    {
        var (report, set, _) = Parse("""
            # comment
            127.0.0.1 localhost
            ::1 ip6-localhost ip6-loopback
            0.0.0.0 one.example two.example	three.example   # trailing comment
            0.0.0.0 bad_name!.example
            0.0.0.0 10.1.2.3
            0.0.0.0 http://www.example.org/page
            0.0.0.0 com
            """);

        Assert.Equal(ListFormat.Hosts, report.Format);
        Assert.Equal(3, report.Added);
        Assert.All(new[] { "one.example", "two.example", "www.three.example" }, n => Assert.Equal(Drugs, set.MatchText(n)));
        Assert.Equal(1, report.Skipped[ListParser.ReasonInvalid]);
        Assert.Equal(1, report.Skipped[ListParser.ReasonIp]);
        Assert.Equal(1, report.Skipped[ListParser.ReasonUrl]);
        Assert.Equal(1, report.Skipped[ListParser.ReasonSingleLabel]);
        Assert.Contains(report.Examples, e => e.Line == 6 && e.Text == "10.1.2.3");
    }

    [Fact]
    public void Parse_Adblock_BlocksExceptionsAndUnsupportedRules()
    {
        var (report, set, exceptions) = Parse("""
            [Adblock Plus 2.0]
            ! Title: test
            ||ads.example^
            ||tracker.example^$important
            @@||good.ads.example^
            ||example.org/path^
            /banner[0-9]+/
            ||third.example^$third-party
            example.com##.banner
            ||*.wild.example^
            """);

        Assert.Equal(ListFormat.Adblock, report.Format);
        Assert.Equal(2, report.Added);
        Assert.Equal(1, report.Exceptions);
        Assert.Equal(Drugs, set.MatchText("x.ads.example"));
        Assert.Equal(Drugs, set.MatchText("tracker.example"));
        Assert.Equal(Drugs, exceptions.MatchText("good.ads.example"));
        Assert.Equal(4, report.Skipped[ListParser.ReasonAdblockUnsupported]);
        Assert.Equal(1, report.Skipped[ListParser.ReasonCosmetic]);
    }

    [Theory]
    [InlineData("<!DOCTYPE html>\n<html><body>Captive portal</body></html>")]
    [InlineData("<html>\n<head><title>404</title></head>")]
    public void Parse_HtmlInsteadOfAList_Flagged(string html)
    {
        var (report, set, _) = Parse(html);
        Assert.True(report.LooksLikeHtml);
        Assert.Equal(0, set.Count);
    }

    [Theory]
    [InlineData("Example.COM.", "example.com")]
    [InlineData("*.wild.example", "wild.example")]
    [InlineData("under_score.example", "under_score.example")]
    [InlineData("xn--bcher-kva.example", "xn--bcher-kva.example")]
    public void Normalize_ValidTokens_LowerCasedWithoutDotOrWildcard(string token, string expected)
    {
        Span<char> name = stackalloc char[256];
        Assert.Null(ListParser.Normalize(token, name, out var length, out _));
        Assert.Equal(expected, name[..length].ToString());
    }

    [Theory]
    [InlineData("bücher.example")]
    [InlineData("a..b")]
    [InlineData("-")]
    [InlineData("")]
    [InlineData("white space.example")]
    public void Normalize_InvalidTokens_Reason(string token)
    {
        Span<char> name = stackalloc char[256];
        Assert.NotNull(ListParser.Normalize(token, name, out _, out _));
    }

    [Fact]
    public void Normalize_LabelOf64_Invalid()
        => Assert.Equal(ListParser.ReasonInvalid, ListParser.Normalize(new string('a', 64) + ".example", new char[300], out _, out _));
}
