using Appliance.Lessons.Fetch;

namespace Appliance.Lessons.Tests.Fetch;

public sealed class LessonFetcherTests
{
    [Fact]
    public async Task FetchAsync_PageWithAssets_StoresSameSiteAssetsAndListsOtherSite()
    {
        using var bed = new LessonTestBed();
        SampleSite.Serve(bed.Site);

        var report = await bed.FetchAsync("volcanoes", null, "lesson.html");

        var fetched = report.Items.Where(i => i.Outcome == FetchOutcome.Fetched).Select(i => i.Url.AbsolutePath.TrimStart('/')).ToList();
        Assert.Equal(SampleSite.Assets.Append("lesson.html").Order(), fetched.Order());
        Assert.Equal(FetchItemKind.Page, report.Items.Single(i => i.Url.AbsolutePath == "/lesson.html").Kind);
        var otherSite = report.Items.Where(i => i.Problem == "not mirrored (other site)").Select(i => i.Url.AbsoluteUri).Order();
        Assert.Equal(["http://cdn.example.org/bg.png", "http://cdn.example.org/lib.js"], otherSite);
        Assert.Equal(["127.0.0.1"], report.Hosts);
        Assert.True(report.StoredBytes > SampleSite.Page.Length);
        // Links are not followed, comments are not read, nothing of another site is asked for.
        Assert.DoesNotContain(bed.Site.Requests, r => r.StartsWith("other.html", StringComparison.Ordinal) || r.Contains("not-this", StringComparison.Ordinal));
        Assert.Equal(report, bed.Store.LoadReport("volcanoes"), new ReportComparer());
        // Eight PNG URLs with one body: stored once.
        Assert.Equal(bed.Store.Resources("volcanoes").Select(r => r.BlobHash).Distinct().Count() + CountRewritten(bed), bed.BlobFiles().Length);
    }

    [Fact]
    public async Task FetchAsync_RedirectChain_FollowsAndRecordsIt()
    {
        using var bed = new LessonTestBed();
        bed.Site.Redirect("start", "/middle", 301);
        bed.Site.Redirect("middle", bed.Site.Origin + "/end.html", 307);
        bed.Site.Text("end.html", "text/html", "<p>arrived</p>");

        var item = (await bed.FetchAsync("r", null, "start")).Items.Single();

        Assert.Equal(FetchOutcome.Fetched, item.Outcome);
        Assert.Equal(bed.Site.Url("end.html"), item.FinalUrl);
        Assert.Equal([bed.Site.Url("middle"), bed.Site.Url("end.html")], item.Redirects!);
        Assert.Equal(200, item.HttpStatus);
    }

    [Theory]
    [InlineData("loop", "go round in a loop")]
    [InlineData("many0", "too many redirects (more than 5)")]
    [InlineData("elsewhere", "non-web address (ftp:)")]
    public async Task FetchAsync_BadRedirects_FailWithTheReason(string start, string problem)
    {
        using var bed = new LessonTestBed();
        bed.Site.Redirect("loop", "/loop2");
        bed.Site.Redirect("loop2", "/loop");
        for (var i = 0; i < 7; i++)
        {
            bed.Site.Redirect($"many{i}", $"/many{i + 1}");
        }

        bed.Site.Redirect("elsewhere", "ftp://127.0.0.1/file");

        var item = (await bed.FetchAsync("r", null, start)).Items.Single();

        Assert.Equal(FetchOutcome.Failed, item.Outcome);
        Assert.Contains(problem, item.Problem, StringComparison.Ordinal);
        Assert.DoesNotContain(bed.Site.Requests, r => r.StartsWith("many7", StringComparison.Ordinal));
    }

    [Fact]
    public async Task FetchAsync_AssetRedirectedToAnotherSite_IsNotFollowed()
    {
        using var bed = new LessonTestBed();
        bed.Site.Text("p.html", "text/html", "<img src=/img/x.png>");
        bed.Site.Redirect("img/x.png", "http://localhost:1/x.png");

        var item = (await bed.FetchAsync("r", null, "p.html")).Items.Single(i => i.Kind == FetchItemKind.Asset);

        Assert.Equal(FetchOutcome.Failed, item.Outcome);
        Assert.Equal("the site redirected to another site (localhost), which is not copied", item.Problem);
    }

