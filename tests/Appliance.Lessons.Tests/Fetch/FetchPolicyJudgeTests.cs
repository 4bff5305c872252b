using System.Collections.Concurrent;
using Appliance.Lessons.Fetch;

namespace Appliance.Lessons.Tests.Fetch;

/// <summary>
/// The pre-fetch puts every URL to the request's judge (the policy) before asking a site for it: a teacher's allowed
/// link that redirects to a statutory-listed or blocked site must not bring that content onto the box or its mirror.
/// </summary>
public sealed class FetchPolicyJudgeTests
{
    private const string Statutory = "on a locked statutory list: never fetched";
    private const string Games = "in a category the class blocks (Games): not fetched";

    [Fact]
    public async Task FetchAsync_PageRedirectsToRefusedSite_NothingIsRequestedFromItAndTheLineSaysWhy()
    {
        using var bed = new LessonTestBed();
        using var listed = ShortenerToAnotherSite(bed);
        var judged = new ConcurrentQueue<Uri>();

        var report = await FetchAsync(bed, "j", url => Judge(judged, url, url.Port == listed.Port ? Statutory : null), "short");

        var item = report.Items.Single();
        Assert.Equal(FetchOutcome.Skipped, item.Outcome);
        Assert.Equal($"the site redirected to 127.0.0.1 ({Statutory})", item.Problem);
        Assert.Equal((bed.Site.Url("short"), 302), (item.FinalUrl, item.HttpStatus));
        Assert.Null(item.Redirects);
        Assert.Equal([bed.Site.Url("short"), listed.Url("page.html")], judged);
        Assert.Empty(listed.Requests);
        Assert.Empty(bed.Store.Resources("j"));
    }

    [Fact]
    public async Task FetchAsync_NoJudge_FollowsThatRedirectAsBefore()
    {
        using var bed = new LessonTestBed();
        using var listed = ShortenerToAnotherSite(bed);

        var report = await FetchAsync(bed, "n", null, "short");

        var item = report.Items.Single();
        Assert.Equal((FetchOutcome.Fetched, listed.Url("page.html")), (item.Outcome, item.FinalUrl));
        Assert.Equal(["page.html -"], listed.Requests);
    }

