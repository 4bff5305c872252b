using System.Text;
using AngleSharp.Html.Parser;
using Appliance.Lessons.Fetch;
using Appliance.Lessons.Mirror;

namespace Appliance.Lessons.Tests.Fetch;

public sealed class PageParsingTests
{
    private static readonly Uri Page = new("https://www.example.co.uk/topic/page.html");

    [Theory]
    [InlineData("a.png 1x, b.png 2x", new[] { "a.png", "b.png" })]
    [InlineData("a.png,b.png", new[] { "a.png,b.png" })]
    [InlineData("a.png, b.png,", new[] { "a.png", "b.png" })]
    [InlineData("  a.png  100w ,  b.png 200w  ", new[] { "a.png", "b.png" })]
    [InlineData("a.png (x, y) 1x, b.png", new[] { "a.png", "b.png" })]
    [InlineData("data:image/png;base64,AAA= 1x", new[] { "data:image/png;base64,AAA=" })]
    [InlineData(",,,", new string[0])]
    [InlineData("", new string[0])]
    public void SrcsetParser_Urls_AreTheCandidatesUrls(string srcset, string[] urls) =>
        Assert.Equal(urls, SrcsetParser.Urls(srcset).Select(u => srcset.Substring(u.Start, u.Length)));

    [Theory]
    [InlineData("www.bbc.co.uk", "bbc.co.uk", true)]
    [InlineData("a.example.com", "b.example.com", true)]
    [InlineData("example.com", "example.org", false)]
    [InlineData("school.sch.uk", "other.sch.uk", false)]
    [InlineData("www.nhs.uk", "111.nhs.uk", false)]
    [InlineData("127.0.0.1", "localhost", false)]
    [InlineData("127.0.0.1", "127.0.0.1", true)]
    [InlineData("[::1]", "[::1]", true)]
    [InlineData("EXAMPLE.com.", "www.example.com", true)]
    public void SiteKey_SameSite_UsesTheRegistrableDomainApproximation(string a, string b, bool same) =>
        Assert.Equal(same, SiteKey.SameSite(new Uri($"http://{a}/"), new Uri($"https://{b}/")));

    [Fact]
    public void HtmlAssetCollector_BaseElement_ChangesWhereRelativeUrlsPoint()
    {
        using var document = new HtmlParser().ParseDocument("<base href='/assets/'><img src='a.png'><a href='b.html'>b</a><img src='data:image/png;base64,AA'>");

        var assets = HtmlAssetCollector.Collect(document, Page);

        Assert.Equal([new Uri("https://www.example.co.uk/assets/a.png")], assets.Select(a => a.Url));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public async Task HostileHtml_ParsesCollectsAndRewritesWithoutThrowing(int kind)
    {
        var html = kind switch
        {
            1 => string.Concat(Enumerable.Repeat("<div>", 5_000)) + "<img src=deep.png>",
            2 => "<img src=\"" + new string('a', 4_000_000) + "\" srcset=\"" + new string(',', 1_000_000) + "\">",
            3 => "<style>a{background:url(" + new string('(', 500_000) + "</style><img src='x.png",
            _ => "<svg><style>@import 'x.css'</style></svg><script src=y.js><img src=z.png></script><<<<>>>&#xFFFFFF;<img src=\u0000.png>",
        };
        using var document = await PageParser.ParseAsync(new MemoryStream(Encoding.UTF8.GetBytes(html)), CancellationToken.None);

        var assets = HtmlAssetCollector.Collect(document!, Page);
        new MirrorRewriter("l", new HashSet<string>(assets.Select(a => a.Url.AbsoluteUri))).RewriteHtml(document!, Page);

        Assert.All(assets, a => Assert.True(WebUrl.IsWeb(a.Url)));
        if (kind == 1)
        {
            Assert.Equal([new Uri("https://www.example.co.uk/topic/deep.png")], assets.Select(a => a.Url));
        }
    }

    [Fact]
    public async Task PageParser_DeeplyNestedPage_IsNotParsed()
    {
        // 100 000 nested <b> took about 19 s to parse; beyond MaxElements the page is refused at once.
        var html = string.Concat(Enumerable.Repeat("<b>", PageParser.MaxElements + 1));

        var document = await PageParser.ParseAsync(new MemoryStream(Encoding.ASCII.GetBytes(html)), CancellationToken.None);

        Assert.Null(document);
        Assert.Equal(2, PageParser.CountStartTags("<p>a < b <1 <x-y></p><"u8));
    }

    [Fact]
    public void FetchLimits_Validate_NamesTheBadField()
    {
        new FetchLimits().Validate();

        var error = Assert.Throws<ArgumentException>(() => new FetchLimits { MaxLessonBytes = 1, MaxResourceBytes = 2 }.Validate());
        Assert.Equal("MaxLessonBytes", error.ParamName);
        Assert.Throws<ArgumentException>(() => new FetchLimits { RequestTimeout = TimeSpan.FromHours(1) }.Validate());
        Assert.Throws<ArgumentException>(() => new FetchLimits { MaxResources = 0 }.Validate());
    }
}