    [Fact]
    public async Task FetchAsync_OverTheResourceLimit_StopsStreamingAndReportsTooLarge()
    {
        using var bed = new LessonTestBed();
        bed.Site.Text("p.html", "text/html", "<img src=chunked.png><img src=bomb.png><img src=ok.png>");
        bed.Site.Chunked("chunked.png", "image/png", 3 * 1024 * 1024);
        // 3 MB of zeros gzip to a few KB: the Content-Length says "small", the decoded bytes are what count.
        bed.Site.GzipBomb("bomb.png", 3 * 1024 * 1024);
        bed.Site.File("ok.png", "image/png", SampleSite.Png);
        var limits = new FetchLimits { MaxResourceBytes = 1024 * 1024 };

        var report = await bed.FetchAsync("big", limits, "p.html");

        foreach (var name in new[] { "/chunked.png", "/bomb.png" })
        {
            var item = report.Items.Single(i => i.Url.AbsolutePath == name);
            Assert.Equal(FetchOutcome.Failed, item.Outcome);
            Assert.Equal("too large (> 1048576 bytes)", item.Problem);
        }

        Assert.Equal(FetchOutcome.Fetched, report.Items.Single(i => i.Url.AbsolutePath == "/ok.png").Outcome);
        Assert.Empty(bed.IncomingFiles());
        Assert.DoesNotContain(bed.Store.Resources("big"), r => r.Url.EndsWith("chunked.png", StringComparison.Ordinal));
    }

    [Fact]
    public async Task FetchAsync_OverTheLessonLimit_StopsTheLessonAndSkipsTheRest()
    {
        using var bed = new LessonTestBed();
        bed.Site.Text("p.html", "text/html", "<img src=1.png><img src=2.png><img src=3.png><img src=4.png>");
        for (var i = 1; i <= 4; i++)
        {
            bed.Site.File($"{i}.png", "image/png", [.. SampleSite.Png, .. new byte[400 * 1024], (byte)i]);
        }

        var limits = new FetchLimits { MaxResourceBytes = 512 * 1024, MaxLessonBytes = 1024 * 1024 };

        var report = await bed.FetchAsync("l", limits, "p.html");

        var outcomes = report.Items.Skip(1).Select(i => (i.Url.AbsolutePath, i.Outcome)).ToList();
        Assert.Equal([("/1.png", FetchOutcome.Fetched), ("/2.png", FetchOutcome.Fetched), ("/3.png", FetchOutcome.Failed), ("/4.png", FetchOutcome.Skipped)], outcomes);
        Assert.Equal("not copied: the lesson would pass its size limit (1048576 bytes)", report.Items[3].Problem);
        Assert.Equal("not fetched: the lesson reached its size limit (1048576 bytes)", report.Items[4].Problem);
        Assert.True(report.StoredBytes <= limits.MaxLessonBytes);
        Assert.DoesNotContain(bed.Site.Requests, r => r.StartsWith("4.png", StringComparison.Ordinal));
    }

    [Fact]
    public async Task FetchAsync_MoreFilesThanAllowed_SkipsTheRest()
    {
        using var bed = new LessonTestBed();
        SampleSite.Serve(bed.Site);

        var report = await bed.FetchAsync("n", new FetchLimits { MaxResources = 3 }, "lesson.html");

        Assert.Equal(3, report.Items.Count(i => i.Outcome == FetchOutcome.Fetched));
        Assert.Contains(report.Items, i => i.Outcome == FetchOutcome.Skipped && i.Problem == "not fetched: a lesson may have at most 3 files");
    }

