using System.Collections.Concurrent;
using System.Net;
using Appliance.Lessons.Fetch;

namespace Appliance.Lessons.Tests.Fetch;

public sealed class FetchBehaviourTests
{
    [Fact]
    public async Task FetchAsync_Requests_AreAnonymousAndNameTheAppliance()
    {
        using var bed = new LessonTestBed();
        var seen = new ConcurrentQueue<(string? Agent, string? Cookie, string? Authorization)>();
        bed.Site.Route("p.html", async context =>
        {
            seen.Enqueue((context.Request.UserAgent, context.Request.Headers["Cookie"], context.Request.Headers["Authorization"]));
            context.Response.AddHeader("Set-Cookie", "session=pupil-tracking; Path=/");
            context.Response.ContentType = "text/html";
            await context.Response.OutputStream.WriteAsync("<img src=a.png>"u8.ToArray());
        });
        bed.Site.Route("a.png", context =>
        {
            seen.Enqueue((context.Request.UserAgent, context.Request.Headers["Cookie"], context.Request.Headers["Authorization"]));
            context.Response.StatusCode = 404;
            return Task.CompletedTask;
        });

        await bed.FetchAsync("anon", null, "p.html");

        Assert.Equal(2, seen.Count);
        Assert.All(seen, s => Assert.Equal((LessonFetcher.UserAgent, null, null), s));
        Assert.StartsWith("SchoolGatewayAppliance/", LessonFetcher.UserAgent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FetchAsync_CssDepthLimit_StopsFollowingImports()
    {
        using var bed = new LessonTestBed();
        SampleSite.Serve(bed.Site);

        // Depth 1: stylesheets the page uses are read; what they import (depth 2) is fetched but not read.
        var report = await bed.FetchAsync("d", new FetchLimits { MaxCssDepth = 1 }, "lesson.html");

        var fetched = report.Items.Where(i => i.Outcome == FetchOutcome.Fetched).Select(i => i.Url.AbsolutePath).ToList();
        Assert.Contains("/css/fonts.css", fetched);
        Assert.Contains("/img/sprite.png", fetched);
        Assert.DoesNotContain("/fonts/f.woff2", fetched);
    }

    [Fact]
    public async Task FetchAsync_BadRequest_NamesTheProblem()
    {
        using var bed = new LessonTestBed();

        var badId = await Assert.ThrowsAsync<ArgumentException>(() => bed.Fetcher.FetchAsync(
            new LessonFetchRequest("../x", [bed.Site.Url("p")], new FetchLimits()), CancellationToken.None));
        var badPage = await Assert.ThrowsAsync<ArgumentException>(() => bed.Fetcher.FetchAsync(
            new LessonFetchRequest("x", [new Uri("ftp://example.org/")], new FetchLimits()), CancellationToken.None));

        Assert.Contains("'../x'", badId.Message, StringComparison.Ordinal);
        Assert.Contains("ftp://example.org/", badPage.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FetchAsync_CallerCancels_Throws()
    {
        using var bed = new LessonTestBed();
        var arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource();
        bed.Site.Slow("slow.html", arrived, release.Task);
        using var cancel = new CancellationTokenSource();

        var fetching = bed.Fetcher.FetchAsync(new LessonFetchRequest("c", [bed.Site.Url("slow.html")], new FetchLimits()), cancel.Token);
        await arrived.Task.WaitAsync(TimeSpan.FromSeconds(60));
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => fetching.WaitAsync(TimeSpan.FromSeconds(60)));
        release.SetResult();
    }

    [Fact]
    public async Task FetchAsync_SameLessonTwiceAtOnce_TheSecondWaitsForTheFirst()
    {
        using var bed = new LessonTestBed();
        var arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource();
        bed.Site.Slow("slow.html", arrived, release.Task);
        bed.Site.Text("p.html", "text/html", "<p>x</p>");

        var first = bed.FetchAsync("twice", null, "slow.html");
        await arrived.Task.WaitAsync(TimeSpan.FromSeconds(60));
        var second = bed.FetchAsync("twice", null, "p.html");
        var other = await bed.FetchAsync("another", null, "p.html");
        var secondRanEarly = second.IsCompleted || bed.Site.Requests.Count(r => r.StartsWith("p.html", StringComparison.Ordinal)) != 1;
        release.SetResult();
        var reports = await Task.WhenAll(first, second).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.False(secondRanEarly);
        Assert.Equal(FetchOutcome.Fetched, other.Items.Single().Outcome);
        Assert.Equal(FetchOutcome.Fetched, reports[0].Items.Single().Outcome);
        Assert.Equal(FetchOutcome.Fetched, reports[1].Items.Single().Outcome);
        Assert.True(reports[1].StartedAt >= reports[0].FinishedAt);
    }

    [Fact]
    public void Freshness_From_FollowsRfc9111()
    {
        var now = new DateTimeOffset(2026, 11, 29, 12, 0, 0, TimeSpan.Zero);

        Assert.Equal(now.AddSeconds(60), Fresh(now, "max-age=600, s-maxage=60").FreshUntil);
        Assert.Equal(now.AddSeconds(590), Fresh(now, "max-age=600", age: 10).FreshUntil);
        Assert.Equal(now.AddHours(1), Fresh(now, "private, max-age=3600").FreshUntil);
        Assert.Equal(now, Fresh(now, "no-cache, max-age=3600").FreshUntil);
        Assert.True(Fresh(now, "no-store").NoStore);
        Assert.Equal(now.AddMinutes(30), Fresh(now, null, expires: now.AddMinutes(30)).FreshUntil);
        // §4.2.2 heuristic: 10 % of the time since Last-Modified (10 days → 1 day, the cap).
        Assert.Equal(now.AddMinutes(144), Fresh(now, null, lastModified: now.AddDays(-1)).FreshUntil);
        Assert.Equal(now.AddDays(1), Fresh(now, null, lastModified: now.AddDays(-100)).FreshUntil);
        Assert.Equal("\"v1\"", Fresh(now, null, etag: "\"v1\"").ETag);
    }

    private static Freshness Fresh(
        DateTimeOffset now, string? cacheControl, int? age = null, DateTimeOffset? expires = null, DateTimeOffset? lastModified = null, string? etag = null)
    {
        using var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent([]) };
        response.Headers.Date = now;
        if (cacheControl is not null)
        {
            response.Headers.TryAddWithoutValidation("Cache-Control", cacheControl);
        }

        if (age is { } seconds)
        {
            response.Headers.Age = TimeSpan.FromSeconds(seconds);
        }

        if (etag is not null)
        {
            response.Headers.ETag = System.Net.Http.Headers.EntityTagHeaderValue.Parse(etag);
        }

        response.Content.Headers.Expires = expires;
        response.Content.Headers.LastModified = lastModified;
        return Freshness.From(response, now, now);
    }
}