    [Fact]
    public async Task FetchAsync_RefusedAssetsAndCssUrls_AreNotRequestedAndAreListed()
    {
        using var bed = new LessonTestBed();
        bed.Site.Text("p.html", "text/html", "<link rel=stylesheet href=s.css><img src=games/x.png><img src=ok.png>");
        bed.Site.Text("s.css", "text/css", """@import "games/more.css"; .a { background: url(games/bg.png) } .b { background: url(ok2.png) }""");
        foreach (var path in new[] { "games/x.png", "games/bg.png", "ok.png", "ok2.png" })
        {
            bed.Site.File(path, "image/png", SampleSite.Png);
        }

        bed.Site.Text("games/more.css", "text/css", "p { color: red }");

        var report = await FetchAsync(bed, "a", url => url.AbsolutePath.StartsWith("/games/", StringComparison.Ordinal) ? Games : null, "p.html");

        var lines = report.Items.ToDictionary(i => i.Url.AbsolutePath, i => (i.Outcome, i.Problem, i.FinalUrl));
        foreach (var refused in new[] { "/games/x.png", "/games/more.css", "/games/bg.png" })
        {
            Assert.Equal((FetchOutcome.Skipped, Games, (Uri?)null), lines[refused]);
        }

        Assert.All(new[] { "/p.html", "/s.css", "/ok.png", "/ok2.png" }, path => Assert.Equal(FetchOutcome.Fetched, lines[path].Outcome));
        Assert.Equal(7, report.Items.Count);
        Assert.DoesNotContain(bed.Site.Requests, r => r.StartsWith("games/", StringComparison.Ordinal));
        Assert.DoesNotContain(bed.Store.Resources("a"), r => r.Url.Contains("/games/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task FetchAsync_RefusedTeachersPage_IsSkippedAndTheAllowedOneFetchedWithinTheFileLimit()
    {
        using var bed = new LessonTestBed();
        bed.Site.Text("listed.html", "text/html", "<p>x</p>");
        bed.Site.Text("ok.html", "text/html", "<p>y</p>");
        var request = new LessonFetchRequest(
            "p", [bed.Site.Url("listed.html"), bed.Site.Url("ok.html")], new FetchLimits { MaxResources = 1 },
            url => url.AbsolutePath == "/listed.html" ? Statutory : null);

        var report = await bed.Fetcher.FetchAsync(request, CancellationToken.None);

        // A refusal asks nothing of the site, so it does not use up the lesson's one file.
        (string, FetchOutcome, string?)[] expected = [("/listed.html", FetchOutcome.Skipped, Statutory), ("/ok.html", FetchOutcome.Fetched, null)];
        Assert.Equal(expected, report.Items.Select(i => (i.Url.AbsolutePath, i.Outcome, i.Problem)));
        Assert.Equal(["ok.html -"], bed.Site.Requests);
    }

    [Fact]
    public async Task FetchAsync_AllowingJudge_IsAskedAboutEveryRequestAndChangesNothing()
    {
        using var bed = new LessonTestBed();
        SampleSite.Serve(bed.Site);
        bed.Site.Redirect("start", "/lesson.html");
        var judged = new ConcurrentQueue<Uri>();

        var report = await FetchAsync(bed, "v", url => Judge(judged, url, null), "start");

        var fetched = report.Items.Where(i => i.Outcome == FetchOutcome.Fetched).Select(i => i.FinalUrl!.AbsolutePath.TrimStart('/'));
        Assert.Equal(SampleSite.Assets.Append("lesson.html").Order(), fetched.Order());
        var judgedPaths = judged.Select(u => u.AbsolutePath.TrimStart('/')).ToHashSet();
        Assert.All(bed.Site.Requests, r => Assert.Contains(r.Split(' ')[0], judgedPaths));
        Assert.Contains("lesson.html", judgedPaths);   // the redirect hop, judged before it was requested
        Assert.DoesNotContain(judged, u => u.Host != "127.0.0.1");   // other sites' assets are never requested, so never judged
    }

    [Fact]
    public async Task FetchAsync_TargetRefusedAfterAnEarlierFetch_TheEarlierCopyIsDropped()
    {
        using var bed = new LessonTestBed();
        bed.Site.Redirect("short", "/target.html");
        bed.Site.Text("target.html", "text/html", "<img src=a.png>");
        bed.Site.File("a.png", "image/png", SampleSite.Png);
        var first = await FetchAsync(bed, "k", null, "short");
        Assert.Equal(2, first.Items.Count(i => i.Outcome == FetchOutcome.Fetched));
        bed.Time.Advance(TimeSpan.FromMinutes(5));

        // The target was put on a statutory list since: the shortener is asked again, its target never.
        var second = await FetchAsync(bed, "k", url => url.AbsolutePath == "/target.html" ? Statutory : null, "short");

        var item = second.Items.Single();
        Assert.Equal(FetchOutcome.Skipped, item.Outcome);
        Assert.Equal($"the site redirected to 127.0.0.1 ({Statutory})", item.Problem);
        Assert.Equal(1, bed.Site.Requests.Count(r => r.StartsWith("target.html", StringComparison.Ordinal)));
        // Nothing of it stays for the mirror to serve (the mirror answers from these rows only).
        Assert.Empty(bed.Store.Resources("k"));
        Assert.Null(bed.Store.Find("k", bed.Site.Url("short").AbsoluteUri));
    }

    [Fact]
    public async Task FetchAsync_JudgeThrows_RefusesAndSaysTheCheckFailed()
    {
        using var bed = new LessonTestBed();
        bed.Site.Text("p.html", "text/html", "<p>x</p>");

        var report = await FetchAsync(bed, "t", _ => throw new InvalidOperationException("lists are reloading"), "p.html");

        var item = report.Items.Single();
        Assert.Equal(FetchOutcome.Skipped, item.Outcome);
        Assert.Equal("not fetched: the policy check failed (InvalidOperationException: lists are reloading)", item.Problem);
        Assert.Empty(bed.Site.Requests);
    }

    /// <summary>A second site (another port: what the judge refuses) with page.html, and "short" on the bed's site redirecting there.</summary>
    private static LessonSiteServer ShortenerToAnotherSite(LessonTestBed bed)
    {
        var other = new LessonSiteServer();
        other.Text("page.html", "text/html", "<p>a page of another site</p>");
        bed.Site.Redirect("short", other.Url("page.html").AbsoluteUri);
        return other;
    }

    private static Task<FetchReport> FetchAsync(LessonTestBed bed, string lessonId, Func<Uri, string?>? refuse, params string[] pages) =>
        bed.Fetcher.FetchAsync(new LessonFetchRequest(lessonId, [.. pages.Select(bed.Site.Url)], new FetchLimits(), refuse), CancellationToken.None);

    private static string? Judge(ConcurrentQueue<Uri> judged, Uri url, string? verdict)
    {
        judged.Enqueue(url);
        return verdict;
    }
}