    [Theory]
    [InlineData("zip", "application/zip", "not copied: files of type application/zip are not kept for lessons")]
    [InlineData("exe", "application/x-msdownload", "not copied: files of type application/x-msdownload are not kept for lessons")]
    public async Task FetchAsync_TypeNotAllowed_IsRefusedByHeaderNotExtension(string name, string type, string problem)
    {
        using var bed = new LessonTestBed();
        // The extension says PNG; the header decides.
        bed.Site.File($"{name}.png", type, SampleSite.Png);

        var item = (await bed.FetchAsync("t", null, $"{name}.png")).Items.Single();

        Assert.Equal(FetchOutcome.Failed, item.Outcome);
        Assert.Equal(problem, item.Problem);
        Assert.Empty(bed.Store.Resources("t"));
    }

    [Theory]
    [InlineData(404, "the site answered 404 Not Found")]
    [InlineData(500, "the site answered 500 Internal Server Error")]
    public async Task FetchAsync_ErrorStatus_IsReportedInPlainWords(int status, string problem)
    {
        using var bed = new LessonTestBed();
        bed.Site.Status("broken", status);

        var item = (await bed.FetchAsync("e", null, "broken")).Items.Single();

        Assert.Equal((FetchOutcome.Failed, status, problem), (item.Outcome, item.HttpStatus, item.Problem));
    }

    [Fact]
    public async Task FetchAsync_NothingListening_SaysTheSiteCouldNotBeReached()
    {
        using var bed = new LessonTestBed();
        var closed = new LessonSiteServer();
        var url = closed.Url("p.html");
        closed.Dispose();

        var report = await bed.Fetcher.FetchAsync(new LessonFetchRequest("down", [url], new FetchLimits()), CancellationToken.None);

        var item = report.Items.Single();
        Assert.Equal(FetchOutcome.Failed, item.Outcome);
        Assert.StartsWith("could not reach the site (ConnectionError: ", item.Problem, StringComparison.Ordinal);
        Assert.Empty(report.Hosts);
    }

    [Fact]
    public async Task FetchAsync_NoStore_IsNotStoredAndSaysWhy()
    {
        using var bed = new LessonTestBed();
        bed.Site.Text("secret.html", "text/html", "<p>x</p>", ("Cache-Control", "no-store"));

        var item = (await bed.FetchAsync("s", null, "secret.html")).Items.Single();

        Assert.Equal(FetchOutcome.Skipped, item.Outcome);
        Assert.Equal("not stored: the site asks that it is never stored (Cache-Control: no-store)", item.Problem);
        Assert.Empty(bed.Store.Resources("s"));
    }

    [Fact]
    public async Task FetchAsync_NoContentType_IsSniffedFromTheBody()
    {
        using var bed = new LessonTestBed();
        bed.Site.Route("img", async context => await context.Response.OutputStream.WriteAsync(SampleSite.Png));
        bed.Site.Route("blob", async context => await context.Response.OutputStream.WriteAsync(new byte[] { 1, 2, 3 }));

        var report = await bed.FetchAsync("sniff", null, "img", "blob");

        Assert.Equal("image/png", report.Items[0].ContentType);
        Assert.Equal(FetchOutcome.Failed, report.Items[1].Outcome);
        Assert.StartsWith("not copied: the site did not say what kind of file this is", report.Items[1].Problem, StringComparison.Ordinal);
    }

    private static int CountRewritten(LessonTestBed bed) =>
        bed.Store.Resources("volcanoes").Where(r => r.MirrorBlobHash is not null).Select(r => r.MirrorBlobHash)
            .Except(bed.Store.Resources("volcanoes").Select(r => r.BlobHash)).Distinct().Count();

    private sealed class ReportComparer : IEqualityComparer<FetchReport?>
    {
        public bool Equals(FetchReport? x, FetchReport? y) =>
            x is not null && y is not null && x.LessonId == y.LessonId && x.StartedAt == y.StartedAt && x.StoredBytes == y.StoredBytes
            && x.Hosts.SequenceEqual(y.Hosts) && x.Items.Count == y.Items.Count
            && x.Items.Zip(y.Items).All(p => p.First with { Redirects = null } == p.Second with { Redirects = null });

        public int GetHashCode(FetchReport? obj) => 0;
    }
}
